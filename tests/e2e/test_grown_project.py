"""A copy of the project grows as it will in use, and every step holds: one build, checked from every side.

What an analyst and a maintainer do, in a temporary git repository holding a copy of the project:

1. a sixth report arrives (docs/coding.md): its text is archived, registered in sources.csv
   with its hash, and its records are coded with today's date (a short synthetic text
   written for the test, dates taken from the clock as a coder's would be);
2. the dataset carries people who must never be named: a planted source
   (``fixtures/planted.py``: made-up names and details in every text channel of the raw
   format, the spellings spread over the channels) and planted values in every restricted
   key of every seed record (coder notes, victims' names, identifying details);
3. ``make report`` builds data, notebooks and report; ``make release`` cuts a release from
   the commit; the release is committed and the data tests run on the grown dataset.

Then nothing planted is found in any output, searched with a search of its own in several
normal forms: each CSV and Parquet cell, every string of every executed notebook, report.html,
the PDF's text (pdftotext and pypdf) and metadata, and the release. A name typed by an author
into a notebook, or into the report's text, stops ``make`` with a message that says where it
is listed and leaves nothing of that step published.

The build is shared by the module (it is the expensive part, about a minute); the tests that
change the copy come last, in file order, and say so.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from pypdf import PdfReader

from analysis import codebook, config, verify
from analysis.release import Bump, release_versions
from analysis.release.snapshot import Cutoff, data_cutoff
from analysis.report import inspect
from fixtures.planted import every_spelling, planted, stems_in
from fixtures.releases import release_text

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grown-project")]

ROOT = config.PROJECT_ROOT
SOURCE_ID = "synthetic-test-source"
OUTLET = "Synthetic news desk"
ARCHIVE_FILE = "900_synthetic_test_source.txt"
DATE = "2026-11-30T12:00:00Z"
GIT_ENV = {"GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "tester@example.org", "GIT_COMMITTER_NAME": "Tester",
           "GIT_COMMITTER_EMAIL": "tester@example.org", "GIT_AUTHOR_DATE": DATE, "GIT_COMMITTER_DATE": DATE}


# --- the sixth report ---------------------------------------------------------------------

def _month_before(day: dt.date, months: int) -> dt.date:
    m = day.month - months
    return dt.date(day.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)


def new_source(today: dt.date) -> tuple[str, dict, list[dict]]:
    """The archived text, its register row and its coded records (dates relative to ``today``)."""
    event = _month_before(today, 2)
    month = f"{event:%B %Y}"
    text = (f"SYNTHETIC TEST TEXT written for the project's tests; it reports no real event.\n\n"
            f"In {month}, police in Tatarstan detained five men at a construction market and told them to sign "
            f"military contracts or face deportation. Two of the men were later sent to the front. Their relatives "
            f"were asked to pay 300,000 rubles for their release.\n\n"
            f"Lawyers say such raids on migrant workers have become routine across the region.\n")
    row = {"source_id": SOURCE_ID, "archive_file": ARCHIVE_FILE, "outlet": OUTLET,
           "headline": "Five men detained in a raid told to sign contracts", "address": "unknown",
           "published_date": today.isoformat(), "published_precision": "day", "language": "en", "author": "unknown",
           "sha256": hashlib.sha256(text.encode()).hexdigest(), "accessed_date": today.isoformat(),
           "metadata_confidence": "high", "metadata_note": "Synthetic text written for the tests.",
           "reports_claims_of_party": "false"}
    records = [
        {"record_id": "R9001", "event_kind": "incident",
         "summary": "Five men detained in a market raid in Tatarstan were told to sign military contracts; two were sent to the front.",
         "date": {"phrase": f"In {month}", "quote": f"In {month}, police in Tatarstan detained five men"},
         "place": {"phrase": "in Tatarstan", "quote": "police in Tatarstan detained five men"},
         "persons": {"phrase": "five men", "quote": "detained five men at a construction market"},
         "sent_to_war": {"phrase": "Two of the men", "quote": "Two of the men were later sent to the front"},
         "money": [{"phrase": "300,000 rubles", "purpose": "ransom",
                    "quote": "asked to pay 300,000 rubles for their release"}],
         "victim_group": ["central_asian_migrants"], "perpetrator": ["russian_police"],
         "coercion": ["raid", "detention", "threat_of_deportation", "forced_enlistment", "ransom_demand"],
         "evidence": {"coercion": "told them to sign military contracts or face deportation"},
         "coded_by": "test suite", "coded_on": today.isoformat()},
        {"record_id": "R9002", "event_kind": "practice",
         "summary": "Raids on migrant workers to press them into contracts are routine across the region.",
         "place": {"phrase": "across the region", "value": "Tatarstan",
                   "quote": "have become routine across the region"},
         "victim_group": ["central_asian_migrants"], "perpetrator": ["russian_police"], "coercion": ["raid"],
         "evidence": {"summary": "such raids on migrant workers have become routine across the region"},
         "coded_by": "test suite", "coded_on": today.isoformat()},
    ]
    return text, row, records


def _add_source(raw: Path, archive: Path, today: dt.date) -> None:
    text, row, records = new_source(today)
    (archive / ARCHIVE_FILE).write_text(text, encoding="utf-8")
    register = raw / "sources.csv"
    header = next(csv.reader(io.StringIO(register.read_text(encoding="utf-8-sig"))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[h] for h in header])
    with open(register, "a", encoding="utf-8") as f:
        f.write(buf.getvalue())
    doc = {"source": SOURCE_ID, "records": records}
    (raw / "incidents" / f"{SOURCE_ID}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                                         encoding="utf-8")


def _plant_restricted_keys(raw: Path) -> list[str]:
    """A made-up value in every restricted key of every record in the YAML files there."""
    planted_values = []
    for path in sorted((raw / "incidents").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rec in doc["records"]:
            tag = f"PLANTED{len(planted_values):03d}"
            rec.update(coder_notes=f"{tag}-note", victim_names=[f"{tag}-name"], identifying_details=[f"{tag}-detail"])
            planted_values += [f"{tag}-note", f"{tag}-name", f"{tag}-detail"]
        assert set(codebook.RESTRICTED_RAW_KEYS) <= set(doc["records"][0])
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return planted_values


# --- running the copy ---------------------------------------------------------------------

def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, env={**os.environ, **GIT_ENV}, check=True, capture_output=True,
                          text=True).stdout


def _make(grown: dict, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """make in the copy, with the environment running the tests.

    ENV_STAMP names a file of the test's own: make in the copy never installs into that
    environment (an editable install from the copy would point it at a temporary folder)."""
    return subprocess.run(["make", "--no-print-directory", *args, f"VENV={sys.prefix}", f"ENV_STAMP={grown['env_stamp']}"],
                          cwd=grown["project"], env=grown["env"], capture_output=True, text=True, timeout=timeout)


def _said(done: subprocess.CompletedProcess) -> str:
    return done.stdout[-3000:] + done.stderr[-3000:]


def output_strings(project: Path):
    """(file, text) for everything the build published, read without the project's own code."""
    for path in sorted((project / "data" / "processed").iterdir()):
        if path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                yield from ((path.name, str(v)) for v in column.to_pylist() if v is not None)
        else:
            yield path.name, path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((project / "build" / "notebooks").rglob("*.ipynb")):
        yield path.name, path.read_text(encoding="utf-8")
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            yield path.name, "".join(cell["source"])
    html = project / "reports" / "output" / "report.html"
    yield html.name, html.read_text(encoding="utf-8")
    pdf = project / "reports" / "output" / "report.pdf"
    yield pdf.name, subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True).stdout
    reader = PdfReader(str(pdf))
    yield pdf.name, "\n".join(page.extract_text() or "" for page in reader.pages)
    yield pdf.name, "\n".join(f"{k} {v}" for k, v in (reader.metadata or {}).items())
    yield pdf.name, str(reader.xmp_metadata.rdf_root.toxml()) if reader.xmp_metadata else ""


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> dict:
    """The grown copy, committed and built with `make report`."""
    if not (config.SOURCES_DIR / "MANIFEST.csv").exists() and not any(config.SOURCES_DIR.glob("*.txt")):
        pytest.fail(f"needs the archive of source texts in {config.SOURCES_DIR} (set COERCION_SOURCES_DIR)")
    tmp = tmp_path_factory.mktemp("grown")
    project, archive = tmp / "project", tmp / "archive"
    # copy2 keeps modification times, so make finds this environment up to date and
    # never reinstalls the project into it from the copy.
    for rel in verify.project_files(ROOT):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, project / rel)
    shutil.copytree(config.SOURCES_DIR, archive)
    raw = project / "data" / "raw"
    planted_values = _plant_restricted_keys(raw)
    today = dt.date.today()
    _add_source(raw, archive, today)
    planted(every_spelling(), today).write(raw, archive)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COERCION_")}
    env.update(COERCION_SOURCES_DIR=str(archive), PYTHONPATH=str(project / "src"))
    _git(project, "init", "--quiet")
    _git(project, "add", "-A")
    _git(project, "commit", "--quiet", "-m", "The project as it stands, grown by two sources")
    env_stamp = tmp / "environment-in-use"
    env_stamp.touch()
    grown = {"project": project, "env": env, "planted": planted_values, "env_stamp": env_stamp}
    done = _make(grown, "report")
    assert done.returncode == 0, _said(done)
    return grown


