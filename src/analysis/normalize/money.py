"""parse_money: amounts of money with their currency and any equivalent the text states.

- The currency is named by a symbol, a code or a word, before or after the number:
  "$2,000", "USD 2,000", "€500", "200 000 ₽", "1,5 млн рублей", "5 тыс. грн",
  "1.5 million rubles", "100 тисяч карбованців", and the "R" of some English outlets
  touching the number ("R150,000") (currencies.csv; Russian and Ukrainian words through
  pymorphy3). Numerals number-parser lacks are read too: "полтора миллиона",
  "півтора мільйона", "one and a half million" are 1,500,000.
- ``currency``: the currency of the record when the phrase names none ("a one-off
  payment of 2 million" in a record about roubles, "400–450 тысяч" where the quote says
  рублей). Given, it is used only for a phrase whose amounts name no currency; the
  reading then says ``currency_stated=False``. Not given, such a phrase gives None.
- ``qualifier`` uses the head-count vocabulary: "over $17,000" and "more than" are
  ``at_least``; "about" is ``approximately``; "up to" is ``up_to`` (``amount`` is then the
  maximum); "$2,000-3,000", "between 20 and 50 thousand rubles", "от 200 до 300 тысяч
  рублей" are a ``range`` (``amount`` to ``amount_high``; a multiplier or a currency on
  the second number applies to both).
- ``per``: "200 тысяч рублей в месяц", "$3,000 a month", "$2,390 per person" are amounts
  per month (year, week, day) or per person, kept as such (amount_units.csv); None is a
  lump sum.
- The main amount is the first one outside brackets. Amounts in another currency inside
  brackets, or after "≈", are the equivalents the text states, all kept in order in
  ``equivalents``; the first dollar one also fills ``usd``/``usd_high``/``usd_qualifier``.
  ``usd`` is never computed here: conversion at an official rate is the cleaning step's
  job, and a dollar amount is read from ``amount`` (``usd`` stays empty).
- Unlike ``parse_count``, a minus sign ("-500 rubles") or a range written high to low
  ("$3,000-2,000") is not judged here: the number as written is read (500; 3,000), and
  ``explain_money`` says what is wrong with it. Numbers of more than 15 digits and
  scientific notation ("1e400 rubles") are not read.

Why not the price-parser package: it reads one price per string and reads "1,5 млн" as 1.5
(it has no multipliers), "1.5 million rubles (over $17,000)" as a dollar price, and
"$2,000-3,000" as 2000.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import _vocab
from ._numbers import Expression, Refusal, find_expressions, misstatement, token_options
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, tokenize

QUALIFIERS = _vocab.COUNT_QUALIFIERS
AMOUNT_PER = _vocab.AMOUNT_PER
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_EQUIVALENT_MARKERS = {"≈", "~"}
ACCEPTED = "an amount with a currency such as '1.5 million rubles (over $17,000)', '$2,000', '500 EUR'"


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
    equivalents: tuple[StatedAmount, ...] = ()  # every stated equivalent, dollars included
    per: str | None = None  # AMOUNT_PER: month, year, week, day, person; None for a lump sum
    currency_stated: bool = True  # False when the currency came from the caller's context

    def __post_init__(self) -> None:
        if self.qualifier not in QUALIFIERS:
            raise ValueError(f"Money.qualifier {self.qualifier!r}; allowed: {', '.join(QUALIFIERS)}")
        if self.amount_high is not None and self.amount_high < self.amount:
            raise ValueError(f"Money range out of order: {self.amount} > {self.amount_high}")
        if self.per is not None and self.per not in AMOUNT_PER:
            raise ValueError(f"Money.per {self.per!r}; allowed: {', '.join(AMOUNT_PER)}")

    @property
    def stated_equivalents(self) -> tuple[StatedAmount, ...]:
        """The stated equivalents in currencies other than the dollar (one per currency)."""
        out: list[StatedAmount] = []
        for e in self.equivalents:
            if e.currency != "USD" and all(o.currency != e.currency for o in out):
                out.append(e)
        return tuple(out)


@dataclass(frozen=True)
class _Found:
    expr: Expression
    currency: str
    in_brackets: bool
    marked_equivalent: bool

    @property
    def amounts(self) -> tuple[float, float | None, str] | None:
        e = self.expr
        if e.descending and e.low is not None:
            return float(e.low), None, "exact"  # "$3,000-2,000": the first number as written; explain_money says why
        if e.qualifier == "range":
            if e.low is None or e.high is None:
                return None
            return float(e.low), float(e.high), "range"
        value = e.best if e.best is not None else (e.low if e.low is not None else e.high)
        return (float(value), None, e.qualifier) if value is not None else None


def _currency_near(tokens: list[Token], options: list[tuple[str, ...]], expr: Expression) -> str | None:
    """Currency written right before the number ("$", "USD", "R" touching it) or right after it."""
    first = expr.atoms[0].start
    if first > 0:
        cur = _vocab.currency_of(tokens[first - 1].text, options[first - 1])
        prefix_ok = cur is not None and cur[1] == "prefix" and not tokens[first].spaced and not tokens[first].text.startswith("0")
        if cur is not None and (cur[1] in ("symbol", "code") or prefix_ok):  # "R051" is a record, not 51 roubles
            return cur[0]
    i = expr.atoms[-1].end
    # Skip what may stand between a number and its currency: "US dollars", "of rubles".
    while i < len(tokens) and tokens[i].key in {"us", "u.s", ".", "of", "american", "russian", "ukrainian"} and i < expr.atoms[-1].end + 2:
        i += 1
    if i < len(tokens):
        cur = _vocab.currency_of(tokens[i].text, options[i])
        if cur is not None and cur[1] != "prefix":
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


def _per_of(tokens: list[Token], options: list[tuple[str, ...]], expr: Expression) -> str | None:
    """"в месяц", "a month", "per person" just after the amount and its currency, or
    "monthly" / "ежемесячная" just before it."""
    trie = _vocab.amount_units()
    i = expr.end
    for _ in range(3):  # past the currency word(s): "200 тысяч рублей в месяц"
        if i < len(tokens) and (_vocab.currency_of(tokens[i].text, options[i]) is not None or tokens[i].key in {".", "of", "us"}):
            i += 1
    hit = trie.match(options, i, i + 4) if i < len(tokens) else None
    if hit is not None:
        return hit[1][0]
    for start in range(max(0, expr.start - 4), expr.start):
        hit = trie.match(options, start, expr.start)
        if hit is not None and hit[0] >= expr.start - 3:
            return hit[1][0]
    return None


@lru_cache(maxsize=CACHE_SIZE)
def _read_money(text: str, context: str | None) -> tuple[Money | None, Refusal | None]:
    tokens = tokenize(text)
    if not tokens:
        return None, Refusal("cannot read an amount and currency", ACCEPTED)
    lang = cyrillic_language(text)
    options = token_options(tokens, lang)
    depths = _bracket_depths(tokens)
    exprs = find_expressions(tokens, options, lang, descending=True)
    found: list[_Found] = []
    for expr in exprs:
        currency = _currency_near(tokens, options, expr)
        if currency is None:
            continue
        marked = expr.start > 0 and tokens[expr.start - 1].text in _EQUIVALENT_MARKERS
        found.append(_Found(expr, currency, depths[expr.atoms[0].start] > 0, marked))
    found = [f for f in found if f.amounts is not None]
    stated = True
    if not found and context:
        bare = [e for e in exprs if not e.year_like and all(a.kind != "vague" for a in e.atoms)]
        found = [_Found(e, context, depths[e.atoms[0].start] > 0, False) for e in bare[:1]]
        stated = False
    if not found:
        return None, Refusal("cannot read an amount and currency", ACCEPTED)
    outside = [f for f in found if not f.in_brackets and not f.marked_equivalent]
    main = outside[0] if outside else found[0]
    reason = misstatement(main.expr, whole_required=False)
    amount, amount_high, qualifier = main.amounts  # type: ignore[misc]
    equivalents: list[StatedAmount] = []
    for f in found:
        if f is main or f.currency == main.currency or not (f.in_brackets or f.marked_equivalent):
            continue
        if f.expr.start < main.expr.start:
            continue  # an equivalent follows the amount it converts
        a, a_high, q = f.amounts  # type: ignore[misc]
        equivalents.append(StatedAmount(f.currency, a, a_high, q))
    usd = next((e for e in equivalents if e.currency == "USD"), None)
    money = Money(amount, amount_high, main.currency, qualifier,
                  usd.amount if usd else None, usd.amount_high if usd else None, usd.qualifier if usd else None,
                  tuple(equivalents), _per_of(tokens, options, main.expr), stated)
    return money, reason


def explain_money(text: object, *, currency: str | None = None) -> tuple[Money | None, Refusal | None]:
    """(the amount a phrase states, None) or, when it is misstated or unreadable,
    (the reading or None, why): "a negative number", "the lower bound is above the upper
    bound (3000 > 2000)", "cannot read an amount and currency"."""
    value = as_text(text)
    if value is None:
        return None, Refusal("cannot read an amount and currency", ACCEPTED)
    return _read_money(value, currency or None)


def parse_money(text: object, *, currency: str | None = None) -> Money | None:
    """The amount of money a phrase states, or None when it states none.

    ``currency`` (ISO 4217) is the record's currency, for phrases that name none.

    >>> m = parse_money("1.5 million rubles (over $17,000)")
    >>> (m.amount, m.currency, m.qualifier, m.usd, m.usd_qualifier)
    (1500000.0, 'RUB', 'exact', 17000.0, 'at_least')
    >>> parse_money("полтора миллиона рублей").amount
    1500000.0
    >>> parse_money("a one-off payment of 2 million", currency="RUB").amount
    2000000.0
    >>> parse_money("a huge sentence") is None
    True
    """
    return explain_money(text, currency=currency)[0]
