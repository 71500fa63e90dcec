"""The project's skeleton: environment pins, Makefile, notebooks without outputs, reference data."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_environment_yml_pins_the_same_packages_as_the_lock_file():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda_pins = {}
    for spec in pip_section:
        name, version = spec.split("==")
        conda_pins[name.lower()] = version
    lock = _lock_pins()
    missing = sorted(set(lock) - set(conda_pins))
    extra = sorted(set(conda_pins) - set(lock))
    differ = sorted(n for n in set(lock) & set(conda_pins) if lock[n] != conda_pins[n])
    assert not (missing or extra or differ), f"environment.yml vs requirements.lock: missing {missing}, extra {extra}, different versions {differ}"
    assert any(str(d).startswith("python=3.11") for d in env["dependencies"])


def test_lock_file_pins_every_core_package_exactly():
    lock = _lock_pins()
    core = ["pandas", "geopandas", "pyogrio", "shapely", "pyproj", "matplotlib", "jupyterlab", "ipykernel",
            "papermill", "pandera", "pyarrow", "pycountry", "pypandoc-binary", "typst", "pytest"]
    missing = [p for p in core if p not in lock]
    assert not missing, f"not pinned in requirements.lock: {missing}"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", v) for v in lock.values())


def test_installed_environment_matches_the_lock_file():
    from importlib.metadata import distributions

    installed = {d.metadata["Name"].lower().replace("_", "-"): d.version for d in distributions()}
    lock = {k.replace("_", "-"): v for k, v in _lock_pins().items()}
    wrong = {n: (v, installed.get(n)) for n, v in lock.items() if installed.get(n) != v}
    assert not wrong, f"installed versions differ from requirements.lock (name: (locked, installed)): {wrong}"


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    carrying = []
    for nb in notebooks:
        cells = json.loads(nb.read_text())["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
            carrying.append(nb.name)
    assert not carrying, f"notebooks carry outputs (clear them before committing): {carrying}"


def test_make_help_lists_every_target_with_a_description():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for target in ("report", "test", "data", "notebooks", "lab", "clean", "verify", "bench"):
        assert re.search(rf"make {target}\s+\S", out), f"`make help` does not describe {target}:\n{out}"


def test_readme_gives_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", readme, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make report", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_reference_files_match_their_provenance_checksums():
    note = (ROOT / "data" / "reference" / "README.md").read_text()
    rows = re.findall(r"\| `([^`]+)` \| `([0-9a-f]{64})` \| (\d+) \|", note)
    assert {r[0] for r in rows} == {"admin1_ru_ua.geojson", "admin0_context.geojson", "rub_exchange_rates.csv"}
    for name, digest, size in rows:
        data = (ROOT / "data" / "reference" / name).read_bytes()
        assert len(data) == int(size), name
        assert hashlib.sha256(data).hexdigest() == digest, f"{name} differs from the checksum in its provenance note"


def test_configuration_follows_environment_variables(tmp_path):
    code = "from analysis import config; print(config.SOURCES_DIR); print(config.PROCESSED_DIR)"
    env = {"COERCION_SOURCES_DIR": str(tmp_path / "archive"), "COERCION_PROCESSED_DIR": str(tmp_path / "out"),
           "PATH": "/usr/bin:/bin"}
    import sys

    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(tmp_path / "archive"), str(tmp_path / "out")]


def test_docs_codebook_is_generated_from_the_codebook_module():
    from analysis import codebook

    text = (ROOT / "docs" / "codebook.md").read_text()
    assert text.endswith(codebook.codebook_markdown(heading_level=2)), "docs/codebook.md is stale: run `python -m analysis.codebook`"
    for table in codebook.TABLES.values():
        for field in table.fields:
            assert f"`{field.name}`" in text
