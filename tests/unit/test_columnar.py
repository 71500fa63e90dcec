"""analysis.columnar: compute once per distinct value, spread back to every row."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.columnar import distinct


def test_distinct_values_and_codes_of_one_column():
    d = distinct(pd.Series(["b", "a", None, "b", float("nan"), "a"]))
    assert d.values == ["b", "a", None]
    assert d.codes.tolist() == [0, 1, 2, 0, 2, 1]


def test_map_calls_once_per_distinct_value():
    calls = []
    out = distinct(["x", "y", "x", "x"]).map(lambda v: calls.append(v) or v * 2)
    assert out.tolist() == ["xx", "yy", "xx", "xx"] and calls == ["x", "y"]


def test_distinct_combinations_of_several_columns():
    d = distinct(["a", "a", "b", "a"], [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 1), dt.date(2024, 1, 1)])
    assert d.values == [("a", dt.date(2024, 1, 1)), ("a", dt.date(2024, 1, 2)), ("b", dt.date(2024, 1, 1))]
    assert d.codes.tolist() == [0, 1, 2, 0]
    assert d.map(lambda v, r: f"{v}{r.day}").tolist() == ["a1", "a2", "b1", "a1"]


def test_spread_keeps_tuples_whole_and_checks_lengths():
    d = distinct(["p", "q", "p"])
    assert d.spread([("A", 1), ("B",)]).tolist() == [("A", 1), ("B",), ("A", 1)]
    with pytest.raises(ValueError, match="3 results for 2 distinct values"):
        d.spread([1, 2, 3])


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="columns differ in length"):
        distinct(["a", "b"], ["c"])


def test_a_million_rows_cost_their_distinct_values():
    rng = np.random.default_rng(0)
    column = pd.Series(np.array(["about 300", "six men", "Chechnya"], dtype=object)[rng.integers(0, 3, 1_000_000)])
    calls = []
    out = distinct(column).map(lambda v: calls.append(v) or len(v), dtype=np.int64)
    assert len(out) == 1_000_000 and len(calls) == 3 and out.dtype == np.int64
