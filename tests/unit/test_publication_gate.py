"""The publication gate on the hand-made tables: each kind of column does what the codebook says."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.clean.publish import Locator, withhold
from analysis.redact import Listing, Redactor
from fixtures.tables import frames


def listing(value: str, key: str = "victim_names", record: str = "R001", line: int = 9) -> Listing:
    return Listing(value, key, "data/raw/incidents/a.yaml", line, record)


@pytest.fixture()
def locate(tables) -> Locator:
    recs = pd.DataFrame({"record_id": [f"R{i:03d}" for i in range(1, 20)], "_file": "data/raw/incidents/a.yaml",
                         "_line": range(10, 200, 10)})
    sources = tables["sources"].assign(_file="data/raw/sources.csv", _line=range(2, 2 + len(tables["sources"])))
    return Locator(recs, sources)


def test_free_text_is_withheld_in_every_table_whatever_record_lists_the_name(tables, locate):
    tables["evidence"].loc[0, "quote"] = "six men, among them Дудаева, were detained"
    tables["evidence"].loc[1, "coder_value"] = "300 (ASLAN DUDAYEV and others)"
    tables["merges"].loc[1, "merge_reason"] = "Both name Aslan\u00a0Dudayev"
    tables["rejections"].loc[0, "reason"] = "Dudayev's own account"
    tables["incidents"].loc[2, "claimant"] = "The lawyer of Aslan Du\u00addayev"
    tables["sources"].loc[0, "author"] = "Aslan Dudayev"
    out, problems = withhold(tables, Redactor([listing("Aslan Dudayev", record="R007")]), locate)
    assert not problems
    assert out["evidence"].loc[0, "quote"] == "six men, among them [withheld], were detained"
    assert out["evidence"].loc[1, "coder_value"] == "300 ([withheld] and others)"
    assert out["merges"].loc[1, "merge_reason"] == "Both name [withheld]"
    assert out["rejections"].loc[0, "reason"] == "[withheld] own account"
    assert out["incidents"].loc[2, "claimant"] == "The lawyer of [withheld]"
    assert out["sources"].loc[0, "author"] == "[withheld]"
    # Everything else is as it was, dtypes included.
    for name, df in out.items():
        assert df.dtypes.equals(frames()[name].dtypes)
    assert out["incidents"]["summary"].equals(frames()["incidents"]["summary"])


def test_a_restricted_locality_is_published_empty(tables, locate):
    tables["incidents"].loc[4, "locality"] = "Гикало"
    out, problems = withhold(tables, Redactor([listing("Gikalo", "identifying_details")]), locate)
    assert not problems
    inc = out["incidents"].set_index("incident_id")
    assert pd.isna(inc.loc["INC-005", "locality"]) and inc.loc["INC-005", "region_name"] == "Chechnya"
    assert inc.loc["INC-008", "locality"] == "Новосибирск"


def test_a_column_that_cannot_withhold_stops_the_build_naming_file_line_record_and_field(tables, locate):
    tables["incidents"].loc[0, "summary"] = "Six men, Aslan Dudayev among them, were detained."
    tables["sources"].loc[1, "headline"] = "Дудаев задержан"
    out, problems = withhold(tables, Redactor([listing("Aslan Dudayev", record="R007", line=77)]), locate)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"summary", "headline"}
    summary = by_field["summary"]
    assert (summary.file, summary.line, summary.record) == ("data/raw/incidents/a.yaml", 10, "R001")
    assert "listed under victim_names of record R007 (data/raw/incidents/a.yaml:77)" in summary.message
    assert summary.value == "Six men, [withheld] among them, were detained."  # the message never holds the name
    headline = by_field["headline"]
    assert (headline.file, headline.line, headline.record) == ("data/raw/sources.csv", 3, "s-kavkaz")


def test_a_vocabulary_value_stops_the_build_only_when_it_is_listed_itself(tables, locate):
    # "Vladimir Petrov" withholds "Vladimir" in prose; the region of that name is not him.
    _, problems = withhold(tables, Redactor([listing("Vladimir Petrov")]), locate)
    assert not problems
    _, problems = withhold(tables, Redactor([listing("Vladimir", "identifying_details", record="R002")]), locate)
    assert [(p.field, p.record) for p in problems] == [("region_name", "R009")]
    assert "cannot withhold" in problems[0].message
    # A city listed as a detail is the name of its region too: the coder lists something narrower.
    _, problems = withhold(tables, Redactor([listing("Novosibirsk", "identifying_details")]), locate)
    assert [p.field for p in problems] == ["region_name"]


def test_no_restricted_value_leaves_the_tables_as_they_are(tables, locate):
    out, problems = withhold(tables, Redactor([]), locate)
    assert out is tables and not problems
