"""Breakdowns by category (rule 7) and by region (rule 6); see ``analysis.aggregate``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import codebook
from analysis.aggregate._base import (
    CONTEXT, PRACTICE, SUM_COLUMNS, _as_counts, _combos, _incident_rows, _names, _split_cells, _split_rows, _sums,
    incidents_only, person_bounds, split_values,
)
from analysis.aggregate.periods import incident_spans

#: The region name of incidents that name no region in region tables (region_code '').
REGION_NOT_STATED = "region not stated"


# --------------------------------------------------------------------------------------
# By category (rule 7)
# --------------------------------------------------------------------------------------


def by_category(events: pd.DataFrame, column: str, *, keep_empty: bool = False) -> pd.DataFrame:
    """Incidents and persons (SUM_COLUMNS) per value of a (multi-valued) category column.

    An incident counts in every value it names (categories are not exclusive); one that
    names none counts under 'unknown'. With ``keep_empty`` every value of the column's
    vocabulary gets a row, also those with no incident. Sorted by persons_best, then
    n_incidents, descending.
    """
    field = codebook.INCIDENTS.field(column)
    bounds = person_bounds(events)
    cell, parts = _split_cells(_incident_rows(events, [column])[column])
    # Sum per distinct cell, then hand each cell's sums to every value it names. Empty
    # cells (and cells of separators only) get the number after the last distinct cell.
    n_cells = int(cell.max()) + 2 if len(cell) else 1
    cell = np.where(cell < 0, n_cells - 1, cell)
    per_cell = _sums(cell, n_cells, bounds)
    named = np.zeros(n_cells, dtype=bool)
    named[parts["cell"].to_numpy()] = True
    unnamed = np.flatnonzero(~named & (per_cell["n_incidents"].to_numpy() > 0))
    parts = pd.concat([parts[["cell", "value"]], pd.DataFrame({"cell": unnamed, "value": "unknown"})], ignore_index=True)
    long = per_cell.iloc[parts["cell"].to_numpy()].assign(value=parts["value"].to_numpy())
    how = {c: "any" if c in ("high_open", "has_count") else "sum" for c in SUM_COLUMNS}
    out = long.groupby("value", sort=True).agg(how).rename_axis(column).reset_index()
    out = out[[column, *SUM_COLUMNS]]
    if keep_empty and field.allowed:
        missing = [v for v in field.allowed if v not in set(out[column])]
        empty = pd.DataFrame({column: missing, **{c: (False if c in how and how[c] == "any" else 0) for c in SUM_COLUMNS}})
        out = pd.concat([out, empty], ignore_index=True) if len(out) else empty
    out = out.sort_values(["persons_best", "n_incidents", column], ascending=[False, False, True], kind="stable")
    return _as_counts(out.reset_index(drop=True))


def by_victim_group(events: pd.DataFrame) -> pd.DataFrame:
    return by_category(events, "victim_group")


def by_coercion(events: pd.DataFrame) -> pd.DataFrame:
    return by_category(events, "coercion")


def by_perpetrator(events: pd.DataFrame) -> pd.DataFrame:
    return by_category(events, "perpetrator")


def selected_group(events: pd.DataFrame, victim_group: str) -> pd.DataFrame:
    """The rows naming ``victim_group`` among their groups ('all': every row)."""
    return events if victim_group == "all" else events[_names(events["victim_group"], victim_group)].copy()


# --------------------------------------------------------------------------------------
# By region (rule 6)
# --------------------------------------------------------------------------------------


def _region_long(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sums per distinct (region_code, region_name, occupation_status) combination,
    and one row per combination and region it names (columns row, pos, region_code,
    region_name, occupation_status, first_row, n_codes)."""
    bounds = person_bounds(events)
    place_columns = ["region_code", "region_name", "occupation_status"]
    inc = _incident_rows(events, place_columns)
    # Incidents repeat few combinations of the three columns: sum per combination first.
    combo, first_row = _combos(inc)
    per_combo = _sums(combo, len(first_row), bounds)
    sample = inc.iloc[first_row].reset_index(drop=True)
    codes = _split_rows(sample["region_code"])
    n_codes = np.bincount(codes["row"].to_numpy(), minlength=len(sample))
    no_code = np.flatnonzero(n_codes == 0)
    codes = pd.concat([codes, pd.DataFrame({"row": no_code, "pos": 0, "value": ""})], ignore_index=True)
    long = (codes.rename(columns={"value": "region_code"})
            .merge(_split_rows(sample["region_name"]).rename(columns={"value": "region_name"}), on=["row", "pos"], how="left")
            .merge(_split_rows(sample["occupation_status"]).rename(columns={"value": "occupation_status"}), on=["row", "pos"], how="left"))
    long["region_name"] = long["region_name"].fillna(long["region_code"].where(long["region_code"] != "", REGION_NOT_STATED))
    long["occupation_status"] = long["occupation_status"].fillna("")
    long["first_row"] = first_row[long["row"].to_numpy()]
    long["n_codes"] = n_codes[long["row"].to_numpy()]
    return per_combo, long