@pytest.fixture(scope="module")
def cut(grown) -> dict:
    """`make release` on the grown copy: 1.0.0, or a major step after the releases the project keeps."""
    project = grown["project"]
    kept = release_versions(project / "releases")
    version = str(kept[-1].bumped(Bump.MAJOR)) if kept else "1.0.0"
    done = _make(grown, "release", f"VERSION={version}")
    assert done.returncode == 0, _said(done)
    dest = project / "releases" / version
    return {**grown, "dest": dest, "version": version, "files": {p.name: p.read_bytes() for p in dest.iterdir()}}


# --- the new source -----------------------------------------------------------------------

def test_the_new_source_reaches_the_tables_and_the_report(grown):
    project = grown["project"]
    incidents = pd.read_csv(project / "data" / "processed" / "incidents.csv", dtype=str, keep_default_na=False)
    mine = incidents[incidents["source_ids"].str.contains(SOURCE_ID)]
    assert sorted(mine["region_code"]) == ["RU-TA", "RU-TA"]
    assert OUTLET in (project / "reports" / "output" / "report.html").read_text(encoding="utf-8")


# --- nobody named -------------------------------------------------------------------------

def test_planted_names_reach_no_table_notebook_or_report(grown):
    project = grown["project"]
    assert grown["planted"]
    assert "synthetic-planted" in (project / "data" / "processed" / "incidents.csv").read_text(encoding="utf-8")
    assert "Synthetic test outlet" in (project / "reports" / "output" / "report.html").read_text(encoding="utf-8")
    leaks = {(name, stem) for name, text in output_strings(project) for stem in stems_in(text)}
    assert not leaks
    values = [(name, value) for name, text in output_strings(project) for value in grown["planted"] if value in text]
    assert not values


