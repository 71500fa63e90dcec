"""Build the report: the data-driven pieces, then the HTML and the PDF.

Step 1, :func:`generate`, writes what the report's sources take from the data:
``reports/_variables.yml`` (key figures for ``{{< var name >}}``) and ``reports/_generated/``
(codebook, sources, region profiles, reproducibility stamp).

Step 2 renders ``reports/report.qmd``: with Quarto when ``quarto`` is on the PATH, else
with the built-in renderer, which implements the subset of Quarto the report uses
(docs/quarto-subset.md): :func:`preprocess` expands includes and the ``var`` and ``embed``
shortcodes into plain pandoc Markdown, pandoc applies the Lua filters in
``analysis/filters/`` (cross-references, callouts) and writes the HTML and a typst file,
and typst typesets the PDF. Outputs are written to a temporary file and moved into
``reports/output/`` only when complete.

Two builds from the same inputs are byte-identical: media files are named after the
notebook and label, images are embedded as base64, no writer adds a random id, and the
PDF's dates come from the latest coding date in the data (or SOURCE_DATE_EPOCH).

Usage::

    python -m analysis.report [--formats html,pdf] [--engine auto|quarto|pandoc] [--check]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pandas as pd
import yaml

from analysis import codebook, config
from analysis.markdown import escape, link, table

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

REPORT_QMD = config.REPORTS_DIR / "report.qmd"
ASSETS_DIR = config.REPORTS_DIR / "assets"
FILTERS_DIR = Path(__file__).with_name("filters")
#: Intermediate files of the built-in renderer (the expanded Markdown, media, typst).
RENDER_DIR = config.BUILD_DIR / "report"
#: Where `python -m analysis.notebooks` writes the region profiles.
REGION_NOTEBOOKS_DIR = config.BUILD_DIR / "notebooks" / "regions"

#: Output formats and the name of the file each produces.
FORMATS = {"html": "report.html", "pdf": "report.pdf"}
#: Quarto format behind each output format.
QUARTO_FORMATS = {"html": "html", "pdf": "typst"}
#: Lua filters of the built-in renderer, in the order pandoc runs them.
LUA_FILTERS = ("crossref.lua", "callout.lua")
#: Pandoc's Markdown without raw HTML/TeX/typst: text can never become markup in an
#: output, whatever a data file or notebook output holds (Quarto would pass raw HTML on;
#: the report does not use it).
READER = "markdown-raw_html-raw_tex-raw_attribute"
#: Packages whose versions the reproducibility stamp lists.
STAMP_PACKAGES = (
    "pandas", "numpy", "pyarrow", "pandera", "geopandas", "shapely", "pyproj", "matplotlib",
    "nbformat", "nbclient", "papermill", "PyYAML", "pypandoc-binary", "typst",
)
#: Labels of embedded cells are cross-referenceable when they carry one of these prefixes;
#: other labels (the region profiles' repeated ones) are made unique per notebook.
CROSSREF_PREFIXES = ("fig-", "tbl-")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# `{{< name args >}}`; an extra pair of braces, `{{{< ... >}}}`, escapes a shortcode.
_SHORTCODE = re.compile(r"(\{?)\{\{<\s*([A-Za-z][\w-]*)\s*(.*?)\s*>\}\}(\}?)", re.S)
_CELL_OPTION = re.compile(r"^#\|\s?(.*)$")


class ReportError(RuntimeError):
    """A report source, notebook or tool did not give what the report needs."""


# --------------------------------------------------------------------------------------
# Step 1: the data-driven pieces
# --------------------------------------------------------------------------------------


def format_value(value: object) -> str:
    """A key figure as it is printed in the report: integers with thousands separators,
    dates as ISO dates, missing values as 'unknown'."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return format_value(value.item())
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


