"""Data tests: invariants that hold for ANY valid dataset in data/raw.

They build data/raw as it stands (however many sources and records it holds) into a
temporary folder, and check what a reviewer relies on: every raw record accounted for,
every quote found where the evidence table says, every archived text the one registered,
tables that follow the codebook with CSV files equal to their Parquet twins, and nothing
restricted published. Exact counts belong to the pipeline tests on the frozen seed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import build, codebook, config
from analysis.clean.inputs import read_register

ROOT = config.PROJECT_ROOT
RAW = config.RAW_DIR


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "processed"
    result = build.run(processed_dir=out)
    return result, out


@pytest.fixture(scope="module")
def tables(built):
    return built[0].tables


def raw_records(raw_dir: Path = RAW) -> list[dict]:
    """Every raw record as its file holds it (YAML records, rows of bulk CSV files), read independently of the build."""
    records = []
    for path in sorted((raw_dir / "incidents").iterdir()):
        if path.suffix in (".yaml", ".yml"):
            records += yaml.safe_load(path.read_text(encoding="utf-8-sig"))["records"]
        elif path.suffix == ".csv":
            records += [{k: v for k, v in row.items() if v} for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))]
    return records


# ---- accounting ------------------------------------------------------------------------


def test_every_raw_record_ends_in_exactly_one_incident_or_the_rejections(tables):
    raw_ids = [str(r["record_id"]) for r in raw_records()]
    merged = list(tables["merges"]["record_id"])
    rejected = list(tables["rejections"]["record_id"])
    assert sorted(merged + rejected) == sorted(raw_ids)
    assert len(set(merged + rejected)) == len(raw_ids)
    exploded = tables["incidents"]["record_ids"].str.split("|").explode()
    assert sorted(exploded) == sorted(merged)
    excluded = {str(r["record_id"]) for r in raw_records() if r.get("status") == "excluded"}
    assert set(rejected) == excluded


def test_make_data_prints_the_accounting(tmp_path):
    out = subprocess.run([sys.executable, "-m", "analysis.build", "--processed-dir", str(tmp_path / "p")],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    records = raw_records()
    n_rejected = sum(1 for r in records if r.get("status") == "excluded")
    n_merged = sum(1 for r in records if r.get("same_incident_as") and r.get("status") != "excluded")
    n_out = len(records) - n_rejected - n_merged
    assert f"records: {len(records)} in = {n_out} incidents out (" in out.stdout
    assert f"{n_merged} records merged into others) + {n_rejected} rejected" in out.stdout


def test_the_published_tables_are_the_build_of_data_raw(real_processed_dir, built):
    """data/processed holds what data/raw builds to today (a stale or hand-edited output fails)."""
    _, fresh = built
    published = dict(line.split("  ")[::-1] for line in (real_processed_dir / "MANIFEST").read_text().splitlines())
    rebuilt = dict(line.split("  ")[::-1] for line in (fresh / "MANIFEST").read_text().splitlines())
    published.pop("README.md", None)
    assert published == rebuilt


# ---- provenance ------------------------------------------------------------------------


def test_every_quote_sits_at_its_offsets_in_the_archived_text(tables):
    sources = tables["sources"].set_index("source_id")
    texts = {sid: (config.SOURCES_DIR / sources.loc[sid, "archive_file"]).read_text(encoding="utf-8") for sid in sources.index}
    ev = tables["evidence"]
    assert len(ev) >= len(tables["incidents"])
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
        for stem in ("persons", "sent_to_war"):
            if pd.notna(getattr(row, f"{stem}_best")) or pd.notna(getattr(row, f"{stem}_low")):
                assert stem in fields, (row.incident_id, stem)
        if pd.notna(row.killed_low) or pd.notna(row.killed_high):
            assert "killed" in fields, row.incident_id
        if pd.notna(row.context_value):
            assert "figure" in fields, row.incident_id


def test_every_archived_text_is_the_one_registered(tmp_path):
    problems: list = []
    sources, texts = read_register(RAW, config.SOURCES_DIR, ROOT, problems)
    assert not problems and len(texts) == len(sources) >= 1
    for row in sources.itertuples():
        assert hashlib.sha256((config.SOURCES_DIR / row.archive_file).read_bytes()).hexdigest() == row.sha256


def test_a_changed_archived_text_is_refused_on_its_register_line(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(config.SOURCES_DIR, archive)
    problems: list = []
    sources, _ = read_register(RAW, archive, ROOT, problems)
    last = sources.iloc[-1]
    with open(archive / last["archive_file"], "ab") as f:
        f.write(b"\nappended after registration\n")
    problems = []
    read_register(RAW, archive, ROOT, problems)
    assert len(problems) == 1
    lines = (RAW / "sources.csv").read_text(encoding="utf-8-sig").splitlines()
    line = next(i + 1 for i, text in enumerate(lines) if text.startswith(last["source_id"] + ","))
    message = str(problems[0])
    assert f"sources.csv:{line}" in message and "sha256" in message and last["archive_file"] in message


# ---- the published files -------------------------------------------------------------------


def test_datapackage_validates_with_frictionless(built):
    _, out = built
    result = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", str(out / "datapackage.json")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_published_tables_follow_the_codebook_and_each_csv_equals_its_parquet(built):
    _, out = built
    for name in codebook.TABLES:
        df = pd.read_parquet(out / f"{name}.parquet")
        assert list(df.columns) == codebook.TABLES[name].columns
        codebook.pandera_schema(name).validate(df)
        dtypes = codebook.pandas_dtypes(name)
        dates = [c for c, t in dtypes.items() if t.startswith("datetime")]
        text = pd.read_csv(out / f"{name}.csv", dtype={c: t for c, t in dtypes.items() if c not in dates},
                           parse_dates=dates, keep_default_na=False, na_values=[""])
        pd.testing.assert_frame_equal(text.astype(dtypes), df.astype(dtypes), check_exact=True)
    for line in (out / "MANIFEST").read_text().splitlines():
        digest, fname = line.split("  ")
        assert hashlib.sha256((out / fname).read_bytes()).hexdigest() == digest


# ---- restricted fields -----------------------------------------------------------------


def _published_text(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


def test_restricted_values_of_data_raw_never_reach_the_published_tables(built):
    _, out = built
    blob = _published_text(out)
    # pyarrow stores strings plainly, so a name would be visible in Parquet as well as CSV.
    for rec in raw_records():
        for key in codebook.RESTRICTED_RAW_KEYS:
            values = rec.get(key) or []
            for v in values if isinstance(values, list) else str(values).split("|"):
                # As a word, in any case ("Anuar" is a name; "January" holds no one's name).
                assert not re.search(rf"(?<!\w){re.escape(str(v))}(?!\w)", blob, re.IGNORECASE), \
                    f"restricted {key} of {rec['record_id']} published"


def test_planted_restricted_values_never_reach_any_published_file(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    planted = []
    for path in sorted((raw / "incidents").glob("*.y*ml")):
        doc = yaml.safe_load(path.read_text())
        for rec in doc["records"]:
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
