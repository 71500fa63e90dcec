"""Nobody named is exposed: one redactor for every restricted value of every record.

A coder lists the names of victims (``victim_names``) and details that could identify
them (``identifying_details``: an age, a workplace, a village, a unit) with a record. The
values of *all* records make one :class:`Redactor`, which finds them in any text in any
spelling a reader would take for the same name (``spelling``: case, Unicode forms and
invisible characters, spaces, inflection, the other alphabet) and withholds them
(``matcher``: a listed value, and each part of a listed name where it stands as a name).

It is used in three places:

- the cleaning step refuses coder-written text that names a restricted value where
  withholding would destroy a fact (``analysis.clean.checks.restricted``), and its
  publication gate passes every text cell of every published table through the redactor
  (``analysis.clean.publish.withhold``), as the codebook says for each column;
- the notebooks runner and the report check what they wrote (executed notebooks, the
  HTML and the PDF, metadata included) and stop publication on a hit (``outputs``).

Coder notes are never published and their words are not searched for: they are prose
about the source and its coding, and what must be withheld is listed in the two keys.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..codebook import WITHHELD, split_multi
from .matcher import MIN_LETTERS, RESTRICTED_KEYS, Hit, Listing, Redactor, too_short

__all__ = ["MIN_LETTERS", "RESTRICTED_KEYS", "WITHHELD", "Hit", "Listing", "Redactor", "listings", "redactor_of", "too_short"]


def listings(raw) -> tuple[list[Listing], list[int]]:
    """Every value the records of ``raw`` (a RawRecords) list under the restricted keys, and each one's record."""
    recs = raw.records
    out: list[Listing] = []
    where: list[int] = []
    for key in RESTRICTED_KEYS:
        column = recs[key]
        rows = np.flatnonzero(column.notna().to_numpy())
        cells = column.iloc[rows].tolist()
        files, lines, ids = (recs[c].iloc[rows].tolist() for c in ("_file", "_line", "record_id"))
        for p, cell, file, line, rid in zip(rows.tolist(), cells, files, lines, ids):
            line = (raw.lines.get(p) or {}).get(key) or line
            for value in split_multi(cell):
                out.append(Listing(value, key, file, int(line) if line is not None else None, rid))
                where.append(p)
    return out, where


def redactor_of(raw_dir: Path, root: Path | None = None) -> tuple[Redactor, list[str]]:
    """The redactor of the records in ``raw_dir``, and the problems met reading them (as text)."""
    from ..clean.raw import read_raw_records

    raw = read_raw_records(raw_dir, root)
    return Redactor(listings(raw)[0]), [str(p) for p in raw.problems]
