"""Parameter validation: unknown names, wrong types, unknown values and inverted ranges stop the run."""

from __future__ import annotations

import pytest
from papermill.translators import translate_parameters

from analysis import params as P

SPEC = {
    "region_code": P.Param(str, "ISO 3166-2 code"),
    "freq": P.Param(str, "period", choices=["month", "quarter", "year"]),
    "start_date": P.Param(str, "ISO date", date=True),
    "processed_dir": P.Param(str, "folder"),
}


def namespace(injected: dict | None = None, **overrides) -> dict:
    """A kernel namespace after the parameters cell and (optionally) papermill's injected cell."""
    ns = {"region_code": "RU-CE", "freq": "quarter", "start_date": "2022-01-01", "processed_dir": "",
          "_ih": ["", "import analysis", 'region_code = "RU-CE"  # the parameters cell']}
    if injected is not None:
        ns["_ih"].append(translate_parameters("python3", "python", injected))
        ns.update(injected)
    ns.update(overrides)
    return ns


def test_papermill_injected_names_are_read_from_history():
    ns = namespace({"regon_code": "RU-IN", "freq": "year"})
    assert P.injected_names(ns) == ["regon_code", "freq"]


def test_misspelt_parameter_stops_with_the_accepted_names():
    with pytest.raises(P.ParameterError) as err:
        P.check(namespace({"regon_code": "RU-IN"}), SPEC)
    assert str(err.value) == "unknown parameter 'regon_code'; accepted: freq, processed_dir, region_code, start_date"
    assert isinstance(err.value, ValueError)


def test_valid_injected_parameters_pass():
    values = P.check(namespace({"region_code": "UA-65", "freq": "month"}), SPEC)
    assert values["region_code"] == "UA-65" and values["freq"] == "month"


def test_interactive_run_without_injection_passes():
    assert P.check(namespace(), SPEC)["region_code"] == "RU-CE"


def test_wrong_type():
    with pytest.raises(P.ParameterError, match="parameter 'region_code' must be str, got int 5"):
        P.check(namespace({"region_code": 5}), SPEC)


def test_bool_is_not_a_number():
    with pytest.raises(P.ParameterError, match="must be int"):
        P.check({"n": True, "_ih": []}, {"n": P.Param(int)})


def test_choice_lists_accepted_values():
    with pytest.raises(P.ParameterError, match=r"unknown freq 'week'; accepted: month, quarter, year"):
        P.check(namespace({"freq": "week"}), SPEC)


def test_malformed_date():
    with pytest.raises(P.ParameterError, match="start_date' must be an ISO date YYYY-MM-DD, got '2022-13-01'"):
        P.check(namespace({"start_date": "2022-13-01"}), SPEC)


def test_inverted_date_range():
    with pytest.raises(P.ParameterError) as err:
        P.check_date_range("start_date", "2025-01-01", "end_date", "2022-01-01")
    assert "start_date 2025-01-01 is after end_date 2022-01-01" in str(err.value)
    assert "accepted: start_date on or before end_date" in str(err.value)
    assert P.check_date_range("start_date", "2022-01-01", "end_date", "2022-01-01")


def test_check_choice_for_data_driven_values():
    with pytest.raises(P.ParameterError, match=r"unknown region_code 'RU-XX'; accepted: RU-CE, UA-65"):
        P.check_choice("region_code", "RU-XX", ["RU-CE", "UA-65"])
    assert P.check_choice("region_code", "UA-65", ["RU-CE", "UA-65"]) == "UA-65"


def test_missing_parameter_in_the_notebook():
    ns = namespace()
    del ns["freq"]
    with pytest.raises(P.ParameterError, match="parameter 'freq' is not defined"):
        P.check(ns, SPEC)


# --------------------------------------------------------------------------------------
# SPECS: what each notebook accepts, in one place
# --------------------------------------------------------------------------------------


def test_choices_may_be_read_from_where_they_are_defined():
    from analysis import aggregate
    from analysis.figures import EXTENTS

    assert P.SPECS["overview"]["map_extent"].accepted() == list(EXTENTS)
    assert P.SPECS["time_trends"]["freq"].accepted() == list(aggregate.FREQUENCIES)
    with pytest.raises(P.ParameterError, match="unknown map_extent 'east'; accepted: west, full"):
        P.check({"map_value": "persons", "map_extent": "east", "exclude_party_claims": False, "processed_dir": "", "_ih": []},
                P.SPECS["overview"])


def test_every_notebook_takes_exclude_party_claims_as_a_bool():
    for name, spec in P.SPECS.items():
        assert spec["exclude_party_claims"].type is bool, name
    ns = {"region_code": "RU-CE", "exclude_party_claims": "yes", "processed_dir": "", "_ih": []}
    with pytest.raises(P.ParameterError, match="parameter 'exclude_party_claims' must be bool, got str 'yes'"):
        P.check(ns, P.SPECS["region_profile"])


def test_the_notebooks_define_exactly_their_specs():
    from analysis import config

    assert P.check_notebook_cells(config.NOTEBOOKS_DIR) == []


def test_a_parameters_cell_that_drifts_from_its_spec_is_reported(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from analysis import config

    for name in P.SPECS:
        (tmp_path / f"{name}.ipynb").write_bytes((config.NOTEBOOKS_DIR / f"{name}.ipynb").read_bytes())
    nb = new_notebook(cells=[new_code_cell('region_code: str = "RU-CE"  # a region\nprocessed_dir: int = 0  # wrong type',
                                           metadata={"tags": ["parameters"]})])
    nbformat.write(nb, tmp_path / "region_profile.ipynb")
    problems = P.check_notebook_cells(tmp_path)
    assert problems == [
        "region_profile.ipynb defines region_code, processed_dir; SPECS['region_profile'] lists region_code, exclude_party_claims, processed_dir",
        "region_profile.ipynb: processed_dir is int = 0; SPECS says str",
    ]


def test_docs_for_analysts_are_generated_from_the_specs():
    from analysis import config

    text = (config.PROJECT_ROOT / "docs" / "analysts.md").read_text(encoding="utf-8")
    generated = P.parameters_markdown(config.NOTEBOOKS_DIR)
    assert generated in text, "docs/analysts.md is stale: run `python -m analysis.params`"
    for name, spec in P.SPECS.items():
        assert f"### `{name}.ipynb`" in generated
        for pname in spec:
            assert f"| `{pname}` |" in generated
    assert "| `map_extent` | str | `\"west\"` | `west`, `full` |" in generated


def test_the_old_alias_of_check_is_gone():
    assert not hasattr(P, "validate_parameters")
