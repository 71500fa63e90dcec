"""A new valid source in a copy of the project: data, notebooks and report build, and every
data test passes on the grown dataset.

This is what an analyst does when a sixth report arrives (docs/coding.md): archive its
text, register it in sources.csv with its hash, code its records with today's date, run
`make report`, then the tests. The source here is a short synthetic text written for the
test; its dates are taken from the clock, as a coder's would be.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis import config, verify

ROOT = config.PROJECT_ROOT
SOURCE_ID = "synthetic-test-source"
ARCHIVE_FILE = "900_synthetic_test_source.txt"


def _month_before(day: dt.date, months: int) -> dt.date:
    m = day.month - months
    return dt.date(day.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)


def new_source(today: dt.date) -> tuple[str, dict, list[dict]]:
    """The archived text, its register row and its coded records (dates relative to ``today``)."""
    event = _month_before(today, 2)
    month = f"{event:%B %Y}"
    text = (f"SYNTHETIC TEST TEXT written for the project's tests; it reports no real event.\n\n"
            f"In {month}, police in Tatarstan detained five men at a construction market and told them to sign "
            f"military contracts or face deportation. Two of the men were later sent to the front. Their relatives "
            f"were asked to pay 300,000 rubles for their release.\n\n"
            f"Lawyers say such raids on migrant workers have become routine across the region.\n")
    row = {"source_id": SOURCE_ID, "archive_file": ARCHIVE_FILE, "outlet": "Synthetic test outlet",
           "headline": "Five men detained in a raid told to sign contracts", "address": "unknown",
           "published_date": today.isoformat(), "published_precision": "day", "language": "en", "author": "unknown",
           "sha256": hashlib.sha256(text.encode()).hexdigest(), "accessed_date": today.isoformat(),
           "metadata_confidence": "high", "metadata_note": "Synthetic text written for the tests.",
           "reports_claims_of_party": "false"}
    records = [
        {"record_id": "R9001", "event_kind": "incident",
         "summary": "Five men detained in a market raid in Tatarstan were told to sign military contracts; two were sent to the front.",
         "date": {"phrase": f"In {month}", "quote": f"In {month}, police in Tatarstan detained five men"},
         "place": {"phrase": "in Tatarstan", "quote": "police in Tatarstan detained five men"},
         "persons": {"phrase": "five men", "quote": "detained five men at a construction market"},
         "sent_to_war": {"phrase": "Two of the men", "quote": "Two of the men were later sent to the front"},
         "money": [{"phrase": "300,000 rubles", "purpose": "ransom",
                    "quote": "asked to pay 300,000 rubles for their release"}],
         "victim_group": ["central_asian_migrants"], "perpetrator": ["russian_police"],
         "coercion": ["raid", "detention", "threat_of_deportation", "forced_enlistment", "ransom_demand"],
         "evidence": {"coercion": "told them to sign military contracts or face deportation"},
         "coded_by": "test suite", "coded_on": today.isoformat()},
        {"record_id": "R9002", "event_kind": "practice",
         "summary": "Raids on migrant workers to press them into contracts are routine across the region.",
         "place": {"phrase": "across the region", "value": "Tatarstan",
                   "quote": "have become routine across the region"},
         "victim_group": ["central_asian_migrants"], "perpetrator": ["russian_police"], "coercion": ["raid"],
         "evidence": {"summary": "such raids on migrant workers have become routine across the region"},
         "coded_by": "test suite", "coded_on": today.isoformat()},
    ]
    return text, row, records


def _add_source(project: Path, archive: Path, today: dt.date) -> None:
    text, row, records = new_source(today)
    (archive / ARCHIVE_FILE).write_text(text, encoding="utf-8")
    register = project / "data" / "raw" / "sources.csv"
    header = next(csv.reader(io.StringIO(register.read_text(encoding="utf-8-sig"))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([row[h] for h in header])
    with open(register, "a", encoding="utf-8") as f:
        f.write(buf.getvalue())
    doc = {"source": SOURCE_ID, "records": records}
    (project / "data" / "raw" / "incidents" / f"{SOURCE_ID}.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_a_new_source_builds_and_the_data_tests_pass_on_it(tmp_path):
    project = tmp_path / "project"
    for rel in verify.project_files(ROOT):
        dest = project / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    archive = tmp_path / "archive"
    shutil.copytree(config.SOURCES_DIR, archive)
    _add_source(project, archive, dt.date.today())
    env = {k: v for k, v in os.environ.items() if not k.startswith("COERCION_")}
    env.update(COERCION_SOURCES_DIR=str(archive), PYTHONPATH=str(project / "src"))
    venv = Path(sys.prefix)
    made = subprocess.run(["make", "--no-print-directory", "report", f"VENV={venv}"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    incidents = (project / "data" / "processed" / "incidents.csv").read_text(encoding="utf-8")
    assert SOURCE_ID in incidents and "RU-TA" in incidents
    assert "Synthetic test outlet" in (project / "reports" / "output" / "report.html").read_text(encoding="utf-8")
    # The checks of committed releases skip while no release has been cut: they test
    # releases/, not the new source, and a skip must not pass for a data test.
    tested = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/data",
                             "--ignore=tests/data/test_releases_committed.py"], cwd=project,
                            env=env, capture_output=True, text=True, timeout=900)
    assert tested.returncode == 0, tested.stdout[-5000:] + tested.stderr[-2000:]
    assert " passed" in tested.stdout and "skipped" not in tested.stdout
