"""Paths and defaults of the project, in one place.

Every path can be overridden by an environment variable (documented in README.md),
so that tests, CI and a reviewer's machine can point the pipeline elsewhere without
editing code.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Root of the repository (src/analysis/config.py -> two levels up from src/).
PROJECT_ROOT = Path(os.environ.get("COERCION_ROOT", Path(__file__).resolve().parents[2]))


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).resolve() if value else default


DATA_DIR = _path("COERCION_DATA_DIR", PROJECT_ROOT / "data")
RAW_DIR = _path("COERCION_RAW_DIR", DATA_DIR / "raw")
REFERENCE_DIR = _path("COERCION_REFERENCE_DIR", DATA_DIR / "reference")
PROCESSED_DIR = _path("COERCION_PROCESSED_DIR", DATA_DIR / "processed")
#: The archive of captured source texts. The texts are copyrighted and are not part of
#: the repository; the default is the shared archive beside the checkout.
SOURCES_DIR = _path("COERCION_SOURCES_DIR", PROJECT_ROOT.parent / "shared" / "sources")
BUILD_DIR = _path("COERCION_BUILD_DIR", PROJECT_ROOT / "build")
#: Caches rebuilt from their inputs when these change (the place gazetteer): safe to delete.
CACHE_DIR = _path("COERCION_CACHE_DIR", BUILD_DIR / "cache")
#: Quarto's own YAML schemas (its src/resources/schema/), which the tests check the report's
#: sources against. Not part of the repository; the default is the shared copy.
QUARTO_SCHEMA_DIR = _path("COERCION_QUARTO_SCHEMA_DIR", PROJECT_ROOT.parent / "shared" / "reference" / "quarto-schema-1.10.18")
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
REPORT_OUTPUT_DIR = _path("COERCION_REPORT_DIR", REPORTS_DIR / "output")


#: Name under which `make lab` registers the project's Jupyter kernel.
KERNEL_NAME = "coercion-monitor"
KERNEL_DISPLAY_NAME = "Python (coercion monitor)"
