"""The grammar behind ``parse_date``: single dates (atoms) and how they combine.

An atom is one date as written, possibly incomplete (``_Partial``): "7 April", "May
2023", "the fall of 2024", "the second quarter of 2023", "the early 2010s", "two years
ago", "last spring". An expression is an atom with an open-bound word before it
("since", "by", "не позднее") or two atoms joined as a span ("from X to Y", "з X по Y").
The conventions are in ``dates``' docstring.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from . import _vocab
from ._text import Token, is_cyrillic, mixed_case

_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "winter": (12, 2)}
_PART_DAYS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}
_PART_MONTHS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
#: Years of a decade that "early", "mid" and "late" cover: the early 2010s are 2010-2013.
_PART_DECADE = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}

# Keys of words that mark a year, month or week as a unit ("в прошлом году", "last year").
_YEAR_WORDS = frozenset({"year", "years", "год", "рік", "г", "р", "року", "роки", "годы", "годах", "роках", "років", "лет"})
_MONTH_WORDS = frozenset({"month", "months", "месяц", "місяць"})
_WEEK_WORDS = frozenset({"week", "weeks", "неделя", "тиждень"})
_DAY_WORDS = frozenset({"day", "days", "день", "сутки", "доба"})
# Words that may stand before a date and make a neighbouring month or year a date.
_DATE_CONTEXT = frozenset(
    {"in", "on", "of", "during", "throughout", "the", "back", "and", "to", "through", "late", "early", "mid",
     "в", "во", "у", "на", "и", "і", "та", "й", "к", "around", "about", "since", "from", "until", "till", "by",
     "before", "after", "between", "течение", "протягом", "около", "близько", "at", "earlier", "later", "this", "last", "next"}
)
_FILLERS = frozenset({"the", "of", "in", "on", "at", "back", "в", "во", "у", "на", "around", "circa", "about", "during", "earlier",
                      "throughout", "протягом", "течение"})
_RANGE_JOINERS = frozenset({"-", "–", "—", "to", "through", "until", "till", "and", "по", "до", "и", "і", "та", "thru"})
#: Words that may stand between the start of a span and its "until": "starting on 1 March
#: and continuing until ...".
_SPAN_FILLERS = frozenset({"and", "continuing", "lasting", "running", "going", "on", "и", "і", "та", "продолжаясь", "тривали", ","})
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th", "го", "е", "ое", "ого"})
_DECADE_SUFFIXES = frozenset({"s", "х", "е", "ті", "ые", "ых", "их", "і"})


@dataclass(frozen=True)
class Partial:
    """A date as written: some fields may be missing until resolved."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    part: str | None = None
    quarter: int | None = None
    half: int | None = None
    decade: int | None = None
    fixed: tuple[dt.date, dt.date, str] | None = None  # already resolved (relative words)
    needs_reference: bool = False
    anaphoric: bool = False  # unresolvable as written ("that year"); see refusal
    year_from_context: bool = False  # "the end of the year": the year of the span's other end
    refusal: str | None = None  # why it cannot be read, for explain_date (see REFUSALS)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def span_of(p: Partial) -> tuple[dt.date, dt.date, str] | None:
    """Span of a partial whose year is known."""
    if p.fixed is not None:
        return p.fixed
    if p.decade is not None:
        a, b = _PART_DECADE[p.part] if p.part else (0, 9)
        return dt.date(p.decade + a, 1, 1), dt.date(p.decade + b, 12, 31), "range"
    y = p.year
    if y is None or not 1 <= y <= 9999:
        return None
    try:
        if p.season is not None:
            first, last = _SEASON_MONTHS[p.season]
            if p.season == "winter":
                return dt.date(y - 1, 12, 1), month_end(y, 2), "season"
            return dt.date(y, first, 1), month_end(y, last), "season"
        if p.quarter is not None:
            return dt.date(y, 3 * p.quarter - 2, 1), month_end(y, 3 * p.quarter), "range"
        if p.half is not None:
            return dt.date(y, 6 * p.half - 5, 1), month_end(y, 6 * p.half), "range"
        if p.month is not None:
            if p.day is not None:
                d = dt.date(y, p.month, p.day)
                return d, d, "day"
            if p.part is not None:
                a, b = _PART_DAYS[p.part]
                end = min(b, calendar.monthrange(y, p.month)[1])
                return dt.date(y, p.month, a), dt.date(y, p.month, end), "range"
            return dt.date(y, p.month, 1), month_end(y, p.month), "month"
        if p.part is not None:
            a, b = _PART_MONTHS[p.part]
            return dt.date(y, a, 1), month_end(y, b), "range"
        return dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    except ValueError:
        return None  # 31 February and the like


