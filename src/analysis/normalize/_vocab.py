"""Vocabularies shared by the normalisers, built on first use from library data.

- Month and weekday names in English, Russian and Ukrainian come from dateparser's
  language data (``dateparser/data/date_translation_data``); inflected forms that data
  lacks ("сентябре", "листопаді") are reached through pymorphy3 lemmas.
- Time-unit words (year, лет, років ...) also come from dateparser's data.
- Cardinal number words come from number-parser's CLDR-derived data (``number_parser/data``),
  which lists Russian and Ukrainian inflected forms.
- Everything the libraries lack is in the CSV tables of ``analysis/data`` (see README).
"""

from __future__ import annotations

from functools import lru_cache, wraps
from typing import Any, Callable

from analysis.codebook import VOCABULARIES

from ._text import DATA_DIR, PhraseTrie, key, phrase_keys, read_table

LANGUAGES = ("en", "ru", "uk")
#: Tables of analysis/data read here (their bytes key the disk cache of the vocabulary).
TABLES = ("quantity_words.csv", "number_words.csv", "qualifier_phrases.csv", "currencies.csv", "amount_units.csv",
          "date_words.csv", "kin_nouns.csv", "person_nouns.csv")
_LIBRARIES = ("dateparser", "number-parser", "pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk", "pycountry")
_BUILDERS: dict[str, Callable[[], Any]] = {}
_building: dict[str, Any] | None = None


def _table(build: Callable[[], Any]) -> Callable[[], Any]:
    """A vocabulary table: built with all the others once (``lexicon``), read from there."""
    name = build.__name__
    _BUILDERS[name] = build

    @wraps(build)
    def get() -> Any:
        if _building is not None:  # inside _build_lexicon: tables may use one another
            if name not in _building:
                _building[name] = build()
            return _building[name]
        return lexicon()[name]

    return get


def _build_lexicon() -> dict[str, Any]:
    global _building
    _building = {}
    try:
        for name, build in _BUILDERS.items():
            if name not in _building:
                _building[name] = build()
        return dict(_building)
    finally:
        _building = None


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """Every vocabulary table, from the disk cache when its inputs are unchanged.

    Building them needs dateparser's and number-parser's data and pymorphy3's lemmas of
    the table phrases (a second on a busy machine); loading them, milliseconds.
    """
    from pathlib import Path

    from . import _cache

    here = Path(__file__).parent
    files = [here / m for m in ("_vocab.py", "_text.py", "_cache.py")] + [DATA_DIR / t for t in TABLES]
    key = _cache.input_key(files, _LIBRARIES)
    return _cache.load_or_build("lexicon", key, _build_lexicon,
                                lambda x: isinstance(x, dict) and set(x) == set(_BUILDERS))
#: How a count or an amount is qualified: the codebook's vocabulary, less "unknown" (the
#: dataset's word for "no number"; a reading always has a number).
COUNT_QUALIFIERS = tuple(q for q in VOCABULARIES["count_qualifier"] if q != "unknown")
#: Precisions of a date reading: the codebook's, less "unknown" (a reading has a date).
DATE_PRECISIONS = tuple(p for p in VOCABULARIES["date_precision"] if p != "unknown")


