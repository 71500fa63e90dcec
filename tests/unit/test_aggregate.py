"""Counting on the hand-made fixture, against answers worked out by hand (tests/fixtures/tables.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import aggregate as agg
from analysis import codebook, display
from fixtures.tables import KNOWN, KNOWN_MORE, frames


def test_key_figures_match_the_hand_worked_answers(tables):
    kf = agg.key_figures(tables["incidents"], tables["sources"], tables["amounts"])
    assert {k: kf[k] for k in KNOWN} == KNOWN
    assert {k: kf[k] for k in KNOWN_MORE} == KNOWN_MORE
    assert kf["persons_high_open"] is True  # 'at least 5' has no upper bound
    assert kf["n_incidents_overlapping"] == 1
    assert kf["n_incidents_multi_region"] == 2
    assert kf["n_incidents_undated"] == 1
    # plain Python values, ready for the report's variables file
    assert all(isinstance(v, (int, float, str, bool)) or v is None for v in kf.values())


def test_bounds_per_qualifier(tables):
    b = agg.person_bounds(tables["incidents"]).set_index("incident_id")
    assert tuple(b.loc["INC-003", ["low", "best", "high"]]) == (300, 300, 300)  # approximately
    assert tuple(b.loc["INC-005", ["low", "best", "high"]]) == (5, 5, 5) and b.loc["INC-005", "high_open"]  # at least
    assert tuple(b.loc["INC-011", ["low", "best", "high"]]) == (0, 50, 50)  # up to
    assert tuple(b.loc["INC-012", ["low", "best", "high"]]) == (10, 10, 20)  # range without best
    assert tuple(b.loc["INC-004", ["low", "best", "high"]]) == (0, 0, 30)  # overlaps INC-003: high only


def test_unknown_count_is_an_incident_not_zero_persons(tables):
    inc = tables["incidents"]
    t = agg.totals(inc)
    assert t["n_incidents"] == 12 and t["n_count_unknown"] == 2
    region = agg.by_region(inc).set_index("region_code").loc["RU-VLA"]
    assert region["n_incidents"] == 1 and region["n_count_unknown"] == 1
    assert not region["has_count"]  # its only incident has no number: no persons total, not 0
    listing = display.event_list(inc).set_index("id")
    assert listing.loc["INC-009", "persons (low–high or count unknown)"] == "count unknown"
    assert listing.loc["INC-006", "persons (low–high or count unknown)"] == "count unknown"
    assert display.persons_label(inc.set_index("incident_id").loc["INC-009"]) == display.COUNT_UNKNOWN


def test_practices_and_context_are_never_counted_as_victims(tables):
    inc = tables["incidents"]
    only_incidents = inc[inc["event_kind"] == "incident"]
    assert agg.totals(inc) == agg.totals(only_incidents)
    # a context figure of 300,000 would dominate any total it leaked into
    assert agg.by_region(inc)["persons_high"].max() < 1000
    assert set(agg.person_bounds(inc)["incident_id"]) == set(only_incidents["incident_id"])
    kf = agg.key_figures(inc, tables["sources"])
    assert (kf["n_practices"], kf["n_context"]) == (2, 3)


def test_quarters_spread_a_year_span_and_widen_the_range(tables):
    q = agg.by_period(tables["incidents"], "quarter", include_undated=True).set_index("period")
    # INC-002: four men 'in 2023', year precision -> spread over the four quarters by days
    assert q.loc["2023 Q1", "persons_best"] == pytest.approx(4 * 90 / 365, abs=1e-5)
    assert q.loc["2023 Q1", "persons_low"] == 0 and q.loc["2023 Q1", "persons_high"] == 4
    assert q.loc["2023 Q1", "n_incidents_spanning"] == 1
    # Q2 2023 also holds the wanted notice (one day): low 1, high 4 + 1
    assert (q.loc["2023 Q2", "persons_low"], q.loc["2023 Q2", "persons_high"]) == (1, 5)
    # INC-004 (autumn 2024, Sep-Nov) touches Q3 and Q4; it overlaps INC-003 so it adds to highs only
    assert q.loc["2024 Q3", "persons_high"] == 30 and q.loc["2024 Q3", "persons_best"] == 0
    assert q.loc["2024 Q4", "persons_high"] == 330 and q.loc["2024 Q4", "persons_low"] == 300
    # empty quarters are shown, not skipped
    assert q.loc["2024 Q1", "n_incidents"] == 0
    # unknown counts stay visible per period
    assert q.loc["2022 Q4", "n_count_unknown"] == 1
    assert q.loc["undated", "persons_high"] == 20
    # bests add up to the total; lows add up to less, highs to more
    assert q["persons_best"].sum() == pytest.approx(KNOWN["persons_best"])
    assert q["persons_low"].sum() <= KNOWN["persons_low"]
    assert q["persons_high"].sum() >= KNOWN["persons_high"]


def test_years_hold_whole_spans(tables):
    y = agg.by_period(tables["incidents"], "year").set_index("period")
    assert list(y.index) == ["2022", "2023", "2024", "2025"]
    assert tuple(y.loc["2023", ["persons_low", "persons_best", "persons_high"]]) == (6, 6, 6)
    assert y.loc["2025", "high_open"]


def test_date_range_fills_every_period_and_rejects_inverted_range(tables):
    m = agg.by_period(tables["incidents"], "month", "2023-01-01", "2023-12-31")
    assert len(m) == 12 and m["period"].iloc[0] == "2023-01"
    assert m["persons_best"].sum() == pytest.approx(4 + 1 + 1)
    with pytest.raises(ValueError, match="after"):
        agg.by_period(tables["incidents"], "month", "2024-01-01", "2023-01-01")
    with pytest.raises(ValueError, match="accepted: month, quarter, year"):
        agg.by_period(tables["incidents"], "week")


def test_in_date_range_keeps_overlapping_spans(tables):
    ids = set(agg.in_date_range(tables["incidents"], "2024-11-01", "2024-11-30")["incident_id"])
    assert ids == {"INC-003", "INC-004"}


def test_open_span_ends_on_first_report():
    df = pd.DataFrame({"date_start": pd.to_datetime(["2023-03-01"]), "date_end": pd.to_datetime([None]),
                       "first_reported_date": pd.to_datetime(["2023-06-15"])})
    span = agg.incident_spans(df).iloc[0]
    assert (span["start"], span["end"]) == (pd.Timestamp("2023-03-01"), pd.Timestamp("2023-06-15"))


def test_regions_count_shared_incidents_in_each_named_region(tables):
    inc = tables["incidents"]
    r = agg.by_region(inc).set_index("region_code")
    for code in ("UA-65", "UA-23"):
        # rule 6: low, best and high alike count the shared incident in full, as the national totals do
        assert tuple(r.loc[code, ["persons_low", "persons_best", "persons_high"]]) == (300, 300, 330)
        assert r.loc[code, "n_incidents_shared"] == 2
        assert (r.loc[code, "n_incidents_claimed"], r.loc[code, "persons_best_claimed"]) == (2, 300)
    assert tuple(r.loc["RU-CE", ["persons_low", "persons_best", "persons_high"]]) == (17, 67, 67)
    # not divided silently: the region bests exceed the national best by the shared 300
    assert r["persons_best"].sum() == KNOWN["persons_best"] + 300
    assert agg.regions_with_incidents(inc) == ["RU-CE", "RU-DA", "RU-MOW", "RU-NVS", "RU-VLA", "UA-23", "UA-65"]


def test_categories_are_not_exclusive(tables):
    c = agg.by_coercion(tables["incidents"]).set_index("coercion")
    assert c.loc["forced_enlistment", "n_incidents"] == 3
    assert c.loc["forced_enlistment", "n_count_unknown"] == 1
    assert c.loc["forced_enlistment", "persons_best"] == 10
    assert c["n_incidents"].sum() > KNOWN["n_incidents"]
    g = agg.by_category(tables["incidents"], "victim_group", keep_empty=True).set_index("victim_group")
    assert set(g.index) == set(codebook.VOCABULARIES["victim_group"])
    assert g.loc["lgbtq_people", "n_incidents"] == 0
    p = agg.by_perpetrator(tables["incidents"]).set_index("perpetrator")
    assert p.loc["chechen_security_forces", "n_incidents"] == 5


def test_flows_chain_origin_place_destination(tables):
    f = agg.flows(tables["incidents"])
    pairs = {(a, b): row for (a, b), row in zip(zip(f["from_code"], f["to_code"]), f.to_dict("records"))}
    # INC-004 overlaps INC-003, which is not on this arrow: the arrow shows its own 30, once for
    # both regions it names (one arrow from Kherson and Zaporizhzhia together, never 30 + 30)
    assert (pairs[("UA-23|UA-65", "UA-43")]["persons_best"], pairs[("UA-23|UA-65", "UA-43")]["persons_high"]) == (30, 30)
    assert pairs[("UA-23|UA-65", "UA-43")]["incident_ids"] == "INC-004"
    assert ("UA-65", "UA-43") not in pairs
    assert pairs[("KG|TJ|UZ", "RU-VLA")]["n_count_unknown"] == 1
    assert pairs[("UZ", "RU-MOW")]["persons_best"] == 1
    assert pairs[("RU-CE", "RU-IN")]["high_open"]
    # rule 8: to a destination, the persons sent there: INC-001 sent 3 of its 6, INC-002 all its 4
    assert pairs[("RU-CE", "UA")]["persons_best"] == 3 + 4
    assert pairs[("RU-CE", "UA")]["leg"] == "destination"


def test_ransom_table_has_original_rub_usd_and_basis(tables):
    t = display.ransom_table(tables["amounts"], tables["incidents"])
    row = t.set_index("incident").loc["INC-001"]
    assert row["amount (original)"] == "1,500,000 RUB"
    assert row["RUB"] == "1,500,000 RUB" and row["USD"] == "24,846 USD"
    assert "Bank of Russia rate (60.3713 RUB/USD on 2022-09-05)" in row["conversion basis"]
    assert "source states at least 17,000 USD" in row["conversion basis"]
    bonus = t.set_index("incident").loc["INC-009"]
    assert bonus["amount (original)"] == "2,000–3,000 USD"
    assert (bonus["RUB"], bonus["USD"]) == ("119,660–179,490 RUB", "2,000–3,000 USD")
    assert bonus["conversion basis"].startswith("RUB: Bank of Russia rate")
    assert list(display.ransom_table(tables["amounts"], tables["incidents"], ["ransom"])["incident"]) == ["INC-001"]
    with pytest.raises(ValueError, match="accepted: ransom, bonus, fine, payment"):
        agg.amounts_with_incidents(tables["amounts"], tables["incidents"], ["bribe"])


@pytest.mark.parametrize(
    "start, end, precision, expected",
    [
        ("2025-04-15", "2025-04-15", "day", "2025-04-15"),
        ("2025-04-01", "2025-04-30", "month", "April 2025"),
        ("2024-09-01", "2024-11-30", "season", "autumn 2024"),
        ("2024-12-01", "2025-02-28", "season", "winter 2024/25"),
        ("2023-01-01", "2023-12-31", "year", "2023"),
        ("2024-10-31", "2024-12-31", "range", "2024-10-31 – 2024-12-31"),
        (None, None, "unknown", "undated"),
    ],
)
def test_date_labels_keep_the_precision(start, end, precision, expected):
    row = pd.Series({"date_start": pd.Timestamp(start) if start else pd.NaT,
                     "date_end": pd.Timestamp(end) if end else pd.NaT, "date_precision": precision})
    assert display.date_label(row) == expected


def test_region_summary(tables):
    s = display.region_summary_table(tables["incidents"], "UA-65").set_index("figure")["value"]
    assert s["Persons affected (low / best / high)"] == "300 / 300 / 330"
    assert s["of which shared with other regions (counted in full in each)"] == "2"
    assert s["of which claims of a party to the conflict"] == "2"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1400), st.integers(0, 500), st.integers(0, 40)), min_size=1, max_size=8),
       st.sampled_from(["month", "quarter", "year"]))
def test_period_allocation_keeps_the_best_total(spans, freq):
    start0 = pd.Timestamp("2022-01-01")
    rows = []
    for i, (offset, length, persons) in enumerate(spans):
        rows.append({"incident_id": f"INC-{i + 1:03d}", "event_kind": "incident",
                     "date_start": start0 + pd.Timedelta(days=offset), "date_end": start0 + pd.Timedelta(days=offset + length),
                     "first_reported_date": pd.NaT, "persons_low": persons, "persons_best": persons, "persons_high": persons,
                     "persons_qualifier": "exact", "overlaps_incident_id": None})
    df = pd.DataFrame(rows).astype({"persons_low": "Int64", "persons_best": "Int64", "persons_high": "Int64",
                                    "overlaps_incident_id": "string"})
    table = agg.by_period(df, freq)
    total = sum(p for _, _, p in spans)
    assert table["persons_best"].sum() == pytest.approx(total, abs=1e-3)
    assert table["persons_low"].sum() <= total <= table["persons_high"].sum()
    assert (table["persons_low"] <= table["persons_best"] + 1e-9).all()
    assert (table["persons_best"] <= table["persons_high"] + 1e-9).all()


def test_no_incidents_gives_zeros_not_errors(tables):
    inc = tables["incidents"]
    rest = inc[inc["event_kind"] != "incident"]
    kf = agg.key_figures(rest, tables["sources"])
    assert (kf["n_incidents"], kf["persons_best"], kf["n_practices"], kf["period_start"]) == (0, 0, 2, None)
    for table in (agg.by_period(rest), agg.by_region(rest), agg.by_victim_group(rest), agg.flows(rest)):
        assert len(table) == 0
    assert display.region_summary_table(rest, "RU-CE").set_index("figure").loc["Incidents", "value"] == "0"


@pytest.mark.parametrize("value, label", [("lgbtq_people", "LGBTQ+ people"), ("central_asian_migrants", "Central Asian migrants"),
                                          ("ukrainians_in_occupied_territories", "Ukrainians in occupied territories"),
                                          ("forced_public_cursing", "Forced public cursing")])
def test_category_labels(value, label):
    assert display.category_label(value) == label


# --------------------------------------------------------------------------------------
# Small hand-made frames for the counting rules the fixture does not reach: spans over
# several periods, open ends, ends before starts, shared regions with overlaps, empty cells.
# --------------------------------------------------------------------------------------


def _incidents(*changes: dict) -> pd.DataFrame:
    """Incident rows built on the fixture's INC-001, each with the given fields changed."""
    template = frames()["incidents"].iloc[0].to_dict()
    template.update(overlaps_incident_id=None, date_start=None, date_end=None, first_reported_date=None, persons_qualifier="exact",
                    persons_low=None, persons_best=None, persons_high=None)
    rows = [{**template, "incident_id": f"INC-9{i:02d}", **change} for i, change in enumerate(changes)]
    df = pd.DataFrame(rows, columns=codebook.INCIDENTS.columns)
    for col in ("date_start", "date_end", "first_reported_date", "coded_date"):
        df[col] = pd.to_datetime(df[col])
    return df.astype(codebook.pandas_dtypes("incidents"))


