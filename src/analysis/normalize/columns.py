"""Column-wise normalisers: each distinct phrase is parsed once.

Real columns repeat a few phrases many times ("about 300", "Chechnya"). These helpers
take the distinct values (or distinct (value, reference) pairs for dates with per-row
publication dates) with ``analysis.columnar.distinct``, parse those, and spread the
results back with one array take, so a column of a million rows costs what its distinct
phrases cost.
"""

from __future__ import annotations

from typing import Any, Callable

from analysis.codebook import MULTI_SEP
from analysis.columnar import Distinct, distinct

from .counts import parse_count
from .dates import parse_date
from .money import parse_money
from .places import resolve_place


def _is_scalar(value: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_scalar(value) or hasattr(value, "isoformat")


def _series(values: Any):
    import pandas as pd

    return values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)


def _parse_distinct(values: Any, func: Callable[..., Any], reference: Any = None, **kwargs: Any) -> tuple[Any, Distinct, list]:
    """(the column as a Series, its distinct values, ``func`` of each distinct value).

    With a per-row ``reference`` column, the distinct values are (value, reference) pairs.
    """
    series = _series(values)
    if reference is not None and not _is_scalar(reference):
        refs = _series(reference)
        if len(refs) != len(series):
            raise ValueError(f"reference has {len(refs)} rows; the column has {len(series)}")
        d = distinct(series, refs)
        return series, d, [func(v, reference=r, **kwargs) for v, r in d.values]
    if reference is not None:
        kwargs["reference"] = reference
    d = distinct(series)
    return series, d, [func(v, **kwargs) for v in d.values]


def normalize_column(values: Any, func: Callable[..., Any], reference: Any = None, **kwargs: Any):
    """Apply ``func`` to every distinct value of a column; returns an object Series.

    ``values`` is anything pandas.Series accepts (missing values stay missing: ``func``
    sees None). ``reference`` is passed to ``func`` as ``reference=``: either one value
    for all rows or a column of the same length (per-row publication dates), in which
    case distinct (value, reference) pairs are parsed once each. Other keyword arguments
    go to ``func``.
    """
    import pandas as pd

    series, d, results = _parse_distinct(values, func, reference, **kwargs)
    return pd.Series(d.spread(results), index=series.index, dtype=object, name=series.name)


def _frame(series, d: Distinct, results: list, columns: dict[str, tuple[Callable[[Any], Any], str]]):
    """A frame whose columns are computed on the distinct results, then spread to rows."""
    import pandas as pd

    data = {}
    for name, (getter, dtype) in columns.items():
        small = pd.array([getter(r) if r is not None and r != [] else None for r in results], dtype=dtype)
        data[name] = small.take(d.codes)
    return pd.DataFrame(data, index=series.index)


def count_table(values: Any):
    """Head-counts of a column: ``low``, ``best``, ``high`` (Int64) and ``qualifier``."""
    series, d, results = _parse_distinct(values, parse_count)
    return _frame(series, d, results, {
        "low": (lambda c: c.low, "Int64"),
        "best": (lambda c: c.best, "Int64"),
        "high": (lambda c: c.high, "Int64"),
        "qualifier": (lambda c: c.qualifier, "string"),
    })


def money_table(values: Any, currency: str | None = None):
    """Amounts of a column: ``amount``, ``amount_high``, ``currency``, ``qualifier``,
    ``usd``, ``usd_high``, ``usd_qualifier`` (stated dollar equivalents only) and ``per``;
    ``currency`` is the currency of phrases that name none."""
    series, d, results = _parse_distinct(values, parse_money, currency=currency)
    cols = ("amount", "amount_high", "currency", "qualifier", "usd", "usd_high", "usd_qualifier", "per")
    types = ("Float64", "Float64", "string", "string", "Float64", "Float64", "string", "string")
    return _frame(series, d, results, {c: ((lambda m, c=c: getattr(m, c)), t) for c, t in zip(cols, types)})


def date_table(values: Any, reference: Any = None):
    """Dates of a column: ``start``, ``end`` (datetime64[s], NaT when open or unknown),
    ``precision``, ``start_bound`` and ``end_bound``; ``reference`` is one publication date
    or a column of them."""
    import pandas as pd

    series, d, results = _parse_distinct(values, parse_date, reference=reference)

    def days(attr: str):
        small = pd.to_datetime(pd.Series([getattr(x, attr) if x is not None else None for x in results], dtype=object))
        return pd.Series(small.to_numpy(dtype="datetime64[s]")[d.codes], index=series.index)

    def text(attr: str):
        return pd.array([getattr(x, attr) if x is not None else None for x in results], dtype="string").take(d.codes)

    return pd.DataFrame(
        {"start": days("start"), "end": days("end"), "precision": text("precision"),
         "start_bound": text("start_bound"), "end_bound": text("end_bound")},
        index=series.index,
    )


def place_table(values: Any, include_demonyms: bool = False, gazetteer: Any = None):
    """Places of a column, several joined by ``codebook.MULTI_SEP``: ``codes``,
    ``names``, ``countries``, ``localities`` (empty strings where a place has none),
    ``occupation_statuses`` and ``groups`` (empty where a place is no macro-region);
    missing when the phrase names no place."""
    series, d, results = _parse_distinct(values, resolve_place, include_demonyms=include_demonyms, gazetteer=gazetteer)

    def join(attr: str):
        return lambda places: MULTI_SEP.join((getattr(p, attr) or "") for p in places) if places else None

    return _frame(series, d, results, {
        col: (join(attr), "string")
        for col, attr in (("codes", "code"), ("names", "name"), ("countries", "country"), ("localities", "locality"),
                          ("occupation_statuses", "occupation_status"), ("groups", "group"))
    })
