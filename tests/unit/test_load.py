"""Loading: typed, validated tables; clear errors for a missing or drifted table."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pandera.errors
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_validate_false_is_an_explicit_opt_out(processed_dir, tmp_path):
    shutil.copytree(processed_dir, tmp_path / "p")
    df = pd.read_parquet(tmp_path / "p" / "incidents.parquet")
    df.loc[0, "victim_group"] = "prisoners|aliens"
    df.to_parquet(tmp_path / "p" / "incidents.parquet", index=False)
    with pytest.raises(pandera.errors.SchemaErrors):
        load.load_incidents(tmp_path / "p")  # on by default
    unchecked = load.load_incidents(tmp_path / "p", validate=False)
    assert unchecked.loc[0, "victim_group"] == "prisoners|aliens"
    assert {c: str(t) for c, t in unchecked.dtypes.items()} == codebook.pandas_dtypes("incidents")
    assert set(load.load_all(tmp_path / "p", validate=False)) == set(codebook.TABLES)


@pytest.mark.parametrize(
    "column, value",
    [
        ("victim_group", "prisoners|aliens"),  # one value of several outside the vocabulary
        ("victim_group", "prisoners|"),  # an empty part
        ("victim_group", "Prisoners"),
        ("coercion", "detention||raid"),
        ("region_code", "UA-65|ua-23"),  # one code of several not matching the pattern
        ("region_code", "UA-65 "),
        ("total_of_incident_ids", "INC-001|INC-1"),
    ],
)
def test_every_part_of_a_multi_valued_cell_is_checked(processed_dir, tmp_path, column, value):
    shutil.copytree(processed_dir, tmp_path / "p")
    df = pd.read_parquet(tmp_path / "p" / "incidents.parquet")
    df.loc[2, column] = value
    df.to_parquet(tmp_path / "p" / "incidents.parquet", index=False)
    with pytest.raises(pandera.errors.SchemaErrors) as err:
        load.load_incidents(tmp_path / "p")
    cases = err.value.failure_cases
    failing = cases[cases["column"] == column]
    assert list(failing["failure_case"]) == [value] and list(failing["index"]) == [2]
    assert "every |-separated value must" in str(err.value)


_ALLOWED_GROUPS = list(codebook.VOCABULARIES["victim_group"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from([*_ALLOWED_GROUPS[:3], "aliens", "", " prisoners"]), min_size=1,
                                              max_size=3).map("|".join)), min_size=17, max_size=17),
       st.lists(st.one_of(st.none(), st.lists(st.sampled_from(["UA-65", "RU-CE", "RU-MOW", "ua-23", "UA-6", ""]), min_size=1,
                                              max_size=3).map("|".join)), min_size=17, max_size=17))
def test_multi_valued_checks_fail_exactly_the_rows_the_element_wise_rule_fails(groups, regions):
    from fixtures.tables import frames

    df = frames()["incidents"]
    df["victim_group"] = pd.array(groups, dtype="string")
    df["region_code"] = pd.array(regions, dtype="string")
    # The rule as the codebook states it, one cell at a time (victim_group is required: empty cells fail as nulls).
    rx = re.compile(codebook.INCIDENTS.field("region_code").pattern)
    expected = {
        "victim_group": {i for i, v in enumerate(groups) if v is not None and not all(p in _ALLOWED_GROUPS for p in v.split("|"))},
        "region_code": {i for i, v in enumerate(regions) if v is not None and not all(rx.match(p) for p in v.split("|"))},
    }
    schema = codebook.pandera_schema("incidents")
    try:
        schema.validate(df, lazy=True)
        cases = pd.DataFrame(columns=["column", "check", "index"])
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
    for column, rows in expected.items():
        parts_check = cases[(cases["column"] == column) & cases["check"].astype(str).str.startswith("every |-separated")]
        assert set(parts_check["index"]) == rows, column
