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
    """data/processed when the pipeline has built it; tests that need it skip otherwise."""
    path = Path(config.PROCESSED_DIR)
    if not (path / "incidents.parquet").exists():
        pytest.skip("data/processed has not been built (run `make data`)")
    return path
