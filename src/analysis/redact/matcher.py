"""One matcher for every restricted value of every record.

Each value a coder lists under ``victim_names`` or ``identifying_details`` becomes a
*pattern*: a sequence of word slots, each slot the set of coarse forms its word takes
(``spelling``: case, Unicode, spaces, inflection, alphabet). A listed value matches in
any case. A name (every value of ``victim_names``, and an identifying detail whose
words all begin with a capital letter) also gives a pattern for each of its parts (the
words between spaces, a hyphenated compound staying one part) of three letters or more
that begins with a capital letter in the listing: "Zelimkhan Mustafinov" withholds
"Mustafinov" alone. A part is withheld where it stands as a name: written with a capital
initial, or in a cell without spaces (an identifier, a file name, a web address), so
that the part "Said" of a name does not withhold the English verb "said".

Words are matched whole, so "Anuar" never matches inside "January"; a word may carry an
English -s ("Mustafinov's": the apostrophe is ignored). The matcher is compiled once: a
column is first narrowed to the cells holding a form of each pattern's longest word (in
Arrow: one table look-up per byte, then a regular expression of those forms, or a hash
look-up of every word when they are too many for one), and only those cells are matched
word by word in Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..codebook import WITHHELD
from .spelling import FILLER, SEPARATOR, coarse_array, coarse_char, tokens, word_forms
#: A listed value needs a word of at least this many letters, and a name's part this many
#: to be withheld alone: shorter ones ("A.", "Li", "39") would withhold common words everywhere.
MIN_LETTERS = 3
#: The keys of a record whose values are withheld.
RESTRICTED_KEYS = ("victim_names", "identifying_details")
#: Anchor forms one regular expression looks for: RE2 keeps about a thousand alternatives in
#: its fast automaton (0.2 s per 100 MB of text) and falls back to a far slower one beyond.
REGEX_GROUP = 800
#: Above this many expressions, splitting the texts into words and hashing each is faster.
MAX_REGEX_GROUPS = 4
#: Text looked at in one piece (bytes): bounds the copies a column's pass makes at once.
SCAN_BYTES = 8 * 2**20


@dataclass(frozen=True)
class Listing:
    """A restricted value and where a coder listed it."""

    value: str
    key: str  # victim_names | identifying_details
    file: str
    line: int | None
    record: str | None

    def where(self) -> str:
        """Where the value is listed, without the value (safe to print anywhere)."""
        at = self.file + (f":{self.line}" if self.line else "")
        return f"listed under {self.key} of record {self.record or '(no id)'} ({at})"


@dataclass(frozen=True)
class Hit:
    """A restricted value (or a part of a name) found in a text: characters start to end."""

    start: int
    end: int
    listed: bool  # the value as listed; False for a part of a listed name
    value: int  # which restricted value (Redactor.values)


@dataclass(frozen=True)
class _Pattern:
    slots: tuple[frozenset[str], ...]
    listed: bool
    value: int


@dataclass
class _Word:
    text: str
    chunk: int  # words between the same spaces share a chunk ("Said-Ali" is two words, one chunk)
    letters: int = field(init=False)

    def __post_init__(self):
        self.letters = sum(c.isalpha() for c in self.text)


def value_words(value: str) -> list[_Word]:
    """The words of a listed value, split where its coarse form separates words."""
    out: list[_Word] = []
    chunk, current = 0, []
    for ch in value + " ":
        if SEPARATOR in coarse_char(ch):
            if current:
                out.append(_Word("".join(current), chunk))
                current = []
            if ch.isspace():
                chunk += 1
        else:
            current.append(ch)
    return [w for w in out if w.letters or any(c.isdigit() for c in w.text)]


def too_short(value: str) -> bool:
    """True when a value has no word of MIN_LETTERS letters (it cannot be withheld safely)."""
    return not any(w.letters >= MIN_LETTERS for w in value_words(normal(value)))


def normal(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())


def is_name(value: str, key: str) -> bool:
    """Whether a value is a name: a victim's, or a detail whose every word is capitalised."""
    if key == "victim_names":
        return True
    initials = [w.text[0] for w in value_words(value) if w.text[0].isalpha()]
    return bool(initials) and all(c.isupper() for c in initials)


