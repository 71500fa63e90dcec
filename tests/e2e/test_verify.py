"""`make verify`: a clean rebuild agrees with the working build, and a tampered file is named."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import verify

ROOT = Path(__file__).resolve().parents[2]
BUILT = (ROOT / "reports" / "output" / "report.pdf").exists() and (ROOT / "data" / "processed" / "MANIFEST").exists()


def _fake_tree(base: Path) -> Path:
    for folder in verify.COMPARED:
        src = ROOT / folder
        if src.is_dir():
            shutil.copytree(src, base / folder)
    return base


@pytest.fixture(autouse=True)
def _built():
    """These tests compare with the working build: a missing one fails them, never skips them."""
    if not BUILT:
        pytest.fail("needs the working build: run `make report` first (make test does)")


def test_a_tampered_published_file_is_named(tmp_path, monkeypatch, capsys):
    clean = _fake_tree(tmp_path / "clean")
    incidents = clean / "data" / "processed" / "incidents.csv"
    incidents.write_text(incidents.read_text().replace("INC-011", "INC-911"))
    monkeypatch.setattr(verify, "rebuild", lambda root, workdir: clean)
    assert verify.main([]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS data/processed/incidents.csv" in out
    assert "1 of" in out and "files differ" in out


def test_identical_trees_pass(tmp_path, monkeypatch, capsys):
    clean = _fake_tree(tmp_path / "clean")
    monkeypatch.setattr(verify, "rebuild", lambda root, workdir: clean)
    assert verify.main([]) == 0
    assert "identical" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_make_verify_rebuilds_from_a_clean_copy_and_matches():
    done = subprocess.run([sys.executable, "-m", "analysis.verify"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "verify: all" in done.stdout and "identical" in done.stdout
