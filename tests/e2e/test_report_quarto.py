"""The Quarto path of `make report`, with a stand-in ``quarto`` first on the PATH
(tests/fixtures/report/quarto_stand_in.py): the command line, the working directory and
the output paths of ``render_quarto``, what is left in the project folder, the PDF's date,
the supported versions, and the command line's ``--browser-check``.

No registry ships Quarto's binary, so this is as close to a real `quarto render` as the
tests get; the stand-in does to the file system what Quarto 1.10.18's source says it does.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis import config
from analysis.report import ReportError, cli, editions, generate, inspect, render
from analysis.report.inspect import BrowserReport
from analysis.report.schema import QuartoSchemas, SchemaError, check_report_sources
from fixtures.report import quarto_stand_in

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "report" / "project"
#: The fixture's date (tests/fixtures/report/project/_generated/metadata.yml).
FIXTURE_DATE = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


@pytest.fixture()
def quarto(tmp_path, monkeypatch) -> Path:
    """The stand-in first on the PATH; returns the log of its calls."""
    log = tmp_path / "quarto-calls.jsonl"
    bin_dir = quarto_stand_in.install(tmp_path / "bin", log).parent
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STAND_IN_QUARTO_LOG", str(log))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # as the Makefile exports it
    return log


@pytest.fixture()
def project(tmp_path) -> Path:
    """The fixture report with the repository's .gitignore for reports/; returns report.qmd."""
    dest = tmp_path / "reports"
    shutil.copytree(FIXTURE, dest)
    shutil.copy(ROOT / "reports" / ".gitignore", dest / ".gitignore")
    return dest / "report.qmd"


