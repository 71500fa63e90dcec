"""Loading: typed, validated tables; clear errors for a missing or drifted table."""

from __future__ import annotations

import shutil

import pandas as pd
import pandera.errors
import pytest

from analysis import codebook, load

LOADERS = {
    "incidents": load.load_incidents,
    "amounts": load.load_amounts,
    "evidence": load.load_evidence,
    "sources": load.load_sources,
    "merges": load.load_merges,
    "rejections": load.load_rejections,
}


@pytest.mark.parametrize("table", list(LOADERS))
def test_each_table_loads_with_the_codebook_dtypes(processed_dir, table):
    df = LOADERS[table](processed_dir)
    assert list(df.columns) == codebook.TABLES[table].columns
    assert {c: str(t) for c, t in df.dtypes.items()} == codebook.pandas_dtypes(table)
    assert len(df) > 0


def test_processed_dir_accepts_str_and_empty_means_default(processed_dir, monkeypatch):
    assert len(load.load_incidents(str(processed_dir))) == 17
    monkeypatch.setattr(load.config, "PROCESSED_DIR", processed_dir)
    assert len(load.load_incidents("")) == 17
    assert len(load.load_incidents()) == 17


def test_missing_table_names_the_file_and_make_data(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load.load_incidents(tmp_path)
    assert str(tmp_path / "incidents.parquet") in str(err.value)
    assert "make data" in str(err.value)


def test_value_outside_a_vocabulary_is_rejected(processed_dir, tmp_path):
    shutil.copytree(processed_dir, tmp_path / "p")
    df = pd.read_parquet(tmp_path / "p" / "incidents.parquet")
    df.loc[0, "event_kind"] = "rumour"
    df.to_parquet(tmp_path / "p" / "incidents.parquet", index=False)
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        load.load_incidents(tmp_path / "p")
    assert "event_kind" in str(err.value)
    assert "rumour" in str(err.value)


def test_column_drift_names_the_columns(processed_dir, tmp_path):
    shutil.copytree(processed_dir, tmp_path / "p")
    df = pd.read_parquet(tmp_path / "p" / "sources.parquet")
    df.drop(columns=["outlet"]).assign(victim_names="x").to_parquet(tmp_path / "p" / "sources.parquet", index=False)
    with pytest.raises(ValueError, match="missing: outlet; not in the codebook: victim_names"):
        load.load_sources(tmp_path / "p")


def test_regions_fill_occupation_status():
    regions = load.load_regions()
    assert len(regions) == 110
    status = regions.set_index("iso_3166_2")["occupation_status"]
    assert status["UA-43"] == "occupied" and status["UA-40"] == "occupied"
    assert {status[c] for c in ("UA-14", "UA-09", "UA-23", "UA-65")} == {"partially_occupied"}
    assert status["RU-CE"] == "not_occupied"
    assert set(status) == set(codebook.VOCABULARIES["occupation_status"])
    # Crimea is Ukraine de jure in the boundary file.
    assert regions.set_index("iso_3166_2").loc["UA-43", "country_iso_a2"] == "UA"


def test_countries_include_central_asia():
    countries = load.load_countries()
    assert {"RU", "UA", "UZ", "TJ", "KG", "KZ"} <= set(countries["iso_a2"])
    assert str(countries.crs).endswith("4326")


def test_real_tables_load(real_processed_dir):
    for name, loader in LOADERS.items():
        df = loader(real_processed_dir)
        assert list(df.columns) == codebook.TABLES[name].columns
