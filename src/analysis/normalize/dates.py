"""parse_date: the date or span of an event as the text states it.

Conventions (codebook vocabulary ``date_precision``):

- ``day``: "On 7 April", "Sept. 21, 2022", "31.10.2024", "yesterday".
- ``month``: "back in October 2022", "в сентябре 2022 года", "у листопаді 2024".
- ``season``: meteorological seasons: spring = March-May, summer = June-August,
  autumn/fall = September-November, winter = December-February. "Winter 2023" is
  December 2022 - February 2023 (the winter that ends in that year, as the UK Met
  Office names winters); "winter 2022-23" is the same span written out.
- ``year``: "in 2023", "last year".
- ``range``: "between October 31 and December 31, 2024", "з 31 жовтня по 31 грудня
  2024 року"; "early/mid/late September 2022" = days 1-10 / 11-20 / 21-end ("at the
  start of", "в начале", "на початку" are early; "end of", "в конце", "наприкінці"
  late); "early/mid/late 2023" = January-April / May-August / September-December;
  "since March 2023" has an open end (``end`` None); "before Sept. 21, 2022" ends the
  day before (``start`` None); "until"/"by"/"по" ends with the date; "last week" is the
  previous Monday-Sunday.

``reference`` is the publication date. It gives the year of a date written without one
(the latest such date on or before the reference, since reports describe the past), and
resolves "last year", "this spring", "on Friday". Without a reference such phrases give
None rather than a guess, and so does a year given elsewhere in the text ("early
September of that year"). A date written in figures that is not a day of the calendar
("2022-13-01", "2022-02-30", "30/02/2024") gives None, not its year: the coder meant a
day, and only they can say which. A birth year or an age is not the date of an event:
"men born in 1994-2006" gives None.

Libraries: month and weekday names (English, Russian, Ukrainian) are dateparser's
language data; inflected forms it lacks ("сентябре", "листопаді") are lemmatised by
pymorphy3. dateparser's own ``parse`` is not used for the structure: it returns one
point in time, with no notion of spans (seasons, early/mid/late, between ... and, since),
and its ``search_dates`` turns ordinary words into dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from . import _vocab
from ._numbers import token_options
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, is_cyrillic, mixed_case, tokenize

PRECISIONS = ("day", "month", "season", "year", "range")

_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 2)}
_PART_DAYS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}
_PART_MONTHS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}

# Keys of words that mark a year, month or week as a unit ("в прошлом году", "last year").
_YEAR_WORDS = frozenset({"year", "год", "рік", "г", "р", "року", "роки"})
_MONTH_WORDS = frozenset({"month", "месяц", "місяць"})
_WEEK_WORDS = frozenset({"week", "неделя", "тиждень"})
# Words that may stand before a date and make a neighbouring month or year a date.
_DATE_CONTEXT = frozenset(
    {"in", "on", "of", "during", "throughout", "the", "back", "and", "to", "through", "late", "early", "mid",
     "в", "во", "у", "на", "и", "і", "та", "й", "к", "around", "about", "since", "from", "until", "till", "by",
     "before", "after", "between", "течение", "протягом", "около", "близько", "at", "earlier", "later", "this", "last", "next"}
)
_FILLERS = frozenset({"the", "of", "in", "on", "at", "back", "в", "во", "у", "на", "around", "circa", "about", "during", "earlier"})
_RANGE_JOINERS = frozenset({"-", "–", "—", "to", "through", "until", "till", "and", "по", "до", "и", "і", "та", "thru"})
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th", "го", "е", "ое", "ого"})


@dataclass(frozen=True)
class DateSpan:
    """When something happened: first and last day (None for an open bound)."""

    start: dt.date | None
    end: dt.date | None
    precision: str

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"DateSpan.precision {self.precision!r}; allowed: {', '.join(PRECISIONS)}")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"DateSpan starts after it ends: {self.start} > {self.end}")
        if self.start is None and self.end is None:
            raise ValueError("DateSpan needs at least one bound")


@dataclass(frozen=True)
class _Partial:
    """A date as written: some fields may be missing until resolved."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    part: str | None = None
    fixed: tuple[dt.date, dt.date, str] | None = None  # already resolved (relative words)
    needs_reference: bool = False
    anaphoric: bool = False


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _span_of(p: _Partial) -> tuple[dt.date, dt.date, str] | None:
    """Span of a partial whose year is known."""
    if p.fixed is not None:
        return p.fixed
    y = p.year
    if y is None or not 1 <= y <= 9999:
        return None
    try:
        if p.season is not None:
            first, last = _SEASON_MONTHS[p.season]
            if p.season == "winter":
                return dt.date(y - 1, 12, 1), _month_end(y, 2), "season"
            return dt.date(y, first, 1), _month_end(y, last), "season"
        if p.month is not None:
            if p.day is not None:
                d = dt.date(y, p.month, p.day)
                return d, d, "day"
            if p.part is not None:
                a, b = _PART_DAYS[p.part]
                end = min(b, calendar.monthrange(y, p.month)[1])
                return dt.date(y, p.month, a), dt.date(y, p.month, end), "range"
            return dt.date(y, p.month, 1), _month_end(y, p.month), "month"
        if p.part is not None:
            a, b = _PART_MONTHS[p.part]
            return dt.date(y, a, 1), _month_end(y, b), "range"
        return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    except ValueError:
        return None  # 31 February and the like


