"""What a release needs to know from git: is the working tree clean, which commit is it."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from .errors import ReleaseError

#: Files listed in a refusal before "and N more".
_SHOWN = 10


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    except OSError as exc:
        raise ReleaseError(f"git is needed to cut a release and could not be run ({exc})") from exc
    if done.returncode != 0:
        raise ReleaseError(f"{root}: `git {' '.join(args)}` failed: {done.stderr.strip() or done.returncode}; "
                           "a release is cut from a commit of a git checkout")
    return done.stdout


def uncommitted(root: Path) -> list[str]:
    """`git status` lines of every change not committed, untracked files and folders included (ignored ones not)."""
    return [line for line in _git(root, "status", "--porcelain=v1", "--untracked-files=normal").splitlines() if line.strip()]


def check_clean(root: Path) -> None:
    """Refuse a working tree with uncommitted changes: a release must be rebuildable from its commit."""
    dirty = uncommitted(root)
    if dirty:
        shown = ", ".join(line.strip() for line in dirty[:_SHOWN]) + (f" and {len(dirty) - _SHOWN} more" if len(dirty) > _SHOWN else "")
        raise ReleaseError(
            f"the working tree has uncommitted changes ({shown}); a release is built from a commit so that anyone "
            "can rebuild it: commit or stash them, then run `make release` again"
        )


def head(root: Path) -> tuple[str, str]:
    """The commit checked out and its commit time in UTC (RFC 3339), which dates the release.

    The commit's own time, not the clock: the same commit released twice gives the same bytes.
    """
    out = _git(root, "log", "-1", "--format=%H %ct").split()
    if len(out) != 2:
        raise ReleaseError(f"{root}: no commit checked out; commit the project before cutting a release")
    created = dt.datetime.fromtimestamp(int(out[1]), tz=dt.timezone.utc)
    return out[0], created.strftime("%Y-%m-%dT%H:%M:%SZ")
