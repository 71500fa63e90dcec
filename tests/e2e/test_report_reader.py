"""The fixture report as its readers meet it: on a phone and a desktop screen, on paper, and
through assistive technology.

At 390 and 1280 CSS pixels the page never scrolls sideways, figures are served at the
width drawn for the screen, tables scroll in a box of their own or reflow; ids are unique;
headings come in order in the HTML and the PDF's outline; each image carries its
alternative text in the HTML and the PDF; no text is printed under 7 pt and no image is
shrunk. The same checks run on the built report in test_report.py.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from analysis.report import inspect, render
from fixtures import needs
from fixtures.report.build import ROOT, ParsedHTML, make_project, render_fixture
from fixtures.report.stand_in import DPI, PHONE_SIZE, code_cell, write_notebook

pytestmark = pytest.mark.xdist_group("report-reader")

#: The smallest type the report may print (points).
MIN_TYPE = 7.0


needs_chromium = needs.chromium
needs_poppler = needs.poppler("pdfimages")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("reader-build")
    out = render_fixture(tmp, make_project(tmp / "project"))
    return {**out, "work": tmp / "work", "tmp": tmp}


@pytest.fixture(scope="module")
def page(built) -> ParsedHTML:
    return ParsedHTML.of(built["html"])


@pytest.fixture(scope="module")
def seen(built) -> inspect.BrowserReport:
    if not needs.has_chromium():
        pytest.fail(f"needs playwright and Chromium at {inspect.CHROMIUM} (Debian: apt-get install chromium)")
    return inspect.check_html(built["html"], screenshot=built["tmp"] / "screen.png")


# --------------------------------------------------------------------------------------
# Screens
# --------------------------------------------------------------------------------------


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("width", inspect.SCREEN_WIDTHS)
def test_the_page_never_scrolls_sideways(seen, width):
    screen = seen.screens[width]
    assert screen.document_width <= width, screen.too_wide
    assert screen.screenshot is not None and screen.screenshot.stat().st_size > 0


@needs_chromium
@pytest.mark.browser
def test_figures_are_drawn_for_the_screen(seen):
    phone_px = round(PHONE_SIZE[0] * DPI)
    # On a phone each figure is its phone drawing, on a desktop its printed one; never both.
    assert {cls for cls, _, _ in seen.screens[390].images} == {"phone-figure"}
    assert {cls for cls, _, _ in seen.screens[1280].images} == {"print-figure"}
    assert len(seen.screens[390].images) == len(seen.screens[1280].images) == 4
    assert all(natural == phone_px for _, _, natural in seen.screens[390].images)


@needs_chromium
@pytest.mark.browser
def test_the_check_sees_a_page_that_scrolls_sideways_and_repeated_ids(tmp_path):
    wide = tmp_path / "wide.html"
    wide.write_text('<!DOCTYPE html><html><body><p id="a" style="width: 600px">wide</p><p id="a">again</p></body></html>')
    report = inspect.check_html(wide, widths=(390,))
    assert report.screens[390].document_width > 390
    assert any("at 390 px the page is" in p and "p#a" in p for p in report.problems)
    assert "duplicate element id: a" in report.problems


def test_each_table_scrolls_in_a_box_of_its_own(page):
    tables = page.count("table")
    boxes = [a for t, a in page.tags if t == "div" and "table-scroll" in (a.get("class") or "").split()]
    assert tables == 5 and len(boxes) == tables  # hostile, two region summaries, authored, wide
    for box in boxes:
        assert box.get("role") == "region" and box.get("tabindex") == "0" and box.get("aria-label", "").startswith("Table")


def test_tables_of_many_columns_reflow_on_a_phone(page):
    reflowing = [a for t, a in page.tags if t == "table" and "reflow" in (a.get("class") or "").split()]
    assert [a.get("id") for a in reflowing] == ["tbl-wide"]
    labels = [a.get("data-label") for t, a in page.tags if t == "td" and a.get("data-label")]
    assert labels == ["identifier", "a long column header", "amount (original)", "converted to roubles", "converted to dollars",
                      "conversion basis", "region", "summary"]


@needs_chromium
@pytest.mark.browser
def test_a_reflowed_row_reads_as_column_and_value_on_a_phone(built):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=inspect.CHROMIUM, args=list(inspect.CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(built["html"].resolve().as_uri())
            cell = page.locator("#tbl-wide td").first
            before = cell.evaluate("e => getComputedStyle(e, '::before').content")
            box = cell.bounding_box()
        finally:
            browser.close()
    assert before == '"identifier: "' and box["width"] > 300  # a line of its own, the width of the screen


# --------------------------------------------------------------------------------------
# Ids, headings, alternative text
# --------------------------------------------------------------------------------------


def test_no_two_elements_share_an_id(page):
    ids = page.ids()
    assert ids and len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def heading_levels(page: ParsedHTML) -> list[int]:
    return [int(t[1]) for t, _ in page.tags if len(t) == 2 and t[0] == "h" and t[1].isdigit()]


def skipped(levels: list[int]) -> list[tuple[int, int]]:
    """Pairs of consecutive headings where the second goes down more than one level."""
    return [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]


def test_headings_come_in_order(built, page):
    levels = heading_levels(page)
    assert levels[0] == 1 and skipped(levels) == [], levels
    outline = [level for level, _ in inspect.pdf_outline(built["pdf"])]
    assert outline and outline[0] == 1 and skipped(outline) == [], outline


def test_every_image_carries_its_alternative_text_in_the_html_and_the_pdf(built, page):
    printed = [a["alt"] for t, a in page.tags if t == "img" and "print-figure" in a.get("class", "")]
    assert len(printed) == 4 and all(printed)
    assert inspect.pdf_image_descriptions(built["pdf"]) == printed
    typ = (built["work"] / "report.typ").read_text(encoding="utf-8")
    assert '#box(image("media/nb-demo-fig-second.png", alt: "Alt text with \\"quotes\\", \\\\ and <b>"))' in typ


# --------------------------------------------------------------------------------------
# Paper
# --------------------------------------------------------------------------------------


def test_no_text_is_printed_under_seven_points(built):
    runs = inspect.pdf_text_sizes(built["pdf"])
    small = [r for r in runs if r[0] < MIN_TYPE]
    assert runs and small == [], small[:5]


@needs_poppler
def test_images_are_printed_at_the_size_they_were_drawn(built):
    # A chart drawn at the printed width keeps its 7-pt text only if it is not shrunk.
    from PIL import Image

    listing = subprocess.run(["pdfimages", "-list", str(built["pdf"])], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.split()[2] == "image"]
    dpis = {Image.open(p).size: Image.open(p).info["dpi"][0] for p in (built["work"] / "media").glob("*.png")}
    assert rows
    for row in rows:
        size, x_ppi = (int(row[3]), int(row[4])), float(row[12])
        assert abs(x_ppi - dpis[size]) <= 1, f"an image of {size} px drawn at {dpis[size]} dpi is printed at {x_ppi} ppi"


# --------------------------------------------------------------------------------------
# Quarto's embeds, through the same filter
# --------------------------------------------------------------------------------------


#: The Markdown Quarto writes for a region profile's embedded figure and table
#: (jupyter-embed.ts, notebookMarkdown; jupyter.ts, the cell's Div), for two regions.
QUARTO_REGIONS = """
:::{{.quarto-embed-nb-cell notebook="{nb}/regions/XX-{code}.ipynb" notebook-title="profile" notebook-cellId="cell-region-timeline"}}

