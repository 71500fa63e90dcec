"""Display tables: what a reader sees agrees with the counting, unknown counts never read 0,
claims of a party are marked and named."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import aggregate as agg
from analysis import display


def _number(cell: str) -> float:
    """The number a persons cell shows ('300*', '9+', '0.7'); 0 for 'count unknown' and '–'."""
    m = re.match(r"[\d,.]+", str(cell))
    return float(m.group(0).replace(",", "")) if m else 0.0


def test_the_period_table_adds_up_to_the_stated_totals(tables):
    inc, sources = tables["incidents"], tables["sources"]
    kf = agg.key_figures(inc, sources)
    counted = agg.by_period(inc, "quarter", "2022-01-01", "2025-12-31", include_undated=True, cutoff=agg.data_cutoff(sources))
    shown = display.period_table(counted, inc)
    assert shown["period"].iloc[-1] == "undated"  # listed apart, not dropped
    # the best column as printed (one decimal) adds up to the stated total, within its rounding
    assert shown["persons best"].map(_number).sum() == pytest.approx(kf["persons_best"], abs=0.05 * len(shown))
    assert counted["persons_best"].sum() == pytest.approx(kf["persons_best"])
    assert "lows add up to less than the total and highs to more" in shown.attrs["note"]


def test_unknown_counts_never_print_as_zero(tables):
    shown = display.category_table(agg.by_victim_group(tables["incidents"]), "victim_group", tables["incidents"])
    prisoners = shown.set_index("victim group").loc["Prisoners"]
    assert (prisoners["persons low"], prisoners["persons best"], prisoners["persons high"]) == ("–", "count unknown", "–")
    assert prisoners["of which count unknown"] == 1
    assert "'count unknown' (– for low and high)" in shown.attrs["note"]
    # a row with some known counts shows its numbers, and how many are unknown beside them
    migrants = shown.set_index("victim group").loc["Central Asian migrants"]
    assert (migrants["persons best"], migrants["of which count unknown"]) == ("1", 1)
    summary = display.region_summary_table(tables["incidents"], "RU-VLA").set_index("figure")["value"]
    assert summary["Persons affected (low / best / high)"] == "count unknown (1 incident)"


def test_claimed_figures_are_marked_and_the_claimant_named(tables):
    inc = tables["incidents"]
    shown = display.category_table(agg.by_victim_group(inc), "victim_group", inc).set_index("victim group")
    row = shown.loc["Ukrainians in occupied territories"]
    assert (row["persons low"], row["persons best"], row["persons high"]) == ("300*", "300*", "330*")
    assert shown.loc["Residents of Chechnya", "persons best"] == "60"
    assert "* Includes figures claimed by a party to the conflict (A Ukrainian state agency)" in shown.attrs["note"]
    listing = display.event_list(inc).set_index("id")
    assert listing.loc["INC-003", "persons (low–high or count unknown)"] == "about 300*"
    assert listing.loc["INC-001", "persons (low–high or count unknown)"] == "6"
    # without claims: nothing to mark, and the table says what was left out
    rest = agg.without_party_claims(inc)
    plain = display.category_table(agg.by_victim_group(rest), "victim_group", rest)
    assert not plain.apply(lambda c: c.astype(str).str.endswith("*")).any().any()
    assert "excluded (2 events)" in plain.attrs["note"]


def test_key_figures_table_gives_totals_with_and_without_claims(tables):
    kf = agg.key_figures(tables["incidents"], tables["sources"], tables["amounts"])
    t = display.key_figures_table(kf).set_index("figure")["value"]
    assert t["Persons affected (low / best / high)"] == "329 / 379 / 419+"
    assert t["of which persons (low / best / high)"] == "300 / 300 / 330"
    assert t["Persons affected without those claims (low / best / high)"] == "29 / 79 / 89+"
    assert t["Persons reported sent to war (low / best / high)"] == "3 / 3 / 3"
    assert t["Persons reported killed (low / high)"] == "1 / 1"
    assert t["Data cut-off (publication of the latest source)"] == "2025-01-15"
    assert t["Incidents without a region / without a start date (listed apart)"] == "0 / 1"
    rest = agg.without_party_claims(tables["incidents"])
    t = display.key_figures_table(agg.key_figures(rest, tables["sources"])).set_index("figure")["value"]
    assert t["Events whose figures are claims of a party to the conflict"] == "excluded from every figure (2)"
    assert "of which persons (low / best / high)" not in t.index


def test_ransom_table_marks_a_claimed_amount(tables):
    inc = tables["incidents"].copy()
    inc.loc[inc["incident_id"] == "INC-001", ["claimed_by_party", "claimant"]] = [True, "An agency"]
    t = display.ransom_table(tables["amounts"], inc)
    assert t.set_index("incident").loc["INC-001", "amount (original)"] == "1,500,000 RUB*"
    assert "(An agency)" in t.attrs["note"]


@pytest.mark.parametrize("row, cells", [
    (dict(n_incidents=2, has_count=True, persons_low=0.0, persons_best=0.7, persons_high=3.0, high_open=True), ("0", "0.7", "3+")),
    (dict(n_incidents=1, has_count=False, persons_low=0.0, persons_best=0.0, persons_high=0.0, high_open=False), ("–", "count unknown", "–")),
    (dict(n_incidents=0, has_count=False, persons_low=0.0, persons_best=0.0, persons_high=0.0, high_open=False), ("0", "0", "0")),
    (dict(n_incidents=3, has_count=True, persons_low=300.0, persons_best=310.0, persons_high=330.0, high_open=False,
          persons_low_claimed=0.0, persons_best_claimed=10.0, persons_high_claimed=30.0), ("300", "310*", "330*")),
])
def test_persons_cells(row, cells):
    assert display.persons_cells(pd.Series(row)) == cells
