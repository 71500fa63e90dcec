"""Cutting a release: refuse what must not be released, then write releases/X.Y.Z/ in one step.

`make release VERSION=X.Y.Z` runs :func:`preflight` before the build (version and
working tree, so a refusal costs nothing), again with the changes once the data is built
(the version step must be at least what the changes call for), renders the report with
the version in the environment, and then :func:`publish`, which checks everything once
more and writes the folder: the published tables (CSV and Parquet), a datapackage.json
carrying version, date and data cut-off, the report, CHANGES.md, CITATION.cff, a README
and a MANIFEST of SHA-256 checksums. Only files the build publishes are copied, so the
publication gate that keeps restricted fields out of data/processed covers releases too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import config
from . import gitinfo
from .changelog import render, render_first
from .changes import ChangeLog, compare
from .errors import ReleaseError
from .snapshot import HEAD, RELEASES_DIR, Cutoff, Snapshot, open_snapshot, read_snapshot, release_versions
from .versions import Bump, Version, step

#: The report files a release carries, as the report build names them.
REPORT_FILES = ("report.html", "report.pdf")


@dataclass(frozen=True)
class Paths:
    """Where a release reads from and writes to (the project's folders unless a test says otherwise)."""

    root: Path = config.PROJECT_ROOT
    processed_dir: Path = config.PROCESSED_DIR
    releases_dir: Path = RELEASES_DIR

    @classmethod
    def of(cls, root: Path) -> "Paths":
        root = Path(root)
        return cls(root, root / "data" / "processed", root / "releases")

    @property
    def citation(self) -> Path:
        return Path(self.root) / "CITATION.cff"


def _next_versions(latest: Version) -> str:
    return ", ".join(f"{v} ({b.word})" for b, v in latest.successors().items())


def check_version(text: str, paths: Paths) -> tuple[Version, Version | None]:
    """The version asked for and the latest release, or a refusal saying which versions may come next."""
    if not str(text).strip():
        raise ReleaseError("give the version to release: make release VERSION=X.Y.Z")
    version = Version.parse(text)
    versions = release_versions(paths.releases_dir)
    latest = versions[-1] if versions else None
    hint = f"; the next version is one of {_next_versions(latest)}" if latest else ""
    if (Path(paths.releases_dir) / str(version)).exists():
        raise ReleaseError(f"release {version} already exists in {Path(paths.releases_dir).name}/{version}; "
                           f"a published release is never rebuilt or replaced{hint}")
    if latest is not None and version <= latest:
        raise ReleaseError(f"{version} does not come after the latest release, {latest}{hint}")
    if latest is not None and step(latest, version) is None:
        raise ReleaseError(f"{version} does not follow {latest} directly (no number skipped, smaller numbers reset to 0){hint}")
    return version, latest


def check_step(version: Version, latest: Version, log: ChangeLog) -> Bump:
    """Refuse a version step smaller than the changes call for; return what they call for."""
    need, reasons = log.required()
    have = step(latest, version)
    if have < need:
        raise ReleaseError(
            f"{version} is a {have.word} release after {latest}, but the changes since {latest} call for a {need.word} "
            f"release ({'; '.join(reasons)}): release {latest.bumped(need)} instead"
        )
    return need


def preflight(text: str, paths: Paths = Paths(), *, changes: bool = False) -> str:
    """Every refusal that can be decided now; what was accepted, for the person cutting the release."""
    version, latest = check_version(text, paths)
    gitinfo.check_clean(paths.root)
    if not changes:
        return f"release {version}: version and working tree accepted; building data, notebooks and report"
    if latest is None:
        return f"release {version}: the first release"
    log = compare(open_snapshot(str(latest), paths.releases_dir), read_snapshot(paths.processed_dir, HEAD))
    need = check_step(version, latest, log)
    _, reasons = log.required()
    why = f"they call for a {need.word} release ({'; '.join(reasons)})" if need else "nothing in the data changed"
    return f"release {version}: changes since {latest} checked: {why}"


# --------------------------------------------------------------------------------------
# The release's own files
# --------------------------------------------------------------------------------------


def release_package(package: dict, version: Version, created: str, cutoff: Cutoff, previous: Version | None, commit: str) -> dict:
    """The build's datapackage.json with the release's version, date and data cut-off up front."""
    meta = {"version": str(version), "created": created, "data_cutoff": cutoff.date, "data_cutoff_precision": cutoff.precision,
            "previous_version": str(previous) if previous else None, "git_commit": commit}
    meta = {k: v for k, v in meta.items() if v is not None}
    head = {k: package[k] for k in ("name", "title") if k in package}
    return {**head, **meta, **{k: v for k, v in package.items() if k not in head and k not in meta}}


def cited(citation_text: str, version: Version, date: str, commit: str) -> str:
    """CITATION.cff with the release's version, date and commit; the rest of the file as written.

    Values are quoted: the Citation File Format wants strings, and YAML would read an
    unquoted date as a date.
    """
    out = citation_text
    for key, value in (("version", str(version)), ("date-released", date)):
        out, n = re.subn(rf"(?m)^{key}:.*$", f'{key}: "{value}"', out)
        if n != 1:
            raise ReleaseError(f"CITATION.cff: expected one top-level `{key}:` line to update, found {n}")
    out, n = re.subn(r"(?m)^commit:.*$", f'commit: "{commit}"', out)
    if n == 0:
        out = re.sub(r"(?m)^(date-released:.*)$", rf'\1\ncommit: "{commit}"', out)
    return out


def citation_text(citation: dict, version: str, date: str) -> str:
    """The reference a reader copies, from CITATION.cff's authors and title."""
    authors = "; ".join(a.get("name") or " ".join(filter(None, (a.get("given-names"), a.get("family-names"))))
                        for a in citation.get("authors", []))
    return f"{authors} ({date[:4]}). {citation.get('title', '')} (version {version}, released {date}) [Data set]."


def release_readme(package: dict, citation: dict) -> str:
    version, date = package["version"], package["created"][:10]
    cutoff = Cutoff(package.get("data_cutoff"), package.get("data_cutoff_precision", "unknown")).text()
    rows = [f"| `{r['path']}`, `{Path(r['path']).with_suffix('.parquet')}` | {r.get('title', r['name'])}: {r.get('description', '')} |"
            for r in package.get("resources", [])]
    return "\n".join([
        f"# {package.get('title', 'Dataset')}: release {version}", "",
        f"Released {date} from commit `{package.get('git_commit', 'unknown')}`. Data cut-off: {cutoff} "
        "(publication date of the latest source).", "",
        "Cite as:", "", f"> {citation_text(citation, version, date)}", "",
        "| file | what |", "|---|---|", *rows,
        "| `datapackage.json` | Frictionless Data Package: every column's type, unit, constraints and vocabulary |",
        "| `report.html`, `report.pdf` | the report built from this release |",
        "| `CHANGES.md` | what changed since the previous release, record by record |",
        "| `CITATION.cff` | citation metadata |",
        "| `MANIFEST` | SHA-256 of every other file |", "",
        f"Licence of the tables: {', '.join(lic.get('name', '') for lic in package.get('licenses', []))}. "
        "The source articles belong to their publishers and are not included.", "",
    ])


def _write_folder(dest: Path, files: dict[str, Path | bytes]) -> None:
    """Write the files and their MANIFEST into a temporary folder, then rename it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        digests = {}
        for name, content in sorted(files.items()):
            if isinstance(content, Path):
                shutil.copyfile(content, tmp / name)
            else:
                (tmp / name).write_bytes(content)
            digests[name] = hashlib.sha256((tmp / name).read_bytes()).hexdigest()
        (tmp / "MANIFEST").write_text("".join(f"{d}  {n}\n" for n, d in sorted(digests.items())), encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # mkdtemp's folder is private; a release is for everyone
        tmp.rename(dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _release_files(current: Snapshot, report_dir: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for res in current.package.get("resources", []):
        for path in (current.folder / res["path"], (current.folder / res["path"]).with_suffix(".parquet")):
            if not path.is_file():
                raise ReleaseError(f"{path}: a published table is missing; run `make data`")
            files[path.name] = path
    for name in REPORT_FILES:
        path = Path(report_dir) / name
        if not path.is_file() or path.stat().st_size == 0:
            raise ReleaseError(f"{path}: the report of this release has not been rendered; `make release` renders it")
        files[name] = path
    return files


def publish(text: str, report_dir: Path, paths: Paths = Paths()) -> Path:
    """Write releases/X.Y.Z/ and update CITATION.cff; returns the release folder."""
    version, latest = check_version(text, paths)
    gitinfo.check_clean(paths.root)
    commit, created = gitinfo.head(paths.root)
    current = read_snapshot(paths.processed_dir, HEAD)
    package = release_package(current.package, version, created, current.cutoff, latest, commit)
    release = Snapshot(str(version), current.folder, package, current.tables)
    if latest is None:
        changes = render_first(release)
    else:
        log = compare(open_snapshot(str(latest), paths.releases_dir), release)
        check_step(version, latest, log)
        changes = render(log)
    citation = cited(paths.citation.read_text(encoding="utf-8"), version, created[:10], commit)
    files: dict[str, Path | bytes] = {**_release_files(current, report_dir)}
    files["datapackage.json"] = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode()
    files["CHANGES.md"] = changes.encode()
    files["CITATION.cff"] = citation.encode()
    files["README.md"] = release_readme(package, yaml.safe_load(citation)).encode()
    dest = Path(paths.releases_dir) / str(version)
    _write_folder(dest, files)
    tmp = paths.citation.with_name(f".{paths.citation.name}.tmp")
    tmp.write_text(citation, encoding="utf-8")
    os.replace(tmp, paths.citation)
    return dest
