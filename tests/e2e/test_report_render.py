"""The built-in renderer on a small fixture report: shortcodes, cross-references, callouts,
escaping of data text, byte-identical rebuilds, and what Chromium and a PDF reader see.

The fixture document is tests/fixtures/report/project/; its executed notebooks are made at
test time (tests/fixtures/report/stand_in.py) with a matplotlib PNG and a Markdown table of
hostile text. The last tests render the real reports/report.qmd against stand-in notebooks
and the hand-made tables of tests/fixtures/tables.py, so a change to the report's sources
that the renderer cannot handle fails here, before the data pipeline runs.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import aggregate, codebook
from analysis.report import ReportError, generate, inspect, preprocess, render
from fixtures import needs
from fixtures.report.build import ROOT, ParsedHTML, make_project, render_fixture
from fixtures.report.stand_in import HOSTILE, code_cell, write_notebook, write_stand_ins
from fixtures.tables import frames, write_processed

# One worker runs this module under `pytest -n 2 --dist loadgroup`, so the module-scoped
# builds below are made once.
pytestmark = pytest.mark.xdist_group("report-render")

needs_chromium = needs.chromium
needs_poppler = needs.poppler("pdftoppm")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("fixture-build")
    qmd = make_project(tmp / "project")
    out = render_fixture(tmp, qmd)
    return {**out, "work": tmp / "work", "tmp": tmp}


@pytest.fixture(scope="module")
def page(built) -> "ParsedHTML":
    return ParsedHTML.of(built["html"])


@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    return inspect.pdf_text(built["pdf"])


# --------------------------------------------------------------------------------------
# Outputs and the preprocessor
# --------------------------------------------------------------------------------------


def test_both_outputs_are_produced(built):
    assert built["html"].read_bytes().startswith(b"<!DOCTYPE html>")
    assert built["pdf"].read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in built["html"].parent.iterdir()) == ["report.html", "report.pdf"], "temporary files left behind"


def test_preprocessor_expands_includes_variables_and_embeds(built):
    md = (built["work"] / "report.md").read_text(encoding="utf-8")
    assert "{{< include" not in md and "{{< embed" not in md
    assert "Included text with a variable: 1\\,234 incidents." in md
    assert "in 7 regions" in md  # a dotted variable
    assert "shortcode {{< var incidents >}} is printed as written." in md
    assert "no_such_variable" not in md, "HTML comments are dropped before shortcodes run"
    assert "::: {#fig-plot}\n![](media/nb-demo-fig-plot.png)\n\nA plot of \\*things\\*\n:::" in md
    assert "::: {#region-summary-XX-AA .embed-table}" in md
    # Media files are named after notebook and label, never numbered by run.
    assert sorted(p.name for p in (built["work"] / "media").iterdir()) == [
        "nb-demo-fig-plot.png", "nb-demo-fig-second.png",
        "nb-regions-XX-AA-region-timeline-XX-AA.png", "nb-regions-XX-BB-region-timeline-XX-BB.png",
    ]


def test_variables_are_escaped_text(page, pdf_text):
    assert "A variable is text: *not emphasis* <b>." in page.plain
    assert page.count("b") == 0 and page.count("em") == 0
    assert "A variable is text: *not emphasis* <b>." in pdf_text


def test_date_comes_from_the_metadata_file(built, page, pdf_text):
    # _quarto.yml lists _generated/metadata.yml under metadata-files, as Quarto reads it.
    from pypdf import PdfReader

    assert '<p class="date">2025-06-01</p>' in built["html"].read_text(encoding="utf-8")
    assert "2025-06-01" in pdf_text
    assert PdfReader(str(built["pdf"])).metadata["/CreationDate"].startswith("D:20250601")


@pytest.mark.parametrize("key", ["title", "subtitle", "date"])
def test_shortcode_in_a_key_quarto_reads_first_is_an_error(tmp_path, key):
    qmd = make_project(tmp_path / "project")
    qmd.write_text(qmd.read_text().replace('title: "Fixture report"\n', f'title: "Fixture report"\n{key}: "{{{{< var data_date >}}}}"\n'))
    with pytest.raises(ReportError, match=rf"report\.qmd: {key}: '\{{\{{< var data_date >\}}\}}' holds a shortcode, which Quarto reads before"):
        render_fixture(tmp_path, qmd, formats=("html",))


def test_shortcode_in_the_metadata_file_is_an_error(tmp_path):
    qmd = make_project(tmp_path / "project")
    (qmd.parent / "_generated" / "metadata.yml").write_text('date: "{{< var data_date >}}"\n')
    with pytest.raises(ReportError, match=r"metadata\.yml: date: .* holds a shortcode"):
        render_fixture(tmp_path, qmd, formats=("html",))


def test_date_must_be_iso(tmp_path):
    qmd = make_project(tmp_path / "project")
    (qmd.parent / "_generated" / "metadata.yml").write_text("date: 1 June 2025\n")
    with pytest.raises(ReportError, match=r"date: '1 June 2025' is not a quoted ISO date"):
        render_fixture(tmp_path, qmd, formats=("html",))


def test_missing_metadata_file_is_an_error(tmp_path):
    qmd = make_project(tmp_path / "project")
    (qmd.parent / "_generated" / "metadata.yml").unlink()
    with pytest.raises(ReportError, match=r"metadata-files: .*metadata\.yml does not exist .*make notebooks"):
        render_fixture(tmp_path, qmd, formats=("html",))


def test_figures_and_tables_are_numbered_in_document_order(page):
    figures = [c for c in page.captions if c.startswith("Figure")]
    tables = [c for c in page.captions if c.startswith("Table")]
    assert figures == ["Figure 1: A plot of *things*", "Figure 2: A second plot"]
    assert tables == ["Table 1: Hostile headlines", "Table 2: An authored table with a native caption", "Table 3: A wide table with eight columns"]
    # Region profiles repeat their labels: captioned, not numbered.
    assert "region-timeline of XX-AA" in page.captions and "region-summary of XX-BB" in page.captions


def test_cross_references_become_links(page, pdf_text):
    assert page.links["Figure 1"] == "#fig-plot"
    assert page.links["2"] == "#fig-second"  # [-@fig-second]: the number alone
    assert page.links["Figure 2"] == "#fig-second"  # @Fig-second
    assert page.links["Table 1"] == "#tbl-hostile"
    assert page.links["Table 2"] == "#tbl-authored"
    assert "The plot is Figure 1, the second plot 2, and the hostile table is Table 1." in pdf_text
    assert "Figure 1: A plot of *things*" in pdf_text and "Table 2: An authored table" in pdf_text


def test_repeated_region_labels_get_unique_ids(page):
    ids = page.ids()
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for code in ("XX-AA", "XX-BB"):
        assert f"region-summary-{code}" in ids and f"region-timeline-{code}" in ids


def test_callouts(built, page, pdf_text):
    assert page.count("div", "report-callout-warning") == 1 and page.count("div", "report-callout-note") == 1
    # Quarto reads a Div with a class `callout` or `callout-*` as a callout of its own
    # (classpredicates.lua, isCallout); the filter's output must not be read again.
    classes = {c for _, a in page.tags for c in (a.get("class") or "").split()}
    assert not [c for c in classes if c == "callout" or c.startswith("callout-")]
    typ = (built["work"] / "report.typ").read_text(encoding="utf-8")
    assert '#callout(kind: "warning", title: [Read with care])[' in typ
    assert "Read with care This callout refers to Figure 2." in page.plain
    assert "A titled note Note body with" in page.plain
    assert "Read with care" in pdf_text and "A titled note" in pdf_text


#: The Markdown Quarto writes for an embedded cell (src/core/jupyter/jupyter-embed.ts,
#: notebookMarkdown; the cell's Div from jupyter.ts), with the metadata papermill leaves.
QUARTO_EMBED = """
:::{.quarto-embed-nb-cell notebook="/home/analyst/monitor/build/notebooks/overview.ipynb" notebook-title="overview" notebook-cellId="cell-7"}

