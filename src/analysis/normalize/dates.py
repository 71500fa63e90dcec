"""parse_date: the date or span of an event as the text states it.

Conventions (codebook vocabulary ``date_precision``):

- ``day``: "On 7 April", "Sept. 21, 2022", "31.10.2024", "yesterday", "on the fifth of
  May", "пятого мая"; "three days ago".
- ``month``: "back in October 2022", "в сентябре 2022 года", "у листопаді 2024",
  "2022-09" (ISO year-month); "three months ago".
- ``season``: meteorological seasons: spring = March-May, summer = June-August,
  autumn/fall = September-November, winter = December-February. "Winter 2023" is
  December 2022 - February 2023 (the winter that ends in that year, as the UK Met
  Office names winters); "winter 2022-23" is the same span written out.
- ``year``: "in 2023", "last year", "two years ago".
- ``range``: "between October 31 and December 31, 2024", "з 31 жовтня по 31 грудня
  2024 року", "starting on 1 March 2024 and continuing until the end of the year";
  "early/mid/late September 2022" = days 1-10 / 11-20 / 21-end ("at the start of", "в
  начале", "на початку" are early; "end of", "в конце", "наприкінці" late);
  "early/mid/late 2023" = January-April / May-August / September-December; quarters
  ("the second quarter of 2023", "Q3 2023") and halves ("the first half of 2024", "во
  второй половине 2023 года"); decades ("the 1990s", "в 2010-х годах"), whose early /
  mid / late parts are years 0-3 / 4-6 / 7-9; "last week" is the previous
  Monday-Sunday; "over the past week" / "за последний месяц" end on the reference.

Open bounds (``DateSpan.start_bound`` / ``end_bound``, vocabulary ``DATE_BOUNDS``):

- "since March 2023", "from 28 February 2022", "с начала года": the start, and an end
  that is ``ongoing`` (still going on when the source was published; ``end`` is None).
- "as far back as March", "since at least 2022", "ещё в марте": the start is
  ``or_earlier``: under way then, perhaps begun before.
- "before Sept. 21, 2022": ends the day before, ``no_later_than``; "by mid-2023", "no
  later than June 2023", "не позднее августа": the end of the period named,
  ``no_later_than``; "until"/"till"/"по": the end, ``exact``; "until at least June":
  ``or_later``. The start is ``open`` (None).
- "after 5 May": starts the day after, ``no_earlier_than``; "no earlier than 5 May",
  "не ранее": starts that day, ``no_earlier_than``; the end is ``open``.

``reference`` is the publication date. It gives the year of a date written without one
(the latest such date on or before the reference, since reports describe the past), and
resolves "last year", "this spring", "on Friday", "two years ago", "the end of the
year" (this year, unless the span's other end names one). Without a reference such
phrases give None rather than a guess, and so does a year given elsewhere in the text
("early September of that year"). A date written in figures that is not a day of the
calendar ("2022-13-01", "2022-02-30", "30/02/2024") gives None, not its year: the coder
meant a day, and only they can say which; so does a span written end first ("between
30 and 1 September"). ``explain_date`` says why. A birth year or an age is not the date
of an event: "men born in 1994-2006" gives None.

Libraries: month and weekday names (English, Russian, Ukrainian) are dateparser's
language data; inflected forms it lacks ("сентябре", "листопаді") are lemmatised by
pymorphy3. dateparser's own ``parse`` is not used for the structure: it returns one
point in time, with no notion of spans (seasons, early/mid/late, between ... and, since),
and its ``search_dates`` turns ordinary words into dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache

from analysis.codebook import VOCABULARIES

from . import _vocab
from ._date_grammar import _RANGE_JOINERS, _SPAN_FILLERS, Atoms, Partial
from ._numbers import Refusal, token_options
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, tokenize

PRECISIONS = _vocab.DATE_PRECISIONS

#: The kind of each bound of a span: the codebook's closed vocabulary ``date_bound``.
DATE_BOUNDS: dict[str, str] = VOCABULARIES["date_bound"]
START_BOUNDS = ("exact", "open", "or_earlier", "no_earlier_than")
ACCEPTED = ("a date phrase such as '7 April 2025', 'early September 2022', 'in the fall of 2024', "
            "'between October 31 and December 31, 2024', 'since March 2023', or a coder value in those forms")
#: What a coder may write instead, by the start of a refusal's reason.
_ACCEPTED_FOR = (
    ("is not a date of the calendar", "a real date, YYYY-MM-DD or e.g. '7 April 2025'"),
    ("is not a month of the calendar", "a real month, YYYY-MM or e.g. 'September 2022'"),
    ("may be day first or month first", "a date written YYYY-MM-DD or e.g. '3 April 2024'"),
    ("the end date is before the start date", "a span whose start comes first, e.g. 'between 1 and 30 September 2022'"),
    ("needs the publication date", "a source with its publication date, or the date with its year in 'value'"),
    ("the year is given elsewhere", "the date with its year in 'value', e.g. 'early September 2022'"),
    ("a birth date or an age", "the date of the event, not a birth year or an age"),
)


def _refusal(reason: str) -> Refusal:
    accepted = next((a for marker, a in _ACCEPTED_FOR if marker in reason), ACCEPTED)
    return Refusal(reason, accepted)
END_BOUNDS = ("exact", "open", "ongoing", "or_later", "no_later_than")


@dataclass(frozen=True)
class DateSpan:
    """When something happened: first and last day (None for an open bound), the
    precision, and the kind of each bound (``DATE_BOUNDS``; by default ``exact`` for a
    date and ``open`` for None)."""

    start: dt.date | None
    end: dt.date | None
    precision: str
    start_bound: str = ""
    end_bound: str = ""

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"DateSpan.precision {self.precision!r}; allowed: {', '.join(PRECISIONS)}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"DateSpan starts after it ends: {self.start} > {self.end}")
        if self.start is None and self.end is None:
            raise ValueError("DateSpan needs at least one bound")
        if not self.start_bound:
            object.__setattr__(self, "start_bound", "exact" if self.start is not None else "open")
        if not self.end_bound:
            object.__setattr__(self, "end_bound", "exact" if self.end is not None else "open")
        for side, kind, allowed, value in (("start", self.start_bound, START_BOUNDS, self.start), ("end", self.end_bound, END_BOUNDS, self.end)):
            if kind not in allowed:
                raise ValueError(f"DateSpan.{side}_bound {kind!r}; allowed: {', '.join(allowed)}")
            if (value is None) != (kind in ("open", "ongoing")):
                raise ValueError(f"DateSpan.{side}_bound {kind!r} with {side} {value}")


#: Open-bound words (date_words.csv "open:<kind>") -> how the atom's span becomes a DateSpan.
_OPEN_KINDS = {"since", "from", "after", "before", "until", "by", "as_far_back", "after_incl", "until_at_least", "between"}


class _Parser(Atoms):
    """Date expressions over a token list: atoms, open bounds and spans."""

    def expression(self, i: int) -> tuple[int, DateSpan | None] | None:
        """A date expression at token i: (end, span or None when unresolvable)."""
        found = self.phrase_meaning(i)
        open_kind = found[0].split(":", 1)[1] if found and found[0].startswith("open:") else None
        j = found[1] if open_kind else i
        self.open_end = j if open_kind else None
        if open_kind is not None:
            while j < self.n and self.t[j].key in {"to", "with", "с", "з", "із", "from", "on"} and j == found[1] and open_kind in {"since", "before"}:
                j += 1  # "prior to", "starting from", "начиная с", "починаючи з", "starting on"
        first = self.atom(j, allow_bare_day=True, year_context=open_kind is not None)
        if first is None:
            return None
        end1, p1 = first
        second = self._second(end1, open_kind)
        if second is not None:
            end2, p2 = second
            return end2, self._range(p1, p2)
        if p1.month is None and p1.day is not None and p1.year is None and p1.fixed is None:
            return None  # a bare number that no month completed
        if open_kind == "between":
            return None
        span = self.resolve(p1) if not p1.anaphoric else None
        if span is None:
            if p1.refusal:
                self.refuse(p1.refusal)
            return end1, None
        return end1, _bounded(span, open_kind)

    def _second(self, k: int, open_kind: str | None) -> tuple[int, Partial] | None:
        """The other end of a span after its first date: "between X and Y", "X - Y",
        "з X по Y", "starting on X and continuing until Y"."""
        if open_kind in {"before", "until", "after", "by", "after_incl", "until_at_least"}:
            return None
        if k < self.n and self.key_in(k, _RANGE_JOINERS):
            joiner = self.t[k].key
            if joiner not in {"and", "и", "і", "та"} or open_kind == "between":
                after = k + 2 if k + 1 < self.n and self.t[k + 1].key in {"to", "until"} else k + 1  # "through to"
                return self.atom(after, year_context=True)
            if open_kind not in ("since", "from"):
                return None
        if open_kind in ("since", "from"):
            j = k
            while j < self.n and j < k + 4 and (self.t[j].key in _SPAN_FILLERS or self.t[j].text == ","):
                j += 1
            found = self.phrase_meaning(j) if j < self.n else None
            if found is not None and found[0] in ("open:until", "open:by") or (j < self.n and self.t[j].key in {"to", "through", "till"}):
                end = found[1] if found is not None and found[0].startswith("open:") else j + 1
                return self.atom(end, year_context=True)
        return None

    def _range(self, p1: Partial, p2: Partial) -> DateSpan | None:
        if p1.anaphoric or p2.anaphoric:
            self.refuse(p1.refusal or p2.refusal or "")
            return None
        if p2.year_from_context and p1.year is not None:
            p2 = replace(p2, year=p1.year, year_from_context=False)  # "from 1 March 2024 until the end of the year"
        s2 = self.resolve(p2)
        if s2 is None:
            return None
        borrowed = False
        if p1.fixed is None and p1.year is None and p1.decade is None:
            if p1.month is None and p1.day is not None:
                p1 = replace(p1, month=p2.month)  # "5-7 April"
                if p1.month is None:
                    return None
                s1 = self.resolve(replace(p1, year=s2[0].year))
                if s1 is not None and s1[0] > s2[1]:  # "between 30 and 1 September"
                    self.refuse(f"the end date is before the start date ({s1[0].isoformat()} > {s2[1].isoformat()})")
                    return None
            p1 = replace(p1, year=s2[1].year if p2.year is not None else s2[0].year, year_from_context=False)
            borrowed = True
        s1 = self.resolve(p1)
        if s1 is None:
            return None
        if borrowed and s1[0] > s2[1]:
            s1 = self.resolve(replace(p1, year=(p1.year or 0) - 1))  # "December - February 2023"
            if s1 is None:
                return None
        if s1[0] > s2[1]:
            self.refuse(f"the end date is before the start date ({s1[0].isoformat()} > {s2[1].isoformat()})")
            return None
        return DateSpan(s1[0], s2[1], "range")

    def not_event_before(self, i: int) -> bool:
        return any(self.meaning(k) == "not_event" for k in range(max(0, i - 3), i))

    def parse(self) -> DateSpan | None:
        words = [t for t in self.t if t.kind != "punct"]
        self.only_date = len(words) <= 3
        i = 0
        while i < self.n:
            if self.t[i].kind == "punct" and self.t[i].text not in {"-"}:
                i += 1
                continue
            res = self.expression(i)
            if res is None:
                i += 1
                continue
            end, span = res
            if self.not_event_before(i):
                self.refuse("a birth date or an age is not the date of an event")
                i = max(end, i + 1)
                continue
            if span is not None and self.ongoing_after(end) and span.end is not None and span.end_bound == "exact" and span.start is not None:
                return replace(span, end=None, end_bound="ongoing", precision="range")
            return span
        return None

    def ongoing_after(self, i: int) -> bool:
        """"... and to date", "и до сих пор", "і досі": still going on when published."""
        for k in range(i, min(i + 3, self.n)):
            found = self.phrase_meaning(k)
            if found is not None and found[0] == "ongoing":
                return True
        return False


def _bounded(span: tuple[dt.date, dt.date, str], open_kind: str | None) -> DateSpan:
    """The DateSpan of an atom's span under an open-bound word (see the module docstring)."""
    start, end, precision = span
    one = dt.timedelta(days=1)
    if open_kind in (None, "between"):
        return DateSpan(start, end, precision)
    if open_kind in ("since", "from"):
        return DateSpan(start, None, "range", "exact", "ongoing")
    if open_kind == "as_far_back":
        return DateSpan(start, None, "range", "or_earlier", "ongoing")
    if open_kind == "after":
        return DateSpan(end + one, None, "range", "no_earlier_than", "open")
    if open_kind == "after_incl":
        return DateSpan(start, None, "range", "no_earlier_than", "open")
    if open_kind == "before":
        return DateSpan(None, start - one, "range", "open", "no_later_than")
    if open_kind == "by":
        return DateSpan(None, end, "range", "open", "no_later_than")
    if open_kind == "until_at_least":
        return DateSpan(None, end, "range", "open", "or_later")
    return DateSpan(None, end, "range", "open", "exact")  # until, till, по