def resolve(p: Partial, ref: dt.date | None, year: int | None = None) -> tuple[dt.date, dt.date, str] | None:
    """Span of a partial; a missing year comes from ``year`` or from the reference."""
    if p.anaphoric:
        return None
    if p.fixed is not None or p.year is not None or p.decade is not None:
        return span_of(p)
    if year is not None:
        return span_of(replace(p, year=year))
    if ref is None:
        return None
    if p.year_from_context:
        return span_of(replace(p, year=ref.year))  # "by the end of the year": this year
    # The latest such date that begins on or before the reference: reports look back.
    for y in (ref.year, ref.year - 1):
        span = span_of(replace(p, year=y))
        if span is not None and span[0] <= ref:
            return span
    return span_of(replace(p, year=ref.year - 1))


def add_months(d: dt.date, months: int) -> dt.date:
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    return dt.date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


class Atoms:
    """Token classes and single dates of a token list; ``Parser`` combines them."""

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
        self.refusal: str | None = None  # the first reason a date was refused, for explain_date
        self.open_end: int | None = None  # where the open-bound words of the expression end

    @property
    def ref(self) -> dt.date | None:
        self.used_reference = True
        return self._ref

    def refuse(self, reason: str) -> None:
        if self.refusal is None:
            self.refusal = reason

    def resolve(self, p: Partial) -> tuple[dt.date, dt.date, str] | None:
        """``resolve`` with the reference, read only when the partial lacks a year."""
        if p.anaphoric or p.fixed is not None or p.year is not None or p.decade is not None:
            return resolve(p, None)
        return resolve(p, self.ref)

    # ---- token classes --------------------------------------------------------------

    def meaning(self, i: int) -> str | None:
        if i >= self.n or self.t[i].kind != "word":
            return None
        for k in self.o[i]:
            m = self.words.get(k)
            if m is not None:
                return m
        return None

    def phrase_meaning(self, i: int) -> tuple[str, int] | None:
        """(meaning, end) of a date word at token i, of several words or one."""
        hit = _vocab.date_phrases().match(self.o, i)
        if hit is not None:
            return hit[1][0], hit[0]
        m = self.meaning(i)
        return (m, i + 1) if m is not None else None

    def key_in(self, i: int, keys: frozenset[str] | set[str]) -> bool:
        return i < self.n and any(k in keys for k in self.o[i])

    def ordinal_at(self, i: int) -> tuple[int, int] | None:
        """(value, end) of an ordinal word: "fifth", "twenty-first", "пятого", "двадцять першого"."""
        if i >= self.n or self.t[i].kind != "word":
            return None
        m = self.meaning(i)
        if m is not None and m.startswith("ordinal:"):
            return int(m.split(":")[1]), i + 1
        tens = {"twenty": 20, "thirty": 30, "двадцать": 20, "тридцать": 30, "двадцять": 20, "тридцять": 30}
        head, _, tail = self.t[i].key.partition("-")
        if head in tens and tail:
            m = self.words.get(tail)
            if m is not None and m.startswith("ordinal:") and int(m.split(":")[1]) < 10:
                return tens[head] + int(m.split(":")[1]), i + 1
        if self.t[i].key in tens and i + 1 < self.n:
            m = self.meaning(i + 1)
            if m is not None and m.startswith("ordinal:") and int(m.split(":")[1]) < 10:
                return tens[self.t[i].key] + int(m.split(":")[1]), i + 2
        return None

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
        if self.open_end is not None and self.open_end <= i and all(self.t[k].key in _FILLERS for k in range(self.open_end, i)):
            return True  # "as far back as March", "no later than May"
        prev = i - 1
        if prev >= 0 and self.t[prev].text == ".":
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
        if i < self.n and self.key_in(i, _YEAR_WORDS) and self.t[i].key not in ("year", "years"):
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

    def the_year_at(self, i: int) -> int | None:
        """End of "(of) the year", "года", "року" standing for the year in context."""
        j = i
        while j < self.n and self.t[j].key in {"of", "the"}:
            j += 1
        if j < self.n and self.t[j].key in ("year", "года", "року", "рік", "год"):
            return j + 1
        return None

    # ---- atoms ----------------------------------------------------------------------

    def atom(self, i: int, allow_bare_day: bool = False, year_context: bool = False) -> tuple[int, Partial] | None:
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
            or self.decade_atom(i)
            or self.ago_atom(i)
            or self.window_atom(i)
            or self.quarter_atom(i)
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
                return d[1], Partial(day=d[0])
        if res is None:
            return None
        end, p = res
        if p.year is None and p.fixed is None and p.decade is None:
            a = self.anaphoric_at(end)
            if a is not None:
                words = " ".join(t.text for t in self.t[start:a])
                return a, replace(p, anaphoric=True, refusal=f"the year is given elsewhere ({words!r}): give the date in 'value'")
        return res

    def numeric_date(self, i: int) -> tuple[int, Partial] | None:
        tok = self.t[i]
        if tok.kind != "num":
            return None
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", tok.text)
        if m:  # 31.10.2024: day first, as written in Russian and Ukrainian
            return self._checked(i + 1, int(m[3]), int(m[2]), int(m[1]), tok.text)
        y = self.year_at(i)
        glued = lambda a, b: all(not self.t[j].spaced for j in range(a, b))  # noqa: E731
        if y is not None and i + 4 < self.n and [self.t[i + 1].text, self.t[i + 3].text] == ["-", "-"] and glued(i + 1, i + 5):
            mo, d = self.t[i + 2].text, self.t[i + 4].text
            if mo.isdecimal() and d.isdecimal() and len(mo) <= 2 and len(d) <= 2:
                return self._checked(i + 5, y, int(mo), int(d), "".join(t.text for t in self.t[i:i + 5]))  # ISO 8601 (and 2022-9-5)
        if y is not None and i + 2 < self.n and self.t[i + 1].text == "-" and glued(i + 1, i + 3) and len(self.t[i + 2].text) == 2:
            mo = self.t[i + 2].text
            after = self.t[i + 3] if i + 3 < self.n else None
            # "2022-09" is September 2022; "2010-11" is read as the years 2010 to 2011.
            if mo.isdecimal() and int(mo) == (y + 1) % 100 and not (after is not None and after.text == "-"):
                return i + 3, Partial(fixed=(dt.date(y, 1, 1), dt.date(y + 1, 12, 31), "range"))
            if mo.isdecimal() and not (after is not None and after.text == "-" and not after.spaced):
                if not 1 <= int(mo) <= 12:
                    return i + 3, Partial(anaphoric=True, refusal=f"{y}-{mo} is not a month of the calendar")
                return i + 3, Partial(year=y, month=int(mo))
        if i + 4 < self.n and self.t[i + 1].text == "/" and self.t[i + 3].text == "/" and tok.text.isdecimal():
            a, b, c = tok.text, self.t[i + 2].text, self.t[i + 4].text
            written = f"{a}/{b}/{c}"
            if b.isdecimal() and c.isdecimal() and len(c) == 4 and max(len(a), len(b)) > 2:
                return i + 5, Partial(anaphoric=True, refusal=f"{written} is not a date of the calendar")
            if b.isdecimal() and c.isdecimal() and len(c) == 4:
                a_, b_ = int(a), int(b)
                if a_ > 12 and b_ <= 12:
                    return self._checked(i + 5, int(c), b_, a_, written)
                if b_ > 12 and a_ <= 12:
                    return self._checked(i + 5, int(c), a_, b_, written)
                # 03/04/2024 is ambiguous between day-first and month-first: the whole
                # date is unresolvable (its year alone must not be read as the date).
                return i + 5, Partial(anaphoric=True, refusal=f"{written} may be day first or month first: write it as YYYY-MM-DD")
        return None

    def _checked(self, end: int, y: int, m: int, d: int, written: str) -> tuple[int, Partial]:
        """The day written in figures; unresolvable when the calendar has no such day
        ("2022-02-30"), so that its year is not read in its place."""
        try:
            dt.date(y, m, d)
        except ValueError:
            return end, Partial(anaphoric=True, refusal=f"{written} is not a date of the calendar")
        return end, Partial(year=y, month=m, day=d)

    def decade_atom(self, i: int) -> tuple[int, Partial] | None:
        """"the 1990s", "2010-х годах", "1990-е годы", "у 2010-ті роки"."""
        if self.t[i].kind != "num" or not re.fullmatch(r"(19|20)\d0", self.t[i].text):
            return None
        j = i + 1
        if j < self.n and self.t[j].text in ("-", "'") and not self.t[j].spaced:
            j += 1
        if j < self.n and not self.t[j].spaced and self.t[j].key in _DECADE_SUFFIXES:
            return self.skip_year_word(j + 1), Partial(decade=int(self.t[i].text))
        return None

    def _count_before_unit(self, i: int) -> tuple[int, int] | None:
        """(number, index of the unit word) of "two years", "3 months", "a week", "два года"."""
        if self.t[i].kind == "num" and self.t[i].text.isdecimal() and len(self.t[i].text) <= 3:
            return int(self.t[i].text), i + 1
        if self.t[i].key in ("a", "an", "one"):
            return 1, i + 1
        if self.t[i].kind == "word":
            from ._numbers import find_atoms

            atoms = find_atoms(self.t[i:i + 2], self.o[i:i + 2], None)
            if atoms and atoms[0].start == 0 and atoms[0].value is not None and atoms[0].kind == "words":
                return int(atoms[0].value), i + atoms[0].end
        return None

    def _unit_at(self, j: int) -> str | None:
        for unit, words in (("year", _YEAR_WORDS), ("month", _MONTH_WORDS), ("week", _WEEK_WORDS), ("day", _DAY_WORDS)):
            if self.key_in(j, words):
                return unit
        return None

    def ago_atom(self, i: int) -> tuple[int, Partial] | None:
        """"two years ago", "три месяца назад", "рік тому": counted back from the reference."""
        found = self._count_before_unit(i)
        if found is None:
            return None
        count, j = found
        unit = self._unit_at(j)
        end = j + 1
        if end < self.n and self.meaning(end) == "anaphoric" and end + 1 < self.n and self.meaning(end + 1) == "ago":
            end += 1  # "два года тому назад"
        if unit is None or self.meaning(end) != "ago":
            return None
        ref = self.ref
        if ref is None:
            return end + 1, Partial(needs_reference=True, anaphoric=True, refusal="a relative date needs the publication date")
        if unit == "year":
            y = ref.year - count
            return end + 1, Partial(fixed=(dt.date(y, 1, 1), dt.date(y, 12, 31), "year"))
        if unit == "month":
            first = add_months(ref.replace(day=1), -count)
            return end + 1, Partial(fixed=(first, month_end(first.year, first.month), "month"))
        if unit == "week":
            monday = ref - dt.timedelta(days=ref.weekday()) - dt.timedelta(weeks=count)
            return end + 1, Partial(fixed=(monday, monday + dt.timedelta(days=6), "range"))
        d = ref - dt.timedelta(days=count)
        return end + 1, Partial(fixed=(d, d, "day"))

    def window_atom(self, i: int) -> tuple[int, Partial] | None:
        """"over the past week", "in the past two months", "за последний месяц": up to the reference."""
        j = i
        if self.t[j].key in ("over", "in", "during", "for", "за", "протягом", "the"):
            j += 1
            if j < self.n and self.t[j].key == "the":
                j += 1
        if self.meaning(j) != "window":
            return None
        j += 1
        count = 1
        found = self._count_before_unit(j) if j < self.n else None
        if found is not None and self._unit_at(found[1]) is not None:
            count, j = found
        unit = self._unit_at(j) if j < self.n else None
        if unit is None:
            return None
        ref = self.ref
        if ref is None:
            return j + 1, Partial(needs_reference=True, anaphoric=True, refusal="a relative date needs the publication date")
        if unit == "year":
            start = add_months(ref, -12 * count)
        elif unit == "month":
            start = add_months(ref, -count)
        else:
            start = ref - dt.timedelta(days=count * (7 if unit == "week" else 1))
        return j + 1, Partial(fixed=(start, ref, "range"))

    def quarter_atom(self, i: int) -> tuple[int, Partial] | None:
        """"the second quarter of 2023", "Q3 2023", "во втором квартале 2024 года", "first half of 2024"."""
        j = i
        if self.t[j].key == "q" and j + 1 < self.n and not self.t[j + 1].spaced and self.t[j + 1].text in "1234":
            number, j, unit = int(self.t[j + 1].text), j + 2, "quarter"
        else:
            ordinal = self.ordinal_at(j)
            if ordinal is None or ordinal[1] >= self.n:
                return None
            number, j = ordinal
            meaning = self.meaning(j)
            if meaning not in ("unit:quarter", "unit:half"):
                return None
            unit = meaning.split(":")[1]
            j += 1
            if unit == "quarter" and not 1 <= number <= 4 or unit == "half" and not 1 <= number <= 2:
                return None
        year, end = self._year_after(j)
        kw = {"quarter": number} if unit == "quarter" else {"half": number}
        if year is None:
            the_year = self.the_year_at(j)
            if the_year is not None:
                return the_year, Partial(year_from_context=True, **kw)
            rel = self.relative_atom(j + (1 if j < self.n and self.t[j].key == "of" else 0))
            if rel is not None and rel[1].fixed is not None and rel[1].fixed[2] == "year":
                return rel[0], Partial(year=rel[1].fixed[0].year, **kw)
        return end, Partial(year=year, **kw)

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

    def day_month(self, i: int) -> tuple[int, Partial] | None:
        d = self.day_at(i) or self.ordinal_at(i)
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
                return j, Partial(month=m, day=d[0], needs_reference=True)
        return j, Partial(year=y, month=m, day=d[0])

    def month_day(self, i: int) -> tuple[int, Partial] | None:
        m = self.month_at(i)
        if m is None:
            return None
        j = i + 1
        if j < self.n and self.t[j].text == "." and not self.t[j].spaced:
            j += 1
        d = self.day_at(j)
        if d is not None and self.year_at(j) is None:
            y, end = self._year_after(d[1])
            return end, Partial(year=y, month=m, day=d[0])
        y, end = self._year_after(j)
        return end, Partial(year=y, month=m)

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

    def season_atom(self, i: int) -> tuple[int, Partial] | None:
        season = self.season_at(i)
        if season is None:
            return None
        j = i + 1
        # "winter 2022-23", "winter of 2022/2023": named by the year it ends in.
        y, end = self._year_after(j)
        if y is not None and season == "winter" and end < self.n and self.t[end].text in {"-", "/", "–"} and end + 1 < self.n:
            nxt = self.t[end + 1].text
            if nxt.isdecimal() and (len(nxt) == 2 and int(nxt) == (y + 1) % 100 or len(nxt) == 4 and int(nxt) == y + 1):
                return self.skip_year_word(end + 2), Partial(year=y + 1, season=season)
        if y is not None:
            return end, Partial(year=y, season=season)
        return j, Partial(season=season)

    def part_atom(self, i: int) -> tuple[int, Partial] | None:
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
            return end, Partial(year=y, month=m, part=part)
        decade = self.decade_atom(j) if j < self.n else None
        if decade is not None:
            return decade[0], replace(decade[1], part=part)
        y = self.year_at(j)
        if y is not None:
            return self.skip_year_word(j + 1), Partial(year=y, part=part)
        rel = self.relative_atom(j)
        if rel is not None and rel[1].fixed is not None and rel[1].fixed[2] == "year":
            return rel[0], Partial(year=rel[1].fixed[0].year, part=part)
        the_year = self.the_year_at(j)
        if the_year is not None:
            return the_year, Partial(part=part, year_from_context=True)
        return None

    def relative_atom(self, i: int) -> tuple[int, Partial] | None:
        meaning = self.meaning(i)
        if meaning is None:
            return None
        kind, _, arg = meaning.partition(":")
        if kind not in ("relative_day", "relative_year", "relative"):
            return None
        needs = Partial(needs_reference=True, anaphoric=True, refusal="a relative date needs the publication date")
        ref = self.ref
        if kind == "relative_day":
            if ref is None:
                return i + 1, needs
            d = ref + dt.timedelta(days=int(arg))
            return i + 1, Partial(fixed=(d, d, "day"))
        if kind == "relative_year":
            if ref is None:
                return i + 1, needs
            y = ref.year + int(arg)
            return i + 1, Partial(fixed=(dt.date(y, 1, 1), dt.date(y, 12, 31), "year"))
        offset = int(arg)
        j = i + 1
        if self.key_in(j, _YEAR_WORDS):
            if ref is None:
                return j + 1, needs
            y = ref.year + offset
            return j + 1, Partial(fixed=(dt.date(y, 1, 1), dt.date(y, 12, 31), "year"))
        if self.key_in(j, _MONTH_WORDS):
            if ref is None:
                return j + 1, needs
            first = add_months(ref.replace(day=1), offset)
            return j + 1, Partial(fixed=(first, month_end(first.year, first.month), "month"))
        if self.key_in(j, _WEEK_WORDS):
            if ref is None:
                return j + 1, needs
            monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=offset)
            return j + 1, Partial(fixed=(monday, monday + dt.timedelta(days=6), "range"))
        season = self.meaning(j)
        if season is not None and season.startswith("season:"):
            if ref is None:
                return j + 1, needs
            return j + 1, Partial(fixed=relative_season(season.split(":", 1)[1], offset, ref))
        return None

    def year_atom(self, i: int, year_context: bool) -> tuple[int, Partial] | None:
        y = self.year_at(i)
        if y is None:
            return None
        end = self.skip_year_word(i + 1)
        prev_ok = i > 0 and (self.key_in(i - 1, _DATE_CONTEXT) or self.meaning(i - 1) is not None)
        if not (year_context or prev_ok or end > i + 1 or self.only_date):
            return None
        return end, Partial(year=y)

    def weekday_atom(self, i: int) -> tuple[int, Partial] | None:
        if i >= self.n or self.t[i].kind != "word":
            return None
        wd = next((_vocab.weekdays()[k] for k in self.o[i] if k in _vocab.weekdays()), None)
        if wd is None:
            return None
        if not is_cyrillic(self.t[i].text) and self.mixed and not self.t[i].is_capitalised:
            return None
        if self.ref is None:
            return i + 1, Partial(needs_reference=True, anaphoric=True, refusal="a weekday needs the publication date")
        # The latest such weekday on or before the reference ("on Friday" in a report
        # published on a Saturday is the day before).
        d = self.ref - dt.timedelta(days=(self.ref.weekday() - wd) % 7)
        return i + 1, Partial(fixed=(d, d, "day"))


def relative_season(name: str, offset: int, ref: dt.date) -> tuple[dt.date, dt.date, str]:
    """'this/last/next <season>' relative to the reference date.

    "last summer" is the latest summer that ended before the reference; "this summer"
    the one of the reference's season-year (for winter: the winter that contains the
    reference, or the coming one); "next" the one after "this".
    """
    def span(year: int) -> tuple[dt.date, dt.date, str]:
        return span_of(Partial(year=year, season=name))  # type: ignore[return-value]

    this_year = ref.year + (1 if name == "winter" and ref.month == 12 else 0)
    if offset == 0:
        return span(this_year)
    if offset > 0:
        return span(this_year + 1)
    y = this_year
    while span(y)[1] >= ref:
        y -= 1
    return span(y)
