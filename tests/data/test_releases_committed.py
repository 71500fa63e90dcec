"""The releases kept in releases/: intact, consistent with CITATION.cff, and free of restricted values.

A release is never edited after it is cut: its MANIFEST must still match every file. The
restricted keys of today's raw records (names, identifying details, coder notes) must not
appear in any release, the report's PDF read as text. Until the first release is cut
there is nothing to check, and these tests say so by skipping.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from analysis import codebook
from analysis.release import RELEASES_DIR, release_versions
from fixtures.releases import release_text

ROOT = Path(__file__).resolve().parents[2]
RELEASES = [RELEASES_DIR / str(v) for v in release_versions(RELEASES_DIR)]
needs_a_release = pytest.mark.skipif(not RELEASES, reason="no release has been cut yet (make release VERSION=X.Y.Z)")


@needs_a_release
@pytest.mark.parametrize("folder", RELEASES, ids=lambda p: p.name)
def test_a_release_is_intact(folder):
    manifest = [line.split("  ") for line in (folder / "MANIFEST").read_text().splitlines()]
    files = {p.name for p in folder.iterdir()} - {"MANIFEST"}
    assert sorted(name for _, name in manifest) == sorted(files), f"{folder.name}: files added or removed after the release"
    changed = [name for digest, name in manifest if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest]
    assert not changed, f"{folder.name}: edited after the release: {changed}"
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["version"] == folder.name
    assert f"release {folder.name} " in (folder / "CHANGES.md").read_text().splitlines()[0]


@needs_a_release
def test_citation_names_the_latest_release():
    latest = RELEASES[-1]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    package = json.loads((latest / "datapackage.json").read_text())
    assert (str(citation["version"]), str(citation["date-released"])) == (latest.name, package["created"][:10])


def _restricted_values() -> list[str]:
    values = []
    for path in sorted((ROOT / "data" / "raw" / "incidents").glob("*.yaml")):
        for rec in yaml.safe_load(path.read_text(encoding="utf-8"))["records"]:
            for key in codebook.RESTRICTED_RAW_KEYS:
                found = rec.get(key) or []
                values += [str(v) for v in (found if isinstance(found, list) else [found])]
    return values


@needs_a_release
@pytest.mark.parametrize("folder", RELEASES, ids=lambda p: p.name)
def test_no_restricted_value_is_in_a_release(folder):
    blob = release_text(folder)
    assert not [v for v in _restricted_values() if v in blob], f"{folder.name} holds a restricted value"