def _split_prefixes(tokens: list[Token]) -> list[Token]:
    """Split "mid-September", "early-2023" style words into their parts."""
    out: list[Token] = []
    for t in tokens:
        if t.kind == "word" and "-" in t.key:
            head, _, tail = t.text.partition("-")
            if head.lower() in {"mid", "early", "late"} and tail:
                mid = t.start + len(head)
                out.append(Token(head, "word", t.start, mid, head.lower(), t.spaced))
                out.append(Token(tail, "word", mid + 1, t.end, tail.lower(), False))
                continue
        out.append(t)
    return out


@lru_cache(maxsize=CACHE_SIZE)
def _parse_date(text: str, reference: dt.date | None) -> tuple[DateSpan | None, Refusal | None]:
    span, _, reason = _read(text, reference)
    return span, reason


@lru_cache(maxsize=CACHE_SIZE)
def _parse_date_alone(text: str) -> tuple[bool, DateSpan | None, Refusal | None]:
    """(whether the reading needs the reference, the reading without one, the refusal),
    once per text.

    Most phrases carry their year ("in the fall of 2023"), so their reading is the same for
    every publication date; a column of such phrases then costs its distinct texts, not
    its distinct (text, publication date) pairs.
    """
    span, used, reason = _read(text, None)
    return used, span, reason