def _exact(n: int) -> dict:
    return {"persons_low": n, "persons_best": n, "persons_high": n}


def test_a_span_over_four_months_is_spread_by_days():
    # 15 Feb - 10 May 2023: 14 + 31 + 30 + 10 = 85 days, 85 persons: one person a day.
    inc = _incidents({"date_start": "2023-02-15", "date_end": "2023-05-10", **_exact(85)},
                     {"date_start": "2023-03-05", "date_end": "2023-03-05", **_exact(3)})
    long = agg.allocate_periods(inc, "month")
    spread = long[long["incident_id"] == "INC-900"]
    assert [str(p) for p in spread["period"]] == ["2023-02", "2023-03", "2023-04", "2023-05"]
    assert list(spread["days"]) == [14, 31, 30, 10]
    assert list(spread["share"]) == pytest.approx([14 / 85, 31 / 85, 30 / 85, 10 / 85])
    assert set(spread["n_periods"]) == {4}
    m = agg.by_period(inc, "month").set_index("period")
    assert list(m.index) == ["2023-02", "2023-03", "2023-04", "2023-05"]
    assert list(m["persons_best"]) == [14, 34, 30, 10]
    assert list(m["persons_low"]) == [0, 3, 0, 0]  # only the one-day incident is certainly in March
    assert list(m["persons_high"]) == [85, 88, 85, 85]
    assert list(m["n_incidents"]) == [1, 2, 1, 1]
    assert list(m["n_incidents_spanning"]) == [1, 1, 1, 1]
    assert list(m["n_incidents_within"]) == [0, 1, 0, 0]


