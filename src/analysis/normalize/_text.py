"""Shared machinery of the normalisers: input guards, tokens, keys, morphology, tables.

Nothing here imports a heavy library at module level: pymorphy3 and the data tables load
on first use, so ``import analysis.normalize`` stays fast.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

#: The alias and vocabulary tables (see data/README.md).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"

#: Longest text the normalisers read. They are meant for phrases and sentences; cutting
#: pasted articles keeps the worst-case time of one call bounded.
MAX_TEXT_CHARS = 5000

#: Size of the per-function caches of parsed phrases: real columns repeat a few thousand
#: distinct phrases, far below this.
CACHE_SIZE = 1 << 16

APOSTROPHES = "'’ʼ`´ʹ‘"
_APOSTROPHE_RE = re.compile(f"[{APOSTROPHES}]")
_SPACES = " \u00a0\u202f\u2009"

# Numbers: space-grouped thousands first ("300 000", with no-break and thin spaces), then
# digits with any mix of . and , (read later by read_number, which tells decimal from
# thousands separators).
_TOKEN_RE = re.compile(
    rf"(?P<num>\d{{1,3}}(?:[{_SPACES}]\d{{3}}(?!\d))+(?:[.,]\d+)?|\d+(?:[.,]\d+)*)"
    rf"|(?P<word>[^\W\d_]+(?:[-{APOSTROPHES}][^\W\d_]+)*)"
    r"|(?P<punct>\S)"
)

_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_UK_ONLY = set("іїєґІЇЄҐ")
_RU_ONLY = set("ыэъёЫЭЪЁ")

_LATIN_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "ŀ": "l"})


def as_text(value: object) -> str | None:
    """The text to parse, or None for a missing value.

    The normalisers accept whatever a data frame cell holds: None and NaN mean "no
    text"; numbers are read as their decimal text; anything else as ``str(value)``.
    """
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        text = value
    else:
        try:
            if value != value:  # pandas NA / NaT compare unequal to themselves
                return None
        except (TypeError, ValueError):
            return None
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - a cell whose __str__ fails holds no text
            return None
    text = text[:MAX_TEXT_CHARS]
    # Lone surrogates cannot be encoded and break third-party code; they carry no text.
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if text.strip() else None


def fold(text: str) -> str:
    """Lower-case and strip Latin diacritics, keeping Cyrillic letters intact.

    NFKD would split Cyrillic й and ё into a base letter and a combining mark, which
    changes the word; so only Latin letters are decomposed.
    """
    if text.isascii():
        return text.lower()
    out = []
    for ch in text.casefold().translate(_LATIN_FOLD):
        if ord(ch) < 0x0250 and not ch.isascii():
            out.extend(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        elif ch == "ё":
            out.append("е")
        else:
            out.append(ch)
    return "".join(out)


def key(text: str) -> str:
    """Comparison key of a word or phrase: folded, apostrophes dropped, spaces single."""
    return " ".join(_APOSTROPHE_RE.sub("", fold(text)).split())


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC_RE.search(text))


def cyrillic_language(text: str) -> str | None:
    """'uk' or 'ru' when letters only one of the two alphabets has decide it, else None."""
    chars = set(text)
    uk, ru = bool(chars & _UK_ONLY), bool(chars & _RU_ONLY)
    if uk and not ru:
        return "uk"
    if ru and not uk:
        return "ru"
    return None


@dataclass(frozen=True, slots=True)
class Token:
    """One token of a phrase."""

    text: str
    kind: str  # "num" | "word" | "punct"
    start: int
    end: int
    key: str
    spaced: bool  # whitespace precedes it

    @property
    def is_capitalised(self) -> bool:
        return self.text[:1].isupper()


def tokenize(text: str) -> list[Token]:
    """Split text into number, word and punctuation tokens."""
    tokens: list[Token] = []
    prev_end = 0
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "punct"
        raw = m.group()
        spaced = m.start() > prev_end or not tokens
        tokens.append(Token(raw, kind, m.start(), m.end(), key(raw) if kind == "word" else raw, spaced))
        prev_end = m.end()
    return tokens


def mixed_case(text: str) -> bool:
    """True when the text has both cases, so capitalisation can mark proper nouns."""
    return any(c.islower() for c in text) and any(c.isupper() for c in text)


# --------------------------------------------------------------------------------------
# Morphology (pymorphy3 with its Russian and Ukrainian dictionaries)
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def morph(lang: str):
    """The pymorphy3 analyser of a language ('ru' or 'uk'), loaded once."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