def check_qualifier(table: str, phrase: str, qualifier: str) -> str:
    """The qualifier of a table row, refused loudly when it is not in the vocabulary."""
    if qualifier not in COUNT_QUALIFIERS:
        raise ValueError(f"{table}: qualifier {qualifier!r} for {phrase!r}; allowed: {', '.join(COUNT_QUALIFIERS)}")
    return qualifier
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _dateparser_info() -> dict[str, dict]:
    """dateparser's language data, read from its data files: importing the package itself
    compiles hundreds of regular expressions the normalisers never use."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("dateparser")
    folder = Path(spec.origin).parent / "data" / "date_translation_data"  # type: ignore[union-attr, arg-type]
    out = {}
    for lang in LANGUAGES:
        namespace: dict = {}
        exec(compile((folder / f"{lang}.py").read_text(encoding="utf-8"), str(folder / f"{lang}.py"), "exec"), namespace)  # noqa: S102 - dateparser's own data file
        out[lang] = namespace["info"]
    return out


@_table
def months() -> dict[str, int]:
    """Month name or abbreviation key -> month number (1-12), all three languages."""
    out: dict[str, int] = {}
    for info in _dateparser_info().values():
        for number, name in enumerate(_MONTHS, start=1):
            for form in info.get(name, []):
                out.setdefault(key(form), number)
    # dateparser lists "sept" but a dot-less "sept" is covered; nothing else to add.
    return out


#: English month names that are also ordinary words or given names: they count as a
#: month only next to a day, a year or a date preposition (see dates.py).
AMBIGUOUS_EN_MONTHS = frozenset({"may", "march", "august", "june", "april", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"})


@_table
def weekdays() -> dict[str, int]:
    """Weekday name key -> ISO weekday index (Monday = 0)."""
    out: dict[str, int] = {}
    for info in _dateparser_info().values():
        for number, name in enumerate(_WEEKDAYS):
            for form in info.get(name, []):
                if len(key(form)) > 3:  # "mon", "пн" and the like are too ambiguous in prose
                    out.setdefault(key(form), number)
    return out


@_table
def time_units() -> frozenset[str]:
    """Keys of time-unit words (year, years, лет, років, month ...): a number before one
    is a duration or an age, not a head-count."""
    out: set[str] = set()
    for info in _dateparser_info().values():
        for unit in ("year", "month", "week", "day", "hour", "minute", "second", "decade", "century", "fortnight"):
            for form in info.get(unit, []):
                if len(key(form)) > 1:  # the one-letter abbreviations ("г", "y") are handled by dates
                    out.add(key(form))
    out |= {"year-old", "years-old", "yr-old"}
    return frozenset(out)


@_table
def number_words() -> dict[str, dict[str, tuple[str, int]]]:
    """Language -> cardinal word key -> (number-parser's own spelling, value).

    The spelling is kept because number_parser.parse_number needs its own forms back.
    """
    import importlib

    out: dict[str, dict[str, tuple[str, int]]] = {}
    for lang in LANGUAGES:
        info = importlib.import_module(f"number_parser.data.{lang}").info
        table: dict[str, tuple[str, int]] = {}
        for group in ("UNIT_NUMBERS", "DIRECT_NUMBERS", "TENS", "HUNDREDS", "BIG_POWERS_OF_TEN"):
            for word, value in info.get(group, {}).items():
                # Powers above a billion never occur in a head-count or a ransom.
                if value <= 10**9:
                    table.setdefault(key(word), (word, value))
        out[lang] = table
    return out


#: Multipliers written after a number in digits ("1.5 million", "1,5 млн", "5 тыс.").
#: The words come from number-parser's data; the abbreviations are listed here because
#: no library lists them: value, and whether the multiplier must touch the number ("10k").
_ABBREVIATED_MULTIPLIERS: dict[str, tuple[int, bool]] = {
    "k": (1_000, True),
    "m": (1_000_000, True),
    "mn": (1_000_000, False),
    "mln": (1_000_000, False),
    "bn": (1_000_000_000, False),
    "тыс": (1_000, False),
    "тис": (1_000, False),
    "млн": (1_000_000, False),
    "млрд": (1_000_000_000, False),
    "десяток": (10, False),  # "полтора десятка" = 15
}


@_table
def multipliers() -> dict[str, tuple[int, bool]]:
    """Key -> (value, must touch the number) of words that multiply a preceding number."""
    out: dict[str, tuple[int, bool]] = dict(_ABBREVIATED_MULTIPLIERS)
    for table in number_words().values():
        for k, (_, value) in table.items():
            if value in (1_000, 1_000_000, 1_000_000_000):
                out.setdefault(k, (value, False))
    for k in ("hundred", "сотня"):  # "several hundred", "кілька сотень"
        out.setdefault(k, (100, False))
    for k in ("thousands", "millions", "billions"):
        out.pop(k, None)  # "300 thousands" is not English; "thousands" is vague (quantity_words.csv)
    return out


@_table
def quantity_trie() -> PhraseTrie:
    """Vague quantities and collective numerals of quantity_words.csv."""
    trie = PhraseTrie()
    for row in read_table("quantity_words.csv", ("phrase", "language", "low", "best", "high", "qualifier", "source"), ("phrase", "qualifier", "source")):
        qualifier = check_qualifier("quantity_words.csv", row["phrase"], row["qualifier"])
        value = tuple(int(row[c]) if row[c] else None for c in ("low", "best", "high")) + (qualifier,)
        for keys in phrase_keys(row["phrase"], row["language"] or None):
            trie.add(keys, value)
    return trie


@_table
def number_phrase_trie() -> PhraseTrie:
    """Numerals that number-parser lacks (number_words.csv): "полтора", "one and a half",
    "полсотни", "a thousand", by key sequence (surface and lemmas)."""
    trie = PhraseTrie()
    for row in read_table("number_words.csv", ("phrase", "language", "value", "source"), ("phrase", "value", "source")):
        for keys in phrase_keys(row["phrase"], row["language"] or None):
            trie.add(keys, row["value"])
    return trie


@_table
def qualifier_phrases() -> dict[str, dict[tuple[str, ...], str]]:
    """Position ('before'/'after') -> key sequence -> qualifier."""
    out: dict[str, dict[tuple[str, ...], str]] = {"before": {}, "after": {}}
    for row in read_table("qualifier_phrases.csv", ("phrase", "language", "position", "qualifier", "source"), ("phrase", "position", "qualifier", "source")):
        if row["position"] not in out:
            raise ValueError(f"qualifier_phrases.csv: position {row['position']!r} for {row['phrase']!r}; expected 'before' or 'after'")
        words = tuple(key(w) for w in row["phrase"].split())
        out[row["position"]][words] = check_qualifier("qualifier_phrases.csv", row["phrase"], row["qualifier"])
    return out


#: How a currency is written: a symbol ("$"), a code ("USD"), a word ("rubles"), an
#: abbreviation ("руб."), or a prefix: a letter that counts only touching the number ("R150,000").
_CURRENCY_KINDS = ("symbol", "code", "word", "abbreviation", "prefix")


@_table
def currency_table() -> dict[str, tuple[str, str]]:
    """Currency word, code or symbol key -> (ISO 4217 code, kind), checked against pycountry."""
    import pycountry

    out: dict[str, tuple[str, str]] = {}
    for row in read_table("currencies.csv", ("token", "currency", "language", "kind", "source"), ("token", "currency", "kind", "source")):
        if pycountry.currencies.get(alpha_3=row["currency"]) is None:
            raise ValueError(f"currencies.csv: {row['currency']!r} (for {row['token']!r}) is not an ISO 4217 code")
        if row["kind"] not in _CURRENCY_KINDS:
            raise ValueError(f"currencies.csv: kind {row['kind']!r} for {row['token']!r}; allowed: {', '.join(_CURRENCY_KINDS)}")
        token = row["token"] if row["kind"] == "prefix" else key(row["token"]).rstrip(".") or row["token"]
        out[token] = (row["currency"], row["kind"])  # a prefix keeps its case: "R", never "r"
    return out


@_table
def currencies() -> dict[str, str]:
    """Currency key -> ISO 4217 code."""
    return {k: v[0] for k, v in currency_table().items()}


def currency_of(text: str, options: tuple[str, ...]) -> tuple[str, str] | None:
    """(ISO code, kind) of a token that names a currency ("rubles", "рублей", "$"), or None."""
    table = currency_table()
    for k in options:
        if k in table:
            return table[k]
    k = options[0] if options else ""
    if k.endswith("s") and k[:-1] in table and table[k[:-1]][1] == "word":
        return table[k[:-1]]  # English plurals: rubles, roubles, dollars, euros
    if text in table:
        return table[text]
    return None


@_table
def amount_units() -> PhraseTrie:
    """Phrases that make an amount one per month, year, week, day or person (amount_units.csv)."""
    trie = PhraseTrie()
    for row in read_table("amount_units.csv", ("phrase", "language", "per", "source"), ("phrase", "per", "source")):
        if row["per"] not in AMOUNT_PER:
            raise ValueError(f"amount_units.csv: per {row['per']!r} for {row['phrase']!r}; allowed: {', '.join(AMOUNT_PER)}")
        for keys in phrase_keys(row["phrase"], row["language"] or None):
            trie.add(keys, row["per"])
    return trie


#: What an amount is per, when it is not a lump sum: the codebook's vocabulary ``amount_per``.
AMOUNT_PER = VOCABULARIES["amount_per"]


@_table
def date_phrases() -> PhraseTrie:
    """Date words of several words ("no later than", "не позднее"), by key sequence."""
    trie = PhraseTrie()
    for r in read_table("date_words.csv", ("word", "language", "meaning", "source"), ("word", "meaning", "source")):
        if " " in r["word"].strip():
            for keys in phrase_keys(r["word"], r["language"] or None):
                trie.add(keys, r["meaning"])
    return trie


@_table
def date_words() -> dict[str, str]:
    """Key of a date word (season, part, relative, open bound ...) -> meaning.

    A word listed twice (in two languages) must mean the same thing both times.
    """
    out: dict[str, str] = {}
    for r in read_table("date_words.csv", ("word", "language", "meaning", "source"), ("word", "meaning", "source")):
        k = key(r["word"])
        if out.get(k, r["meaning"]) != r["meaning"]:
            raise ValueError(f"date_words.csv: {r['word']!r} means both {out[k]!r} and {r['meaning']!r}")
        out[k] = r["meaning"]
    return out


@_table
def person_nouns() -> dict[str, str]:
    """Key of a noun of persons or relatives -> its lemma (kin_nouns.csv, person_nouns.csv)."""
    out = {r["lemma"]: r["lemma"] for r in read_table("kin_nouns.csv", ("lemma", "language", "source"), ("lemma", "source"))}
    for r in read_table("person_nouns.csv", ("noun", "lemma", "language", "source"), ("noun", "lemma", "source")):
        out[key(r["noun"])] = key(r["lemma"])
    return out