def _read(text: str, reference: dt.date | None) -> tuple[DateSpan | None, bool, Refusal | None]:
    tokens = _split_prefixes(tokenize(text))
    if not tokens:
        return None, False, _refusal("cannot read a date")
    lang = cyrillic_language(text)
    options = token_options(tokens, lang)
    parser = _Parser(tokens, options, reference, text)
    span = parser.parse()
    reason = None if span is not None else _refusal(parser.refusal or "cannot read a date")
    return span, parser.used_reference, reason


def _as_reference(reference: object) -> dt.date | None:
    """A reference date from a date, a datetime, a pandas Timestamp or an ISO string.

    Dates in the first or last year of the calendar are ignored: "last year" or "next
    winter" would fall outside what ``datetime.date`` can hold.
    """
    ref = _reference_value(reference)
    if ref is not None and not 2 <= ref.year <= 9998:
        return None
    return ref


def _reference_value(reference: object) -> dt.date | None:
    if reference is None:
        return None
    if isinstance(reference, dt.datetime):
        return reference.date()
    if isinstance(reference, dt.date):
        return reference
    if hasattr(reference, "to_pydatetime"):
        try:
            return reference.to_pydatetime().date()  # type: ignore[union-attr]
        except (ValueError, TypeError, AttributeError):
            return None  # NaT
    if isinstance(reference, str):
        try:
            return dt.date.fromisoformat(reference.strip()[:10])
        except ValueError:
            return None
    return None


