"""A catalogue of malformed and hostile inputs, each run through the real cleaning step.

Every case copies the frozen seed records (tests/fixtures/seed/raw, a snapshot of the five
seed reports' records) and the archive of source texts to a temporary folder, breaks
one thing (or, for "several errors", a few things in different files) and runs the build.
A refused input must be reported in one line that names the file and line, the record,
the field, the value and what would be accepted, and nothing may be written. Inputs that
are accepted by design (a byte-order mark, markup in a summary) must come out as the
coder wrote them.

Most cases call ``analysis.build.run`` in-process (the place gazetteer loads once per
process); the cases marked ``entry_point`` also run ``python -m analysis.build`` as a
subprocess to check the exit code and what a coder sees on stderr. Adding a case is one
``Case(...)`` entry in CASES.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
import yaml

from analysis import build, config
from analysis.clean import publish
from analysis.problems import BuildError
from fixtures import SEED_RAW, SEED_TODAY

ROOT = Path(__file__).resolve().parents[2]
RAW = SEED_RAW
REFERENCE = ROOT / "data" / "reference"
TODAY = SEED_TODAY  # also COERCION_TODAY of the subprocess runs: "the future" is fixed for the frozen records

SOURCES = "raw/sources.csv"
INSIDER = "raw/incidents/theinsider-2024-09.yaml"
KYIV = "raw/incidents/kyivindependent-2023-06-09.yaml"
OCMEDIA = "raw/incidents/ocmedia-2025-04.yaml"
BULK = "raw/incidents/bulk-import.csv"
UNITED = "raw/incidents/united24-2025-02.yaml"
RATES = "reference/rub_exchange_rates.csv"
INSIDER_TEXT = "archive/001_0d6723ee703c371c.txt"

# R011's summary, which the markup and control-character cases rewrite.
R011_SUMMARY_YAML = """    summary: >-
      Six men detained in Chechnya on suspicion of being gay were threatened with fabricated charges
      and exposure in pre-trial detention, and told to pay a ransom or "volunteer" for the war.
      Three whose families could not pay were sent to the front; one was killed.
"""
HTML = '<script>alert("x")</script><b>Six men</b> & <a href="javascript:void(0)">others</a> detained in Chechnya.'
MARKDOWN = "**Six men** _detained_ in [Chechnya](https://example.org) | col | `code` <!-- c --> # not a heading"
TYPST = '#set page(width: 1cm) #let x = 1 $x^2$ @ref <label> *Six* _men_ = heading // comment \\ #"raw"'

# One valid record in the flat CSV format, a second report of R012 (the 2023 raid).
BULK_ROW = {
    "record_id": "R900", "source": "theinsider-2024-09", "event_kind": "incident",
    "summary": "Bulk import: four men arrested in a raid in Chechnya in 2023 were sent to Ukraine.",
    "date_phrase": "in 2023", "date_quote": "in 2023, during yet another law enforcement raid in Chechnya",
    "place_phrase": "in Chechnya", "place_quote": "during yet another law enforcement raid in Chechnya",
    "sent_to_war_phrase": "four men", "sent_to_war_quote": "four men were forcibly sent to Ukraine",
    "victim_group": "lgbtq_people", "perpetrator": "chechen_security_forces", "coercion": "raid|detention|forced_enlistment",
    "same_incident_as": "R012", "merge_reason": "The same raid, imported from a spreadsheet.",
    "coded_by": "bulk import test", "coded_on": "2026-11-20",
}


# ---- mutations ----------------------------------------------------------------------------


def _csv_text(rows: list[dict], header: list[str] | None = None) -> str:
    header = header or list(BULK_ROW)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buf.getvalue()


def replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace the one occurrence of ``old`` in a copied file."""

    def mutate(root: Path) -> None:
        p = root / path
        text = p.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
        p.write_text(text.replace(old, new), encoding="utf-8")

    return mutate


