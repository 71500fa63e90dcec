"""Step 2: the built-in renderer's Quarto subset, expanded into pandoc Markdown.

Front matter, ``{{< include >}}``, ``{{< var >}}`` and ``{{< embed >}}`` (one labelled
output of an executed notebook), and escaped shortcodes ``{{{< ... >}}}``. What is
supported, and how, is listed in docs/quarto-subset.md; anything else is an error.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import yaml

from analysis.markdown import escape
from analysis.report import ReportError

#: Labels of embedded cells are cross-referenceable when they carry one of these prefixes;
#: other labels (the region profiles' repeated ones) are made unique per notebook.
CROSSREF_PREFIXES = ("fig-", "tbl-")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# `{{< name args >}}`; an extra pair of braces, `{{{< ... >}}}`, escapes a shortcode.
_SHORTCODE = re.compile(r"(\{?)\{\{<\s*([A-Za-z][\w-]*)\s*(.*?)\s*>\}\}(\}?)", re.S)
_CELL_OPTION = re.compile(r"^#\|\s?(.*)$")


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


def _shortcodes(text: str, handle: Callable[[str, str, str], str | None]) -> str:
    """Replace every shortcode by ``handle(name, args, source)``; None leaves it as it is.

    ``{{{< ... >}}}``, Quarto's escape, is left alone; :func:`_unescape_shortcodes` turns
    it into the literal ``{{< ... >}}`` once every pass is done.
    """

    def repl(m: re.Match) -> str:
        if m.group(1) and m.group(4):
            return m.group(0)
        inner = m.group(0)[len(m.group(1)): len(m.group(0)) - len(m.group(4))]
        out = handle(m.group(2), m.group(3), inner)
        return m.group(1) + (inner if out is None else out) + m.group(4)

    return _SHORTCODE.sub(repl, text)


def _unescape_shortcodes(text: str) -> str:
    return _SHORTCODE.sub(lambda m: m.group(0)[1:-1] if m.group(1) and m.group(4) else m.group(0), text)


def _project_path(target: str, base_dir: Path, project_dir: Path) -> Path:
    # Quarto: a leading slash is the project's root; anything else is relative to the
    # main document (an include is pasted text, so its paths are the main file's).
    target = target.strip().strip("\"'")
    return (project_dir / target.lstrip("/")) if target.startswith("/") else (base_dir / target)


def expand_includes(text: str, base_dir: Path, project_dir: Path, _stack: tuple[Path, ...] = ()) -> str:
    """Paste ``{{< include file >}}`` files in, recursively, dropping HTML comments."""
    text = _COMMENT.sub("", text)

    def handle(name: str, args: str, source: str) -> str | None:
        if name != "include":
            return None
        path = _project_path(args, base_dir, project_dir).resolve()
        if not path.exists():
            raise ReportError(f"{{{{< include {args} >}}}}: {path} does not exist")
        if path in _stack:
            raise ReportError(f"{{{{< include {args} >}}}}: {path} includes itself")
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
        if meta:
            raise ReportError(f"{path}: an included file may not have front matter (it would apply to the whole report)")
        return "\n" + expand_includes(body, base_dir, project_dir, _stack + (path,)).strip("\n") + "\n"

    return _shortcodes(text, handle)


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


def _cell_options(source: str, where: str) -> dict:
    """Quarto's `#| key: value` options at the top of a code cell."""
    lines = []
    for line in source.splitlines():
        m = _CELL_OPTION.match(line)
        if not m:
            break
        lines.append(m.group(1))
    try:
        opts = yaml.safe_load("\n".join(lines)) if lines else {}
    except yaml.YAMLError as exc:
        raise ReportError(f"{where}: the cell's #| options are not valid YAML: {exc}") from exc
    return opts if isinstance(opts, dict) else {}


@dataclass
class Embed:
    """One labelled cell's output, ready to go into the document."""

    notebook: Path
    label: str
    caption: str
    kind: str  # "figure" | "table"
    png: bytes | None = None
    markdown: str | None = None
    alt: str | None = None