def _morph_form(word: str) -> str:
    # pymorphy3's Ukrainian dictionary spells the apostrophe as ASCII '.
    return _APOSTROPHE_RE.sub("'", word.lower())


@lru_cache(maxsize=1 << 18)
def lemmas(word: str, lang: str | None = None) -> tuple[str, ...]:
    """Keys a Cyrillic word may stand for: its own key and the lemmas of its parses.

    ``lang`` limits the analysis to one language when the phrase's alphabet decides it;
    otherwise both dictionaries are asked, since "Крым" and "Крим" look alike to a reader
    but not to a dictionary. Latin words are returned as they are (their variants live in
    the alias tables).
    """
    own = key(word)
    if not is_cyrillic(word):
        return (own,)
    out = [own]
    for language in ((lang,) if lang else ("ru", "uk")):
        try:
            parses = morph(language).parse(_morph_form(word))
        except Exception:  # noqa: BLE001 - a dictionary failure must not end the parse
            continue
        for p in parses:
            lemma = key(p.normal_form)
            if lemma not in out:
                out.append(lemma)
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def grammemes(word: str, lang: str | None = None) -> frozenset[str]:
    """Grammemes of a Cyrillic word's most likely parse in each language asked."""
    if not is_cyrillic(word):
        return frozenset()
    out: set[str] = set()
    for language in ((lang,) if lang else ("ru", "uk")):
        try:
            parses = morph(language).parse(_morph_form(word))
        except Exception:  # noqa: BLE001
            continue
        if parses:
            out |= set(parses[0].tag.grammemes)
    return frozenset(out)


# --------------------------------------------------------------------------------------
# Data tables
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def read_table(name: str, required: tuple[str, ...], nonempty: tuple[str, ...] = ()) -> tuple[dict[str, str], ...]:
    """Rows of ``data/<name>``.

    Fails naming the file, line and column when a required column is missing or a
    ``nonempty`` cell is empty, so a bad edit of a table stops the first parse loudly.
    """
    path = DATA_DIR / name
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; expected at least {list(required)}")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
            for col in nonempty:
                if not clean.get(col):
                    raise ValueError(f"{path}, line {lineno}: column {col!r} is empty")
            rows.append(clean)
    return tuple(rows)


def phrase_keys(phrase: str, lang: str | None = None) -> list[tuple[str, ...]]:
    """Key sequences a table phrase can match: as written, and lemmatised if Cyrillic."""
    words = [t.text for t in tokenize(phrase) if t.kind == "word" or t.text in "~≈+"]
    if not words:
        return []
    surface = tuple(key(w) for w in words)
    out = [surface]
    if is_cyrillic(phrase):
        lemmatised = tuple((lemmas(w, lang)[1:2] or (key(w),))[0] for w in words)
        if lemmatised != surface:
            out.append(lemmatised)
    return out


class PhraseTrie:
    """Longest-match lookup of multi-word phrases over token keys or lemma sets."""

    __slots__ = ("root",)

    def __init__(self) -> None:
        self.root: dict = {}

    def add(self, keys: Iterable[str], value: object) -> None:
        node = self.root
        for k in keys:
            node = node.setdefault(k, {})
        node.setdefault(None, []).append(value)

    def match(self, options: list[tuple[str, ...]], start: int, stop: int | None = None) -> tuple[int, list] | None:
        """Longest phrase starting at ``start`` and ending by ``stop``; ``options[i]``
        are the keys of token i. Returns (end index, values) or None.
        """
        best: tuple[int, list] | None = None
        frontier = [self.root]
        i = start
        limit = len(options) if stop is None else min(stop, len(options))
        while frontier and i < limit:
            nxt = []
            seen: set[int] = set()
            for node in frontier:
                for k in options[i]:
                    child = node.get(k)
                    if child is not None and id(child) not in seen:
                        seen.add(id(child))
                        nxt.append(child)
            i += 1
            for node in nxt:
                if None in node:
                    best = (i, node[None])
                    break
            frontier = nxt
        return best