def test_open_end_slip_and_undated_in_quarters():
    inc = _incidents(
        # 'since 20 March', first reported 10 April: 12 days in Q1, 10 in Q2; 'at least 22' has no upper bound
        {"date_start": "2023-03-20", "first_reported_date": "2023-04-10", "persons_qualifier": "at_least",
         "persons_low": 22, "persons_best": 22},
        # an end before the start is read as the start day
        {"date_start": "2023-08-01", "date_end": "2023-07-01", **_exact(5)},
        # an end without a start is undated
        {"date_end": "2023-01-31", **_exact(7)},
    )
    q = agg.by_period(inc, "quarter", include_undated=True).set_index("period")
    assert list(q.index) == ["2023 Q1", "2023 Q2", "2023 Q3", "undated"]
    assert list(q["persons_best"]) == [12, 10, 5, 7]
    assert list(q["persons_low"]) == [0, 0, 5, 7]
    assert list(q["persons_high"]) == [22, 22, 5, 7]
    assert list(q["high_open"]) == [True, True, False, False]
    assert list(q["n_incidents_within"]) == [0, 0, 1, 0]
    # a range that starts before the first incident keeps its empty periods
    y = agg.by_period(inc, "quarter", "2022-10-01", "2023-06-30").set_index("period")
    assert list(y.index) == ["2022 Q4", "2023 Q1", "2023 Q2"]
    assert list(y["n_incidents"]) == [0, 1, 1]


