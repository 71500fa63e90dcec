"""Flows: where victims came from and where they were sent (rule 8); see ``analysis.aggregate``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import codebook
from analysis.aggregate._base import SUM_COLUMNS, _as_counts, _incident_rows, _split_cells, _sums, person_bounds


# --------------------------------------------------------------------------------------
# Flows: where victims came from and where they were sent (rule 8)
# --------------------------------------------------------------------------------------


def _moved_bounds(events: pd.DataFrame) -> pd.DataFrame:
    """Per incident, the bounds of the persons sent to a destination: sent_to_war where the
    source gives it, else all persons (rule 8); their own figures (no overlap rule)."""
    persons = person_bounds(events, apply_overlap=False)
    sent = person_bounds(events, apply_overlap=False, stem="sent_to_war")
    use_sent = ~sent["count_unknown"].to_numpy()
    out = persons.copy()
    for col in ("low", "best", "high", "count_unknown", "high_open"):
        out[col] = np.where(use_sent, sent[col].to_numpy(), persons[col].to_numpy())
    out["count_unknown"] = out["count_unknown"].astype(bool)
    out["high_open"] = out["high_open"].astype(bool)
    return out


def _set_keys(values: pd.Series) -> np.ndarray:
    """Per row, the codes of a multi-valued cell as one key: sorted, joined by '|' ('' when empty)."""
    cell, parts = _split_cells(values)
    keys = parts.groupby("cell")["value"].agg(lambda v: codebook.MULTI_SEP.join(sorted(set(v))))
    out = np.full(int(cell.max()) + 2 if len(cell) else 1, "", dtype=object)  # the last slot: empty cells (-1)
    out[keys.index.to_numpy()] = keys.to_numpy()
    return out[cell]


def flow_edges(events: pd.DataFrame) -> pd.DataFrame:
    """One row per incident and leg: origins -> places, and places (or origins) -> destinations.

    Legs chain the stages a record names: ``origin_code`` (where the victims came from),
    ``region_code`` (where it happened; the country when no region is given) and
    ``destination_region_code`` (where they were sent). Several codes at one stage are one
    end of the leg, never divided (rule 6): 'UA-23|UA-65' -> 'UA-43' is one arrow from
    Kherson and Zaporizhzhia together. Columns: incident_id, from_code, to_code, leg
    ('origin' or 'destination'), low, best, high, count_unknown, high_open, claimed,
    overlaps_incident_id. A destination leg counts the persons sent there, an origin leg
    all the incident's persons (rule 8).
    """
    taken = person_bounds(events, apply_overlap=False)
    sent = _moved_bounds(events)
    inc = _incident_rows(events, ["origin_code", "region_code", "country_code", "destination_region_code", "overlaps_incident_id"])
    origins, regions = _set_keys(inc["origin_code"]), _set_keys(inc["region_code"])
    places = np.where(regions != "", regions, _set_keys(inc["country_code"]))
    senders = np.where(places != "", places, origins)
    destinations = _set_keys(inc["destination_region_code"])
    legs = []
    for leg, start, end, bounds in (("origin", origins, places, taken), ("destination", senders, destinations, sent)):
        keep = (start != "") & (end != "") & (start != end)
        legs.append(pd.DataFrame({
            "incident_id": bounds["incident_id"].to_numpy()[keep], "from_code": start[keep], "to_code": end[keep], "leg": leg,
            **{col: bounds[col].to_numpy()[keep] for col in ("low", "best", "high", "count_unknown", "high_open", "claimed")},
            "overlaps_incident_id": inc["overlaps_incident_id"].to_numpy()[keep], "order": np.flatnonzero(keep),
        }))
    out = pd.concat(legs, ignore_index=True).sort_values(["order", "leg"], ascending=[True, False], kind="stable")
    return out.drop(columns="order").reset_index(drop=True).astype({"count_unknown": bool, "high_open": bool, "claimed": bool})


def flows(events: pd.DataFrame) -> pd.DataFrame:
    """Flows aggregated by (from_code, to_code): leg, incident_ids, then SUM_COLUMNS.

    ``leg`` is 'origin' (where the victims came from), 'destination' (where they were
    sent) or both joined by '|'; persons follow rule 8.
    """
    edges = flow_edges(events)
    # One incident can name the same pair twice (as origin and as destination): count it once.
    g = edges.drop_duplicates(["from_code", "to_code", "incident_id"]).reset_index(drop=True)
    # Rule 4 within a flow: an incident overlapping another on the same arrow adds to the high only.
    on_arrow = pd.MultiIndex.from_frame(g[["from_code", "to_code", "incident_id"]].astype(object))
    target = pd.MultiIndex.from_arrays([g["from_code"].astype(object), g["to_code"].astype(object),
                                        g["overlaps_incident_id"].astype(object)])
    doubled = g["overlaps_incident_id"].notna().to_numpy() & target.isin(on_arrow)
    g["low"] = np.where(doubled, 0.0, g["low"].to_numpy(dtype=float))
    g["best"] = np.where(doubled, 0.0, g["best"].to_numpy(dtype=float))
    pair, distinct = pd.factorize(pd.MultiIndex.from_frame(g[["from_code", "to_code"]].astype(object)), sort=True)
    out = pd.concat([pd.DataFrame(list(distinct), columns=["from_code", "to_code"]), _sums(pair, len(distinct), g)], axis=1)
    legs = g.groupby(pair)["leg"].agg(lambda v: codebook.MULTI_SEP.join(sorted(set(v))))
    by_id = g.sort_values("incident_id", kind="stable")
    ids = by_id.groupby(pair[by_id.index.to_numpy()])["incident_id"]
    out["leg"] = legs.reindex(range(len(distinct))).to_numpy()
    out["incident_ids"] = ids.agg(codebook.MULTI_SEP.join).reindex(range(len(distinct))).astype(str).to_numpy()
    return _as_counts(out[["from_code", "to_code", "leg", "incident_ids", *SUM_COLUMNS]])
