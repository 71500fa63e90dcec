"""Spellings of a name that a reader would take for the same name.

Text is compared in a *coarse form*: every character is mapped, on its own, to a few
plain letters, so that two spellings of one name have the same coarse form:

- Unicode compatibility forms and diacritics fold to their base letters (NFKD without
  marks: fullwidth, mathematical and accented letters, a decomposed NFD "й");
- upper and lower case fold together (casefold);
- Cyrillic is transliterated into Latin letters (Мустафинов and Mustafinov meet), and
  letters that romanisations and look-alike typing mix up are folded together: y/i/й/ы,
  g/h/г (Ukrainian "Hlib", Russian "Gleb"), c/s/с, p/r/р, w/v, q/k, ё/е;
- apostrophes, the soft and hard signs, soft hyphens, zero-width and other format
  characters and combining marks are ignored (they leave a *filler*, so a word with
  them inside stays one word);
- every other character (spaces of every kind, hyphens and dashes, punctuation) is a
  separator between words.

Each character's coarse form takes at most as many bytes as its UTF-8 encoding (shorter
ones are padded with fillers), so a whole column can be mapped byte for byte with one
table look-up (``coarse_array``) and its offsets stay those of the original text.

The forms of a restricted value's words add what the coarse form cannot see: the
inflected forms of Russian and Ukrainian words (pymorphy3, and the endings of surnames in
-ов/-ев/-ин), and the other alphabet's spelling (Latin <-> Cyrillic transliteration).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pyarrow as pa

#: Left where an ignored character stood; words are read without them.
FILLER = "\x01"
SEPARATOR = " "
#: Characters ignored inside a word (apostrophes and their look-alikes, the soft and hard signs).
IGNORED = frozenset("'’ʼ`´ʹ‘ʻʽ" + "ьъЬЪ")
_IGNORED_CATEGORIES = frozenset({"Cf", "Mn", "Me", "Mc"})

#: Cyrillic letters (lower case, after NFKD without marks: й is и, ё is е, ї is і) in Latin letters.
CYRILLIC_TO_COARSE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z", "и": "i",
    "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ў": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "i", "э": "e", "ю": "iu",
    "я": "ia", "ӏ": "",
}
#: Latin letters folded together: romanisations disagree on them (y/i, h/g, w/v, q/k) or a
#: look-alike of the other alphabet is typed for them (c for с, p for р); letters without
#: a decomposition are spelled out.
LATIN_TO_COARSE = {"y": "i", "h": "g", "c": "s", "p": "r", "w": "v", "q": "k", "ı": "i", "ł": "l", "ø": "o", "đ": "d",
                   "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d"}
_ASCII_FOLDS = {k: v for k, v in LATIN_TO_COARSE.items() if k.isascii()}


@functools.lru_cache(maxsize=None)
def coarse_char(ch: str) -> str:
    """The coarse form of one character: letters, or a separator, padded with fillers to its UTF-8 length."""
    size = len(ch.encode("utf-8"))
    if ch in IGNORED or unicodedata.category(ch) in _IGNORED_CATEGORIES:
        return FILLER * size
    out = []
    for part in unicodedata.normalize("NFKD", ch):
        if part in IGNORED or unicodedata.category(part) in _IGNORED_CATEGORIES:
            continue
        for c in part.casefold():
            if c in CYRILLIC_TO_COARSE:
                out.append(CYRILLIC_TO_COARSE[c])
            elif c in LATIN_TO_COARSE and not c.isascii():
                out.append(LATIN_TO_COARSE[c])
            elif c.isalnum():
                out.append(c)  # digits, and letters of other alphabets as they are
            else:
                out.append(SEPARATOR)
    # The folds apply to transliterated letters too: х is "kh", folded like a Latin "kh".
    text = "".join(_ASCII_FOLDS.get(c, c) for c in "".join(out))
    if text and not text.strip(SEPARATOR):
        text = SEPARATOR
    while len(text.encode("utf-8")) > size:  # щ (2 bytes) is "sh" here; its "shch" spelling is a form of its own
        text = text[:-1]
    return text + FILLER * (size - len(text.encode("utf-8")))


def coarse(text: str) -> str:
    """The coarse form of a text (same UTF-8 length as the text)."""
    return "".join(map(coarse_char, text))


def words(text: str) -> list[str]:
    """The words of a text's coarse form (fillers dropped)."""
    return [w for w in coarse(text).replace(FILLER, "").split(SEPARATOR) if w]


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The coarse words of a text with the span of characters each comes from: (word, start, end)."""
    out: list[tuple[str, int, int]] = []
    letters: list[str] = []
    start = end = 0
    for i, ch in enumerate(text):
        for c in coarse_char(ch):
            if c == FILLER:
                continue
            if c == SEPARATOR:
                if letters:
                    out.append(("".join(letters), start, end))
                    letters = []
                continue
            if not letters:
                start = i
            letters.append(c)
            end = i + 1
    if letters:
        out.append(("".join(letters), start, end))
    return out


def separators(text: str) -> list[int]:
    """Where a text breaks into words: the positions of its separator characters."""
    return [i for i, ch in enumerate(text) if SEPARATOR in coarse_char(ch)]


# --------------------------------------------------------------------------------------
# A column at a time
# --------------------------------------------------------------------------------------

#: Text mapped at a time (bytes): bounds the temporary arrays of a large column.
CHUNK_BYTES = 32 * 2**20
_ASCII = np.frombuffer("".join(coarse_char(chr(i)) for i in range(128)).encode("ascii") + bytes(128), dtype=np.uint8)


def coarse_array(texts: pa.Array) -> pa.Array:
    """``coarse`` of every text of an Arrow array of strings without nulls, mapped byte for byte."""
    texts = texts.cast(pa.large_string())
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
    data = texts.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    out = np.empty_like(raw)
    for start in range(0, len(raw), CHUNK_BYTES):
        # A chunk ends where a character starts, so that no character is cut in two.
        stop = min(start + CHUNK_BYTES, len(raw))
        while stop < len(raw) and raw[stop] & 0xC0 == 0x80:
            stop += 1
        out[start:stop] = _coarse_bytes(raw[start:stop])
    return pa.Array.from_buffers(pa.large_string(), len(texts), [None, pa.py_buffer(offsets - offsets[0]), pa.py_buffer(out)])


def _coarse_bytes(raw: np.ndarray) -> np.ndarray:
    """The coarse form of a run of whole UTF-8 characters, byte for byte."""
    out = np.take(_ASCII, raw)
    if not len(raw) or raw.max() < 0x80:
        return out
    high = np.flatnonzero(raw >= 0x80)
    starts = high[(raw[high] & 0xC0) != 0x80]
    lead = raw[starts].astype(np.uint32)
    size = np.where(lead >= 0xF0, 4, np.where(lead >= 0xE0, 3, 2))

    def cont(k):
        return raw[np.minimum(starts + k, len(raw) - 1)].astype(np.uint32) & 0x3F

    code = np.where(size == 2, ((lead & 0x1F) << 6) | cont(1),
                    np.where(size == 3, ((lead & 0x0F) << 12) | (cont(1) << 6) | cont(2),
                             ((lead & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3)))
    distinct, which = np.unique(code, return_inverse=True)
    table = np.frombuffer(b"".join(coarse_char(chr(c)).encode("utf-8").ljust(4, b"\0") for c in distinct.tolist()),
                          dtype=np.uint8).reshape(-1, 4)
    for k in range(4):
        at = size > k
        out[starts[at] + k] = table[which[at], k]
    return out


# --------------------------------------------------------------------------------------
# The forms of a restricted value's words
# --------------------------------------------------------------------------------------

_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z\u00c0-\u024f]+")
#: Latin to Cyrillic, longest spellings first (Russian usage: the form pymorphy3 inflects).
LATIN_TO_CYRILLIC = (
    ("shch", "щ"), ("sch", "щ"), ("dzh", "дж"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("tz", "ц"), ("ch", "ч"),
    ("sh", "ш"), ("yu", "ю"), ("iu", "ю"), ("ya", "я"), ("ia", "я"), ("yo", "ё"), ("ye", "е"), ("iy", "ий"),
    ("yi", "ый"), ("j", "дж"), ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"), ("g", "г"),
    ("h", "х"), ("i", "и"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("q", "к"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"), ("y", "ы"), ("z", "з"),
)
_LATIN_TO_CYRILLIC_RE = re.compile("|".join(re.escape(a) for a, _ in LATIN_TO_CYRILLIC))
#: Cyrillic to Latin as English-language reporting spells it (the coarse form covers the rest).
CYRILLIC_TO_LATIN = {"щ": "shch", "ю": "yu", "я": "ya", "ё": "yo", "є": "ye", "ї": "yi", "й": "y", "ж": "zh", "дж": "j"}
_CYRILLIC_TO_LATIN_RE = re.compile("дж|[щюяёєїйж]")
#: Grammatical tags of the parses whose forms a name takes (pymorphy3).
NAME_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})
#: Parses of a word whose forms are added, at most, per language.
MAX_PARSES = 4
#: Russian and Ukrainian surnames in -ов/-ев/-ин decline like adjectives and nouns at once;
#: pymorphy3 guesses an unknown surname's paradigm from its ending and may miss forms.
SURNAME_STEMS = ("ов", "ев", "ёв", "ин", "ын", "ів", "їв")
SURNAME_ENDINGS = ("", "а", "у", "ым", "ом", "е", "ы", "ых", "ыми", "ой", "им", "и", "их", "ими", "ою", "ій", "ові", "ої", "ій")


def to_cyrillic(word: str) -> str:
    """A Latin word spelled in Cyrillic (Russian usage), lower case."""
    return _LATIN_TO_CYRILLIC_RE.sub(lambda m: dict(LATIN_TO_CYRILLIC)[m.group()], word.lower())


def to_latin(word: str) -> str:
    """A Cyrillic word spelled in Latin letters as English-language reports spell it."""
    return _CYRILLIC_TO_LATIN_RE.sub(lambda m: CYRILLIC_TO_LATIN[m.group()], word.lower())


def is_cyrillic(word: str) -> bool:
    return bool(_CYRILLIC_RE.search(word))


def inflections(word: str) -> set[str]:
    """The forms of a Cyrillic word: the lexemes of its likely parses, Russian and Ukrainian."""
    from ..normalize._text import morph

    forms = {word.lower()}
    plain = re.sub("[’ʼ`´ʹ‘]", "'", word.lower())  # pymorphy3's Ukrainian dictionary writes '
    for lang in ("ru", "uk"):
        parses = morph(lang).parse(plain)
        # Paradigms the listed word is the dictionary form of (a name, a place, a noun), and
        # surnames'. A surname read as an inflected form of a shorter word ("Котов" as "of
        # cats", "Магомедов" as "of the Magomeds") would withhold that word everywhere.
        taken = [p for p in parses if (p.normal_form == plain and (NAME_TAGS | {"NOUN"}) & p.tag.grammemes)
                 or "Surn" in p.tag.grammemes]
        for p in taken[:MAX_PARSES]:
            forms.update(f.word for f in p.lexeme)
    if plain.endswith(SURNAME_STEMS):
        forms.update(plain + e for e in SURNAME_ENDINGS)
    return forms


def word_forms(word: str, name: bool) -> frozenset[str]:
    """The coarse forms a word of a restricted value takes (``name``: it is a proper name).

    A Cyrillic word takes its inflected forms; a Latin word of a name takes those of its
    Cyrillic spelling; each form is also spelled in the other alphabet. (An English -s,
    possessive or plural, is allowed by the matcher.)
    """
    spelled = {word}
    if is_cyrillic(word):
        spelled |= inflections(word)
    elif name and _LATIN_WORD_RE.fullmatch(word):
        spelled |= inflections(to_cyrillic(word))
    spelled |= {to_latin(w) for w in spelled if is_cyrillic(w)}
    out = set()
    for w in spelled:
        out.update(words(w))
    return frozenset(out)