def _resolve(p: _Partial, ref: dt.date | None, year: int | None = None) -> tuple[dt.date, dt.date, str] | None:
    """Span of a partial; a missing year comes from ``year`` or from the reference."""
    if p.anaphoric:
        return None
    if p.fixed is not None or p.year is not None:
        return _span_of(p)
    if year is not None:
        return _span_of(replace(p, year=year))
    if ref is None:
        return None
    # The latest such date that begins on or before the reference: reports look back.
    for y in (ref.year, ref.year - 1):
        span = _span_of(replace(p, year=y))
        if span is not None and span[0] <= ref:
            return span
    return _span_of(replace(p, year=ref.year - 1))


class _Parser:
    """Recursive-descent reader of date expressions over a token list."""

    def __init__(self, tokens: list[Token], options: list[tuple[str, ...]], ref: dt.date | None, text: str):
        self.t = tokens
        self.o = options
        self._ref = ref
        #: Set when the reading consulted the reference: otherwise it holds for any reference.
        self.used_reference = False
        self.mixed = mixed_case(text)
        self.n = len(tokens)
        self.words = _vocab.date_words()
        self.months = _vocab.months()
        self.only_date = False

    @property
    def ref(self) -> dt.date | None:
        self.used_reference = True
        return self._ref

    def resolve(self, p: _Partial) -> tuple[dt.date, dt.date, str] | None:
        """``_resolve`` with the reference, read only when the partial lacks a year."""
        if p.anaphoric or p.fixed is not None or p.year is not None:
            return _resolve(p, None)
        return _resolve(p, self.ref)

    # ---- token classes --------------------------------------------------------------

    def meaning(self, i: int) -> str | None:
        if i >= self.n or self.t[i].kind != "word":
            return None
        for k in self.o[i]:
            m = self.words.get(k)
            if m is not None:
                return m
        return None

    def key_in(self, i: int, keys: frozenset[str] | set[str]) -> bool:
        return i < self.n and any(k in keys for k in self.o[i])

    def month_at(self, i: int) -> int | None:
        if i >= self.n or self.t[i].kind != "word":
            return None
        tok = self.t[i]
        if not is_cyrillic(tok.text) and self.mixed and not tok.is_capitalised:
            return None
        for k in self.o[i]:
            if k in self.months:
                m = self.months[k]
                if tok.key in _vocab.AMBIGUOUS_EN_MONTHS or len(k) <= 4 or is_cyrillic(tok.text):
                    # Needs a neighbour that makes it a date: "May" is also a verb, "Jan"
                    # a name, "листопад" a Russian noun.
                    if not (self._date_neighbour(i) or self.only_date):
                        return None
                return m
        return None

    def _date_neighbour(self, i: int) -> bool:
        prev = i - 1
        if prev >= 0 and self.t[prev].text == "." :
            prev -= 1
        if prev >= 0 and (self.key_in(prev, _DATE_CONTEXT) or self.meaning(prev) is not None or self.day_at(prev) is not None):
            return True
        nxt = i + 1
        if nxt < self.n and self.t[nxt].text == ".":
            nxt += 1
        if nxt < self.n and self.t[nxt].text == ",":
            nxt += 1
        return nxt < self.n and (self.day_at(nxt) is not None or self.year_at(nxt) is not None)

    def day_at(self, i: int) -> tuple[int, int] | None:
        """(day, next index) of a day number, with an ordinal suffix if any."""
        if i >= self.n or self.t[i].kind != "num":
            return None
        text = self.t[i].text
        if not text.isdigit() or len(text) > 2 or not 1 <= int(text) <= 31:
            return None
        j = i + 1
        if j < self.n and not self.t[j].spaced and self.t[j].key in _ORDINAL_SUFFIXES:
            j += 1
        elif j + 1 < self.n and self.t[j].text == "-" and self.t[j + 1].key in _ORDINAL_SUFFIXES and not self.t[j + 1].spaced:
            j += 2
        return int(text), j

    def year_at(self, i: int) -> int | None:
        if i >= self.n or self.t[i].kind != "num":
            return None
        text = self.t[i].text
        if len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2100:
            return int(text)
        return None

    def skip_year_word(self, i: int) -> int:
        """Index after a year word ("года", "року", "р.", "г.") if one follows."""
        if i < self.n and self.key_in(i, _YEAR_WORDS) and self.t[i].key != "year":
            i += 1
            if i < self.n and self.t[i].text == ".":
                i += 1
        return i

    def anaphoric_at(self, i: int) -> int | None:
        """End of "(of) that year", "the same year", "того же года", "того ж року"."""
        j = i
        while j < self.n and self.t[j].key in {"of", "the", "in"}:
            j += 1
        if self.meaning(j) == "anaphoric":
            j += 1
            while j < self.n and self.t[j].key in {"же", "ж", "same"}:
                j += 1
            if self.key_in(j, _YEAR_WORDS) or self.key_in(j, _MONTH_WORDS):
                return j + 1
        return None

    # ---- atoms ----------------------------------------------------------------------

    def atom(self, i: int, allow_bare_day: bool = False, year_context: bool = False) -> tuple[int, _Partial] | None:
        """A single date at token i: (end index, partial)."""
        start = i
        while i < self.n and self.t[i].key in _FILLERS:
            i += 1
        if i >= self.n:
            return None
        if i > start:
            year_context = True
        res = (
            self.numeric_date(i)
            or self.part_atom(i)
            or self.day_month(i)
            or self.month_day(i)
            or self.season_atom(i)
            or self.relative_atom(i)
            or self.year_atom(i, year_context)
            or self.weekday_atom(i)
        )
        if res is None and allow_bare_day:
            d = self.day_at(i)
            if d is not None:
                return d[1], _Partial(day=d[0])
        if res is None:
            return None
        end, p = res
        if p.year is None and p.fixed is None:
            a = self.anaphoric_at(end)
            if a is not None:
                return a, replace(p, anaphoric=True)
        return res

    def numeric_date(self, i: int) -> tuple[int, _Partial] | None:
        tok = self.t[i]
        if tok.kind != "num":
            return None
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", tok.text)
        if m:  # 31.10.2024: day first, as written in Russian and Ukrainian
            return self._checked(i + 1, int(m[3]), int(m[2]), int(m[1]))
        y = self.year_at(i)
        if y is not None and i + 4 < self.n and [self.t[i + 1].text, self.t[i + 3].text] == ["-", "-"] and not any(
            self.t[j].spaced for j in range(i + 1, i + 5)
        ):
            mo, d = self.t[i + 2].text, self.t[i + 4].text
            if mo.isdecimal() and d.isdecimal() and len(mo) <= 2 and len(d) <= 2:
                return self._checked(i + 5, y, int(mo), int(d))  # ISO 8601 (and 2022-9-5)
        if i + 4 < self.n and self.t[i + 1].text == "/" and self.t[i + 3].text == "/" and tok.text.isdecimal():
            a, b, c = tok.text, self.t[i + 2].text, self.t[i + 4].text
            if b.isdecimal() and c.isdecimal() and len(c) == 4 and max(len(a), len(b)) > 2:
                return i + 5, _Partial(anaphoric=True)  # "100/02/2024": shaped as a day, but none
            if b.isdecimal() and c.isdecimal() and len(c) == 4:
                a_, b_ = int(a), int(b)
                if a_ > 12 and b_ <= 12:
                    return self._checked(i + 5, int(c), b_, a_)
                if b_ > 12 and a_ <= 12:
                    return self._checked(i + 5, int(c), a_, b_)
                # 03/04/2024 is ambiguous between day-first and month-first: the whole
                # date is unresolvable (its year alone must not be read as the date).
                return i + 5, _Partial(anaphoric=True)
        return None

    def _checked(self, end: int, y: int, m: int, d: int) -> tuple[int, _Partial]:
        """The day written in figures; unresolvable when the calendar has no such day
        ("2022-02-30"), so that its year is not read in its place."""
        try:
            dt.date(y, m, d)
        except ValueError:
            return end, _Partial(anaphoric=True)
        return end, _Partial(year=y, month=m, day=d)

    def _year_after(self, j: int) -> tuple[int | None, int]:
        """A year after a month or season: ", 2024", "of 2024", "2024 года"."""
        k = j
        if k < self.n and self.t[k].text == ",":
            k += 1
        if k < self.n and self.t[k].key == "of":
            k += 1
        y = self.year_at(k)
        if y is not None:
            return y, self.skip_year_word(k + 1)
        return None, j

    def day_month(self, i: int) -> tuple[int, _Partial] | None:
        d = self.day_at(i)
        if d is None:
            return None
        j = d[1]
        if j < self.n and self.t[j].key == "of":
            j += 1
        m = self.month_at(j)
        if m is None:
            return None
        j += 1
        if j < self.n and self.t[j].text == "." and not self.t[j].spaced:
            j += 1
        y, j = self._year_after(j)
        if y is None:
            if self.ref is None:
                return j, _Partial(month=m, day=d[0], needs_reference=True)
        return j, _Partial(year=y, month=m, day=d[0])

    def month_day(self, i: int) -> tuple[int, _Partial] | None:
        m = self.month_at(i)
        if m is None:
            return None
        j = i + 1
        if j < self.n and self.t[j].text == "." and not self.t[j].spaced:
            j += 1
        d = self.day_at(j)
        if d is not None and self.year_at(j) is None:
            y, end = self._year_after(d[1])
            return end, _Partial(year=y, month=m, day=d[0])
        y, end = self._year_after(j)
        return end, _Partial(year=y, month=m)

    def season_at(self, i: int) -> str | None:
        meaning = self.meaning(i)
        if meaning is None or not meaning.startswith("season:"):
            return None
        tok = self.t[i]
        if not is_cyrillic(tok.text):
            # "fall", "spring" are also verbs and nouns: a season needs "the", a relative
            # word, a part word or a year next to it.
            prev_ok = i > 0 and (self.t[i - 1].key in {"the", "this", "last", "next", "of", "early", "late", "mid", "in", "during"} or self.meaning(i - 1) is not None)
            next_ok = self._year_after(i + 1)[0] is not None
            if not (prev_ok or next_ok or self.only_date):
                return None
        return meaning.split(":", 1)[1]

    def season_atom(self, i: int) -> tuple[int, _Partial] | None:
        season = self.season_at(i)
        if season is None:
            return None
        j = i + 1
        # "winter 2022-23", "winter of 2022/2023": named by the year it ends in.
        y, end = self._year_after(j)
        if y is not None and season == "winter" and end < self.n and self.t[end].text in {"-", "/", "–"} and end + 1 < self.n:
            nxt = self.t[end + 1].text
            if nxt.isdecimal() and (len(nxt) == 2 and int(nxt) == (y + 1) % 100 or len(nxt) == 4 and int(nxt) == y + 1):
                return self.skip_year_word(end + 2), _Partial(year=y + 1, season=season)
        if y is not None:
            return end, _Partial(year=y, season=season)
        return j, _Partial(season=season)

    def part_atom(self, i: int) -> tuple[int, _Partial] | None:
        meaning = self.meaning(i)
        if meaning is None or not meaning.startswith("part:"):
            return None
        part = meaning.split(":", 1)[1]
        j = i + 1
        while j < self.n and self.t[j].key in {"of", "the", "-"}:
            j += 1
        m = self.month_at(j) if j < self.n else None
        if m is not None:
            y, end = self._year_after(j + 1)
            return end, _Partial(year=y, month=m, part=part)
        y = self.year_at(j)
        if y is not None:
            return self.skip_year_word(j + 1), _Partial(year=y, part=part)
        rel = self.relative_atom(j)
        if rel is not None and rel[1].fixed is not None and rel[1].fixed[2] == "year":
            return rel[0], _Partial(year=rel[1].fixed[0].year, part=part)
        return None

    def relative_atom(self, i: int) -> tuple[int, _Partial] | None:
        meaning = self.meaning(i)
        if meaning is None:
            return None
        kind, _, arg = meaning.partition(":")
        if kind not in ("relative_day", "relative_year", "relative"):
            return None
        ref = self.ref
        if kind == "relative_day":
            if ref is None:
                return i + 1, _Partial(needs_reference=True, anaphoric=True)
            d = ref + dt.timedelta(days=int(arg))
            return i + 1, _Partial(fixed=(d, d, "day"))
        if kind == "relative_year":
            if ref is None:
                return i + 1, _Partial(needs_reference=True, anaphoric=True)
            y = ref.year + int(arg)
            return i + 1, _Partial(fixed=(dt.date(y, 1, 1), dt.date(y, 12, 31), "year"))
        if kind != "relative":
            return None
        offset = int(arg)
        j = i + 1
        if self.key_in(j, _YEAR_WORDS):
            if ref is None:
                return j + 1, _Partial(needs_reference=True, anaphoric=True)
            y = ref.year + offset
            return j + 1, _Partial(fixed=(dt.date(y, 1, 1), dt.date(y, 12, 31), "year"))
        if self.key_in(j, _MONTH_WORDS):
            if ref is None:
                return j + 1, _Partial(needs_reference=True, anaphoric=True)
            total = ref.year * 12 + ref.month - 1 + offset
            y, m = divmod(total, 12)
            return j + 1, _Partial(fixed=(dt.date(y, m + 1, 1), _month_end(y, m + 1), "month"))
        if self.key_in(j, _WEEK_WORDS):
            if ref is None:
                return j + 1, _Partial(needs_reference=True, anaphoric=True)
            monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=offset)
            return j + 1, _Partial(fixed=(monday, monday + dt.timedelta(days=6), "range"))
        season = self.meaning(j)
        if season is not None and season.startswith("season:"):
            name = season.split(":", 1)[1]
            if ref is None:
                return j + 1, _Partial(needs_reference=True, anaphoric=True)
            return j + 1, _Partial(fixed=self._relative_season(name, offset, ref))
        return None

    @staticmethod
    def _relative_season(name: str, offset: int, ref: dt.date) -> tuple[dt.date, dt.date, str]:
        """'this/last/next <season>' relative to the reference date.

        "last summer" is the latest summer that ended before the reference; "this
        summer" the one of the reference's season-year (for winter: the winter that
        contains the reference, or the coming one); "next" the one after "this".
        """
        def span(year: int) -> tuple[dt.date, dt.date, str]:
            return _span_of(_Partial(year=year, season=name))  # type: ignore[return-value]

        this_year = ref.year + (1 if name == "winter" and ref.month == 12 else 0)
        if offset == 0:
            return span(this_year)
        if offset > 0:
            return span(this_year + 1)
        y = this_year
        while span(y)[1] >= ref:
            y -= 1
        return span(y)

    def year_atom(self, i: int, year_context: bool) -> tuple[int, _Partial] | None:
        y = self.year_at(i)
        if y is None:
            return None
        end = self.skip_year_word(i + 1)
        prev_ok = i > 0 and (self.key_in(i - 1, _DATE_CONTEXT) or self.meaning(i - 1) is not None)
        if not (year_context or prev_ok or end > i + 1 or self.only_date):
            return None
        return end, _Partial(year=y)

    def weekday_atom(self, i: int) -> tuple[int, _Partial] | None:
        if i >= self.n or self.t[i].kind != "word":
            return None
        wd = None
        for k in self.o[i]:
            if k in _vocab.weekdays():
                wd = _vocab.weekdays()[k]
                break
        if wd is None:
            return None
        if not is_cyrillic(self.t[i].text) and self.mixed and not self.t[i].is_capitalised:
            return None
        if self.ref is None:
            return i + 1, _Partial(needs_reference=True, anaphoric=True)
        # The latest such weekday on or before the reference ("on Friday" in a report
        # published on a Saturday is the day before).
        d = self.ref - dt.timedelta(days=(self.ref.weekday() - wd) % 7)
        return i + 1, _Partial(fixed=(d, d, "day"))

    # ---- expressions ----------------------------------------------------------------

    def expression(self, i: int) -> tuple[int, DateSpan | None] | None:
        """A date expression at token i: (end, span or None when unresolvable)."""
        meaning = self.meaning(i)
        open_kind = meaning.split(":", 1)[1] if meaning and meaning.startswith("open:") else None
        j = i
        if open_kind is not None:
            j = i + 1
            while j < self.n and self.t[j].key in {"to", "with", "с", "з", "із", "from"} and j == i + 1 and open_kind in {"since", "before"}:
                j += 1  # "prior to", "starting from", "начиная с", "починаючи з"
        first = self.atom(j, allow_bare_day=True, year_context=open_kind is not None)
        if first is None:
            return None
        end1, p1 = first
        # A second date: "between X and Y", "from X to Y", "X - Y", "з X по Y".
        k = end1
        if k < self.n and self.key_in(k, _RANGE_JOINERS) and not (open_kind in {"before", "until", "after"}):
            joiner = self.t[k].key
            if joiner not in {"and", "и", "і", "та"} or open_kind == "between":
                second = self.atom(k + 1, year_context=True)
                if second is not None:
                    end2, p2 = second
                    return end2, self._range(p1, p2)
        if p1.month is None and p1.day is not None and p1.year is None and p1.fixed is None:
            return None  # a bare number that no month completed
        if open_kind in (None, "between"):
            if open_kind == "between":
                return None
            span = self.resolve(p1)
            return end1, (DateSpan(span[0], span[1], span[2]) if span else None)
        span = self.resolve(p1)
        if span is None:
            return end1, None
        if open_kind in ("since", "from"):
            return end1, DateSpan(span[0], None, "range")
        if open_kind == "after":
            return end1, DateSpan(span[1] + dt.timedelta(days=1), None, "range")
        if open_kind == "before":
            return end1, DateSpan(None, span[0] - dt.timedelta(days=1), "range")
        if open_kind == "until":
            return end1, DateSpan(None, span[1], "range")
        return end1, None

    def _range(self, p1: _Partial, p2: _Partial) -> DateSpan | None:
        if p1.anaphoric or p2.anaphoric:
            return None
        s2 = self.resolve(p2)
        if s2 is None:
            return None
        borrowed = False
        if p1.fixed is None and p1.year is None:
            if p1.month is None and p1.day is not None:
                p1 = replace(p1, month=p2.month)  # "5-7 April"
                if p1.month is None:
                    return None
            p1 = replace(p1, year=s2[1].year if p2.year is not None else s2[0].year)
            borrowed = True
        s1 = self.resolve(p1)
        if s1 is None:
            return None
        if borrowed and s1[0] > s2[1]:
            s1 = self.resolve(replace(p1, year=(p1.year or 0) - 1))  # "December - February 2023"
            if s1 is None:
                return None
        if s1[0] > s2[1]:
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
                i = max(end, i + 1)
                continue
            return span
        return None


