"""Column-wise normalisers: each distinct phrase is parsed once.

Real columns repeat a few phrases many times ("about 300", "Chechnya"). These helpers
factorise the column with pandas, parse the distinct values (or distinct (value,
reference) pairs for dates) and spread the results back with one array take, so a
column of a million rows costs what its distinct phrases cost.
"""

from __future__ import annotations

from typing import Any, Callable

from analysis.codebook import MULTI_SEP

from .counts import parse_count
from .dates import parse_date
from .money import parse_money
from .places import resolve_place


def _parse_distinct(values: Any, func: Callable[..., Any], reference: Any = None, **kwargs: Any):
    """Parse each distinct value (or (value, reference) pair) once.

    Returns (series, codes, results): ``results[codes]`` is the parsed column.
    """
    import numpy as np
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    per_row_ref = reference is not None and not _is_scalar(reference)
    if per_row_ref:
        refs = reference if isinstance(reference, pd.Series) else pd.Series(reference)
        if len(refs) != len(series):
            raise ValueError(f"reference has {len(refs)} rows; the column has {len(series)}")
        ref_codes, ref_uniques = pd.factorize(refs, use_na_sentinel=True)
        width = len(ref_uniques) + 1
        pair = (codes.astype(np.int64) + 1) * width + (ref_codes.astype(np.int64) + 1)
        pair_codes, pair_uniques = pd.factorize(pair)
        results = np.empty(len(pair_uniques), dtype=object)
        for k, p in enumerate(pair_uniques):
            v_code, r_code = divmod(int(p), width)
            value = None if v_code == 0 else uniques[v_code - 1]
            ref = None if r_code == 0 else ref_uniques[r_code - 1]
            results[k] = func(value, reference=ref, **kwargs)
        return series, pair_codes, results
    extra = dict(kwargs)
    if reference is not None:
        extra["reference"] = reference
    results = np.empty(len(uniques) + 1, dtype=object)
    results[0] = func(None, **extra)  # missing values
    for k, value in enumerate(uniques, start=1):
        results[k] = func(value, **extra)
    return series, codes + 1, results


def normalize_column(values: Any, func: Callable[..., Any], reference: Any = None, **kwargs: Any):
    """Apply ``func`` to every distinct value of a column; returns an object Series.

    ``values`` is anything pandas.Series accepts (missing values stay missing: ``func``
    sees None). ``reference`` is passed to ``func`` as ``reference=``: either one value
    for all rows or a column of the same length (per-row publication dates), in which
    case distinct (value, reference) pairs are parsed once each. Other keyword arguments
    go to ``func``.
    """
    import pandas as pd

    series, codes, results = _parse_distinct(values, func, reference, **kwargs)
    return pd.Series(results[codes], index=series.index, dtype=object, name=series.name)


def _frame(series, codes, results, columns: dict[str, tuple[Callable[[Any], Any], str]]):
    """A frame whose columns are computed on the distinct results, then spread to rows."""
    import pandas as pd

    data = {}
    for name, (getter, dtype) in columns.items():
        small = pd.array([getter(r) if r is not None and r != [] else None for r in results], dtype=dtype)
        data[name] = small.take(codes)
    return pd.DataFrame(data, index=series.index)


def _is_scalar(value: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_scalar(value) or hasattr(value, "isoformat")


def count_table(values: Any):
    """Head-counts of a column: ``low``, ``best``, ``high`` (Int64) and ``qualifier``."""
    series, codes, results = _parse_distinct(values, parse_count)
    return _frame(series, codes, results, {
        "low": (lambda c: c.low, "Int64"),
        "best": (lambda c: c.best, "Int64"),
        "high": (lambda c: c.high, "Int64"),
        "qualifier": (lambda c: c.qualifier, "string"),
    })


def money_table(values: Any):
    """Amounts of a column: ``amount``, ``amount_high``, ``currency``, ``qualifier``,
    ``usd``, ``usd_high``, ``usd_qualifier`` (stated dollar equivalents only)."""
    series, codes, results = _parse_distinct(values, parse_money)
    cols = ("amount", "amount_high", "currency", "qualifier", "usd", "usd_high", "usd_qualifier")
    types = ("Float64", "Float64", "string", "string", "Float64", "Float64", "string")
    return _frame(series, codes, results, {c: ((lambda m, c=c: getattr(m, c)), t) for c, t in zip(cols, types)})


def date_table(values: Any, reference: Any = None):
    """Dates of a column: ``start``, ``end`` (datetime64[s], NaT when open or unknown) and
    ``precision``; ``reference`` is one publication date or a column of them."""
    import pandas as pd

    series, codes, results = _parse_distinct(values, parse_date, reference=reference)

    def days(attr: str):
        small = pd.to_datetime(pd.Series([getattr(d, attr) if d is not None else None for d in results], dtype=object))
        return pd.Series(small.to_numpy(dtype="datetime64[s]")[codes], index=series.index)

    return pd.DataFrame(
        {
            "start": days("start"),
            "end": days("end"),
            "precision": pd.array([d.precision if d is not None else None for d in results], dtype="string").take(codes),
        },
        index=series.index,
    )


def place_table(values: Any, include_demonyms: bool = False):
    """Places of a column, several joined by ``codebook.MULTI_SEP``: ``codes``,
    ``names``, ``countries``, ``localities`` (empty strings where a place has none) and
    ``occupation_statuses``; missing when the phrase names no place."""
    series, codes, results = _parse_distinct(values, resolve_place, include_demonyms=include_demonyms)

    def join(attr: str):
        return lambda places: MULTI_SEP.join((getattr(p, attr) or "") for p in places) if places else None

    return _frame(series, codes, results, {
        col: (join(attr), "string")
        for col, attr in (("codes", "code"), ("names", "name"), ("countries", "country"), ("localities", "locality"), ("occupation_statuses", "occupation_status"))
    })
