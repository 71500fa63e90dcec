"""Readings of the phrases: each distinct date, place, count or amount read once.

A reading is ``(problem, value)``: ``problem`` is None or (message, accepted, shown value)
for the coder, ``value`` what the normaliser read. The checks that need the record (its
kind, its source's publication date) are applied here to the distinct phrase with those
facts, so a million records cost what their distinct phrases cost.
"""

from __future__ import annotations

import datetime as dt
import re

from .misread import ISO_DATE_RE, is_calendar_date, misread, reversed_span, written_numbers

#: Persons above this in one incident are refused as absurd (context figures are exempt:
#: a population of migrants may be millions).
MAX_PERSONS_PER_INCIDENT = 1_000_000
ACCEPTED = {
    "date": "a date phrase such as '7 April 2025', 'early September 2022', 'in the fall of 2024', "
    "'between October 31 and December 31, 2024', 'since March 2023', or a coder value in those forms",
    "place": "a first-level region of Russia or Ukraine, a town, or a country, by name (e.g. 'Chechnya', "
    "'Zaporizhzhia', 'occupied Crimea', 'Novosibirsk', 'Uzbekistan'), or an ISO 3166-2 code in 'value'",
    "count": "a phrase with a head-count such as 'six men', 'at least 7', 'approximately 300', '300-350', "
    "or a number in 'value'; leave the key out when the source gives no number",
    "money": "an amount with a currency such as '1.5 million rubles (over $17,000)', '$2,000', '500 EUR'",
}


class Normalisers:
    """The normalisers, each phrase parsed once (real archives repeat phrases a lot).

    The normalisers promise never to raise. Should one break that promise on some text,
    the text reads as "no value" (which the checks report with its file, record and
    field) and ``why(text)`` gives the error for the message, so one bad phrase does not
    end the build with a traceback that names none of them.
    """

    def __init__(self):
        from .. import normalize

        self.n = normalize
        self._count: dict = {}
        self._date: dict = {}
        self._place: dict = {}
        self._money: dict = {}
        self._failed: dict[str, str] = {}

    def _parse(self, cache: dict, key, text: str, parse, empty=None):
        try:
            return cache[key]
        except KeyError:
            pass
        try:
            r = parse()
        except Exception as e:  # noqa: BLE001 - reported as a problem of the record, see why()
            self._failed[text] = f"{type(e).__name__}: {e}"
            r = empty
        cache[key] = r
        return r

    def why(self, text: str) -> str:
        """' (the normaliser failed: ...)' when it raised on the text, else ''."""
        return f" (the normaliser failed on it: {self._failed[text]})" if text in self._failed else ""

    def count(self, text: str):
        return self._parse(self._count, text, text, lambda: self.n.parse_count(text))

    def date(self, text: str, reference: dt.date | None):
        return self._parse(self._date, (text, reference), text, lambda: self.n.parse_date(text, reference=reference))

    def place(self, text: str):
        return self._parse(self._place, text, text, lambda: tuple(self.n.resolve_place(text)), empty=())

    def money(self, text: str):
        return self._parse(self._money, text, text, lambda: self.n.parse_money(text))


_ISO_CODES_RE = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?(?:\s*[,;|]\s*[A-Z]{2}(?:-[A-Z0-9]{1,3})?)*")


def places_from_codes(text: str, regions: dict[str, tuple[str, str]]):
    """Places for a coder's value written as ISO codes ("RU-CE", "UA-65, UA-23", "UZ").

    None when the text is not a list of codes (the normaliser reads it instead); an empty
    list when a code is unknown, which is reported like an unknown place name.
    """
    if not _ISO_CODES_RE.fullmatch(text.strip()):
        return None
    import pycountry

    from ..normalize import Place

    places = []
    for code in re.split(r"\s*[,;|]\s*", text.strip()):
        if "-" in code:
            if code not in regions:
                return []
            name, status = regions[code]
            places.append(Place(code, name, code[:2], None, status))
        else:
            country = pycountry.countries.get(alpha_2=code)
            if country is None:
                return []
            places.append(Place(code, country.name, code))
    return places


def period_end(d: dt.date, precision: str) -> dt.date:
    if precision == "month":
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    if precision == "year":
        return dt.date(d.year, 12, 31)
    return d


def known_currency(code: str | None) -> bool:
    if not code:
        return False
    import pycountry

    return pycountry.currencies.get(alpha_3=code) is not None


# ---- readings of one distinct phrase: (problem, value); problem is (message, accepted, shown value)


