"""The benchmarks' synthetic archive, and the build's two-process path that large archives take.

The benchmarks themselves (timings) run with `make bench`, not here; these tests check that
what they measure is the real pipeline on data it accepts, and that the helper process a
large archive gets changes nothing in the outputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import build, config
from analysis.reference import Reference
from analysis.clean import helper

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import synthetic  # noqa: E402

N = 1_000


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    synthetic.generate(N, root, seed=3, quiet=True)
    return root


def _build(root: Path, out: Path) -> build.Build:
    return build.run(raw_dir=root / "raw", sources_dir=root / "sources", reference_dir=config.REFERENCE_DIR,
                     processed_dir=out, today=synthetic.TODAY, root=root)


def test_the_synthetic_archive_is_clean_input_marked_synthetic(archive, tmp_path):
    b = _build(archive, tmp_path / "processed")
    # Every generated record is accounted for, and the archive has the variety it claims.
    assert b.n_records == N
    assert b.n_incidents + b.n_merged + b.n_rejected == N
    assert b.n_merged > 0 and b.n_rejected > 0
    kinds = set(b.tables["incidents"]["event_kind"])
    assert kinds == {"incident", "practice", "context"}
    # It can never pass for the real dataset: every source is marked synthetic.
    sources = b.tables["sources"]
    assert sources["source_id"].str.startswith("synthetic-").all()
    assert (sources["outlet"] == synthetic.OUTLET).all()
    assert (tmp_path / "processed" / "incidents.csv").read_text(encoding="utf-8").count("\n") == b.n_incidents + 1


def test_the_helper_process_gives_the_same_bytes(archive, tmp_path, monkeypatch):
    alone = tmp_path / "alone"
    _build(archive, alone)
    monkeypatch.setattr(helper, "HELPER_MIN_RAW_BYTES", 0)
    assert helper.Helper.for_archive(archive / "raw", Reference().boundaries_path) is not None, "this machine cannot fork a helper"
    with_helper = tmp_path / "helper"
    _build(archive, with_helper)
    assert (with_helper / "MANIFEST").read_text() == (alone / "MANIFEST").read_text()


def test_the_helper_process_reports_the_same_problems(archive, tmp_path, monkeypatch):
    # A bad phrase in a bulk file: the helper reads it, and the message is the one the
    # build gives without the helper.
    raw = tmp_path / "raw"
    (raw / "incidents").mkdir(parents=True)
    (raw / "sources.csv").write_bytes((archive / "raw" / "sources.csv").read_bytes())
    first = sorted((archive / "raw" / "incidents").glob("*.csv"))[0]
    table = pd.read_csv(first, dtype=str, keep_default_na=False)
    row = table.index[table["date_phrase"] != ""][0]
    table.loc[row, "date_phrase"] = "the thirty-second of Smarch"
    table.loc[row, "date_quote"] = ""
    table.to_csv(raw / "incidents" / first.name, index=False)

    def problems() -> str:
        with pytest.raises(build.BuildError) as err:
            build.run(raw_dir=raw, sources_dir=archive / "sources", reference_dir=config.REFERENCE_DIR, processed_dir=None,
                      today=synthetic.TODAY, root=tmp_path)
        return err.value.report()

    alone = problems()
    monkeypatch.setattr(helper, "HELPER_MIN_RAW_BYTES", 0)
    assert problems() == alone
    assert f"incidents/{first.name}:{row + 2}" in alone and "field 'date'" in alone and "Smarch" in alone