def report_variables(figures: Mapping[str, object], incidents: pd.DataFrame) -> dict[str, str]:
    """The variables of ``_variables.yml``: every key figure formatted, plus phrases built
    from them and the data's date.

    ``persons_range`` is 'low–high' ('+' when an 'at least' figure leaves the top open),
    ``persons_bounds`` 'low / best / high' as in the key-figures table, ``period`` the span
    of incident dates. ``data_date`` is the latest coding date: the report's date and the
    PDF's.
    """
    from analysis import aggregate

    variables = {str(k): format_value(v) for k, v in figures.items() if not isinstance(v, (dict, list, tuple))}
    low, best, high = (figures.get(k) for k in ("persons_low", "persons_best", "persons_high"))
    is_open = bool(figures.get("persons_high_open"))
    if None not in (low, best, high):
        variables["persons_range"] = f"{format_value(low)}–{format_value(high)}{'+' if is_open else ''}"
        variables["persons_bounds"] = aggregate.bounds_label(low, best, high, is_open)
    if "period_start" in figures:
        variables["period"] = f"{format_value(figures['period_start'])} to {format_value(figures.get('period_end'))}"
    coded = pd.to_datetime(incidents["coded_date"]).dropna()
    if coded.empty:
        raise ReportError("incidents: coded_date is empty in every row; the report's date comes from it")
    variables["data_date"] = coded.max().strftime("%Y-%m-%d")
    return variables


def region_names(incidents: pd.DataFrame) -> dict[str, str]:
    """Region code -> English name, from the incidents' paired multi-valued columns."""
    from analysis.aggregate import split_values

    names: dict[str, str] = {}
    for codes, labels in zip(incidents["region_code"], incidents["region_name"]):
        for code, name in zip(split_values(codes), split_values(labels)):
            names.setdefault(code, name)
    return names


def regions_markdown(incidents: pd.DataFrame, notebooks_dir: Path = REGION_NOTEBOOKS_DIR, base_dir: Path = config.REPORTS_DIR) -> str:
    """One section per region profile notebook, embedding its three labelled outputs.

    Embed paths are relative to ``base_dir``, the main document's folder: Quarto
    resolves paths in included files against the including document. Every region with
    incidents must have a profile; a missing one is an error naming it.
    """
    from analysis.aggregate import regions_with_incidents

    notebooks = sorted(Path(notebooks_dir).glob("*.ipynb"))
    found = {nb.stem for nb in notebooks}
    missing = [code for code in regions_with_incidents(incidents) if code not in found]
    if missing:
        raise ReportError(
            f"{notebooks_dir}: no region profile for {', '.join(missing)} although the data have incidents there; "
            "run `python -m analysis.notebooks` to execute the profiles"
        )
    names = region_names(incidents)
    out = ["<!-- Generated by python -m analysis.report from the region profile notebooks; do not edit. -->", ""]
    for nb in notebooks:
        code = nb.stem
        title = f"{escape(names[code])} ({escape(code)})" if code in names else escape(code)
        rel = Path(os.path.relpath(nb, base_dir)).as_posix()
        out += [f"## {title} {{#sec-region-{code.lower()}}}", ""]
        for label in ("region-summary", "region-timeline", "region-incidents"):
            out += [f"{{{{< embed {rel}#{label} >}}}}", ""]
    return "\n".join(out)


def _published(row: pd.Series) -> str:
    date = row["published_date"]
    if pd.isna(date):
        return "unknown"
    precision = row.get("published_precision")
    fmt = {"month": "%Y-%m", "year": "%Y"}.get(str(precision), "%Y-%m-%d")
    return pd.Timestamp(date).strftime(fmt)