def by_region(events: pd.DataFrame) -> pd.DataFrame:
    """Incidents and persons per first-level region named by the incidents.

    Columns: region_code, region_name, occupation_status, n_incidents_shared (incidents
    that also name another region), then SUM_COLUMNS, every incident counted in full in
    each region it names (rule 6). Incidents naming no region get region_code ''
    ('region not stated').
    """
    per_combo, long = _region_long(events)
    combo_of = long["row"].to_numpy()
    long = pd.concat([long, per_combo.iloc[combo_of].reset_index(drop=True)], axis=1)
    long["n_shared"] = long["n_incidents"].where(long["n_codes"] > 1, 0)
    # Name and status as the first incident naming the region gives them.
    long = long.sort_values(["first_row", "pos"], kind="stable")
    how = {c: "any" if c in ("high_open", "has_count") else "sum" for c in SUM_COLUMNS}
    out = long.groupby("region_code", sort=True).agg(
        region_name=("region_name", "first"), occupation_status=("occupation_status", "first"),
        n_incidents_shared=("n_shared", "sum"), **{c: (c, h) for c, h in how.items()},
    ).reset_index().infer_objects()
    out = out.sort_values(["persons_best", "n_incidents", "region_code"], ascending=[False, False, True], kind="stable")
    return _as_counts(out.reset_index(drop=True))


def region_groups(events: pd.DataFrame) -> pd.DataFrame:
    """One row per set of regions named together by incidents, with the sums of those incidents.

    Columns: region_codes (the set, sorted, joined by '|'), n_regions, then SUM_COLUMNS.
    A set of one region holds the incidents located in it alone. A chart writes each
    row's figure once, so an incident shared by two regions never reads as twice its
    persons.
    """
    bounds = person_bounds(events)
    codes = _incident_rows(events, ["region_code"])["region_code"]
    cell, parts = _split_cells(codes)
    keys = parts.sort_values(["cell", "value"]).groupby("cell")["value"].agg(lambda v: codebook.MULTI_SEP.join(dict.fromkeys(v)))
    key_of_cell = np.full(int(cell.max()) + 2 if len(cell) else 1, "", dtype=object)
    key_of_cell[keys.index.to_numpy()] = keys.to_numpy()
    group, distinct = pd.factorize(pd.Series(key_of_cell[cell], dtype=object))
    sums = _sums(group, len(distinct), bounds)
    out = pd.concat([pd.DataFrame({"region_codes": list(distinct)}), sums], axis=1)
    out = out[out["region_codes"] != ""]
    out.insert(1, "n_regions", [len(split_values(k)) for k in out["region_codes"]])
    out = out.sort_values(["persons_best", "n_incidents", "region_codes"], ascending=[False, False, True], kind="stable")
    return _as_counts(out.reset_index(drop=True))


def regions_with_incidents(events: pd.DataFrame) -> list[str]:
    """Sorted region codes named by at least one incident."""
    return sorted(set(_split_cells(_incident_rows(events, ["region_code"])["region_code"])[1]["value"]))


def regions_with_events(events: pd.DataFrame) -> list[str]:
    """Sorted region codes named by any row (incident, practice or context figure)."""
    return sorted(set(_split_cells(events["region_code"])[1]["value"]))


def in_region(events: pd.DataFrame, region_code: str) -> pd.DataFrame:
    """Rows that name ``region_code`` among their regions (also when they name others)."""
    mask = _names(events["region_code"], region_code)
    return events[mask].copy()


def region_figures(events: pd.DataFrame, region_code: str) -> dict:
    """The counts of one region's profile: its row of ``by_region`` over the whole table
    (so a profile and the map agree, rule 4), its practices and context figures and the
    span of its incidents' dates. Plain Python values; zeros when the region has no incident."""
    row = by_region(events).set_index("region_code")
    here = in_region(events, region_code)
    spans = incident_spans(incidents_only(here))
    out = {c: 0 for c in ("n_incidents", "n_incidents_shared", "n_count_unknown", "n_incidents_claimed",
                          "persons_low", "persons_best", "persons_high")}
    out.update(high_open=False, has_count=False, region_name=None, occupation_status=None)
    if region_code in row.index:
        r = row.loc[region_code]
        out.update({k: (r[k].item() if hasattr(r[k], "item") else r[k]) for k in out})
    out["n_practices"] = int((here["event_kind"] == PRACTICE).sum())
    out["n_context"] = int((here["event_kind"] == CONTEXT).sum())
    out["date_first"] = None if spans["start"].isna().all() else spans["start"].min()
    out["date_last"] = None if spans["end"].isna().all() else spans["end"].max()
    return out
