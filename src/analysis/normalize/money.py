"""parse_money: amounts of money with their currency and any equivalent the text states.

- The currency is named by a symbol, a code or a word, before or after the number:
  "$2,000", "USD 2,000", "€500", "200 000 ₽", "1,5 млн рублей", "5 тыс. грн",
  "1.5 million rubles" (currencies.csv; Russian and Ukrainian words through pymorphy3).
- ``qualifier`` uses the head-count vocabulary: "over $17,000" and "more than" are
  ``at_least``; "about" is ``approximately``; "up to" is ``up_to`` (``amount`` is then the
  maximum); "$2,000-3,000" is a ``range`` (``amount`` to ``amount_high``).
- The main amount is the first one outside brackets. Amounts in another currency inside
  brackets, or after "≈", are the equivalents the text states: a dollar equivalent fills
  ``usd``/``usd_high``/``usd_qualifier``; any other goes to ``stated_equivalents``.
  ``usd`` is never computed here: conversion at an official rate is the cleaning step's
  job, and a dollar amount is read from ``amount`` (``usd`` stays empty).
- Unlike ``parse_count``, a minus sign ("-500 rubles") or a range written high to low
  ("$3,000-2,000") is not judged here: the number as written is read (500; 3,000), and
  the cleaning step reports the slip. Numbers of more than 15 digits and scientific
  notation ("1e400 rubles") are not read.

Why not price-parser alone: it reads one price per string and reads "1,5 млн" as 1.5
(it has no multipliers), "1.5 million rubles (over $17,000)" as a dollar price, and
"$2,000-3,000" as 2000; it is used here for nothing that the shared number reader
(_numbers.read_number) does not already do.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import _vocab
from ._numbers import Expression, find_expressions, token_options
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, tokenize

QUALIFIERS = _vocab.COUNT_QUALIFIERS
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_EQUIVALENT_MARKERS = {"≈", "~"}


@dataclass(frozen=True)
class StatedAmount:
    """An equivalent the text states in another currency: "(about €500)"."""

    currency: str
    amount: float
    amount_high: float | None
    qualifier: str


@dataclass(frozen=True)
class Money:
    """An amount of money as the text states it."""

    amount: float
    amount_high: float | None
    currency: str  # ISO 4217
    qualifier: str
    usd: float | None = None
    usd_high: float | None = None
    usd_qualifier: str | None = None
    stated_equivalents: tuple[StatedAmount, ...] = ()

    def __post_init__(self) -> None:
        if self.qualifier not in QUALIFIERS:
            raise ValueError(f"Money.qualifier {self.qualifier!r}; allowed: {', '.join(QUALIFIERS)}")
        if self.amount_high is not None and self.amount_high < self.amount:
            raise ValueError(f"Money range out of order: {self.amount} > {self.amount_high}")


@dataclass(frozen=True)
class _Found:
    expr: Expression
    currency: str
    in_brackets: bool
    marked_equivalent: bool

    @property
    def amounts(self) -> tuple[float, float | None, str] | None:
        e = self.expr
        if e.qualifier == "range":
            if e.low is None or e.high is None:
                return None
            return float(e.low), float(e.high), "range"
        value = e.best if e.best is not None else (e.low if e.low is not None else e.high)
        return (float(value), None, e.qualifier) if value is not None else None


def _currency_near(tokens: list[Token], options: list[tuple[str, ...]], expr: Expression) -> str | None:
    """Currency written right before the number ("$", "USD") or right after it."""
    first = expr.atoms[0].start
    if first > 0:
        cur = _vocab.currency_of(tokens[first - 1].text, options[first - 1])
        if cur is not None and cur[1] in ("symbol", "code"):
            return cur[0]
    i = expr.atoms[-1].end
    # Skip what may stand between a number and its currency: "US dollars", "of rubles".
    while i < len(tokens) and tokens[i].key in {"us", "u.s", ".", "of", "american", "russian", "ukrainian"} and i < expr.atoms[-1].end + 2:
        i += 1
    if i < len(tokens):
        cur = _vocab.currency_of(tokens[i].text, options[i])
        if cur is not None:
            return cur[0]
    return None


def _bracket_depths(tokens: list[Token]) -> list[int]:
    depths, depth, stack = [], 0, []
    for t in tokens:
        if t.text in _BRACKETS:
            stack.append(_BRACKETS[t.text])
            depth += 1
            depths.append(depth)
            continue
        if stack and t.text == stack[-1]:
            stack.pop()
            depths.append(depth)
            depth -= 1
            continue
        depths.append(depth)
    return depths


@lru_cache(maxsize=CACHE_SIZE)
def _parse_money(text: str) -> Money | None:
    tokens = tokenize(text)
    if not tokens:
        return None
    lang = cyrillic_language(text)
    options = token_options(tokens, lang)
    depths = _bracket_depths(tokens)
    found: list[_Found] = []
    for expr in find_expressions(tokens, options, lang):
        currency = _currency_near(tokens, options, expr)
        if currency is None:
            continue
        marked = expr.start > 0 and tokens[expr.start - 1].text in _EQUIVALENT_MARKERS
        found.append(_Found(expr, currency, depths[expr.atoms[0].start] > 0, marked))
    found = [f for f in found if f.amounts is not None]
    if not found:
        return None
    outside = [f for f in found if not f.in_brackets and not f.marked_equivalent]
    main = outside[0] if outside else found[0]
    amount, amount_high, qualifier = main.amounts  # type: ignore[misc]
    usd = usd_high = usd_qualifier = None
    others: list[StatedAmount] = []
    for f in found:
        if f is main or f.currency == main.currency or not (f.in_brackets or f.marked_equivalent):
            continue
        if f.expr.start < main.expr.start:
            continue  # an equivalent follows the amount it converts
        a, a_high, q = f.amounts  # type: ignore[misc]
        if f.currency == "USD" and usd is None:
            usd, usd_high, usd_qualifier = a, a_high, q
        elif f.currency != "USD" and all(o.currency != f.currency for o in others):
            others.append(StatedAmount(f.currency, a, a_high, q))
    return Money(amount, amount_high, main.currency, qualifier, usd, usd_high, usd_qualifier, tuple(others))


def parse_money(text: object) -> Money | None:
    """The amount of money a phrase states, or None when it states none.

    >>> m = parse_money("1.5 million rubles (over $17,000)")
    >>> (m.amount, m.currency, m.qualifier, m.usd, m.usd_qualifier)
    (1500000.0, 'RUB', 'exact', 17000.0, 'at_least')
    >>> parse_money("a huge sentence") is None
    True
    """
    value = as_text(text)
    return None if value is None else _parse_money(value)