# --- the release --------------------------------------------------------------------------

def test_make_release_writes_the_published_tables_report_and_checksums(cut):
    dest, project = cut["dest"], cut["project"]
    for table in codebook.TABLES:
        for ext in ("csv", "parquet"):
            assert (dest / f"{table}.{ext}").read_bytes() == (project / "data" / "processed" / f"{table}.{ext}").read_bytes()
    for name in ("report.html", "report.pdf", "CHANGES.md", "README.md", "CITATION.cff", "datapackage.json"):
        assert (dest / name).stat().st_size > 0, name
    manifest = [line.split("  ") for line in (dest / "MANIFEST").read_text().splitlines()]
    assert sorted(n for _, n in manifest) == sorted(set(cut["files"]) - {"MANIFEST"})
    assert all(hashlib.sha256((dest / n).read_bytes()).hexdigest() == d for d, n in manifest)


def test_the_release_carries_its_version_date_and_cutoff(cut):
    dest, project = cut["dest"], cut["project"]
    package = json.loads((dest / "datapackage.json").read_text())
    # The cut-off is the latest publication date among the copy's sources, whatever they are.
    expected = data_cutoff(pd.read_csv(project / "data" / "raw" / "sources.csv", dtype=str, keep_default_na=False))
    assert (package["version"], package["created"], package["data_cutoff"]) == (cut["version"], DATE, expected.date)
    assert package["git_commit"] == _git(project, "rev-parse", "HEAD").strip()
    citation = yaml.safe_load((project / "CITATION.cff").read_text())
    assert (citation["version"], citation["date-released"]) == (cut["version"], "2026-11-30")
    assert (dest / "CITATION.cff").read_text() == (project / "CITATION.cff").read_text()