def explain_date(text: object, reference: object = None) -> tuple[DateSpan | None, Refusal | None]:
    """(the date or span a phrase states, None) or (None, why it gives none).

    The reasons a coder meets: "2022-02-30 is not a date of the calendar", "the end date
    is before the start date (2022-09-30 > 2022-09-01)", "a relative date needs the
    publication date", "the year is given elsewhere (...)", "a birth date or an age is not
    the date of an event", "cannot read a date".

    >>> explain_date("2022-02-30")[1].reason
    '2022-02-30 is not a date of the calendar'
    """
    value = as_text(text)
    if value is None:
        return None, _refusal("cannot read a date")
    needs_reference, span, reason = _parse_date_alone(value)
    if not needs_reference:
        return span, reason
    return _parse_date(value, _as_reference(reference))


def parse_date(text: object, reference: object = None) -> DateSpan | None:
    """The date or span a phrase states, or None when it states none.

    ``reference`` is the publication date (date, datetime, Timestamp or ISO string).

    >>> parse_date("in the fall of 2024")
    DateSpan(start=datetime.date(2024, 9, 1), end=datetime.date(2024, 11, 30), precision='season', start_bound='exact', end_bound='exact')
    >>> parse_date("since March 2023").end_bound
    'ongoing'
    >>> parse_date("men born in 1994-2006") is None
    True
    """
    return explain_date(text, reference)[0]
