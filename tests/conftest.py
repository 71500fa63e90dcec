"""Shared fixtures: the hand-made processed dataset (tests/fixtures/tables.py) and the real one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from fixtures.tables import frames, write_processed


def pytest_configure(config):
    """Refuse to run when pytest-xdist cannot keep an ``xdist_group`` on one worker.

    The slow end-to-end modules share one expensive build per module through that mark.
    pytest-xdist 3.8 groups by rewriting node ids, which pytest 9.2 no longer reads: the
    groups then split silently and each worker rebuilds. requirements.lock pins a pair
    that works; this check stops an upgrade that breaks it.
    """
    if config.getoption("dist", "no") == "loadgroup" and pytest.version_tuple[:2] >= (9, 2):
        raise pytest.UsageError(f"pytest-xdist's --dist loadgroup does not group tests under pytest {pytest.__version__}: "
                                f"install the versions in requirements.lock (pip install -r requirements.lock)")


def pytest_runtest_setup(item):
    """``@pytest.mark.needs(ok, what)``: a missing build or tool fails the test with what to do, never skips it."""
    for mark in item.iter_markers("needs"):
        ok, what = mark.args
        if not ok:
            pytest.fail(f"needs {what}", pytrace=False)


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
