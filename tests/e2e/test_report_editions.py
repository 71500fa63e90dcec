"""The two built editions of the report: the full one and the one without the claims of
parties to the conflict (`make report EXCLUDE_PARTY_CLAIMS=1`), each as its readers meet
it on page one, on a phone and on paper; and make doing nothing the second time.

`make test` builds both editions first; these tests hold for any valid dataset.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis import aggregate, config, load
from analysis.report import generate, inspect
from fixtures import needs
from fixtures.report.build import ROOT, ParsedHTML

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report-built")]

OUT = Path(config.REPORT_OUTPUT_DIR)
EDITIONS = {
    "full": (OUT / "report.html", OUT / "report.pdf"),
    "without-claims": (OUT / "report-without-claims.html", OUT / "report-without-claims.pdf"),
}
BUILT = all(p.exists() for pair in EDITIONS.values() for p in pair)
needs_build = pytest.mark.needs(BUILT, "both editions built: `make report` and `make report EXCLUDE_PARTY_CLAIMS=1` (make test does)")
MIN_TYPE = 7.0


@pytest.fixture(scope="module")
def data() -> dict:
    return load.analysis_tables()


@pytest.fixture(scope="module")
def without(data) -> dict:
    events = aggregate.without_party_claims(data["incidents"])
    return {"incidents": events, "sources": data["sources"], "amounts": aggregate.amounts_without_party_claims(data["amounts"], events)}


def first_page(pdf: Path) -> str:
    return " ".join((PdfReader(str(pdf)).pages[0].extract_text() or "").split())


def plain(html: Path) -> str:
    return ParsedHTML.of(html).plain


# --------------------------------------------------------------------------------------
# Page one
# --------------------------------------------------------------------------------------


@needs_build
@pytest.mark.parametrize("edition", EDITIONS)
def test_page_one_opens_with_the_summary_of_findings(edition):
    html, pdf = EDITIONS[edition]
    page = first_page(pdf)
    assert "Summary of findings" in page and "What happened." in page
    assert "The largest incidents." in page or "No source gives a number of persons" in page
    text = html.read_text(encoding="utf-8")
    assert text.index("Summary of findings") < text.index('<nav id="TOC"')


@needs_build
def test_page_one_of_the_edition_without_claims_says_so(data):
    html, pdf = EDITIONS["without-claims"]
    dropped = sorted(data["incidents"].loc[data["incidents"]["claimed_by_party"].fillna(False).astype(bool), "incident_id"])
    for text in (first_page(pdf), plain(html)):
        assert generate.WITHOUT_CLAIMS_EDITION in text
        assert "Without the claims of parties to the conflict. Every figure of this edition" in text
        assert f"leaves out the {len(dropped):,} event{'s' if len(dropped) != 1 else ''} whose figures are claims" in text
    assert generate.WITHOUT_CLAIMS_EDITION not in first_page(EDITIONS["full"][1])


@needs_build
def test_the_edition_without_claims_is_computed_without_them(data, without):
    html, pdf = EDITIONS["without-claims"]
    text = " ".join(inspect.pdf_text(pdf).split())
    rest = aggregate.key_figures(without["incidents"], without["sources"], without["amounts"])
    assert f"The dataset holds {rest['n_incidents']} incidents reported by" in text
    if rest["n_incidents"] > rest["n_incidents_count_unknown"]:
        assert f"concern {rest['persons_best']:,} person" in text
    # Its variables, tables and region profiles are those of the notebooks without claims.
    variables = generate.report_variables(rest, data["incidents"])
    assert f"best estimate {variables['persons_best']}) in {variables['n_regions']} regions" in text
    assert "excluded from every figure" in text  # the key figures table of the notebooks without claims
    claimed = aggregate.incidents_only(data["incidents"])
    claimed = claimed.loc[claimed["claimed_by_party"].fillna(False).astype(bool), "incident_id"]
    body = plain(html)
    for incident_id in claimed:
        # Named only where the edition says what it leaves out.
        mentions = len(re.findall(rf"\b{incident_id}\b", body))
        assert mentions <= 2, f"{incident_id} appears {mentions} times in the edition without claims"


@needs_build
def test_both_editions_state_the_claims_where_figures_appear(data):
    full = plain(EDITIONS["full"][0])
    if not aggregate.incidents_only(data["incidents"])["claimed_by_party"].fillna(False).any():
        # No figure rests on a claim: neither edition speaks of claims in the figures.
        assert "Includes figures claimed by a party to the conflict" not in full
        assert "Claims of parties to the conflict. The figures of" not in full
        return
    assert "Claims of parties to the conflict. The figures of" in full
    assert generate.claims_text(data["incidents"], aggregate.key_figures(data["incidents"], data["sources"], data["amounts"])) in full
    assert "Includes figures claimed by a party to the conflict" in full  # the tables' notes
    assert "Claims of parties to the conflict. The figures of" not in plain(EDITIONS["without-claims"][0])


# --------------------------------------------------------------------------------------
# Screens and paper, both editions
# --------------------------------------------------------------------------------------


@needs_build
@pytest.mark.browser
@needs.chromium
@pytest.mark.parametrize("edition", EDITIONS)
def test_phone_and_desktop_never_scroll_sideways(edition, tmp_path):
    seen = inspect.check_html(EDITIONS[edition][0], screenshot=tmp_path / f"{edition}.png")
    for width in inspect.SCREEN_WIDTHS:
        assert seen.screens[width].document_width <= width, seen.screens[width].too_wide
        assert seen.screens[width].screenshot.stat().st_size > 0
    assert seen.problems == []


@needs_build
@pytest.mark.parametrize("edition", EDITIONS)
def test_no_text_under_seven_points_and_images_described(edition):
    html, pdf = EDITIONS[edition]
    small = [r for r in inspect.pdf_text_sizes(pdf) if r[0] < MIN_TYPE]
    assert small == [], small[:5]
    page = ParsedHTML.of(html)
    printed = [a.get("alt", "") for t, a in page.tags if t == "img" and "print-figure" in (a.get("class") or "")]
    assert printed and all(printed)
    assert len(set(printed)) == len(printed), "two figures share an alternative text"
    assert inspect.pdf_image_descriptions(pdf) == printed


@needs_build
@pytest.mark.parametrize("edition", EDITIONS)
def test_headings_come_in_order(edition):
    html, pdf = EDITIONS[edition]
    page = ParsedHTML.of(html)
    levels = [int(t[1]) for t, _ in page.tags if len(t) == 2 and t[0] == "h" and t[1].isdigit()]
    assert [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1] == []
    outline = [level for level, _ in inspect.pdf_outline(pdf)]
    assert outline[0] == 1 and [(a, b) for a, b in zip(outline, outline[1:]) if b > a + 1] == []


@needs_build
@pytest.mark.parametrize("edition", EDITIONS)
def test_no_duplicate_ids(edition):
    ids = ParsedHTML.of(EDITIONS[edition][0]).ids()
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# --------------------------------------------------------------------------------------
# make
# --------------------------------------------------------------------------------------


@needs_build
@pytest.mark.parametrize("args", [[], ["EXCLUDE_PARTY_CLAIMS=1"]])
def test_a_second_make_report_does_nothing(args):
    # Targets are files with real prerequisites: with nothing changed, nothing is rebuilt.
    outputs = EDITIONS["without-claims" if args else "full"]
    subprocess.run(["make", "--no-print-directory", "report", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                   env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}, timeout=900)
    before = [p.stat().st_mtime_ns for p in outputs]
    done = subprocess.run(["make", "--no-print-directory", "report", *args], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"}, timeout=900)
    assert "analysis.report" not in done.stdout and "analysis.notebooks" not in done.stdout, done.stdout
    assert [p.stat().st_mtime_ns for p in outputs] == before
    assert "up to date" in done.stdout
