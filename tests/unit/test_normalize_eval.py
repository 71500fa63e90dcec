"""The evaluation phrases (tests/fixtures/normalize_eval): the share read as expected.

The development set guards against regressions of the forms it covers; the held-out
set, never tuned on, is measured and printed only (benchmarks/eval_normalize.py prints
both with the phrases missed).
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "eval_normalize.py"


@pytest.fixture(scope="module")
def evaluation():
    spec = importlib.util.spec_from_file_location("eval_normalize", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_development_phrases_read_as_a_careful_coder_would(evaluation):
    out = io.StringIO()
    result = evaluation.evaluate("dev", show_failures=True, out=out)
    right, total = result["all"]
    assert right / total >= 0.95, out.getvalue()


def test_held_out_phrases_are_measured(evaluation):
    out = io.StringIO()
    result = evaluation.evaluate("heldout", out=out)
    right, total = result["all"]
    assert total >= 60 and set(result) >= {"date", "money", "count", "place"}
    assert out.getvalue().startswith(f"heldout: {right}/{total} = ")
    print(out.getvalue())
