"""Number expressions shared by parse_count and parse_money.

A phrase is tokenised once; this module finds the number expressions in it:

1. *atoms*: digits with any thousands separator and an optional multiplier ("300,000",
   "300 000", "1,5 млн", "10.5 million", "10k"), cardinal words ("thirty", "семи",
   "двадцять п'ять", read by number-parser after pymorphy3 has lemmatised inflected
   forms it lacks), and vague quantities or collective numerals ("dozens", "several",
   "семеро", from quantity_words.csv);
2. *expressions*: an atom or a range of two ("300-350", "between 300 and 350",
   "от 300 до 350", "2-3 million") with the qualifier written before or after it
   ("at least", "около", "понад", "or more").

Each expression also says what a reader needs to reject it: whether a minus sign or word
stands before it ("-5", "minus five"), whether it is a range written high to low
("between 50 and 10", only when asked for: see ``find_expressions``) and whether its
value is a whole number once multiplied ("2.5" is not, "1.5 million" is). Digit strings
longer than ``MAX_DIGITS`` and numbers in scientific notation ("1e400") are not read at
all, so no value is ever infinite.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from . import _vocab
from ._text import Token, is_cyrillic, lemmas

_DECIMAL_OR_GROUPS = re.compile(r"^\d+(?:[.,]\d+)*$")

#: Longest number read, in digits. No head-count or amount comes near a quadrillion,
#: every integer of 15 digits is exact as a float (up to 2**53), and a longer digit
#: string is an identifier or pasted noise: one of 400 digits would overflow a float.
MAX_DIGITS = 15
_MAX_VALUE = 10**MAX_DIGITS

#: Signs and words that make the number after them negative. The em dash is left out:
#: prose uses it as punctuation ("the men—5 of them—were").
_MINUS_SIGNS = frozenset({"-", "\u2212", "\u2013", "\u2012", "\ufe63", "\uff0d"})
_MINUS_WORDS = frozenset({"minus", "минус", "мінус"})


def read_decimal(text: str) -> Decimal | None:
    """Exact value of a digit token, as ``read_number`` reads it."""
    t = re.sub(r"[ \u00a0\u202f\u2009]", "", text)
    if not _DECIMAL_OR_GROUPS.match(t) or sum(c.isdigit() for c in t) > MAX_DIGITS:
        return None
    seps = [c for c in t if c in ".,"]
    if not seps:
        return Decimal(t)
    parts = re.split(r"[.,]", t)
    if len(set(seps)) == 2:
        last = seps[-1]
        head, _, tail = t.rpartition(last)
        other = "," if last == "." else "."
        groups = head.split(other)
        if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3 and head.count(last) == 0:
            return Decimal("".join(groups) + "." + tail)
        return None
    if all(len(p) == 3 for p in parts[1:]) and len(parts[0]) <= 3:
        return Decimal("".join(parts))  # thousands groups
    if len(seps) == 1:
        return Decimal(t.replace(",", "."))  # decimal
    return None


def read_number(text: str) -> float | None:
    """Value of a digit token, telling decimal from thousands separators.

    "300,000", "300 000", "1.500.000", "1,500" are thousands; "1,5", "10.5" are
    decimals; with both marks the last one is the decimal ("1,234.56", "1.234,56").
    A separator followed by exactly three digits is read as thousands, which is what a
    head-count or an amount means in practice ("1.500" people, not one and a half).
    Returns None for shapes that are not one number ("31.10.2024", "1.2.3") and for more
    than ``MAX_DIGITS`` digits.
    """
    value = read_decimal(text)
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class Atom:
    """One number: tokens [start, end), its value, or a vague quantity."""

    start: int
    end: int
    value: float | None  # digits or cardinal words, multiplier applied
    base: float | None  # value before the multiplier
    mult: int
    vague: tuple[int | None, int | None, int | None, str] | None  # (low, best, high, qualifier)
    kind: str  # "digits" | "words" | "vague"
    exact: Decimal | None = None  # base as written, exactly (digits and words)

    @property
    def whole(self) -> bool:
        """True when the value is a whole number: "1.5 million" is, "2.5" is not."""
        return self.exact is None or _is_whole(self.exact * self.mult)


@dataclass(frozen=True, slots=True)
class Expression:
    """A number expression with its qualifier: tokens [start, end)."""

    start: int
    end: int
    low: float | None
    best: float | None
    high: float | None
    qualifier: str
    atoms: tuple[Atom, ...]
    year_like: bool  # every atom is a bare year (1900-2100 written without separators)
    negative: bool = False  # a minus sign or word before it: "-5", "minus five"
    descending: bool = False  # a range written high to low: "between 50 and 10" (low > high)
    whole: bool = True  # every bound is a whole number


def token_options(tokens: list[Token], lang: str | None) -> list[tuple[str, ...]]:
    """For each token, the keys it may match: its key and, for Cyrillic words, lemmas."""
    out = []
    for t in tokens:
        if t.kind == "word" and is_cyrillic(t.text):
            out.append(lemmas(t.text, lang))
        else:
            out.append((t.key,))
    return out


def _number_word(options: tuple[str, ...], tok: Token, lang: str | None) -> tuple[str, str] | None:
    """(language, number-parser spelling) of a cardinal word, or None."""
    tables = _vocab.number_words()
    if not is_cyrillic(tok.text):
        parts = tok.key.split("-")
        if all(p in tables["en"] for p in parts):
            return "en", " ".join(tables["en"][p][0] for p in parts)
        return None
    for language in ((lang,) if lang else ("ru", "uk")):
        table = tables[language]
        for k in options:
            if k in table:
                return language, table[k][0]
    return None


def _parse_number_words(words: list[str], language: str) -> float | None:
    try:
        from number_parser import parse_number

        value = parse_number(" ".join(words), language=language)
    except Exception:  # noqa: BLE001 - a library failure on odd input means "no number"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    # "a million million million ...": past MAX_DIGITS it is no count, and it may not fit a float.
    if (isinstance(value, float) and not math.isfinite(value)) or abs(value) >= _MAX_VALUE:
        return None
    return float(value)


def _is_whole(value: Decimal) -> bool:
    return value == value.to_integral_value()


def _scientific_end(tokens: list[Token], i: int) -> int | None:
    """End of a number in scientific notation starting at token i ("1e400", "1.5E-6")."""
    j = i + 1
    if j + 1 >= len(tokens) or tokens[j].key != "e" or tokens[j].spaced:
        return None
    j += 1
    if tokens[j].text in ("+", "-") and not tokens[j].spaced and j + 1 < len(tokens):
        j += 1
    if tokens[j].kind != "num" or tokens[j].spaced:
        return None
    return j + 1


def _minus_before(tokens: list[Token], i: int) -> bool:
    """True when token i is a number with a minus sign or word before it.

    A dash is a minus only when it touches the number and nothing before it: after a
    number it joins a range ("300-350"), after a word it is a hyphen ("COVID-19").
    """
    if i == 0:
        return False
    before = tokens[i - 1]
    if before.kind == "word":
        return before.key in _MINUS_WORDS
    if before.text not in _MINUS_SIGNS or tokens[i].spaced:
        return False
    return i == 1 or before.spaced or tokens[i - 2].kind == "punct"


def _multiplier_at(tokens: list[Token], options: list[tuple[str, ...]], i: int) -> tuple[int, int]:
    """(multiplier, tokens used) of a multiplier word at token i, or (1, 0)."""
    if i >= len(tokens) or tokens[i].kind != "word":
        return 1, 0
    table = _vocab.multipliers()
    for k in options[i]:
        if k in table:
            value, touching = table[k]
            if touching and tokens[i].spaced:
                continue
            used = 1
            if i + 1 < len(tokens) and tokens[i + 1].text == "." and not tokens[i + 1].spaced:
                used = 2  # "тыс.", "млн."
            return value, used
    return 1, 0


def find_atoms(tokens: list[Token], options: list[tuple[str, ...]], lang: str | None) -> list[Atom]:
    """Every number in the phrase, left to right, without overlaps."""
    atoms: list[Atom] = []
    trie = _vocab.quantity_trie()
    numerals = _vocab.number_phrase_trie()
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.kind == "num":
            sci_end = _scientific_end(tokens, i)
            if sci_end is not None:
                i = sci_end  # "1e400 rubles": no count or amount is written so
                continue
            exact = read_decimal(tok.text)
            if exact is None:
                # Its multiplier goes with it: "1.2.3 million" is not "million".
                i += 1 + _multiplier_at(tokens, options, i + 1)[1]
                continue
            base = float(exact)
            mult, used = _multiplier_at(tokens, options, i + 1)
            atoms.append(Atom(i, i + 1 + used, base * mult, base, mult, None, "digits", exact))
            i += 1 + used
            continue
        if tok.kind != "word":
            i += 1
            continue
        phrase = numerals.match(options, i)
        if phrase is not None:  # "полтора миллиона", "one and a half million", "полсотни"
            end, values = phrase
            exact = Decimal(values[0])
            mult, used = _multiplier_at(tokens, options, end)
            atoms.append(Atom(i, end + used, float(exact * mult), float(exact), mult, None, "words", exact))
            i = end + used
            continue
        vague = trie.match(options, i)
        if vague is not None:
            end, values = vague
            low, best, high, qual = values[0]
            mult, used = _multiplier_at(tokens, options, end)
            if mult > 1:  # "several hundred", "a few thousand"
                low, best, high = (None if v is None else v * mult for v in (low, best, high))
            atoms.append(Atom(i, end + used, None, None, mult, (low, best, high, qual), "vague"))
            i = end + used
            continue
        first = _number_word(options[i], tok, lang)
        if first is not None:
            language, spelling = first
            words = [spelling]
            j = i + 1
            while j < n:
                t = tokens[j]
                if language == "en" and t.key == "and" and j + 1 < n and _number_word(options[j + 1], tokens[j + 1], lang):
                    j += 1
                    continue
                if t.text == "-" and not t.spaced and j + 1 < n and not tokens[j + 1].spaced and _number_word(options[j + 1], tokens[j + 1], lang):
                    j += 1  # "twenty - five" written with a detached hyphen
                    continue
                nxt = _number_word(options[j], t, lang) if t.kind == "word" else None
                if nxt is None or nxt[0] != language:
                    break
                words.append(nxt[1])
                j += 1
            value = _parse_number_words(words, language)
            if value is not None:
                atoms.append(Atom(i, j, value, value, 1, None, "words", Decimal(value)))
                i = j
                continue
        i += 1
    return atoms


def _is_year_like(atom: Atom, tokens: list[Token]) -> bool:
    if atom.kind != "digits" or atom.mult != 1:
        return False
    text = tokens[atom.start].text
    return len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2100


_RANGE_DASHES = {"-", "–", "—", "‒", "−"}
_RANGE_WORDS = {"to", "or", "до", "по", "-"}
_RANGE_OPENERS = {"between": "and", "from": "to", "от": "до", "від": "до", "з": "до", "с": "до"}


def _qualifier_before(tokens: list[Token], start: int) -> tuple[str | None, int]:
    """Qualifier phrase ending just before token ``start``: (qualifier, its first token)."""
    table = _vocab.qualifier_phrases()["before"]
    for length in (4, 3, 2, 1):
        s = start - length
        if s < 0:
            continue
        words = tuple(t.key for t in tokens[s:start])
        if words in table:
            return table[words], s
    return None, start


def _qualifier_after(tokens: list[Token], end: int) -> tuple[str | None, int]:
    table = _vocab.qualifier_phrases()["after"]
    for length in (3, 2, 1):
        e = end + length
        if e > len(tokens):
            continue
        words = tuple(t.key for t in tokens[end:e])
        if words in table:
            if words == ("+",) and tokens[end].spaced:
                continue  # "300 + 50" is arithmetic, "300+" is a minimum
            return table[words], e
    # "300-plus"
    if end + 1 < len(tokens) and tokens[end].text == "-" and tokens[end + 1].key == "plus":
        return "at_least", end + 2
    return None, end


def _skip_currency_prefix(tokens: list[Token], options: list[tuple[str, ...]], start: int) -> int:
    """Index before which a qualifier may stand: before "$" in "over $17,000"."""
    if start > 0:
        cur = _vocab.currency_of(tokens[start - 1].text, options[start - 1])
        if cur is not None and cur[1] in ("symbol", "code"):
            start -= 1
            if start > 0 and tokens[start - 1].key == "us":
                start -= 1
    return start


def _unit_after_qualifier(a: Atom, options: list[tuple[str, ...]]) -> Atom | None:
    """"сотни"/"тысячи" are plural ("hundreds") or genitive singular ("около сотни",
    "about a hundred"); after a qualifier they are the latter: one hundred, one thousand."""
    if a.end - a.start != 1:
        return None
    table = _vocab.multipliers()
    for k in options[a.start][1:]:
        if k in table and table[k][0] >= 100:
            value = table[k][0]
            return Atom(a.start, a.end, float(value), float(value), 1, None, "words", Decimal(value))
    return None


def _range_pair(a: Atom, b: Atom, descending: bool = False) -> tuple[float, float, bool] | None:
    """(low, high, whether both are whole) of a range of two digit/word atoms, sharing a
    trailing multiplier; None when they are no range. Bounds written high to low are a
    range only when ``descending`` is asked for; equal bounds never are."""
    if a.value is None or b.value is None:
        return None
    low, high = a.value, b.value
    low_whole = a.whole
    if a.mult == 1 and b.mult > 1 and a.base is not None and b.base is not None and a.base <= b.base:
        low = a.base * b.mult  # "2-3 million", "от 2 до 3 тыс."
        low_whole = a.exact is None or _is_whole(a.exact * b.mult)
    if low == high or (low > high and not descending):
        return None
    return low, high, low_whole and b.whole


def find_expressions(tokens: list[Token], options: list[tuple[str, ...]], lang: str | None, descending: bool = False) -> list[Expression]:
    """Number expressions (ranges and qualifiers applied), left to right.

    With ``descending``, two numbers joined as a range but written high to low ("between
    50 and 10", "50-10") make one expression with ``descending`` set, whose ``low`` is
    above its ``high``; without it they are read as two numbers, the first on its own.
    """
    atoms = find_atoms(tokens, options, lang)
    out: list[Expression] = []
    k = 0
    while k < len(atoms):
        a = atoms[k]
        b = atoms[k + 1] if k + 1 < len(atoms) else None
        start, end = a.start, a.end
        rng = None
        if b is not None and a.kind != "vague" and b.kind != "vague":
            between = tokens[a.end:b.start]
            if between and _vocab.currency_of(between[-1].text, options[b.start - 1]) is not None:
                between = between[:-1]  # "$2,000-$3,000", "between $2,000 and $3,000"
                if between and between[-1].key == "us":
                    between = between[:-1]
            keys = [t.key for t in between]
            opener = tokens[a.start - 1].key if a.start > 0 else None
            if a.start > 0 and opener not in _RANGE_OPENERS and _vocab.currency_of(tokens[a.start - 1].text, options[a.start - 1]) is not None:
                opener = tokens[a.start - 2].key if a.start > 1 else None  # "between $2,000 and ..."
            if len(between) == 1 and (between[0].text in _RANGE_DASHES or between[0].key in _RANGE_WORDS):
                # "300-350", "300 to 350", "от 300 до 350"
                if between[0].key in ("до",) and opener not in _RANGE_OPENERS:
                    rng = None
                else:
                    rng = _range_pair(a, b, descending)
            elif len(between) == 1 and opener in _RANGE_OPENERS and keys[0] == _RANGE_OPENERS[opener]:
                rng = _range_pair(a, b, descending)  # "between 300 and 350"
            if rng is not None:
                end = b.end
                if opener in _RANGE_OPENERS:
                    start = _skip_currency_prefix(tokens, options, start) - 1
        year_like = _is_year_like(a, tokens) and (rng is None or _is_year_like(b, tokens))  # type: ignore[arg-type]
        negative = _minus_before(tokens, a.start)
        if rng is not None:
            qual_after, end2 = _qualifier_after(tokens, end)
            out.append(Expression(start, end2 if qual_after else end, rng[0], None, rng[1], "range", (a, b), year_like,  # type: ignore[arg-type]
                                  negative, rng[0] > rng[1], rng[2]))
            k += 2
            continue
        qual, qstart = _qualifier_before(tokens, _skip_currency_prefix(tokens, options, start))
        qual_after, end2 = _qualifier_after(tokens, end)
        if a.kind == "vague" and qual is not None:
            a = _unit_after_qualifier(a, options) or a  # "около тысячи", "близько сотні": one unit
        if a.kind == "vague":
            low, best, high, vq = a.vague  # type: ignore[misc]
            out.append(Expression(qstart if qual else start, end, low, best, high, vq, (a,), False, negative))
        else:
            q = qual or qual_after or "exact"
            v = a.value
            low, best, high = {
                "exact": (v, v, v),
                "at_least": (v, v, None),
                "approximately": (None, v, None),
                "up_to": (None, None, v),
            }[q]
            out.append(Expression(qstart if qual else start, end2 if qual_after else end, low, best, high, q, (a,), year_like,
                                  negative, False, a.whole))
        k += 1
    return out


@dataclass(frozen=True)
class Refusal:
    """Why a normaliser gives no value (or a misstated one): the message a coder reads,
    and what would be accepted instead."""

    reason: str
    accepted: str

    def __str__(self) -> str:
        return self.reason


def _figure(value: float | None) -> str:
    return "" if value is None else (f"{value:.0f}" if float(value).is_integer() else f"{value:g}")


def misstatement(expr: Expression, whole_required: bool = True) -> Refusal | None:
    """Why a number expression is no value as written: negative, a range written high
    to low, or (for persons) not a whole number."""
    if expr.negative:
        return Refusal("a negative number", "zero or more, without a minus sign")
    if expr.descending:
        return Refusal(f"the lower bound is above the upper bound ({_figure(expr.low)} > {_figure(expr.high)})",
                       "a range whose lower bound comes first, e.g. '10-50'")
    if whole_required and not expr.whole:
        return Refusal("not a whole number of persons", "a whole number of persons")
    return None


@lru_cache(maxsize=1)
def month_keys() -> frozenset[str]:
    return frozenset(_vocab.months())