class Redactor:
    """Finds and withholds every restricted value of every record in any text."""

    def __init__(self, listings: Iterable[Listing]):
        by_value: dict[str, list[Listing]] = {}
        for listing in listings:
            if not too_short(listing.value):
                by_value.setdefault(normal(listing.value), []).append(listing)
        self.values = list(by_value)
        self.listings = list(by_value.values())
        patterns: dict[tuple, _Pattern] = {}
        for i, value in enumerate(self.values):
            for p in _patterns(value, i, any(is_name(value, x.key) for x in self.listings[i])):
                key = (p.slots, p.listed)
                if key not in patterns or (p.listed and not patterns[key].listed):
                    patterns[key] = p
        self.patterns = list(patterns.values())
        self._first: dict[str, list[int]] = {}
        for n, p in enumerate(self.patterns):
            for form in p.slots[0]:
                self._first.setdefault(form, []).append(n)
        # Each pattern's longest word: a text holding none of these holds no pattern.
        anchors = sorted({form for p in self.patterns for form in max(p.slots, key=lambda s: min(map(len, s)))})
        self._anchors = pa.array(anchors + [a + "s" for a in anchors], pa.large_string())
        groups = [anchors[i:i + REGEX_GROUP] for i in range(0, len(anchors), REGEX_GROUP)]
        self._regexes = [f"(?:^| )(?:{'|'.join(map(re.escape, g))})s?(?: |$)" for g in groups] \
            if len(groups) <= MAX_REGEX_GROUPS else None

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def hits(self, text: str) -> list[Hit]:
        """Every restricted value and name part in ``text``, by character span."""
        toks = tokens(text)
        found = []
        no_spaces = None
        for i, (word, start, _) in enumerate(toks):
            starting = self._first.get(word, []) + (self._first.get(word[:-1], []) if word.endswith("s") else [])
            for n in dict.fromkeys(starting):
                p = self.patterns[n]
                k = len(p.slots)
                if i + k > len(toks) or any(not _among(toks[i + j][0], p.slots[j]) for j in range(1, k)):
                    continue
                if not p.listed:
                    if no_spaces is None:
                        no_spaces = not any(c.isspace() for c in text)
                    if not (text[start].isupper() or text[start].istitle() or no_spaces):
                        continue
                found.append(Hit(start, toks[i + k - 1][2], p.listed, p.value))
        return found

    def redact(self, text: str, hits: list[Hit] | None = None) -> str:
        """``text`` with every span of a hit replaced by WITHHELD."""
        spans = sorted((h.start, h.end) for h in (self.hits(text) if hits is None else hits))
        if not spans:
            return text
        out, at = [], 0
        for start, end in _merged(spans):
            out += [text[at:start], WITHHELD]
            at = end
        return "".join(out) + text[at:]

    def candidates(self, texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Positions of the texts that may hold a restricted value (a superset of those that do)."""
        if not self.patterns or not len(texts):
            return np.zeros(0, dtype=np.int64)
        found = [start + self._narrowed(part) for start, part in _slices(texts)]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def _narrowed(self, texts: pa.Array) -> np.ndarray:
        """``candidates`` of a slice of texts small enough for its temporary copies."""
        texts = texts if texts.type == pa.large_string() else texts.cast(pa.large_string())
        words = pc.replace_substring(coarse_array(texts.fill_null("") if texts.null_count else texts), FILLER, "")
        if self._regexes is not None:
            hit = pc.match_substring_regex(words, self._regexes[0])
            for regex in self._regexes[1:]:
                hit = pc.or_(hit, pc.match_substring_regex(words, regex))
            return np.flatnonzero(hit.to_numpy(zero_copy_only=False)).astype(np.int64)
        split = pc.split_pattern(words, SEPARATOR)
        hit = np.flatnonzero(pc.is_in(pc.list_flatten(split), value_set=self._anchors).to_numpy(zero_copy_only=False))
        return np.unique(np.asarray(pc.list_parent_indices(split))[hit]).astype(np.int64)

    def find(self, texts) -> dict[int, list[Hit]]:
        """The hits of each text that has some, by position (``texts``: Arrow array, chunked or not, or a list)."""
        texts = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(list(texts), pa.large_string())
        at = self.candidates(texts)
        found = {}
        for i, text in zip(at.tolist(), texts.take(at).to_pylist()):
            hits = self.hits(text)
            if hits:
                found[i] = hits
        return found

    def where(self, hits: Iterable[Hit]) -> list[Listing]:
        """The listings of the values behind some hits, each once."""
        return list(dict.fromkeys(x for h in hits for x in self.listings[h.value]))


def _patterns(value: str, index: int, name: bool) -> list[_Pattern]:
    """The listed value as a pattern, and, for a name, one pattern per part."""
    ws = value_words(value)
    forms = [word_forms(w.text, name and w.text[0].isupper()) for w in ws]
    out = [_Pattern(tuple(forms), True, index)]
    chunks = sorted({w.chunk for w in ws})
    if name and len(chunks) > 1:
        for chunk in chunks:
            part = [(w, f) for w, f in zip(ws, forms) if w.chunk == chunk]
            if part[0][0].text[0].isupper() and sum(w.letters for w, _ in part) >= MIN_LETTERS:
                out.append(_Pattern(tuple(f for _, f in part), False, index))
    return [p for p in out if all(p.slots)]


def _slices(texts: pa.Array | pa.ChunkedArray):
    """(position of the first, slice) of a column in pieces of about SCAN_BYTES of text."""
    start = 0
    for chunk in (texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]):
        size = pc.sum(pc.binary_length(chunk)).as_py() or 0
        rows = max(1, int(len(chunk) * SCAN_BYTES / size)) if size else len(chunk) or 1
        for at in range(0, len(chunk), rows):
            yield start + at, chunk.slice(at, rows)
        start += len(chunk)


def _among(word: str, forms: frozenset[str]) -> bool:
    """Whether a word is one of the forms, or one of them with an English -s."""
    return word in forms or (word.endswith("s") and word[:-1] in forms)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
