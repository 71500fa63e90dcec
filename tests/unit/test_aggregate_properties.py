"""Property tests: the vectorised aggregations against plain-Python references, on random small inputs.

The references below follow the counting rules of analysis.aggregate's module docstring
one incident at a time, with datetime.date arithmetic and no pandas, so they stay easy to
check by reading; hypothesis looks for inputs where the vectorised code disagrees.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import aggregate as agg
from analysis import codebook

pytestmark = pytest.mark.sweep

DAY0 = dt.date(2022, 1, 1)
QUALIFIERS = ["exact", "at_least", "approximately", "up_to", "range", "unknown"]
REGIONS = ["RU-CE", "UA-65", "UA-23", "RU-MOW", ""]
NAMES = ["Chechnya", "Kherson", "Zaporizhzhia", "Moscow"]
STATUSES = ["not_occupied", "partially_occupied"]
COERCION = ["detention", "raid", "ransom_demand", ""]


# --------------------------------------------------------------------------------------
# Random incidents
# --------------------------------------------------------------------------------------


def _cell(values: list[str], max_size: int = 3):
    """A multi-valued cell: missing, or 0-3 values joined by '|' (empty parts included)."""
    return st.one_of(st.none(), st.lists(st.sampled_from(values), max_size=max_size).map("|".join))


_count = st.one_of(st.none(), st.integers(0, 60))

_row = st.fixed_dictionaries({
    "event_kind": st.sampled_from(["incident"] * 5 + ["practice"]),
    # the start as days after DAY0; missing = undated
    "start": st.one_of(st.none(), st.integers(0, 1200)),
    # the end relative to the start: may be missing (open), zero, long, or before the start
    "length": st.one_of(st.none(), st.integers(-20, 800)),
    "reported_after": st.one_of(st.none(), st.integers(-30, 400)),
    "persons_low": _count,
    "persons_best": _count,
    "persons_high": _count,
    "persons_qualifier": st.sampled_from(QUALIFIERS),
    "overlaps": st.booleans(),
    "claimed": st.booleans(),
    "region_code": _cell(REGIONS),
    "region_name": _cell(NAMES),
    "occupation_status": _cell(STATUSES),
    "coercion": _cell(COERCION),
})


def _frame(rows: list[dict]) -> pd.DataFrame:
    """The random rows as the columns of the incidents table the aggregations read."""
    records = []
    for i, r in enumerate(rows):
        start = None if r["start"] is None else DAY0 + dt.timedelta(days=r["start"])
        base = start or DAY0 + dt.timedelta(days=600)
        records.append({
            "incident_id": f"INC-{i + 1:03d}",
            "event_kind": r["event_kind"],
            "date_start": start,
            "date_end": None if r["length"] is None else base + dt.timedelta(days=r["length"]),
            "first_reported_date": None if r["reported_after"] is None else base + dt.timedelta(days=r["reported_after"]),
            "persons_low": r["persons_low"],
            "persons_best": r["persons_best"],
            "persons_high": r["persons_high"],
            "persons_qualifier": r["persons_qualifier"],
            # overlaps the first row: rule 4 applies only when that row is an incident of the same table
            "overlaps_incident_id": "INC-001" if r["overlaps"] and i > 0 else None,
            "region_code": r["region_code"],
            "region_name": r["region_name"],
            "occupation_status": r["occupation_status"],
            "coercion": r["coercion"],
            "claimed_by_party": r["claimed"],
        })
    df = pd.DataFrame(records, columns=["incident_id", "event_kind", "date_start", "date_end", "first_reported_date",
                                        "persons_low", "persons_best", "persons_high", "persons_qualifier",
                                        "overlaps_incident_id", "region_code", "region_name", "occupation_status", "coercion",
                                        "claimed_by_party"])
    for col in ("date_start", "date_end", "first_reported_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    return df.astype({"claimed_by_party": "boolean", "persons_low": "Int64", "persons_best": "Int64", "persons_high": "Int64",
                      **{c: "string" for c in ("incident_id", "event_kind", "persons_qualifier", "overlaps_incident_id",
                                               "region_code", "region_name", "occupation_status", "coercion")}})


# --------------------------------------------------------------------------------------
# Plain-Python references
# --------------------------------------------------------------------------------------


def _split(cell) -> list[str]:
    return [] if cell is None else [v for v in cell.split("|") if v]


def _overlaps(r: dict, rows: list[dict]) -> bool:
    """Rule 4: the row overlaps the first row, and that row is an incident of the table."""
    return r["overlaps"] and r is not rows[0] and rows[0]["event_kind"] == "incident"


def _own_bounds(r: dict) -> tuple[float, float, float, bool, bool]:
    """(low, best, high, count_unknown, high_open) of one incident on its own (rules 2-3)."""
    low, best, high = r["persons_low"], r["persons_best"], r["persons_high"]
    if r["persons_qualifier"] == "unknown" or (low is None and best is None and high is None):
        return 0.0, 0.0, 0.0, True, False
    first = lambda *xs: next((x for x in xs if x is not None), 0)  # noqa: E731
    lo, be, hi = first(low, best), first(best, low, high), first(high, best, low)
    return float(lo), float(be), float(hi), False, high is None and r["persons_qualifier"] == "at_least"


def _bounds(r: dict, rows: list[dict]) -> tuple[float, float, float, bool, bool]:
    """(low, best, high, count_unknown, high_open) of one incident in its table (rules 2-4).

    The rows that overlap the first row form one group with it: the member with the largest
    low (best) carries the group's low (best), the first row winning ties; the others add
    their high only.
    """
    lo, be, hi, unknown, high_open = _own_bounds(r)
    group = [rows[0]] + [x for x in rows if _overlaps(x, rows) and x["event_kind"] == "incident"]
    if len(group) > 1 and any(x is r for x in group):
        own = [_own_bounds(x) for x in group]
        for k in (0, 1):
            carrier = max(range(len(group)), key=lambda i: (own[i][k], -i))
            if group[carrier] is not r:
                lo, be = (0.0, be) if k == 0 else (lo, 0.0)
    return lo, be, hi, unknown, high_open


def _span(r: dict) -> tuple[dt.date, dt.date] | None:
    """[start, end] of one incident: an open end ends on the first report, an end before the start is the start."""
    if r["start"] is None:
        return None
    start = DAY0 + dt.timedelta(days=r["start"])
    if r["length"] is not None:
        end = start + dt.timedelta(days=r["length"])
    elif r["reported_after"] is not None:
        end = start + dt.timedelta(days=r["reported_after"])
    else:
        end = start
    return start, max(start, end)


def _period(day: dt.date, freq: str) -> tuple[int, int]:
    """(year, number of the month, quarter or year within it)."""
    return (day.year, {"month": day.month, "quarter": (day.month - 1) // 3 + 1, "year": 1}[freq])


def _period_days(period: tuple[int, int], freq: str) -> tuple[dt.date, dt.date]:
    year, k = period
    first_month, months = {"month": (k, 1), "quarter": (3 * k - 2, 3), "year": (1, 12)}[freq]
    last_month = first_month + months - 1
    return dt.date(year, first_month, 1), dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def _next(period: tuple[int, int], freq: str) -> tuple[int, int]:
    year, k = period
    n = {"month": 12, "quarter": 4, "year": 1}[freq]
    return (year + 1, 1) if k == n else (year, k + 1)


def _label(period: tuple[int, int], freq: str) -> str:
    year, k = period
    return {"month": f"{year}-{k:02d}", "quarter": f"{year} Q{k}", "year": str(year)}[freq]


def reference_allocation(rows: list[dict], freq: str) -> list[tuple]:
    """(incident_id, period label, days, share, n_periods) per incident and period its span touches."""
    out = []
    for i, r in enumerate(rows):
        span = _span(r)
        if r["event_kind"] != "incident" or span is None:
            continue
        start, end = span
        touched, p = [], _period(start, freq)
        while True:
            touched.append(p)
            if _period_days(p, freq)[1] >= end:
                break
            p = _next(p, freq)
        total = (end - start).days + 1
        for p in touched:
            first, last = _period_days(p, freq)
            days = (min(end, last) - max(start, first)).days + 1
            out.append((f"INC-{i + 1:03d}", _label(p, freq), days, days / total, len(touched)))
    return out


def _empty() -> dict:
    return dict(n_incidents=0, n_count_unknown=0, persons_low=0.0, persons_best=0.0, persons_high=0.0, high_open=False,
                has_count=False, n_incidents_claimed=0, persons_low_claimed=0.0, persons_best_claimed=0.0,
                persons_high_claimed=0.0)


def _add(e: dict, r: dict, low, best, high, unknown, high_open) -> None:
    """Add one incident to a row of sums (the columns of aggregate.SUM_COLUMNS)."""
    e["n_incidents"] += 1
    e["n_count_unknown"] += unknown
    e["persons_low"] += low
    e["persons_best"] += best
    e["persons_high"] += high
    e["high_open"] |= high_open
    e["has_count"] |= not unknown
    if r["claimed"]:
        e["n_incidents_claimed"] += 1
        e["persons_low_claimed"] += low
        e["persons_best_claimed"] += best
        e["persons_high_claimed"] += high


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

FREQ = st.sampled_from(["month", "quarter", "year"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, max_size=10), FREQ)
def test_period_allocation_matches_the_reference(rows, freq):
    long = agg.allocate_periods(_frame(rows), freq)
    got = [(i, agg.period_label(p, freq), d, s, n)
           for i, p, d, s, n in zip(long["incident_id"], long["period"], long["days"], long["share"], long["n_periods"])]
    expected = reference_allocation(rows, freq)
    assert [g[:3] + g[4:] for g in got] == [e[:3] + e[4:] for e in expected]
    assert [g[3] for g in got] == pytest.approx([e[3] for e in expected], rel=1e-12)
    # every incident's shares add up to one
    assert long.groupby("incident_id")["share"].sum().to_numpy() == pytest.approx(1.0)


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, max_size=10), FREQ)
def test_by_period_matches_the_reference(rows, freq):
    table = agg.by_period(_frame(rows), freq, include_undated=True)
    periods: dict[str, dict] = {}
    order: list[str] = []
    alloc = reference_allocation(rows, freq)
    if alloc:
        firsts = [_period(_span(r)[0], freq) for r in rows if r["event_kind"] == "incident" and _span(r)]
        lasts = [_period(_span(r)[1], freq) for r in rows if r["event_kind"] == "incident" and _span(r)]
        p, last = min(firsts), max(lasts)
        while True:  # every period from the first to the last, also empty ones
            order.append(_label(p, freq))
            if p == last:
                break
            p = _next(p, freq)
    for label in order:
        periods[label] = dict(n_incidents=0, n_incidents_within=0, n_incidents_spanning=0, n_count_unknown=0,
                              persons_low=0.0, persons_best=0.0, persons_high=0.0, high_open=False)
    by_id = {f"INC-{i + 1:03d}": r for i, r in enumerate(rows)}
    for incident_id, label, _days, share, n_periods in alloc:
        low, best, high, unknown, high_open = _bounds(by_id[incident_id], rows)
        p = periods[label]
        p["n_incidents"] += 1
        p["n_incidents_within"] += n_periods == 1
        p["n_incidents_spanning"] += n_periods > 1
        p["n_count_unknown"] += unknown
        p["persons_low"] += low if n_periods == 1 else 0.0
        p["persons_best"] += best * share
        p["persons_high"] += high
        p["high_open"] |= high_open
    undated = [r for r in rows if r["event_kind"] == "incident" and _span(r) is None]
    if undated:
        b = [_bounds(r, rows) for r in undated]
        order.append("undated")
        periods["undated"] = dict(n_incidents=len(undated), n_incidents_within=0, n_incidents_spanning=0, n_count_unknown=sum(x[3] for x in b),
                                  persons_low=sum(x[0] for x in b), persons_best=sum(x[1] for x in b),
                                  persons_high=sum(x[2] for x in b), high_open=any(x[4] for x in b))
    assert list(table["period"]) == order
    for col in ("n_incidents", "n_incidents_within", "n_incidents_spanning", "n_count_unknown", "persons_low", "persons_high",
                "high_open"):
        assert list(table[col]) == [periods[label][col] for label in order], col
    assert list(table["persons_best"]) == pytest.approx([periods[label]["persons_best"] for label in order], abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, max_size=12))
def test_by_region_matches_the_reference(rows):
    table = agg.by_region(_frame(rows))
    expected: dict[str, dict] = {}
    for r in rows:
        if r["event_kind"] != "incident":
            continue
        low, best, high, unknown, high_open = _bounds(r, rows)
        codes = _split(r["region_code"]) or [""]
        names, statuses = _split(r["region_name"]), _split(r["occupation_status"])
        for i, code in enumerate(codes):
            # name and status as the first incident naming the region gives them
            e = expected.setdefault(code, dict(
                region_name=names[i] if i < len(names) else (code or "region not stated"),
                occupation_status=statuses[i] if i < len(statuses) else "",
                n_incidents_shared=0, **_empty()))
            e["n_incidents_shared"] += len(codes) > 1
            _add(e, r, low, best, high, unknown, high_open)  # rule 6: low, best and high in full in each region
    got = table.set_index("region_code").to_dict("index")
    assert got == expected
    assert list(table.sort_values(["persons_best", "n_incidents", "region_code"], ascending=[False, False, True])["region_code"]) \
        == list(table["region_code"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, max_size=12))
def test_by_category_and_key_figures_match_the_reference(rows):
    df = _frame(rows)
    table = agg.by_category(df, "coercion")
    expected: dict[str, dict] = {}
    incidents = [r for r in rows if r["event_kind"] == "incident"]
    for r in incidents:
        low, best, high, unknown, high_open = _bounds(r, rows)
        for value in _split(r["coercion"]) or ["unknown"]:
            _add(expected.setdefault(value, _empty()), r, low, best, high, unknown, high_open)
    assert table.set_index("coercion").to_dict("index") == expected
    # key_figures reads every column of the table: the others empty
    full = df.reindex(columns=codebook.INCIDENTS.columns).astype(codebook.pandas_dtypes("incidents"))
    kf = agg.key_figures(full, pd.DataFrame({"source_id": ["s-a"]}))
    assert kf["n_ransoms"] == sum("ransom_demand" in _split(r["coercion"]) for r in incidents)
    assert kf["n_incidents_multi_region"] == sum(len(_split(r["region_code"])) > 1 for r in incidents)
    assert kf["n_regions"] == len({c for r in incidents for c in _split(r["region_code"])})
    assert kf["n_incidents_undated"] == sum(_span(r) is None for r in incidents)


# --------------------------------------------------------------------------------------
# Rule 4 on any graph of overlaps
# --------------------------------------------------------------------------------------

_graph_row = st.fixed_dictionaries({
    "persons_low": _count, "persons_best": _count, "persons_high": _count,
    "persons_qualifier": st.sampled_from(QUALIFIERS),
    "overlaps": st.one_of(st.none(), st.integers(0, 11)),  # the row whose victims may include this one's (itself and cycles too)
})


@settings(max_examples=300, deadline=None)
@given(st.lists(_graph_row, min_size=1, max_size=12))
def test_totals_count_shared_victims_once_on_any_overlap_graph(rows):
    ids = [f"INC-{i + 1:03d}" for i in range(len(rows))]
    inc = pd.DataFrame({
        "incident_id": ids, "event_kind": "incident",
        "persons_low": [r["persons_low"] for r in rows], "persons_best": [r["persons_best"] for r in rows],
        "persons_high": [r["persons_high"] for r in rows], "persons_qualifier": [r["persons_qualifier"] for r in rows],
        "overlaps_incident_id": [None if r["overlaps"] is None or r["overlaps"] >= len(rows) else ids[r["overlaps"]] for r in rows],
    }).astype({"persons_low": "Int64", "persons_best": "Int64", "persons_high": "Int64", "incident_id": "string",
               "event_kind": "string", "persons_qualifier": "string", "overlaps_incident_id": "string"})
    alone = agg.person_bounds(inc, apply_overlap=False)
    total = agg.totals(inc)
    # The low total is at least the largest incident's and at most all of them; the high total adds every high.
    assert alone["low"].max() <= total["persons_low"] <= alone["low"].sum()
    assert alone["best"].max() <= total["persons_best"] <= alone["best"].sum()
    assert total["persons_high"] == alone["high"].sum()
    # Without any overlap, nothing is shared: every incident counts in full.
    free = agg.totals(inc.assign(overlaps_incident_id=pd.NA).astype({"overlaps_incident_id": "string"}))
    assert free["persons_low"] == alone["low"].sum()


def test_a_larger_incident_overlapping_a_smaller_one_keeps_the_low_total():
    # 500 conscripted may include the 300 of another report: at least 500, not 300.
    inc = pd.DataFrame({"incident_id": ["INC-001", "INC-002"], "event_kind": "incident", "persons_low": [300, 500],
                        "persons_best": [300, 500], "persons_high": [300, 500], "persons_qualifier": "exact",
                        "overlaps_incident_id": [None, "INC-001"]}).astype(
        {"persons_low": "Int64", "persons_best": "Int64", "persons_high": "Int64", "overlaps_incident_id": "string",
         "incident_id": "string", "event_kind": "string", "persons_qualifier": "string"})
    total = agg.totals(inc)
    assert (total["persons_low"], total["persons_best"], total["persons_high"]) == (500, 500, 800)
