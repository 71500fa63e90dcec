"""The summary of findings that opens the report (analysis.report.summary), on the hand-made
fixture tables (tests/fixtures/tables.py, whose answers are worked out by hand there) and on
a synthetic table of 10,000 incidents: what a reader sees on page one.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis import aggregate
from analysis.report import generate, summary
from fixtures.tables import KNOWN, KNOWN_MORE, frames, synthetic_frames


def plain(markdown: str) -> str:
    """The summary's text as a reader sees it: links as their text, escapes and emphasis gone."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"\\(.)", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("**", ""))


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return frames()


@pytest.fixture(scope="module")
def text(tables) -> str:
    return plain(summary.summary_markdown(tables["incidents"], tables["sources"], tables["amounts"]))


@pytest.fixture(scope="module")
def large() -> dict[str, pd.DataFrame]:
    return synthetic_frames()


def test_what_happened_states_incidents_persons_sent_and_killed(text):
    k = KNOWN | KNOWN_MORE
    n_known = k["n_incidents"] - k["n_incidents_count_unknown"]
    assert text.startswith(f"What happened. {k['n_sources']} sources describe {k['n_incidents']} incidents, "
                           "dated between September 2022 and April 2025.")
    assert (f"The {n_known} incidents whose sources give a number concern {k['persons_best']} persons by the best estimate "
            f"(at least {k['persons_low']}, with no upper bound, as some sources give only a minimum).") in text
    assert "The sources say 3 persons were sent to war (INC-001: 3)." in text
    assert "1 person was reported killed (INC-001)." in text


def test_largest_incidents_are_named_with_their_source_and_claim(text):
    assert "One incident, INC-003, makes up 300 of the 379 persons of the best estimate (79%)." in text
    assert "The 3 largest incidents by the best estimate:" in text
    order = [m.group(1) for m in re.finditer(r"- (INC-\d+) \(", text)]
    assert order == ["INC-003", "INC-011", "INC-004"]  # 300, up to 50, 30 (its own figure, though it overlaps INC-003)
    assert ("INC-003 (Kherson, Zaporizhzhia, 2024-10-31 – 2024-12-31): about 300* persons; a claim of A Ukrainian state agency. "
            "About 300 residents illegally mobilised between 31 October and 31 December. Source: Outlet C, s-ukr-agency.") in text


def test_claims_name_the_incidents_the_claimant_and_totals_without_them(text):
    k = KNOWN | KNOWN_MORE
    assert ("The figures of 2 incidents (INC-003 and INC-004) are claims of a party to the conflict: A Ukrainian state agency "
            "(source: Outlet C, s-ukr-agency).") in text
    assert (f"They account for {k['persons_best_claimed']} of the {k['persons_best']} persons of the best estimate (79%; "
            f"low {k['persons_low_claimed']} of {k['persons_low']}, high {k['persons_high_claimed']} of {k['persons_high']}).") in text
    assert (f"Without them the data hold {k['n_incidents_without_claims']} incidents and {k['persons_best_without_claims']} persons "
            f"by the best estimate (at least {k['persons_low_without_claims']}, with no upper bound") in text


def test_ransoms_give_the_amount_its_conversions_and_where(text):
    assert ("Ransoms. 1 ransom amount is recorded: 1,500,000 RUB (24,846 USD at the Bank of Russia's rate; the source itself "
            "says at least 17,000 USD), demanded in INC-001, Chechnya, 2022-09-01 – 2022-09-10. Other payments recorded: bonus (1).") in text


def test_what_each_count_covers_separates_recruitment_from_other_abuses(text):
    # Recruitment: INC-001 to INC-004 and INC-009; the other seven are detentions, an
    # expulsion, a seizure of property, a wanted notice...
    assert ("The count of 12 incidents is not a count of recruitment alone. 5 of them are recruitment itself: "
            "forced enlistment (3), illegal mobilisation (2), prison recruitment (1).") in text
    assert "The other 7 incidents involve no recruitment, and count all the same: detention (3)," in text
    for kind in ("expulsion (1)", "property seizure (1)", "wanted notice (1)"):
        assert kind in text
    assert "For 2 incidents the sources give no number of persons" in text
    assert "Practices described without a count (2) and context figures (3)" in text


def test_how_firm_the_data_are(text):
    assert "11 of the 12 incidents (92%) rest on a single source." in text
    assert "The data end with the latest source, published in 15 January 2025 (s-ukr-agency)" in text
    assert "INC-012 has no start date: no map, profile or timeline can place it, so a table lists it apart" in text


def test_every_number_is_the_aggregations(tables):
    # The numbers each finding states, against the counting package and the raw columns.
    found = {f.key: f for f in summary.findings(tables["incidents"], tables["sources"], tables["amounts"])}
    figures = aggregate.key_figures(tables["incidents"], tables["sources"], tables["amounts"])
    for key, value in found["happened"].numbers.items():
        assert value == figures[key], key
    inc = aggregate.incidents_only(tables["incidents"])
    assert found["happened"].numbers["sent_to_war_best"] == inc["sent_to_war_best"].sum()
    assert found["happened"].numbers["killed_high"] == inc["killed_high"].sum()
    assert found["scope"].numbers["n_recruitment"] + found["scope"].numbers["n_other"] == len(inc)
    assert found["claims"].numbers["persons_best_without_claims"] == aggregate.totals(aggregate.without_party_claims(tables["incidents"]))["persons_best"]
    assert found["ransoms"].numbers["n_ransoms"] == (tables["amounts"]["purpose"] == "ransom").sum()


