"""Fuzzing the readers of data/raw: every input ends in records or problems, never a traceback.

Hypothesis writes 10,000 record files of each kind (arbitrary YAML trees and texts, bulk
CSV files with cells from all of Unicode; twenty-five files to a folder, as a build reads them),
then reads them the way a build does and runs the record checks on what was read. An
exception of any kind fails the test with the input that caused it. ``make test-fast``
leaves these out (they take a minute); ``make test`` runs them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.clean.checks import check_records
from analysis.clean.raw import FLAT_COLUMNS, read_raw_records
from analysis.codebook import RAW_KEYS

pytestmark = pytest.mark.fuzz

FILES_PER_FOLDER = 25
EXAMPLES = 10_000 // FILES_PER_FOLDER
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOURCES = {"src-a": (dt.date(2025, 1, 1), "day")}
TODAY = dt.date(2026, 11, 21)

#: Text from all of Unicode, lone surrogates included (YAML escapes can make them).
TEXT = st.text(max_size=12)
KEYS = st.one_of(st.sampled_from([k.name for k in RAW_KEYS] + ["phrase", "value", "quote", "purpose"]), TEXT,
                 st.integers(), st.booleans(), st.none(), st.floats(allow_nan=True))
SCALARS = st.one_of(TEXT, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(),
                    st.sampled_from(["R001", "R٠١٢", "R²³⁴", "010", "0x10", "2022-09", "yes", "~", "1e400", "-5"]))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(KEYS, inner, max_size=5)), max_leaves=25)
RECORD = st.dictionaries(st.sampled_from([k.name for k in RAW_KEYS]), TREES, max_size=8)
DOCUMENTS = st.one_of(
    st.fixed_dictionaries({"source": st.one_of(st.just("src-a"), SCALARS), "records": st.lists(RECORD, max_size=4)}),
    st.fixed_dictionaries({"source": SCALARS, "records": TREES}),
    TREES,
)


def _read_and_check(folder: Path) -> None:
    raw = read_raw_records(folder, folder)
    assert all(p.file and p.message for p in raw.problems)
    checking = check_records(raw, SOURCES, TODAY)
    assert all(p.file and p.message for p in checking.found.sorted())


def _yaml_text(document) -> str | None:
    try:
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, TypeError):
        return None  # a tree YAML itself cannot write (e.g. unhashable keys): nothing to read


@FUZZ
@given(st.lists(st.one_of(DOCUMENTS.map(_yaml_text), st.text(max_size=200)), min_size=FILES_PER_FOLDER, max_size=FILES_PER_FOLDER))
def test_any_yaml_file_reads_into_records_or_problems(texts):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "incidents").mkdir()
        for i, text in enumerate(texts):
            if text is not None:
                (folder / "incidents" / f"fuzz-{i}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        _read_and_check(folder)




CSV_FILES = st.tuples(
    st.lists(st.sampled_from(FLAT_COLUMNS), min_size=1, max_size=8, unique=True),
    st.lists(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=15), max_size=9), max_size=4),
    st.booleans(),
)


def _csv_text(header: list[str], rows: list[list[str]], with_ids: bool) -> str:
    if with_ids and "record_id" not in header:
        header = ["record_id", *header]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@FUZZ
@given(st.lists(CSV_FILES, min_size=FILES_PER_FOLDER, max_size=FILES_PER_FOLDER))
def test_any_bulk_csv_file_reads_into_records_or_problems(files):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "incidents").mkdir()
        for i, (header, rows, with_ids) in enumerate(files):
            (folder / "incidents" / f"fuzz-{i}.csv").write_text(_csv_text(header, rows, with_ids), encoding="utf-8")
        _read_and_check(folder)
