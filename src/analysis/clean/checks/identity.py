"""Record ids: present, well formed, unique."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...columnar import as_text, pick

ID_ACCEPTED = "'R' followed by three or more digits 0-9, e.g. R051"


def check_ids(c) -> None:
    """Every record has an id of the form R051 that no other record uses.

    A record without a usable id cannot be named by others and is checked no further.
    """
    recs, found = c.recs, c.found
    rid = recs["record_id"]
    with_id = c.has("record_id")
    well_formed = with_id & id_well_formed(rid)
    duplicate = np.zeros(len(recs), dtype=bool)
    duplicate[well_formed] = rid[well_formed].duplicated().to_numpy()
    found.add("identity", ~with_id, "record_id", "record without record_id", line=recs["_line"], accepted=ID_ACCEPTED,
              record=None)
    found.add("identity", with_id & ~well_formed, "record_id", "malformed record id", line=recs["_line"], value=rid,
              accepted=ID_ACCEPTED)
    dup_rows = np.flatnonzero(duplicate)
    if len(dup_rows):
        first_of = pd.Series(np.flatnonzero(well_formed & ~duplicate), index=rid[well_formed & ~duplicate])
        first = first_of.loc[rid.iloc[dup_rows]].to_numpy()
        found.add("identity", dup_rows, "record_id", [f"duplicate record id (also at {f}:{found.record_line[i]})"
                                                      for f, i in zip(pick(found.file, first), first)],
                  line=recs["_line"], value=rid, accepted="an id no other record uses")
    c.alive = well_formed & ~duplicate
    c.ids = as_text(rid[c.alive])


def id_well_formed(rid: pd.Series) -> np.ndarray:
    """'R' and three or more ASCII digits: other scripts' digits ('R٠١٢', superscripts) look
    like numbers to a reader but sort and compare as other ids, so they are refused."""
    return np.array(rid.str.fullmatch(r"R[0-9]{3,}").fillna(False), dtype=bool)


def record_number(rid: str) -> int:
    return int(rid[1:])


def record_numbers(rid: pd.Series) -> np.ndarray:
    """int(rid[1:]) of each id: an int64 array, or Python ints when some do not fit."""
    plain = np.array(rid.str.fullmatch(r"R[0-9]{1,18}").fillna(False), dtype=bool)
    if plain.all():
        return rid.str.slice(1).astype("int64").to_numpy()
    out = np.zeros(len(rid), dtype=object)
    out[plain] = rid[plain].str.slice(1).astype("int64").to_numpy()
    rows = np.flatnonzero(~plain)
    out[rows] = [record_number(r) for r in pick(rid, rows)]
    return out