def test_shared_regions_overlaps_and_empty_cells():
    inc = _incidents(
        {"region_code": "UA-65|UA-23", "region_name": "Kherson|Zaporizhzhia",
         "occupation_status": "partially_occupied|partially_occupied", "coercion": "detention|raid", **_exact(10)},
        # overlaps the first: adds to highs only; its own spelling of the name comes second
        {"region_code": "UA-23", "region_name": "Zaporizhzhia oblast", "occupation_status": "partially_occupied",
         "coercion": None, "overlaps_incident_id": "INC-900", **_exact(4)},
        {"region_code": None, "region_name": None, "occupation_status": None, "coercion": "detention", **_exact(2)},
    )
    r = agg.by_region(inc).set_index("region_code")
    assert list(r.index) == ["UA-23", "UA-65", ""]
    assert tuple(r.loc["UA-65", ["n_incidents", "n_incidents_shared", "persons_low", "persons_best", "persons_high"]]) == (1, 1, 10, 10, 10)
    assert tuple(r.loc["UA-23", ["n_incidents", "n_incidents_shared", "persons_low", "persons_best", "persons_high"]]) == (2, 1, 10, 10, 14)
    assert r.loc["UA-23", "region_name"] == "Zaporizhzhia"  # as the first incident naming it spells it
    assert (r.loc["", "region_name"], r.loc["", "occupation_status"], r.loc["", "persons_low"]) == (agg.REGION_NOT_STATED, "", 2)
    g = agg.region_groups(inc).set_index("region_codes")
    assert list(g.index) == ["UA-23|UA-65", "UA-23"]  # the shared 10 once; the region without a code is not a group
    assert tuple(g.loc["UA-23|UA-65", ["n_regions", "persons_best"]]) == (2, 10)
    t = agg.totals(inc)
    assert (t["persons_low"], t["persons_best"], t["persons_high"]) == (12, 12, 16)
    c = agg.by_coercion(inc).set_index("coercion")
    assert tuple(c.loc["detention", ["n_incidents", "persons_best"]]) == (2, 12)
    assert tuple(c.loc["unknown", ["n_incidents", "persons_best", "persons_high"]]) == (1, 0, 4)
    assert list(agg.in_region(inc, "UA-23")["incident_id"]) == ["INC-900", "INC-901"]
    assert agg.in_region(inc, "UA-2").empty  # whole codes only
    kf = agg.key_figures(inc, frames()["sources"])
    assert (kf["n_incidents_multi_region"], kf["n_regions"], kf["n_ransoms"], kf["n_incidents_overlapping"]) == (1, 2, 0, 1)


