"""Columnar helpers: compute once per distinct value, spread the result back to the rows.

Real columns repeat a few values many times (a million records hold some thousands of
distinct phrases, a few dozen distinct regions). Every step that reads, checks or
counts such a column does it once per distinct value (or distinct combination of
values) and spreads the answer back to the rows with one array take. These are the
helpers for that, shared by the cleaning step, the normalisers and the aggregations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def distinct(*columns) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row's combination of values, the first row of each code).

    Codes are numbered in order of first appearance; a missing value is a value of its
    own. ``columns`` are equally long Series, arrays or lists.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        key, _ = pd.factorize(key * (len(uniques) + 1) + codes + 1)
    _, first = np.unique(key, return_index=True)
    return key, first


def pick(values, rows) -> list:
    """``values`` at ``rows`` as a list: a Series or an array is indexed, a list is taken
    as already one per row, anything else is one value for all (missing values are None)."""
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
    """Text values (a Series, a list, an Arrow array) as an Arrow array of large strings."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def among(column, allowed) -> np.ndarray:
    """Whether each value is one of ``allowed`` (a missing value is not)."""
    allowed = allowed if isinstance(allowed, (pa.Array, pa.ChunkedArray, pd.Series)) else list(allowed)
    return pc.is_in(as_text(column), value_set=as_text(allowed)).fill_null(False).to_numpy(zero_copy_only=False)


def spread(values: list, codes: np.ndarray, dtype: str):
    """A column holding ``values[code]`` in each row, ``values[-1]`` where the code is -1.

    ``dtype`` is a pandas dtype, or "date" for days (datetime64[ns]).
    """
    if dtype == "date":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]").array.take(codes)
    return pd.array(values, dtype=dtype).take(codes)


def ranks(values: pa.Array) -> np.ndarray:
    """The rank of each text in sorted order (equal texts, equal ranks)."""
    order = pc.sort_indices(values).to_numpy()
    ordered = values.take(order)
    new = np.ones(len(values), dtype=bool)
    new[1:] = pc.not_equal(ordered[1:], ordered[:-1]).to_numpy(zero_copy_only=False)
    out = np.empty(len(values), dtype=np.int64)
    out[order] = np.cumsum(new) - 1
    return out
