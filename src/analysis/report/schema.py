"""Quarto's own YAML schemas, to check the report's sources without the Quarto binary.

Quarto validates ``_quarto.yml``, its metadata files and each document's front matter
against schemas written in its own YAML dialect (``schema.yml`` in its schema folder
describes it; src/core/lib/yaml-schema/ in quarto-cli reads it). The folder is not part of
this project: :data:`analysis.config.QUARTO_SCHEMA_DIR` says where it is. This module reads
it and implements the constructs the schemas use: the literals (``string``, ``path``,
``number``, ``boolean``, ``object``, ``any``, null), ``anyOf``/``allOf``, ``enum``,
``arrayOf``/``maybeArrayOf``, ``object`` (``properties``, ``patternProperties``,
``additionalProperties``, ``propertyNames``, ``required``, ``closed``, ``super``),
``record``, ``ref``/``resolveRef``, ``string``/``pattern`` with a regular expression and
the ``schema`` wrapper. A construct it does not know is an error, never a pass.

The documents are composed as Quarto composes them (front-matter.ts, project-config.ts,
format-schemas.ts): the fields of ``document-*.yml`` (and of ``cell-*.yml`` whose context
is a document file), ``format`` with one object per output format holding the fields whose
``formats`` tag admits that format, ``execute``, and for a project the fields of
``project.yml``.

One deliberate difference: Quarto accepts a key it does not know at the top level or in a
format (those objects are open), so a misspelt option silently does nothing. Here every
object that lists its keys accepts only those keys, and an option given to a format it
does not apply to is an error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

#: Document metadata of the report's own, read by its templates and filters (Quarto passes
#: unknown metadata to them): the key and the schema its value must follow. Any other key
#: Quarto does not know is an error.
REPORT_METADATA = {
    "edition": "string",  # the release and data cut-off under the title (assets/typst, assets/filters/edition.lua)
}
#: Keys of a schema that describe it (documentation, completions) and validate nothing.
_DESCRIPTIVE = {"description", "completions", "additionalCompletions", "tags", "hidden", "id",
                "errorDescription", "errorMessage", "default", "namingConvention"}
#: The construct keys of a schema object, in the order Quarto tries them (from-yaml.ts).
_CONSTRUCTS = ("anyOf", "allOf", "boolean", "arrayOf", "enum", "maybeArrayOf", "null", "number", "object",
               "path", "record", "ref", "resolveRef", "string", "pattern", "schema")
#: Formats Quarto accepts beyond pandoc's (front-matter.ts).
_EXTRA_FORMATS = ("md", "hugo", "dashboard", "email")


class SchemaError(RuntimeError):
    """The schema folder is missing or uses a construct this module does not implement."""


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(a: object, b: object) -> bool:
    # YAML's true is not 1, and "1" is not 1.
    return (_is_number(a) and _is_number(b) and a == b) or (type(a) is type(b) and a == b)


@dataclass
class QuartoSchemas:
    """Quarto's schemas, read from ``folder`` (its src/resources/schema/)."""

    folder: Path
    definitions: dict[str, dict] = field(init=False)
    aliases: dict[str, list[str]] = field(init=False)
    document_fields: dict[str, dict] = field(init=False)
    execute_fields: dict[str, dict] = field(init=False)
    project_fields: dict[str, dict] = field(init=False)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        if not (self.folder / "definitions.yml").is_file():
            raise SchemaError(
                f"{self.folder}: Quarto's schema files (definitions.yml, document-*.yml, project.yml) are not there; "
                "they are read from ../shared/reference/quarto-schema-1.10.18/ beside the checkout, "
                "or from the folder COERCION_QUARTO_SCHEMA_DIR names"
            )
        self.definitions = {entry["id"]: entry for entry in _load(self.folder / "definitions.yml")}
        self.aliases = _load(self.folder / "format-aliases.yml")["aliases"]
        self.document_fields = self._fields_in_context("document-")
        self.execute_fields = self._fields_in_context("document-execute")
        self.project_fields = self._named(_load(self.folder / "project.yml"))

    # -- the fields of each context ------------------------------------------------------

    @staticmethod
    def _named(fields: Iterable[dict]) -> dict[str, dict]:
        named = {}
        for f in fields:
            named[f["name"]] = f
            if f.get("alias"):
                named[f["alias"]] = f
        return named

    def _fields_in_context(self, prefix: str) -> dict[str, dict]:
        # objectRefSchemaFromContextGlob: a field of schema/{document,cell}-*.yml belongs to
        # a context when its file's name, or one of its `contexts` tags, matches.
        fields = []
        for path in sorted([*self.folder.glob("document-*.yml"), *self.folder.glob("cell-*.yml")]):
            for f in _load(path) or []:
                contexts = [path.stem, *((f.get("tags") or {}).get("contexts") or [])]
                if any(c.startswith(prefix) for c in contexts):
                    fields.append(f)
        return self._named(fields)

    def expand_formats(self, names: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for name in names:
            out |= self.expand_formats(self.aliases[name[1:]]) if name.startswith("$") else {name}
        return out

    def formats(self) -> list[str]:
        return sorted(self.expand_formats(["$pandoc-all"]) | set(_EXTRA_FORMATS))

    def applies(self, f: dict, fmt: str) -> bool:
        """Whether field ``f`` is an option of format ``fmt`` (format-schemas.ts, useSchema)."""
        tagged = [*((f.get("tags") or {}).get("formats") or []), *(f.get("enabled") or []), *("!" + d for d in f.get("disabled") or [])]
        disabled = self.expand_formats(t[1:] for t in tagged if t.startswith("!"))
        enabled = self.expand_formats(t for t in tagged if not t.startswith("!"))
        return fmt not in disabled and (not enabled or fmt in enabled)

    # -- documents -------------------------------------------------------------------------

    def check_front_matter(self, meta: dict | None, where: str) -> list[str]:
        """Problems of a document's front matter, one line each (none: valid)."""
        return self._check_top(meta, where, self.document_fields, project=False)

    def check_project(self, config: dict | None, where: str) -> list[str]:
        """Problems of a ``_quarto.yml`` (or of a file its ``metadata-files`` lists)."""
        return self._check_top(config, where, {**self.document_fields, **self.project_fields}, project=True)

    def _check_top(self, doc: dict | None, where: str, fields: dict[str, dict], *, project: bool) -> list[str]:
        if doc is None:
            return []
        if not isinstance(doc, dict):
            return [f"{where}: not a mapping of options"]
        problems = []
        for key, value in doc.items():
            at = f"{where}: {key}"
            if key == "format":
                problems += self._check_formats(value, at)
            elif key == "execute":
                problems += self._check_object(value, {"properties": {k: f["schema"] for k, f in self.execute_fields.items()}}, at)
            elif key == "profile" and project:
                problems += self.check(value, {"ref": "project-profile"}, at)
            elif key in fields:
                problems += self.check(value, fields[key]["schema"], at)
            elif key in REPORT_METADATA:
                problems += self.check(value, REPORT_METADATA[key], at)
            else:
                problems.append(f"{at}: not an option Quarto knows{_suggest(key, fields)}")
        return problems

    def _check_formats(self, value: object, at: str) -> list[str]:
        names = self.formats()
        if isinstance(value, str):
            return [] if self._format_names(value, names) or value.endswith(".lua") else [f"{at}: {value!r} is not an output format"]
        if not isinstance(value, dict):
            return [f"{at}: {value!r} is neither a format name nor a mapping of formats"]
        problems = []
        for key, options in value.items():
            matched = self._format_names(str(key), names)
            if not matched:
                problems.append(f"{at}.{key}: not an output format{_suggest(str(key), names)}")
            elif options not in ("default", None, True):
                for fmt in matched:
                    problems += self._check_format_options(options, fmt, f"{at}.{key}")
        return problems

    @staticmethod
    def _format_names(key: str, names: list[str]) -> list[str]:
        return [n for n in names if re.fullmatch(rf"(.+-)?{re.escape(n)}([-+].+)?", key)]

    def _check_format_options(self, options: object, fmt: str, at: str) -> list[str]:
        if not isinstance(options, dict):
            return [f"{at}: {options!r} is not a mapping of options"]
        problems = []
        for key, value in options.items():
            f = self.document_fields.get(key)
            if f is None:
                problems.append(f"{at}.{key}: not an option Quarto knows{_suggest(key, self.document_fields)}")
            elif not self.applies(f, fmt):
                problems.append(f"{at}.{key}: an option Quarto does not apply to the {fmt} format")
            else:
                problems += self.check(value, f["schema"], f"{at}.{key}")
        return problems

    # -- the schema dialect ----------------------------------------------------------------

    def check(self, value: object, schema: object, at: str) -> list[str]:
        """Problems of ``value`` against ``schema`` (a schema in Quarto's dialect)."""
        if isinstance(schema, str) or schema is None:
            return self._check_literal(value, schema, at)
        if not isinstance(schema, dict):
            return [] if _same(value, schema) else [f"{at}: {value!r} is not {schema!r}"]
        construct = next((k for k in _CONSTRUCTS if k in schema), None)
        if construct is None:
            unknown = sorted(set(schema) - _DESCRIPTIVE)
            raise SchemaError(f"{at}: the schema {schema!r} uses {unknown or 'nothing'} this validator does not implement")
        return getattr(self, f"_c_{construct.lower()}")(value, schema[construct], at)

    def _check_literal(self, value: object, schema: str | None, at: str) -> list[str]:
        tests = {
            "object": lambda v: isinstance(v, dict), "path": lambda v: isinstance(v, str),
            "string": lambda v: isinstance(v, str), "number": _is_number,
            "boolean": lambda v: isinstance(v, bool), "any": lambda v: True, None: lambda v: v is None,
        }
        if schema in tests:
            return [] if tests[schema](value) else [f"{at}: {value!r} is not {describe(schema)}"]
        return [] if _same(value, schema) else [f"{at}: {value!r} is not {schema!r}"]

    def _c_anyof(self, value, spec, at):
        options = spec["schemas"] if isinstance(spec, dict) else spec
        results = [self.check(value, s, at) for s in options]
        if any(not r for r in results):
            return []
        # Report the alternative of the value's own kind, and of those the one that knows the
        # value's keys best: its problems are the ones a reader can act on.
        fitting = [r for s, r in zip(options, results) if self._kind(s) == _kind_of(value)]
        if fitting:
            return min(fitting, key=lambda r: (sum("not an option" in p for p in r), len(r)))
        return [f"{at}: {value!r} is not {' or '.join(self.describe(s) for s in options)}"]

    def _c_allof(self, value, spec, at):
        return [p for s in (spec["schemas"] if isinstance(spec, dict) else spec) for p in self.check(value, s, at)]

    def _c_boolean(self, value, spec, at):
        return self._check_literal(value, "boolean", at)

    def _c_number(self, value, spec, at):
        return self._check_literal(value, "number", at)

    def _c_null(self, value, spec, at):
        return self._check_literal(value, None, at)

    def _c_path(self, value, spec, at):
        return self._check_literal(value, "path", at)

    def _c_string(self, value, spec, at):
        if isinstance(spec, dict) and "pattern" in spec:
            return self._c_pattern(value, spec["pattern"], at)
        return self._check_literal(value, "string", at)

    def _c_pattern(self, value, spec, at):
        regex = spec["regex"] if isinstance(spec, dict) else spec
        if not isinstance(value, str) or not re.search(regex, value):
            return [f"{at}: {value!r} is not a string matching {regex}"]
        return []

    def _c_enum(self, value, spec, at):
        values = spec["values"] if isinstance(spec, dict) else spec
        return [] if any(_same(value, v) for v in values) else [f"{at}: {value!r} is not one of {', '.join(map(str, values))}"]

    def _c_arrayof(self, value, spec, at):
        inner = spec["schema"] if isinstance(spec, dict) and "schema" in spec and "length" in spec else spec
        if not isinstance(value, list):
            return [f"{at}: {value!r} is not a list"]
        return [p for i, v in enumerate(value) for p in self.check(v, inner, f"{at}[{i}]")]

    def _c_maybearrayof(self, value, spec, at):
        return self._c_arrayof(value, spec, at) if isinstance(value, list) else self.check(value, spec, at)

    def _c_ref(self, value, spec, at):
        if spec not in self.definitions:
            raise SchemaError(f"{at}: the schemas define no {spec!r}")
        return self.check(value, self.definitions[spec], at)

    _c_resolveref = _c_ref

    def _c_schema(self, value, spec, at):
        return self.check(value, spec, at)

    def _c_record(self, value, spec, at):
        props = spec.get("properties", spec) if isinstance(spec, dict) else {}
        return self._check_object(value, {"properties": props, "closed": True, "required": "all"}, at)

    def _c_object(self, value, spec, at):
        return self._check_object(value, spec or {}, at)

    def _check_object(self, value: object, spec: dict, at: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{at}: {value!r} is not a mapping"]
        props = {**self._base_properties(spec.get("super"), at), **(spec.get("properties") or {})}
        required = list(props) if spec.get("required") == "all" else list(spec.get("required") or [])
        problems = [f"{at}: {key} is required" for key in required if key not in value]
        patterns = spec.get("patternProperties") or {}
        for key, v in value.items():
            inner = f"{at}.{key}"
            if key in props:
                problems += self.check(v, props[key], inner)
            elif any(re.search(p, str(key)) for p in patterns):
                problems += [x for p, s in patterns.items() if re.search(p, str(key)) for x in self.check(v, s, inner)]
            elif "additionalProperties" in spec and spec["additionalProperties"] is not False:
                problems += self.check(v, spec["additionalProperties"], inner)
            elif "propertyNames" in spec:
                problems += self.check(key, spec["propertyNames"], f"{at}: key {key!r}")
            elif props or spec.get("additionalProperties") is False:
                problems.append(f"{inner}: not an option Quarto knows here{_suggest(str(key), props)}")
        return problems

    def _base_properties(self, bases: object, at: str) -> dict:
        """The properties an object inherits through ``super`` (one base or a list)."""
        props: dict = {}
        for base in bases if isinstance(bases, list) else ([bases] if bases else []):
            resolved = self.definitions.get(base.get("resolveRef") or base.get("ref")) if isinstance(base, dict) else None
            if not resolved or "object" not in resolved:
                raise SchemaError(f"{at}: cannot extend {base!r}")
            props.update(self._base_properties(resolved["object"].get("super"), at))
            props.update(resolved["object"].get("properties") or {})
        return props

    # -- descriptions for messages -----------------------------------------------------------

    def _kind(self, schema: object) -> str | None:
        if isinstance(schema, str) or schema is None:
            return {"object": "mapping", "path": "string", "string": "string", "number": "number",
                    "boolean": "boolean", None: "null"}.get(schema)
        if isinstance(schema, dict):
            construct = next((k for k in _CONSTRUCTS if k in schema), None)
            if construct in ("ref", "resolveRef"):
                return self._kind(self.definitions.get(schema[construct]))
            if construct == "schema":
                return self._kind(schema["schema"])
            return {"object": "mapping", "record": "mapping", "arrayOf": "list", "string": "string", "path": "string",
                    "pattern": "string", "number": "number", "boolean": "boolean", "null": "null"}.get(construct)
        return None

    def describe(self, schema: object) -> str:
        if isinstance(schema, dict):
            construct = next((k for k in _CONSTRUCTS if k in schema), None)
            if construct in ("ref", "resolveRef"):
                return self.describe(self.definitions.get(schema[construct]))
            if construct == "enum":
                values = schema["enum"]["values"] if isinstance(schema["enum"], dict) else schema["enum"]
                return "one of " + ", ".join(map(str, values))
            if construct in ("anyOf",):
                options = schema["anyOf"]["schemas"] if isinstance(schema["anyOf"], dict) else schema["anyOf"]
                return " or ".join(self.describe(s) for s in options)
            if construct == "schema":
                return self.describe(schema["schema"])
            if construct == "maybeArrayOf":
                return f"{self.describe(schema[construct])} or a list of them"
            if construct == "arrayOf":
                return "a list"
            return describe(construct)
        return describe(schema)


def describe(literal: object) -> str:
    return {"object": "a mapping", "record": "a mapping", "path": "a path", "string": "a string", "pattern": "a string",
            "number": "a number", "boolean": "true or false", "any": "anything", None: "empty", "null": "empty"}.get(literal, repr(literal))


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    return {dict: "mapping", list: "list", str: "string", type(None): "null"}.get(type(value), "other")


def _suggest(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def check_report_sources(project_dir: Path, schemas: QuartoSchemas) -> list[str]:
    """Problems of a Quarto project's sources: its ``_quarto.yml``, the files listed under
    ``metadata-files`` (which Quarto validates as project configuration) and the front
    matter of every ``.qmd`` in it."""
    from analysis.report.preprocess import split_front_matter

    project_dir = Path(project_dir)
    config_file = project_dir / "_quarto.yml"
    config = _load(config_file) if config_file.exists() else None
    problems = schemas.check_project(config, str(config_file))
    for name in (config or {}).get("metadata-files") or []:
        path = project_dir / str(name).lstrip("/")
        problems += schemas.check_project(_load(path), str(path)) if path.exists() else [f"{config_file}: metadata-files: {path} does not exist"]
    for qmd in sorted(project_dir.rglob("*.qmd")):
        meta, _ = split_front_matter(qmd.read_text(encoding="utf-8"))
        problems += schemas.check_front_matter(meta, str(qmd))
    return problems