def test_the_release_report_shows_version_and_cutoff_on_its_title_page(cut):
    package = json.loads(cut["files"]["datapackage.json"])
    cutoff = Cutoff(package["data_cutoff"], package["data_cutoff_precision"]).text()
    title_page = inspect.pdf_text(cut["dest"] / "report.pdf").split("Contents")[0]
    assert cut["version"] in title_page and cutoff in title_page


def test_nothing_restricted_reaches_the_release(cut):
    blob = release_text(cut["dest"])
    assert "[withheld]" in blob  # the evidence quotes were read: names in them are withheld, not dropped
    leaked = [value for value in cut["planted"] if value in blob]
    assert cut["planted"] and not leaked and not stems_in(blob)


def test_make_help_describes_release():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "make release    Cut releases/VERSION/ from a clean commit: make release VERSION=X.Y.Z" in out


# --- from here on the tests change the copy, in file order --------------------------------

def test_the_same_release_cut_again_is_byte_identical(cut):
    project = cut["project"]
    shutil.rmtree(cut["dest"])
    _git(project, "checkout", "CITATION.cff")
    done = _make(cut, "release", f"VERSION={cut['version']}")
    assert done.returncode == 0, _said(done)
    again = {p.name: p.read_bytes() for p in cut["dest"].iterdir()}
    assert sorted(again) == sorted(cut["files"])
    assert [n for n in again if again[n] != cut["files"][n]] == []


def test_make_release_refuses_before_building(cut):
    missing = _make(cut, "release", timeout=120)
    assert missing.returncode != 0 and "release: give the version to release: make release VERSION=X.Y.Z" in missing.stderr
    done = _make(cut, "release", f"VERSION={cut['version']}")  # the folder is there, uncommitted: both refusals apply, the version first
    assert done.returncode != 0 and f"release: release {cut['version']} already exists" in done.stderr
    assert "analysis.notebooks" not in done.stdout and "Traceback" not in done.stderr


def test_the_data_tests_pass_on_the_grown_dataset_with_its_release_committed(cut):
    """Every data test, the checks of committed releases included, holds for the grown dataset."""
    project = cut["project"]
    _git(project, "add", f"releases/{cut['version']}", "CITATION.cff")
    _git(project, "commit", "--quiet", "-m", f"Release {cut['version']}")
    tested = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/data"], cwd=project,
                            env=cut["env"], capture_output=True, text=True, timeout=900)
    assert tested.returncode == 0, tested.stdout[-5000:] + tested.stderr[-2000:]
    assert " passed" in tested.stdout and "skipped" not in tested.stdout


def test_a_name_typed_into_the_report_or_a_notebook_stops_publication(grown):
    project = grown["project"]
    output = project / "reports" / "output"
    # An author types a victim's name, hyphenated by a soft hyphen, into the report's own text.
    qmd = project / "reports" / "_methodology.qmd"
    original_qmd = qmd.read_text(encoding="utf-8")
    qmd.write_text(original_qmd + "\nThe project thanks Ruslanbek Zhvi\u00adkolov.\n", encoding="utf-8")
    done = _make(grown, "report")
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "report.html" in said and "listed under victim_names of record R9101" in said
    assert not stems_in(said)
    assert not (output / "report.html").exists() and not (output / "report.pdf").exists()
    qmd.write_text(original_qmd, encoding="utf-8")

    # And into a notebook's text (in the genitive, in the other alphabet).
    nb_path = project / "notebooks" / "overview.ipynb"
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = ["# Overview\n", "With thanks to the family of Русланбека Жвиколова.\n"]
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    done = _make(grown, "report")
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "overview.ipynb" in said and "listed under victim_names of record R9101" in said
    assert not stems_in(said) and not (project / "build" / "notebooks" / "overview.ipynb").exists()
    assert not (output / "report.html").exists()
