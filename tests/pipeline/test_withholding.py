"""Restricted names and details never leave the build: the frozen seed plus a planted source.

A synthetic source (``fixtures/planted.py``) plants made-up names and details in every text
channel of the raw format (the keys of YAML records, the columns of bulk CSV records, the
sources register), each channel in a spelling hypothesis draws: another case ending, a
no-break or other Unicode space, NFD, a soft hyphen or zero-width character, the surname
alone, the other alphabet. Every cell of every CSV and Parquet file the build writes is
then searched, in several normal forms, for a few letters of each planted name and
detail: nothing is found, and each channel's cell shows "[withheld]" where the name was.
Text that carries a fact withholding would destroy stops the build, naming file, line,
record and field, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from analysis import build, codebook, config
from analysis.clean.raw import FLAT_COLUMNS
from analysis.problems import BuildError
from fixtures import SEED_RAW, SEED_TODAY
from fixtures.planted import (CHANNELS, PHRASES, REFUSED, REFUSED_RECORDS, REFUSED_REGISTER, SPELLINGS, normal_forms,
                              planted, spellings_of, stems_in)

WITHHELD = codebook.WITHHELD
#: Text keys of the raw format that hold no free text of their own: a closed list the record checks enforce.
CLOSED_KEYS = {"status": "coded or excluded", "total_field": "persons, sent_to_war or killed",
               "victim_names": "the restricted values themselves", "identifying_details": "the restricted values themselves"}
#: Register columns whose pattern admits no name (a lower-case id, a language code, a hash).
CLOSED_REGISTER = {"source_id", "language", "sha256"}
#: A build takes seconds: a failing example is reported as drawn, not shrunk for minutes.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def spellings(channels: dict) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({ch: st.sampled_from(spellings_of(ch, name)) for ch, (name, *_) in channels.items()})


def withheld(cells) -> bool:
    """Whether every cell shows that something was withheld from it."""
    cells = cells if isinstance(cells, pd.Series) else pd.Series([cells])
    return bool(len(cells)) and bool(cells.fillna("").str.contains(WITHHELD, regex=False).all())


def build_with(tmp: Path, plant) -> tuple[Path, Path]:
    raw, archive = tmp / "raw", tmp / "archive"
    shutil.copytree(SEED_RAW, raw)
    shutil.copytree(config.SOURCES_DIR, archive)
    plant.write(raw, archive)
    return raw, archive


def published_cells(folder: Path):
    """(file, cell) for every cell of every CSV and Parquet file, and the whole text of the other files."""
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
                yield from ((path.name, cell) for cell in row)
        elif path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                yield from ((path.name, str(v)) for v in column.to_pylist() if v is not None)
        else:
            yield path.name, path.read_bytes().decode("utf-8", "replace")


def test_every_text_key_of_the_raw_format_is_planted():
    """The channels come from the codebook: a new raw key or register column fails here until it is planted."""
    text_keys = {k.name for k in codebook.RAW_KEYS if k.kind in ("text", "phrase", "phrase-list", "mapping")}
    channels = set(CHANNELS) | set(REFUSED)
    yaml_keys = {re.split(r"[.: ]", ch)[0] for ch in channels if ":" not in ch}
    assert text_keys == yaml_keys | set(CLOSED_KEYS)
    assert set(PHRASES) == set(codebook.PHRASE_KEYS)
    assert {f"{k}.{sub}" for k in PHRASES for sub in ("phrase", "value", "quote")} <= channels
    text_columns = {c for c in FLAT_COLUMNS if c in text_keys or c.rsplit("_", 1)[0] in text_keys} - set(CLOSED_KEYS)
    csv_columns = {ch.split(":")[1].split()[0] for ch in channels if ch.startswith("csv:")}
    figure_columns = {c for c in text_columns if c.startswith("figure_")}  # context records only: planted in YAML
    money_columns = {"money_phrase", "money_purpose"}  # an amount's own phrase and its category
    assert text_columns - csv_columns == figure_columns | money_columns
    register = {f.name for f in codebook.SOURCES.fields if f.type == "string" and not f.vocabulary}
    assert register == {ch.split(":")[1] for ch in channels if ch.startswith("sources:")} | CLOSED_REGISTER


@pytest.mark.xdist_group("heavy")
@settings(max_examples=6, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spelling=spellings(CHANNELS))
def test_planted_names_are_withheld_from_every_published_cell(tmp_path_factory, spelling):
    tmp = tmp_path_factory.mktemp("planted")
    raw, archive = build_with(tmp, planted(spelling, SEED_TODAY))
    out = tmp / "processed"
    result = build.run(raw, archive, config.REFERENCE_DIR, out, SEED_TODAY)
    leaks = {(name, cell[:80]): stems_in(cell) for name, cell in published_cells(out) if stems_in(cell)}
    assert not leaks
    assert result.n_records == 32 + 9 and result.n_rejected == 5 + 2
    t = result.tables
    ev = t["evidence"].set_index(["record_id", "field"])
    assert withheld(ev.loc["R9101", "quote"]) and withheld(ev.loc["R9104", "quote"])
    assert withheld(ev.loc["R9101"].loc[sorted(PHRASES.keys() - {"figure"}), "phrase"])
    assert withheld(ev.loc["R9108", "coder_value"].dropna()) and withheld(ev.loc["R9104", "coder_value"].dropna())
    assert withheld(ev.loc[("R9109", "figure"), "phrase"]) and withheld(ev.loc[("R9110", "figure"), "coder_value"])
    assert withheld(t["merges"].set_index("record_id").loc[["R9102", "R9105"], "merge_reason"])
    assert withheld(t["rejections"].set_index("record_id").loc[["R9103", "R9106"], "reason"])
    incidents = t["incidents"].set_index("incident_id")
    assert withheld(incidents.loc[["INC-9101", "INC-9104"], "claimant"])
    # The town is a restricted detail: the incident keeps its region, its locality is published empty.
    assert incidents.loc["INC-9101", "region_code"] == "RU-CE" and pd.isna(incidents.loc["INC-9101", "locality"])
    assert withheld(t["sources"].set_index("source_id").loc["synthetic-planted", ["author", "metadata_note"]])


@pytest.mark.xdist_group("heavy")
@pytest.mark.parametrize("where, refused", [("records", REFUSED_RECORDS), ("register", REFUSED_REGISTER)])
@settings(max_examples=3, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_text_that_cannot_withhold_a_name_stops_the_build(tmp_path_factory, where, refused, data):
    spelling = data.draw(spellings({**CHANNELS, **refused}), label="spelling")
    tmp = tmp_path_factory.mktemp("refused")
    raw, archive = build_with(tmp, planted(spelling, SEED_TODAY, refused=where))
    with pytest.raises(BuildError) as err:
        build.run(raw, archive, config.REFERENCE_DIR, tmp / "processed", SEED_TODAY)
    assert not (tmp / "processed").exists()
    problems = err.value.problems
    for channel, (_, fieldname) in refused.items():
        named = [p for p in problems if p.field == fieldname and p.file and p.line and p.record]
        assert named, f"{channel}: no problem names its file, line, record and field {fieldname}"
    # The build's own messages about restricted values say where the value is listed, never the value.
    about = [str(p) for p in problems if "restricted name" in p.message]
    assert about and not [m for m in about if stems_in(m)]
    assert any("listed under victim_names of record R910" in m for m in about)


def test_the_seed_withholds_what_it_withheld_before(tmp_path):
    """Only the two quotes naming a listed victim or detail hold "[withheld]" in the seed's outputs."""
    result = build.run(SEED_RAW, config.SOURCES_DIR, config.REFERENCE_DIR, None, SEED_TODAY)
    cells = [(name, col, v) for name, df in result.tables.items() for col in df.columns if df[col].dtype == "string"
             for v in df[col].dropna() if WITHHELD in v]
    assert cells == [
        ("evidence", "quote", "NISYO administrator [withheld] reported that his father, two brothers, and a nephew were detained."),
        ("evidence", "quote", "[withheld], not his real name, a man with [withheld], told us he was apprehended"),
    ]


def test_the_search_sees_through_every_spelling():
    """The tests' own search finds each planted spelling, so a clean result means something."""
    for name, spelled in SPELLINGS.items():
        for key, text in spelled.items():
            assert stems_in(f"x {text} y"), (name, key, normal_forms(text))
