"""Readings of the phrases: each distinct date, place, count or amount read once.

A reading is ``(problem, value)``: ``problem`` is None or (message, accepted, shown value)
for the coder, ``value`` what the normaliser read. The normalisers say why they refuse a
phrase (``explain_*``: a negative number, a range written high to low, a day the calendar
lacks); the checks that need the record (its kind, its source's publication date, today)
are applied here to the distinct phrase with those facts, so a million records cost what
their distinct phrases cost.
"""

from __future__ import annotations

import datetime as dt

#: Persons above this in one incident are refused as absurd (context figures are exempt:
#: a population of migrants may be millions).
MAX_PERSONS_PER_INCIDENT = 1_000_000
#: What the money checks accept when an amount names no currency the normaliser knows.
CURRENCY_ACCEPTED = "an ISO 4217 currency (RUB, USD, EUR, UAH, ...)"
#: The refusal of a count phrase that holds no number at all ("several members" is read;
#: "the men" is not): the count is unknown, as when the key is left out.
NO_NUMBER = "cannot read a number"


class Normalisers:
    """The normalisers, each phrase parsed once (real archives repeat phrases a lot), with the
    gazetteer of the build's reference boundaries.

    The normalisers promise never to raise. Should one break that promise on some text,
    the text reads as "no value" (which the checks report with its file, record and
    field) and ``why(text)`` gives the error for the message, so one bad phrase does not
    end the build with a traceback that names none of them.
    """

    def __init__(self, gazetteer=None):
        from .. import normalize

        self.n = normalize
        self.gazetteer = gazetteer
        self._cache: dict = {}
        self._failed: dict[str, str] = {}

    def _parse(self, key, text: str, parse, empty):
        try:
            return self._cache[key]
        except KeyError:
            pass
        try:
            r = parse()
        except Exception as e:  # noqa: BLE001 - reported as a problem of the record, see why()
            self._failed[text] = f"{type(e).__name__}: {e}"
            r = empty
        self._cache[key] = r
        return r

    def why(self, text: str) -> str:
        """' (the normaliser failed: ...)' when it raised on the text, else ''."""
        return f" (the normaliser failed on it: {self._failed[text]})" if text in self._failed else ""

    def count(self, text: str):
        """(Count or None, Refusal or None)."""
        return self._parse(("count", text), text, lambda: self.n.explain_count(text), (None, None))

    def date(self, text: str, reference: dt.date | None):
        return self._parse(("date", text, reference), text, lambda: self.n.explain_date(text, reference=reference), (None, None))

    def place(self, text: str):
        """(tuple of places, Refusal or None)."""
        def read():
            places, why = self.n.explain_place(text, gazetteer=self.gazetteer)
            return tuple(places), why
        return self._parse(("place", text), text, read, ((), None))

    def money(self, text: str, currency: str | None = None):
        return self._parse(("money", text, currency), text, lambda: self.n.explain_money(text, currency=currency), (None, None))


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


def _refused(norm, why, text: str, fallback: str, accepted: str):
    """A problem from a normaliser's refusal (or its failure)."""
    reason = why.reason if why is not None else fallback
    return (reason + norm.why(text), why.accepted if why is not None else accepted, text), None


# ---- readings of one distinct phrase: (problem, value); problem is (message, accepted, shown value)


def read_date(norm, text: str, pub_date: dt.date | None, pub_precision: str, today: dt.date):
    span, why = norm.date(text, pub_date)
    if span is None:
        return _refused(norm, why, text, "cannot read a date", "a date phrase such as '7 April 2025' or 'in the fall of 2024'")
    if (span.start and span.start > today) or (span.end and span.end > today and span.precision == "day"):
        return (f"in the future (today is {today.isoformat()})", "a date that has happened", text), None
    if pub_date and span.start and span.start > period_end(pub_date, pub_precision):
        return (f"after the source's publication ({pub_date.isoformat()})", "a date before the source was published; check the year",
                text), None
    end = span.end
    if end and pub_date and end > period_end(pub_date, pub_precision):
        # A source cannot report events after it was published: clip the span.
        end = period_end(pub_date, pub_precision)
    return None, (span.start, end, span.precision, span.start_bound, span.end_bound)


def read_place(norm, text: str, is_value: bool):
    places, why = norm.place(text)
    if not places:
        return _refused(norm, why, text, "no place recognised", "a region, a town or a country by name, or an ISO 3166-2 code")
    return None, places


def read_count(norm, text: str, is_value: bool, is_figure: bool, is_context: bool):
    c, why = norm.count(text)
    if c is None:
        # A figure must have a number; a count phrase without one ("the men") is a count
        # unknown, as when the key is left out, unless it is a coder's value or has digits.
        no_number = why is None or why.reason == NO_NUMBER
        if no_number and not (is_figure or is_value or any(ch.isdigit() for ch in text) or norm.why(text)):
            return None, None
        if no_number:
            return (f"cannot read a {'figure' if is_figure else 'number'}{norm.why(text)}",
                    why.accepted if why else "a head-count such as 'six men' or 'at least 7'", text), None
        return _refused(norm, why, text, NO_NUMBER, "")
    vals = [v for v in (c.low, c.best, c.high) if v is not None]
    if not is_context and any(v > MAX_PERSONS_PER_INCIDENT for v in vals):
        return (f"over {MAX_PERSONS_PER_INCIDENT:,} persons in one record is not plausible",
                f"a count up to {MAX_PERSONS_PER_INCIDENT:,}; code a population as a context record", text), None
    return None, c


def read_money(norm, phrase: str, currency: str | None = None):
    money, why = norm.money(phrase, currency)
    if money is None or why is not None:
        return _refused(norm, why, phrase, "cannot read an amount and currency",
                        "an amount with a currency such as '1.5 million rubles (over $17,000)'")
    if not known_currency(money.currency):
        return ("unknown currency", CURRENCY_ACCEPTED, money.currency), None
    return None, money


def read_phrases(kind: str, items: list[tuple], today: dt.date | None = None, norm=None) -> list:
    """The readings of distinct phrases: dates (text, publication date, its precision), places
    (text, is a coder's value) or counts (text, is a coder's value, is a figure, is a context record)."""
    norm = norm or helper_normalisers()
    if kind == "date":
        return [read_date(norm, text, pub_date, pub_precision, today) for text, pub_date, pub_precision in items]
    if kind == "place":
        return [read_place(norm, text, is_value) for text, is_value in items]
    return [read_count(norm, text, is_value, is_figure, is_context) for text, is_value, is_figure, is_context in items]


def request_readings(kind: str, items: list[tuple], norm, helper, today: dt.date):
    """A function giving the readings of the phrases: read now, or by the helper process meanwhile."""
    if helper is None:
        results = read_phrases(kind, items, today, norm)
        return lambda: results
    future = helper.submit(read_phrases, kind, items, today)

    def result():
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - the helper died (killed, out of memory): read here instead
            return read_phrases(kind, items, today, norm)

    return result


_HELPER_NORMALISERS: list = []  # the helper process's normalisers (and their caches)


def helper_normalisers() -> Normalisers:
    return _HELPER_NORMALISERS[0]


def warm_up(boundaries: str) -> None:
    """Start the helper process's normalisers on the build's boundaries (loads the gazetteer)."""
    from ..normalize import load_gazetteer

    _HELPER_NORMALISERS[:] = [Normalisers(load_gazetteer(boundaries))]
