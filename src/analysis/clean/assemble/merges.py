"""Records linked by ``same_incident_as`` form one incident; the merges table says which.

The link is symmetric and transitive (records A→B and C→B are one incident): the groups
are the connected components of the links. An incident takes the id of its record with
the lowest number (its canonical record), so adding a later report never renames it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...columnar import among, as_text, pick
from ..checks.identity import record_number, record_numbers
from .context import Assembly


@dataclass
class Grouping:
    """Which incident each coded record belongs to (positions are among ``Assembly.parsed``)."""

    incident_ids: pd.Series  # of each coded record, in reading order
    incident_text: pa.Array  # the same, as Arrow text
    merged: np.ndarray  # the records linked to others
    single: np.ndarray  # the records of their own
    root: dict[str, str]  # record id -> id of its group's canonical record (linked records only)
    rank: np.ndarray  # each record's place in the order by number (ties in reading order)
    ids_arrow: pa.Array

    def incident_of(self, refs) -> pa.Array:
        """The incident of each referenced record (missing when it is not a coded record)."""
        return self.incident_text.take(pc.index_in(as_text(refs), value_set=self.ids_arrow))


def group_records(a: Assembly) -> Grouping:
    """Union the records linked by same_incident_as (the checks made sure each links to a coded record)."""
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent.setdefault(parent[x], parent[x])
            x = parent[x]
        return x

    recs, parsed = a.recs, a.parsed
    same = recs["same_incident_as"]
    links = parsed[same.iloc[parsed].notna().to_numpy()]
    for r, ref in zip(pick(recs["record_id"], links), pick(same, links)):
        x, y = find(r), find(ref)
        if x != y:
            parent[max(x, y, key=record_number)] = min(x, y, key=record_number)
    # Records by number (ties in reading order): the order of incidents and of their records.
    rank = np.empty(len(parsed), dtype=np.int64)
    rank[np.argsort(record_numbers(a.ids), kind="stable")] = np.arange(len(parsed))
    linked = among(a.ids, parent)
    merged = np.flatnonzero(linked)
    merged_ids = pick(a.ids, merged)
    root = {r: find(r) for r in merged_ids}
    incident_ids = ("INC-" + a.ids.str.slice(1)).astype("string")
    incident_ids.iloc[merged] = ["INC-" + root[r][1:] for r in merged_ids]
    return Grouping(incident_ids, as_text(incident_ids), merged, np.flatnonzero(~linked), root, rank, a.ids_arrow)


def merges_table(a: Assembly, g: Grouping, single: np.ndarray, merge_rows: list[dict]) -> pd.DataFrame:
    """Every coded record and its incident: the records of their own, then the merged ones, in published order."""
    pos = a.parsed[single]
    singles = pd.DataFrame({"record_id": a.own("record_id", pos).astype("string"), "source_id": a.own("source", pos).astype("string"),
                            "incident_id": pd.Series(g.incident_text.take(single), dtype="string"),
                            "is_canonical": True, "merge_reason": None, "_group": g.rank[single], "_member": g.rank[single]})
    merge_rows = pd.DataFrame(merge_rows, columns=list(singles.columns)).astype(
        {c: "string" for c in ("record_id", "source_id", "incident_id")})
    merges = pd.concat([singles, merge_rows], ignore_index=True)
    # In the order of each incident's first record, then of its records; then by number (the
    # published order, stable for numbers written with different leading zeros).
    return merges.iloc[np.lexsort((merges["_member"].to_numpy(), merges["_group"].to_numpy(),
                                   record_numbers(merges["record_id"])))]
