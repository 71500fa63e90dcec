"""Releases cut from the hand-made tables in a temporary git repository.

A first release; then a coder adds a source with a new incident, corrects a count and
merges two incidents; then the next release. Its CHANGES.md must name exactly those
changes (with the records and sources behind them), `diff` must print the same log, and
each refusal (dirty tree, existing version, version not increasing, too small a step)
must say what is wrong and what would be accepted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys

import frictionless
import pytest

from analysis import codebook, release
from analysis.release import publish as pub
from analysis.release.errors import ReleaseError
from fixtures.releases import EXCLUSION_REASON, MERGE_REASON, Project, add_source, correct_count, exclude, merge, sort_tables

FIRST_DATE, SECOND_DATE = "2026-11-30T12:00:00Z", "2026-12-15T09:30:00Z"


def _sections(text: str) -> dict[str, list[str]]:
    """CHANGES.md's '### ' subsections of each '## ' section: {'Incidents/Added': [lines]}."""
    out, top, sub = {}, "", ""
    for line in text.splitlines():
        if line.startswith("## "):
            top, sub = line[3:], ""
        elif line.startswith("### "):
            sub = line[4:]
        elif line.startswith("- ") and top:
            out.setdefault(f"{top}/{sub}" if sub else top, []).append(line)
    return out


def _ids(lines: list[str]) -> list[str]:
    return [re.match(r"- `([^`]+)`", line).group(1) for line in lines]


@pytest.fixture()
def project(tmp_path) -> Project:
    return Project(tmp_path / "project")


@pytest.fixture()
def two_releases(project) -> Project:
    """Release 1.0.0, then the three edits committed, then release 1.1.0."""
    project.release_and_commit("1.0.0", FIRST_DATE)
    for edit in (add_source, correct_count, merge, sort_tables):
        edit(project.tables)
    project.publish_tables()
    project.commit("Add s-new, correct INC-003, merge INC-006 into INC-005", SECOND_DATE)
    project.release("1.1.0")
    return project


# ---- the first release ---------------------------------------------------------------


def test_a_release_holds_the_published_tables_report_and_checksums(project):
    dest = project.release("1.0.0")
    names = sorted(p.name for p in dest.iterdir())
    tables = sorted(f"{t}.{ext}" for t in codebook.TABLES for ext in ("csv", "parquet"))
    assert names == sorted(tables + ["CHANGES.md", "CITATION.cff", "MANIFEST", "README.md", "datapackage.json", "report.html", "report.pdf"])
    for name in tables:
        assert (dest / name).read_bytes() == (project.paths.processed_dir / name).read_bytes(), name
    manifest = dict(reversed(line.split("  ")) for line in (dest / "MANIFEST").read_text().splitlines())
    assert sorted(manifest) == sorted(n for n in names if n != "MANIFEST")
    assert all(hashlib.sha256((dest / n).read_bytes()).hexdigest() == d for n, d in manifest.items())


