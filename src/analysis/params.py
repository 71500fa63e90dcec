"""Validation of notebook parameters, before a notebook does any work.

Every notebook has a ``parameters`` cell of typed literals; papermill overrides them by
injecting a cell (tagged ``injected-parameters``, first line ``# Parameters``) right after
it. Papermill only *warns* about a name the parameters cell does not define, so a
misspelt ``-p regon_code RU-IN`` would run the default region and nobody would notice.
The first cell after the parameters therefore calls::

    SPEC = P.SPECS["overview"]
    params = P.check(globals(), SPEC)

which reads the injected cell from the kernel's input history, stops the run on a name
that is not in ``SPEC`` ("unknown parameter 'regon_code'; accepted: processed_dir,
region_code"), and checks every parameter's type and, where the spec lists them, its
accepted values. Checks that need the data (is this a region with incidents?) use
``check_choice`` after loading. All failures raise ParameterError, a ValueError whose
message lists what would be accepted.

``SPECS`` holds what every notebook accepts, in one place: the notebooks read their spec
from it, and docs/analysts.md is generated from it and from the notebooks' parameters
cells (``python -m analysis.params``), so the documentation cannot drift from either.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

#: First line of the cell papermill injects (papermill.translators.PythonTranslator).
INJECTED_MARKER = "# Parameters"


class ParameterError(ValueError):
    """A notebook parameter is unknown, of the wrong type or not an accepted value."""


@dataclass(frozen=True)
class Param:
    """What a notebook accepts for one parameter.

    ``choices`` lists the accepted values, or is a function returning them (so a list
    defined in another module, such as the map views, is read from there, not copied);
    ``data_choices`` says in words what the data decide (checked by the notebook after
    loading, with ``check_choice``).
    """

    type: type | tuple[type, ...]
    help: str = ""
    choices: Sequence[Any] | Callable[[], Sequence[Any]] | None = None
    date: bool = False  # a 'YYYY-MM-DD' string
    data_choices: str = ""

    def accepted(self) -> list[Any] | None:
        if self.choices is None:
            return None
        return list(self.choices() if callable(self.choices) else self.choices)


def _type_name(t: type | tuple[type, ...]) -> str:
    if isinstance(t, tuple):
        return " or ".join(x.__name__ for x in t)
    return t.__name__


def _accepted_names(spec: Mapping[str, Param]) -> str:
    return ", ".join(sorted(spec))


def injected_names(namespace: Mapping[str, Any]) -> list[str]:
    """Names assigned by papermill's injected cell(s), from the kernel's input history.

    Empty when the notebook runs interactively (no injected cell was executed).
    """
    history = namespace.get("_ih") or namespace.get("In") or []
    names: list[str] = []
    for source in history:
        if not isinstance(source, str) or source.splitlines()[:1] != [INJECTED_MARKER]:
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id not in names:
                    names.append(target.id)
    return names


def check(namespace: Mapping[str, Any], spec: Mapping[str, Param]) -> dict[str, Any]:
    """Validate the notebook's parameters; returns {name: value} for the names in ``spec``.

    Raises ParameterError on an injected name not in ``spec``, on a missing parameter, on
    a value of the wrong type, on a value not among ``choices`` and on a malformed date.
    """
    unknown = [n for n in injected_names(namespace) if n not in spec]
    if unknown:
        which = ", ".join(f"'{n}'" for n in unknown)
        raise ParameterError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {which}; accepted: {_accepted_names(spec)}"
        )
    values: dict[str, Any] = {}
    for name, p in spec.items():
        if name not in namespace:
            raise ParameterError(f"parameter '{name}' is not defined; the parameters cell must define: {_accepted_names(spec)}")
        value = namespace[name]
        # bool is an int subclass: a True where an int is expected is a mistake, not 1.
        wrong_bool = isinstance(value, bool) and p.type in (int, float)
        if wrong_bool or not isinstance(value, p.type):
            raise ParameterError(
                f"parameter '{name}' must be {_type_name(p.type)}, got {type(value).__name__} {value!r}"
                + (f" ({p.help})" if p.help else "")
            )
        if p.choices is not None:
            check_choice(name, value, p.accepted())
        if p.date:
            check_date(name, value)
        values[name] = value
    return values


def check_choice(name: str, value: Any, accepted: Iterable[Any], what: str | None = None) -> Any:
    """Return ``value`` if it is accepted, else raise a ParameterError listing the accepted values."""
    accepted = list(accepted)
    if value not in accepted:
        shown = ", ".join(str(a) for a in accepted) if accepted else "(none)"
        raise ParameterError(f"unknown {what or name} {value!r}; accepted: {shown}")
    return value


def check_date(name: str, value: str) -> dt.date:
    """Parse an ISO date parameter ('2024-01-31')."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter '{name}' must be an ISO date YYYY-MM-DD, got {value!r}") from None


def check_date_range(start_name: str, start: str, end_name: str, end: str) -> tuple[dt.date, dt.date]:
    """Parse two ISO date parameters and require start <= end."""
    s, e = check_date(start_name, start), check_date(end_name, end)
    if s > e:
        raise ParameterError(
            f"{start_name} {s.isoformat()} is after {end_name} {e.isoformat()}; "
            f"accepted: {start_name} on or before {end_name} (ISO dates YYYY-MM-DD)"
        )
    return s, e


# --------------------------------------------------------------------------------------
# What each notebook accepts
# --------------------------------------------------------------------------------------


def _map_views() -> list[str]:
    from analysis.figures import EXTENTS

    return list(EXTENTS)


def _purposes() -> list[str]:
    from analysis.codebook import VOCABULARIES

    return ["all", *VOCABULARIES["purpose"]]


def _frequencies() -> list[str]:
    from analysis.aggregate import FREQUENCIES

    return list(FREQUENCIES)