def test_every_source_link_has_its_entry_in_the_appendix(tables):
    md = summary.summary_markdown(tables["incidents"], tables["sources"], tables["amounts"])
    appendix = generate.sources_markdown(tables["sources"], tables["incidents"])
    targets = set(re.findall(r"\]\(#(src-[a-z0-9-]+)\)", md))
    assert targets == {"src-s-kavkaz", "src-s-novaya", "src-s-ukr-agency"}
    for target in targets:
        assert f"{{#{target}}}" in appendix


def test_unknown_counts_are_never_written_as_zero(tables):
    events = tables["incidents"].copy()
    for column in ("sent_to_war_low", "sent_to_war_best", "sent_to_war_high", "killed_low", "killed_high"):
        events[column] = pd.NA
    text = plain(summary.summary_markdown(events, tables["sources"], tables["amounts"].iloc[0:0]))
    assert "No source gives a number of persons sent to war." in text
    assert "No source reports anyone killed." in text
    assert not re.search(r"\b0 persons\b", text)
    assert "Ransoms" not in text  # no amount at all: no paragraph on ransoms


def test_the_edition_without_claims_says_so_first(tables):
    events = aggregate.without_party_claims(tables["incidents"])
    amounts = aggregate.amounts_without_party_claims(tables["amounts"], events)
    found = summary.findings(events, tables["sources"], amounts)
    assert found[0].key == "excluded"
    assert plain(found[0].markdown()).startswith(
        "Without the claims of parties to the conflict. Every figure of this edition, in this summary, the tables and the charts, "
        "leaves out the 2 events whose figures are claims of a party to the conflict (INC-003 and INC-004).")
    assert "claims" not in [f.key for f in found]
    text = plain("\n".join(f.markdown() for f in found))
    assert f"concern {KNOWN_MORE['persons_best_without_claims']} persons by the best estimate" in text
    assert "INC-003 (" not in text and "about 300" not in text


# --------------------------------------------------------------------------------------
# At scale: the same templates must read with 10,000 incidents
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large_findings(large) -> list[summary.Finding]:
    return summary.findings(large["incidents"], large["sources"], large["amounts"])


def test_the_summary_stays_a_page_with_ten_thousand_incidents(large, large_findings):
    text = plain("\n".join(f.markdown() for f in large_findings))
    n = len(aggregate.incidents_only(large["incidents"]))
    assert f"describe {n:,} incidents" in text
    assert len(text.split()) < 700, len(text.split())  # a page, not a list of incidents
    ids = re.findall(r"INC-\d{5}", text)
    assert len(ids) < 40, len(ids)


def test_at_scale_lists_become_counts(large, large_findings):
    found = {f.key: f for f in large_findings}
    claimed = aggregate.incidents_only(large["incidents"])["claimed_by_party"].sum()
    claims = plain(found["claims"].markdown())
    assert f"The figures of {claimed:,} incidents (INC-00001, " in claims and f"and {claimed - summary.TOP_INCIDENTS:,} more)" in claims
    ransoms = plain(found["ransoms"].markdown())
    n_ransoms = (large["amounts"]["purpose"] == "ransom").sum()
    usd = large["amounts"].loc[large["amounts"]["purpose"] == "ransom", "amount_usd"]
    assert f"{n_ransoms:,} ransom amounts are recorded in" in ransoms
    assert f"median {round(usd.median()):,} USD" in ransoms
    assert len(re.findall(r"^- ", found["largest"].text, re.M)) == summary.TOP_INCIDENTS
    assert "One incident, INC-00001, makes up" not in found["largest"].text  # 3,000 of a large total is no majority
    sent = plain(found["happened"].markdown())
    n_sent = aggregate.person_bounds(large["incidents"], stem="sent_to_war")["count_unknown"].eq(False).sum()
    assert f"were sent to war in {n_sent:,} incidents." in sent


def test_at_scale_a_finding_cites_at_most_three_sources_by_name(large):
    events = large["incidents"].copy()
    events["source_ids"] = [f"s-{i % 40:02d}" for i in range(len(events))]
    sources = pd.DataFrame({"source_id": [f"s-{i:02d}" for i in range(40)], "outlet": [f"Outlet {i}" for i in range(40)],
                            "published_date": pd.Timestamp("2025-01-01"), "published_precision": "day"})
    for finding in summary.findings(events, sources, large["amounts"]):
        for line in finding.markdown().splitlines():
            assert len(re.findall(r"\(#src-", line)) <= summary.CITE_AT_MOST, finding.key
    happened = plain(summary.happened_finding(events, sources, aggregate.key_figures(events, sources)).markdown())
    assert re.search(r"Sources: Outlet \d+, s-\d+; Outlet \d+, s-\d+; Outlet \d+, s-\d+; and \d+ more sources\.", happened)