def listing(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def test_render_quarto_command_line_folder_and_outputs(quarto, project, tmp_path):
    out = tmp_path / "output"
    written = render.render_quarto(qmd=project, output_dir=out, work_dir=tmp_path / "work")
    assert written == {"html": out / "report.html", "pdf": out / "report.pdf"}
    renders = [c for c in quarto_stand_in.calls(quarto) if c["argv"][0] == "render"]
    assert [c["argv"][:4] for c in renders] == [["render", "report.qmd", "--to", "html"], ["render", "report.qmd", "--to", "typst"]]
    for call in renders:
        assert call["cwd"] == str(project.parent)  # the project folder: Quarto finds _quarto.yml there
        assert call["argv"][4] == "--output-dir"
        scratch = Path(call["argv"][5])
        assert scratch.is_absolute() and (tmp_path / "work") in scratch.parents  # outside reports/
        assert not scratch.exists()  # removed once the output was moved into place
    assert '<p class="date">2025-06-01</p>' in (out / "report.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]


def test_quarto_leaves_nothing_in_the_project_folder(quarto, project, tmp_path):
    before = listing(project.parent)
    render.render_quarto(qmd=project, output_dir=project.parent / "output", work_dir=tmp_path / "work")
    after = listing(project.parent)
    assert {k: v for k, v in after.items() if not k.startswith("output")} == before
    assert sorted(k for k in after if k.startswith("output")) == ["output", "output/report.html", "output/report.pdf"]


def test_a_project_without_gitignore_gets_none(quarto, project, tmp_path):
    # Quarto writes .gitignore into a project in a git checkout that has none.
    (project.parent / ".gitignore").unlink()
    render.render_quarto(["html"], qmd=project, output_dir=tmp_path / "output", work_dir=tmp_path / "work")
    assert not (project.parent / ".gitignore").exists() and not (project.parent / ".quarto").exists()


def test_reports_gitignore_has_what_quarto_requires():
    # With both entries present Quarto leaves reports/.gitignore as it is.
    lines = (ROOT / "reports" / ".gitignore").read_text().splitlines()
    assert all(entry in lines for entry in quarto_stand_in.QUARTO_GITIGNORE)


def test_the_pdf_is_dated_by_the_report_not_by_the_clock(quarto, project, tmp_path):
    # Quarto's typst is the typst command line, whose clock is SOURCE_DATE_EPOCH (0 under
    # make); render_quarto sets it to the report's date.
    from pypdf import PdfReader

    render.render_quarto(["pdf"], qmd=project, output_dir=tmp_path / "output", work_dir=tmp_path / "work")
    [call] = [c for c in quarto_stand_in.calls(quarto) if c["argv"][0] == "render"]
    assert call["SOURCE_DATE_EPOCH"] == str(int(FIXTURE_DATE.timestamp()))
    assert PdfReader(str(tmp_path / "output" / "report.pdf")).metadata["/CreationDate"].startswith("D:20250601")


def test_failed_quarto_render_keeps_the_previous_output_and_leaves_no_scratch(quarto, project, tmp_path, monkeypatch):
    out = tmp_path / "output"
    render.render_quarto(["html"], qmd=project, output_dir=out, work_dir=tmp_path / "work")
    before, folder = (out / "report.html").read_bytes(), listing(project.parent)
    monkeypatch.setenv("STAND_IN_QUARTO_FAIL", "1")
    with pytest.raises(ReportError, match=r"quarto render report\.qmd --to html failed \(1\): ERROR: the stand-in was told to fail"):
        render.render_quarto(["html"], qmd=project, output_dir=out, work_dir=tmp_path / "work")
    assert (out / "report.html").read_bytes() == before
    assert listing(project.parent) == folder  # no report_files/, report.html or .quarto/ left behind
    assert list((tmp_path / "work").iterdir()) == []


@pytest.mark.parametrize(("version", "auto"), [("1.9.17", "pandoc"), ("1.9.18", "quarto"), ("1.10.18", "quarto")])
def test_supported_quarto_versions(quarto, monkeypatch, capsys, version, auto):
    monkeypatch.setenv("STAND_IN_QUARTO_VERSION", version)
    assert render.choose_engine("auto") == auto
    if auto == "pandoc":
        assert f"quarto {version} is older than 1.9.18" in capsys.readouterr().err
        with pytest.raises(ReportError, match=r"--engine quarto: quarto 1\.9\.17 is older than 1\.9\.18, the first that renders the PDF without fetching"):
            render.choose_engine("quarto")
    else:
        assert render.choose_engine("quarto") == "quarto"


def test_engine_quarto_without_quarto_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no quarto anywhere
    assert render.choose_engine("auto") == "pandoc"
    with pytest.raises(ReportError, match="quarto is not on the PATH"):
        render.choose_engine("quarto")


def test_browser_check_option(monkeypatch, tmp_path, capsys):
    html = tmp_path / "report.html"
    html.write_text("<!DOCTYPE html><title>t</title>")
    monkeypatch.setattr(cli, "build", lambda formats, engine, sources_only=False, exclude_party_claims=False: {"html": html})
    seen = BrowserReport([], [], ["https://example.org/x.png"], [], 1, [])
    monkeypatch.setattr(cli, "check_html", lambda path: seen if path == html else None)
    assert cli.main(["--browser-check"]) == 1
    assert "browser check: request for something outside the file: https://example.org/x.png" in capsys.readouterr().err
    seen.external_requests.clear()
    assert cli.main(["--browser-check"]) == 0
    with pytest.raises(SystemExit):
        cli.main(["--check"])  # the build's option ("write nothing"), not this one


def test_the_edition_switch_reaches_the_build(monkeypatch, tmp_path):
    # `make report EXCLUDE_PARTY_CLAIMS=1` runs `--exclude-party-claims`; without an option
    # the environment variable decides, as for the notebooks; the option wins over it.
    asked = []
    monkeypatch.setattr(cli, "build", lambda formats, engine, sources_only=False, exclude_party_claims=False: asked.append(exclude_party_claims) or {})
    monkeypatch.delenv("EXCLUDE_PARTY_CLAIMS", raising=False)
    cli.main([])
    cli.main(["--exclude-party-claims"])
    monkeypatch.setenv("EXCLUDE_PARTY_CLAIMS", "yes")
    cli.main([])
    cli.main(["--include-party-claims"])
    assert asked == [False, True, True, False]
    monkeypatch.setenv("EXCLUDE_PARTY_CLAIMS", "maybe")
    with pytest.raises(SystemExit):
        cli.main([])


def test_the_edition_without_claims_is_a_staged_project_quarto_renders_into_its_own_files(quarto, project, tmp_path):
    # Quarto cannot point an embed at another folder by a parameter or a profile: the
    # edition is a copy of the project whose embeds point at the notebooks without claims.
    staged = tmp_path / "build" / "report-without-claims" / "project"
    without = tmp_path / "build" / "notebooks-without-claims"
    editions.stage_project(project.parent, staged, project.parent / "nb", without)
    text = (staged / "report.qmd").read_text()
    assert "{{< embed ../../notebooks-without-claims/demo.ipynb#fig-plot >}}" in text
    assert "{{< embed ../../notebooks-without-claims/regions/XX-BB.ipynb#region-summary >}}" in text  # a /project path too
    assert "{{< include _partial.qmd >}}" in text and (staged / "_partial.qmd").exists()
    assert (staged / "_quarto.yml").read_text() == (project.parent / "_quarto.yml").read_text()
    shutil.copytree(project.parent / "_generated", staged / "_generated")
    out = tmp_path / "output"
    names = editions.Edition(True).output_names(render.FORMATS)
    written = render.render_quarto(qmd=staged / "report.qmd", output_dir=out, work_dir=tmp_path / "work", names=names)
    assert written == {"html": out / "report-without-claims.html", "pdf": out / "report-without-claims.pdf"}
    assert sorted(p.name for p in out.iterdir()) == ["report-without-claims.html", "report-without-claims.pdf"]
    # Staging again changes nothing, and a source that is gone leaves the stage.
    before = {p: p.stat().st_mtime_ns for p in staged.rglob("*") if p.is_file()}
    editions.stage_project(project.parent, staged, project.parent / "nb", without)
    assert {p: p.stat().st_mtime_ns for p in staged.rglob("*") if p.is_file()} == before
    (project.parent / "_partial.qmd").unlink()
    editions.stage_project(project.parent, staged, project.parent / "nb", without)
    assert not (staged / "_partial.qmd").exists() and (staged / "_generated").is_dir()


@pytest.fixture(scope="module")
def schemas() -> QuartoSchemas:
    try:
        return QuartoSchemas(config.QUARTO_SCHEMA_DIR)
    except SchemaError as exc:
        pytest.fail(str(exc))  # a check that did not run must not pass


def test_report_sources_follow_quartos_schemas(schemas, tmp_path):
    # reports/ as committed, with the metadata file the build writes.
    reports = tmp_path / "reports"
    shutil.copytree(ROOT / "reports", reports, ignore=shutil.ignore_patterns("output", "_generated", "_variables.yml", ".quarto"))
    (reports / "_generated").mkdir()
    (reports / "_generated" / "metadata.yml").write_text(generate.metadata_yaml(
        {"data_date": "2025-06-01"}, "Release 1.0.0 of 1 June 2025 · data cut-off April 2025", "**What happened.** A summary."))
    assert sorted(p.name for p in reports.rglob("*.qmd")) == ["_methodology.qmd", "report.qmd"]
    assert check_report_sources(reports, schemas) == []
    # The check reads these files: a misspelt option in them fails it.
    config_file = reports / "_quarto.yml"
    config_file.write_text(config_file.read_text().replace("minimal: true", "minmal: true"))
    assert check_report_sources(reports, schemas) == [f"{config_file}: format.html.minmal: not an option Quarto knows (did you mean minimal?)"]


def test_fixture_project_follows_quartos_schemas(schemas):
    assert check_report_sources(FIXTURE, schemas) == []


#: A figure and a reference as Quarto's typst output writes them
#: (src/resources/filters/layout/typst.lua, make_typst_figure; no numbering argument).
QUARTO_FIGURE = """
```{=typst}
#figure([#rect(width: 2cm, height: 1cm)], caption: figure.caption(position: bottom, [A plot]), kind: "quarto-float-fig", supplement: "Figure", )<fig-x>

As #ref(<fig-x>, supplement: [Figure]) shows.
```
"""


def test_the_pdf_partials_keep_quartos_figure_numbers(tmp_path):
    # Quarto numbers figures through typst; a partial that turned figure numbering off would
    # drop "Figure 1" from the captions and make every reference fail to compile.
    import typst

    from analysis.report.preprocess import read_project

    stage = tmp_path / "template"
    stage.mkdir()
    for path in read_project(ROOT / "reports").paths("typst", "template-partials"):
        shutil.copy(path, stage / path.name)
    # The order and spacing of Quarto's own template.typ, without its definitions.
    (stage / "template.typ").write_text("$typst-template.typ()$\n\n$page.typ()$\n\n$typst-show.typ()$\n\n$body$\n")
    (tmp_path / "doc.md").write_text('---\ntitle: "T"\ndate: "2025-06-01"\n---\n' + QUARTO_FIGURE)
    typ = tmp_path / "doc.typ"
    subprocess.run([render.pandoc_path(), str(tmp_path / "doc.md"), "--to", "typst", "--standalone",
                    f"--template={stage / 'template.typ'}", "--output", str(typ)], check=True)
    typst.compile(str(typ), output=str(tmp_path / "doc.pdf"), font_paths=render.font_paths(), ignore_system_fonts=True)
    text = inspect.pdf_text(tmp_path / "doc.pdf")
    assert "Figure 1: A plot" in text and "As Figure 1 shows." in text
