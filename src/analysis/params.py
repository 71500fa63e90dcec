"""Validation of notebook parameters, before a notebook does any work.

Every notebook has a ``parameters`` cell of typed literals; papermill overrides them by
injecting a cell (tagged ``injected-parameters``, first line ``# Parameters``) right after
it. Papermill only *warns* about a name the parameters cell does not define, so a
misspelt ``-p regon_code RU-IN`` would run the default region and nobody would notice.
The first cell after the parameters therefore calls::

    params = analysis.params.check(globals(), SPEC)

which reads the injected cell from the kernel's input history, stops the run on a name
that is not in ``SPEC`` ("unknown parameter 'regon_code'; accepted: processed_dir,
region_code"), and checks every parameter's type and, where the spec lists them, its
accepted values. Checks that need the data (is this a region with incidents?) use
``check_choice`` after loading. All failures raise ParameterError, a ValueError whose
message lists what would be accepted.
"""

from __future__ import annotations

import ast
import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

#: First line of the cell papermill injects (papermill.translators.PythonTranslator).
INJECTED_MARKER = "# Parameters"


class ParameterError(ValueError):
    """A notebook parameter is unknown, of the wrong type or not an accepted value."""


@dataclass(frozen=True)
class Param:
    """What a notebook accepts for one parameter."""

    type: type | tuple[type, ...]
    help: str = ""
    choices: Sequence[Any] | None = None
    date: bool = False  # a 'YYYY-MM-DD' string


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
            check_choice(name, value, p.choices)
        if p.date:
            check_date(name, value)
        values[name] = value
    return values


#: The name the project's brief uses for ``check``.
validate_parameters = check


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
