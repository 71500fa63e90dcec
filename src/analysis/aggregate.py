"""Counting that respects uncertainty: persons as low/best/high, by region, period and category.

Counting rules (each is applied in one function below, next to a one-line reason):

1. **Only incidents count as victims.** Practices (patterns without a count of their own)
   and context figures (proposals, populations, totals reported by a source) are kept in
   their own tables and never added to persons totals.
2. **Per incident, the three bounds** come from the codebook's count fields:
   ``low = persons_low``, else ``persons_best`` ('about 300' enters every bound at 300),
   else 0 (an 'up to 50' figure gives no minimum);
   ``best = persons_best``, else ``persons_low``, else ``persons_high`` (the only number
   an 'up to' source gives);
   ``high = persons_high``, else ``persons_best``, else ``persons_low``. An 'at least'
   figure has no upper bound: its incident is flagged ``high_open`` and totals that
   include it are shown as '419+' rather than as a finite maximum.
3. **Unknown counts.** An incident whose source gives no number is counted as an incident
   (``n_count_unknown``) and shown as "count unknown"; it adds nothing to persons totals,
   which are therefore totals *of the incidents with a count*, never zero persons for it.
4. **Overlaps.** An incident with ``overlaps_incident_id`` may describe some of the same
   people as another incident, so it adds its persons to the high total only.
5. **Date spans across periods** (``by_period``). An incident is placed over its whole
   span [date_start, date_end]. ``persons_low`` of a period counts only incidents whose
   whole span lies in the period (they certainly happened then); ``persons_high`` counts
   every incident whose span touches the period (they may have happened then);
   ``persons_best`` is spread over the span in proportion to days (a uniform date), so
   best totals of all periods add up to the overall best total, while lows add up to
   less and highs to more: date uncertainty widens the range instead of being hidden.
   ``n_incidents`` counts incidents touching the period, ``n_incidents_spanning`` those
   of them that also touch another period. An open span ('since March') ends on the
   first report; an incident without a start date is 'undated' and kept out of periods.
6. **Several regions without a split** (``by_region``). An incident that names several
   regions is never divided between them: it is counted, with all its persons, in the
   best and high totals of each region it names, and flagged (``n_incidents_shared``),
   while ``persons_low`` counts only incidents located in that region alone. Region
   totals therefore do not add up to the national total; national totals are computed
   from incidents (``totals``, ``key_figures``), never by adding regions.
7. **Categories** (victim group, coercion method, perpetrator) are not exclusive: an
   incident with two coercion methods counts in both, so category totals can exceed the
   overall total.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pandas as pd

from analysis import codebook

INCIDENT = "incident"
PRACTICE = "practice"
CONTEXT = "context"

#: Frequencies accepted by ``by_period`` and the pandas period code of each.
FREQUENCIES: dict[str, str] = {"month": "M", "quarter": "Q", "year": "Y"}

#: Label of incidents without a usable date in period tables.
UNDATED = "undated"

COUNT_UNKNOWN = "count unknown"

_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
            6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def split_values(value: object) -> list[str]:
    """The values of a multi-valued cell ('UA-65|UA-23' -> ['UA-65', 'UA-23']); [] when empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return []
    return [v for v in str(value).split(codebook.MULTI_SEP) if v]


