"""Why a number or a date was refused: the words a coder needs to mend a phrase.

The normalisers read a number out of a longer phrase and skip the rest: right for a
source's words ("Three of the men"), but a coder's slip then passes as a different
number ("-5" reads as 5, "between 50 and 10" as 50, "2.5" as 2). These patterns find
such text; ``misread()`` reports it when the skipped part bears on the number used.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_SYMBOL = r"(?:[$€₽£]\s*)?"
_INTEGER = r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d+"
_MULTIPLIER = r"\s*(?:million|mln|thousand|billion|bn|k\b|m\b|млн|миллион|мільйон|тыс|тис|млрд)"
_SIGN_RE = re.compile(rf"[{_DASHES}]\s*{_SYMBOL}({_INTEGER})(?![.,]?\d)")
_MINUS_WORD_RE = re.compile(r"\b(?:minus|минус|мінус)\b", re.IGNORECASE)
_RANGE_RE = re.compile(
    rf"(?<![\d.,])({_INTEGER})\s*(?:[{_DASHES}]|\bto\b|\band\b|\bдо\b|\bпо\b)\s*{_SYMBOL}({_INTEGER})(?![.,]?\d)(?!{_MULTIPLIER})",
    re.IGNORECASE,
)
_FRACTION_RE = re.compile(rf"(?<![\d.,])(\d+[.,]\d{{1,2}})(?![.,]?\d)(?!{_MULTIPLIER})(?!\s*(?:%|percent))", re.IGNORECASE)
# An ISO-looking date the normaliser would shorten to its year ("2022-02-30" -> 2022).
ISO_DATE_RE = re.compile(r"(?<![\d.])(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?![\d.])")
# Where a span's two ends meet, to tell a reversed span from an unreadable one.
_SPAN_SPLIT_RE = re.compile(rf"\s+(?:and|to|until|till|through)\s+|\s*[{_DASHES}]\s*", re.IGNORECASE)


def _number(text: str) -> int:
    digits = re.sub(r"\D", "", text)
    # Python refuses int() past 4,300 digits; such a string is no count anyway.
    return int(digits) if len(digits) <= 100 else -1


def written_numbers(text: str) -> frozenset:
    """The whole numbers written in digits in a text (over 15 digits is no count)."""
    return frozenset(_number(m) for m in re.findall(_INTEGER, text) if len(re.sub(r"\D", "", m)) <= 15)


@functools.lru_cache(maxsize=2**16)  # real archives repeat phrases a lot, as in Normalisers
def misread(text: str, values: frozenset, is_range: bool, whole: bool = True) -> tuple[str, str] | None:
    """(problem, accepted) when the text says more about the number used than the reading kept.

    ``values`` are the numbers the normaliser returned; only a sign, a second bound or
    decimals on one of them count, so a phrase with other numbers in it ("Article 328.1
    ... six men") passes. The word "minus" has no place in a head-count or an amount.
    """
    text = " ".join(text.split())
    if _MINUS_WORD_RE.search(text):
        return "a negative number", "zero or more, without a minus sign"
    for m in _SIGN_RE.finditer(text):
        before = text[: m.start()].rstrip()
        # A dash after a number ("300-350", "thirty - 35" read as a range) joins a range;
        # right after a word it is a hyphen ("Su-25").
        joins = bool(before) and (before[-1].isdigit() or (before[-1].isalpha() and (is_range or m.start() == len(before))))
        if _number(m.group(1)) in values and not joins:
            return "a negative number", "zero or more, without a minus sign"
    for m in _RANGE_RE.finditer(text):
        a, b = _number(m.group(1)), _number(m.group(2))
        if a > b and not is_range and values & {a, b}:
            return f"the lower bound is above the upper bound ({a} > {b})", "a range whose lower bound comes first, e.g. '10-50'"
    if whole:
        for m in _FRACTION_RE.finditer(text):
            x = float(m.group(1).replace(",", "."))
            if x != int(x) and values & {int(x), round(x)}:
                return "not a whole number of persons", "a whole number of persons"
    return None



def reversed_span(norm, text: str, reference: dt.date | None):
    """The two ends of a span written end first ("between 30 and 1 September"), or None."""
    for m in _SPAN_SPLIT_RE.finditer(text):
        first = re.sub(r"^\s*(?:between|from)\s+", "", text[: m.start()], flags=re.IGNORECASE).strip()
        second = text[m.end():].strip()
        if not first or not second:
            continue
        a, b = norm.date(first, reference), norm.date(second, reference)
        if a and b and a.start and b.end and a.start > b.end:
            return a, b
    return None



def is_calendar_date(year: str, month: str, day: str | None) -> bool:
    try:
        dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        return False
    return True

