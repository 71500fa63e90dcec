"""Notebooks: their shape (fast), papermill runs with defaults and other parameters, bad parameters, the runner (slow)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from analysis import config
from analysis import notebooks as runner
from fixtures.tables import frames

NOTEBOOKS = Path(config.NOTEBOOKS_DIR)

#: Labels the report embeds, per notebook: fig- labels are one PNG, tbl- and region- tables one Markdown output.
LABELS = {
    "overview": {"tbl-key-figures": "table", "fig-map": "figure", "fig-flows": "figure", "fig-timeline": "figure"},
    "victim_groups": {"fig-groups": "figure", "fig-coercion": "figure", "tbl-groups": "table", "tbl-perpetrators": "table"},
    "time_trends": {"fig-trend": "figure", "tbl-trend": "table"},
    "ransoms": {"tbl-ransoms": "table", "fig-ransoms": "figure"},
    "region_profile": {"region-summary": "table", "region-timeline": "figure", "region-incidents": "table"},
}

#: A non-default parameter set per notebook.
OTHER_PARAMETERS = {
    "overview": {"map_value": "incidents", "map_extent": "full"},
    "victim_groups": {"victim_group": "prisoners"},
    "time_trends": {"start_date": "2023-01-01", "end_date": "2024-12-31", "freq": "month"},
    "ransoms": {"purpose": "ransom"},
    "region_profile": {"region_code": "UA-65"},
}

#: Bad parameters and the message each must stop the run with.
BAD_PARAMETERS = [
    ("region_profile", {"regon_code": "RU-IN"}, "unknown parameter 'regon_code'; accepted: processed_dir, region_code"),
    ("region_profile", {"region_code": "RU-XX"}, "unknown region_code 'RU-XX'; accepted: RU-CE, RU-DA, RU-MOW, RU-NVS, RU-VLA, UA-23, UA-65"),
    ("time_trends", {"start_date": "2025-01-01", "end_date": "2022-01-01"}, "start_date 2025-01-01 is after end_date 2022-01-01"),
    ("time_trends", {"freq": "week"}, "unknown freq 'week'; accepted: month, quarter, year"),
    ("victim_groups", {"victim_group": "students"}, "unknown victim_group 'students'; accepted: all, "),
    ("overview", {"map_extnt": "full"}, "unknown parameter 'map_extnt'; accepted: map_extent, map_value, processed_dir"),
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
        if kind == "figure":
            assert "image/png" in data, label
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


@pytest.mark.slow
@pytest.mark.parametrize("name", list(LABELS))
def test_notebook_runs_on_the_shipped_dataset(name, real_processed_dir, tmp_path):
    nb = _run(name, {}, tmp_path / f"{name}.ipynb")
    _assert_labelled_outputs(nb, name)


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


@pytest.mark.slow
def test_runner_executes_once_per_region_then_nothing(tmp_path, capsys):
    # Two regions keep the run short: RU-CE and UA-23/UA-65 (one shared incident pair).
    tables = frames()
    inc = tables["incidents"]
    tables["incidents"] = inc[inc["region_code"].isin(["RU-MOW", "UA-65|UA-23"]) | (inc["event_kind"] != "incident")]
    processed_dir = tmp_path / "processed"
    processed_dir.mkdir()
    for table, df in tables.items():
        df.to_parquet(processed_dir / f"{table}.parquet", index=False)
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
    assert "executed 4" in out  # the notebook with its defaults + 3 regions with incidents
    assert "removed regions/RU-SPE.ipynb" in out and not stale.exists()
    regions = sorted(p.stem for p in (build / "notebooks" / "regions").glob("*.ipynb"))
    assert regions == ["RU-MOW", "UA-23", "UA-65"]
    first = (build / "notebooks" / "regions" / "UA-65.ipynb").read_bytes()
    stamps = json.loads((build / "notebooks" / runner.STAMPS_FILE).read_text())
    assert set(stamps) == {"region_profile.ipynb", *(f"regions/{r}.ipynb" for r in regions)}

    assert runner.main(args) == 0
    assert "notebooks: nothing to execute, 4 up to date" in capsys.readouterr().out

    # an executed notebook carries no timings: forcing a rerun gives the same bytes
    assert runner.main([*args, "--force"]) == 0
    assert (build / "notebooks" / "regions" / "UA-65.ipynb").read_bytes() == first
    capsys.readouterr()

    # a changed notebook is executed again
    nb = nbformat.read(nb_dir / "region_profile.ipynb", as_version=4)
    nb.cells[0].source += "\n\nEdited."
    nbformat.write(nb, nb_dir / "region_profile.ipynb")
    assert runner.main(args) == 0
    assert "executed 4" in capsys.readouterr().out