::: {#fig-x .cell papermill='{"exception":false,"status":"completed"}' tags='[]' execution_count=3 layout-ncol=2}
::: {.cell-output .cell-output-display}
Output text.
:::
:::

:::
"""


def test_embedded_cells_lose_notebook_paths_and_metadata(tmp_path):
    source = tmp_path / "embed.md"
    source.write_text(QUARTO_EMBED)
    lua = ROOT / "reports" / "assets" / "filters" / "embedded-cells.lua"

    def to_html(*filters: str) -> str:
        args = [render.pandoc_path(), str(source), "--to", "html5", *[a for f in filters for a in ("--lua-filter", f)]]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    assert 'data-notebook="/home/analyst' in to_html() and "data-papermill" in to_html()
    html = to_html(str(lua))
    assert "/home/analyst" not in html
    for attr in ("data-notebook", "data-papermill", "data-tags", "data-execution_count"):
        assert attr not in html, attr
    assert 'id="fig-x"' in html and 'data-layout-ncol="2"' in html  # Quarto's own cell options stay
    filters = preprocess.read_project(ROOT / "reports").filters
    assert lua in filters, "reports/_quarto.yml must run the filter at pre-ast"


def test_images_have_alternative_text(page):
    printed = [a.get("alt") for t, a in page.tags if t == "img" and "print-figure" in a.get("class", "")]
    phone = [a.get("alt") for t, a in page.tags if t == "img" and "phone-figure" in a.get("class", "")]
    assert printed[:2] == ["A plot of *things*", 'Alt text with "quotes", \\ and <b>']  # fig-alt when given, else the caption
    assert phone == printed  # the phone-sized drawing of each figure says the same
    assert all(printed) and len(printed) == 4


def test_math_is_mathml(page):
    assert page.count("math") == 1  # the authored $x^2$, and nothing from the data


# --------------------------------------------------------------------------------------
# Escaping of data text
# --------------------------------------------------------------------------------------


def test_hostile_text_is_literal_in_html(page):
    assert page.count("script") == 0, "text from the data became a <script> element"
    for text in HOSTILE:
        assert text in page.plain
    assert page.count("em") == 0 and page.count("strong") == 1  # the summary's one bold lead, written by the build


def test_hostile_text_is_literal_in_pdf(built, pdf_text):
    from pypdf import PdfReader

    for text in HOSTILE:
        assert text in pdf_text
    # '#set page(width: 1cm)' would have made pages 1 cm wide had typst run it.
    widths = {round(float(p.mediabox.width)) for p in PdfReader(str(built["pdf"])).pages}
    assert widths == {595}, f"page widths {widths} pt; A4 is 595 pt"


def test_unescaped_notebook_output_still_cannot_inject_markup(tmp_path):
    # Notebooks escape their tables; the renderer reads Markdown without raw HTML or raw
    # typst all the same, so a notebook that forgot cannot inject either.
    careless = "\n".join([
        "| headline |", "|:--|",
        "| <script>alert(2)</script> <img src=x onerror=alert(3)> |",
        "",
        "```{=typst}",
        "#set page(width: 1cm)",
        "```",
        "",
        "```{=html}",
        "<script>alert(4)</script>",
        "```",
    ])
    qmd = make_project(tmp_path / "project")
    write_notebook(tmp_path / "project" / "nb" / "demo.ipynb", [
        code_cell("fig-plot", "figure", "plot"), code_cell("fig-second", "figure", "second"),
        code_cell("tbl-hostile", "table", "Careless", payload=careless),
    ])
    out = render_fixture(tmp_path, qmd)
    page = ParsedHTML.of(out["html"])
    assert page.count("script") == 0
    assert page.count("img", "print-figure") == 4 and page.count("img") == 8  # the four figures (and their phone drawings), not the data's <img>
    assert "<script>alert(2)</script> <img src=x onerror=alert(3)>" in page.plain
    assert "#set page(width: 1cm)" in inspect.pdf_text(out["pdf"])
    from pypdf import PdfReader

    assert {round(float(p.mediabox.width)) for p in PdfReader(str(out["pdf"])).pages} == {595}


# --------------------------------------------------------------------------------------
# Determinism, browser, pages
# --------------------------------------------------------------------------------------


def test_two_builds_are_byte_identical(built, tmp_path):
    again = render_fixture(tmp_path, make_project(tmp_path / "project"))
    for fmt in ("html", "pdf"):
        assert hashlib.sha256(again[fmt].read_bytes()).hexdigest() == hashlib.sha256(built[fmt].read_bytes()).hexdigest(), fmt


def test_pdf_dates_come_from_the_data(built):
    from pypdf import PdfReader

    info = PdfReader(str(built["pdf"])).metadata
    assert info["/CreationDate"].startswith("D:20250601")
    assert info["/ModDate"].startswith("D:20250601")


@needs_chromium
@pytest.mark.browser
def test_chromium_sees_no_error_broken_image_or_request(built):
    seen = inspect.check_html(built["html"], screenshot=built["tmp"] / "screenshot.png")
    assert seen.problems == []
    assert seen.n_images == 8  # four figures, each drawn at the printed width and a phone's
    assert (built["tmp"] / "screenshot.png").stat().st_size > 0


@needs_chromium
@pytest.mark.browser
def test_chromium_check_catches_what_it_should(tmp_path):
    # The check itself must be able to fail: a page with each problem.
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png"><img src="https://example.org/x.png">'
        '<script>console.error("boom"); undefined_function();</script></body></html>'
    )
    seen = inspect.check_html(bad)
    assert seen.external_requests == [(tmp_path / "missing.png").as_uri(), "https://example.org/x.png"]
    assert len(seen.broken_images) == 2
    assert any("boom" in m for m in seen.console_errors)
    assert any("undefined_function" in m for m in seen.page_errors)


@needs_poppler
def test_pdf_pages_render_to_png(built):
    from PIL import Image

    out = built["tmp"] / "pages"
    out.mkdir()
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(built["pdf"]), str(out / "page")], check=True, capture_output=True)
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 2
    for p in pages:
        lo, hi = Image.open(p).convert("L").getextrema()
        assert lo < 128, f"{p.name} is blank"


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


def _edit_and_render(tmp_path: Path, old: str, new: str) -> None:
    qmd = make_project(tmp_path / "project")
    text = qmd.read_text()
    assert old in text
    qmd.write_text(text.replace(old, new))
    render_fixture(tmp_path, qmd, formats=("html",))


def test_unknown_cross_reference_is_an_error(tmp_path):
    with pytest.raises(ReportError, match=r"unknown cross-reference @fig-nope; labels in the report: fig-plot, fig-second, tbl-authored, tbl-hostile"):
        _edit_and_render(tmp_path, "the hostile table is @tbl-hostile", "the hostile table is @fig-nope")


def test_unknown_variable_names_the_variables(tmp_path):
    with pytest.raises(ReportError, match=r"\{\{< var incident >\}\}: no such variable.*data_date, incidents, nested, title_suffix"):
        _edit_and_render(tmp_path, "There were {{< var incidents >}}", "There were {{< var incident >}}")


def test_unsupported_shortcode_is_an_error(tmp_path):
    with pytest.raises(ReportError, match=r"does not support the 'meta' shortcode"):
        _edit_and_render(tmp_path, "There were", "{{< meta title >}} There were")


def test_missing_label_names_file_line_and_the_notebook_labels(tmp_path):
    with pytest.raises(ReportError, match=r"report\.qmd:17: \{\{< embed nb/demo\.ipynb#fig-plto >\}\}: .*demo\.ipynb: "
                       r"no cell labelled 'fig-plto' \(nor with that id or tag\); labels: fig-plot, tbl-hostile, fig-second, unused"):
        _edit_and_render(tmp_path, "demo.ipynb#fig-plot", "demo.ipynb#fig-plto")


def test_errors_in_an_included_file_name_that_file_and_line(tmp_path):
    qmd = make_project(tmp_path / "project")
    (qmd.parent / "_partial.qmd").write_text("First line.\n\nSecond {{< var nope >}}.\n")
    with pytest.raises(ReportError, match=r"_partial\.qmd:3: \{\{< var nope >\}\}: no such variable"):
        render_fixture(tmp_path, qmd, formats=("html",))


def test_embed_in_an_included_file_is_relative_to_the_main_document(tmp_path):
    # Quarto resolves an embed's path against the main document (jupyter-embed.ts,
    # resolveNbPath with the render target as input), wherever the shortcode was written.
    qmd = make_project(tmp_path / "project")
    (qmd.parent / "parts").mkdir()
    (qmd.parent / "parts" / "_embeds.qmd").write_text("{{< embed nb/demo.ipynb#unused >}}\n")
    qmd.write_text(qmd.read_text().replace("{{< include _partial.qmd >}}", "{{< include _partial.qmd >}}\n\n{{< include parts/_embeds.qmd >}}"))
    out = render_fixture(tmp_path, qmd, formats=("html",))
    assert "Never embedded" in ParsedHTML.of(out["html"]).captions


def test_missing_notebook_says_how_to_make_it(tmp_path):
    with pytest.raises(ReportError, match=r"absent\.ipynb does not exist: run `python -m analysis.notebooks`"):
        _edit_and_render(tmp_path, "nb/demo.ipynb#fig-plot", "nb/absent.ipynb#fig-plot")


def test_pdf_look_comes_from_the_template_partials(tmp_path):
    # The partials listed under format.typst.template-partials are what Quarto's template
    # includes; the built-in renderer must use the same files, not a copy of its own.
    qmd = make_project(tmp_path / "project")
    page = qmd.parent / "assets" / "typst" / "page.typ"
    page.write_text(page.read_text().replace("h(1fr)", "h(1fr); [Footer from the partial]; h(1fr)"))
    out = render_fixture(tmp_path, qmd, formats=("pdf",))
    assert "Footer from the partial" in inspect.pdf_text(out["pdf"])


def test_missing_template_partial_is_an_error(tmp_path):
    with pytest.raises(ReportError, match=r"template-partials lacks page\.typ: the built-in renderer has no defaults"):
        qmd = make_project(tmp_path / "project")
        config = qmd.parent / "_quarto.yml"
        config.write_text(config.read_text().replace("      - assets/typst/page.typ\n", ""))
        render_fixture(tmp_path, qmd, formats=("pdf",))


def test_failed_render_keeps_the_previous_output(tmp_path):
    qmd = make_project(tmp_path / "project")
    first = render_fixture(tmp_path, qmd, formats=("html",))["html"]
    before = first.read_bytes()
    qmd.write_text(qmd.read_text().replace("@tbl-hostile", "@tbl-gone"))
    with pytest.raises(ReportError):
        render_fixture(tmp_path, qmd, formats=("html",))
    assert first.read_bytes() == before
    assert [p.name for p in first.parent.iterdir()] == ["report.html"]


def test_table_columns_are_sized_by_their_text():
    from analysis.markdown import table

    df = pd.DataFrame({"id": ["INC-001", "INC-002"], "summary": ["Six men were detained and threatened " * 3, "Short."], "n": [6, 1]})
    rule = table(df).splitlines()[1]
    dashes = [len(part.strip(" :")) for part in rule.strip("|").split("|")]
    assert dashes[1] > 4 * dashes[0], rule  # the summaries get the room, not the ids
    assert table(df, widths={"summary": 5}).splitlines()[1] == "| :-------------- | :----------------------------------------------------------------------- | --------------: |"


def test_no_column_is_narrower_than_its_longest_word():
    # The ransom table's header printed as "incidentpurposewhen": a column of eight dashes
    # in a table of long conversion notes got less room than the word "incident".
    from analysis.markdown import LINE_CHARACTERS, column_widths

    df = pd.DataFrame({"incident": ["INC-011"], "purpose": ["ransom"], "when": ["2022-09-01 – 2022-09-10"],
                       "region": ["Chechen Republic"], "conversion basis": ["USD: Bank of Russia rate (60.3713 RUB/USD on 2022-09-05); " * 3]})
    widths = column_widths(df)
    total = sum(widths.values())
    for column, width in widths.items():
        longest = max(len(w) for w in [*column.split(), *" ".join(df[column].astype(str)).split()])
        # The share of the printed line each column gets, in characters.
        assert width / total * LINE_CHARACTERS >= min(longest, 40), (column, widths)
    assert widths["conversion basis"] == max(widths.values())


# --------------------------------------------------------------------------------------
# The data-driven pieces and the real report sources
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return frames()


@pytest.fixture(scope="module")
def real_sources_build(tmp_path_factory, tables) -> dict:
    """reports/ as it is in the repository, rendered against stand-in notebooks."""
    tmp = tmp_path_factory.mktemp("real-sources")
    reports = tmp / "reports"
    reports.mkdir()
    for p in ROOT.joinpath("reports").iterdir():
        if p.suffix in (".qmd", ".yml") and not p.name.startswith("_variables") or p.name == "assets":
            (shutil.copytree if p.is_dir() else shutil.copy)(p, reports / p.name)
    regions = aggregate.regions_with_incidents(tables["incidents"])
    write_stand_ins(tmp / "build" / "notebooks", regions)
    variables = generate.write_sources(
        tables["incidents"], tables["sources"], tables["amounts"], reports_dir=reports,
        region_notebooks_dir=tmp / "build" / "notebooks" / "regions", processed_dir=write_processed(tmp / "processed"),
    )
    out = render.render_builtin(qmd=reports / "report.qmd", output_dir=tmp / "output", work_dir=tmp / "work")
    return {"reports": reports, "variables": variables, "regions": regions, "work": tmp / "work", **out}


def test_generated_variables_are_the_key_figures(real_sources_build, tables):
    figures = aggregate.key_figures(tables["incidents"], tables["sources"], tables["amounts"])
    written = yaml.safe_load((real_sources_build["reports"] / "_variables.yml").read_text())
    assert written == real_sources_build["variables"]
    assert written["n_incidents"] == "12" and written["persons_best"] == "379"
    assert written["persons_range"] == "329–419+"  # an 'at least' figure leaves the top open
    for key, value in figures.items():
        assert written[key] == generate.format_value(value)
    assert written["data_date"] == "2025-06-01"
    assert written["claims_text"] == (
        "The figures of 2 incidents (INC-003, INC-004) are claims of a party to the conflict (A Ukrainian state agency); "
        "tables and charts mark them with *. Without them, 10 incidents and 29 / 79 / 89+ persons (low / best / high) remain.")
    # The report's date, edition and summary, for Quarto too: a metadata file, not shortcodes
    # in the front matter.
    metadata = yaml.safe_load((real_sources_build["reports"] / "_generated" / "metadata.yml").read_text())
    summary = metadata.pop("abstract")
    assert metadata == {"date": "2025-06-01", "edition": written["release_label"], "abstract-title": "Summary of findings"}
    assert summary.startswith("**What happened.** [4 sources](#sec-sources) describe 12 incidents")
    assert written["release_label"].startswith("Unreleased build") and "data cut-off" in written["release_label"]
    assert "date" not in preprocess.split_front_matter((real_sources_build["reports"] / "report.qmd").read_text())[0]


def test_generated_sources_are_escaped(real_sources_build):
    md = (real_sources_build["reports"] / "_generated" / "sources.md").read_text()
    assert "Headline with \\*markdown\\* and \\<tags\\>" in md
    assert "`" + "1" * 64 + "`" in md
    page = ParsedHTML.of(real_sources_build["html"])
    assert "Headline with *markdown* and <tags>" in page.plain and page.count("tags") == 0


def test_every_region_with_incidents_has_a_profile_section(real_sources_build):
    page = ParsedHTML.of(real_sources_build["html"])
    text = inspect.pdf_text(real_sources_build["pdf"])
    assert real_sources_build["regions"] == ["RU-CE", "RU-DA", "RU-MOW", "RU-NVS", "RU-VLA", "UA-23", "UA-65"]
    for code in real_sources_build["regions"]:
        assert f"sec-region-{code.lower()}" in page.ids()
        assert f"({code})" in text
    assert "Chechnya (RU-CE)" in text and "Kherson (UA-65)" in text


def test_real_report_has_its_sections_and_key_figures(real_sources_build):
    text = inspect.pdf_text(real_sources_build["pdf"])
    v = real_sources_build["variables"]
    for title in ("Summary of findings", "Key figures", "Where it happens", "Who is targeted and how", "Over time",
                  "Ransoms and payments", "Region profiles", "Methodology", "Limitations", "Appendix A: Codebook",
                  "Appendix B: Sources", "Appendix C: Reproducibility"):
        assert title in text, title
    assert f"The dataset holds {v['n_incidents']} incidents reported by {v['n_sources']} sources: recruitment into the war itself" in text
    assert f"Together the incidents concern {v['persons_range']} persons" in text
    assert f"dated from {v['period_start']} to {v['period_end']}; the data end with the latest source, published in {v['data_cutoff_text']}" in text
    assert v["claims_text"] in text


def test_the_summary_opens_the_report_above_the_contents(real_sources_build):
    from pypdf import PdfReader

    first = PdfReader(str(real_sources_build["pdf"])).pages[0].extract_text()
    first = " ".join(first.split())
    assert "Summary of findings" in first and "What happened." in first
    assert first.index("Summary of findings") < (first.index("Contents") if "Contents" in first else len(first))
    html = real_sources_build["html"].read_text(encoding="utf-8")
    assert html.index('class="abstract-title">Summary of findings') < html.index('<nav id="TOC"')


def test_the_summary_links_each_source_to_its_entry_in_the_appendix(real_sources_build):
    page = ParsedHTML.of(real_sources_build["html"])
    ids = set(page.ids())
    targets = {a["href"][1:] for t, a in page.tags if t == "a" and a.get("href", "").startswith("#src-")}
    assert targets and targets <= ids, targets - ids
    # The PDF has the same links: typst fails on a link to a label that does not exist.
    typ = (real_sources_build["work"] / "report.typ").read_text(encoding="utf-8")
    for target in targets:
        assert f"#link(<{target}>)" in typ and f"<{target}>" in typ.replace(f"#link(<{target}>)", "")


def test_contents_have_one_heading(real_sources_build):
    # toc-title in _quarto.yml names the contents in both outputs, once (Quarto would add
    # its own "Table of contents" if it were not set).
    html = real_sources_build["html"].read_text(encoding="utf-8")
    assert html.count('<h2 id="toc-title">Contents</h2>') == 1 and "Table of contents" not in html
    assert 'content: "Contents"' not in html
    text = inspect.pdf_text(real_sources_build["pdf"])
    assert text.count("Contents") == 1 and "Table of contents" not in text


def test_stamp_names_commit_and_dataset(real_sources_build):
    stamp = (real_sources_build["reports"] / "_generated" / "stamp.md").read_text()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert commit and f"`{commit}`" in stamp
    n_files = 2 * len(codebook.TABLES)  # each table as CSV and Parquet
    assert re.search(rf"SHA-256 of {n_files} files of `data/processed/` \(no MANIFEST\), hashed in sorted order:\\\n  `[0-9a-f]{{64}}`", stamp)
    assert "| typst | " in stamp and "| Python | " in stamp


def test_dataset_hash_prefers_the_manifest(tmp_path):
    (tmp_path / "incidents.csv").write_text("a\n")
    digest, what = generate.dataset_hash(tmp_path)
    assert "hashed in sorted order" in what
    (tmp_path / "MANIFEST").write_text("x  incidents.csv\n")
    assert generate.dataset_hash(tmp_path) == (hashlib.sha256(b"x  incidents.csv\n").hexdigest(), "`MANIFEST` of `data/processed/`")


def test_missing_region_profile_is_an_error(tmp_path, tables):
    write_stand_ins(tmp_path / "notebooks", ["RU-CE"])
    with pytest.raises(ReportError, match=r"no region profile for RU-DA, RU-MOW, RU-NVS, RU-VLA, UA-23, UA-65"):
        generate.regions_markdown(tables["incidents"], tmp_path / "notebooks" / "regions")


def test_report_prose_types_no_number():
    # Every figure comes from a variable or an embedded output; standard names and the
    # articles of treaties excepted.
    allowed = re.compile(r"SHA-256|ISO 3166-2|ISO 639-1|Article \d+(?:\(\w+\))*")
    for qmd in sorted(ROOT.joinpath("reports").glob("*.qmd")):
        text = re.sub(r"\{\{\{?<.*?>\}\}\}?", "", qmd.read_text(), flags=re.S)
        text = allowed.sub("", text)
        for n, line in enumerate(text.splitlines(), 1):
            assert not re.search(r"\d", line), f"{qmd.name}:{n}: a number typed by hand: {line.strip()}"