#: Parameters every notebook takes.
COMMON: dict[str, Param] = {
    "exclude_party_claims": Param(bool, "drop every incident, practice and context figure whose figures are claims of a "
                                        "party to the conflict (and the amounts of dropped incidents)"),
    "processed_dir": Param(str, "folder with the processed tables; empty means data/processed"),
}

#: Notebook name -> its parameters (the notebook's parameters cell defines exactly these).
SPECS: dict[str, dict[str, Param]] = {
    "overview": {
        "map_value": Param(str, "what colours the map", choices=["persons", "incidents"]),
        "map_extent": Param(str, "map view", choices=_map_views),
        **COMMON,
    },
    "region_profile": {
        "region_code": Param(str, "ISO 3166-2 code of the region", data_choices="a region named by the data"),
        **COMMON,
    },
    "time_trends": {
        "start_date": Param(str, "first day shown, ISO date YYYY-MM-DD", date=True),
        "end_date": Param(str, "last day shown, ISO date YYYY-MM-DD, not before start_date; periods after the "
                                 "data's cut-off are never shown", date=True),
        "freq": Param(str, "period length", choices=_frequencies),
        **COMMON,
    },
    "ransoms": {
        "purpose": Param(str, "which amounts", choices=_purposes),
        **COMMON,
    },
    "victim_groups": {
        "victim_group": Param(str, "restrict to one victim group", data_choices="all, or a victim group named by the data"),
        **COMMON,
    },
}


# --------------------------------------------------------------------------------------
# The notebooks' parameters cells, and docs/analysts.md
# --------------------------------------------------------------------------------------

#: The generated part of docs/analysts.md lies between these lines.
DOCS_START = "<!-- parameters: generated by `python -m analysis.params`; do not edit by hand -->"
DOCS_END = "<!-- end of generated parameters -->"


def parameters_cell(notebook: Path) -> list[dict]:
    """The parameters cell of a notebook: [{name, type, default, comment}] in order.

    Raises ParameterError when the notebook has no cell tagged 'parameters' or a line of
    it is not a typed literal with a comment ('name: str = "x"  # what it is').
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ParameterError(f"{notebook}: expected one cell tagged 'parameters', found {len(cells)}")
    out = []
    for line in "".join(cells[0]["source"]).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        code, _, comment = line.partition("  # ")
        node = ast.parse(code).body[0] if code.strip() else None
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name) or not comment:
            raise ParameterError(f"{notebook}: parameters cell line {line!r} is not 'name: type = literal  # comment'")
        out.append({"name": node.target.id, "type": ast.unparse(node.annotation), "default": ast.literal_eval(node.value),
                    "comment": comment.strip()})
    return out


def _accepted_text(p: Param) -> str:
    accepted = p.accepted()
    if accepted is not None:
        return ", ".join(f"`{a}`" for a in accepted)
    if p.date:
        return "an ISO date YYYY-MM-DD"
    if p.type is bool:
        return "`True`, `False`"
    return p.data_choices or "any text"


def parameters_markdown(notebooks_dir: Path) -> str:
    """The generated part of docs/analysts.md: one table per notebook, from SPECS and its parameters cell."""
    out = [DOCS_START, ""]
    for name, spec in SPECS.items():
        cell = {p["name"]: p for p in parameters_cell(Path(notebooks_dir) / f"{name}.ipynb")}
        out += [f"### `{name}.ipynb`", "", "| parameter | type | default | accepted | what it does |", "|---|---|---|---|---|"]
        for pname, p in spec.items():
            c = cell.get(pname, {"default": "", "comment": p.help})
            default = str(c["default"]) if isinstance(c["default"], bool) else json.dumps(c["default"])  # as Python writes it
            out.append(f"| `{pname}` | {_type_name(p.type)} | `{default}` | {_accepted_text(p)} | {c['comment']} |")
        out.append("")
    out.append(DOCS_END)
    return "\n".join(out)


def check_notebook_cells(notebooks_dir: Path) -> list[str]:
    """Every way the notebooks' parameters cells differ from SPECS; [] when they agree."""
    problems = []
    for name, spec in SPECS.items():
        cell = parameters_cell(Path(notebooks_dir) / f"{name}.ipynb")
        names = [c["name"] for c in cell]
        if sorted(names) != sorted(spec):
            problems.append(f"{name}.ipynb defines {', '.join(names)}; SPECS['{name}'] lists {', '.join(spec)}")
        for c in cell:
            p = spec.get(c["name"])
            if p is not None and (c["type"] != _type_name(p.type) or not isinstance(c["default"], p.type)):
                problems.append(f"{name}.ipynb: {c['name']} is {c['type']} = {c['default']!r}; SPECS says {_type_name(p.type)}")
    return problems


def write_docs(path: Path, notebooks_dir: Path) -> bool:
    """Rewrite the generated part of ``path`` (docs/analysts.md); True when it changed."""
    text = Path(path).read_text(encoding="utf-8")
    if DOCS_START not in text or DOCS_END not in text:
        raise ParameterError(f"{path}: the markers of the generated part are missing ({DOCS_START!r} ... {DOCS_END!r})")
    head, rest = text.split(DOCS_START, 1)
    new = head + parameters_markdown(notebooks_dir) + rest.split(DOCS_END, 1)[1]
    if new != text:
        Path(path).write_text(new, encoding="utf-8")
    return new != text


def main() -> int:
    from analysis import config

    problems = check_notebook_cells(config.NOTEBOOKS_DIR)
    for problem in problems:
        print(f"params: {problem}")
    if problems:
        return 1
    path = config.PROJECT_ROOT / "docs" / "analysts.md"
    print(f"params: {path} {'updated' if write_docs(path, config.NOTEBOOKS_DIR) else 'is up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