def read_date(norm, text: str, pub_date: dt.date | None, pub_precision: str, today: dt.date):
    span = norm.date(text, pub_date)
    invalid = [m.group() for m in ISO_DATE_RE.finditer(text) if not is_calendar_date(*m.groups())]
    if invalid:
        return (f"{invalid[0]} is not a date of the calendar", "a real date, YYYY-MM-DD or e.g. '7 April 2025'", text), None
    if span is None:
        ends = reversed_span(norm, text, pub_date)
        if ends:
            a, b = ends
            return (f"the end date is before the start date ({a.start.isoformat()} > {b.end.isoformat()})",
                    "a span whose start comes first, e.g. 'between 1 and 30 September 2022'", text), None
        return ("cannot read a date" + norm.why(text), ACCEPTED["date"], text), None
    if span.start and span.end and span.start > span.end:
        return ("the end date is before the start date", "a span whose start comes first", text), None
    if (span.start and span.start > today) or (span.end and span.end > today and span.precision == "day"):
        return (f"in the future (today is {today.isoformat()})", "a date that has happened", text), None
    if pub_date and span.start and span.start > period_end(pub_date, pub_precision):
        return (f"after the source's publication ({pub_date.isoformat()})", "a date before the source was published; check the year",
                text), None
    end = span.end
    if end and pub_date and end > period_end(pub_date, pub_precision):
        # A source cannot report events after it was published: clip the span.
        end = period_end(pub_date, pub_precision)
    return None, (span.start, end, span.precision)


def read_place(norm, text: str, is_value: bool, regions: dict[str, tuple[str, str]]):
    places = places_from_codes(text, regions) if is_value else None
    if places is None:
        places = norm.place(text)
    if not places:
        return ("no place recognised" + norm.why(text), ACCEPTED["place"], text), ()
    return None, tuple(places)


def read_count(norm, text: str, is_value: bool, is_figure: bool, is_context: bool):
    c = norm.count(text)
    if c is None and (why := misread(text, written_numbers(text), False)):
        # The normaliser refuses "-6", "2.5" or "between 60 and 6": say why.
        return (*why, text), None
    if c is None:
        # A figure must have a number; a count phrase without digits ("several members"
        # the normaliser cannot read) is a count unknown, as when the key is left out.
        if is_figure or is_value or any(ch.isdigit() for ch in text) or norm.why(text):
            return (f"cannot read a {'figure' if is_figure else 'number'}{norm.why(text)}", ACCEPTED["count"], text), None
        return None, None
    vals = [v for v in (c.low, c.best, c.high) if v is not None]
    if any(v < 0 for v in vals):
        return ("a negative count", "zero or more persons", text), None
    if why := misread(text, frozenset(vals), c.qualifier == "range"):
        return (*why, text), None
    if not is_context and any(v > MAX_PERSONS_PER_INCIDENT for v in vals):
        return (f"over {MAX_PERSONS_PER_INCIDENT:,} persons in one record is not plausible",
                f"a count up to {MAX_PERSONS_PER_INCIDENT:,}; code a population as a context record", text), None
    if c.low is not None and c.high is not None and c.low > c.high:
        return ("the lower bound is above the upper bound", "low <= high", text), None
    return None, c


def read_money(norm, phrase: str):
    money = norm.money(phrase)
    if money is None:
        return ("cannot read an amount and currency" + norm.why(phrase), ACCEPTED["money"], phrase), None
    if why := misread(phrase, frozenset({money.amount, money.amount_high} - {None}), money.qualifier == "range", whole=False):
        return (*why, phrase), None
    if not known_currency(money.currency):
        return ("unknown currency", "an ISO 4217 currency (RUB, USD, EUR, UAH, ...)", money.currency), None
    return None, money


def read_phrases(kind: str, items: list[tuple], regions: dict, today: dt.date | None = None, norm=None) -> list:
    """The readings of distinct phrases: dates (text, publication date, its precision), places
    (text, is a coder's value) or counts (text, is a coder's value, is a figure, is a context record)."""
    norm = norm or helper_normalisers()
    if kind == "date":
        return [read_date(norm, text, pub_date, pub_precision, today) for text, pub_date, pub_precision in items]
    if kind == "place":
        return [read_place(norm, text, is_value, regions) for text, is_value in items]
    return [read_count(norm, text, is_value, is_figure, is_context) for text, is_value, is_figure, is_context in items]


def request_readings(kind: str, items: list[tuple], norm, helper, regions: dict, today: dt.date):
    """A function giving the readings of the phrases: read now, or by the helper process meanwhile."""
    if helper is None:
        results = read_phrases(kind, items, regions, today, norm)
        return lambda: results
    future = helper.submit(read_phrases, kind, items, regions, today)

    def result():
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - the helper died (killed, out of memory): read here instead
            return read_phrases(kind, items, regions, today, norm)

    return result


_HELPER_NORMALISERS: list = []  # the helper process's normalisers (and their caches)


def helper_normalisers() -> Normalisers:
    if not _HELPER_NORMALISERS:
        _HELPER_NORMALISERS.append(Normalisers())
    return _HELPER_NORMALISERS[0]


def warm_up() -> None:
    helper_normalisers().place("Moscow")  # loads the gazetteer