def sources_markdown(sources: pd.DataFrame) -> str:
    """The sources appendix: what each source is, then where it is and its checksum."""
    src = sources.sort_values("source_id")
    described = pd.DataFrame({
        "Source": src["source_id"],
        "Outlet": src["outlet"],
        "Headline": src["headline"],
        "Published": src.apply(_published, axis=1),
        "Metadata confidence": src["metadata_confidence"],
    })
    located = pd.DataFrame({
        "Source": src["source_id"],
        "Address": [link(a) for a in src["address"]],
        "SHA-256 of the archived text": [f"`{h}`" if re.fullmatch(r"[0-9a-f]{64}", str(h)) else escape(h) for h in src["sha256"]],
    })
    return "\n".join([
        "<!-- Generated by python -m analysis.report from the sources table; do not edit. -->",
        "",
        "::: {#tbl-sources}",
        table(described, widths={"Source": 3, "Outlet": 3, "Headline": 7, "Published": 2, "Metadata confidence": 2}),
        "",
        "Sources: outlet, headline as published, date of publication (to the precision known) and how sure that metadata is.",
        ":::",
        "",
        "::: {#tbl-source-files}",
        table(located, raw_columns=["Address", "SHA-256 of the archived text"], widths={"Source": 2, "Address": 3, "SHA-256 of the archived text": 7}),
        "",
        "Sources: web address and the SHA-256 of the archived text the coding was checked against.",
        ":::",
        "",
    ])


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(config.PROJECT_ROOT), *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def dataset_hash(processed_dir: Path = config.PROCESSED_DIR) -> tuple[str, str]:
    """SHA-256 identifying the processed dataset, and what was hashed.

    The pipeline's MANIFEST lists every processed file with its SHA-256, so its own hash
    identifies the dataset. Without it, the files are hashed here in sorted order.
    """
    manifest = Path(processed_dir) / "MANIFEST"
    if manifest.exists():
        return hashlib.sha256(manifest.read_bytes()).hexdigest(), f"`{manifest.name}` of `data/processed/`"
    files = sorted(p for p in Path(processed_dir).rglob("*") if p.is_file())
    if not files:
        raise ReportError(f"{processed_dir}: no processed files to identify the dataset by; run `make data` first")
    lines = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(processed_dir).as_posix()}\n" for p in files)
    return hashlib.sha256(lines.encode()).hexdigest(), f"{len(files)} files of `data/processed/` (no MANIFEST), hashed in sorted order"


def tool_versions(engine: str) -> list[tuple[str, str]]:
    """Python, the stamp's packages and the renderer, with their versions."""
    rows = [("Python", platform.python_version())]
    for name in STAMP_PACKAGES:
        try:
            rows.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    if engine == "quarto":
        done = subprocess.run(["quarto", "--version"], capture_output=True, text=True)
        rows.append(("Quarto", done.stdout.strip() or "unknown"))
    else:
        rows.append(("pandoc (renderer)", pandoc_version()))
    return rows


def stamp_markdown(engine: str, processed_dir: Path = config.PROCESSED_DIR) -> str:
    """The reproducibility stamp: commit, dataset hash, tool versions."""
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        commit_text = "not a git checkout"
    else:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        commit_text = f"`{commit}`" + (" with uncommitted changes" if dirty else " (clean working tree)")
    digest, what = dataset_hash(processed_dir)
    versions = pd.DataFrame(tool_versions(engine), columns=["Software", "Version"])
    return "\n".join([
        "<!-- Generated by python -m analysis.report; do not edit. -->",
        "",
        f"- Git commit: {commit_text}",
        f"- Processed dataset: SHA-256 `{digest}` of {what}",
        f"- Renderer: {'Quarto' if engine == 'quarto' else 'built-in (pandoc and typst, see docs/quarto-subset.md)'}",
        "",
        "::: {#tbl-versions}",
        table(versions),
        "",
        "Software that built this report.",
        ":::",
        "",
    ])


def _write_if_changed(path: Path, text: str) -> None:
    # An unchanged file keeps its modification time, so make sees nothing new.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(
    incidents: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
    amounts: pd.DataFrame | None = None,
    *,
    engine: str = "pandoc",
    reports_dir: Path = config.REPORTS_DIR,
    region_notebooks_dir: Path = REGION_NOTEBOOKS_DIR,
    processed_dir: Path = config.PROCESSED_DIR,
) -> dict[str, str]:
    """Write ``_variables.yml`` and ``_generated/`` into ``reports_dir``; return the variables.

    The tables default to the processed ones (analysis.load).
    """
    from analysis import aggregate, load

    if incidents is None:
        incidents = load.load_incidents(processed_dir)
    if sources is None:
        sources = load.load_sources(processed_dir)
    if amounts is None:
        amounts = load.load_amounts(processed_dir)
    variables = report_variables(aggregate.key_figures(incidents, sources, amounts), incidents)
    header = "# Generated by python -m analysis.report from the processed data; do not edit.\n"
    _write_if_changed(Path(reports_dir) / "_variables.yml", header + yaml.safe_dump(variables, sort_keys=True, allow_unicode=True))
    generated = Path(reports_dir) / "_generated"
    _write_if_changed(generated / "codebook.md", codebook.codebook_markdown(heading_level=2))
    _write_if_changed(generated / "sources.md", sources_markdown(sources))
    _write_if_changed(generated / "regions.qmd", regions_markdown(incidents, region_notebooks_dir, Path(reports_dir)))
    _write_if_changed(generated / "stamp.md", stamp_markdown(engine, processed_dir))
    return variables


