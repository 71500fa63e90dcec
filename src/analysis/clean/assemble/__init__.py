"""The published tables, one function per table, from the checked records and their readings.

Records linked by ``same_incident_as`` are grouped first (``merges``); the incidents of
merged groups are combined one group at a time, and the records of their own a column at
a time (``incidents``). Reported totals are checked against the incidents they sum
before anything is made; then each table is built in its published order, typed to the
codebook and checked for accounting: every raw record is in one incident or rejected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ...codebook import TABLES, split_multi
from ...columnar import pick
from .. import publish
from ..checks.identity import record_numbers
from ..helper import return_free_memory
from .amounts import AmountRows
from .context import Assembly
from .evidence import evidence_table
from .incidents import group_incident, incidents_table, merged_records
from .merges import Grouping, group_records, merges_table
from .overlaps import check_overlap_graph
from .subgroups import fit_subgroups
from .totals import check_reported_totals

__all__ = ["Assembly", "assemble"]


def assemble(a: Assembly, rejected: np.ndarray, amounts: list, evidence, redactor, sources: pd.DataFrame) -> publish.Build | None:
    """The published tables, or None when the records conflict or would publish a restricted value
    (the problems are in ``a.problems``)."""
    g = group_records(a)
    check_overlap_graph(a, g)
    amount_rows = AmountRows(amounts, a.rates)
    # The incidents of the records reported totals name, looked up at once.
    total_of = a.recs["total_of"]
    named = list({r for refs in pick(total_of, a.parsed[total_of.iloc[a.parsed].notna().to_numpy()]) for r in split_multi(refs)})
    incident_of_named = dict(zip(named, g.incident_of(named).to_pylist()))
    group_rows, group_canonical, merge_rows = _merged_incidents(a, g, amount_rows, incident_of_named)
    _single_amounts(a, g, amount_rows)
    check_reported_totals(a, g, group_rows, group_canonical, incident_of_named)
    if a.problems:
        return None
    tables = {"sources": sources, "evidence": evidence_table(a, g, evidence)}
    return_free_memory()
    single = g.single[pc.sort_indices(g.incident_text.take(g.single)).to_numpy()]  # in incident id order
    tables["incidents"] = fit_subgroups(incidents_table(a, g, single, group_rows, incident_of_named), a)
    if a.problems:
        return None
    a.readings.clear()  # spent: the readings are in the table now
    tables["merges"] = merges_table(a, g, single, merge_rows)
    tables["amounts"] = amount_rows.table()
    tables["equivalents"] = amount_rows.equivalents_table()
    tables["rejections"] = pd.DataFrame({"record_id": a.recs["record_id"].iloc[rejected].to_numpy(dtype=object),
                                         "source_id": a.recs["source"].iloc[rejected].to_numpy(dtype=object),
                                         "reason": a.recs["exclusion_reason"].iloc[rejected].to_numpy(dtype=object)})
    locate = publish.Locator(a.recs, sources)
    return _published(tables, redactor, locate, a.problems, n_records=len(a.recs), n_parsed=len(a.parsed), n_rejected=len(rejected))


def _merged_incidents(a: Assembly, g: Grouping, amount_rows: AmountRows, incident_of_named: dict):
    """The row of each merged group's incident, its canonical record, and the merges rows of its records."""
    refs = [r for r in pick(a.recs["overlaps"], a.parsed[g.merged]) if r]
    incident_of = {**dict(zip(refs, g.incident_of(refs).to_pylist())), **incident_of_named}
    records_of = merged_records(a, g, amount_rows.of_record)
    groups: dict[str, list[int]] = {}
    for i in sorted(g.merged.tolist(), key=lambda i: g.rank[i]):
        groups.setdefault(g.root[records_of[i]["record_id"]], []).append(i)
    group_rows, group_canonical, merge_rows = {}, {}, []
    for root, members in groups.items():
        recs_of = [records_of[i] for i in members]
        iid = "INC-" + root[1:]
        row = group_incident(recs_of, root, iid, a, incident_of)
        if row is None:
            continue
        group_rows[iid], group_canonical[iid] = row, members[0]
        for i, r in zip(members, recs_of):
            merge_rows.append({"record_id": r["record_id"], "source_id": r["source_id"], "incident_id": iid,
                               "is_canonical": r is recs_of[0], "merge_reason": None if r is recs_of[0] else r["merge_reason"],
                               "_group": g.rank[members[0]], "_member": g.rank[i]})
        amount_rows.add(iid, [x for r in recs_of for x in r["amounts"]], row)
    return group_rows, group_canonical, merge_rows


def _single_amounts(a: Assembly, g: Grouping, amount_rows: AmountRows) -> None:
    """The amounts of the records of their own, converted with the record's own dates."""
    pos = a.parsed[g.single]
    with_amounts = np.flatnonzero(np.isin(pos, list(amount_rows.of_record)))
    for i, iid, s in zip(with_amounts, pick(g.incident_ids, g.single[with_amounts]), pick(a.recs["source"], pos[with_amounts])):
        p = int(pos[i])
        date = a.reading("date", p)
        span = date if date is not None and date[2] != "unknown" else (None, None)
        amount_rows.add(iid, amount_rows.of_record[p], {"date_start": span[0], "date_end": span[1],
                                                        "first_reported_date": a.source_dates[s][0]})


def _published(tables: dict, redactor, locate, problems: list, n_records: int, n_parsed: int, n_rejected: int) -> publish.Build | None:
    """The tables typed, withheld and ordered as published, with the accounting checked on them."""
    tables = {name: publish.typed(name, df) for name, df in tables.items()}
    tables, refused = publish.withhold(tables, redactor, locate)
    if refused:
        problems.extend(refused)
        return None
    tables["incidents"] = publish.sorted_table(tables["incidents"], ["incident_id"])
    tables["evidence"] = publish.sorted_table(tables["evidence"], ["incident_id", "record_id", "field"])
    tables["merges"] = publish.sorted_table(tables["merges"], ["record_id"], key=record_numbers)
    tables["rejections"] = publish.sorted_table(tables["rejections"], ["record_id"], key=record_numbers)
    tables["amounts"] = publish.sorted_table(tables["amounts"], ["amount_id"])
    tables["equivalents"] = publish.sorted_table(tables["equivalents"], ["amount_id", "seq"])
    n_incidents = len(tables["incidents"])
    build = publish.Build(tables={name: tables[name] for name in TABLES}, n_records=n_records,
                          n_incidents=n_incidents, n_rejected=n_rejected, n_merged=n_parsed - n_incidents)
    publish.check_accounting(build)
    return build