def read_embed(notebook: Path, label: str) -> Embed:
    """The output of the cell labelled ``label`` in an executed notebook.

    The cell's output must be one ``image/png`` (a figure) or one ``text/markdown`` (a
    table, escaped by the notebook), and its options must give ``fig-cap`` or ``tbl-cap``.
    """
    import nbformat

    if not notebook.exists():
        raise ReportError(f"{notebook} does not exist: run `python -m analysis.notebooks` to execute the notebooks")
    nb = nbformat.read(notebook, as_version=4)
    labels = []
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        opts = _cell_options(cell.source, f"{notebook}, cell {n}")
        if "label" in opts:
            labels.append(str(opts["label"]))
        if opts.get("label") != label:
            continue
        where = f"{notebook}, cell {label!r}"
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise ReportError(f"{where}: the cell raised {out.get('ename')}: {out.get('evalue')}")
        datas = [out.get("data", {}) for out in cell.get("outputs", []) if out.get("output_type") in ("display_data", "execute_result")]
        pngs = [d["image/png"] for d in datas if "image/png" in d]
        mds = [d["text/markdown"] for d in datas if "text/markdown" in d]
        caption = opts.get("fig-cap") or opts.get("tbl-cap")
        if not caption:
            raise ReportError(f"{where}: no fig-cap or tbl-cap option; every embedded output needs a caption")
        if len(pngs) + len(mds) != 1:
            raise ReportError(
                f"{where}: expected one image/png or one text/markdown output, found {len(pngs)} PNG and {len(mds)} Markdown"
            )
        if pngs:
            data = pngs[0] if isinstance(pngs[0], str) else "".join(pngs[0])
            return Embed(notebook, label, str(caption), "figure", png=base64.b64decode(data), alt=opts.get("fig-alt"))
        md = mds[0] if isinstance(mds[0], str) else "".join(mds[0])
        return Embed(notebook, label, str(caption), "table", markdown=md)
    raise ReportError(f"{notebook}: no cell labelled {label!r}; labels: {', '.join(labels) or 'none'}")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def embed_markdown(embed: Embed, element_id: str, media_dir: Path, media_prefix: str) -> str:
    """The embed as a Quarto-style figure or table div; a figure's PNG goes to ``media_dir``.

    Labels with a fig-/tbl- prefix are numbered by the crossref filter; other labels get
    the class ``embed-figure``/``embed-table`` and are captioned but not numbered.
    """
    numbered = element_id.startswith(CROSSREF_PREFIXES)
    cls = "" if numbered else (" .embed-figure" if embed.kind == "figure" else " .embed-table")
    if embed.kind == "figure":
        name = f"{_slug(media_prefix)}-{_slug(element_id)}.png"
        media_dir.mkdir(parents=True, exist_ok=True)
        (media_dir / name).write_bytes(embed.png or b"")
        # Inside a quoted attribute pandoc only unescapes \\ and \"; the filter reads it as text.
        alt_text = str(embed.alt or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
        alt = f'{{fig-alt="{alt_text}"}}' if embed.alt else ""
        content = f"![]({media_dir.name}/{name}){alt}"
    else:
        content = (embed.markdown or "").strip("\n")
    return f"\n::: {{#{element_id}{cls}}}\n{content}\n\n{embed.caption}\n:::\n"


def preprocess(
    qmd: Path,
    variables: Mapping,
    media_dir: Path,
    project_dir: Path | None = None,
) -> tuple[dict, str]:
    """Expand a Quarto document into pandoc Markdown: (metadata, body).

    Supported: front matter; ``include`` (relative to the main document, or to the project
    with a leading slash), ``var`` (from ``variables``) and ``embed`` (``path#label``: one
    labelled output of an executed notebook) shortcodes; escaped shortcodes
    ``{{{< ... >}}}``. Any other shortcode is an error.
    """
    qmd = Path(qmd)
    base_dir = qmd.parent
    project_dir = Path(project_dir) if project_dir else base_dir
    meta, body = split_front_matter(qmd.read_text(encoding="utf-8"))
    check_front_matter(meta, qmd)
    body = expand_includes(body, base_dir, project_dir)
    seen_ids: dict[str, str] = {}

    def handle(name: str, args: str, source: str) -> str:
        if name == "var":
            return escape(lookup_variable(variables, args.strip()))
        if name == "embed":
            target, _, options = args.partition(" ")
            if options.strip():
                raise ReportError(f"{source}: embed options ({options.strip()}) are not supported by the built-in renderer")
            path_text, sep, labels = target.partition("#")
            if not sep or not labels:
                raise ReportError(f"{source}: give the cell as notebook.ipynb#label")
            notebook = _project_path(path_text, base_dir, project_dir)
            parts = []
            for label in labels.split(","):
                embed = read_embed(notebook, label.strip())
                element_id = embed.label if embed.label.startswith(CROSSREF_PREFIXES) else f"{embed.label}-{notebook.stem}"
                if element_id in seen_ids:
                    raise ReportError(f"{source}: {element_id!r} is embedded twice (first by {seen_ids[element_id]})")
                seen_ids[element_id] = source
                media_prefix = Path(os.path.relpath(notebook.resolve(), project_dir.resolve())).with_suffix("").as_posix().replace("../", "")
                parts.append(embed_markdown(embed, element_id, media_dir, media_prefix))
            return "".join(parts)
        raise ReportError(f"{source}: the built-in renderer does not support the {name!r} shortcode (see docs/quarto-subset.md)")

    def substitute(text: str) -> str:
        return _unescape_shortcodes(_shortcodes(text, handle))

    def walk(value: object) -> object:
        if isinstance(value, str):
            return substitute(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk(meta), substitute(body)