# --------------------------------------------------------------------------------------
# Step 2a: the preprocessor (Quarto's shortcodes and includes -> pandoc Markdown)
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# Step 2b: rendering
# --------------------------------------------------------------------------------------


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def pandoc_version() -> str:
    done = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()[0].replace("pandoc ", "")


def font_paths() -> list[str]:
    """Fonts for typst beyond its embedded ones: matplotlib's DejaVu (Cyrillic fallback)."""
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def build_date(variables: Mapping) -> dt.datetime:
    """The PDF's date: the data's latest coding date, else SOURCE_DATE_EPOCH.

    The data's date comes first because it means something to a reader (the Makefile
    pins SOURCE_DATE_EPOCH to 0 for other tools, which would date the PDF 1970).
    """
    if "data_date" in variables:
        return dt.datetime.fromisoformat(str(variables["data_date"])).replace(tzinfo=dt.timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    raise ReportError("no date for the PDF: give a data_date variable or set SOURCE_DATE_EPOCH")


@dataclass
class FormatOptions:
    """The options of _quarto.yml that the built-in renderer mirrors."""

    lang: str = "en"
    html_toc: bool = True
    html_toc_depth: int = 2
    css: list[str] = field(default_factory=list)
    typst_toc: bool = True
    typst_toc_depth: int = 2
    typst_variables: dict[str, str] = field(default_factory=dict)


#: Options of Quarto's typst format passed on to the template as pandoc variables.
TYPST_TEMPLATE_OPTIONS = ("papersize", "fontsize")


def read_quarto_config(project_dir: Path) -> FormatOptions:
    """The mirrored options of ``_quarto.yml`` in ``project_dir`` (defaults when absent)."""
    path = Path(project_dir) / "_quarto.yml"
    cfg = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None) or {}
    formats = cfg.get("format", {}) or {}
    html = formats.get("html", {}) or {}
    typ = formats.get("typst", {}) or {}
    css = html.get("css", [])
    return FormatOptions(
        lang=str(cfg.get("lang", "en")),
        html_toc=bool(html.get("toc", True)),
        html_toc_depth=int(html.get("toc-depth", 2)),
        css=[css] if isinstance(css, str) else list(css),
        typst_toc=bool(typ.get("toc", True)),
        typst_toc_depth=int(typ.get("toc-depth", 2)),
        typst_variables={k: str(typ[k]) for k in TYPST_TEMPLATE_OPTIONS if k in typ},
    )


def _asset(project_dir: Path, name: str) -> Path:
    # A project's own assets/ wins, so a copy of reports/ renders with its own template.
    own = Path(project_dir) / "assets" / name
    return own if own.exists() else ASSETS_DIR / name


