"""The reference data in ``data/reference/``, read in one place.

Every consumer (the cleaning step, the place resolver, the loaders and maps of the
analysis library) gets its boundaries and rates from a :class:`Reference` built on one
directory, so a reviewer pointing ``COERCION_REFERENCE_DIR`` (or the build's
``--reference-dir``) elsewhere changes what every step reads. Parsed files are cached by
path, modification time and size: several builds in one process (tests, notebooks) parse
the 1.4 MB of boundaries once, and a changed file is read again.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from . import config
from .problems import Problem, irregular, rel

BOUNDARIES_FILE = "admin1_ru_ua.geojson"
COUNTRIES_FILE = "admin0_context.geojson"
RATES_FILE = "rub_exchange_rates.csv"
#: Value given to regions whose occupation_status is empty in the boundary file.
NOT_OCCUPIED = "not_occupied"

_BOUNDARIES_ACCEPTED = ("the GeoJSON copied unchanged from ../shared/reference (features with "
                        "properties iso_3166_2, name_en, occupation_status)")
_RATES_ACCEPTED = "the reference file copied unchanged from ../shared/reference (columns date, currency, rub_per_unit)"


@dataclass(frozen=True)
class Reference:
    """The reference files of one directory (default: ``config.REFERENCE_DIR``)."""

    directory: Path = config.REFERENCE_DIR

    @property
    def boundaries_path(self) -> Path:
        """First-level regions of Russia and Ukraine (Natural Earth; Crimea and Sevastopol as Ukraine)."""
        return Path(self.directory) / BOUNDARIES_FILE

    @property
    def countries_path(self) -> Path:
        return Path(self.directory) / COUNTRIES_FILE

    @property
    def rates_path(self) -> Path:
        return Path(self.directory) / RATES_FILE

    def region_properties(self) -> tuple[dict, ...]:
        """The ``properties`` of every region of the boundaries file (raises OSError/ValueError/KeyError)."""
        return boundary_properties(self.boundaries_path)

    def gazetteer(self):
        """The place resolver's gazetteer of these boundaries (built once, cached on disk)."""
        from .normalize import gazetteer_for

        return gazetteer_for(self.directory)

    def region_status(self, problems: list[Problem] | None = None, root: Path | None = None) -> dict[str, tuple[str, str]]:
        """ISO 3166-2 code -> (English name, occupation status).

        Without ``problems`` an unreadable file raises; with it, the problem is added and
        the result is empty.
        """
        try:
            if why := irregular(self.boundaries_path):
                raise OSError(0, why)
            return {p["iso_3166_2"]: (p["name_en"], p.get("occupation_status") or NOT_OCCUPIED)
                    for p in self.region_properties()}
        except (OSError, ValueError, KeyError, TypeError) as e:
            if problems is None:
                raise
            what = e.strerror if isinstance(e, OSError) else f"{type(e).__name__}: {e}"
            problems.append(Problem(rel(self.boundaries_path, root), f"cannot read the region boundaries: {what}",
                                    accepted=_BOUNDARIES_ACCEPTED))
            return {}

    def rates(self, problems: list[Problem], root: Path | None = None) -> dict[tuple[str, dt.date], float]:
        """Bank of Russia official rates: (currency, date) -> roubles per unit."""
        import pandas as pd

        path = self.rates_path
        shown = rel(path, root)
        if not path.exists():
            problems.append(Problem(shown, "missing", accepted=_RATES_ACCEPTED))
            return {}
        if why := irregular(path):
            problems.append(Problem(shown, why, accepted=_RATES_ACCEPTED))
            return {}
        try:
            df = pd.read_csv(path, usecols=["date", "currency", "rub_per_unit"], dtype="string", encoding="utf-8")
        except (ValueError, OSError) as e:  # pandas' parser, encoding and missing-column errors are ValueErrors
            problems.append(Problem(shown, f"cannot read the table: {str(e).splitlines()[0]}", accepted=_RATES_ACCEPTED))
            return {}
        dates = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
        rates = pd.to_numeric(df["rub_per_unit"], errors="coerce")
        # A rate of zero, a negative or an unreadable one would publish absurd conversions.
        bad = dates.isna() | df["currency"].isna() | ~(rates > 0) | rates.isin([float("inf")])
        for i in bad[bad].index[:5]:
            problems.append(Problem(shown, "not a date, a currency and a positive rate", line=int(i) + 2,
                                    value=f"{df['date'][i]},{df['currency'][i]},{df['rub_per_unit'][i]}",
                                    accepted=_RATES_ACCEPTED))
        if bad.any():
            return {}
        return {(c, d): float(r) for c, d, r in zip(df["currency"], dates.dt.date, rates)}

    def regions(self):
        """The boundaries as a GeoDataFrame (EPSG:4326); empty occupation statuses read 'not_occupied'."""
        return read_regions(self.boundaries_path)

    def countries(self):
        """Country outlines for the basemap (EPSG:4326); Crimea is drawn inside Ukraine."""
        return read_countries(self.countries_path)


def read_regions(path: Path | str):
    """A boundaries GeoJSON as a GeoDataFrame, each region's occupation status one of the codebook's."""
    import geopandas as gpd
    import pandas as pd

    from .codebook import VOCABULARIES

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: the boundary file belongs in data/reference/")
    gdf = gpd.read_file(path)
    status = gdf["occupation_status"].replace("", pd.NA).fillna(NOT_OCCUPIED).astype("string")
    unknown = sorted(set(status) - set(VOCABULARIES["occupation_status"]))
    if unknown:
        raise ValueError(f"{path}: occupation_status {', '.join(unknown)} not in the codebook; "
                         f"allowed: {', '.join(VOCABULARIES['occupation_status'])}")
    gdf["occupation_status"] = status
    gdf["iso_3166_2"] = gdf["iso_3166_2"].astype("string")
    return gdf


def read_countries(path: Path | str):
    """Country outlines (a GeoJSON with iso_a2) as a GeoDataFrame."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: the boundary file belongs in data/reference/")
    gdf = gpd.read_file(path)
    gdf["iso_a2"] = gdf["iso_a2"].astype("string")
    return gdf


def boundary_properties(path: Path | str) -> tuple[dict, ...]:
    """The ``properties`` of every feature of a boundaries GeoJSON, parsed once per version of the file."""
    return _features(*_stamp(Path(path)))


def _stamp(path: Path) -> tuple[Path, int, int]:
    st = os.stat(path)
    return Path(path).resolve(), st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _features(path: Path, _mtime_ns: int, _size: int) -> tuple[dict, ...]:
    with open(path, encoding="utf-8") as f:
        return tuple(feature["properties"] for feature in json.load(f)["features"])
