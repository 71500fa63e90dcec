"""Snapshots of the published dataset: a release folder, or the current build ("HEAD").

A snapshot is read from published files only (``datapackage.json`` and the CSV tables it
lists), never from data/raw: two releases can be compared years later without the raw
records, and nothing restricted can reach a change log. Cells are kept as the CSV text
("" for a missing value), so a comparison sees exactly what a reader of the files sees.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from .errors import ReleaseError
from .versions import Version

#: Name of the current build (data/processed) in `diff` and in change logs.
HEAD = "HEAD"
#: Where releases are kept, one folder per version.
RELEASES_DIR = config.PROJECT_ROOT / "releases"

#: From finest to coarsest: of two sources published on the same (first) day, the coarser
#: date may stand for a later day, so it decides the cut-off's precision.
_PRECISION_ORDER = ("day", "month", "season", "year", "range", "unknown")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True)
class Cutoff:
    """The data cut-off: publication date of the latest source, with that date's precision."""

    date: str | None
    precision: str = "unknown"

    def text(self) -> str:
        """'9 June 2023', 'April 2025' or '2025', as precise as the source's date."""
        if self.date is None:
            return "unknown"
        d = dt.date.fromisoformat(self.date)
        if self.precision == "day":
            return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
        if self.precision == "month":
            return f"{_MONTHS[d.month - 1]} {d.year}"
        if self.precision == "year":
            return str(d.year)
        return f"{self.date} ({self.precision})"


def data_cutoff(sources: pd.DataFrame | None) -> Cutoff:
    """The latest publication date among the sources (CSV text or typed dates)."""
    if sources is None or "published_date" not in sources or sources.empty:
        return Cutoff(None)
    dates = pd.to_datetime(sources["published_date"].replace("", None), errors="coerce")
    if dates.isna().all():
        return Cutoff(None)
    latest = dates.max()
    precisions = sources.loc[dates == latest, "published_precision"].astype(str) if "published_precision" in sources else []
    rank = [_PRECISION_ORDER.index(p) if p in _PRECISION_ORDER else len(_PRECISION_ORDER) - 1 for p in precisions]
    precision = _PRECISION_ORDER[max(rank)] if rank else "unknown"
    return Cutoff(latest.date().isoformat(), precision)


@dataclass
class Snapshot:
    """The published tables of one release, or of the current build."""

    name: str  # a version, or HEAD
    folder: Path
    package: dict
    tables: dict[str, pd.DataFrame]

    @property
    def version(self) -> str | None:
        return self.package.get("version")

    @property
    def date(self) -> str | None:
        created = self.package.get("created")
        return created[:10] if created else None

    @property
    def cutoff(self) -> Cutoff:
        return data_cutoff(self.tables.get("sources"))

    def title(self) -> str:
        if self.version:
            return f"release {self.version}" + (f" ({self.date})" if self.date else "")
        return "the current build (HEAD, not released)"

    def resource(self, table: str) -> dict | None:
        for res in self.package.get("resources", []):
            if res.get("name") == table:
                return res
        return None

    def primary_key(self, table: str) -> list[str]:
        res = self.resource(table) or {}
        key = res.get("schema", {}).get("primaryKey", [])
        return [key] if isinstance(key, str) else list(key)


def read_snapshot(folder: Path, name: str) -> Snapshot:
    """The tables a folder's datapackage.json lists, as CSV text."""
    folder = Path(folder)
    descriptor = folder / "datapackage.json"
    if not descriptor.is_file():
        raise ReleaseError(f"{descriptor}: no datapackage.json, so {name} has no published tables to compare"
                           + ("; run `make data` first" if name == HEAD else ""))
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{descriptor}: not a readable JSON data package ({exc})") from exc
    tables = {}
    for res in package.get("resources", []):
        path = folder / res["path"]
        if not path.is_file():
            raise ReleaseError(f"{path}: listed in {descriptor.name} as table {res['name']!r} but missing")
        tables[res["name"]] = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    return Snapshot(name, folder, package, tables)


def release_versions(releases_dir: Path = RELEASES_DIR) -> list[Version]:
    """The releases in ``releases_dir``, oldest first (folders named by a version that hold a datapackage.json)."""
    releases_dir = Path(releases_dir)
    if not releases_dir.is_dir():
        return []
    return sorted(Version.parse(p.name) for p in releases_dir.iterdir()
                  if p.is_dir() and Version.is_version(p.name) and (p / "datapackage.json").is_file())


def latest_release(releases_dir: Path = RELEASES_DIR) -> Version | None:
    versions = release_versions(releases_dir)
    return versions[-1] if versions else None


def open_snapshot(name: str, releases_dir: Path = RELEASES_DIR, processed_dir: Path = config.PROCESSED_DIR) -> Snapshot:
    """HEAD (the current build in ``processed_dir``) or a release by its version."""
    if name == HEAD:
        return read_snapshot(processed_dir, HEAD)
    version = Version.parse(name)
    known = release_versions(releases_dir)
    if version not in known:
        listed = ", ".join(map(str, known)) or "none yet"
        raise ReleaseError(f"there is no release {version} in {releases_dir}; releases: {listed}; or {HEAD} for the current build")
    return read_snapshot(Path(releases_dir) / str(version), str(version))
