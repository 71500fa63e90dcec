"""Shared fixtures: the hand-made processed dataset (tests/fixtures/tables.py) and the real one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from fixtures.tables import frames, write_processed


@pytest.fixture(scope="session")
def processed_dir(tmp_path_factory) -> Path:
    """A folder with the fixture's six tables as parquet and csv."""
    return write_processed(tmp_path_factory.mktemp("processed"))


@pytest.fixture()
def tables() -> dict[str, pd.DataFrame]:
    """The fixture tables as typed DataFrames (a fresh copy per test)."""
    return frames()


@pytest.fixture(scope="session")
def real_processed_dir() -> Path:
    """data/processed as the pipeline built it (`make test` builds it first; a missing build fails, never skips)."""
    path = Path(config.PROCESSED_DIR)
    if not (path / "incidents.parquet").exists():
        pytest.fail(f"{path} has not been built: run `make data` (make test does) before the data tests")
    return path