# --------------------------------------------------------------------------------------
# Rules of this version: overlaps within the table counted (4), regions (6), flows (8),
# claims (9), sent to war (10), the data's cut-off (11), incidents charts cannot place.
# --------------------------------------------------------------------------------------


def test_an_overlap_counts_in_full_when_the_other_incident_is_not_in_the_table(tables):
    inc = tables["incidents"]
    alone = inc[inc["incident_id"] == "INC-004"]  # 30 men, may overlap INC-003's 300
    assert (agg.totals(alone)["persons_low"], agg.totals(alone)["persons_best"]) == (30, 30)
    both = inc[inc["incident_id"].isin(["INC-003", "INC-004"])]
    assert (agg.totals(both)["persons_low"], agg.totals(both)["persons_best"], agg.totals(both)["persons_high"]) == (300, 300, 330)


def test_without_party_claims_drops_every_claimed_row_and_says_so(tables):
    inc = tables["incidents"]
    rest = agg.without_party_claims(inc)
    assert set(inc["incident_id"]) - set(rest["incident_id"]) == {"INC-003", "INC-004"}
    assert agg.party_claims_excluded(rest) == ["INC-003", "INC-004"]
    assert agg.party_claims_excluded(inc) is None
    # remembered through the filters a notebook applies
    assert agg.party_claims_excluded(agg.in_region(rest, "RU-CE")) == ["INC-003", "INC-004"]
    t = agg.totals(rest)
    assert (t["persons_low"], t["persons_best"], t["persons_high"]) == (29, 79, 89)
    amounts = agg.amounts_without_party_claims(tables["amounts"], rest)
    assert set(amounts["incident_id"]) == {"INC-001", "INC-009"}
    assert display.excluded_note(rest) == "Figures claimed by a party to the conflict are excluded (2 events)."


