"""The built report (reports/output/report.html and report.pdf from `make report`).

Each figure the report states up front must equal what analysis.aggregate computes from
the processed data now; every section and every region with incidents must be there; the
HTML must open in Chromium without an error, a broken image or a request for anything
outside the file. CI builds the report first; without it these tests are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from analysis import aggregate, config, load
from analysis.report import generate, inspect
from fixtures import needs

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report-built")]

HTML = Path(config.REPORT_OUTPUT_DIR) / "report.html"
PDF = Path(config.REPORT_OUTPUT_DIR) / "report.pdf"
BUILT = HTML.exists() and PDF.exists()
needs_build = pytest.mark.needs(BUILT, f"the report built ({HTML} or {PDF} is missing): run `make report` first (make test does)")

SECTIONS = (
    "Key figures", "What the law says", "Where it happens", "Who is targeted and how", "Over time", "Ransoms and payments",
    "Region profiles", "Methodology", "How reports are coded", "Counting rules", "Dates",
    "Places and occupied territories", "Money", "What is never published", "Limitations",
    "Appendix A: Codebook", "Appendix B: Sources", "Appendix C: Reproducibility",
)
#: Labels the report embeds from the overview notebooks; each becomes an element id.
EMBEDDED_IDS = (
    "tbl-key-figures", "fig-map", "fig-flows", "fig-timeline", "fig-groups", "fig-coercion", "tbl-groups",
    "tbl-perpetrators", "fig-trend", "tbl-trend", "tbl-ransoms", "fig-ransoms",
)


@pytest.fixture(scope="module")
def data() -> dict:
    return {"incidents": load.load_incidents(), "sources": load.load_sources(), "amounts": load.load_amounts()}


@pytest.fixture(scope="module")
def expected(data) -> dict[str, str]:
    """The variables the report should print, recomputed from the processed data."""
    from analysis.release import current_release

    figures = aggregate.key_figures(data["incidents"], data["sources"], data["amounts"])
    return {**generate.report_variables(figures, data["incidents"]), **current_release().variables(),
            "claims_text": generate.claims_text(data["incidents"], figures)}


@pytest.fixture(scope="module")
def text() -> str:
    return inspect.pdf_text(PDF)


@pytest.fixture(scope="module")
def html() -> str:
    return HTML.read_text(encoding="utf-8")


@needs_build
def test_key_figures_in_the_pdf_are_computed_from_the_data(expected, text):
    v = expected
    assert f"The dataset holds {v['n_incidents']} incidents reported by {v['n_sources']} sources: recruitment into the war itself" in text
    assert f"Together the incidents concern {v['persons_range']} persons" in text
    assert f"best estimate {v['persons_best']}) in {v['n_regions']} regions" in text
    assert f"dated from {v['period_start']} to {v['period_end']}; the data end with the latest source, published in {v['data_cutoff_text']}" in text
    assert f"For {v['n_incidents_count_unknown']} incidents the sources give no number" in text
    assert v["claims_text"] in text


@needs_build
def test_variables_file_matches_the_data(expected):
    # The report was rendered from _variables.yml; stale variables would print old figures.
    written = yaml.safe_load((config.REPORTS_DIR / "_variables.yml").read_text(encoding="utf-8"))
    assert written == expected


@needs_build
def test_section_titles_appear(text, html):
    for title in SECTIONS:
        assert title in text, f"PDF lacks section {title!r}"
        assert f">{title}</h" in html, f"HTML lacks section {title!r}"


@needs_build
def test_every_embedded_output_is_there(html):
    for element_id in EMBEDDED_IDS:
        assert f'id="{element_id}"' in html, element_id


@needs_build
def test_every_region_with_incidents_has_a_profile(data, text, html):
    regions = aggregate.regions_with_incidents(data["incidents"])
    assert regions, "the data have no region with incidents"
    names = generate.region_names(data["incidents"])
    builtin = "Renderer: built-in" in text  # Quarto keeps the repeated labels as ids
    for code in regions:
        assert f'id="sec-region-{code.lower()}"' in html, f"no profile section for {code}"
        assert f"{names.get(code, '')} ({code})".strip() in text
        for label in ("region-summary", "region-timeline", "region-incidents") if builtin else ():
            assert f'id="{label}-{code}"' in html, f"profile of {code} lacks {label}"


@needs_build
def test_sources_appendix_lists_every_source_with_its_hash(data, text, html):
    compact = text.replace(" ", "")  # a hash may wrap
    for row in data["sources"].itertuples():
        assert row.source_id in compact, f"source {row.source_id} missing"
        assert row.sha256 in compact, f"hash of {row.source_id} missing"
        assert f'id="src-{row.source_id}"' in html, f"no anchor for {row.source_id}"


@needs_build
def test_stamp_names_the_dataset(text):
    digest, _ = generate.dataset_hash()
    assert digest in text.replace(" ", "")
    assert re.search(r"Git commit: [0-9a-f]{40}", text)


@needs_build
def test_pdf_is_dated_by_the_data(expected):
    from pypdf import PdfReader

    info = PdfReader(str(PDF)).metadata
    assert info["/CreationDate"].startswith("D:" + expected["data_date"].replace("-", ""))


@needs_build
def test_html_has_no_script_and_no_external_reference(html):
    # Links to the sources are fine (a reader follows them); nothing may be loaded from outside.
    assert "<script" not in html
    assert re.findall(r'<(?:img|link|iframe|source|video|audio|embed|object)\b[^>]*(?:src|href|data)="(?!data:|#)', html) == []
    assert re.findall(r"url\((?!['\"]?data:)", html) == []


@needs_build
@pytest.mark.browser
@needs.chromium
def test_chromium_opens_the_report_cleanly(tmp_path):
    # No error, broken image or request; no repeated id; at 390 and 1280 px the page
    # never scrolls sideways (inspect.check_html reports each as a problem).
    seen = inspect.check_html(HTML, screenshot=tmp_path / "report.png")
    assert seen.problems == []
    assert seen.n_images >= 5  # map, flows, timeline, breakdowns, trend, ... all loaded
    assert len(seen.element_ids) == len(set(seen.element_ids)), "duplicate element ids"
    assert {cls for cls, _, _ in seen.screens[390].images} == {"phone-figure"}
    assert {cls for cls, _, _ in seen.screens[1280].images} == {"print-figure"}
