"""Compute once per distinct value, spread back to every row.

Real columns repeat a few values many times ("about 300", "Chechnya", one publication
date per source): the cleaning step, the aggregations and the normalisers all work on
the distinct values (or distinct combinations of several columns) and spread the
results back to the rows with one array take, so a million rows cost what their
distinct values cost.

    >>> d = distinct(["a", "b", None, "a"])
    >>> d.values
    ['a', 'b', None]
    >>> d.codes.tolist()
    [0, 1, 2, 0]
    >>> d.map(lambda v: v and v.upper()).tolist()
    ['A', 'B', None, 'A']
    >>> distinct(["x", "x", "y"], [1, 2, 1]).values
    [('x', 1), ('x', 2), ('y', 1)]

Missing values (None, NaN, pandas NA/NaT) are one distinct value, ``None``, placed last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

#: Largest product of distinct counts combined in one int64 code; past it the columns are
#: combined two at a time (each step factorises again, so the codes stay small).
_MAX_COMBINED = 1 << 62


@dataclass(frozen=True)
class Distinct:
    """The distinct values of one column (or combinations of several) and where each row's is.

    ``values[codes[i]]`` is row i's value (a tuple for several columns); ``len(values)``
    is at most the number of rows.
    """

    codes: np.ndarray  # int64, one per row
    values: list

    def __len__(self) -> int:
        return len(self.values)

    @property
    def first(self) -> np.ndarray:
        """The first row of each distinct value, in the order of ``values``."""
        return np.unique(self.codes, return_index=True)[1]

    def spread(self, results: Sequence[Any] | np.ndarray, dtype: Any = object) -> np.ndarray:
        """The row-level array of per-distinct ``results`` (one per value, in order)."""
        small = np.asarray(results, dtype=dtype) if dtype is not object else _object_array(results)
        if len(small) != len(self.values):
            raise ValueError(f"{len(small)} results for {len(self.values)} distinct values")
        return small[self.codes]

    def map(self, func: Callable[..., Any], dtype: Any = object) -> np.ndarray:
        """``func`` of each distinct value (unpacked for several columns), spread to rows."""
        results = [func(*v) for v in self.values] if self._several else [func(v) for v in self.values]
        return self.spread(results, dtype)

    _several: bool = False


def _object_array(items: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):  # element by element: tuples and lists stay whole
        out[i] = item
    return out


def _factorize_one(column: Any) -> tuple[np.ndarray, list]:
    import pandas as pd

    values = column if isinstance(column, (pd.Series, pd.Index, np.ndarray)) else _object_array(list(column))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    listed = [None if _missing(u) else (u.item() if isinstance(u, np.generic) else u) for u in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(listed), codes)
        listed.append(None)
    return codes, listed


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN, NaT, pandas NA
    except (TypeError, ValueError):
        return False


def distinct(*columns: Any) -> Distinct:
    """The distinct values of a column, or distinct rows of several equally long columns.

    Each column is anything ``pandas.factorize`` takes (Series, array, list).
    """
    if not columns:
        raise ValueError("distinct() needs at least one column")
    codes, values = _factorize_one(columns[0])
    if len(columns) == 1:
        return Distinct(codes, values)
    combined: list[tuple] = [(v,) for v in values]
    for column in columns[1:]:
        other_codes, other_values = _factorize_one(column)
        if len(other_codes) != len(codes):
            raise ValueError(f"columns differ in length: {len(codes)} and {len(other_codes)} rows")
        width = len(other_values)
        if len(combined) * width >= _MAX_COMBINED:
            raise ValueError("too many distinct combinations to code in 64 bits")
        pair_codes, pair_uniques = _factorize_one(codes * width + other_codes)
        combined = [combined[p // width] + (other_values[p % width],) for p in pair_uniques]
        codes = pair_codes
    return Distinct(codes, combined, _several=True)


def pick(values, rows) -> list:
    """``values`` at ``rows`` as a list: a Series or an array is indexed, a list is taken
    as already one per row, anything else is one value for all (missing values are None)."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(values, pd.Series):
        return pa.array(values.iloc[rows], from_pandas=True).to_pylist() if len(rows) else []
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.take(np.asarray(rows, dtype=np.int64)).to_pylist() if len(rows) else []
    if isinstance(values, np.ndarray):
        return values[rows].tolist()
    if isinstance(values, list):
        return values
    return [values] * len(rows)


def as_text(values) -> pa.Array:
    """Text values (a Series, a list, an Arrow array) as an Arrow array of large strings.

    (pandas and pyarrow load on first use: the normalisers import this module, and a
    coder's check that reads a few phrases should not pay for them.)"""
    import pyarrow as pa

    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def among(column, allowed) -> np.ndarray:
    """Whether each value is one of ``allowed`` (a missing value is not)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    allowed = allowed if isinstance(allowed, (pa.Array, pa.ChunkedArray, pd.Series)) else list(allowed)
    return pc.is_in(as_text(column), value_set=as_text(allowed)).fill_null(False).to_numpy(zero_copy_only=False)


def positions_in(column, values) -> np.ndarray:
    """Per row, the position of its value in ``values`` (the first, if repeated), -1 where it is
    missing or not there: a join on one text column without building a dictionary in Python."""
    import pyarrow.compute as pc

    found = pc.index_in(as_text(column), value_set=as_text(values))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def spread(values: list, codes: np.ndarray, dtype: str):
    """A column holding ``values[code]`` in each row, ``values[-1]`` where the code is -1.

    ``dtype`` is a pandas dtype, or "date" for days (datetime64[ns]).
    """
    import pandas as pd

    if dtype == "date":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]").array.take(codes)
    return pd.array(values, dtype=dtype).take(codes)


def ranks(values: pa.Array) -> np.ndarray:
    """The rank of each text in sorted order (equal texts, equal ranks)."""
    import pyarrow.compute as pc

    order = pc.sort_indices(values).to_numpy()
    ordered = values.take(order)
    new = np.ones(len(values), dtype=bool)
    new[1:] = pc.not_equal(ordered[1:], ordered[:-1]).to_numpy(zero_copy_only=False)
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.cumsum(new) - 1
    return out
