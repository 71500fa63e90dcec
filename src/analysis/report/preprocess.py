"""Step 2: the built-in renderer's Quarto subset, expanded into pandoc Markdown.

The project's options it mirrors (:class:`Project`: metadata, metadata files, filters,
CSS, typst partials), the front matter (refusing what Quarto reads before expanding
shortcodes), ``{{< include >}}``, ``{{< var >}}`` and ``{{< embed >}}`` (one output of an
executed notebook, found by Quarto's rules in :mod:`analysis.report.embed`), and escaped
shortcodes ``{{{< ... >}}}``. What is supported, and how, is listed in
docs/quarto-subset.md; anything else is an error naming the file and line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import yaml

from analysis.markdown import escape
from analysis.report import ReportError
from analysis.report.embed import CROSSREF_PREFIXES, embed_markdown, read_embed

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# `{{< name args >}}`; an extra pair of braces, `{{{< ... >}}}`, escapes a shortcode.
_SHORTCODE = re.compile(r"(\{?)\{\{<\s*([A-Za-z][\w-]*)\s*(.*?)\s*>\}\}(\}?)", re.S)


#: Top-level keys of ``_quarto.yml`` that the built-in renderer passes on as document
#: metadata (the document's own front matter wins).
PROJECT_METADATA_KEYS = ("lang", "toc-title")
#: Front-matter keys Quarto reads before it expands shortcodes: it parses and formats the
#: date first (src/command/render/pandoc.ts, src/core/date.ts), so "{{< var x >}}" there
#: prints "Invalid Date"; the title and subtitle reach the page's title and the PDF's
#: metadata as written.
UNEXPANDED_KEYS = ("title", "subtitle", "date")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Project:
    """A Quarto project folder and the options of its ``_quarto.yml`` that the built-in
    renderer mirrors (docs/quarto-subset.md lists them)."""

    dir: Path
    config: dict

    @property
    def config_file(self) -> Path:
        return self.dir / "_quarto.yml"

    @property
    def html(self) -> dict:
        return (self.config.get("format") or {}).get("html") or {}

    @property
    def typst(self) -> dict:
        return (self.config.get("format") or {}).get("typst") or {}

    def metadata(self) -> dict:
        """Document metadata from the project, merged as Quarto does: the keys of
        PROJECT_METADATA_KEYS, then each file of ``metadata-files`` (later files win)."""
        meta = {k: self.config[k] for k in PROJECT_METADATA_KEYS if k in self.config}
        for entry in self.config.get("metadata-files") or []:
            path = _project_path(str(entry), self.dir, self.dir)
            if not path.is_file():
                # Quarto skips a missing file without a word; an undated report is not an option.
                raise ReportError(
                    f"{self.config_file}: metadata-files: {path} does not exist "
                    "(the files in reports/_generated/ are written by `make notebooks`)"
                )
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict):
                raise ReportError(f"{path}: not a YAML mapping of metadata")
            check_front_matter(data, path)
            meta.update(data)
        return meta

    @property
    def filters(self) -> list[Path]:
        """The Lua filters listed under ``filters``. The built-in renderer runs them before
        its own, which is where Quarto runs filters placed ``at: pre-ast``: it supports
        only those, the one place where both renderers see the same document."""
        paths = []
        for entry in self.config.get("filters") or []:
            if not (isinstance(entry, dict) and entry.get("at") == "pre-ast" and entry.get("path")):
                raise ReportError(
                    f"{self.config_file}: filters: {entry!r}: the built-in renderer runs only filters given as "
                    "{at: pre-ast, path: file.lua} (see docs/quarto-subset.md)"
                )
            path = _project_path(str(entry["path"]), self.dir, self.dir)
            if not path.is_file():
                raise ReportError(f"{self.config_file}: filters: {path} does not exist")
            paths.append(path)
        return paths

    def paths(self, fmt: str, option: str) -> list[Path]:
        """The files a path option of a format names, as Quarto resolves them: relative to
        the project folder (where the report is), or to its root for a leading slash."""
        value = (self.html if fmt == "html" else self.typst).get(option) or []
        paths = [_project_path(str(v), self.dir, self.dir) for v in ([value] if isinstance(value, str) else value)]
        for path in paths:
            if not path.is_file():
                raise ReportError(f"{self.config_file}: format.{fmt}.{option}: {path} does not exist")
        return paths


def read_project(project_dir: Path) -> Project:
    """The Quarto project in ``project_dir`` (no ``_quarto.yml``: no options)."""
    path = Path(project_dir) / "_quarto.yml"
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
    if not isinstance(config, dict):
        raise ReportError(f"{path}: not a YAML mapping of options")
    return Project(Path(project_dir), config)


def _has_shortcode(text: str) -> bool:
    return any(not (m.group(1) and m.group(4)) for m in _SHORTCODE.finditer(text))


def check_front_matter(meta: Mapping, where: Path) -> None:
    """Refuse what Quarto would get wrong or the report's template cannot date: a shortcode
    in ``title``, ``subtitle`` or ``date``, or a date that is not YYYY-MM-DD."""
    for key in UNEXPANDED_KEYS:
        value = meta.get(key)
        text = value.get("value") if isinstance(value, Mapping) else value
        if isinstance(text, str) and _has_shortcode(text):
            raise ReportError(
                f"{where}: {key}: {text!r} holds a shortcode, which Quarto reads before expanding shortcodes "
                f"(a date prints as 'Invalid Date'); write the {key} itself, or have the build write it into "
                "a file listed under metadata-files in _quarto.yml, as reports/_generated/metadata.yml does for the date"
            )
    date = meta.get("date")
    if date is not None and not (isinstance(date, str) and _ISO_DATE.fullmatch(date)):
        raise ReportError(f"{where}: date: {date!r} is not a quoted ISO date ('YYYY-MM-DD'), which dates the report and its PDF")


def split_front_matter(text: str) -> tuple[dict, str]:
    """The YAML front matter of a Quarto document (empty when none) and the body."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta = yaml.safe_load(m.group(1)) or {}
    if not isinstance(meta, dict):
        raise ReportError("the front matter is not a YAML mapping")
    return meta, text[m.end():]


