"""Problems of the record checks, listed as a record-by-record pass would list them.

The checks run column by column over all records, so each problem is stamped with its
record, its step and its place in the step, and the problems are put in that order at
the end: a coder reads them record by record, in the order of each record's keys.
"""

from __future__ import annotations

import numpy as np

from ..codebook import PHRASE_KEYS
from ..columnar import pick
from ..problems import Problem

#: The checks of a record in the order its problems are listed (the order of its keys).
STEPS = ("identity", "source", "control", "status", "evidence", "exclusion", "required", "event_kind", "context_type",
         "vocabulary", "coded_on", "summary", "reference", "merge_reason", "total_of", "total_field", "figure_kind",
         *PHRASE_KEYS, "money")


class Findings:
    """The problems found in the records (a RawRecords), each placed in the listing order."""

    def __init__(self, raw):
        self.lines = raw.lines
        self.file = raw.records["_file"]
        self.record_line = raw.records["_line"].to_numpy()
        self.record_id = raw.records["record_id"]
        self.items: list[tuple[tuple[int, int, int], Problem]] = []

    def line(self, pos: int, *keys: str) -> int:
        """The line of the first of ``keys`` a YAML record has; else the record's (a CSV row is one line)."""
        lines = self.lines.get(pos)
        if lines:
            for key in keys:
                if lines.get(key):
                    return lines[key]
        return int(self.record_line[pos])

    def add(self, step, rows, field, message, *, value=None, accepted=None, line=None, sub=0, pos=None,
            record=True) -> None:
        """One problem per selected row (``rows``: a boolean mask or row numbers).

        The other arguments are as ``columnar.pick`` takes them; ``pos`` names the records
        of the rows of another table (amounts, quotes), ``line`` defaults to the line of the
        field's key, and ``record`` to the record's id (None: no record).
        """
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
        if not len(rows):
            return
        positions = rows if pos is None else np.asarray(pick(pos, rows), dtype=np.int64)
        fields, messages, values, accepteds, subs, lines = (pick(v, rows) for v in (field, message, value, accepted, sub, line))
        steps = [STEPS.index(s) if isinstance(s, str) else int(s) for s in pick(step, rows)]
        files, record_ids = pick(self.file, positions), pick(self.record_id, positions)
        for i, p in enumerate(positions.tolist()):
            f = fields[i]
            ln = lines[i] if lines[i] is not None and lines[i] >= 0 else self.line(p, f, f"{f}_phrase")
            problem = Problem(files[i], messages[i], line=int(ln), record=record_ids[i] if record else None, field=f,
                              value=values[i], accepted=accepteds[i])
            # Identity problems are found before any record is read: they come first.
            self.items.append(((steps[i] != 0, p, steps[i], subs[i]), problem))

    def sorted(self) -> list[Problem]:
        return [p for _, p in sorted(self.items, key=lambda item: item[0])]
