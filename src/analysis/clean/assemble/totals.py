"""Totals a source states are checked against the incidents they sum."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...codebook import join_multi, split_multi
from ...columnar import pick
from ...problems import Problem
from ..phrases import COUNT_FIELDS
from .context import Assembly
from .incidents import count_columns
from .merges import Grouping


def check_reported_totals(a: Assembly, g: Grouping, group_rows: dict, group_canonical: dict, incident_of_named: dict) -> None:
    """A reported total and the incidents it names must agree, both ways, by the total's qualifier.

    The incidents' firm counts (their minimums, else their best estimates) are added up:
    a total whose minimum is above that sum means incidents are missing; a total with a
    maximum (exact, 'up to', a range) below it means the incidents claim more than the
    source counts. An 'at least' or 'about' total has no maximum to exceed.
    """
    totals = _totals(a, g, group_rows, group_canonical, incident_of_named)
    if not totals:
        return
    summed = _summed_counts(a, totals, group_rows)
    recs = a.recs
    rows = np.array([i for i, _ in totals], dtype=np.int64)
    for i, summing, stem, f in zip(rows, (t for _, t in totals), pick(recs["total_field"].fillna("persons"), a.parsed[rows]),
                                   pick(recs["_file"], a.parsed[rows])):
        p = int(a.parsed[i])
        fig = a.reading("figure", p)  # the canonical record's figure and field
        members = [summed[m] for m in split_multi(summing) if m in summed]
        lows = [m[f"{stem}_low"] if stem != "killed" else m["killed_low"] for m in members]
        bests = [m[f"{stem}_best"] if stem != "killed" else m["killed_high"] for m in members]
        total = sum(v or b or 0 for v, b in zip(lows, bests))
        need = fig.low if fig.low is not None else fig.best
        shown = dict(line=int(a.lines[p]), record=a.ids.iat[i], field="total_of", value=join_multi(split_multi(summing)))
        if need is not None and total < need:
            a.problems.append(Problem(f, f"the source's total is {need} but the incidents it sums add up to {total} ({stem})",
                                      accepted="code every incident the total covers, or correct the counts", **shown))
        elif fig.high is not None and total > fig.high:
            a.problems.append(Problem(f, f"the incidents it sums add up to {total} ({stem}), more than the source's total of "
                                      f"at most {fig.high}", accepted="a total that covers its incidents: correct the counts, "
                                      "or name only the incidents the source's total covers", **shown))


def _totals(a: Assembly, g: Grouping, group_rows: dict, group_canonical: dict, incident_of_named: dict) -> list[tuple[int, str]]:
    """(the total's record among the coded, the incidents it sums) of each reported total naming incidents."""
    totals = [(group_canonical[iid], row["total_of_incident_ids"]) for iid, row in group_rows.items()
              if row["context_type"] == "reported_total" and row["total_of_incident_ids"]]
    pos = a.parsed[g.single]
    recs = a.recs
    is_total = recs["context_type"].iloc[pos].eq("reported_total").fillna(False).to_numpy(dtype=bool)
    with_total = g.single[is_total & recs["total_of"].iloc[pos].notna().to_numpy()]
    for i, refs in zip(with_total, pick(recs["total_of"], a.parsed[with_total])):
        summing = join_multi(incident_of_named.get(r) or "" for r in split_multi(refs))
        if summing:
            totals.append((i, summing))
    return totals


def _summed_counts(a: Assembly, totals: list, group_rows: dict) -> dict[str, dict]:
    """The counts of each summed incident: a group's row, or its one record's readings."""
    summed = {iid: None for _, summing in totals for iid in split_multi(summing)}
    singles = [iid for iid in summed if iid not in group_rows]
    at = pc.index_in(pa.array(["R" + iid[4:] for iid in singles], pa.large_string()), value_set=a.ids_arrow).to_pylist()
    for iid, i in zip(singles, at):
        summed[iid] = {}
        for key in COUNT_FIELDS:
            c = a.reading(key, int(a.parsed[i]))
            summed[iid].update(count_columns(key, [] if c is None else [c]))
    summed.update((iid, row) for iid, row in group_rows.items() if iid in summed)
    return summed
