"""The normalisers' section of the benchmarks: rendering and rewriting it alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", _BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run():
    return _module("run")


FIGURES = {
    "dates": {"rows": 5000, "distinct": 360, "ours_s": 0.3, "dateparser_s": 6.0, "ratio": 20.0, "agree": 900, "ours_dates": 4900,
              "dateparser_dates": 1300, "eval_phrases": 60, "eval_ours_right": 59, "eval_dateparser_right": 15,
              "measured": "2026-11-30T00:00:00"},
    "check": {"runs": 5, "median_s": 1.2, "min_s": 1.1, "max_s": 1.4, "median_cpu_s": 1.1, "cold_cache_s": 6.0,
              "cold_cache_cpu_s": 5.0, "load_average": 0.5, "measured": "2026-11-30T00:00:00"},
}


def test_the_section_shows_both_readers_and_the_check(run):
    text = "\n".join(run.normalize_lines(FIGURES))
    assert "| `parse_date` | 0.30 | 4,900 | 59 of 60 |" in text
    assert "| `dateparser.parse` | 6.00 | 1,300 | 15 of 60 |" in text
    assert "dateparser takes 20.0× the time; the two agree on 900 of 5,000 rows (18%)" in text
    assert "median **1.2 s** wall" in text and "Target 1.5 s of wall time: met" in text


def test_a_failed_measure_is_said_not_hidden(run):
    text = "\n".join(run.normalize_lines({"dates": {"error": "ImportError: x"}, "check": {"error": "CalledProcessError: y"}}))
    assert "not measured: ImportError: x" in text and "not measured: CalledProcessError: y" in text


def test_only_the_normalisers_section_is_rewritten(run):
    before = "# Benchmarks\n\n## Targets\n\nkept\n\n## Normalisers\n\nold figures\n\n## Profile\n\nkept too\n"
    after = run.replace_section(before, "## Normalisers", ["## Normalisers", "", "new figures", ""])
    assert after == "# Benchmarks\n\n## Targets\n\nkept\n\n## Normalisers\n\nnew figures\n\n## Profile\n\nkept too\n"
    assert run.replace_section("# Benchmarks\n", "## Normalisers", ["## Normalisers", "", "x"]).endswith("\n## Normalisers\n\nx\n")


def test_the_date_column_mixes_evaluation_and_template_phrases():
    bench = _module("bench_normalize")
    texts, refs = bench.date_column(500)
    assert len(texts) == len(refs) == 500 and len(set(texts)) > 50
    assert "2022-09" in set(bench.date_column(20_000)[0])
