"""The incident dataset built from the seed reports: accounting, provenance, known answers.

These are data tests: they build the real data/raw into a temporary folder and check what
an analyst relies on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import build, codebook, config
from analysis.clean.inputs import load_sources
from analysis.problems import BuildError

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "processed"
    result = build.run(processed_dir=out)
    return result, out


@pytest.fixture(scope="module")
def tables(built):
    return built[0].tables


def _raw_records() -> list[dict]:
    recs = []
    for path in sorted((RAW / "incidents").glob("*.yaml")):
        recs += yaml.safe_load(path.read_text())["records"]
    return recs


def _incident(tables, iid: str) -> pd.Series:
    inc = tables["incidents"]
    rows = inc[inc["incident_id"] == iid]
    assert len(rows) == 1, f"{iid} not found once"
    return rows.iloc[0]


# ---- accounting ------------------------------------------------------------------------


def test_every_raw_record_ends_in_exactly_one_incident_or_the_rejections(tables):
    raw_ids = [r["record_id"] for r in _raw_records()]
    merged = list(tables["merges"]["record_id"])
    rejected = list(tables["rejections"]["record_id"])
    assert sorted(merged + rejected) == sorted(raw_ids)
    assert len(set(merged + rejected)) == len(raw_ids)
    exploded = tables["incidents"]["record_ids"].str.split("|").explode()
    assert sorted(exploded) == sorted(merged)


def test_make_data_prints_the_accounting(tmp_path):
    out = subprocess.run([sys.executable, "-m", "analysis.build", "--processed-dir", str(tmp_path / "p")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    n = len(_raw_records())
    assert f"records: {n} in = " in out.stdout
    assert "rejected" in out.stdout


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
    rates = pd.read_csv(config.RUB_RATES_CSV)
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


# ---- provenance ------------------------------------------------------------------------


def test_every_quote_sits_at_its_offsets_in_the_archived_text(tables):
    sources = tables["sources"].set_index("source_id")
    texts = {sid: (config.SOURCES_DIR / sources.loc[sid, "archive_file"]).read_text() for sid in sources.index}
    ev = tables["evidence"]
    assert len(ev) > 80
    for row in ev.itertuples():
        original = texts[row.source_id][row.char_start:row.char_end]
        if "[withheld]" in row.quote:
            prefix, _, suffix = row.quote.partition("[withheld]")
            assert original.startswith(prefix) and original.endswith(suffix.split("[withheld]")[-1])
        else:
            assert " ".join(original.split()) == " ".join(row.quote.split()), (row.record_id, row.field)


def test_every_incident_has_evidence_for_each_number(tables):
    ev = tables["evidence"]
    for row in tables["incidents"].itertuples():
        fields = set(ev[ev["incident_id"] == row.incident_id]["field"])
        assert fields, f"{row.incident_id} has no evidence"
        if pd.notna(row.persons_best) or pd.notna(row.persons_low):
            assert "persons" in fields, row.incident_id
        if pd.notna(row.context_value):
            assert "figure" in fields, row.incident_id


def test_source_hashes_are_recomputed_and_a_changed_archive_fails(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(config.SOURCES_DIR, archive)
    problems: list = []
    sources, texts = load_sources(RAW, archive, ROOT, problems)
    assert not problems and len(texts) == len(sources) == 5
    for row in sources.itertuples():
        assert hashlib.sha256((archive / row.archive_file).read_bytes()).hexdigest() == row.sha256
    target = archive / sources.iloc[2]["archive_file"]
    target.write_text(target.read_text().replace("thirty", "forty"))
    problems = []
    load_sources(RAW, archive, ROOT, problems)
    assert len(problems) == 1
    message = str(problems[0])
    assert "data/raw/sources.csv:4" in message and "sha256" in message and sources.iloc[2]["archive_file"] in message


def test_datapackage_validates_with_frictionless(built):
    _, out = built
    result = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", str(out / "datapackage.json")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_published_tables_follow_the_codebook(built):
    result, out = built
    for name in codebook.TABLES:
        df = pd.read_parquet(out / f"{name}.parquet")
        assert list(df.columns) == codebook.TABLES[name].columns
        codebook.pandera_schema(name).validate(df)
        csv = pd.read_csv(out / f"{name}.csv")
        assert len(csv) == len(df)
    manifest = (out / "MANIFEST").read_text().splitlines()
    for line in manifest:
        digest, fname = line.split("  ")
        assert hashlib.sha256((out / fname).read_bytes()).hexdigest() == digest


# ---- restricted fields -----------------------------------------------------------------


def _published_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_names_in_the_sources_never_reach_the_published_tables(tables, built):
    _, out = built
    blob = _published_text(out)
    # pyarrow stores strings plainly, so a name would be visible in Parquet as well as CSV.
    for rec in _raw_records():
        for key in codebook.RESTRICTED_RAW_KEYS:
            values = rec.get(key) or []
            for v in values if isinstance(values, list) else [values]:
                assert str(v) not in blob, f"restricted {key} of {rec['record_id']} published"
    assert "[withheld]" in blob


def test_planted_restricted_values_never_reach_any_published_file(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    planted = []
    for path in sorted((raw / "incidents").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for i, rec in enumerate(doc["records"]):
            tag = f"PLANTED{len(planted):03d}"
            rec["coder_notes"] = f"{tag}-note"
            rec["victim_names"] = [f"{tag}-name"]
            rec["identifying_details"] = [f"{tag}-detail"]
            planted += [f"{tag}-note", f"{tag}-name", f"{tag}-detail"]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    out = tmp_path / "processed"
    build.run(raw_dir=raw, processed_dir=out)
    blob = _published_text(out)
    leaked = [p for p in planted if p in blob]
    assert not leaked and planted


def test_a_summary_naming_a_victim_is_refused(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "incidents" / "bbc-rewrite-2023-02.yaml"
    path.write_text(path.read_text().replace("A migrant worker detained in a police raid", "Aziz, detained in a police raid"))
    with pytest.raises(BuildError) as err:
        build.run(raw_dir=raw, processed_dir=tmp_path / "p")
    assert "R047" in str(err.value) and "restricted name" in str(err.value)
    assert "Aziz" not in str(err.value)