def test_the_datapackage_and_citation_carry_version_date_and_cutoff(project):
    dest = project.release("1.0.0")
    package = json.loads((dest / "datapackage.json").read_text())
    # The fixture's latest source, s-ukr-agency, was published on 15 January 2025.
    assert (package["version"], package["created"]) == ("1.0.0", FIRST_DATE)
    assert (package["data_cutoff"], package["data_cutoff_precision"]) == ("2025-01-15", "day")
    assert package["git_commit"] == project.git("rev-parse", "HEAD").strip()
    report = frictionless.Package(str(dest / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    for citation in (project.root / "CITATION.cff", dest / "CITATION.cff"):
        text = citation.read_text()
        commit = package["git_commit"]
        assert f'\nversion: "1.0.0"\ndate-released: "2026-11-30"\ncommit: "{commit}"\n' in text
    readme = (dest / "README.md").read_text()
    assert "release 1.0.0" in readme and "15 January 2025" in readme and "(version 1.0.0, released 2026-11-30)" in readme
    assert "The first release" in (dest / "CHANGES.md").read_text()


def test_the_same_release_built_twice_is_byte_identical(project):
    first = project.release("1.0.0")
    kept = {p.name: p.read_bytes() for p in first.iterdir()}
    project.git("checkout", "CITATION.cff")
    project.git("clean", "-fdq")
    again = project.release("1.0.0")
    assert {p.name: p.read_bytes() for p in again.iterdir()} == kept


def test_only_published_files_are_copied(project):
    # Anything else lying in data/processed (a coder's scratch file) stays out of the release.
    (project.paths.processed_dir / "scratch-notes.txt").write_text("victim names: PLANTED-NAME\n")
    dest = project.release("1.0.0")
    blob = b"".join(p.read_bytes() for p in dest.iterdir())
    assert not (dest / "scratch-notes.txt").exists() and b"PLANTED-NAME" not in blob


# ---- the next release: exactly the changes made ------------------------------------------


def test_the_change_log_names_exactly_the_changes_made(two_releases):
    changes = (two_releases.root / "releases" / "1.1.0" / "CHANGES.md").read_text()
    sections = _sections(changes)
    assert changes.startswith("# Changes from release 1.0.0 (2026-11-30) to release 1.1.0 (2026-12-15)\n")
    assert "Data cut-off (publication date of the latest source): 15 January 2025 → 10 June 2025." in changes
    assert "at least a **minor** release: 1 source added; 1 incident added." in changes
    assert _ids(sections["Sources/Added"]) == ["s-new"]
    assert _ids(sections["Incidents/Added"]) == ["INC-020"]
    assert _ids(sections["Incidents/Merged into another incident"]) == ["INC-006"]
    assert _ids(sections["Incidents/Changed"]) == ["INC-003", "INC-005"]
    # Nothing else: no codebook change, no source withdrawn or corrected, no incident removed.
    assert set(sections) == {"Sources/Added", "Incidents/Added", "Incidents/Merged into another incident", "Incidents/Changed"}
    assert "## Codebook\n\nNo change.\n" in changes


def test_each_change_names_fields_records_and_sources(two_releases):
    changes = (two_releases.root / "releases" / "1.1.0" / "CHANGES.md").read_text()
    # The corrected count: the field, old → new, and the evidence of the record behind it.
    assert "  - `persons_best`: `300` → `310`" in changes
    assert "  - evidence of record `R004` (source `s-ukr-agency`) for `persons`: `phrase`: “about 300” → “about 310”" in changes
    # The merge: where the record went, why, and what the surviving incident gained.
    assert "- `INC-006` (incident) merged into `INC-005`: “Property of the relatives seized; the source gives no number.”" in changes
    assert f"  - record `R007` (source `s-kavkaz`): now part of `INC-005` (merge reason: “{MERGE_REASON}”)" in changes
    assert "  - `record_ids`: `R006` → `R006|R007`" in changes
    assert "  - record `R007` (source `s-kavkaz`): previously part of `INC-006`" in changes
    # The new source and its incident.
    assert "  - record `R020` (source `s-new`): new record" in changes
    assert "- `s-new`: “Outlet E”, “Three men taken from a checkpoint” (published 2025-06-10, day)" in changes


def test_diff_prints_the_same_change_log(two_releases):
    changes = (two_releases.root / "releases" / "1.1.0" / "CHANGES.md").read_text()
    env = {**os.environ, "COERCION_ROOT": str(two_releases.root)}
    for var in ("COERCION_DATA_DIR", "COERCION_PROCESSED_DIR"):
        env.pop(var, None)
    done = subprocess.run([sys.executable, "-m", "analysis.release", "diff", "1.0.0", "1.1.0"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == changes
    # Against the current build (the same data as 1.1.0): the same log under another title.
    head = release.render(release.compare(release.open_snapshot("1.0.0", two_releases.paths.releases_dir),
                                          release.open_snapshot("HEAD", processed_dir=two_releases.paths.processed_dir)))
    assert head.splitlines()[0] == "# Changes from release 1.0.0 (2026-11-30) to the current build (HEAD, not released)"
    assert head.splitlines()[1:] == changes.splitlines()[1:]


def test_an_excluded_record_and_a_withdrawn_source_are_named_as_corrections(project):
    project.release_and_commit("1.0.0", FIRST_DATE)
    exclude(project.tables)
    project.publish_tables()
    project.commit("Exclude R009, withdraw s-extra", SECOND_DATE)
    changes = (project.release("1.0.1") / "CHANGES.md").read_text()
    sections = _sections(changes)
    assert "at least a **patch** release: 1 incident changed; 1 incident removed; 1 source withdrawn; 2 excluded records changed." in changes
    assert _ids(sections["Incidents/Removed"]) == ["INC-008"] and _ids(sections["Incidents/Changed"]) == ["INC-017"]
    assert _ids(sections["Sources/Withdrawn"]) == ["s-extra"] and _ids(sections["Excluded records"]) == ["R009", "R019"]
    assert set(sections) == {"Incidents/Removed", "Incidents/Changed", "Sources/Withdrawn", "Excluded records"}
    assert f"  - record `R009` (source `s-kavkaz`): now excluded: “{EXCLUSION_REASON}”" in changes
    assert f"- `R009` (source `s-kavkaz`) now excluded: reason “{EXCLUSION_REASON}”" in changes
    assert "  - `total_of_incident_ids`: `INC-001|INC-008` → `INC-001`" in changes
    assert "- `R019` (source `s-extra`) no longer excluded: reason “Out of scope: not about coercion.”" in changes


def test_diff_of_an_unknown_release_says_which_exist(two_releases):
    with pytest.raises(ReleaseError, match=r"no release 2\.0\.0 .*releases: 1\.0\.0, 1\.1\.0; or HEAD"):
        release.open_snapshot("2.0.0", two_releases.paths.releases_dir)


# ---- refusals ------------------------------------------------------------------------


def test_a_dirty_working_tree_is_refused(project):
    (project.root / "CITATION.cff").write_text((project.root / "CITATION.cff").read_text() + "# edited\n")
    (project.root / "notes.txt").write_text("draft\n")
    for attempt in (lambda: pub.preflight("1.0.0", project.paths), lambda: project.release("1.0.0")):
        with pytest.raises(ReleaseError, match=r"uncommitted changes \(M CITATION.cff, \?\? notes.txt\).*commit or stash"):
            attempt()
    assert not (project.root / "releases").exists()


def test_an_existing_version_is_refused(project):
    project.release_and_commit("1.0.0", FIRST_DATE)
    with pytest.raises(ReleaseError, match=r"release 1\.0\.0 already exists .*never rebuilt or replaced; the next version is one of "
                                           r"1\.0\.1 \(patch\), 1\.1\.0 \(minor\), 2\.0\.0 \(major\)"):
        pub.preflight("1.0.0", project.paths)


@pytest.mark.parametrize("version, message", [
    ("0.9.0", r"0\.9\.0 does not come after the latest release, 1\.0\.0"),
    ("1.0.0-rc1", r"'1\.0\.0-rc1' is not a release version"),
    ("1.2.0", r"1\.2\.0 does not follow 1\.0\.0 directly"),
])
def test_a_version_that_does_not_increase_is_refused(project, version, message):
    project.release_and_commit("1.0.0", FIRST_DATE)
    with pytest.raises(ReleaseError, match=message):
        pub.preflight(version, project.paths)


def test_a_step_smaller_than_the_changes_call_for_is_refused(project):
    project.release_and_commit("1.0.0", FIRST_DATE)
    add_source(project.tables)
    project.publish_tables()
    project.commit("Add s-new", SECOND_DATE)
    expected = (r"1\.0\.1 is a patch release after 1\.0\.0, but the changes since 1\.0\.0 call for a minor release "
                r"\(1 source added; 1 incident added\): release 1\.1\.0 instead")
    with pytest.raises(ReleaseError, match=expected):
        pub.preflight("1.0.1", project.paths, changes=True)
    with pytest.raises(ReleaseError, match=expected):
        project.release("1.0.1")
    assert "call for a minor release" in pub.preflight("1.1.0", project.paths, changes=True)


def test_a_correction_alone_is_a_patch(project):
    project.release_and_commit("1.0.0", FIRST_DATE)
    correct_count(project.tables)
    project.publish_tables()
    project.commit("Correct INC-003", SECOND_DATE)
    dest = project.release("1.0.1")
    assert "at least a **patch** release: 1 incident changed." in (dest / "CHANGES.md").read_text()


def test_a_column_removed_from_the_codebook_calls_for_a_major_release(project):
    project.release_and_commit("1.0.0", FIRST_DATE)
    from fixtures.releases import datapackage

    package = datapackage()
    incidents = next(r for r in package["resources"] if r["name"] == "incidents")
    incidents["schema"]["fields"] = [f for f in incidents["schema"]["fields"] if f["name"] != "claimant"]
    project.tables["incidents"] = project.tables["incidents"].drop(columns="claimant")
    project.publish_tables(package)
    project.commit("Drop claimant", SECOND_DATE)
    with pytest.raises(ReleaseError, match=r"call for a major release \(codebook: incidents\.claimant column removed\): release 2\.0\.0"):
        project.release("1.1.0")
    changes = (project.release("2.0.0") / "CHANGES.md").read_text()
    assert "- `incidents.claimant`: column removed (major)" in changes


def test_the_command_line_refuses_with_a_message_not_a_traceback(project):
    project.release_and_commit("1.0.0", FIRST_DATE)
    env = {**os.environ, "COERCION_ROOT": str(project.root)}
    for var in ("COERCION_DATA_DIR", "COERCION_PROCESSED_DIR"):
        env.pop(var, None)
    done = subprocess.run([sys.executable, "-m", "analysis.release", "check", "1.0.0"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("release: release 1.0.0 already exists") and "Traceback" not in done.stderr


# ---- what the report shows ---------------------------------------------------------------


def test_current_release_tells_the_report_which_release_it_is(project, monkeypatch):
    paths = project.paths
    monkeypatch.delenv(release.RELEASE_ENV, raising=False)
    info = release.current_release(paths.processed_dir, paths.releases_dir, paths.root)
    assert info.label() == "Unreleased build · data cut-off 15 January 2025"
    project.release_and_commit("1.0.0", FIRST_DATE)
    info = release.current_release(paths.processed_dir, paths.releases_dir, paths.root)
    assert info.variables()["release_label"] == "Release 1.0.0 of 30 November 2026 · data cut-off 15 January 2025"
    correct_count(project.tables)
    project.publish_tables()
    project.commit("Correct INC-003", SECOND_DATE)
    info = release.current_release(paths.processed_dir, paths.releases_dir, paths.root)
    assert (info.version, info.label()) == (None, "Unreleased build (after release 1.0.0) · data cut-off 15 January 2025")
    # While `make release VERSION=1.0.1` renders the report: the version asked for, dated by the commit.
    monkeypatch.setenv(release.RELEASE_ENV, "1.0.1")
    info = release.current_release(paths.processed_dir, paths.releases_dir, paths.root)
    assert (info.version, info.date, info.previous) == ("1.0.1", "2026-12-15", "1.0.0")