def _run_pandoc(args: list[str], cwd: Path) -> None:
    done = subprocess.run([pandoc_path(), *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReportError(f"pandoc failed ({done.returncode}): {done.stderr.strip()}")


def _atomic_write(dest: Path, produce: Callable[[Path], None]) -> Path:
    """Run ``produce(tmp)`` and move ``tmp`` onto ``dest`` only if it succeeded."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Beside the destination, so the move is a rename; created by the writer itself, so
    # it gets the usual permissions (mkstemp's would be owner-only).
    tmp = dest.with_name(f".{dest.stem}-{os.getpid()}.tmp{dest.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        produce(tmp)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ReportError(f"{dest.name}: the renderer wrote nothing")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def render_builtin(
    formats: Iterable[str] = ("html", "pdf"),
    *,
    qmd: Path = REPORT_QMD,
    output_dir: Path = config.REPORT_OUTPUT_DIR,
    work_dir: Path = RENDER_DIR,
    variables: Mapping | None = None,
) -> dict[str, Path]:
    """Render ``qmd`` with the built-in pandoc + typst path; return the written files."""
    import typst

    qmd = Path(qmd)
    project_dir = qmd.parent
    options = read_quarto_config(project_dir)
    if variables is None:
        path = project_dir / "_variables.yml"
        variables = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    work_dir = Path(work_dir)
    media_dir = work_dir / "media"
    if media_dir.exists():
        shutil.rmtree(media_dir)  # intermediate only: an image no longer embedded must not linger
    work_dir.mkdir(parents=True, exist_ok=True)

    meta, body = preprocess(qmd, variables, media_dir, project_dir)
    meta.setdefault("lang", options.lang)
    source = work_dir / f"{qmd.stem}.md"
    source.write_text("---\n" + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True) + "---\n" + body, encoding="utf-8")

    common = [source.name, "--from", READER, "--fail-if-warnings", f"--resource-path={work_dir}{os.pathsep}{project_dir}"]
    for name in LUA_FILTERS:
        common += ["--lua-filter", str(FILTERS_DIR / name)]

    written: dict[str, Path] = {}
    formats = list(formats)
    if "html" in formats:
        css = [f"--css={(project_dir / c).resolve()}" for c in options.css] or [f"--css={_asset(project_dir, 'report.css')}"]
        written["html"] = _atomic_write(
            Path(output_dir) / FORMATS["html"],
            lambda tmp: _run_pandoc(
                [*common, "--to", "html5", "--standalone", "--embed-resources", "--mathml", "--section-divs", *css,
                 *(["--toc", f"--toc-depth={options.html_toc_depth}"] if options.html_toc else []), "--output", str(tmp)],
                work_dir,
            ),
        )
    if "pdf" in formats:
        when = build_date(variables)
        typ = work_dir / f"{qmd.stem}.typ"
        date_vars = [f"--variable=pdf-year={when.year}", f"--variable=pdf-month={when.month}", f"--variable=pdf-day={when.day}"]
        extra = [f"--variable={k}={v}" for k, v in options.typst_variables.items()]
        toc = ["--toc", f"--toc-depth={options.typst_toc_depth}"] if options.typst_toc else []
        _run_pandoc(
            [*common, "--to", "typst", "--standalone", f"--template={_asset(project_dir, 'report-template.typ')}", *toc, *date_vars, *extra, "--output", str(typ)],
            work_dir,
        )

        def compile_pdf(tmp: Path) -> None:
            try:
                _, warnings = typst.compile_with_warnings(
                    str(typ), output=str(tmp), root=str(work_dir), font_paths=font_paths(),
                    ignore_system_fonts=True, timestamp=int(when.timestamp()),
                )
            except Exception as exc:  # typst.TypstError carries the diagnostic
                raise ReportError(f"typst failed on {typ}: {exc}") from exc
            # A warning (an unknown font, a missing label) means the PDF is not what was asked for.
            if warnings:
                raise ReportError(f"typst warned on {typ}: " + "; ".join(getattr(w, "message", str(w)) for w in warnings))

        written["pdf"] = _atomic_write(Path(output_dir) / FORMATS["pdf"], compile_pdf)
    return written


def render_quarto(formats: Iterable[str] = ("html", "pdf"), *, qmd: Path = REPORT_QMD, output_dir: Path = config.REPORT_OUTPUT_DIR) -> dict[str, Path]:
    """Render with Quarto into a temporary folder and move the results into place."""
    qmd = Path(qmd)
    written: dict[str, Path] = {}
    for fmt in formats:
        with tempfile.TemporaryDirectory(prefix=".quarto-", dir=qmd.parent) as tmp:
            done = subprocess.run(
                ["quarto", "render", qmd.name, "--to", QUARTO_FORMATS[fmt], "--output-dir", tmp],
                cwd=qmd.parent, capture_output=True, text=True,
            )
            if done.returncode != 0:
                raise ReportError(f"quarto render failed ({done.returncode}): {done.stderr.strip()}")
            produced = Path(tmp) / f"{qmd.stem}{Path(FORMATS[fmt]).suffix}"
            if not produced.exists():
                raise ReportError(f"quarto render wrote no {produced.name}")
            dest = Path(output_dir) / FORMATS[fmt]
            written[fmt] = _atomic_write(dest, lambda t: shutil.copyfile(produced, t))
    return written


def choose_engine(engine: str) -> str:
    if engine == "auto":
        return "quarto" if shutil.which("quarto") else "pandoc"
    if engine == "quarto" and not shutil.which("quarto"):
        raise ReportError("--engine quarto: quarto is not on the PATH; use --engine pandoc (the built-in renderer)")
    if engine not in ("quarto", "pandoc"):
        raise ReportError(f"unknown engine {engine!r}; use auto, quarto or pandoc")
    return engine


# --------------------------------------------------------------------------------------
# Checks of the outputs (used by the tests and by --check)
# --------------------------------------------------------------------------------------

#: Flags that keep headless Chromium from calling home while it opens the report.
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    "--disable-default-apps", "--disable-extensions",
)
CHROMIUM = os.environ.get("COERCION_CHROMIUM", "/usr/bin/chromium")


@dataclass
class BrowserReport:
    """What headless Chromium saw while loading an HTML file."""

    console_errors: list[str]
    page_errors: list[str]
    external_requests: list[str]
    broken_images: list[str]
    n_images: int
    element_ids: list[str]
    screenshot: Path | None = None

    @property
    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request for something outside the file: {u}" for u in self.external_requests]
            + [f"broken image: {s}" for s in self.broken_images]
        )


def check_html(html: Path, screenshot: Path | None = None) -> BrowserReport:
    """Open ``html`` in headless Chromium; record console errors, page errors, every
    request other than for the file itself (a self-contained file needs none, not even a
    sibling file; each is blocked, so nothing leaves the machine) and images that did not
    load. Needs the ``playwright`` package and Chromium."""
    from playwright.sync_api import sync_playwright

    html = Path(html).resolve()
    console: list[str] = []
    errors: list[str] = []
    external: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if url.startswith(("data:", "about:")) or url == html.as_uri():
            r.continue_()
        else:
            external.append(url)
            r.abort()

    # Playwright starts the browser on a fresh temporary profile of its own.
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", route)
            page.goto(html.as_uri(), wait_until="load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.getAttribute('src') ? i.getAttribute('src').slice(0, 60) : '', i.complete && i.naturalWidth > 0])"
            )
            ids = page.evaluate("Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
            if screenshot:
                page.screenshot(path=str(screenshot), full_page=False)
        finally:
            browser.close()
    return BrowserReport(
        console_errors=console,
        page_errors=errors,
        external_requests=external,
        broken_images=[src for src, ok in images if not ok],
        n_images=len(images),
        element_ids=ids,
        screenshot=screenshot,
    )


def pdf_text(pdf: Path) -> str:
    """The text of a PDF (pdftotext when installed, else pypdf), whitespace collapsed."""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    else:
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def build(formats: Iterable[str] = ("html", "pdf"), engine: str = "auto") -> dict[str, Path]:
    """Step 1 and step 2: generate the data-driven pieces, then render."""
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ReportError(f"unknown format(s) {', '.join(unknown)}; formats: {', '.join(FORMATS)}")
    chosen = choose_engine(engine)
    variables = generate(engine=chosen)
    written = render_quarto(formats) if chosen == "quarto" else render_builtin(formats, variables=variables)
    from analysis.redact.outputs import check_report  # an output naming a restricted value is removed

    return check_report(written, ReportError)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="html,pdf", help="comma-separated: html, pdf (default both)")
    parser.add_argument("--engine", default="auto", choices=("auto", "quarto", "pandoc"),
                        help="quarto if on the PATH (auto), or the built-in pandoc+typst renderer")
    parser.add_argument("--check", action="store_true", help="afterwards, open the HTML in headless Chromium and report problems")
    args = parser.parse_args(argv)
    try:
        written = build([f.strip() for f in args.formats.split(",") if f.strip()], args.engine)
    except (ReportError, FileNotFoundError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    for fmt, path in written.items():
        print(f"wrote {path}")
    if args.check and "html" in written:
        problems = check_html(written["html"]).problems
        for p in problems:
            print(f"check: {p}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
