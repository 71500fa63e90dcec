"""Periods (rule 5), the data's cut-off (rule 11) and incidents charts cannot place; see ``analysis.aggregate``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import codebook
from analysis.aggregate._base import (
    SUM_COLUMNS, _as_counts, _incident_rows, _n_values, _summarise, _sums, incidents_only, person_bounds,
)

#: Frequencies accepted by ``by_period`` and the pandas period code of each.
FREQUENCIES: dict[str, str] = {"month": "M", "quarter": "Q", "year": "Y"}
#: The period of incidents without a start date in period tables.
UNDATED = "undated"
#: What ``unplaced`` reports as missing.
NO_REGION = "region"
NO_START_DATE = "start date"


# --------------------------------------------------------------------------------------
# By period (rule 5) and the data's cut-off (rule 11)
# --------------------------------------------------------------------------------------


#: The columns ``incident_spans`` reads.
_DATE_COLUMNS = ["date_start", "date_end", "first_reported_date"]


def incident_spans(events: pd.DataFrame) -> pd.DataFrame:
    """Effective [start, end] of each incident; NaT for undated incidents.

    An open or ongoing end ('since March 2023') ends on the first report (nothing reported
    can have happened after it was reported); an incident without a start date ('before
    February 2023': its start is open) is undated (rule 5).
    """
    start = events["date_start"]
    end = events["date_end"].fillna(events["first_reported_date"])
    end = end.where(end.isna() | start.isna() | (end >= start), start).fillna(start)
    end = end.where(start.notna())
    return pd.DataFrame({"start": start, "end": end}, index=events.index)


def data_cutoff(sources: pd.DataFrame) -> pd.Timestamp | None:
    """The last day the data can speak of: the latest source's publication date, to the end
    of its precision (rule 11); None when no source has a date."""
    if not isinstance(sources, pd.DataFrame) or "published_date" not in sources or sources["published_date"].isna().all():
        return None
    dates = pd.to_datetime(sources["published_date"])
    precision = sources["published_precision"] if "published_precision" in sources else pd.Series("day", index=sources.index)
    ends = dates.copy()
    for unit, offset in (("month", pd.offsets.MonthEnd(0)), ("year", pd.offsets.YearEnd(0))):
        mask = (precision == unit).to_numpy(dtype=bool) & dates.notna().to_numpy()
        ends[mask] = dates[mask] + offset
    return pd.Timestamp(ends.max()).normalize()


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
    n_periods (periods the span touches), low, best, high, count_unknown, high_open, claimed.
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
        **{col: bounds[col].to_numpy()[row] for col in ("low", "best", "high", "count_unknown", "high_open", "claimed")},
    })


def undated(events: pd.DataFrame) -> pd.DataFrame:
    """Incidents without a usable date (kept out of every period)."""
    inc = incidents_only(events)
    return inc[incident_spans(inc)["start"].isna()]


def _periods(ordinal: np.ndarray, code: str, start, end, cutoff) -> pd.PeriodIndex:
    """Every period from ``start`` (or the first touched) to ``end`` (or the last touched), none after the cut-off."""
    start_ts = pd.Timestamp(start) if start not in (None, "") else None
    end_ts = pd.Timestamp(end) if end not in (None, "") else None
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ValueError(f"start {start_ts.date()} is after end {end_ts.date()}")
    touched = len(ordinal) > 0
    first = start_ts.to_period(code) if start_ts is not None else (pd.Period(ordinal=int(ordinal.min()), freq=code) if touched else None)
    last = end_ts.to_period(code) if end_ts is not None else (pd.Period(ordinal=int(ordinal.max()), freq=code) if touched else None)
    if cutoff is not None and last is not None:
        # Nothing can be known after the cut-off (rule 11); a period an incident touches is never cut.
        known = pd.Timestamp(cutoff).to_period(code)
        if touched:
            known = max(known, pd.Period(ordinal=int(ordinal.max()), freq=code))
        last = min(last, known)
    if first is None or last is None or first > last:
        return pd.PeriodIndex([], freq=code)
    return pd.period_range(first, last, freq=code)


def by_period(
    events: pd.DataFrame,
    freq: str = "quarter",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    *,
    include_undated: bool = False,
    cutoff: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Incidents and persons per month, quarter or year (rule 5).

    Every period from ``start`` to ``end`` gets a row, also periods without incidents
    (default: from the first to the last period any incident touches), except periods
    after the data's ``cutoff`` (rule 11). Columns: period (label), period_start,
    period_end, n_incidents (touching the period), n_incidents_within (whole span in the
    period), n_incidents_spanning, then SUM_COLUMNS (persons_best fractional where spans
    are spread). With ``include_undated`` a last row 'undated' holds the incidents without
    a start date, so the best column adds up to the overall best.
    """
    code = _check_freq(freq)
    bounds = person_bounds(events)
    alloc = _allocate(_incident_rows(events, _DATE_COLUMNS), freq)
    ordinal, row = alloc["ordinal"], alloc["row"]
    periods = _periods(ordinal, code, start, end, cutoff)
    # Rows of periods outside [first, last] (when start or end is given) are left out.
    k = ordinal - (periods.asi8[0] if len(periods) else 0)
    keep = (k >= 0) & (k < len(periods))
    k, row, within = k[keep], row[keep], alloc["n_periods"][keep] == 1
    # Certainly in this period only when the whole span is in it (rule 5).
    spread = bounds.iloc[row].assign(low=np.where(within, bounds["low"].to_numpy()[row], 0.0))
    sums = _sums(k, len(periods), spread)
    # Fractional: pandas' group sum is compensated, so the spread bests keep every digit
    # kept (round(6) below); np.bincount's plain running sum need not.
    share = alloc["share"][keep]
    for col in ("best", "best_claimed"):
        weights = bounds["best"].to_numpy()[row] * share * (bounds["claimed"].to_numpy()[row] if col == "best_claimed" else 1)
        sums[f"persons_{col}"] = pd.Series(weights).groupby(k).sum().reindex(range(len(periods)), fill_value=0.0).to_numpy()
    n_within = np.bincount(k, weights=within, minlength=len(periods)).round().astype("int64")
    out = pd.DataFrame({
        "period": [period_label(p, freq) for p in periods],
        "period_start": [p.start_time.normalize() for p in periods],
        "period_end": [p.end_time.normalize() for p in periods],
    })
    out = pd.concat([out, sums], axis=1)
    out.insert(4, "n_incidents_within", n_within)
    out.insert(5, "n_incidents_spanning", out["n_incidents"] - n_within)
    if include_undated:
        # The undated incidents' bounds as in the whole table (an overlap with a dated incident holds).
        u = bounds[incident_spans(_incident_rows(events, _DATE_COLUMNS))["start"].isna().to_numpy()]
        if len(u):
            extra = {"period": UNDATED, "period_start": pd.NaT, "period_end": pd.NaT, "n_incidents_within": 0,
                     "n_incidents_spanning": 0, **_summarise(u)}
            out = pd.concat([out, pd.DataFrame([extra])], ignore_index=True) if len(out) else pd.DataFrame([extra])
    out = out[["period", "period_start", "period_end", "n_incidents", "n_incidents_within", "n_incidents_spanning",
               *SUM_COLUMNS[1:]]]
    for col in ("persons_best", "persons_best_claimed"):
        out[col] = out[col].astype(float).round(6)
    return _as_counts(out)


def in_date_range(events: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """Rows whose date span overlaps [start, end]; undated rows are dropped when a bound is given."""
    spans = incident_spans(events)
    mask = pd.Series(True, index=events.index)
    if start:
        mask &= spans["end"] >= pd.Timestamp(start)
    if end:
        mask &= spans["start"] <= pd.Timestamp(end)
    return events[mask.fillna(False).astype(bool)].copy()


def unplaced(events: pd.DataFrame) -> pd.DataFrame:
    """Incidents a map, a profile or a timeline cannot place: no region, or no start date.

    The incident rows, sorted by id, with a column ``missing`` ('region', 'start date',
    or both joined by '|'). They are in every total; charts list them apart.
    """
    inc = incidents_only(events)
    no_region = _n_values(inc["region_code"]) == 0
    no_start = incident_spans(inc)["start"].isna().to_numpy()
    missing = np.select([no_region & no_start, no_region, no_start],
                        [NO_REGION + codebook.MULTI_SEP + NO_START_DATE, NO_REGION, NO_START_DATE], "")
    return inc.assign(missing=missing)[missing != ""].sort_values("incident_id", kind="stable")
