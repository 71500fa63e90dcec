"""Versioned, citable releases of the dataset, and the change log between any two.

- ``make release VERSION=X.Y.Z`` writes ``releases/X.Y.Z/`` (see :mod:`.publish`).
- ``python -m analysis.release diff A B`` prints the change log between two releases, or
  a release and ``HEAD`` (the current build in data/processed) (see :mod:`.changes`).
- :func:`current_release` tells the report which release it is built from, and the data
  cut-off, for its title page and stamp (see :mod:`.info`).
"""

from .changelog import render
from .changes import ChangeLog, compare
from .errors import ReleaseError
from .info import RELEASE_ENV, ReleaseInfo, current_release
from .snapshot import HEAD, RELEASES_DIR, Cutoff, open_snapshot, release_versions
from .versions import Bump, Version

__all__ = [
    "Bump", "ChangeLog", "Cutoff", "HEAD", "RELEASES_DIR", "RELEASE_ENV", "ReleaseError", "ReleaseInfo", "Version",
    "compare", "current_release", "open_snapshot", "release_versions", "render",
]
