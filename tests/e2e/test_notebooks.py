"""Notebooks: their shape (fast), papermill runs with defaults and other parameters, bad parameters,
the runner and its variant without claims of a party, the tables they print against the counting,
and `make lab` (slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from analysis import aggregate, config, figures
from analysis import notebooks as runner
from fixtures.tables import frames, write_processed

NOTEBOOKS = Path(config.NOTEBOOKS_DIR)

#: Labels the report embeds, per notebook: a figure is one PNG (or, for one or two values, one Markdown
#: sentence or small table), a table one Markdown output.
LABELS = {
    "overview": {"tbl-key-figures": "table", "fig-map": "figure", "fig-flows": "figure", "fig-timeline": "figure",
                 "tbl-unplaced": "table"},
    "victim_groups": {"fig-groups": "figure", "fig-coercion": "figure", "tbl-groups": "table", "tbl-perpetrators": "table"},
    "time_trends": {"fig-trend": "figure", "tbl-trend": "table"},
    "ransoms": {"tbl-ransoms": "table", "fig-ransoms": "figure"},
    "region_profile": {"region-summary": "table", "region-timeline": "figure", "region-incidents": "table"},
}

#: A non-default parameter set per notebook.
OTHER_PARAMETERS = {
    "overview": {"map_value": "incidents", "map_extent": "full", "exclude_party_claims": True},
    "victim_groups": {"victim_group": "prisoners"},
    "time_trends": {"start_date": "2023-01-01", "end_date": "2024-12-31", "freq": "month", "exclude_party_claims": True},
    "ransoms": {"purpose": "ransom", "exclude_party_claims": True},
    "region_profile": {"region_code": "UA-65"},
}

#: Bad parameters and the message each must stop the run with.
BAD_PARAMETERS = [
    ("region_profile", {"regon_code": "RU-IN"}, "unknown parameter 'regon_code'; accepted: exclude_party_claims, processed_dir, region_code"),
    ("region_profile", {"region_code": "RU-XX"}, "unknown region_code 'RU-XX'; accepted: RU-CE, RU-DA, RU-MOW, RU-NVS, RU-VLA, UA-23, UA-65"),
    ("time_trends", {"start_date": "2025-01-01", "end_date": "2022-01-01"}, "start_date 2025-01-01 is after end_date 2022-01-01"),
    ("time_trends", {"freq": "week"}, "unknown freq 'week'; accepted: month, quarter, year"),
    ("victim_groups", {"victim_group": "students"}, "unknown victim_group 'students'; accepted: all, "),
    ("overview", {"map_extnt": "full"}, "unknown parameter 'map_extnt'; accepted: exclude_party_claims, map_extent, map_value, processed_dir"),
    ("ransoms", {"exclude_party_claims": "yes"}, "parameter 'exclude_party_claims' must be bool, got str 'yes'"),
    ("ransoms", {"purpose": "bribe"}, "unknown purpose 'bribe'; accepted: all, ransom, bonus, fine, payment"),
]


def _label(cell) -> dict[str, str]:
    opts = {}
    for line in cell.source.splitlines():
        m = re.match(r"#\|\s*([\w-]+):\s*(.*)$", line)
        if not m:
            break
        opts[m.group(1)] = m.group(2).strip()
    return opts


def _labelled_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {_label(c)["label"]: c for c in nb.cells if c.cell_type == "code" and "label" in _label(c)}


# ---------------------------------------------------------------------------------- fast


@pytest.mark.parametrize("name", list(LABELS))
def test_notebook_shape(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["kernelspec"]["language"] == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    lines = [l for l in params[0].source.splitlines() if l and not l.startswith("#")]
    assert "processed_dir" in params[0].source
    for line in lines:  # typed literal with a comment
        assert re.match(r'^\w+: (str|int|float|bool) = .+  # .+', line), line
    # the cell after the parameters validates them before any work
    after = code[code.index(params[0]) + 1]
    assert after.source.index("P.check(globals(), SPEC)") < after.source.index("load.")
    cells = _labelled_cells(nb)
    assert set(cells) == set(LABELS[name])
    for label, kind in LABELS[name].items():
        opts = _label(cells[label])
        cap = "fig-cap" if kind == "figure" else "tbl-cap"
        assert opts.get(cap, "").startswith('"') and len(opts[cap]) > 20, f"{label} needs a {cap}"


# ---------------------------------------------------------------------------------- slow


def _run(name: str, parameters: dict, out: Path) -> nbformat.NotebookNode:
    pm.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=parameters, kernel_name="python3",
                        progress_bar=False, cwd=str(NOTEBOOKS))
    return nbformat.read(out, as_version=4)


def _assert_labelled_outputs(nb, name):
    cells = _labelled_cells(nb)
    for label, kind in LABELS[name].items():
        outputs = cells[label].outputs
        assert len(outputs) == 1, f"{label}: {[o.output_type for o in outputs]}"
        data = outputs[0].get("data", {})
        if kind == "figure" and "image/png" in data:
            meta = outputs[0]["metadata"][figures.OUTPUT_KEY]
            assert len(meta["alt"]) > 60 and meta["phone_png"], label  # alt text and phone image ride along
        elif kind == "figure":
            assert data.get("text/markdown"), label  # one or two values: a sentence, not a chart
        else:
            assert data.get("text/markdown", "").startswith("| "), label
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.output_type != "stream" or o.name != "stderr", f"warning in {name}: {o.text[:300]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LABELS))
def test_notebook_runs_with_defaults(name, processed_dir, tmp_path):
    nb = _run(name, {"processed_dir": str(processed_dir)}, tmp_path / f"{name}.ipynb")
    _assert_labelled_outputs(nb, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LABELS))
def test_notebook_runs_with_other_parameters(name, processed_dir, tmp_path):
    nb = _run(name, {"processed_dir": str(processed_dir), **OTHER_PARAMETERS[name]}, tmp_path / f"{name}.ipynb")
    _assert_labelled_outputs(nb, name)
    if name == "region_profile":
        summary = _labelled_cells(nb)["region-summary"].outputs[0]["data"]["text/markdown"]
        assert "Kherson" in summary and "UA\\-65" in summary


@pytest.mark.parametrize("name", list(LABELS))
def test_notebook_ran_on_the_shipped_dataset(name, real_processed_dir):
    """The notebook as `make notebooks` executed it with its defaults on data/processed (make test builds it)."""
    built = Path(config.BUILD_DIR) / "notebooks" / f"{name}.ipynb"
    if not built.exists():
        pytest.fail(f"{built} has not been executed: run `make notebooks` (make test does) first")
    assert built.stat().st_mtime >= (real_processed_dir / "MANIFEST").stat().st_mtime, f"{built} is older than the data"
    _assert_labelled_outputs(nbformat.read(built, as_version=4), name)


@pytest.mark.slow
@pytest.mark.parametrize("name, parameters, message", BAD_PARAMETERS, ids=[f"{n}-{'-'.join(p)}" for n, p, _ in BAD_PARAMETERS])
def test_bad_parameter_stops_with_a_message(name, parameters, message, processed_dir, tmp_path):
    with pytest.raises(PapermillExecutionError) as err:
        _run(name, {"processed_dir": str(processed_dir), **parameters}, tmp_path / "bad.ipynb")
    assert err.value.ename == "ParameterError"
    assert message in err.value.evalue
    # stopped before any work: no labelled cell has run
    nb = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    assert all(not c.outputs for c in _labelled_cells(nb).values())


def _processed_with_incidents_in(tmp_path: Path, region_codes: list[str]) -> Path:
    """The fixture tables with only the incidents in those regions (practices and context kept), written as the build writes them."""
    tables = frames()
    inc = tables["incidents"]
    tables["incidents"] = inc[inc["region_code"].isin(region_codes) | (inc["event_kind"] != "incident")]
    return write_processed(tmp_path / "processed", tables)


@pytest.mark.slow
def test_runner_executes_once_per_region_then_nothing(tmp_path, capsys):
    # One incident in two regions keeps the run short: UA-23 and UA-65 (a shared incident pair).
    processed_dir = _processed_with_incidents_in(tmp_path, ["UA-65|UA-23"])
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    shutil.copy(NOTEBOOKS / "region_profile.ipynb", nb_dir)
    build = tmp_path / "build"
    stale = build / "notebooks" / "regions" / "RU-SPE.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    args = ["--processed-dir", str(processed_dir), "--notebooks-dir", str(nb_dir), "--build-dir", str(build), "--no-progress"]

    assert runner.main(args) == 0
    out = capsys.readouterr().out
    assert "executed 3" in out  # the notebook with its defaults + 2 regions with incidents
    assert "removed regions/RU-SPE.ipynb" in out and not stale.exists()
    regions = sorted(p.stem for p in (build / "notebooks" / "regions").glob("*.ipynb"))
    assert regions == ["UA-23", "UA-65"]
    first = (build / "notebooks" / "regions" / "UA-65.ipynb").read_bytes()
    stamps = json.loads((build / "notebooks" / runner.STAMPS_FILE).read_text())
    assert set(stamps) == {"region_profile.ipynb", *(f"regions/{r}.ipynb" for r in regions)}

    assert runner.main(args) == 0
    assert "notebooks: nothing to execute, 3 up to date" in capsys.readouterr().out

    # an executed notebook carries no timings: forcing a rerun gives the same bytes
    assert runner.main([*args, "--force"]) == 0
    assert (build / "notebooks" / "regions" / "UA-65.ipynb").read_bytes() == first
    capsys.readouterr()

    # a changed notebook is executed again
    nb = nbformat.read(nb_dir / "region_profile.ipynb", as_version=4)
    nb.cells[0].source += "\n\nEdited."
    nbformat.write(nb, nb_dir / "region_profile.ipynb")
    assert runner.main(args) == 0
    assert "executed 3" in capsys.readouterr().out


@pytest.mark.slow
def test_runner_writes_alt_texts_and_the_variant_without_claims_apart(tmp_path, capsys):
    # Chechnya's incidents and the claimed pair in UA-23/UA-65 keep the run short.
    processed_dir = _processed_with_incidents_in(tmp_path, ["RU-CE", "UA-65|UA-23"])
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    for name in ("overview", "region_profile"):
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", nb_dir)
    build = tmp_path / "build"
    args = ["--processed-dir", str(processed_dir), "--notebooks-dir", str(nb_dir), "--build-dir", str(build), "--no-progress"]
    assert runner.main([*args, "--exclude-party-claims"]) == 0
    assert "in notebooks-without-claims/" in capsys.readouterr().out
    variant = build / "notebooks-without-claims"
    # UA-23 and UA-65 have only claimed incidents: no profile without them
    regions = sorted(p.stem for p in (variant / "regions").glob("*.ipynb"))
    assert regions == ["RU-CE"]
    assert not (build / "notebooks").exists()
    nb = nbformat.read(variant / "overview.ipynb", as_version=4)
    assert nb.cells[[c.metadata.get("tags") for c in nb.cells].index(["injected-parameters"])].source.count("exclude_party_claims = True")
    cells = _labelled_cells(nb)
    alt = _label(cells["fig-map"])["fig-alt"]
    assert alt == json.dumps(cells["fig-map"].outputs[0]["metadata"][figures.OUTPUT_KEY]["alt"], ensure_ascii=False)
    assert "300" not in alt  # the claimed 300 is gone from the map, and the alt text says why
    assert alt.endswith('Figures claimed by a party to the conflict are excluded (2 events)."')
    key = cells["tbl-key-figures"].outputs[0]["data"]["text/markdown"]
    # INC-001, -002, -005, -007 and -011 (at most 50): 6+4+5+2 at least, 6+4+5+2+50 at best, 5 open above
    assert "| Persons affected \\(low \\/ best \\/ high\\) | 17 \\/ 67 \\/ 67\\+ |" in key
    # the environment variable selects the same variant; the full run goes to build/notebooks
    os.environ[runner.EXCLUDE_ENV] = "1"
    try:
        assert runner.main(args) == 0
        assert "nothing to execute" in capsys.readouterr().out
        assert runner.main([*args, "--include-party-claims"]) == 0
    finally:
        del os.environ[runner.EXCLUDE_ENV]
    assert sorted(p.stem for p in (build / "notebooks" / "regions").glob("*.ipynb")) == [*regions, "UA-23", "UA-65"]
    with pytest.raises(ValueError, match="EXCLUDE_PARTY_CLAIMS='maybe'; accepted: 1, true, yes"):
        runner.env_exclude_party_claims({runner.EXCLUDE_ENV: "maybe"})


@pytest.mark.slow
def test_built_notebooks_print_what_the_counting_says(real_processed_dir):
    """The executed notebooks of `make notebooks`: Table 4's best column adds up to the key figures,
    every figure has an alt text of its own."""
    from analysis import load

    built = Path(config.BUILD_DIR) / "notebooks"
    if not (built / "time_trends.ipynb").exists():
        pytest.fail("the notebooks are not built: run `make notebooks` (make test does) before the end-to-end tests")
    incidents, sources = load.load_incidents(real_processed_dir), load.load_sources(real_processed_dir)
    kf = aggregate.key_figures(incidents, sources)
    table = _labelled_cells(nbformat.read(built / "time_trends.ipynb", as_version=4))["tbl-trend"].outputs[0]["data"]["text/markdown"]
    rows = [line.split(" | ") for line in table.splitlines()[2:] if line.startswith("| ")]
    best = [re.match(r"[\d,.]*", r[5].replace("\\", "")).group(0).replace(",", "") for r in rows]
    assert rows[-1][0] == "| undated" or kf["n_incidents_undated"] == 0
    assert sum(float(b or 0) for b in best) == pytest.approx(kf["persons_best"], abs=0.05 * len(rows))
    alts = []
    for nb_path in [*sorted(built.glob("*.ipynb")), *sorted((built / "regions").glob("*.ipynb"))]:
        if nb_path.stem == "region_profile":
            continue  # the default run of the profile, not embedded (its region has a profile of its own)
        for cell in _labelled_cells(nbformat.read(nb_path, as_version=4)).values():
            if any("image/png" in o.get("data", {}) for o in cell.outputs):
                alts.append(_label(cell).get("fig-alt"))
    assert alts and all(alts), "a figure without alt text"
    assert len(set(alts)) == len(alts), "two figures share an alt text"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_command_allows_root_only_as_root():
    assert "--allow-root" in runner.lab_command([], euid=0)
    assert "--allow-root" not in runner.lab_command([], euid=1000)
    assert runner.lab_command(["--no-browser"], euid=1000)[-1] == "--no-browser"


@pytest.mark.slow
def test_make_lab_starts_a_server_that_answers(tmp_path):
    port, token = _free_port(), "lab-test-token"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    lab_args = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"], cwd=config.PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as r:
                    status = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.5)
        output = "" if proc.poll() is None else proc.stdout.read().decode(errors="replace")
        assert status is not None, f"JupyterLab did not answer on port {port}; make lab said:\n{output[-2000:]}"
        assert "started" in status
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode is not None
