"""Step 3: render the report, with Quarto or with the built-in pandoc + typst renderer.

:func:`render_builtin` preprocesses ``report.qmd`` (:mod:`analysis.report.preprocess`),
runs pandoc with the Lua filters in ``analysis/filters/`` to write the HTML and a typst
file, and typesets the PDF with typst. :func:`render_quarto` runs ``quarto render``.
Either way each output is written to a temporary file beside its destination and moved
into place only when complete.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

import yaml

from analysis import config
from analysis.report import ReportError
from analysis.report.preprocess import preprocess

REPORT_QMD = config.REPORTS_DIR / "report.qmd"
ASSETS_DIR = config.REPORTS_DIR / "assets"
FILTERS_DIR = Path(__file__).resolve().parents[1] / "filters"
#: Intermediate files of the built-in renderer (the expanded Markdown, media, typst).
RENDER_DIR = config.BUILD_DIR / "report"

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