def replace_bytes(path: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / path
        data = p.read_bytes()
        assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times in {path}"
        p.write_bytes(data.replace(old, new))

    return mutate


def write(path: str, data: str | bytes) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / path
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    return mutate


def append(path: str, text: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / path
        p.write_text(p.read_text(encoding="utf-8") + text, encoding="utf-8")

    return mutate


def prepend_bom(path: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / path
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())

    return mutate


def crlf(path: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        p = root / path
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))

    return mutate


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        for m in mutations:
            m(root)

    return mutate


def rehash(text_file: str, source_id: str) -> Callable[[Path], None]:
    """Record the archived text's new hash in sources.csv, as a coder re-registering it would."""

    def mutate(root: Path) -> None:
        digest = hashlib.sha256((root / text_file).read_bytes()).hexdigest()
        p = root / SOURCES
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        row = next(i for i, line in enumerate(lines) if line.startswith(source_id + ","))
        cells = next(csv.reader([lines[row]]))
        cells[9] = digest  # sha256
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        lines[row] = buf.getvalue()
        p.write_text("".join(lines), encoding="utf-8")

    return mutate


def alias_bomb(root: Path) -> None:
    """'Billion laughs': nine levels of nine aliases, 9**9 strings once expanded."""
    levels = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    (root / "raw/incidents/zz-bomb.yaml").write_text(
        "source: theinsider-2024-09\nrecords:\n  - record_id: R900\n    coder_notes:\n"
        + "".join(f"      {line}\n" for line in levels)
        + "    summary: *l9\n"
    )


def deep_nesting(root: Path) -> None:
    (root / "raw/incidents/zz-deep.yaml").write_text("source: theinsider-2024-09\nrecords: " + "[" * 20_000 + "]" * 20_000 + "\n")


def oversized(root: Path) -> None:
    # A sparse file: 60 MiB on paper, nothing on disk. The size limit is checked before reading.
    with open(root / "raw/incidents/zz-huge.yaml", "wb") as f:
        f.truncate(60 * 2**20)


def many_bulk_records(root: Path) -> None:
    rows = [dict(BULK_ROW, record_id=f"R{1000 + i}", same_incident_as="", merge_reason="") for i in range(2000)]
    (root / BULK).write_text(_csv_text(rows), encoding="utf-8")


# ---- checks of accepted inputs ---------------------------------------------------------


def incidents_csv(out: Path) -> dict[str, dict]:
    with open(out / "incidents.csv", encoding="utf-8", newline="") as f:
        return {row["incident_id"]: row for row in csv.DictReader(f)}


def summary_is_literal(text: str) -> Callable[[Path, build.Build], None]:
    """The published summary of INC-011 is exactly the text the coder wrote: not escaped, not stripped."""

    def check(out: Path, result: build.Build) -> None:
        assert incidents_csv(out)["INC-011"]["summary"] == text
        parquet = pd.read_parquet(out / "incidents.parquet").set_index("incident_id")
        assert parquet.loc["INC-011", "summary"] == text

    return check


def region_of_r011(code: str, name: str) -> Callable[[Path, build.Build], None]:
    def check(out: Path, result: build.Build) -> None:
        row = incidents_csv(out)["INC-011"]
        assert (row["region_code"], row["region_name"], row["country_code"]) == (code, name, code[:2])

    return check


def seed_dataset_unchanged(out: Path, result: build.Build) -> None:
    assert (result.n_records, result.n_incidents, result.n_rejected) == (32, 26, 5)
    assert incidents_csv(out)["INC-011"]["persons_best"] == "6"


def bulk_record_merged(out: Path, result: build.Build) -> None:
    assert (result.n_records, result.n_incidents, result.n_merged, result.n_rejected) == (33, 26, 2, 5)
    merges = pd.read_csv(out / "merges.csv").set_index("record_id")
    assert merges.loc["R900", "incident_id"] == "INC-012" and not merges.loc["R900", "is_canonical"]
    assert incidents_csv(out)["INC-012"]["record_ids"] == "R012|R900"


def many_records_counted(out: Path, result: build.Build) -> None:
    assert (result.n_records, result.n_incidents, result.n_rejected) == (2032, 2026, 5)
    assert len(incidents_csv(out)) == 2026


# ---- the catalogue -----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str  # what is wrong, as a test id
    mutate: Callable[[Path], None]  # breaks the copy under the temporary root (raw/, archive/, reference/)
    file: str | None = None  # the file the message must name, relative to the temporary root
    at: str | int | None = None  # the line it must name: a number, or a snippet of the mutated file starting on it
    record: str | None = None
    field: str | None = None
    value: object = None  # shown as repr(); a str that starts with "=" is matched as written
    accepted: str | None = None  # part of what the message says would be accepted
    message: str | None = None  # part of the message itself
    n: int | None = 1  # problems expected in all (None: do not count, cascades are expected)
    ok: bool = False  # accepted by design: the build must succeed
    check: Callable[[Path, build.Build], None] | None = None  # for accepted inputs: what the outputs must show
    entry_point: bool = False  # also run through `python -m analysis.build`
    reference: bool = False  # copy data/reference too (the case breaks it)


CASES = [
    # -- files and encodings --
    Case("yaml-unclosed-bracket", replace(INSIDER, "    event_kind: incident\n    summary: >-\n      Six",
                                          "    event_kind: [incident\n    summary: >-\n      Six"),
         INSIDER, at="    summary: >-\n      Six", message="not valid YAML", accepted="YAML", entry_point=True),
    Case("yaml-tab-indentation", replace(INSIDER, "    event_kind: incident\n    summary: >-\n      Six", "\tevent_kind: incident\n    summary: >-\n      Six"),
         INSIDER, at="\tevent_kind", message="'\\t' that cannot start any token", accepted="YAML"),
    Case("yaml-duplicate-key", replace(INSIDER, "    coded_on: 2026-11-21\n\n  - record_id: R012", "    coded_on: 2026-11-21\n    coded_by: someone\n\n  - record_id: R012"),
         INSIDER, at="    coded_by: someone", message="duplicate key 'coded_by'", accepted="YAML"),
    Case("yaml-python-tag-refused", replace(INSIDER, "event_kind: incident\n    summary: >-\n      Six",
                                            "event_kind: !!python/object/apply:os.system ['touch pwned']\n    summary: >-\n      Six"),
         INSIDER, at="    event_kind: !!python", message="could not determine a constructor", accepted="YAML"),
    Case("yaml-alias-bomb", alias_bomb, "raw/incidents/zz-bomb.yaml", at="    summary: *l9", record="R900", field="summary",
         value="=[[[[...]", accepted="text", message="must be a single value", n=None, entry_point=True),
    Case("yaml-nested-20000-levels", deep_nesting, "raw/incidents/zz-deep.yaml", message="nested too deeply", accepted="records as described"),
    Case("yaml-list-as-a-key", replace(INSIDER, "    event_kind: incident\n    summary: >-\n      Six", "    event_kind: incident\n    ? [a, b]\n    : x\n    summary: >-\n      Six"),
         INSIDER, at="    ? [a, b]", message="a list or mapping used as a key", accepted="YAML"),
    Case("yaml-numbers-as-keys", replace(INSIDER, "  - record_id: R012\n    event_kind: incident\n", "  - {record_id: R012, 1: a, colour: b}\n  - event_kind: incident\n"),
         INSIDER, at="  - {record_id: R012", record="R012", field="1", message="unknown key '1'", accepted="record_id, status", n=None),
    Case("yaml-second-document", append(INSIDER, "---\nsource: other\n"), INSIDER, at="---\nsource: other", message="another document"),
    Case("yaml-top-level-list", write("raw/incidents/zz.yaml", "- record_id: R900\n"), "raw/incidents/zz.yaml", at=1,
         message="must be a mapping with 'source' and 'records'", accepted="source: <source_id>"),
    Case("yaml-records-not-a-list", write("raw/incidents/zz.yaml", "source: theinsider-2024-09\nrecords:\n  record_id: R900\n"),
         "raw/incidents/zz.yaml", at="records:", message="'records' must be a list", accepted="a YAML list of records"),
    Case("yaml-record-not-a-mapping", write("raw/incidents/zz.yaml", "source: theinsider-2024-09\nrecords:\n  - just a sentence\n"),
         "raw/incidents/zz.yaml", at="records:", value="just a sentence", message="record #1 is not a mapping", accepted="a mapping of keys"),
    Case("yaml-unknown-key", replace(INSIDER, "    coercion: [raid,", "    colour: red\n    coercion: [raid,"),
         INSIDER, at="    colour: red", record="R012", field="colour", message="unknown key 'colour'", accepted="record_id, status"),
    Case("yaml-raw-control-character", replace(INSIDER, "Six men detained", "Six men\x07 detained"),
         INSIDER, at="      Six men\x07", value="\x07", message="special characters are not allowed", accepted="printable UTF-8 text"),
    Case("yaml-nul-byte", replace(INSIDER, "phrase: four men\n      quote: four men", "phrase: four men\n      quote: four\x00 men"),
         INSIDER, at="      quote: four\x00", value="\x00", message="special characters are not allowed", accepted="printable UTF-8 text"),
    Case("yaml-not-utf8", replace_bytes(INSIDER, "Six men detained".encode(), "Six m\xe9n detained".encode("latin-1")),
         INSIDER, at="      Six m", message="not valid UTF-8: byte 0xe9", accepted="UTF-8 text", entry_point=True),
    Case("yaml-byte-order-mark-accepted", prepend_bom(INSIDER), ok=True, check=seed_dataset_unchanged, entry_point=True),
    Case("yaml-crlf-line-endings-accepted", crlf(KYIV), ok=True, check=seed_dataset_unchanged),
    Case("yaml-empty-file", write("raw/incidents/zz.yaml", b""), "raw/incidents/zz.yaml", message="the file is empty", accepted="a list of records"),
    Case("yaml-comments-only", write("raw/incidents/zz.yaml", "# to do\n"), "raw/incidents/zz.yaml", at=1, message="must be a mapping"),
    Case("yaml-over-size-limit", oversized, "raw/incidents/zz-huge.yaml", message="over the 50 MiB limit", accepted="split it"),
    Case("broken-link-in-records-folder", lambda root: (root / "raw/incidents/moved.yaml").symlink_to(root / "raw/incidents/gone.yaml"),
         "raw/incidents/moved.yaml", message="not a file", accepted="*.yaml or *.csv files"),
    Case("unexpected-file-type-in-records-folder", write("raw/incidents/notes.txt", "hello"), "raw/incidents/notes.txt",
         message="unexpected file type '.txt'", accepted=".yaml, .yml or .csv"),
    # -- sources.csv and the archive --
    Case("sources-missing", lambda root: (root / SOURCES).unlink(), SOURCES, message="missing", accepted="a CSV with columns source_id"),
    Case("sources-empty", write(SOURCES, b""), SOURCES, message="the file is empty"),
    Case("sources-not-utf8", replace_bytes(SOURCES, b"Haley Zehrung", "Hal\xe9y".encode("latin-1")), SOURCES, at=2,
         message="not valid UTF-8: byte 0xe9", accepted="UTF-8"),
    Case("sources-byte-order-mark-accepted", prepend_bom(SOURCES), ok=True, check=seed_dataset_unchanged),
    Case("sources-unclosed-quote", replace(SOURCES, "Kyiv Independent,NGO", 'Kyiv Independent,"NGO'), SOURCES, at=2,
         record="kyivindependent-2023-06-09", message="a quote opened and not closed", accepted="14 comma-separated cells", n=None),
    Case("sources-extra-cell", replace(SOURCES, "after the article body.,false", "after the article body.,false,extra"), SOURCES, at=2,
         record="kyivindependent-2023-06-09", message="the row has 15 cells, the header 14", accepted="14 comma-separated cells"),
    Case("sources-missing-column", replace(SOURCES, ",reports_claims_of_party\n", "\n"), SOURCES, at=1,
         message="missing column 'reports_claims_of_party'", accepted="source_id, archive_file"),
    Case("sources-duplicate-column", replace(SOURCES, ",reports_claims_of_party\n", ",reports_claims_of_party,outlet\n"), SOURCES, at=1,
         message="appears more than once", accepted="source_id, archive_file"),
    Case("sources-duplicate-source-id", append(SOURCES, "theinsider-2024-09,001_0d6723ee703c371c.txt,The Insider,Again,unknown,2024-09-01,"
                                                         "month,en,unknown,43f0a7b9796cd6ae2ab5dc7849860ff179e44687661d137cd8c60d4dd3935cfd,"
                                                         "unknown,medium,,false\n"),
         SOURCES, at=7, record="theinsider-2024-09", field="source_id", value="theinsider-2024-09",
         message="duplicate source id (first on line 3)", accepted="a unique id"),
    Case("sources-language-not-iso", replace(SOURCES, "2023-06-09,day,en,", "2023-06-09,day,english,"), SOURCES, at=2,
         record="kyivindependent-2023-06-09", field="language", value="english", accepted="^[a-z]{2}$", entry_point=True),
    Case("sources-published-date-not-a-date", replace(SOURCES, "2023-06-09,day", "2023-06-31,day"), SOURCES, at=2,
         record="kyivindependent-2023-06-09", field="published_date", value="2023-06-31", accepted="YYYY-MM-DD", n=None),
    Case("sources-published-in-the-future", replace(SOURCES, "2023-06-09,day", "2027-06-09,day"), SOURCES, at=2,
         record="kyivindependent-2023-06-09", field="published_date", value="2027-06-09", message="in the future", accepted="a date up to 2026-11-21"),
    Case("sources-unknown-precision", replace(SOURCES, "2023-06-09,day", "2023-06-09,week"), SOURCES, at=2,
         record="kyivindependent-2023-06-09", field="published_precision", value="week", accepted="day, month, season, year"),
    Case("sources-archive-path-traversal", replace(SOURCES, "000_99641bc7f40e1955.txt", "../../../etc/passwd"), SOURCES, at=2,
         record="kyivindependent-2023-06-09", field="archive_file", value="../../../etc/passwd", accepted="a file name"),
    Case("sources-sha256-malformed", replace(SOURCES, "b6cd6a5d41585a978644c1a70b2eabe83f4b60ec31c9f79c0606cbbc4b43b00e", "b6cd6a5d"),
         SOURCES, at=2, record="kyivindependent-2023-06-09", field="sha256", value="b6cd6a5d", accepted="^[0-9a-f]{64}$"),
    Case("sources-terminal-escape-in-headline", replace(SOURCES, "NGO: Chechen", '"\x1b[2J\x1b[31mNGO: Chechen"'), SOURCES, at=2,
         record="kyivindependent-2023-06-09", field="headline", message="control character U+001B", accepted="printable text"),
    Case("archive-text-changed", replace(INSIDER_TEXT, "six men in Chechnya were detained", "seven men in Chechnya were detained"),
         SOURCES, at=3, record="theinsider-2024-09", field="sha256", value="43f0a7b9796cd6ae2ab5dc7849860ff179e44687661d137cd8c60d4dd3935cfd",
         message="the archive changed since the source was registered", accepted="the recorded hash", entry_point=True),
    Case("archive-file-missing", lambda root: (root / INSIDER_TEXT).unlink(), SOURCES, at=3, record="theinsider-2024-09",
         field="archive_file", value="001_0d6723ee703c371c.txt", message="not found in the archive directory", accepted="COERCION_SOURCES_DIR"),
    Case("archive-text-not-utf8", both(replace_bytes(INSIDER_TEXT, "six men in Chechnya".encode(), "six m\xe9n in Chechnya".encode("latin-1")),
                                       rehash(INSIDER_TEXT, "theinsider-2024-09")),
         SOURCES, at=3, record="theinsider-2024-09", field="archive_file", message="not UTF-8 (byte 0xe9", accepted="UTF-8"),
    # -- the flat CSV format --
    Case("bulk-csv-accepted-and-merged", write(BULK, _csv_text([BULK_ROW])), ok=True, check=bulk_record_merged),
    Case("bulk-csv-2000-records-accepted", many_bulk_records, ok=True, check=many_records_counted),
    Case("bulk-csv-short-row", write(BULK, _csv_text([BULK_ROW]) + "R901,theinsider-2024-09,incident\n"), BULK, at=3, record="R901",
         message="the row has 3 cells, the header 17", accepted="17 comma-separated cells"),
    Case("bulk-csv-unclosed-quote", write(BULK, _csv_text([BULK_ROW]) + 'R901,"theinsider-2024-09,incident\n'), BULK, at=3, record="R901",
         message="a quote opened and not closed", accepted="quote cells containing commas"),
    Case("bulk-csv-unknown-column", write(BULK, _csv_text([BULK_ROW], list(BULK_ROW) + ["colour"])), BULK, at=1,
         message="unknown column 'colour'", accepted="record_id, source"),
    Case("bulk-csv-duplicate-column", write(BULK, _csv_text([BULK_ROW], list(BULK_ROW) + ["summary"])), BULK, at=1,
         message="column 'summary' appears more than once", accepted="each column once"),
    Case("bulk-csv-not-utf8", write(BULK, _csv_text([dict(BULK_ROW, summary="Caf\xe9 raid")]).encode("latin-1")), BULK, at=2,
         message="not valid UTF-8", accepted="UTF-8"),
    # -- records: identity, provenance --
    Case("missing-required-summary", replace(INSIDER, """    summary: >-
      In a police raid in Chechnya several LGBTQ+ people were arrested; the women were released the
      same evening and four men were forcibly sent to Ukraine. Their fate is unknown.
""", ""), INSIDER, at="  - record_id: R012", record="R012", field="summary", message="required key is missing", accepted="in the coder's own words"),
    Case("missing-required-victim-group", replace(INSIDER, "    victim_group: [lgbtq_people]\n    perpetrator: [chechen_security_forces]\n    coercion: [raid",
                                                  "    perpetrator: [chechen_security_forces]\n    coercion: [raid"),
         INSIDER, at="  - record_id: R012", record="R012", field="victim_group", accepted="lgbtq_people, residents_of_chechnya"),
    Case("missing-record-id", replace(INSIDER, "  - record_id: R013\n    event_kind: practice\n", "  - event_kind: practice\n"),
         INSIDER, at="  - event_kind: practice", field="record_id", message="record without record_id", accepted="'R' followed by three or more digits"),
    Case("malformed-record-id", replace(INSIDER, "record_id: R013", "record_id: 13"), INSIDER, at="  - record_id: 13", record="13",
         field="record_id", value="13", accepted="'R' followed by three or more digits"),
    Case("duplicate-record-id-across-files", replace(OCMEDIA, "record_id: R030", "record_id: R013"), INSIDER, at="  - record_id: R013",
         record="R013", field="record_id", value="R013", message="ocmedia-2025-04.yaml:5)", accepted="an id no other record uses"),
    Case("unknown-source", replace(INSIDER, "source: theinsider-2024-09", "source: theinsider-2024-9"), INSIDER, at="  - record_id: R011",
         record="R011", field="source", value="theinsider-2024-9", accepted="theinsider-2024-09", n=4),
    Case("quote-not-in-archived-text", replace(INSIDER, "quote: Three of the men were forced to become “volunteers,”",
                                               'quote: Three of the men were forced to become "volunteers,"'),
         INSIDER, at='      quote: Three of the men', record="R011", field="sent_to_war", value='Three of the men were forced to become "volunteers,"',
         message="quote not found in the archived text of theinsider-2024-09; the closest passage is 'Three of the men were forced to become “volunteers,”', "
         "which differs at character 40 of the quote: '\"' (U+0022) in the quote, '“' (U+201C) in the text", accepted="copied verbatim"),
    Case("phrase-not-in-its-quote", replace(INSIDER, "phrase: Three of the men", "phrase: Two of the men"), INSIDER,
         at="      phrase: Two of the men", record="R011", field="sent_to_war", value="Two of the men", accepted="a phrase copied from the quote"),
    Case("evidence-for-unknown-field", replace(INSIDER, "    evidence:\n      coercion: They", "    evidence:\n      colour: They"),
         INSIDER, at="      colour: They", record="R011", field="evidence", message="unknown field 'colour'", accepted="summary, coercion"),
    # -- records: dates --
    Case("date-end-before-start", replace(INSIDER, "value: early September 2022", "value: between 30 September 2022 and 1 September 2022"),
         INSIDER, at="    date:\n      phrase: In early", record="R011", field="date", value="between 30 September 2022 and 1 September 2022",
         message="the end date is before the start date", accepted="a span whose start comes first"),
    Case("date-in-the-future", replace(INSIDER, "value: early September 2022", "value: 25 November 2026"),
         INSIDER, at="    date:\n      phrase: In early", record="R011", field="date", value="25 November 2026",
         message="in the future (today is 2026-11-21)", accepted="a date that has happened"),
    Case("date-not-in-the-calendar", replace(INSIDER, "value: early September 2022", "value: 2022-02-30"),
         INSIDER, at="    date:\n      phrase: In early", record="R011", field="date", value="2022-02-30", accepted="a real date"),
    Case("date-after-publication", replace(INSIDER, "value: early September 2022", "value: early October 2024"),
         INSIDER, at="    date:\n      phrase: In early", record="R011", field="date", value="early October 2024",
         message="after the source's publication (2024-09-01)", accepted="before the source was published"),
    Case("date-unreadable", replace(INSIDER, "value: early September 2022", "value: the day after the thing"),
         INSIDER, at="    date:\n      phrase: In early", record="R011", field="date", value="the day after the thing",
         message="cannot read a date", accepted="'7 April 2025'"),
    Case("coded-on-in-the-future", replace(INSIDER, "    coded_on: 2026-11-21\n\n  - record_id: R012", "    coded_on: 2026-12-01\n\n  - record_id: R012"),
         INSIDER, at="    coded_on: 2026-12-01", record="R011", field="coded_on", value="2026-12-01", accepted="a date up to 2026-11-21"),
    Case("coded-on-not-iso", replace(INSIDER, "    coded_on: 2026-11-21\n\n  - record_id: R012", "    coded_on: 21/11/2026\n\n  - record_id: R012"),
         INSIDER, at="    coded_on: 21/11", record="R011", field="coded_on", value="21/11/2026", accepted="YYYY-MM-DD"),
    # -- records: counts and money --
    Case("count-negative", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: '-6'\n"),
         INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="-6", message="a negative number",
         accepted="zero or more"),
    Case("count-absurd", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: '6000000000'\n"),
         INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="6000000000",
         message="not plausible", accepted="a count up to 1,000,000"),
    Case("count-with-5000-digits", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: " + "9" * 5000 + "\n"),
         INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="=" + repr("9" * 90)[:80]),
    Case("count-not-whole", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: '2.5'\n"),
         INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="2.5", accepted="a whole number"),
    Case("count-low-above-high", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: between 60 and 6\n"),
         INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="between 60 and 6",
         message="the lower bound is above the upper bound (60 > 6)", accepted="a range whose lower bound comes first"),
    Case("count-unreadable", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: a handful or so\n"),
         INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="a handful or so",
         message="cannot read a number", accepted="'at least 7'"),
    Case("count-on-a-context-record", replace(INSIDER, "    total_field: sent_to_war\n", "    total_field: sent_to_war\n    persons: at least seven\n"),
         INSIDER, at="    persons: at least seven", record="R010", field="persons", value="at least seven",
         message="only incidents carry counts", accepted="'figure'"),
    Case("figure-negative", replace(KYIV, "phrase: upwards of 300,000\n", "phrase: upwards of 300,000\n      value: '-300000'\n"),
         KYIV, at="    figure:", record="R002", field="figure", value="-300000", message="a negative number", accepted="zero or more"),
    Case("money-unknown-currency", replace(INSIDER, "      - phrase: 1.5 million rubles (over $17,000)\n        purpose: ransom\n        quote: the ransom amount — 1.5 million rubles (over $17,000) — was unaffordable for their families",
                                           "      - phrase: 1.5 million zorkmids\n        purpose: ransom\n        quote: 1.5 million zorkmids"),
         INSIDER, at="      - phrase: 1.5 million zorkmids", record="R011", field="money", value="1.5 million zorkmids",
         message="cannot read an amount and currency", accepted="'500 EUR'", n=2),  # and: the quote is not in the text
    Case("money-negative", replace(INSIDER, "      - phrase: 1.5 million rubles (over $17,000)\n        purpose: ransom\n        quote: the ransom amount — 1.5 million rubles (over $17,000) — was unaffordable for their families",
                                   "      - phrase: 1.5 million rubles (over $17,000)\n        purpose: ransom\n        quote: the ransom amount — 1.5 million rubles (over $17,000) — was unaffordable for their families\n      - phrase: -500 rubles\n        quote: 1.5 million rubles"),
         INSIDER, at="      - phrase: -500 rubles", record="R011", field="money", value="-500 rubles", message="a negative number", accepted="zero or more", n=2),
    Case("money-unknown-purpose", replace(INSIDER, "purpose: ransom", "purpose: bribe"), INSIDER, at="      - phrase: 1.5 million rubles",
         record="R011", field="money.purpose", value="bribe", accepted="ransom, bonus, fine, payment"),
    # -- records: places and categories --
    Case("unknown-region", replace(INSIDER, "      phrase: in Chechnya\n      quote: six men", "      phrase: in Chechnya\n      value: Atlantis\n      quote: six men"),
         INSIDER, at="    place:\n      phrase: in Chechnya\n      value: Atlantis", record="R011", field="place", value="Atlantis",
         message="no place recognised", accepted="a first-level region of Russia or Ukraine"),
    Case("unknown-region-code", replace(INSIDER, "      phrase: in Chechnya\n      quote: six men", "      phrase: in Chechnya\n      value: RU-XX\n      quote: six men"),
         INSIDER, at="    place:\n      phrase: in Chechnya\n      value: RU-XX", record="R011", field="place", value="RU-XX",
         message="RU-XX is not an ISO 3166-2 code of the boundaries", accepted="or ISO codes"),
    Case("region-code-in-value-accepted", replace(INSIDER, "      phrase: in Chechnya\n      quote: six men", "      phrase: in Chechnya\n      value: RU-IN\n      quote: six men"),
         ok=True, check=region_of_r011("RU-IN", "Republic of Ingushetia")),
    Case("unknown-victim-group", replace(INSIDER, "    victim_group: [lgbtq_people]\n    perpetrator: [chechen_security_forces]\n    coercion: [raid",
                                         "    victim_group: [lgbt]\n    perpetrator: [chechen_security_forces]\n    coercion: [raid"),
         INSIDER, at="    victim_group: [lgbt]", record="R012", field="victim_group", value="lgbt", accepted="lgbtq_people, residents_of_chechnya"),
    Case("unknown-coercion-wrong-case", replace(INSIDER, "coercion: [raid,", "coercion: [Raid,"), INSIDER, at="    coercion: [Raid",
         record="R012", field="coercion", value="Raid", accepted="detention, blackmail"),
    Case("unknown-perpetrator", replace(INSIDER, "    perpetrator: [chechen_security_forces]\n    coercion: [raid", "    perpetrator: [kadyrovtsy]\n    coercion: [raid"),
         INSIDER, at="    perpetrator: [kadyrovtsy]", record="R012", field="perpetrator", value="kadyrovtsy", accepted="chechen_security_forces"),
    Case("unknown-event-kind", replace(INSIDER, "    event_kind: incident\n    summary: >-\n      Six", "    event_kind: incidnet\n    summary: >-\n      Six"),
         INSIDER, at="    event_kind: incidnet", record="R011", field="event_kind", value="incidnet", accepted="incident, practice, context"),
    Case("event-kind-is-a-list", replace(INSIDER, "    event_kind: incident\n    summary: >-\n      Six", "    event_kind: [incident]\n    summary: >-\n      Six"),
         INSIDER, at="    event_kind: [incident]", record="R011", field="event_kind", value="=['incident']", message="must be a single value", accepted="text"),
    Case("unknown-context-type", replace(INSIDER, "context_type: reported_total", "context_type: sum"), INSIDER, at="    context_type: sum",
         record="R010", field="context_type", value="sum", accepted="reported_total, population, proposal, statement", n=2),
    Case("unknown-status", replace(KYIV, "    status: excluded\n    exclusion_reason: Recruitment", "    status: rejected\n    exclusion_reason: Recruitment"),
         KYIV, at="    status: rejected", record="R004", field="status", value="rejected", accepted="coded, excluded"),
    Case("excluded-without-reason", replace(KYIV, "    exclusion_reason: Recruitment incentives for the police, not coercion into the war.\n", ""),
         KYIV, at="  - record_id: R004", record="R004", field="exclusion_reason", message="needs a reason", accepted="why it is out of scope"),
    # -- records: merges and totals --
    Case("merge-into-unknown-record", replace(INSIDER, "same_incident_as: R001", "same_incident_as: R999"), INSIDER, at="    same_incident_as: R999",
         record="R013", field="same_incident_as", value="R999", accepted="the record_id of another record"),
    Case("merge-without-reason", replace(INSIDER, """    merge_reason: >-
      Both report North Caucasus SOS's finding that Chechen security forces detain men and
      blackmail them into fighting in Ukraine, with payment as the alternative: one practice,
      reported in June 2023 for men generally and in September 2024 for gay men.
""", ""), INSIDER, at="  - record_id: R013", record="R013", field="merge_reason", accepted="why the records describe the same incident"),
    Case("merge-into-excluded-record", replace(INSIDER, "same_incident_as: R001", "same_incident_as: R004"), INSIDER, at="  - record_id: R013",
         record="R013", field="same_incident_as", value="R004", message="merged into an excluded record", accepted="a coded (not excluded) record"),
    Case("reported-total-does-not-add-up", replace(INSIDER, "      phrase: four men\n", "      phrase: men were forcibly sent\n"),
         INSIDER, at="  - record_id: R010", record="R010", field="total_of", value="INC-011|INC-012",
         message="the source's total is 7 but the incidents it sums add up to 3", accepted="code every incident the total covers"),
    Case("value-contradicts-the-number-in-its-phrase", replace(INSIDER, "      phrase: four men\n", "      phrase: four men\n      value: '2'\n"),
         INSIDER, at="      value: '2'", record="R012", field="sent_to_war", value="2",
         message="the value contradicts its phrase 'four men', which reads 4, not 2", accepted="resolves what the phrase leaves open"),
    # -- numbers that cannot be wrong silently: counts, references, totals, values --
    Case("subgroup-above-the-persons-maximum", replace(INSIDER, "      phrase: several members\n", "      phrase: several members\n      value: '3'\n"),
         INSIDER, at="  - record_id: R012", record="R012", field="persons", value="persons up to 3; sent_to_war at least 4",
         message="at most 3 persons, but at least 4 of them were sent to fight", accepted="include those sent to fight"),
    Case("overlaps-form-a-cycle", replace(UNITED, "  - record_id: R023\n    event_kind: incident\n", "  - record_id: R023\n    event_kind: incident\n    overlaps: R021\n"),
         UNITED, at="  - record_id: R020", record="R020", field="overlaps", value="R023",
         message="overlaps form a cycle: INC-020 → INC-023 → INC-021 → INC-020", accepted="no chain of overlaps leading back"),
    Case("overlaps-a-report-of-its-own-incident", replace(UNITED, "    overlaps: R020\n", "    overlaps: R020\n    same_incident_as: R020\n    merge_reason: The same conscripts.\n"),
         UNITED, at="  - record_id: R021", record="R021", field="overlaps", value="R020", message="overlaps R020, a report of its own incident INC-020",
         accepted="overlaps naming another incident"),
    Case("overlaps-an-excluded-record", replace(UNITED, "    overlaps: R023\n", "    overlaps: R004\n"), UNITED, at="    overlaps: R004",
         record="R020", field="overlaps", value="R004", message="refers to an excluded record", accepted="a coded incident"),
    Case("overlaps-a-practice", replace(OCMEDIA, "    overlaps: R032\n", "    overlaps: R030\n"), OCMEDIA, at="    overlaps: R030",
         record="R033", field="overlaps", value="R030", message="refers to a record that is not an incident", accepted="a coded incident"),
    Case("a-practice-overlaps", replace(OCMEDIA, "  - record_id: R030\n    event_kind: practice\n", "  - record_id: R030\n    event_kind: practice\n    overlaps: R032\n"),
         OCMEDIA, at="    overlaps: R032\n    summary", record="R030", field="overlaps", value="R032", message="only incidents overlap others",
         accepted="code the record as an incident"),
    Case("total-of-an-excluded-record", replace(INSIDER, "total_of: [R011, R012]", "total_of: [R011, R012, R004]"), INSIDER,
         at="    total_of: [R011, R012, R004]", record="R010", field="total_of", value="R004", message="refers to an excluded record",
         accepted="record ids of the coded incidents"),
    Case("total-of-a-practice", replace(INSIDER, "total_of: [R011, R012]", "total_of: [R011, R012, R013]"), INSIDER,
         at="    total_of: [R011, R012, R013]", record="R010", field="total_of", value="R013", message="refers to a practice record, not an incident",
         accepted="record ids of the coded incidents"),
    Case("parts-exceed-an-exact-total", both(replace(INSIDER, "total_field: sent_to_war", "total_field: persons"),
                                             replace(INSIDER, "      phrase: at least seven\n", "      phrase: at least seven\n      value: '7'\n")),
         INSIDER, at="  - record_id: R010", record="R010", field="total_of", value="INC-011|INC-012",
         message="the incidents it sums add up to 9 (persons), more than the source's total of at most 7", accepted="correct the counts"),
    Case("merge-reason-without-a-merge", replace(INSIDER, "  - record_id: R012\n    event_kind: incident\n", "  - record_id: R012\n    event_kind: incident\n    merge_reason: A second report.\n"),
         INSIDER, at="    merge_reason: A second report.", record="R012", field="merge_reason", value="A second report.",
         message="a merge reason without same_incident_as merges nothing", accepted="same_incident_as"),
    Case("merged-records-disagree-the-newer-is-named", replace(INSIDER, "  - record_id: R013\n    event_kind: practice\n", "  - record_id: R013\n    event_kind: incident\n"),
         INSIDER, at="  - record_id: R013", record="R013", field="event_kind", message="merged records disagree on event_kind (conflicts with R001, raw/incidents/kyivindependent-2023-06-09.yaml:",
         accepted="one kind per incident"),
    Case("value-contradicts-the-year-in-its-phrase", replace(INSIDER, "      phrase: in 2023\n", "      phrase: in 2023\n      value: March 2024\n"),
         INSIDER, at="      value: March 2024", record="R012", field="date", value="March 2024",
         message="the value contradicts its phrase 'in 2023', which names 2023", accepted="resolves what the phrase leaves open"),
    Case("yaml-leading-zero-is-not-octal", replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: 010\n"), INSIDER,
         at="      value: 010", record="R011", field="persons", value="010", message="which reads 6, not 10"),
    Case("quote-differs-only-in-case", replace(INSIDER, "      quote: four men were forcibly sent to Ukraine\n    persons", "      quote: Four men were forcibly sent to Ukraine\n    persons"),
         INSIDER, at="      quote: Four men were forcibly sent to Ukraine\n    persons", record="R012", field="destination",
         message="differs at character 1 of the quote: 'F' (U+0046) in the quote, 'f' (U+0066) in the text", accepted="copied verbatim"),
    Case("csv-money-quote-without-its-phrase", write(BULK, _csv_text([dict(BULK_ROW, money_quote="four men were forcibly sent to Ukraine",
                                                                              money_purpose="ransom")],
                                                                     list(BULK_ROW) + ["money_quote", "money_purpose"])),
         BULK, at=2, record="R900", field="money", message="an amount without its phrase", accepted="an amount with a currency"),
    # -- text fields: control characters and markup --
    Case("control-character-in-summary", replace(INSIDER, R011_SUMMARY_YAML, '    summary: "Six men\\x1b[31m detained"\n'),
         INSIDER, at='    summary: "Six men', record="R011", field="summary", value="Six men\x1b[31m detained",
         message="control character U+001B", accepted="printable text"),
    Case("c1-control-in-summary", replace(INSIDER, R011_SUMMARY_YAML, '    summary: "Six men\\x9b31m detained"\n'),
         INSIDER, at='    summary: "Six men', record="R011", field="summary", message="control character U+009B", accepted="printable text"),
    Case("bidi-override-in-summary", replace(INSIDER, "Six men detained", "Six men \u202edetained"), INSIDER, at="    summary: >-\n      Six men \u202e",
         record="R011", field="summary", message="control character U+202E", accepted="printable text"),
    Case("html-in-summary-published-as-text", replace(INSIDER, R011_SUMMARY_YAML, f"    summary: '{HTML}'\n"), ok=True, check=summary_is_literal(HTML)),
    Case("markdown-in-summary-published-as-text", replace(INSIDER, R011_SUMMARY_YAML, f"    summary: '{MARKDOWN}'\n"), ok=True,
         check=summary_is_literal(MARKDOWN)),
    Case("typst-in-summary-published-as-text", replace(INSIDER, R011_SUMMARY_YAML, "    summary: " + yaml.safe_dump(TYPST, width=10**6).split("\n")[0] + "\n"),
         ok=True, check=summary_is_literal(TYPST)),
    # -- reference data --
    Case("reference-rate-zero", replace(RATES, "2022-01-01,USD,74.2926", "2022-01-01,USD,0"),
         RATES, at="2022-01-01,USD,0", value="2022-01-01,USD,0", message="not a date, a currency and a positive rate",
         accepted="copied unchanged", reference=True),
    Case("reference-boundaries-missing", lambda root: (root / "reference/admin1_ru_ua.geojson").unlink(), "reference/admin1_ru_ua.geojson",
         message="cannot read the region boundaries", accepted="iso_3166_2", reference=True),
]


def test_the_catalogue_is_large_and_its_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len([c for c in CASES if not c.ok]) >= 40
    # With the two tests below that run it too (several errors, a failed build), at least
    # eight inputs go through `python -m analysis.build`.
    assert len([c for c in CASES if c.entry_point]) >= 6


# ---- running a case ----------------------------------------------------------------------


def _copy_inputs(tmp: Path, case: Case) -> Path:
    shutil.copytree(RAW, tmp / "raw")
    shutil.copytree(config.SOURCES_DIR, tmp / "archive")
    if case.reference:
        shutil.copytree(REFERENCE, tmp / "reference")
        for p in (tmp / "reference").iterdir():
            p.chmod(0o644)  # the reference files are read-only in the checkout
    case.mutate(tmp)
    return tmp


def _dirs(tmp: Path) -> dict[str, Path]:
    return {"raw_dir": tmp / "raw", "sources_dir": tmp / "archive",
            "reference_dir": tmp / "reference" if (tmp / "reference").exists() else REFERENCE,
            "processed_dir": tmp / "processed"}


def _expected_line(tmp: Path, case: Case) -> int | None:
    if isinstance(case.at, int) or case.at is None:
        return case.at
    text = (tmp / case.file).read_bytes().decode("utf-8", "replace")
    assert text.count(case.at) == 1, f"the snippet {case.at!r} is not unique in {case.file}"
    return text[: text.index(case.at)].count("\n") + 1


def assert_reported(report: str, tmp: Path, case: Case) -> None:
    """One line of the report names everything the case expects."""
    line = _expected_line(tmp, case)
    # The location ends where the record, the field or the message begins.
    where = re.compile(re.escape(f"{case.file}:{line}" if line else case.file) + "[,:]")
    pieces = []
    if case.record:
        pieces.append(f"record {case.record}")
    if case.field:
        pieces.append(f"field '{case.field}'")
    if case.value is not None:
        shown = case.value[1:] if isinstance(case.value, str) and case.value.startswith("=") else repr(case.value)[:80]
        pieces.append(f"(value: {shown}")
    if case.message:
        pieces.append(case.message)
    if case.accepted:
        pieces.append("; accepted: ")
        pieces.append(case.accepted)
    problem_lines = [ln for ln in report.splitlines() if ln.startswith("  ")]
    matching = [ln for ln in problem_lines if where.search(ln) and all(p in ln for p in pieces)]
    assert matching, f"no problem names {where.pattern} and all of {pieces}:\n{report}"
    if case.n is not None:
        assert len(problem_lines) == case.n, f"expected {case.n} problem(s):\n{report}"
        assert report.splitlines()[0].startswith(f"{case.n} problem")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_in_process(case: Case, tmp_path):
    tmp = _copy_inputs(tmp_path, case)
    dirs = _dirs(tmp)
    t0 = time.perf_counter()
    if case.ok:
        result = build.run(**dirs, today=TODAY, root=tmp)
        case.check(dirs["processed_dir"], result)
        return
    with pytest.raises(BuildError) as err:
        build.run(**dirs, today=TODAY, root=tmp)
    assert time.perf_counter() - t0 < 60, "a hostile input must not stall the build"
    assert_reported(str(err.value), tmp, case)
    assert not dirs["processed_dir"].exists(), "a failed build wrote outputs"


# ---- through the entry point -------------------------------------------------------------


def run_entry_point(dirs: dict[str, Path], *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COERCION_TODAY=TODAY.isoformat())
    args = [sys.executable, "-m", "analysis.build", "--raw-dir", str(dirs["raw_dir"]), "--sources-dir", str(dirs["sources_dir"]),
            "--reference-dir", str(dirs["reference_dir"]), "--processed-dir", str(dirs["processed_dir"]), *extra]
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def expected_accounting(raw_dir: Path) -> tuple[int, int, int, int]:
    """(records in, incidents out, merged, rejected), counted from the raw files themselves."""
    records = []
    for path in sorted((raw_dir / "incidents").iterdir()):
        if path.suffix == ".yaml":
            records += yaml.safe_load(path.read_text(encoding="utf-8-sig"))["records"]
        elif path.suffix == ".csv":
            records += list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rejected = sum(1 for r in records if r.get("status") == "excluded")
    merged = sum(1 for r in records if r.get("same_incident_as"))
    return len(records), len(records) - rejected - merged, merged, rejected


ENTRY_POINT_CASES = [c for c in CASES if c.entry_point]


@pytest.mark.parametrize("case", ENTRY_POINT_CASES, ids=[c.id for c in ENTRY_POINT_CASES])
def test_bad_input_through_the_entry_point(case: Case, tmp_path):
    tmp = _copy_inputs(tmp_path, case)
    dirs = _dirs(tmp)
    out = run_entry_point(dirs)
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    if case.ok:
        assert out.returncode == 0, out.stderr
        n_in, n_out, n_merged, n_rejected = expected_accounting(dirs["raw_dir"])
        assert f"records: {n_in} in = {n_out} incidents out (" in out.stdout
        assert f"{n_merged} records merged into others) + {n_rejected} rejected" in out.stdout
        case.check(dirs["processed_dir"], build.Build({}, n_in, n_out, n_rejected, n_merged))
        return
    assert out.returncode != 0
    assert out.stdout == ""
    assert_reported(out.stderr, tmp, case)
    assert not dirs["processed_dir"].exists()


def test_several_errors_in_different_files_are_reported_in_one_run(tmp_path):
    case = Case("several", both(
        replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: '-6'\n"),
        replace(KYIV, "victim_group: [residents_of_chechnya]\n    perpetrator: [chechen_authorities]\n    coercion: [intimidation]",
                "victim_group: [residents]\n    perpetrator: [chechen_authorities]\n    coercion: [intimidation]"),
        replace(SOURCES, "2023-06-09,day,en,", "2023-06-09,day,english,"),
        write(BULK, _csv_text([dict(BULK_ROW, coercion="raid|kidnapping")])),
        replace(OCMEDIA, "record_id: R030", "record_id: R013"),
    ))
    tmp = _copy_inputs(tmp_path, case)
    dirs = _dirs(tmp)
    out = run_entry_point(dirs)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    report = out.stderr
    assert report.startswith("5 problems found; nothing was written:")
    expected = [
        Case("", None, INSIDER, at="    persons:\n      phrase: six men", record="R011", field="persons", value="-6"),
        Case("", None, KYIV, at="    victim_group: [residents]", record="R003", field="victim_group", value="residents", accepted="residents_of_chechnya"),
        Case("", None, SOURCES, at=2, record="kyivindependent-2023-06-09", field="language", value="english"),
        Case("", None, BULK, at=2, record="R900", field="coercion", value="kidnapping", accepted="detention"),
        Case("", None, INSIDER, at="  - record_id: R013", record="R013", field="record_id", value="R013", message="duplicate record id"),
    ]
    for e in expected:
        assert_reported(report, tmp, Case(**{**e.__dict__, "n": None}))
    assert not dirs["processed_dir"].exists()


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_failed_build_leaves_the_previous_outputs_byte_identical(tmp_path):
    good = Case("good", lambda root: None, ok=True)
    tmp = _copy_inputs(tmp_path, good)
    dirs = _dirs(tmp)
    build.run(**dirs, today=TODAY, root=tmp)
    (dirs["processed_dir"] / "README.md").write_text("kept across builds\n")
    before = _tree_digest(dirs["processed_dir"])
    stat_before = {p.name: p.stat().st_mtime_ns for p in dirs["processed_dir"].iterdir()}
    assert "incidents.csv" in before and "MANIFEST" in before
    # Break an input and build again through the entry point.
    replace(INSIDER, "      phrase: six men\n", "      phrase: six men\n      value: between 60 and 6\n")(tmp)
    out = run_entry_point(dirs)
    assert out.returncode != 0 and "nothing was written" in out.stderr
    assert _tree_digest(dirs["processed_dir"]) == before
    assert {p.name: p.stat().st_mtime_ns for p in dirs["processed_dir"].iterdir()} == stat_before
    assert sorted(p.name for p in tmp.iterdir()) == ["archive", "processed", "raw"], "a temporary folder was left behind"


def test_the_accounting_counts_bulk_records_merged_and_rejected(tmp_path):
    """records in = incidents out + merged + rejected, with a bulk CSV record merged into a YAML one."""
    case = Case("accounting", write(BULK, _csv_text([BULK_ROW, dict(BULK_ROW, record_id="R901", status="excluded",
                                                                   exclusion_reason="Duplicate row of the import.",
                                                                   same_incident_as="", merge_reason="")],
                                                    list(BULK_ROW) + ["status", "exclusion_reason"])), ok=True)
    tmp = _copy_inputs(tmp_path, case)
    dirs = _dirs(tmp)
    result = build.run(**dirs, today=TODAY, root=tmp)
    n_in, n_out, n_merged, n_rejected = expected_accounting(dirs["raw_dir"])
    assert (n_in, n_out, n_merged, n_rejected) == (34, 26, 2, 6)
    assert (result.n_records, result.n_incidents, result.n_merged, result.n_rejected) == (n_in, n_out, n_merged, n_rejected)
    merges = pd.read_csv(dirs["processed_dir"] / "merges.csv")
    rejections = pd.read_csv(dirs["processed_dir"] / "rejections.csv")
    incidents = pd.read_csv(dirs["processed_dir"] / "incidents.csv")
    assert len(merges) + len(rejections) == n_in and len(incidents) == n_out
    assert "R901" in set(rejections["record_id"])


def test_the_accounting_check_catches_a_lost_record(monkeypatch, tmp_path):
    """The accounting is checked on the published tables: dropping a row is caught, even under -O."""
    original = publish.typed

    def lossy(name, df):
        out = original(name, df)
        return out.iloc[1:] if name == "merges" else out

    monkeypatch.setattr(publish, "typed", lossy)
    with pytest.raises(build.AccountingError, match="records read, but"):
        build.run(raw_dir=RAW, processed_dir=tmp_path / "p", today=TODAY)
    assert not (tmp_path / "p").exists()
