"""Version numbers, codebook comparisons, the data cut-off and how values are shown in a change log."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from analysis import codebook
from analysis.release.changelog import show
from analysis.release.codebook_diff import compare_codebooks, vocabulary
from analysis.release.errors import ReleaseError
from analysis.release.snapshot import Cutoff, data_cutoff
from analysis.release.versions import Bump, Version, step


@pytest.mark.parametrize("text", ["1.0", "v1.0.0", "1.0.0-rc1", "01.0.0", "", "1.0.0.0"])
def test_a_malformed_version_is_refused_with_the_expected_form(text):
    with pytest.raises(ReleaseError, match=r"not a release version; give three numbers .* MAJOR\.MINOR\.PATCH"):
        Version.parse(text)


def test_versions_compare_as_numbers_and_step_to_their_successors():
    v = Version.parse("1.9.3")
    assert Version.parse("1.10.0") > v > Version.parse("1.9.2")
    assert {b.word: str(s) for b, s in v.successors().items()} == {"patch": "1.9.4", "minor": "1.10.0", "major": "2.0.0"}
    assert step(v, Version.parse("1.10.0")) is Bump.MINOR
    assert step(v, Version.parse("1.10.3")) is None  # the patch number must reset
    assert step(v, Version.parse("1.9.5")) is None  # no number skipped


def _package() -> dict:
    return {"resources": [{"name": "incidents", "description": "d", "schema": codebook.table_schema("incidents")}]}


def _field(package: dict, name: str) -> dict:
    return next(f for f in package["resources"][0]["schema"]["fields"] if f["name"] == name)


def test_the_vocabulary_of_a_multi_valued_field_is_read_from_the_codebooks_pattern():
    assert vocabulary(_field(_package(), "victim_group")) == codebook.TABLES["incidents"].field("victim_group").allowed
    assert vocabulary(_field(_package(), "event_kind")) == codebook.TABLES["incidents"].field("event_kind").allowed
    assert vocabulary(_field(_package(), "region_code")) is None


def _changes(edit) -> list[tuple[str, str, Bump]]:
    old = _package()
    new = copy.deepcopy(old)
    edit(new)
    return [(c.column, c.what, c.bump) for c in compare_codebooks(old, new)]


def test_codebook_changes_that_break_readers_are_major():
    def remove_value(p):
        f = _field(p, "victim_group")
        f["constraints"]["pattern"] = f["constraints"]["pattern"].replace("|prisoners", "")

    assert _changes(remove_value) == [("victim_group", "vocabulary values removed: prisoners", Bump.MAJOR)]
    assert _changes(lambda p: _field(p, "persons_best").update(type="number")) == [
        ("persons_best", "retyped (integer → number)", Bump.MAJOR)]

    def drop(p):
        p["resources"][0]["schema"]["fields"].remove(_field(p, "claimant"))

    assert _changes(drop) == [("claimant", "column removed", Bump.MAJOR)]


def test_codebook_changes_that_add_are_minor_and_rewording_is_a_patch():
    def add_value(p):
        _field(p, "event_kind")["constraints"]["enum"].append("rumour")

    assert _changes(add_value) == [("event_kind", "vocabulary values added: rumour", Bump.MINOR)]
    assert _changes(lambda p: p["resources"][0]["schema"]["fields"].append({"name": "notes", "type": "string"})) == [
        ("notes", "column added (string)", Bump.MINOR)]
    assert _changes(lambda p: _field(p, "summary").update(description="Reworded.")) == [("summary", "description reworded", Bump.PATCH)]


def test_the_cutoff_is_the_latest_publication_date_at_the_coarsest_precision_of_that_date():
    sources = pd.DataFrame({"published_date": ["2024-09-01", "2025-04-01", "2025-04-01", ""],
                            "published_precision": ["month", "day", "month", "unknown"]})
    # A source dated only 'April 2025' may be later than one of 1 April: the month decides.
    assert data_cutoff(sources) == Cutoff("2025-04-01", "month")
    assert data_cutoff(sources).text() == "April 2025"
    assert Cutoff("2023-06-09", "day").text() == "9 June 2023"
    assert data_cutoff(sources.iloc[[3]]) == Cutoff(None)


@pytest.mark.parametrize("value, shown", [
    ("", "(empty)"),
    ("INC-003", "`INC-003`"),
    ("detention|expulsion", "`detention|expulsion`"),
    ("about 300 *men* <b>", "“about 300 \\*men\\* \\<b\\>”"),
    ("lgbtq_people were _named_", "“lgbtq_people were \\_named\\_”"),
    ("two\nlines", "“two lines”"),
])
def test_values_are_shown_as_code_or_escaped_quoted_text(value, shown):
    assert show(value) == shown