def test_a_period_table_adds_up_to_the_total_with_its_undated_row(tables):
    inc, sources = tables["incidents"], tables["sources"]
    kf = agg.key_figures(inc, sources)
    q = agg.by_period(inc, "quarter", "2022-01-01", "2026-12-31", include_undated=True, cutoff=agg.data_cutoff(sources))
    assert q["period"].iloc[-1] == agg.UNDATED
    assert q["persons_best"].sum() == pytest.approx(kf["persons_best"])
    assert q["persons_best_claimed"].sum() == pytest.approx(kf["persons_best_claimed"])
    # no period after the cut-off is made up as a row of zeros...
    dated = q[q["period"] != agg.UNDATED]
    assert dated["period_start"].max() <= max(pd.Timestamp(kf["data_cutoff"]), pd.Timestamp(kf["period_end"]))
    assert "2026 Q1" not in set(q["period"])
    # ...but a period an incident touches is never cut (the fixture's sources end before its last incidents)
    assert "2025 Q2" in set(q["period"]) and q.set_index("period").loc["2025 Q2", "n_incidents"] == 3


def test_the_cut_off_is_the_end_of_the_latest_sources_precision():
    sources = pd.DataFrame({"published_date": pd.to_datetime(["2024-09-01", "2025-04-01"]), "published_precision": ["day", "month"]})
    assert agg.data_cutoff(sources) == pd.Timestamp("2025-04-30")
    assert agg.data_cutoff(sources.assign(published_precision=["day", "year"])) == pd.Timestamp("2025-12-31")
    assert agg.data_cutoff(pd.DataFrame({"source_id": ["s-a"]})) is None


def test_sent_to_war_follows_the_bounds_rule():
    none = {"sent_to_war_low": None, "sent_to_war_best": None, "sent_to_war_high": None}
    inc = _incidents({**none, "sent_to_war_low": 3, "sent_to_war_best": 3, "sent_to_war_high": 3, **_exact(6)},
                     {**none, "sent_to_war_low": 2, **_exact(5)},  # 'at least two sent': no upper bound
                     {**none, **_exact(4)})  # nobody reported sent
    t = agg.totals(inc, stem="sent_to_war")
    assert (t["persons_low"], t["persons_best"], t["persons_high"], t["high_open"]) == (5, 5, 5, True)
    assert t["n_count_unknown"] == 1


def test_unplaced_lists_incidents_without_a_region_or_a_start_date():
    inc = _incidents({"region_code": None, "region_name": None, "occupation_status": None, "date_start": "2023-01-01", **_exact(1)},
                     {"date_start": None, "date_end": "2023-01-31", **_exact(2)},
                     {"region_code": None, "region_name": None, "occupation_status": None, **_exact(3)},
                     {"date_start": "2023-01-01", **_exact(4)})
    u = agg.unplaced(inc).set_index("incident_id")["missing"]
    assert u.to_dict() == {"INC-900": "region", "INC-901": "start date", "INC-902": "region|start date"}
    kf = agg.key_figures(inc, frames()["sources"])
    assert (kf["n_incidents_no_region"], kf["n_incidents_undated"]) == (2, 2)
    table = display.unplaced_table(inc)
    assert list(table["missing"]) == ["region", "start date", "region and start date"]
    assert display.unplaced_table(inc.iloc[[3]]).empty


def test_sums_carry_the_part_resting_on_claims(tables):
    g = agg.by_victim_group(tables["incidents"]).set_index("victim_group")
    row = g.loc["ukrainians_in_occupied_territories"]
    assert (row["n_incidents_claimed"], row["persons_low_claimed"], row["persons_best_claimed"], row["persons_high_claimed"]) == (2, 300, 300, 330)
    assert g.drop(index="ukrainians_in_occupied_territories")["persons_high_claimed"].sum() == 0
