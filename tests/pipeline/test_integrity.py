"""Numbers that cannot be wrong silently: what the bad-input catalogue cannot express by
editing the seed records.

Small archives the tests write themselves: files that are not what they claim (a FIFO,
a device, a link out of the archive), quotes that differ from the text only by Unicode
normal form, merged reports with different counts, and published CSV files that must
read back equal to their Parquet twins whatever text they hold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import build, codebook, config
from analysis.clean import publish
from analysis.problems import BuildError
from fixtures import SEED_RAW, SEED_TODAY
from test_build_properties import TODAY, read_csv_typed, write_inputs

ROOT = config.PROJECT_ROOT


def _record(rid: str, **fields) -> dict:
    return {"record_id": rid, "source": "prop-a", "event_kind": "incident", "summary": "Men detained in a raid.",
            "victim_group": ["unknown"], "perpetrator": ["unknown"], "coded_by": "test", "coded_on": "2026-11-20", **fields}


def _build(tmp: Path, records: list[dict]) -> build.Build:
    tmp.mkdir(parents=True, exist_ok=True)
    dirs = write_inputs(tmp, records, "yaml")
    return build.run(**dirs, today=TODAY, root=tmp)


def _entry_point(raw: Path, archive: Path, reference: Path, out: Path) -> subprocess.CompletedProcess:
    """The build as a coder runs it; a hang is a failure, not a wait."""
    args = [sys.executable, "-m", "analysis.build", "--raw-dir", str(raw), "--sources-dir", str(archive),
            "--reference-dir", str(reference), "--processed-dir", str(out)]
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, COERCION_TODAY=SEED_TODAY.isoformat()))


# ---- counts of one incident from several reports ------------------------------------------------


def test_merged_reports_combine_the_largest_minimum_and_the_smallest_maximum(tmp_path):
    """Reports of one incident give different counts: the largest minimum and the smallest
    maximum, never the sum ('dozens' and 'up to 50' are 24 to 50, not 24 to 149)."""
    result = _build(tmp_path, [
        _record("R100", persons="dozens of migrants"),
        _record("R101", source="prop-b", persons="Up to 50 prisoners", same_incident_as="R100", merge_reason="Same raid."),
        _record("R102", persons="At least seven"),
        _record("R103", source="prop-b", persons="300-350 men", same_incident_as="R102", merge_reason="Same draft."),
    ])
    inc = result.tables["incidents"].set_index("incident_id")
    assert (inc.loc["INC-100", "persons_low"], inc.loc["INC-100", "persons_high"]) == (24, 50)
    assert (inc.loc["INC-102", "persons_low"], inc.loc["INC-102", "persons_best"], inc.loc["INC-102", "persons_high"]) == (300, 300, 350)


def test_merged_reports_whose_counts_cannot_both_be_true_name_the_newer(tmp_path):
    with pytest.raises(BuildError) as err:
        _build(tmp_path, [_record("R100", persons="300-350 men"),
                          _record("R101", source="prop-b", persons="Up to 50 prisoners", same_incident_as="R100", merge_reason="Same.")])
    [problem] = err.value.problems
    assert (problem.record, problem.field) == ("R101", "persons")
    assert "merged records give incompatible persons counts (conflicts with R100" in problem.message


def test_persons_are_raised_to_the_subgroup_and_say_so(tmp_path):
    """'Several members' arrested and four men sent to war: at least four persons, not three."""
    result = _build(tmp_path, [_record("R100", persons="several members", sent_to_war="His father, two brothers, and a nephew")])
    row = result.tables["incidents"].iloc[0]
    assert row["sent_to_war_low"] == 4 and row["persons_low"] == 4 and row["persons_raised_to_fit"] == "sent_to_war"
    plain = _build(tmp_path / "plain", [_record("R100", persons="six men", sent_to_war="Three of the men")])
    assert pd.isna(plain.tables["incidents"].iloc[0]["persons_raised_to_fit"])
    unknown = _build(tmp_path / "unknown", [_record("R100", killed="one of these men")])
    row = unknown.tables["incidents"].iloc[0]
    assert (row["persons_low"], row["persons_qualifier"], row["persons_raised_to_fit"]) == (1, "at_least", "killed")


# ---- quotes -----------------------------------------------------------------------------------------


def test_a_quote_in_another_unicode_form_is_found_at_the_original_offsets(tmp_path):
    dirs = write_inputs(tmp_path, [_record("R100", place="in Chechnya")], "yaml")
    text_path = dirs["sources_dir"] / "a.txt"
    decomposed = unicodedata.normalize("NFD", "Отряд «Ахмат» забрал мужчин из станицы Шелковской.")
    text = text_path.read_text(encoding="utf-8") + decomposed + "\n"
    text_path.write_text(text, encoding="utf-8")
    _rehash(dirs["raw_dir"] / "sources.csv", "prop-a", text)
    quote = unicodedata.normalize("NFC", "забрал мужчин из станицы Шелковской")  # as a coder types it: composed
    assert quote not in text
    records = [_record("R100", place="in Chechnya", summary="Men taken from a village.", evidence={"summary": quote})]
    result = _build_again(tmp_path, dirs, records)
    ev = result.tables["evidence"]
    row = ev[ev["field"] == "summary"].iloc[0]
    assert row["match_kind"] == "unicode"
    assert unicodedata.normalize("NFC", text[row["char_start"]:row["char_end"]]) == quote


def _rehash(register: Path, source_id: str, text: str) -> None:
    """Register the changed text's hash, as a coder re-registering it would."""
    import csv
    import hashlib

    with open(register, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["source_id"] == source_id:
            row["sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with open(register, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _build_again(tmp: Path, dirs: dict, records: list[dict]) -> build.Build:
    import yaml

    path = dirs["raw_dir"] / "incidents" / "prop-a.yaml"
    path.write_text(yaml.safe_dump({"source": "prop-a", "records": [{k: v for k, v in r.items() if k != "source"} for r in records]},
                                   allow_unicode=True, sort_keys=False), encoding="utf-8")
    return build.run(**dirs, today=TODAY, root=tmp)


# ---- files that are not what they claim ---------------------------------------------------------------


@pytest.fixture()
def seed_copy(tmp_path) -> dict[str, Path]:
    shutil.copytree(SEED_RAW, tmp_path / "raw")
    shutil.copytree(config.SOURCES_DIR, tmp_path / "archive")
    shutil.copytree(config.REFERENCE_DIR, tmp_path / "reference")
    for p in (tmp_path / "reference").iterdir():
        p.chmod(0o644)
    return {"raw": tmp_path / "raw", "archive": tmp_path / "archive", "reference": tmp_path / "reference", "out": tmp_path / "out"}


def _archived(seed_copy, name: str) -> Path:
    return seed_copy["archive"] / name


def test_an_archived_text_that_is_a_fifo_is_refused_without_waiting(seed_copy):
    target = _archived(seed_copy, "001_0d6723ee703c371c.txt")
    target.unlink()
    os.mkfifo(target)
    done = _entry_point(seed_copy["raw"], seed_copy["archive"], seed_copy["reference"], seed_copy["out"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "record theinsider-2024-09, field 'archive_file': not a regular file: a FIFO (named pipe)" in done.stderr
    assert not seed_copy["out"].exists()


def test_an_archived_text_that_links_out_of_the_archive_is_refused(seed_copy, tmp_path):
    target = _archived(seed_copy, "001_0d6723ee703c371c.txt")
    outside = tmp_path / "elsewhere.txt"
    shutil.move(target, outside)
    target.symlink_to(outside)
    done = _entry_point(seed_copy["raw"], seed_copy["archive"], seed_copy["reference"], seed_copy["out"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "field 'archive_file': a link leading out of the archive directory" in done.stderr


def test_record_files_and_reference_files_that_are_fifos_or_devices_are_refused(seed_copy):
    os.mkfifo(seed_copy["raw"] / "incidents" / "zz-pipe.yaml")
    (seed_copy["raw"] / "incidents" / "zz-device.yaml").symlink_to("/dev/zero")
    rates = seed_copy["reference"] / "rub_exchange_rates.csv"
    rates.unlink()
    os.mkfifo(rates)
    done = _entry_point(seed_copy["raw"], seed_copy["archive"], seed_copy["reference"], seed_copy["out"])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "zz-pipe.yaml: not a file (a FIFO (named pipe))" in done.stderr
    assert "zz-device.yaml: not a file (a device)" in done.stderr
    assert "rub_exchange_rates.csv: not a regular file: a FIFO (named pipe)" in done.stderr


# ---- published CSV files read back as their Parquet twins ---------------------------------------------

#: Any character but lone surrogates, which no UTF-8 file can hold (the readers refuse them).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@pytest.mark.sweep
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ANY_TEXT, min_size=1, max_size=5))
def test_every_published_csv_reads_back_as_its_parquet_twin(tmp_path, reasons):
    rejections = publish.typed("rejections", pd.DataFrame({
        "record_id": [f"R{900 + i}" for i in range(len(reasons))], "source_id": "s-test", "reason": reasons}))
    tables = {name: publish.typed(name, pd.DataFrame(columns=codebook.TABLES[name].columns)) for name in codebook.TABLES}
    tables["rejections"] = rejections
    out = tmp_path / f"out-{abs(hash(tuple(reasons)))}"
    publish.write_outputs(publish.Build(tables, len(reasons), 0, len(reasons), 0), out)
    pd.testing.assert_frame_equal(read_csv_typed(out / "rejections.csv", "rejections"), pd.read_parquet(out / "rejections.parquet"))
    shutil.rmtree(out)


def test_a_carriage_return_in_a_summary_stays_in_its_cell(tmp_path):
    records = [_record("R100", summary="Men detained\rin a raid.", place="in Chechnya")]
    result = _build(tmp_path, records)
    out = tmp_path / "processed"
    csv = read_csv_typed(out / "incidents.csv", "incidents")
    assert len(csv) == len(result.tables["incidents"]) == 1
    assert csv.loc[0, "summary"] == "Men detained\rin a raid."