def of_kind(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind not in codebook.VOCABULARIES["event_kind"]:
        raise ValueError(f"unknown event_kind {kind!r}; accepted: {codebook.allowed_text('event_kind')}")
    return events[events["event_kind"] == kind].copy()


def incidents_only(events: pd.DataFrame) -> pd.DataFrame:
    """The rows of the incidents table that are incidents (not practices or context figures)."""
    return of_kind(events, INCIDENT)


def practices(events: pd.DataFrame) -> pd.DataFrame:
    return of_kind(events, PRACTICE)


def context_figures(events: pd.DataFrame) -> pd.DataFrame:
    return of_kind(events, CONTEXT)


def _int_or_none(value: object) -> int | None:
    return None if pd.isna(value) else int(value)


def _incident_rows(events: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Some columns of the incident rows, without copying the other columns (``incidents_only`` copies all)."""
    return events.loc[events["event_kind"] == INCIDENT, columns]


def _split_cells(values: pd.Series) -> tuple[np.ndarray, pd.DataFrame]:
    """``split_values`` for a whole column, done once per distinct cell.

    Returns ``cell``, each row's number of its distinct cell (-1 where the cell is empty),
    and the parts of the distinct cells as a frame with columns cell, pos (position among
    the cell's non-empty parts) and value. Multi-valued columns repeat few distinct cells
    ('RU-CE', 'UA-65|UA-23'), so the string work scales with those, not with the rows.
    """
    cell, distinct = pd.factorize(values, use_na_sentinel=True)
    parts = pd.Series(np.asarray(distinct, dtype=object)).astype(str).str.split(codebook.MULTI_SEP, regex=False).explode()
    parts = parts[parts.notna() & (parts != "")]
    long = pd.DataFrame({"cell": parts.index.to_numpy(dtype=np.int64), "value": parts.to_numpy(dtype=object)})
    long["pos"] = long.groupby("cell").cumcount().to_numpy()
    return cell, long


def _split_rows(values: pd.Series) -> pd.DataFrame:
    """``split_values`` of each row, as a frame with columns row (position), pos and value."""
    cell, long = _split_cells(values)
    rows = pd.DataFrame({"row": np.arange(len(cell), dtype=np.int64), "cell": cell})
    return rows.merge(long, on="cell").sort_values(["row", "pos"], kind="stable")[["row", "pos", "value"]].reset_index(drop=True)


def _combos(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct combinations of the frame's columns (missing values included).

    Returns each row's combination, numbered in order of first appearance, and the
    position of each combination's first row.
    """
    combo = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        codes, distinct = pd.factorize(frame[column], use_na_sentinel=True)
        combo, _ = pd.factorize(combo * (len(distinct) + 1) + (codes + 1))
    return combo, np.unique(combo, return_index=True)[1]


def _names(values: pd.Series, value: str) -> np.ndarray:
    """Per row, whether the multi-valued cell names ``value`` (``value in split_values(cell)``)."""
    cell, long = _split_cells(values)
    hit = np.zeros(int(cell.max()) + 2 if len(cell) else 1, dtype=bool)  # the last slot: empty cells (-1)
    hit[long.loc[long["value"] == value, "cell"].to_numpy()] = True
    return hit[cell]


def _n_values(values: pd.Series) -> np.ndarray:
    """Per row, how many values the multi-valued cell names (``len(split_values(cell))``)."""
    cell, long = _split_cells(values)
    counts = np.bincount(long["cell"].to_numpy(), minlength=int(cell.max()) + 2 if len(cell) else 1)
    counts[-1] = 0  # the last slot: empty cells (-1)
    return counts[cell]


def _sums(key: np.ndarray, n_keys: int, bounds: pd.DataFrame) -> pd.DataFrame:
    """Per key (0 .. n_keys-1): rows, rows with count unknown, low/best/high sums, any high_open.

    Persons are whole numbers, so their float sums are exact in any order and equal the
    row-by-row sums of ``_summarise``.
    """
    def total(weights):
        return np.bincount(key, weights=np.asarray(weights, dtype=float), minlength=n_keys)

    return pd.DataFrame({
        "n_incidents": np.bincount(key, minlength=n_keys).astype("int64"),
        "n_count_unknown": total(bounds["count_unknown"]).round().astype("int64"),
        "persons_low": total(bounds["low"]),
        "persons_best": total(bounds["best"]),
        "persons_high": total(bounds["high"]),
        "high_open": total(bounds["high_open"]) > 0,
    })


# --------------------------------------------------------------------------------------
# Per-incident bounds (rules 2-4)
# --------------------------------------------------------------------------------------


def person_bounds(events: pd.DataFrame, *, apply_overlap: bool = True) -> pd.DataFrame:
    """Per incident: low, best, high as used in totals, with the flags that qualify them.

    Columns: incident_id, low, best, high (floats, 0 where the incident adds nothing),
    count_unknown, high_open, overlaps. Rows of practices and context figures are dropped.
    With ``apply_overlap=False`` an overlapping incident keeps its own low and best
    (for views where the incident it overlaps is not counted alongside it).
    """
    inc = _incident_rows(events, ["incident_id", "persons_low", "persons_best", "persons_high", "persons_qualifier",
                                  "overlaps_incident_id"])
    low_src, best_src, high_src = (inc[c].to_numpy(dtype=float, na_value=np.nan)
                                   for c in ("persons_low", "persons_best", "persons_high"))
    count_unknown = (inc["persons_qualifier"] == "unknown") | (np.isnan(low_src) & np.isnan(best_src) & np.isnan(high_src))
    # 'about 300' enters every bound at 300; an 'up to' figure gives no minimum (rule 2).
    low = _first_number(low_src, best_src)
    best = _first_number(best_src, low_src, high_src)
    high = _first_number(high_src, best_src, low_src)
    high_open = np.isnan(high_src) & (inc["persons_qualifier"] == "at_least") & ~count_unknown
    overlaps = inc["overlaps_incident_id"].notna().to_numpy(dtype=bool)
    # Overlapping victims may already be counted elsewhere: upper bound only (rule 4).
    if apply_overlap:
        low = np.where(overlaps, 0.0, low)
        best = np.where(overlaps, 0.0, best)
    unknown = count_unknown.astype(bool).to_numpy()
    return pd.DataFrame(
        {
            "incident_id": inc["incident_id"],
            "low": np.where(unknown, 0.0, low),
            "best": np.where(unknown, 0.0, best),
            "high": np.where(unknown, 0.0, high),
            "count_unknown": unknown,
            "high_open": high_open.astype(bool).to_numpy(),
            "overlaps": overlaps,
        },
        index=inc.index,
    )


def _first_number(*candidates: np.ndarray) -> np.ndarray:
    """Element-wise the first candidate that is not NaN, else 0."""
    out = candidates[0]
    for other in candidates[1:]:
        out = np.where(np.isnan(out), other, out)
    return np.where(np.isnan(out), 0.0, out)


def _summarise(bounds: pd.DataFrame) -> dict:
    return {
        "n_incidents": int(len(bounds)),
        "n_count_unknown": int(bounds["count_unknown"].sum()),
        "persons_low": float(bounds["low"].sum()),
        "persons_best": float(bounds["best"].sum()),
        "persons_high": float(bounds["high"].sum()),
        "high_open": bool(bounds["high_open"].any()),
    }


def totals(events: pd.DataFrame) -> dict:
    """Overall totals of incidents: n_incidents, n_count_unknown, persons_low/best/high, high_open."""
    s = _summarise(person_bounds(events))
    return {k: (int(round(v)) if k.startswith("persons_") else v) for k, v in s.items()}


# --------------------------------------------------------------------------------------
# By category (rule 7)
# --------------------------------------------------------------------------------------

_AGG_COLUMNS = ["n_incidents", "n_count_unknown", "persons_low", "persons_best", "persons_high", "high_open"]


def by_category(events: pd.DataFrame, column: str, *, keep_empty: bool = False) -> pd.DataFrame:
    """Incidents and persons per value of a (multi-valued) category column.

    An incident counts in every value it names (categories are not exclusive). With
    ``keep_empty`` every value of the column's vocabulary gets a row, also those with no
    incident. Sorted by persons_best, then n_incidents, descending.
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
    out = long.groupby("value", sort=True).agg(
        n_incidents=("n_incidents", "sum"), n_count_unknown=("n_count_unknown", "sum"),
        persons_low=("persons_low", "sum"), persons_best=("persons_best", "sum"),
        persons_high=("persons_high", "sum"), high_open=("high_open", "any"),
    ).rename_axis(column).reset_index()
    out = out[[column, *_AGG_COLUMNS]]
    if keep_empty and field.allowed:
        missing = [v for v in field.allowed if v not in set(out[column])]
        empty = pd.DataFrame({column: missing, "n_incidents": 0, "n_count_unknown": 0, "persons_low": 0.0,
                              "persons_best": 0.0, "persons_high": 0.0, "high_open": False})
        out = pd.concat([out, empty], ignore_index=True) if len(out) else empty
    out = out.sort_values(["persons_best", "n_incidents", column], ascending=[False, False, True], kind="stable")
    return _tidy(out.reset_index(drop=True))


def by_victim_group(events: pd.DataFrame) -> pd.DataFrame:
    return by_category(events, "victim_group")


def by_coercion(events: pd.DataFrame) -> pd.DataFrame:
    return by_category(events, "coercion")


def by_perpetrator(events: pd.DataFrame) -> pd.DataFrame:
    return by_category(events, "perpetrator")


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """Integer persons where they are whole numbers; period bests can be fractional."""
    for col in ("persons_low", "persons_best", "persons_high"):
        if col in df:
            values = df[col].astype(float)
            df[col] = values.round().astype("int64") if np.allclose(values, values.round()) else values
    for col in ("n_incidents", "n_count_unknown", "n_incidents_shared", "n_incidents_within", "n_incidents_spanning"):
        if col in df:
            df[col] = df[col].astype("int64")
    if "high_open" in df:
        df["high_open"] = df["high_open"].astype(bool)
    return df


# --------------------------------------------------------------------------------------
# By region (rule 6)
# --------------------------------------------------------------------------------------


def by_region(events: pd.DataFrame) -> pd.DataFrame:
    """Incidents and persons per first-level region named by the incidents.

    Columns: region_code, region_name, occupation_status, n_incidents,
    n_incidents_shared (incidents that also name another region), n_count_unknown,
    persons_low (incidents in this region alone), persons_best and persons_high (shared
    incidents counted in full in each region they name), high_open. Incidents naming no
    region get region_code '' ('region not stated').
    """
    bounds = person_bounds(events)
    place_columns = ["region_code", "region_name", "occupation_status"]
    inc = _incident_rows(events, place_columns)
    # Incidents repeat few combinations of the three columns: sum per combination first.
    combo, first_row = _combos(inc)
    per_combo = _sums(combo, len(first_row), bounds)
    # The region codes, names and statuses of each combination, aligned by position.
    sample = inc.iloc[first_row].reset_index(drop=True)
    codes = _split_rows(sample["region_code"])
    n_codes = np.bincount(codes["row"].to_numpy(), minlength=len(sample))
    no_code = np.flatnonzero(n_codes == 0)
    codes = pd.concat([codes, pd.DataFrame({"row": no_code, "pos": 0, "value": ""})], ignore_index=True)
    long = (codes.rename(columns={"value": "region_code"})
            .merge(_split_rows(sample["region_name"]).rename(columns={"value": "region_name"}), on=["row", "pos"], how="left")
            .merge(_split_rows(sample["occupation_status"]).rename(columns={"value": "occupation_status"}), on=["row", "pos"], how="left"))
    long["region_name"] = long["region_name"].fillna(long["region_code"].where(long["region_code"] != "", "region not stated"))
    long["occupation_status"] = long["occupation_status"].fillna("")
    combo_of = long["row"].to_numpy()
    long = pd.concat([long, per_combo.iloc[combo_of].reset_index(drop=True)], axis=1)
    long["shared"] = n_codes[combo_of] > 1
    long["first_row"] = first_row[combo_of]
    # An incident shared with other regions is not certainly in this one (rule 6).
    long["low_alone"] = long["persons_low"].where(~long["shared"], 0.0)
    long["n_shared"] = long["n_incidents"].where(long["shared"], 0)
    # Name and status as the first incident naming the region gives them.
    long = long.sort_values(["first_row", "pos"], kind="stable")
    out = long.groupby("region_code", sort=True).agg(
        region_name=("region_name", "first"), occupation_status=("occupation_status", "first"),
        n_incidents=("n_incidents", "sum"), n_incidents_shared=("n_shared", "sum"),
        n_count_unknown=("n_count_unknown", "sum"), persons_low=("low_alone", "sum"),
        persons_best=("persons_best", "sum"), persons_high=("persons_high", "sum"), high_open=("high_open", "any"),
    ).reset_index().infer_objects()
    out = out.sort_values(["persons_best", "n_incidents", "region_code"], ascending=[False, False, True], kind="stable")
    return _tidy(out.reset_index(drop=True))


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


# --------------------------------------------------------------------------------------
# By period (rule 5)
# --------------------------------------------------------------------------------------


#: The columns ``incident_spans`` reads.
_DATE_COLUMNS = ["date_start", "date_end", "first_reported_date"]


def incident_spans(events: pd.DataFrame) -> pd.DataFrame:
    """Effective [start, end] of each incident; NaT for undated incidents.

    An open span ('since March 2023') ends on the first report (nothing reported can have
    happened after it was reported); an incident without a start date is undated.
    """
    start = events["date_start"]
    end = events["date_end"].fillna(events["first_reported_date"])
    end = end.where(end.isna() | start.isna() | (end >= start), start).fillna(start)
    end = end.where(start.notna())
    return pd.DataFrame({"start": start, "end": end}, index=events.index)


def period_label(period: pd.Period, freq: str) -> str:
    if freq == "month":
        return period.strftime("%Y-%m")
    if freq == "quarter":
        return f"{period.year} Q{period.quarter}"
    return str(period.year)


def _check_freq(freq: str) -> str:
    if freq not in FREQUENCIES:
        raise ValueError(f"unknown freq {freq!r}; accepted: {', '.join(FREQUENCIES)}")
    return FREQUENCIES[freq]


def _days(dates: pd.Series) -> np.ndarray:
    """Whole days since 1970-01-01 (the time of day dropped, as ``Timestamp.normalize``)."""
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _period_ordinals(days: np.ndarray, freq: str) -> np.ndarray:
    """The pandas ordinal of the month, quarter or year holding each day."""
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if freq == "month":
        return months
    if freq == "quarter":
        return months // 3
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)


def _period_first_days(ordinals: np.ndarray, freq: str) -> np.ndarray:
    """First day (days since 1970-01-01) of the periods with these pandas ordinals."""
    if freq == "month":
        first = ordinals.astype("datetime64[M]")
    elif freq == "quarter":
        first = (ordinals * 3).astype("datetime64[M]")
    else:
        first = ordinals.astype("datetime64[Y]")
    return first.astype("datetime64[D]").astype(np.int64)


def _allocate(dates: pd.DataFrame, freq: str) -> dict[str, np.ndarray]:
    """The rows of ``allocate_periods`` as arrays: row (position in ``dates``), ordinal, days, share, n_periods.

    Vectorised: each dated incident is repeated once per period its span touches, and the
    days it has in each are the overlap of [start, end] with the period's first and last day.
    """
    spans = incident_spans(dates)
    dated = np.flatnonzero(spans["start"].notna().to_numpy() & spans["end"].notna().to_numpy())
    start = _days(spans["start"].iloc[dated])
    end = _days(spans["end"].iloc[dated])
    first, last = _period_ordinals(start, freq), _period_ordinals(end, freq)
    n_periods = last - first + 1
    which = np.repeat(np.arange(len(dated)), n_periods)
    # Position of each repeated row within its incident's periods: 0, 1, ...
    step = np.arange(len(which)) - np.repeat(np.cumsum(n_periods) - n_periods, n_periods)
    ordinal = first[which] + step
    # First days of the few periods in play, looked up rather than converted per row.
    lowest = int(ordinal.min()) if len(ordinal) else 0
    first_days = _period_first_days(np.arange(lowest, lowest + (int(ordinal.max()) - lowest + 2 if len(ordinal) else 1)), freq)
    k = ordinal - lowest
    lo = np.maximum(start[which], first_days[k])
    hi = np.minimum(end[which], first_days[k + 1] - 1)
    days = hi - lo + 1
    return {
        "row": dated[which],
        "ordinal": ordinal,
        "days": days,
        "share": days / (end - start + 1)[which],
        "n_periods": n_periods[which],
    }


def allocate_periods(events: pd.DataFrame, freq: str = "quarter") -> pd.DataFrame:
    """One row per incident and period its span touches, with the share of its days.

    Columns: incident_id, period (pandas Period), days, share (days / span days),
    n_periods (periods the span touches), low, best, high, count_unknown, high_open.
    Undated incidents are left out (see ``undated``).
    """
    code = _check_freq(freq)
    bounds = person_bounds(events)
    alloc = _allocate(_incident_rows(events, _DATE_COLUMNS), freq)
    row = alloc["row"]
    return pd.DataFrame({
        "incident_id": bounds["incident_id"].iloc[row].reset_index(drop=True),
        "period": pd.PeriodIndex.from_ordinals(alloc["ordinal"], freq=code),
        "days": alloc["days"],
        "share": alloc["share"],
        "n_periods": alloc["n_periods"],
        **{col: bounds[col].to_numpy()[row] for col in ("low", "best", "high", "count_unknown", "high_open")},
    })


def undated(events: pd.DataFrame) -> pd.DataFrame:
    """Incidents without a usable date (kept out of every period)."""
    inc = incidents_only(events)
    return inc[incident_spans(inc)["start"].isna()]


def by_period(
    events: pd.DataFrame,
    freq: str = "quarter",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    *,
    include_undated: bool = False,
) -> pd.DataFrame:
    """Incidents and persons per month, quarter or year (rule 5).

    Every period from ``start`` to ``end`` gets a row, also periods without incidents
    (default: from the first to the last period any incident touches). Columns: period
    (label), period_start, period_end, n_incidents (touching the period),
    n_incidents_within (whole span in the period), n_incidents_spanning,
    n_count_unknown, persons_low, persons_best (fractional where spans are spread),
    persons_high, high_open. With ``include_undated`` a last row 'undated' holds the
    incidents without a date.
    """
    code = _check_freq(freq)
    bounds = person_bounds(events)
    alloc = _allocate(_incident_rows(events, _DATE_COLUMNS), freq)
    start_ts = pd.Timestamp(start) if start not in (None, "") else None
    end_ts = pd.Timestamp(end) if end not in (None, "") else None
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ValueError(f"start {start_ts.date()} is after end {end_ts.date()}")
    ordinal, row = alloc["ordinal"], alloc["row"]
    if len(ordinal) == 0 and (start_ts is None or end_ts is None):
        periods = pd.PeriodIndex([], freq=code)
    else:
        first = start_ts.to_period(code) if start_ts is not None else pd.Period(ordinal=int(ordinal.min()), freq=code)
        last = end_ts.to_period(code) if end_ts is not None else pd.Period(ordinal=int(ordinal.max()), freq=code)
        periods = pd.period_range(first, last, freq=code)
    # Rows of periods outside [first, last] (when start or end is given) are left out.
    k = ordinal - (periods.asi8[0] if len(periods) else 0)
    keep = (k >= 0) & (k < len(periods))
    k, row, within = k[keep], row[keep], alloc["n_periods"][keep] == 1

    def total(values):
        return np.bincount(k, weights=np.asarray(values, dtype=float), minlength=len(periods))

    n_incidents = np.bincount(k, minlength=len(periods))
    n_within = np.bincount(k, weights=within, minlength=len(periods))
    n_unknown = total(bounds["count_unknown"].to_numpy()[row])
    # Certainly in this period only when the whole span is in it (rule 5).
    low = total(np.where(within, bounds["low"].to_numpy()[row], 0.0))
    # Fractional: pandas' group sum is compensated, so these match the old per-period sums
    # in every digit kept (round(6) below); np.bincount's plain running sum need not.
    best = (pd.Series(bounds["best"].to_numpy()[row] * alloc["share"][keep]).groupby(k).sum()
            .reindex(range(len(periods)), fill_value=0.0).to_numpy())
    high = total(bounds["high"].to_numpy()[row])
    high_open = total(bounds["high_open"].to_numpy()[row]) > 0
    rows = []
    for i, p in enumerate(periods):
        rows.append({
            "period": period_label(p, freq),
            "period_start": p.start_time.normalize(),
            "period_end": p.end_time.normalize(),
            "n_incidents": int(n_incidents[i]),
            "n_incidents_within": int(round(n_within[i])),
            "n_incidents_spanning": int(n_incidents[i] - round(n_within[i])),
            "n_count_unknown": int(round(n_unknown[i])),
            "persons_low": float(low[i]),
            "persons_best": float(best[i]),
            "persons_high": float(high[i]),
            "high_open": bool(high_open[i]),
        })
    if include_undated:
        u = person_bounds(undated(events))
        if len(u):
            s = _summarise(u)
            rows.append({"period": UNDATED, "period_start": pd.NaT, "period_end": pd.NaT,
                         "n_incidents": s["n_incidents"], "n_incidents_within": 0, "n_incidents_spanning": 0,
                         "n_count_unknown": s["n_count_unknown"], "persons_low": s["persons_low"],
                         "persons_best": s["persons_best"], "persons_high": s["persons_high"], "high_open": s["high_open"]})
    cols = ["period", "period_start", "period_end", "n_incidents", "n_incidents_within", "n_incidents_spanning",
            "n_count_unknown", "persons_low", "persons_best", "persons_high", "high_open"]
    out = pd.DataFrame(rows, columns=cols)
    out["persons_best"] = out["persons_best"].astype(float).round(6)
    return _tidy(out)


def in_date_range(events: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Rows whose date span overlaps [start, end]; undated rows are dropped when a bound is given."""
    spans = incident_spans(events)
    mask = pd.Series(True, index=events.index)
    if start:
        mask &= spans["end"] >= pd.Timestamp(start)
    if end:
        mask &= spans["start"] <= pd.Timestamp(end)
    return events[mask.fillna(False).astype(bool)].copy()


# --------------------------------------------------------------------------------------
# Flows: where victims were taken from and sent to
# --------------------------------------------------------------------------------------


def flow_edges(events: pd.DataFrame) -> pd.DataFrame:
    """One row per incident and leg: origin -> place, and place (or origin) -> destination.

    Legs chain the stages a record names: ``origin_code`` (where the victims came from),
    ``region_code`` (where it happened; the country when no region is given) and
    ``destination_region_code`` (where they were sent). Columns: incident_id, from_code,
    to_code, leg ('origin' or 'destination'), best, high, count_unknown, shared (the
    incident has several legs, so its persons are not divided between them),
    overlaps_incident_id. An arrow shows an incident's own figures: the overlap rule
    applies only between incidents on the same arrow (see ``flows``).
    """
    bounds = person_bounds(events, apply_overlap=False)
    stages = ["origin_code", "region_code", "country_code", "destination_region_code"]
    inc = _incident_rows(events, [*stages, "overlaps_incident_id"])
    # The legs depend on the four columns only: work them out once per distinct combination.
    combo, first_row = _combos(inc[stages])
    sample = inc[stages].iloc[first_row].reset_index(drop=True)
    n_combos = len(sample)
    origins = _split_rows(sample["origin_code"])
    regions = _split_rows(sample["region_code"])
    countries = _split_rows(sample["country_code"])
    has_region = np.bincount(regions["row"], minlength=n_combos) > 0
    places = pd.concat([regions, countries[~has_region[countries["row"].to_numpy()]]], ignore_index=True)
    has_place = np.bincount(places["row"], minlength=n_combos) > 0
    senders = pd.concat([places, origins[~has_place[origins["row"].to_numpy()]]], ignore_index=True)
    destinations = _split_rows(sample["destination_region_code"])
    legs = pd.concat([
        origins.merge(places, on="row", suffixes=("_from", "_to")).assign(leg="origin", kind=0),
        senders.merge(destinations, on="row", suffixes=("_from", "_to")).assign(leg="destination", kind=1),
    ], ignore_index=True)
    legs = legs[legs["value_from"] != legs["value_to"]]
    legs = legs.sort_values(["row", "kind", "pos_from", "pos_to"], kind="stable")
    n_legs = np.bincount(legs["row"], minlength=n_combos)
    # Each incident row repeated once per leg of its combination, legs in their order.
    count = n_legs[combo]
    rep = np.repeat(np.arange(len(inc)), count)
    step = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    leg = (np.cumsum(n_legs) - n_legs)[combo[rep]] + step
    return pd.DataFrame({
        "incident_id": bounds["incident_id"].iloc[rep].reset_index(drop=True),
        "from_code": legs["value_from"].to_numpy()[leg],
        "to_code": legs["value_to"].to_numpy()[leg],
        "leg": legs["leg"].to_numpy()[leg],
        **{col: bounds[col].to_numpy()[rep] for col in ("best", "high", "count_unknown", "high_open")},
        "shared": n_legs[combo[rep]] > 1,
        "overlaps_incident_id": inc["overlaps_incident_id"].iloc[rep].reset_index(drop=True).infer_objects(),
    })


def flows(events: pd.DataFrame) -> pd.DataFrame:
    """Flows aggregated by (from_code, to_code): legs, n_incidents, n_count_unknown, persons_best, persons_high, incident_ids."""
    edges = flow_edges(events)
    # One incident can name the same pair twice (as origin and as destination): count it once.
    g = edges.drop_duplicates(["from_code", "to_code", "incident_id"]).reset_index(drop=True)
    # Rule 4 within a flow: an incident overlapping another on the same arrow adds to the high only.
    on_arrow = pd.MultiIndex.from_frame(g[["from_code", "to_code", "incident_id"]].astype(object))
    target = pd.MultiIndex.from_arrays([g["from_code"].astype(object), g["to_code"].astype(object),
                                        g["overlaps_incident_id"].astype(object)])
    doubled = g["overlaps_incident_id"].notna().to_numpy() & target.isin(on_arrow)
    g["best_counted"] = np.where(doubled, 0.0, g["best"].to_numpy(dtype=float))
    g["is_origin"] = g["leg"] == "origin"
    g["is_destination"] = g["leg"] == "destination"
    out = g.groupby(["from_code", "to_code"], sort=True).agg(
        is_origin=("is_origin", "any"), is_destination=("is_destination", "any"),
        n_incidents=("incident_id", "size"), n_count_unknown=("count_unknown", "sum"),
        persons_best=("best_counted", "sum"), persons_high=("high", "sum"), high_open=("high_open", "any"),
    )
    out["incident_ids"] = (g.sort_values("incident_id", kind="stable").groupby(["from_code", "to_code"], sort=True)["incident_id"]
                           .agg(codebook.MULTI_SEP.join).astype(str))
    # 'destination|origin', as the sorted set of the legs the arrow carries.
    out["leg"] = np.select([out["is_destination"] & out["is_origin"], out["is_destination"]],
                           ["destination" + codebook.MULTI_SEP + "origin", "destination"], "origin")
    out = out.reset_index()
    cols = ["from_code", "to_code", "leg", "n_incidents", "n_count_unknown", "persons_best", "persons_high", "high_open", "incident_ids"]
    return _tidy(out[cols])


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------

_BASIS_TEXT = {
    "original": "original amount",
    "bank_of_russia_rate": "Bank of Russia rate",
    "stated_by_source": "stated by the source",
}

_QUALIFIER_TEXT = {"exact": "", "at_least": "at least ", "approximately": "about ", "up_to": "up to ", "range": "", "unknown": ""}


def money_table(amounts: pd.DataFrame, events: pd.DataFrame, purposes: Iterable[str] | None = None) -> pd.DataFrame:
    """Amounts with their incident's region and date, optionally only some purposes."""
    df = amounts.copy()
    if purposes is not None:
        purposes = list(purposes)
        bad = codebook.check_vocabulary("purpose", purposes)
        if bad:
            raise ValueError(f"unknown purpose {', '.join(bad)}; accepted: {codebook.allowed_text('purpose')}")
        df = df[df["purpose"].isin(purposes)]
    ctx = events[["incident_id", "region_code", "region_name", "date_start", "date_end", "date_precision"]]
    return df.merge(ctx, on="incident_id", how="left").sort_values(["date_start", "amount_id"], kind="stable").reset_index(drop=True)


def _money(value: object, currency: str, high: object = None) -> str:
    if pd.isna(value):
        return ""
    if high is not None and pd.notna(high) and high != value:
        return f"{value:,.0f}–{high:,.0f} {currency}"
    return f"{value:,.0f} {currency}"


def format_amount(row: pd.Series) -> str:
    """'1,500,000 RUB', 'about 300 USD', '2,000–3,000 USD'."""
    q = _QUALIFIER_TEXT.get(row["amount_qualifier"], "")
    if pd.notna(row.get("amount_high")):
        return f"{q}{row['amount']:,.0f}–{row['amount_high']:,.0f} {row['currency']}"
    return f"{q}{_money(row['amount'], row['currency'])}"


def conversion_basis(row: pd.Series) -> str:
    """How the RUB and USD columns were obtained, with the rate and its date."""
    parts = []
    rate = row.get("rub_per_usd")
    rate_text = f" ({rate:,.4f} RUB/USD on {row['rate_date']:%Y-%m-%d})" if pd.notna(rate) and pd.notna(row.get("rate_date")) else ""
    if pd.notna(row.get("rub_basis")) and row["rub_basis"] != "original":
        parts.append(f"RUB: {_BASIS_TEXT.get(row['rub_basis'], row['rub_basis'])}{rate_text}")
    if pd.notna(row.get("usd_basis")) and row["usd_basis"] != "original":
        parts.append(f"USD: {_BASIS_TEXT.get(row['usd_basis'], row['usd_basis'])}{rate_text if row['usd_basis'] == 'bank_of_russia_rate' else ''}")
    if pd.notna(row.get("stated_usd")):
        q = _QUALIFIER_TEXT.get(row.get("stated_usd_qualifier") or "exact", "")
        parts.append(f"source states {q}{row['stated_usd']:,.0f} USD")
    return "; ".join(parts) or "original amounts"


def ransom_display(amounts: pd.DataFrame, events: pd.DataFrame, purposes: Iterable[str] | None = None) -> pd.DataFrame:
    """Display table of ransoms and payments: original currency, RUB, USD and the conversion basis."""
    df = money_table(amounts, events, purposes)
    return pd.DataFrame({
        "incident": df["incident_id"],
        "purpose": df["purpose"],
        "when": [date_label(r) for _, r in df.iterrows()],
        "region": df["region_name"].fillna(""),
        "amount (original)": [format_amount(r) for _, r in df.iterrows()],
        "RUB": [_money(v, "RUB", h) for v, h in zip(df["amount_rub"], df["amount_rub_high"])],
        "USD": [_money(v, "USD", h) for v, h in zip(df["amount_usd"], df["amount_usd_high"])],
        "conversion basis": [conversion_basis(r) for _, r in df.iterrows()],
    })


# --------------------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------------------


def _fmt_int(x: float) -> str:
    return f"{int(round(x)):,}"


def persons_label(row: pd.Series) -> str:
    """'6', 'about 300', 'at least 5', '10–20', 'up to 50' or 'count unknown' for one incident."""
    q = row["persons_qualifier"]
    low, best, high = (row.get(c) for c in ("persons_low", "persons_best", "persons_high"))
    if q == "unknown" or (pd.isna(low) and pd.isna(best) and pd.isna(high)):
        return COUNT_UNKNOWN
    if q == "exact":
        return _fmt_int(best if pd.notna(best) else low)
    if q == "approximately":
        return f"about {_fmt_int(best)}"
    if q == "at_least":
        return f"at least {_fmt_int(low if pd.notna(low) else best)}"
    if q == "up_to":
        return f"up to {_fmt_int(high)}"
    if q == "range":
        return f"{_fmt_int(low)}–{_fmt_int(high)}" + (f" (best {_fmt_int(best)})" if pd.notna(best) else "")
    return _fmt_int(best if pd.notna(best) else low)


def bounds_label(low: float, best: float, high: float, high_open: bool = False, n_unknown: int = 0) -> str:
    """'329 / 379 / 419+' and '+ 2 with count unknown' for a total."""
    text = f"{_fmt_num(low)} / {_fmt_num(best)} / {_fmt_num(high)}{'+' if high_open else ''}"
    if n_unknown:
        text += f" (+{n_unknown} {'incident' if n_unknown == 1 else 'incidents'} with count unknown)"
    return text


def _fmt_num(x: float) -> str:
    return _fmt_int(x) if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def date_label(row: pd.Series) -> str:
    """The date of an incident as precisely as its sources give it."""
    start, end, precision = row.get("date_start"), row.get("date_end"), row.get("date_precision")
    if pd.isna(start) and pd.isna(end):
        return UNDATED
    if pd.isna(start):
        return f"until {end:%Y-%m-%d}"
    if precision == "day" or (pd.notna(end) and start == end):
        return f"{start:%Y-%m-%d}"
    if precision == "month":
        return f"{start:%B %Y}"
    if precision == "season":
        season = _SEASONS[start.month]
        year = f"{start.year}/{str(start.year + 1)[-2:]}" if season == "winter" and start.month == 12 else str(start.year)
        return f"{season} {year}"
    if precision == "year":
        return f"{start.year}"
    if pd.isna(end):
        return f"since {start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def event_list(events: pd.DataFrame) -> pd.DataFrame:
    """Display table of events: id, kind, dates, persons (or 'count unknown'), region, summary."""
    df = events.sort_values(["date_start", "incident_id"], kind="stable", na_position="last")
    persons = []
    for _, r in df.iterrows():
        if r["event_kind"] == INCIDENT:
            persons.append(persons_label(r) + (" (may overlap " + r["overlaps_incident_id"] + ")" if pd.notna(r["overlaps_incident_id"]) else ""))
        elif r["event_kind"] == CONTEXT and pd.notna(r["context_value"]):
            persons.append(f"figure: {r['context_value']:,.0f} {r['context_unit'] or ''}".strip() + " (not victims)")
        else:
            persons.append("n/a (" + r["event_kind"] + ")")
    return pd.DataFrame({
        "id": df["incident_id"].astype(str),
        "kind": df["event_kind"].astype(str),
        "dates": [date_label(r) for _, r in df.iterrows()],
        "persons (low–high or count unknown)": persons,
        "regions": df["region_name"].fillna("").str.replace(codebook.MULTI_SEP, ", ", regex=False),
        "summary": df["summary"].astype(str),
    }).reset_index(drop=True)


#: Words of vocabulary values written as proper nouns in labels ('lgbtq_people' -> 'LGBTQ+ people').
_PROPER_WORDS = {"lgbtq": "LGBTQ+", "ukrainians": "Ukrainians", "chechnya": "Chechnya", "chechen": "Chechen",
                 "central": "Central", "asian": "Asian", "russian": "Russian", "wagner": "Wagner"}


def category_label(value: object) -> str:
    """A vocabulary value as a label: 'central_asian_migrants' -> 'Central Asian migrants'."""
    words = [_PROPER_WORDS.get(w, w) for w in str(value).split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def category_display(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """A by_category/by_region table for display: persons as low / best / high, '+' when open."""
    return pd.DataFrame({
        column.replace("_", " "): table[column].map(category_label),
        "incidents": table["n_incidents"],
        "of which count unknown": table["n_count_unknown"],
        "persons low": table["persons_low"].map(_fmt_num),
        "persons best": table["persons_best"].map(_fmt_num),
        "persons high": [_fmt_num(h) + ("+" if o else "") for h, o in zip(table["persons_high"], table["high_open"])],
    })


# --------------------------------------------------------------------------------------
# Key figures for the report
# --------------------------------------------------------------------------------------


def key_figures(events: pd.DataFrame, sources: pd.DataFrame, amounts: pd.DataFrame | None = None) -> dict:
    """Plain Python values for the report's key figures (see the module docstring for the rules).

    n_ransoms counts incidents where a ransom was demanded: coercion 'ransom_demand' or,
    when ``amounts`` is given, an amount with purpose 'ransom'.
    """
    inc = _incident_rows(events, ["incident_id", "date_start", "date_end", "first_reported_date", "coercion",
                                  "overlaps_incident_id", "region_code", "claimed_by_party"])
    t = totals(events)
    spans = incident_spans(inc)
    ransom_ids = set(inc.loc[_names(inc["coercion"], "ransom_demand"), "incident_id"])
    if amounts is not None:
        ransom_ids |= set(amounts.loc[amounts["purpose"] == "ransom", "incident_id"])
    return {
        "n_incidents": int(len(inc)),
        "n_practices": int((events["event_kind"] == PRACTICE).sum()),
        "n_context": int((events["event_kind"] == CONTEXT).sum()),
        "persons_low": t["persons_low"],
        "persons_best": t["persons_best"],
        "persons_high": t["persons_high"],
        "persons_high_open": t["high_open"],
        "n_incidents_count_unknown": t["n_count_unknown"],
        "n_incidents_overlapping": int(inc["overlaps_incident_id"].notna().sum()),
        "n_incidents_multi_region": int((_n_values(inc["region_code"]) > 1).sum()),
        "n_incidents_undated": int(spans["start"].isna().sum()),
        "n_incidents_claimed_by_party": int(inc["claimed_by_party"].fillna(False).astype(bool).sum()),
        "n_regions": len(regions_with_incidents(events)),
        "n_sources": int(len(sources)),
        "period_start": None if spans["start"].isna().all() else spans["start"].min().date().isoformat(),
        "period_end": None if spans["end"].isna().all() else spans["end"].max().date().isoformat(),
        "n_ransoms": len(ransom_ids),
    }


def region_summary(events: pd.DataFrame, region_code: str, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Two-column summary of one region: name, occupation status, incidents, persons (rule 6), practices, context, dates."""
    here = in_region(events, region_code)
    stats = by_region(here)
    row = stats[stats["region_code"] == region_code]
    name, status = region_code, ""
    if regions is not None and (regions["iso_3166_2"] == region_code).any():
        r = regions[regions["iso_3166_2"] == region_code].iloc[0]
        name, status = str(r["name_en"]), str(r["occupation_status"])
    elif len(row):
        name, status = str(row["region_name"].iloc[0]), str(row["occupation_status"].iloc[0])
    inc = incidents_only(here)
    spans = incident_spans(inc)
    if len(row):
        r = row.iloc[0]
        persons = bounds_label(r["persons_low"], r["persons_best"], r["persons_high"], bool(r["high_open"]))
        n_inc, n_shared, n_unknown = int(r["n_incidents"]), int(r["n_incidents_shared"]), int(r["n_count_unknown"])
    else:
        persons, n_inc, n_shared, n_unknown = "0 / 0 / 0", 0, 0, 0
    rows = [
        ("Region", f"{name} ({region_code})"),
        ("Occupation status", status.replace("_", " ") or "n/a"),
        ("Incidents", f"{n_inc:,}"),
        ("of which shared with other regions (counted in full in each)", f"{n_shared:,}"),
        ("of which count unknown (not in the persons totals)", f"{n_unknown:,}"),
        ("Persons affected (low / best / high)", persons),
        ("Practices reported (not counted as victims)", f"{int((here['event_kind'] == PRACTICE).sum()):,}"),
        ("Context figures (not victims)", f"{int((here['event_kind'] == CONTEXT).sum()):,}"),
        ("Incidents dated between",
         "n/a" if spans["start"].isna().all() else f"{spans['start'].min():%Y-%m-%d} and {spans['end'].max():%Y-%m-%d}"),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def period_display(table: pd.DataFrame) -> pd.DataFrame:
    """A by_period table for display."""
    return pd.DataFrame({
        "period": table["period"],
        "incidents": table["n_incidents"],
        "of which spanning other periods": table["n_incidents_spanning"],
        "of which count unknown": table["n_count_unknown"],
        "persons low": table["persons_low"].map(_fmt_num),
        "persons best": table["persons_best"].map(_fmt_num),
        "persons high": [_fmt_num(h) + ("+" if o else "") for h, o in zip(table["persons_high"], table["high_open"])],
    })


def key_figures_display(figures: dict) -> pd.DataFrame:
    """The key figures as a two-column table for the report."""
    rows = [
        ("Incidents", f"{figures['n_incidents']:,}"),
        ("Persons affected (low / best / high)",
         bounds_label(figures["persons_low"], figures["persons_best"], figures["persons_high"], figures["persons_high_open"])),
        ("Incidents with count unknown (not in the persons totals)", f"{figures['n_incidents_count_unknown']:,}"),
        ("Incidents that may overlap another (high total only)", f"{figures['n_incidents_overlapping']:,}"),
        ("Incidents naming several regions without a split", f"{figures['n_incidents_multi_region']:,}"),
        ("Incidents whose figures are claims of a party to the conflict", f"{figures['n_incidents_claimed_by_party']:,}"),
        ("Practices (patterns without a count, not in the totals)", f"{figures['n_practices']:,}"),
        ("Context figures (not victims)", f"{figures['n_context']:,}"),
        ("Regions with incidents", f"{figures['n_regions']:,}"),
        ("Incidents with a ransom demanded", f"{figures['n_ransoms']:,}"),
        ("Sources", f"{figures['n_sources']:,}"),
        ("Period covered by incidents", f"{figures['period_start'] or 'n/a'} to {figures['period_end'] or 'n/a'}"),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])
