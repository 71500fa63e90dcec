"""Codebook changes between two releases, read from their datapackage.json schemas.

Readers of a release depend on its tables, columns, types and vocabularies. Removing or
retyping a column, removing a vocabulary value, removing a table or changing a primary
key breaks them (a major release); adding any of these, or changing another constraint,
does not (minor); a reworded description is a patch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .versions import Bump

#: How the codebook writes a multi-valued vocabulary field's constraint: (a|b)(\|(a|b))*
_MULTI_VOCAB = re.compile(r"^\(([^()]*)\)\(\\\|\(\1\)\)\*$")


@dataclass(frozen=True)
class CodebookChange:
    table: str
    column: str | None
    what: str
    bump: Bump

    def text(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where} {self.what}"


def vocabulary(field: dict) -> list[str] | None:
    """The allowed values of a field: its enum, or the values of a multi-valued vocabulary's pattern."""
    constraints = field.get("constraints", {})
    if "enum" in constraints:
        return [str(v) for v in constraints["enum"]]
    m = _MULTI_VOCAB.match(constraints.get("pattern", ""))
    return m.group(1).split("|") if m else None


def _other_constraints(field: dict) -> dict:
    constraints = dict(field.get("constraints", {}))
    constraints.pop("enum", None)
    if vocabulary(field) is not None:
        constraints.pop("pattern", None)
    return constraints


def _compare_field(table: str, old: dict, new: dict) -> list[CodebookChange]:
    name, out = new["name"], []
    if old.get("type") != new.get("type"):
        out.append(CodebookChange(table, name, f"retyped ({old.get('type')} → {new.get('type')})", Bump.MAJOR))
    before, after = vocabulary(old) or [], vocabulary(new) or []
    if removed := [v for v in before if v not in after]:
        out.append(CodebookChange(table, name, "vocabulary values removed: " + ", ".join(removed), Bump.MAJOR))
    if added := [v for v in after if v not in before]:
        out.append(CodebookChange(table, name, "vocabulary values added: " + ", ".join(added), Bump.MINOR))
    was, now = _other_constraints(old), _other_constraints(new)
    for key in sorted(set(was) | set(now)):
        if was.get(key) != now.get(key):
            out.append(CodebookChange(table, name, f"constraint {key} changed ({was.get(key, 'none')} → {now.get(key, 'none')})", Bump.MINOR))
    if old.get("description") != new.get("description"):
        out.append(CodebookChange(table, name, "description reworded", Bump.PATCH))
    return out


def _compare_table(table: str, old: dict, new: dict) -> list[CodebookChange]:
    old_schema, new_schema = old.get("schema", {}), new.get("schema", {})
    old_fields = {f["name"]: f for f in old_schema.get("fields", [])}
    new_fields = {f["name"]: f for f in new_schema.get("fields", [])}
    out = [CodebookChange(table, c, "column removed", Bump.MAJOR) for c in old_fields if c not in new_fields]
    out += [CodebookChange(table, c, f"column added ({new_fields[c].get('type')})", Bump.MINOR) for c in new_fields if c not in old_fields]
    for name in (c for c in new_fields if c in old_fields):
        out += _compare_field(table, old_fields[name], new_fields[name])
    if old_schema.get("primaryKey") != new_schema.get("primaryKey"):
        out.append(CodebookChange(table, None, f"primary key changed ({old_schema.get('primaryKey')} → {new_schema.get('primaryKey')})", Bump.MAJOR))
    if old.get("description") != new.get("description"):
        out.append(CodebookChange(table, None, "description reworded", Bump.PATCH))
    return out


def compare_codebooks(old_package: dict, new_package: dict) -> list[CodebookChange]:
    """Every codebook change from one data package to the next, table by table."""
    old = {r["name"]: r for r in old_package.get("resources", [])}
    new = {r["name"]: r for r in new_package.get("resources", [])}
    out = [CodebookChange(t, None, "table removed", Bump.MAJOR) for t in old if t not in new]
    out += [CodebookChange(t, None, "table added", Bump.MINOR) for t in new if t not in old]
    for table in (t for t in new if t in old):
        out += _compare_table(table, old[table], new[table])
    return out
