"""Nobody named reaches the notebooks or the report: the whole pipeline in a copy of the project.

The planted source (``fixtures/planted.py``: made-up names and details in every text channel
of the raw format, the spellings spread over the channels so that each is used) is added to
the copy's data/raw, and ``make report`` builds data, notebooks and report. Every output is
then searched, with a search of its own, in several normal forms: each CSV and Parquet cell,
every string of every executed notebook, report.html, and the PDF's text (pdftotext and
pypdf) and metadata. Nothing is found. Then a name typed by an author into a notebook, and
into the report's text, stops ``make`` with a message that says where it is listed, and
leaves nothing of that step published.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader

from analysis import config, verify
from fixtures.planted import every_spelling, planted, stems_in

ROOT = config.PROJECT_ROOT


def make(project: Path, target: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", target, f"VENV={Path(sys.prefix)}"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=1200)


def output_strings(project: Path):
    """(file, text) for everything the build published, read without the project's own code."""
    for path in sorted((project / "data" / "processed").iterdir()):
        if path.suffix == ".parquet":
            for column in pq.read_table(path).columns:
                yield from ((path.name, str(v)) for v in column.to_pylist() if v is not None)
        else:
            yield path.name, path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((project / "build" / "notebooks").rglob("*.ipynb")):
        yield path.name, path.read_text(encoding="utf-8")
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            yield path.name, "".join(cell["source"])
    html = project / "reports" / "output" / "report.html"
    yield html.name, html.read_text(encoding="utf-8")
    pdf = project / "reports" / "output" / "report.pdf"
    yield pdf.name, subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True).stdout
    reader = PdfReader(str(pdf))
    yield pdf.name, "\n".join(page.extract_text() or "" for page in reader.pages)
    yield pdf.name, "\n".join(f"{k} {v}" for k, v in (reader.metadata or {}).items())
    yield pdf.name, str(reader.xmp_metadata.rdf_root.toxml()) if reader.xmp_metadata else ""


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_planted_names_reach_no_table_notebook_or_report_and_a_typed_name_stops_publication(tmp_path):
    project = tmp_path / "project"
    for rel in verify.project_files(ROOT):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, project / rel)
    archive = tmp_path / "archive"
    shutil.copytree(config.SOURCES_DIR, archive)
    planted(every_spelling(), dt.date.today()).write(project / "data" / "raw", archive)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COERCION_")}
    env.update(COERCION_SOURCES_DIR=str(archive), PYTHONPATH=str(project / "src"))

    done = make(project, "report", env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "synthetic-planted" in (project / "data" / "processed" / "incidents.csv").read_text(encoding="utf-8")
    assert "Synthetic test outlet" in (project / "reports" / "output" / "report.html").read_text(encoding="utf-8")
    leaks = {(name, stem) for name, text in output_strings(project) for stem in stems_in(text)}
    assert not leaks

    # An author types a victim's name (in the genitive, in the other alphabet) into a notebook's text.
    nb_path = project / "notebooks" / "overview.ipynb"
    original = nb_path.read_text(encoding="utf-8")
    nb = json.loads(original)
    nb["cells"][0]["source"] = ["# Overview\n", "With thanks to the family of Русланбека Жвиколова.\n"]
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    done = make(project, "report", env)
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "overview.ipynb" in said and "listed under victim_names of record R9101" in said
    assert not stems_in(said) and not (project / "build" / "notebooks" / "overview.ipynb").exists()
    nb_path.write_text(original, encoding="utf-8")

    # And into the report's own text.
    qmd = project / "reports" / "_methodology.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8") + "\nThe project thanks Ruslanbek Zhvi\u00adkolov.\n", encoding="utf-8")
    done = make(project, "report", env)
    said = done.stdout + done.stderr
    assert done.returncode != 0 and "report.html" in said and "listed under victim_names of record R9101" in said
    assert not stems_in(said)
    assert not (project / "reports" / "output" / "report.html").exists() and not (project / "reports" / "output" / "report.pdf").exists()
