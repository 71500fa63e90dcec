"""parse_count: head-counts as a careful coder reads them.

Conventions (codebook vocabulary ``count_qualifier``):

- ``exact``: "six men", "Three of the men", "семеро" -> low = best = high.
- ``at_least``: "at least 7", "upwards of 300,000", "понад 300", "more than 300" ->
  low = best = N, no upper bound. "More than N" and "over N" are coded as at least N:
  the source's own figure, not N + 1.
- ``approximately``: "about 300", "около 300 человек" -> best only.
- ``up_to``: "up to 50", "as many as 50" -> high only.
- ``range``: "300-350", "between 300 and 350" -> low and high, no best.
- Vague quantities (quantity_words.csv): "several" -> at least 3 (more than two);
  "a few" -> at least 2; "dozens" -> at least 24; "hundreds" -> at least 200;
  "thousands" -> at least 2,000; "a dozen" -> about 12; Russian and Ukrainian
  equivalents alike.
- A coordinated list of relatives is summed: "his father, two brothers, and a nephew"
  -> 4 exact.
- Numbers that are not head-counts are skipped: ages ("aged 18 to 50", "16-year-old"),
  durations ("four years"), years ("in 2023", "born in 1994-2006"), days of a date
  ("7 April"), money ("1.5 million rubles", "$17,000"), percentages, numbers after "No."
  or "Article", and identifiers: a number glued to letters, directly or by a hyphen
  ("COVID-19", "Su-25", "T-72", "F16"). Words of quantity with no number ("a horde of",
  "loads of", "many") give None.
- A head-count the text gets wrong gives None rather than a different number, so that a
  coder's slip is seen and fixed: a negative number ("-5", "minus five"), a range
  written high to low ("between 50 and 10", "50-10") and a number of persons that is
  not whole ("2.5 people"; "1.5 million" and "1,5 тысячи" are whole). The first number
  that is not skipped as above decides: a later one is not read in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import _vocab
from ._numbers import Expression, find_expressions, month_keys, token_options
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, grammemes, is_cyrillic, mixed_case, read_table, tokenize

QUALIFIERS = _vocab.COUNT_QUALIFIERS


@dataclass(frozen=True)
class Count:
    """A head-count: bounds and best estimate (persons), and how the source put it."""

    low: int | None
    best: int | None
    high: int | None
    qualifier: str

    def __post_init__(self) -> None:
        if self.qualifier not in QUALIFIERS:
            raise ValueError(f"Count.qualifier {self.qualifier!r}; allowed: {', '.join(QUALIFIERS)}")
        set_values = [v for v in (self.low, self.best, self.high) if v is not None]
        if set_values != sorted(set_values):
            raise ValueError(f"Count bounds out of order: low={self.low}, best={self.best}, high={self.high}")


# Words before a number that make it something other than a head-count.
_NOT_COUNT_BEFORE = frozenset(
    {
        "aged", "age", "ages", "ageing", "no", "number", "nr", "article", "articles", "part", "paragraph",
        "page", "pages", "section", "colony", "unit", "item", "№", "#", "статья", "статьи", "статье",
        "часть", "части", "стаття", "статті", "частина", "частини", "возрасте", "віці", "лет", "років",
    }
)
# Words after a number that make it something other than a head-count.
_NOT_COUNT_AFTER = frozenset(
    {
        "%", "percent", "per", "процент", "процента", "процентов", "відсоток", "відсотки", "відсотків",
        "km", "kilometres", "kilometers", "miles", "kg", "tonnes", "tons", "metres", "meters", "km²",
        "st", "nd", "rd", "th", "am", "pm", "a.m", "p.m", "years-old", "year-old", "old",
        "км", "кг", "м", "лет", "годам", "годах", "років", "роки", "рік", "року", "году", "года", "год", "г", "р",
    }
)
_YEAR_PREPOSITIONS = frozenset(
    {"in", "since", "from", "by", "until", "till", "of", "during", "before", "after", "early", "mid", "late",
     "throughout", "в", "во", "с", "со", "до", "по", "у", "з", "із", "від", "от", "после", "після", "між", "между", "between", "and", "-", "–", "—"}
)


@lru_cache(maxsize=1)
def _kin_lemmas() -> frozenset[str]:
    return frozenset(r["lemma"] for r in read_table("kin_nouns.csv", ("lemma", "language", "source"), ("lemma", "source")))


def _is_month(tok: Token, text_mixed: bool) -> bool:
    if tok.kind != "word":
        return False
    if not is_cyrillic(tok.text):
        if text_mixed and not tok.is_capitalised:
            return False
        return tok.key in month_keys()
    return any(k in month_keys() for k in token_options([tok], None)[0])


def _is_time_unit(tok: Token, options: tuple[str, ...]) -> bool:
    units = _vocab.time_units()
    return any(k in units for k in options) or tok.key.split("-")[0] in units


def _excluded(expr: Expression, tokens: list[Token], options: list[tuple[str, ...]], text_mixed: bool) -> bool:
    """True when the expression is an age, a duration, a year, a date, money or an ID."""
    before = tokens[expr.start - 1] if expr.start > 0 else None
    after = tokens[expr.end] if expr.end < len(tokens) else None
    after2 = tokens[expr.end + 1] if expr.end + 1 < len(tokens) else None
    if any(_vocab.currency_of(tokens[i].text, options[i]) is not None for i in range(max(expr.start - 1, 0), expr.end)):
        return True  # money: "$17,000", "over $17,000"
    if _identifier(tokens, expr.atoms[0].start):
        return True  # "COVID-19", "Su-25", "F16"
    if before is not None and (before.key in _NOT_COUNT_BEFORE or before.key.rstrip(".") in _NOT_COUNT_BEFORE):
        return True
    if before is not None and (before.text == "№" or before.text in ":/" or _vocab.currency_of(before.text, options[expr.start - 1]) is not None):
        return True
    if after is not None:
        if after.key in _NOT_COUNT_AFTER or after.text in "%:/":
            return True
        if after.kind == "word" and _is_time_unit(after, options[expr.end]):
            return True
        if after.text in "-–" and after2 is not None and after2.kind == "word" and (
            _is_time_unit(after2, options[expr.end + 1]) or after2.key.startswith(("year", "летн", "річн"))
        ):
            return True  # "16-year-old", "16-летний"
        if _vocab.currency_of(after.text, options[expr.end]) is not None:
            return True
        if _is_month(after, text_mixed):
            return True
    if before is not None and _is_month(before, text_mixed):
        return True  # "April 7", "Sept. 21"
    if before is not None and before.text == "." and expr.start > 1 and _is_month(tokens[expr.start - 2], text_mixed):
        return True
    if expr.year_like:
        if before is None or before.key in _YEAR_PREPOSITIONS or after is None or after.kind != "word":
            return True
    # A fraction or ratio ("1/2", "24/7") or a time ("1:36").
    if after is not None and after.text in {"/", ":"}:
        return True
    return False


def _identifier(tokens: list[Token], i: int) -> bool:
    """True when the digits at token i are glued to letters before them, directly or by a
    hyphen: the number is part of a name ("COVID-19", "Su-25", "Т-72", "F16"), not a count."""
    tok = tokens[i]
    if tok.kind != "num" or tok.spaced or i == 0:
        return False
    before = tokens[i - 1]
    if before.kind == "word":
        return True
    return before.text == "-" and not before.spaced and i >= 2 and tokens[i - 2].kind == "word"


def _misstated(expr: Expression) -> bool:
    """True when the number is no head-count as written: negative, a range written high
    to low, or a number of persons that is not whole."""
    return expr.negative or expr.descending or not expr.whole


def _as_int(value: float | None) -> int | None:
    if value is None:
        return None
    return int(round(value))


def _kin_sum(tokens: list[Token], options: list[tuple[str, ...]], exprs: list[Expression], lang: str | None) -> Count | None:
    """Sum of a coordinated list of relatives ("his father, two brothers, and a nephew")."""
    kin = _kin_lemmas()
    by_end = {e.end: e for e in exprs}
    items: list[int] = []
    last_end = -1
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        k_opts = options[i]
        singular_key = tok.key[:-1] if tok.key.endswith("s") and not is_cyrillic(tok.text) else None
        is_kin = tok.kind == "word" and (any(k in kin for k in k_opts) or (singular_key in kin if singular_key else False))
        if not is_kin:
            i += 1
            continue
        plural = (singular_key in kin and tok.key not in kin) if singular_key else ("plur" in grammemes(tok.text, lang))
        expr = by_end.get(i)
        if expr is not None and _misstated(expr):
            return None  # "-2 brothers": read (and refused) as a number below
        if expr is not None and expr.qualifier == "exact":
            n = _as_int(expr.best)
            start = expr.start
        elif plural:
            return None  # "brothers" with no number: the list cannot be summed
        else:
            n = 1
            start = i - 1 if i > 0 and tokens[i - 1].key in {"a", "an", "his", "her", "their", "its", "one", "the", "my", "our"} else i
        if items:
            gap = [t.key for t in tokens[last_end:start]]
            if not gap or any(g not in {",", "and", "и", "і", "та", "й", "&", ";"} for g in gap):
                break  # not the same list
        items.append(n or 0)
        last_end = i + 1
        i += 1
    if len(items) >= 2:
        total = sum(items)
        return Count(total, total, total, "exact")
    return None


@lru_cache(maxsize=CACHE_SIZE)
def _parse_count(text: str) -> Count | None:
    tokens = tokenize(text)
    if not tokens:
        return None
    lang = cyrillic_language(text)
    options = token_options(tokens, lang)
    exprs = find_expressions(tokens, options, lang, descending=True)
    kin = _kin_sum(tokens, options, exprs, lang)
    if kin is not None:
        return kin
    text_mixed = mixed_case(text)
    for expr in exprs:
        if _excluded(expr, tokens, options, text_mixed):
            continue
        if _misstated(expr):
            return None  # not the next number instead: "between 50 and 10" is not 10
        values = [_as_int(v) for v in (expr.low, expr.best, expr.high)]
        if all(v is None for v in values) or any(v is not None and v < 0 for v in values):
            continue
        return Count(values[0], values[1], values[2], expr.qualifier)
    return None


def parse_count(text: object) -> Count | None:
    """The head-count a phrase states, or None when it states none.

    >>> parse_count("approximately 300 Ukrainian men")
    Count(low=None, best=300, high=None, qualifier='approximately')
    >>> parse_count("at least seven such cases")
    Count(low=7, best=7, high=None, qualifier='at_least')
    >>> parse_count("aged 18 to 50") is None
    True
    >>> parse_count("between 50 and 10") is None
    True
    """
    value = as_text(text)
    return None if value is None else _parse_count(value)