::: {{#region-timeline .cell papermill='{{"status":"completed"}}' execution_count=4}}
::: {{.cell-output .cell-output-display}}
![Timeline of the region](timeline.png){{fig-alt="Timeline of {code}"}}
:::
:::

:::
"""


def test_quarto_embeds_get_unique_ids_and_phone_figures(tmp_path):
    nb = tmp_path / "nb"
    for code in ("AA", "BB"):
        write_notebook(nb / "regions" / f"XX-{code}.ipynb", [code_cell("region-timeline", "figure", "Timeline of the region")])
    source = tmp_path / "embed.md"
    source.write_text("".join(QUARTO_REGIONS.format(nb=nb, code=code) for code in ("AA", "BB")))
    lua = ROOT / "reports" / "assets" / "filters" / "embedded-cells.lua"
    html = subprocess.run([render.pandoc_path(), str(source), "--to", "html5", "--lua-filter", str(lua)],
                          capture_output=True, text=True, check=True).stdout
    page = ParsedHTML()
    page.feed(html)
    assert "region-timeline-XX-AA" in page.ids() and "region-timeline-XX-BB" in page.ids()
    assert len(page.ids()) == len(set(page.ids()))
    phones = [a for t, a in page.tags if t == "img" and "phone-figure" in a.get("class", "")]
    assert len(phones) == 2 and all(a["src"].startswith("data:image/png;base64,") for a in phones)
    from PIL import Image
    import io

    width = Image.open(io.BytesIO(base64.b64decode(phones[0]["src"].split(",", 1)[1]))).size[0]
    assert width == round(PHONE_SIZE[0] * DPI)
    assert [a.get("data-fig-alt") for a in phones] == ["Timeline of AA", "Timeline of BB"]
    assert str(tmp_path) not in html and "data-papermill" not in html
    typst = subprocess.run([render.pandoc_path(), str(source), "--to", "typst", "--lua-filter", str(lua)],
                           capture_output=True, text=True, check=True).stdout
    assert "base64" not in typst  # the PDF has its printed figures only
