"""Evidence: every quote looked for in its source's archived text, every phrase in its quote.

Quotes are queued while the records are checked (one table of record, step, sub-step,
field, quote, phrase that must occur in it, coder's value, line of the quote) and looked
for together at the end: each distinct (text, quote) once, exactly first, then with runs
of whitespace collapsed. The quotes found for coded records make the evidence table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..columnar import as_text, distinct, pick
from .findings import STEPS, Findings
from .raw.text import WHITESPACE

MATCH_KINDS = ("exact", "whitespace", "unicode")
#: Quotes searched (and their phrases tested) at a time, to keep the Python strings few.
QUOTE_CHUNK = 200_000


class QuoteQueue:
    """The quotes to look for, queued by the checks as they meet them."""

    def __init__(self):
        self.parts: list[pa.Table] = []

    def add(self, step: str, pos, field, quote, phrase=None, coder_value=None, line=-1, sub=0) -> None:
        """Queue the quotes of records ``pos``; the other arguments hold one value per quote or one for all."""
        def column(v, type_):
            if isinstance(v, (pa.Array, pa.ChunkedArray)):
                return v.cast(type_)
            if isinstance(v, (np.ndarray, pd.Series)):
                return pa.array(v, type_, from_pandas=True)
            return pa.nulls(len(pos), type_) if v is None else pa.array(np.full(len(pos), v), type_)

        self.parts.append(pa.table({
            "pos": pa.array(np.asarray(pos, dtype=np.int64)), "step": column(STEPS.index(step), pa.int64()),
            "sub": column(sub, pa.int64()), "field": column(field, pa.large_string()), "quote": column(quote, pa.large_string()),
            "phrase": column(phrase, pa.large_string()), "coder_value": column(coder_value, pa.large_string()),
            "line": column(line, pa.int64())}))

    def table(self) -> pa.Table:
        """Every quote queued, in one table (the queue is emptied)."""
        table = pa.concat_tables(self.parts)
        self.parts.clear()
        return table


class QuoteFinder:
    """Finds quotes in the archived texts: exactly; else with whitespace runs collapsed; else
    with both sides also in Unicode's composed form (NFC), so that a quote typed with
    "é" as one character is found in a text that holds "e" and a combining accent. The
    offsets are always those of the original text."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts
        self._collapsed: dict[str, tuple[str, np.ndarray]] = {}
        self._composed: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}

    def _collapse(self, sid: str) -> tuple[str, np.ndarray]:
        """The text with each run of whitespace made one space, and where each kept character was."""
        if sid not in self._collapsed:
            text = self.texts[sid]
            code = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            space = np.isin(code, _space_codes())
            keep = ~space
            keep[:1] |= space[:1]
            keep[1:] |= space[1:] & ~space[:-1]  # a run of whitespace keeps its first character
            index = np.flatnonzero(keep)
            kept = np.where(space[index], np.uint32(ord(" ")), code[index])
            self._collapsed[sid] = (kept.tobytes().decode("utf-32-le"), index)
        return self._collapsed[sid]

    def find(self, sid: str, quote: str) -> tuple[int, int, str] | None:
        text = self.texts.get(sid)
        if text is None or not quote:
            return None
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote), "exact"
        collapsed, index = self._collapse(sid)
        q = " ".join(quote.split())
        j = collapsed.find(q)
        if j >= 0:
            return int(index[j]), int(index[j + len(q) - 1]) + 1, "whitespace"
        composed, first, last = self._compose(sid)
        q = unicodedata.normalize("NFC", q)
        j = composed.find(q) if q else -1
        if j < 0:
            return None
        return int(first[j]), int(last[j + len(q) - 1]), "unicode"

    def _compose(self, sid: str) -> tuple[str, np.ndarray, np.ndarray]:
        """The collapsed text in NFC, and for each of its characters the original span it came from.

        NFC joins a character with the combining marks after it: each such cluster is
        composed on its own, so every composed character maps back to its cluster.
        """
        if sid not in self._composed:
            collapsed, index = self._collapse(sid)
            bounds = [0] + [i for i in range(1, len(collapsed)) if not unicodedata.combining(collapsed[i])] + [len(collapsed)]
            pieces, first, last = [], [], []
            for a, b in zip(bounds[:-1], bounds[1:]):
                piece = unicodedata.normalize("NFC", collapsed[a:b])
                pieces.append(piece)
                first += [index[a]] * len(piece)
                last += [index[b - 1] + 1] * len(piece)
            self._composed[sid] = ("".join(pieces), np.array(first, dtype=np.int64), np.array(last, dtype=np.int64))
        return self._composed[sid]

    def closest(self, sid: str, quote: str) -> str:
        """Where a quote that was not found comes nearest the text, for the coder: the passage
        and the first character that differs (a straight ' against a typographic ’ is invisible)."""
        composed, _, _ = self._compose(sid)
        q = unicodedata.normalize("NFC", " ".join(quote.split()))
        if not q or not composed:
            return ""
        head = _longest(lambda k: composed.find(q[:k]) >= 0, len(q))
        tail = _longest(lambda k: composed.find(q[len(q) - k:]) >= 0, len(q))
        if max(head, tail) < 4:
            return "; no passage of the text starts or ends like it"
        if head >= 4:  # the first difference, read from the start
            at = composed.find(q[:head])
            passage, differs, text_char = composed[at:at + len(q)], head, composed[at + head:at + head + 1]
        else:
            end = composed.find(q[len(q) - tail:]) + tail
            passage, differs = composed[max(0, end - len(q)):end], len(q) - tail - 1
            text_char = passage[differs - (len(q) - len(passage))] if differs - (len(q) - len(passage)) >= 0 else ""
        shown = passage if len(passage) <= 100 else passage[:97] + "..."
        return (f"; the closest passage is {shown!r}, which differs at character {differs + 1} of the quote: "
                f"{_char(q[differs])} in the quote, {_char(text_char)} in the text")

    def find_all(self, sids: list[str], quotes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end, match kind) of each quote in its source's text: start -1 where not found,
        the kind as its place in MATCH_KINDS."""
        texts = self.texts
        start = np.array([texts[s].find(q) for s, q in zip(sids, quotes)], dtype=np.int64)
        end = start + np.fromiter(map(len, quotes), dtype=np.int64, count=len(quotes))
        kind = np.zeros(len(quotes), dtype=np.int8)
        for i in np.flatnonzero(start < 0):  # few: try again with whitespace collapsed
            hit = self.find(sids[i], quotes[i])
            if hit is not None:
                start[i], end[i], kind[i] = hit[0], hit[1], MATCH_KINDS.index(hit[2])
        return start, end, kind


def _longest(found, n: int) -> int:
    """The largest k <= n with found(k) true (found is true up to some k, false after)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if found(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _char(c: str) -> str:
    return f"{c!r} (U+{ord(c):04X})" if c else "the end of the text"


def _space_codes() -> np.ndarray:
    """The characters str.split() takes for whitespace."""
    return np.fromiter(map(ord, WHITESPACE), dtype=np.uint32)


def phrases_in_quotes(phrases: list[str], quotes: list[str]) -> np.ndarray:
    """Whether each phrase occurs in its quote: whitespace runs collapsed, case and Unicode
    normal form (NFC) aside.

    A phrase already in that collapsed form (no whitespace at its ends, single spaces
    inside) that occurs in its quote as written passes the test as well: collapsing the
    quote's whitespace keeps the occurrence, and case folding maps each character on its
    own. Those are found at once; the others are tested one by one.
    """
    from numpy.dtypes import StringDType

    collapsed_form = {p: p == " ".join(p.split()) for p in set(phrases)}
    as_written = np.strings.find(np.array(quotes, dtype=StringDType()), np.array(phrases, dtype=StringDType())) >= 0
    ok = as_written & np.fromiter((collapsed_form[p] for p in phrases), dtype=bool, count=len(phrases))
    for i in np.flatnonzero(~ok):
        ok[i] = _fold(" ".join(phrases[i].split())) in _fold(" ".join(quotes[i].split()))
    return ok



def find_quotes(quotes: pa.Table, sid: pd.Series, coded: np.ndarray, texts: dict[str, str], found: Findings) -> Evidence:
    """Look for each quote in its source's text, and for each phrase in its quote.

    ``quotes`` holds one row per quote to check (see QuoteQueue). Problems go
    to ``found``; the quotes found for coded records are returned for the evidence table.
    """
    q_pos = quotes["pos"].to_numpy()
    text_names = list(texts)
    q_text = pc.index_in(as_text(sid), value_set=as_text(text_names)).fill_null(-1).to_numpy(zero_copy_only=False)[q_pos]
    # Each distinct (text, quote) is looked for once: several fields often quote one sentence.
    quote_code, quote_values = pd.factorize(pd.Series(quotes["quote"], dtype="str"))
    quote_values = as_text(quote_values)
    searched = np.flatnonzero((quote_code >= 0) & (q_text >= 0))
    d = distinct(quote_code[searched], q_text[searched])
    codes, first = d.codes, d.first
    start, end = np.full(len(first), -1, dtype=np.int64), np.zeros(len(first), dtype=np.int64)
    match_kind = np.zeros(len(first), dtype=np.int8)
    finder = QuoteFinder(texts)
    for begin in range(0, len(first), QUOTE_CHUNK):
        part = searched[first[begin:begin + QUOTE_CHUNK]]
        chunk = slice(begin, begin + len(part))
        start[chunk], end[chunk], match_kind[chunk] = finder.find_all([text_names[t] for t in q_text[part]],
                                                                      pick(quote_values, quote_code[part]))
    start, end, match_kind = start[codes], end[codes], match_kind[codes]
    q_line, q_step, q_sub = (quotes[c].to_numpy() for c in ("line", "step", "sub"))
    missing = searched[start < 0]
    fields = pick(quotes["field"], missing)
    found.add(q_step, missing, fields, ["quote not found in the archived text of " + text_names[t] + finder.closest(text_names[t], q)
                                        for t, q in zip(q_text[missing], pick(quote_values, quote_code[missing]))],
              value=pick(quote_values, quote_code[missing]), pos=q_pos, sub=q_sub,
              line=[ln if ln >= 0 else found.line(int(p), f"{f}_quote", f) for ln, p, f in zip(q_line[missing], q_pos[missing], fields)],
              accepted="a passage copied verbatim from the archived text (whitespace may differ)")
    hit = searched[start >= 0]
    start, end, match_kind = start[start >= 0], end[start >= 0], match_kind[start >= 0]
    checked = hit[quotes["phrase"].is_valid().to_numpy(zero_copy_only=False)[hit]]
    stray = [part[~phrases_in_quotes(pick(quotes["phrase"], part), pick(quote_values, quote_code[part]))]
             for part in (checked[begin:begin + QUOTE_CHUNK] for begin in range(0, len(checked), QUOTE_CHUNK))]
    stray = np.concatenate(stray) if stray else np.zeros(0, dtype=np.int64)
    fields = pick(quotes["field"], stray)
    found.add(q_step, stray, fields, "the phrase does not occur in its quote", value=pick(quotes["phrase"], stray),
              pos=q_pos, sub=q_sub + 1, line=[found.line(int(p), f"{f}_phrase") for p, f in zip(q_pos[stray], fields)],
              accepted="a phrase copied from the quote; put a resolved reading in 'value'")

    # Quotes of excluded records stay private.
    published = hit[coded[q_pos[hit]]]
    keep = coded[q_pos[hit]]
    return Evidence(quotes.drop_columns(["quote"]), quote_values, quote_code, published, q_pos[published], start[keep], end[keep],
                     match_kind[keep])


@dataclass
class Evidence:
    """The quotes found, for the evidence table: the rows of the checked quotes (their field,
    phrase, coder's value), the distinct quotes and each row's quote among them, and where
    each was found."""

    checks: pa.Table
    quotes: pa.Array
    quote_code: np.ndarray
    rows: np.ndarray
    pos: np.ndarray  # the record of each row
    start: np.ndarray
    end: np.ndarray
    match_kind: np.ndarray

    def release(self) -> None:
        """Let the arrays go once the evidence table is made (they are the size of the table)."""
        self.checks = self.quotes = self.quote_code = self.rows = self.pos = self.start = self.end = self.match_kind = None