def _split_prefixes(tokens: list[Token]) -> list[Token]:
    """Split "mid-September", "early-2023" style words into their parts."""
    out: list[Token] = []
    for t in tokens:
        if t.kind == "word" and "-" in t.key:
            head, _, tail = t.text.partition("-")
            if head.lower() in {"mid", "early", "late"} and tail:
                mid = t.start + len(head)
                out.append(Token(head, "word", t.start, mid, head.lower(), t.spaced))
                out.append(Token(tail, "word", mid + 1, t.end, tail.lower() if not is_cyrillic(tail) else tail.lower(), False))
                continue
        out.append(t)
    return out


@lru_cache(maxsize=CACHE_SIZE)
def _parse_date(text: str, reference: dt.date | None) -> DateSpan | None:
    return _read(text, reference)[0]


@lru_cache(maxsize=CACHE_SIZE)
def _parse_date_alone(text: str) -> tuple[bool, DateSpan | None]:
    """(whether the reading needs the reference, the reading without one), once per text.

    Most phrases carry their year ("in the fall of 2023"), so their reading is the same for
    every publication date; a column of such phrases then costs its distinct texts, not
    its distinct (text, publication date) pairs.
    """
    span, used = _read(text, None)
    return used, span


def _read(text: str, reference: dt.date | None) -> tuple[DateSpan | None, bool]:
    tokens = _split_prefixes(tokenize(text))
    if not tokens:
        return None, False
    lang = cyrillic_language(text)
    options = token_options(tokens, lang)
    parser = _Parser(tokens, options, reference, text)
    return parser.parse(), parser.used_reference


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


def parse_date(text: object, reference: object = None) -> DateSpan | None:
    """The date or span a phrase states, or None when it states none.

    ``reference`` is the publication date (date, datetime, Timestamp or ISO string).

    >>> parse_date("in the fall of 2024")
    DateSpan(start=datetime.date(2024, 9, 1), end=datetime.date(2024, 11, 30), precision='season')
    >>> parse_date("men born in 1994-2006") is None
    True
    """
    value = as_text(text)
    if value is None:
        return None
    needs_reference, span = _parse_date_alone(value)
    if not needs_reference:
        return span
    return _parse_date(value, _as_reference(reference))