def _unescape_shortcodes(text: str) -> str:
    return _SHORTCODE.sub(lambda m: m.group(0)[1:-1] if m.group(1) and m.group(4) else m.group(0), text)


def _project_path(target: str, base_dir: Path, project_dir: Path) -> Path:
    # Quarto: a leading slash is the project's root; anything else is relative to the
    # main document (an include is pasted text, so its paths are the main file's).
    target = target.strip().strip("\"'")
    return (project_dir / target.lstrip("/")) if target.startswith("/") else (base_dir / target)


def lookup_variable(variables: Mapping, name: str) -> str:
    """``{{< var a.b >}}``: the value at a dotted path of ``_variables.yml``."""
    value: object = variables
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            known = ", ".join(sorted(str(k) for k in variables))
            raise ReportError(f"{{{{< var {name} >}}}}: no such variable in _variables.yml; variables: {known}")
        value = value[part]
    if isinstance(value, (Mapping, list)):
        raise ReportError(f"{{{{< var {name} >}}}}: is a {type(value).__name__}, not a value")
    return str(value)


@dataclass
class _Expansion:
    """The expansion of one document: its folders, variables and the ids embedded so far.

    Shortcodes are replaced in one pass over each file, so an error names the file and
    line it is on, and text pasted in by an include is never read as shortcodes again.
    """

    base_dir: Path
    project_dir: Path
    variables: Mapping
    media_dir: Path
    seen_ids: dict[str, str] = field(default_factory=dict)

    def expand(self, text: str, where: Path, first_line: int = 1, stack: tuple[Path, ...] = ()) -> str:
        """``text`` (from ``where``, starting at ``first_line``) with HTML comments dropped
        and shortcodes replaced; escaped shortcodes stay escaped until :func:`preprocess`."""
        pieces, pos = [], 0
        for m in [*_COMMENT.finditer(text), None]:
            end = m.start() if m else len(text)
            line = first_line + text.count("\n", 0, pos)
            pieces.append(self._replace(text[pos:end], where, line, stack))
            pos = m.end() if m else end
        return "".join(pieces)

    def _replace(self, text: str, where: Path, first_line: int, stack: tuple[Path, ...]) -> str:
        def repl(m: re.Match) -> str:
            if m.group(1) and m.group(4):
                return m.group(0)
            inner = m.group(0)[len(m.group(1)): len(m.group(0)) - len(m.group(4))]
            at = f"{where}:{first_line + text.count(chr(10), 0, m.start())}"
            return m.group(1) + self._shortcode(m.group(2), m.group(3), inner, at, stack) + m.group(4)

        return _SHORTCODE.sub(repl, text)

    def _shortcode(self, name: str, args: str, source: str, at: str, stack: tuple[Path, ...]) -> str:
        if name == "include":
            return self._include(args, at, stack)
        if name == "var":
            try:
                return escape(lookup_variable(self.variables, args.strip()))
            except ReportError as exc:
                raise ReportError(f"{at}: {exc}") from None
        if name == "embed":
            return self._embed(args, source, at)
        raise ReportError(f"{at}: {source}: the built-in renderer does not support the {name!r} shortcode (see docs/quarto-subset.md)")

    def _include(self, args: str, at: str, stack: tuple[Path, ...]) -> str:
        path = _project_path(args, self.base_dir, self.project_dir).resolve()
        if not path.exists():
            raise ReportError(f"{at}: {{{{< include {args} >}}}}: {path} does not exist")
        if path in stack:
            raise ReportError(f"{at}: {{{{< include {args} >}}}}: {path} includes itself")
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        if meta:
            raise ReportError(f"{path}: an included file may not have front matter (it would apply to the whole report)")
        # Pasted on lines of its own, before anything else, as Quarto does.
        return "\n" + self.expand(body, path, 1, stack + (path,)).strip("\n") + "\n"

    def _embed(self, args: str, source: str, at: str) -> str:
        target, _, options = args.partition(" ")
        if options.strip():
            raise ReportError(f"{at}: {source}: embed options ({options.strip()}) are not supported by the built-in renderer")
        path_text, sep, names = target.partition("#")
        if not sep or not names:
            raise ReportError(f"{at}: {source}: give the cell as notebook.ipynb#label")
        notebook = _project_path(path_text, self.base_dir, self.project_dir)
        parts = []
        for name in names.split(","):
            found = read_embed(notebook, name.strip(), f"{at}: {source}")
            element_id = found.label if found.label.startswith(CROSSREF_PREFIXES) else f"{found.label}-{notebook.stem}"
            if element_id in self.seen_ids:
                raise ReportError(f"{at}: {source}: {element_id!r} is embedded twice (first at {self.seen_ids[element_id]})")
            self.seen_ids[element_id] = at
            media_prefix = Path(os.path.relpath(notebook.resolve(), self.project_dir.resolve())).with_suffix("").as_posix().replace("../", "")
            parts.append(embed_markdown(found, element_id, self.media_dir, media_prefix))
        return "".join(parts)


def preprocess(
    qmd: Path,
    variables: Mapping,
    media_dir: Path,
    project_dir: Path | None = None,
) -> tuple[dict, str]:
    """Expand a Quarto document into pandoc Markdown: (metadata, body).

    Supported: front matter; ``include`` (relative to the main document, or to the project
    with a leading slash), ``var`` (from ``variables``) and ``embed`` (``path#name``: one
    output of an executed notebook, found by Quarto's rules, :mod:`analysis.report.embed`)
    shortcodes; escaped shortcodes ``{{{< ... >}}}``. Any other shortcode is an error that
    names the file and line.
    """
    qmd = Path(qmd)
    text = qmd.read_text(encoding="utf-8")
    meta, body = split_front_matter(text)
    check_front_matter(meta, qmd)
    expansion = _Expansion(qmd.parent, Path(project_dir) if project_dir else qmd.parent, variables, media_dir)
    body_line = text.count("\n", 0, len(text) - len(body)) + 1

    def walk(value: object) -> object:
        if isinstance(value, str):
            return _unescape_shortcodes(expansion.expand(value, qmd))
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk(meta), _unescape_shortcodes(expansion.expand(body, qmd, body_line))
