"""Load the published tables as typed, validated DataFrames.

One call per table: ``load_incidents()``, ``load_amounts()``, ... read
``data/processed/<table>.parquet`` (or another folder given as ``processed_dir``), cast
every column to the dtype the codebook gives it and validate the result against the
codebook's pandera schema, so a notebook never works on a table that drifted from the
codebook. ``analysis_tables()`` gives a notebook its three tables, with or without the
figures claimed by a party to the conflict. Validation is always on unless a caller opts out with ``validate=False`` (for a
table just validated by the same process, say); it costs about a second per million
incidents. ``load_regions()`` and ``load_countries()`` read the boundary files in
``data/reference/``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from analysis import codebook, config
from analysis.reference import NOT_OCCUPIED, Reference, read_countries, read_regions  # noqa: F401 (NOT_OCCUPIED: part of this API)

#: Value given to regions whose occupation_status is empty in the boundary file.



def resolve_processed_dir(processed_dir: str | Path | None = None) -> Path:
    """The folder of the processed tables: ``processed_dir``, or config.PROCESSED_DIR when empty."""
    if processed_dir is None or str(processed_dir) == "":
        return Path(config.PROCESSED_DIR)
    return Path(processed_dir)


def load_table(table: str, processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Read one published table, cast to the codebook's dtypes and validate it.

    Raises FileNotFoundError naming the file when the table has not been built, and
    pandera's SchemaErrors (listing every failing column and value) when it does not
    match the codebook. ``validate=False`` skips the pandera check (the columns and
    dtypes are still enforced); use it only for a table already validated.
    """
    if table not in codebook.TABLES:
        raise KeyError(f"unknown table {table!r}; published tables: {', '.join(codebook.TABLES)}")
    path = resolve_processed_dir(processed_dir) / f"{table}.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: the processed tables have not been built; run `make data` first"
        )
    df = pd.read_parquet(path)
    expected = codebook.TABLES[table].columns
    missing = [c for c in expected if c not in df.columns]
    extra = [c for c in df.columns if c not in expected]
    if missing or extra:
        raise ValueError(
            f"{path}: columns do not match the codebook's table {table!r}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; not in the codebook: {', '.join(extra)}" if extra else "")
            + "; rebuild it with `make data`"
        )
    # Parquet keeps most dtypes, but a writer may store dates as date32 or strings as
    # plain objects; casting first makes the schema check about values, not storage.
    df = df[expected].astype(codebook.pandas_dtypes(table))
    if not validate:
        return df
    return codebook.pandera_schema(table).validate(df, lazy=True)


def load_incidents(processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Incidents, practices and context figures (one row per deduplicated event)."""
    return load_table("incidents", processed_dir, validate=validate)


def load_amounts(processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Ransoms, bonuses and other payments with their RUB and USD conversions."""
    return load_table("amounts", processed_dir, validate=validate)


def load_evidence(processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Per-field evidence quotes."""
    return load_table("evidence", processed_dir, validate=validate)


def load_sources(processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """One row per source document."""
    return load_table("sources", processed_dir, validate=validate)


def load_merges(processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Which raw records became which incident."""
    return load_table("merges", processed_dir, validate=validate)


def load_rejections(processed_dir: str | Path | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Raw records excluded by a coder, with the reason."""
    return load_table("rejections", processed_dir, validate=validate)


def load_regions(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """First-level regions of Russia and Ukraine (EPSG:4326), indexed by nothing.

    ``occupation_status`` is filled with 'not_occupied' where the boundary file leaves it
    empty, so every region carries one value of the codebook's vocabulary.
    """
    return read_regions(path or Reference().boundaries_path)


def load_countries(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Country outlines for the basemap (EPSG:4326); Crimea is drawn inside Ukraine."""
    return read_countries(path or Reference().countries_path)


def analysis_tables(processed_dir: str | Path | None = None, *, exclude_party_claims: bool = False) -> dict[str, pd.DataFrame]:
    """The incidents, sources and amounts a notebook works on.

    With ``exclude_party_claims`` every row whose figures are claims of a party to the
    conflict is dropped, with the amounts of dropped incidents (counting rule 9 of
    ``analysis.aggregate``); charts drawn from the result say so in their source line.
    """
    from analysis import aggregate

    incidents, amounts = load_incidents(processed_dir), load_amounts(processed_dir)
    if exclude_party_claims:
        incidents = aggregate.without_party_claims(incidents)
        amounts = aggregate.amounts_without_party_claims(amounts, incidents)
    return {"incidents": incidents, "sources": load_sources(processed_dir), "amounts": amounts}


def load_all(processed_dir: str | Path | None = None, *, validate: bool = True) -> dict[str, pd.DataFrame]:
    """Every published table, keyed by table name."""
    return {name: load_table(name, processed_dir, validate=validate) for name in codebook.TABLES}
