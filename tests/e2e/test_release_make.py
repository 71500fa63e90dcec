"""`make release` end to end, in a temporary git repository holding a copy of the project.

The copy's raw records carry planted values in every restricted key (coder notes, victims'
names, identifying details); the release is cut with the real Makefile (data, notebooks,
report), and must hold the published files with their checksums, carry its version and
data cut-off, contain none of the planted values (the PDF read as text), and come out
byte-identical when cut again from the same commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import codebook, config, verify
from analysis.report import inspect
from analysis.release import Bump, release_versions
from analysis.release.snapshot import Cutoff, data_cutoff
from fixtures.releases import release_text

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]

ROOT = Path(__file__).resolve().parents[2]
DATE = "2026-11-30T12:00:00Z"
GIT_ENV = {"GIT_AUTHOR_NAME": "Tester", "GIT_AUTHOR_EMAIL": "tester@example.org", "GIT_COMMITTER_NAME": "Tester",
           "GIT_COMMITTER_EMAIL": "tester@example.org", "GIT_AUTHOR_DATE": DATE, "GIT_COMMITTER_DATE": DATE}


def _copy_project(dest: Path) -> None:
    # copy2 keeps modification times, so make finds this environment up to date and
    # never reinstalls the project into it from the copy.
    for rel in verify.project_files(ROOT):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)


def _plant(raw: Path) -> list[str]:
    planted = []
    for path in sorted((raw / "incidents").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for rec in doc["records"]:
            tag = f"PLANTED{len(planted):03d}"
            rec.update(coder_notes=f"{tag}-note", victim_names=[f"{tag}-name"], identifying_details=[f"{tag}-detail"])
            planted += [f"{tag}-note", f"{tag}-name", f"{tag}-detail"]
        assert set(codebook.RESTRICTED_RAW_KEYS) <= set(doc["records"][0])
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return planted


def _git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True).stdout


def _make_release(project: Path, version: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for var in ("COERCION_ROOT", "COERCION_DATA_DIR", "COERCION_RAW_DIR", "COERCION_REFERENCE_DIR", "COERCION_PROCESSED_DIR",
                "COERCION_BUILD_DIR", "COERCION_REPORT_DIR", "COERCION_RELEASE_VERSION"):
        env.pop(var, None)
    env["PYTHONPATH"] = str(project / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COERCION_SOURCES_DIR"] = str(config.SOURCES_DIR)
    return subprocess.run(["make", "--no-print-directory", "release", f"VERSION={version}", f"VENV={sys.prefix}"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def cut(tmp_path_factory) -> dict:
    if not (config.SOURCES_DIR / "MANIFEST.csv").exists() and not any(config.SOURCES_DIR.glob("*.txt")):
        pytest.fail(f"needs the archive of source texts in {config.SOURCES_DIR} (set COERCION_SOURCES_DIR)")
    project = tmp_path_factory.mktemp("release") / "project"
    _copy_project(project)
    planted = _plant(project / "data" / "raw")
    _git(project, "init", "--quiet")
    _git(project, "add", "-A")
    _git(project, "commit", "--quiet", "-m", "The project as it stands")
    # 1.0.0, or a major step after the releases the project already keeps (enough for any change).
    kept = release_versions(project / "releases")
    version = str(kept[-1].bumped(Bump.MAJOR)) if kept else "1.0.0"
    done = _make_release(project, version)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    dest = project / "releases" / version
    return {"project": project, "dest": dest, "version": version, "planted": planted,
            "files": {p.name: p.read_bytes() for p in dest.iterdir()}}


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


def test_nothing_restricted_reaches_the_release(cut):
    dest = cut["dest"]
    blob = release_text(dest)
    assert "[withheld]" in blob  # the evidence quotes were read: names in them are withheld, not dropped
    leaked = [value for value in cut["planted"] if value in blob]
    assert cut["planted"] and not leaked


def test_the_same_release_cut_again_is_byte_identical(cut):
    project = cut["project"]
    shutil.rmtree(cut["dest"])
    _git(project, "checkout", "CITATION.cff")
    done = _make_release(project, cut["version"])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    again = {p.name: p.read_bytes() for p in cut["dest"].iterdir()}
    assert sorted(again) == sorted(cut["files"])
    assert [n for n in again if again[n] != cut["files"][n]] == []


def test_make_release_refuses_before_building(cut):
    project = cut["project"]
    missing = subprocess.run(["make", "--no-print-directory", "release", f"VENV={sys.prefix}"], cwd=project,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode != 0 and "release: give the version to release: make release VERSION=X.Y.Z" in missing.stderr
    done = _make_release(project, cut["version"])  # the folder is there, uncommitted: both refusals apply, the version first
    assert done.returncode != 0 and f"release: release {cut['version']} already exists" in done.stderr
    assert "analysis.notebooks" not in done.stdout and "Traceback" not in done.stderr


def test_the_release_report_shows_version_and_cutoff_on_its_title_page(cut):
    package = json.loads(cut["files"]["datapackage.json"])
    cutoff = Cutoff(package["data_cutoff"], package["data_cutoff_precision"]).text()
    title_page = inspect.pdf_text(cut["dest"] / "report.pdf").split("Contents")[0]
    assert cut["version"] in title_page and cutoff in title_page


def test_make_help_describes_release():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "make release    Cut releases/VERSION/ from a clean commit: make release VERSION=X.Y.Z" in out
