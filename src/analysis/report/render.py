"""Step 3: render the report, with Quarto or with the built-in pandoc + typst renderer.

:func:`render_builtin` preprocesses ``report.qmd`` (:mod:`analysis.report.preprocess`),
runs pandoc with the project's Lua filters and its own cross-reference filter to write the
HTML and a typst file, and typesets the PDF with typst. :func:`render_quarto` runs
``quarto render``. Either way each output is written to a temporary file beside its
destination and moved into place only when complete.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Mapping

import yaml

from analysis import config
from analysis.report import ReportError
from analysis.report.preprocess import Project, preprocess, read_project

REPORT_QMD = config.REPORTS_DIR / "report.qmd"
#: The built-in renderer's own resources: its typst template, its cross-reference filter.
BUILTIN_DIR = Path(__file__).with_name("builtin")
#: Intermediate files of the built-in renderer (the expanded Markdown, media, typst).
RENDER_DIR = config.BUILD_DIR / "report"

#: Output formats and the name of the file each produces.
FORMATS = {"html": "report.html", "pdf": "report.pdf"}
#: Quarto format behind each output format.
QUARTO_FORMATS = {"html": "html", "pdf": "typst"}
#: The built-in renderer's own Lua filters, run after the project's: what Quarto does
#: itself (numbering figures and tables, passing alt text to typst's images).
LUA_FILTERS = ("crossref.lua", "typst-images.lua")
#: Options of Quarto's typst format passed on to the template as pandoc variables.
TYPST_TEMPLATE_OPTIONS = ("papersize", "fontsize")
#: Quarto's typst template partials that the built-in template includes, in its order.
TYPST_PARTIALS = ("typst-template.typ", "page.typ", "typst-show.typ")
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


def pdf_timestamp(meta: Mapping) -> dt.datetime:
    """typst's clock: the document's date (which the template also sets as the PDF's date),
    else SOURCE_DATE_EPOCH.

    The date comes first because it means something to a reader (the Makefile pins
    SOURCE_DATE_EPOCH to 0 for other tools, which would date the PDF 1970).
    """
    if "date" in meta:
        return dt.datetime.fromisoformat(str(meta["date"])).replace(tzinfo=dt.timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    raise ReportError("no date for the PDF: give the report a date (metadata-files in _quarto.yml) or set SOURCE_DATE_EPOCH")


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
    names: Mapping[str, str] = FORMATS,
) -> dict[str, Path]:
    """Render ``qmd`` with the built-in pandoc + typst path; return the written files
    (``names``: the file each format is written to in ``output_dir``)."""
    qmd = Path(qmd)
    project = read_project(qmd.parent)
    if variables is None:
        path = project.dir / "_variables.yml"
        variables = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    work_dir = Path(work_dir)
    media_dir = work_dir / "media"
    if media_dir.exists():
        shutil.rmtree(media_dir)  # intermediate only: an image no longer embedded must not linger
    work_dir.mkdir(parents=True, exist_ok=True)

    meta, body = preprocess(qmd, variables, media_dir, project.dir)
    for key, value in project.metadata().items():
        meta.setdefault(key, value)  # the document's own front matter wins, as in Quarto
    source = work_dir / f"{qmd.stem}.md"
    source.write_text("---\n" + yaml.safe_dump(meta, sort_keys=True, allow_unicode=True) + "---\n" + body, encoding="utf-8")

    common = [source.name, "--from", READER, "--fail-if-warnings", f"--resource-path={work_dir}{os.pathsep}{project.dir}"]
    for path in [*project.filters, *(BUILTIN_DIR / name for name in LUA_FILTERS)]:
        common += ["--lua-filter", str(path)]

    written: dict[str, Path] = {}
    formats = list(formats)
    if "html" in formats:
        written["html"] = _render_html(project, common, work_dir, Path(output_dir) / names["html"])
    if "pdf" in formats:
        written["pdf"] = _render_pdf(project, common, work_dir, Path(output_dir) / names["pdf"], pdf_timestamp(meta))
    return written


def _toc(options: Mapping) -> list[str]:
    return ["--toc", f"--toc-depth={options.get('toc-depth', 2)}"] if options.get("toc", True) else []


def _render_html(project: Project, common: list[str], work_dir: Path, dest: Path) -> Path:
    # embed-resources and html-math-method: mathml are always on (docs/quarto-subset.md).
    css = [f"--css={path}" for path in project.paths("html", "css")]
    args = [*common, "--to", "html5", "--standalone", "--embed-resources", "--mathml", "--section-divs", *css, *_toc(project.html)]
    return _atomic_write(dest, lambda tmp: _run_pandoc([*args, "--output", str(tmp)], work_dir))


def stage_typst_template(project: Project, work_dir: Path) -> Path:
    """The built-in typst template with the project's template partials beside it, as Quarto
    stages its own: pandoc finds a partial ``$page.typ()$`` next to the template."""
    partials = {path.name: path for path in project.paths("typst", "template-partials")}
    unknown = sorted(set(partials) - set(TYPST_PARTIALS))
    if unknown:
        raise ReportError(
            f"{project.config_file}: format.typst.template-partials: the built-in renderer has no place for "
            f"{', '.join(unknown)}; it uses {', '.join(TYPST_PARTIALS)}"
        )
    missing = [name for name in TYPST_PARTIALS if name not in partials]
    if missing:
        raise ReportError(
            f"{project.config_file}: format.typst.template-partials lacks {', '.join(missing)}: the built-in renderer "
            "has no defaults of its own (Quarto's would apply under Quarto)"
        )
    staged = Path(work_dir) / "typst-template"
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir(parents=True)
    shutil.copyfile(BUILTIN_DIR / "template.typ", staged / "template.typ")
    for name, path in partials.items():
        shutil.copyfile(path, staged / name)
    return staged / "template.typ"


def _render_pdf(project: Project, common: list[str], work_dir: Path, dest: Path, when: dt.datetime) -> Path:
    import typst

    typ = work_dir / f"{dest.stem}.typ"
    variables = [f"--variable={k}={project.typst[k]}" for k in TYPST_TEMPLATE_OPTIONS if k in project.typst]
    template = stage_typst_template(project, work_dir)
    _run_pandoc([*common, "--to", "typst", "--standalone", f"--template={template}", *_toc(project.typst), *variables, "--output", str(typ)], work_dir)

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

    return _atomic_write(dest, compile_pdf)


# --------------------------------------------------------------------------------------
# Quarto
# --------------------------------------------------------------------------------------

#: The oldest Quarto the report supports: from 1.9.18 Quarto stages the typst packages it
#: bundles (src/command/render/output-typst.ts) instead of letting typst fetch them from the
#: internet at render time. The tests check the sources against 1.10.18's schemas.
MIN_QUARTO = (1, 9, 18)
#: Where Quarto writes its outputs before they are moved into place (outside reports/).
QUARTO_WORK_DIR = config.BUILD_DIR / "quarto"


def quarto_version() -> tuple[int, ...] | None:
    """The version of the ``quarto`` on the PATH, or None when there is none."""
    if not shutil.which("quarto"):
        return None
    done = subprocess.run(["quarto", "--version"], capture_output=True, text=True)
    numbers = re.match(r"\s*(\d+)\.(\d+)\.(\d+)", done.stdout)
    if done.returncode != 0 or not numbers:
        raise ReportError(f"quarto --version said {done.stdout.strip() or done.stderr.strip()!r}, not a version")
    return tuple(int(n) for n in numbers.groups())


def _version_text(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def choose_engine(engine: str) -> str:
    """``quarto`` or ``pandoc`` (the built-in renderer) for ``auto``, ``quarto`` or ``pandoc``."""
    if engine not in ("auto", "quarto", "pandoc"):
        raise ReportError(f"unknown engine {engine!r}; use auto, quarto or pandoc")
    if engine == "pandoc":
        return engine
    version = quarto_version()
    if version is None:
        if engine == "quarto":
            raise ReportError("--engine quarto: quarto is not on the PATH; use --engine pandoc (the built-in renderer)")
        return "pandoc"
    if version < MIN_QUARTO:
        why = (f"quarto {_version_text(version)} is older than {_version_text(MIN_QUARTO)}, the first that renders the PDF "
               "without fetching typst packages from the internet")
        if engine == "quarto":
            raise ReportError(f"--engine quarto: {why}; update Quarto or use --engine pandoc")
        print(f"report: {why}; rendering with the built-in renderer", file=sys.stderr)
        return "pandoc"
    return "quarto"


def render_quarto(
    formats: Iterable[str] = ("html", "pdf"),
    *,
    qmd: Path = REPORT_QMD,
    output_dir: Path = config.REPORT_OUTPUT_DIR,
    work_dir: Path = QUARTO_WORK_DIR,
    names: Mapping[str, str] = FORMATS,
) -> dict[str, Path]:
    """Render with ``quarto render``, one format at a time, and move the results into place.

    Quarto runs in the project folder and writes its output into a temporary folder under
    ``work_dir``; what it leaves in the project folder (``.quarto/``, intermediate files, a
    ``.gitignore`` where none was) is removed afterwards. SOURCE_DATE_EPOCH is the report's
    date, for typst's clock (the template dates the PDF itself).
    """
    qmd = Path(qmd)
    project = read_project(qmd.parent)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(pdf_timestamp(project.metadata()).timestamp()))}
    before = set(os.listdir(project.dir))
    written: dict[str, Path] = {}
    try:
        for fmt in formats:
            written[fmt] = _quarto_render(qmd, fmt, Path(output_dir) / names[fmt], Path(work_dir), env)
    finally:
        _remove_scratch(project.dir, before, Path(output_dir))
    return written


def _quarto_render(qmd: Path, fmt: str, dest: Path, work_dir: Path, env: Mapping[str, str]) -> Path:
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{fmt}-", dir=work_dir) as tmp:
        done = subprocess.run(
            ["quarto", "render", qmd.name, "--to", QUARTO_FORMATS[fmt], "--output-dir", str(Path(tmp).resolve())],
            cwd=qmd.parent, capture_output=True, text=True, env=dict(env),
        )
        if done.returncode != 0:
            raise ReportError(f"quarto render {qmd.name} --to {QUARTO_FORMATS[fmt]} failed ({done.returncode}): {done.stderr.strip()}")
        produced = Path(tmp) / f"{qmd.stem}{Path(FORMATS[fmt]).suffix}"
        if not produced.exists():
            raise ReportError(f"quarto render {qmd.name} --to {QUARTO_FORMATS[fmt]} wrote no {produced.name}")
        return _atomic_write(dest, lambda t: shutil.copyfile(produced, t))


def _remove_scratch(project_dir: Path, before: set[str], output_dir: Path) -> None:
    # Quarto keeps its project scratch in .quarto/ (src/project/project-scratch.ts), writes
    # a .gitignore into a project in a git checkout that has none
    # (src/project/project-gitignore.ts) and leaves intermediates beside the document when
    # a render fails: none of it belongs in reports/.
    for name in set(os.listdir(project_dir)) - before:
        path = project_dir / name
        if path.resolve() == output_dir.resolve() or path.resolve() in output_dir.resolve().parents:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
