"""The seed dataset built from the frozen seed records: exact counts and known answers.

These pipeline tests build tests/fixtures/seed/raw (a snapshot of the five seed reports'
records) and check what a careful coder reading those reports would expect. Invariants
that hold for any dataset in data/raw are the data tests (tests/data/).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from analysis import build, config
from analysis.reference import Reference
from analysis.clean.inputs import read_register
from analysis.problems import BuildError
from fixtures import SEED_RAW, SEED_TODAY

ROOT = config.PROJECT_ROOT


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "processed"
    return build.run(raw_dir=SEED_RAW, processed_dir=out, today=SEED_TODAY).tables


def _incident(tables, iid: str) -> pd.Series:
    inc = tables["incidents"]
    rows = inc[inc["incident_id"] == iid]
    assert len(rows) == 1, f"{iid} not found once"
    return rows.iloc[0]


def test_seed_dataset_has_every_kind_and_the_reports_merge(tables):
    inc = tables["incidents"]
    kinds = inc["event_kind"].value_counts()
    assert kinds["incident"] >= 12 and kinds["practice"] >= 8 and kinds["context"] == 3
    practice = _incident(tables, "INC-001")
    assert practice["n_sources"] == 2
    assert practice["source_ids"] == "kyivindependent-2023-06-09|theinsider-2024-09"
    assert set(practice["victim_group"].split("|")) == {"residents_of_chechnya", "lgbtq_people"}
    merges = tables["merges"].set_index("record_id")
    assert merges.loc["R013", "incident_id"] == "INC-001" and not merges.loc["R013", "is_canonical"]
    assert "one practice" in merges.loc["R013", "merge_reason"]


# ---- known answers ---------------------------------------------------------------------


def test_the_2022_detentions_in_chechnya_are_coded_as_the_source_says(tables):
    row = _incident(tables, "INC-011")
    assert (row["persons_low"], row["persons_best"], row["persons_high"], row["persons_qualifier"]) == (6, 6, 6, "exact")
    assert (row["sent_to_war_best"], row["killed_low"], row["killed_high"]) == (3, 1, 1)
    assert (row["date_start"].date(), row["date_end"].date(), row["date_precision"]) == (dt.date(2022, 9, 1), dt.date(2022, 9, 10), "range")
    assert row["region_code"] == "RU-CE" and row["occupation_status"] == "not_occupied"
    assert row["first_reported_date"].date() == dt.date(2024, 9, 1) and row["first_reported_precision"] == "month"


def test_the_ransom_keeps_the_stated_dollars_and_converts_at_the_official_rate(tables):
    amounts = tables["amounts"]
    ransom = amounts[amounts["incident_id"] == "INC-011"].iloc[0]
    assert (ransom["amount"], ransom["currency"], ransom["purpose"]) == (1_500_000, "RUB", "ransom")
    assert (ransom["stated_usd"], ransom["stated_usd_qualifier"]) == (17_000, "at_least")
    rates = pd.read_csv(Reference().rates_path)
    rate = rates[(rates["date"] == "2022-09-05") & (rates["currency"] == "USD")]["rub_per_unit"].item()
    assert ransom["rate_date"].date() == dt.date(2022, 9, 5)  # middle of 1-10 September 2022
    assert ransom["amount_usd"] == pytest.approx(1_500_000 / rate, abs=0.01)
    assert (ransom["usd_basis"], ransom["rub_basis"], ransom["amount_rub"]) == ("bank_of_russia_rate", "original", 1_500_000)


def test_illegal_mobilisation_in_occupied_oblasts_is_a_claim_with_two_regions(tables):
    row = _incident(tables, "INC-023")
    assert row["region_code"] == "UA-65|UA-23"
    assert row["occupation_status"] == "partially_occupied|partially_occupied"
    assert pd.isna(row["persons_low"]) and row["persons_best"] == 300 and pd.isna(row["persons_high"])
    assert row["persons_qualifier"] == "approximately"
    assert bool(row["claimed_by_party"]) and "HUR" in row["claimant"]
    thirty = _incident(tables, "INC-020")
    assert thirty["destination_region_code"] == "UA-43" and thirty["date_precision"] == "season"
    assert thirty["overlaps_incident_id"] == "INC-023"
    crimea = _incident(tables, "INC-021")
    assert crimea["region_code"] == "UA-43" and crimea["country_code"] == "UA" and crimea["occupation_status"] == "occupied"


def test_context_figures_never_carry_victim_counts(tables):
    inc = tables["incidents"]
    context = inc[inc["event_kind"] == "context"]
    assert context[["persons_low", "persons_best", "persons_high"]].isna().all().all()
    assert set(context["context_value"]) == {300_000, 10_500_000, 7}
    total = _incident(tables, "INC-010")
    assert total["total_of_incident_ids"] == "INC-011|INC-012"
    migrants = _incident(tables, "INC-044")
    assert bool(migrants["claimed_by_party"]) and migrants["origin_code"] == "UZ|TJ|KG"


def test_coder_readings_are_kept_beside_the_source_phrase(tables):
    ev = tables["evidence"]
    row = ev[(ev["record_id"] == "R040") & (ev["field"] == "date")].iloc[0]
    assert row["phrase"] == "At the start of January" and row["coder_value"] == "January 2023"



def test_the_seed_register_verifies_and_a_changed_archive_fails_on_its_line(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(config.SOURCES_DIR, archive)
    problems: list = []
    sources, texts = read_register(SEED_RAW, archive, ROOT, problems, SEED_TODAY)
    assert not problems and len(texts) == len(sources) == 5
    target = archive / sources.iloc[2]["archive_file"]
    target.write_text(target.read_text().replace("thirty", "forty"))
    problems = []
    read_register(SEED_RAW, archive, ROOT, problems, SEED_TODAY)
    assert len(problems) == 1
    message = str(problems[0])
    assert "seed/raw/sources.csv:4" in message and "sha256" in message and sources.iloc[2]["archive_file"] in message


def test_a_summary_naming_a_victim_is_refused(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SEED_RAW, raw)
    path = raw / "incidents" / "bbc-rewrite-2023-02.yaml"
    path.write_text(path.read_text().replace("A migrant worker detained in a police raid", "Aziz, detained in a police raid"))
    with pytest.raises(BuildError) as err:
        build.run(raw_dir=raw, processed_dir=tmp_path / "p", today=SEED_TODAY)
    assert "R047" in str(err.value) and "restricted name" in str(err.value)
    assert "Aziz" not in str(err.value)
