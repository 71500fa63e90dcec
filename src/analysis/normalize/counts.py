"""parse_count: head-counts as a careful coder reads them.

Conventions (codebook vocabulary ``count_qualifier``):

- ``exact``: "six men", "Three of the men", "семеро" -> low = best = high.
- ``at_least``: "at least 7", "upwards of 300,000", "понад 300", "more than 300" ->
  low = best = N, no upper bound. "More than N" and "over N" are coded as at least N:
  the source's own figure, not N + 1.
- ``approximately``: "about 300", "около 300 человек" -> best only.
- ``up_to``: "up to 50", "as many as 50" -> high only.
- ``range``: "300-350", "between 300 and 350" -> low and high, no best.
- Vague quantities are documented ranges (quantity_words.csv): "several" -> 3 to 9;
  "a few" -> 2 to 5; "dozens" -> 24 to 99; "hundreds" -> 200 to 999; "thousands" ->
  2,000 to 9,999; "several hundred" -> 300 to 900; "a dozen" -> about 12; Russian and
  Ukrainian equivalents alike ("десятки", "кілька сотень"). After a qualifier, "сотни"
  and "тысячи" are one hundred and one thousand ("около тысячи", "близько сотні").
  Numerals number-parser lacks: "полтора десятка" 15, "более полусотни" at least 50,
  "about a thousand" about 1,000 (number_words.csv).
- A coordinated list of persons or relatives is summed, and its parts kept in
  ``breakdown``: "two women and three men" -> 5 exact, (("women", 2), ("men", 3));
  "his father, two brothers, and a nephew" -> 4 exact (kin_nouns.csv,
  person_nouns.csv).
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
from ._numbers import Expression, Refusal, find_expressions, misstatement, month_keys, token_options
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, grammemes, is_cyrillic, mixed_case, tokenize

QUALIFIERS = _vocab.COUNT_QUALIFIERS


@dataclass(frozen=True)
class Count:
    """A head-count: bounds and best estimate (persons), and how the source put it.

    ``breakdown`` holds the parts of a count the text gives as a sum ("two women and
    three men": (("women", 2), ("men", 3))), each the noun as written and its number.
    """

    low: int | None
    best: int | None
    high: int | None
    qualifier: str
    breakdown: tuple[tuple[str, int], ...] = ()

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


def _as_int(value: float | None) -> int | None:
    if value is None:
        return None
    return int(round(value))


def _noun_number(tok: Token, opts: tuple[str, ...], nouns: dict[str, str], lang: str | None) -> str | None:
    """'sing' or 'plur' when the token is a noun of persons or relatives, else None."""
    if tok.kind != "word":
        return None
    if is_cyrillic(tok.text):
        if not any(k in nouns for k in opts):
            return None
        return "plur" if "plur" in grammemes(tok.text, lang) else "sing"
    if tok.key in nouns:
        return "plur" if nouns[tok.key] != tok.key else "sing"
    if tok.key.endswith("s") and tok.key[:-1] in nouns:
        return "plur"
    return None


def _enumeration(tokens: list[Token], options: list[tuple[str, ...]], exprs: list[Expression], lang: str | None) -> Count | None:
    """Sum of a coordinated list of persons or relatives ("two women and three men",
    "his father, two brothers, and a nephew"), with its parts."""
    nouns = _vocab.person_nouns()
    by_end = {e.end: e for e in exprs}
    items: list[tuple[str, int]] = []
    last_end = -1
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        number = _noun_number(tok, options[i], nouns, lang)
        if number is None:
            i += 1
            continue
        plural = number == "plur"
        expr = by_end.get(i)
        if expr is not None and misstatement(expr) is not None:
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
        items.append((tok.key, n or 0))
        last_end = i + 1
        i += 1
    if len(items) >= 2:
        total = sum(n for _, n in items)
        return Count(total, total, total, "exact", tuple(items))
    return None


#: "him and two other men", "он и ещё двое", "він та ще двоє": the number counts others
#: besides someone named first, who is one more.
_AND = frozenset({"and", "и", "і", "та", "й", "&"})
_MORE = frozenset({"ещё", "еще", "ще"})
_OTHERS = frozenset({"other", "others"})


def _besides_someone(tokens: list[Token], expr: Expression) -> bool:
    """Whether the number counts others besides someone named before it ("X and N other(s)", "X и ещё N")."""
    i = expr.start - 1
    more = i >= 0 and tokens[i].key in _MORE
    if more:
        i -= 1
    if i < 1 or tokens[i].key not in _AND or not any(t.kind == "word" for t in tokens[:i]):
        return False
    return more or (expr.end < len(tokens) and tokens[expr.end].key in _OTHERS)


def _and_another(tokens: list[Token]) -> Count | None:
    """'He and another individual': two persons."""
    keys = [t.key for t in tokens]
    for i in range(1, len(keys) - 1):
        if keys[i] in _AND and keys[i + 1] == "another" and any(t.kind == "word" for t in tokens[:i]):
            return Count(2, 2, 2, "exact")
    return None


ACCEPTED = ("a phrase with a head-count such as 'six men', 'at least 7', 'approximately 300', '300-350', "
            "or a number in 'value'")


@lru_cache(maxsize=CACHE_SIZE)
def _read_count(text: str) -> tuple[Count | None, Refusal | None]:
    tokens = tokenize(text)
    if not tokens:
        return None, Refusal("cannot read a number", ACCEPTED)
    lang = cyrillic_language(text)
    options = token_options(tokens, lang)
    exprs = find_expressions(tokens, options, lang, descending=True)
    listed = _enumeration(tokens, options, exprs, lang)
    if listed is not None:
        return listed, None
    text_mixed = mixed_case(text)
    for expr in exprs:
        if _excluded(expr, tokens, options, text_mixed):
            continue
        wrong = misstatement(expr)
        if wrong is not None:
            return None, wrong  # not the next number instead: "between 50 and 10" is not 10
        values = [_as_int(v) for v in (expr.low, expr.best, expr.high)]
        if all(v is None for v in values) or any(v is not None and v < 0 for v in values):
            continue
        if _besides_someone(tokens, expr):
            values = [None if v is None else v + 1 for v in values]
        return Count(values[0], values[1], values[2], expr.qualifier), None
    another = _and_another(tokens)
    if another is not None:
        return another, None
    return None, Refusal("cannot read a number", ACCEPTED)


def explain_count(text: object) -> tuple[Count | None, Refusal | None]:
    """(the head-count a phrase states, None) or (None, why it gives none): "a negative
    number", "the lower bound is above the upper bound (50 > 10)", "not a whole number
    of persons", "cannot read a number".

    >>> explain_count("between 50 and 10")[1].reason
    'the lower bound is above the upper bound (50 > 10)'
    """
    value = as_text(text)
    if value is None:
        return None, Refusal("cannot read a number", ACCEPTED)
    return _read_count(value)


def parse_count(text: object) -> Count | None:
    """The head-count a phrase states, or None when it states none.

    >>> parse_count("approximately 300 Ukrainian men")
    Count(low=None, best=300, high=None, qualifier='approximately', breakdown=())
    >>> parse_count("at least seven such cases")
    Count(low=7, best=7, high=None, qualifier='at_least', breakdown=())
    >>> parse_count("aged 18 to 50") is None
    True
    >>> parse_count("between 50 and 10") is None
    True
    """
    return explain_count(text)[0]
