"""Which release the current build is: what the report's title page and stamp show.

:func:`current_release` answers from files and the environment, never from the clock:
while `make release VERSION=X.Y.Z` renders the report it sets COERCION_RELEASE_VERSION,
and the release is dated by the commit it is cut from; otherwise the build is the release
whose published tables it matches byte for byte, or an unreleased build.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from . import gitinfo
from .snapshot import RELEASES_DIR, Cutoff, data_cutoff, release_versions
from .versions import Version

#: Set by `make release` while the release's report is rendered.
RELEASE_ENV = "COERCION_RELEASE_VERSION"


@dataclass(frozen=True)
class ReleaseInfo:
    """The release a build belongs to (version None when it is not a release)."""

    version: str | None
    date: str | None  # ISO date of the release
    cutoff: Cutoff  # publication date of the latest source in the build's data
    previous: str | None  # the latest release before this one (or before this unreleased build)

    def label(self) -> str:
        """One line for a title page: 'Release 1.0.0 of 30 November 2026 · data cut-off April 2025'."""
        cut = f"data cut-off {self.cutoff.text()}"
        if self.version:
            return f"Release {self.version} of {Cutoff(self.date, 'day').text()} · {cut}"
        after = f" (after release {self.previous})" if self.previous else ""
        return f"Unreleased build{after} · {cut}"

    def variables(self) -> dict[str, str]:
        """The same facts as strings, ready for reports/_variables.yml."""
        return {
            "release_version": self.version or "unreleased",
            "release_date": Cutoff(self.date, "day").text() if self.date else "",
            "previous_release": self.previous or "",
            "data_cutoff_text": self.cutoff.text(),
            "data_cutoff_date": self.cutoff.date or "",
            "release_label": self.label(),
        }


def _table_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of the published tables, from a folder's MANIFEST."""
    manifest = Path(folder) / "MANIFEST"
    if not manifest.is_file():
        return {}
    pairs = (line.split("  ", 1) for line in manifest.read_text(encoding="utf-8").splitlines() if "  " in line)
    return {name: digest for digest, name in pairs if name.endswith((".csv", ".parquet"))}


def _resources(folder: Path) -> list | None:
    path = Path(folder) / "datapackage.json"
    return json.loads(path.read_text(encoding="utf-8")).get("resources") if path.is_file() else None


def matching_release(processed_dir: Path, releases_dir: Path = RELEASES_DIR) -> Version | None:
    """The latest release whose tables and schemas are exactly those of ``processed_dir``."""
    mine = _table_digests(processed_dir)
    if not mine:
        return None
    for version in reversed(release_versions(releases_dir)):
        folder = Path(releases_dir) / str(version)
        if _table_digests(folder) == mine and _resources(folder) == _resources(processed_dir):
            return version
    return None


def current_release(processed_dir: Path = config.PROCESSED_DIR, releases_dir: Path = RELEASES_DIR,
                    root: Path = config.PROJECT_ROOT) -> ReleaseInfo:
    """The release the build in ``processed_dir`` is (being cut as), or an unreleased build."""
    sources = Path(processed_dir) / "sources.csv"
    cutoff = data_cutoff(pd.read_csv(sources, dtype=str, keep_default_na=False) if sources.is_file() else None)
    versions = release_versions(releases_dir)
    pending = os.environ.get(RELEASE_ENV, "").strip()
    if pending:
        version = Version.parse(pending)
        earlier = [v for v in versions if v < version]
        _, created = gitinfo.head(root)
        return ReleaseInfo(str(version), created[:10], cutoff, str(earlier[-1]) if earlier else None)
    match = matching_release(processed_dir, releases_dir)
    if match is not None:
        package = json.loads((Path(releases_dir) / str(match) / "datapackage.json").read_text(encoding="utf-8"))
        return ReleaseInfo(str(match), package.get("created", "")[:10] or None, cutoff, package.get("previous_version"))
    return ReleaseInfo(None, None, cutoff, str(versions[-1]) if versions else None)
