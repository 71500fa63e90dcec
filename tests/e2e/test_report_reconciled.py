"""Every table the built report embeds, and its summary, against the counting package.

The report's tables are the Markdown outputs of the executed notebooks (build/notebooks/);
each is read back as a reader sees it and compared with what analysis.aggregate computes
from the processed data now: column sums against stated totals, row labels and figures
against the aggregation tables, "count unknown" never printed as 0, the summary's numbers
against the key figures. These hold for any valid dataset; the fixture tests pin numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import aggregate, config, display, load
from analysis.report import embed, inspect, summary
from analysis.notebooks import notebook_dir
from fixtures.report.build import pipe_table

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report-built")]

NOTEBOOKS = notebook_dir(False)
HTML = Path(config.REPORT_OUTPUT_DIR) / "report.html"
PDF = Path(config.REPORT_OUTPUT_DIR) / "report.pdf"
needs_build = pytest.mark.needs(HTML.exists() and (NOTEBOOKS / "overview.ipynb").exists(),
                                "the report built: run `make report` first (make test does)")
PERSONS = ["persons low", "persons best", "persons high"]


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return load.analysis_tables()


@pytest.fixture(scope="module")
def figures(data) -> dict:
    return aggregate.key_figures(data["incidents"], data["sources"], data["amounts"])


def embedded(notebook: str, label: str) -> pd.DataFrame:
    """The table a labelled cell embeds, as printed."""
    out = embed.read_embed(NOTEBOOKS / notebook, label, "test")
    assert out.kind == "table", f"{notebook}#{label} is not a table"
    return pipe_table(out.markdown)


def number(text: str) -> float:
    """A printed figure as a number: '1,500' -> 1500, '300*' -> 300, '419+' -> 419."""
    return float(re.sub(r"[^0-9.]", "", text))


def assert_unknown_is_never_zero(table: pd.DataFrame, where: str) -> None:
    if "of which count unknown" not in table:
        return
    for _, row in table.iterrows():
        if int(row["incidents"]) > 0 and row["incidents"] == row["of which count unknown"]:
            cells = [row[c] for c in PERSONS]
            assert cells == [display.NO_NUMBER, display.COUNT_UNKNOWN, display.NO_NUMBER], f"{where}: {row.to_dict()}"


@needs_build
def test_the_period_tables_best_column_adds_up_to_the_total(figures):
    table = embedded("time_trends.ipynb", "tbl-trend")
    assert table["period"].iloc[-1] == aggregate.UNDATED or figures["n_incidents_undated"] == 0
    best = [number(v) for v in table["persons best"] if v != display.COUNT_UNKNOWN]
    # Fractional bests are printed to one decimal: the sum may differ by half a tenth a row.
    assert abs(sum(best) - figures["persons_best"]) <= 0.05 * len(best) + 1e-9, (sum(best), figures["persons_best"])
    assert_unknown_is_never_zero(table, "tbl-trend")


@needs_build
@pytest.mark.parametrize(("label", "column", "count"), [
    ("tbl-groups", "victim group", aggregate.by_victim_group),
    ("tbl-perpetrators", "perpetrator", aggregate.by_perpetrator),
])
def test_category_tables_match_the_aggregation_row_by_row(data, label, column, count):
    table = embedded("victim_groups.ipynb", label)
    expected = count(data["incidents"])
    assert list(table[column]) == [display.category_label(v) for v in expected.iloc[:, 0]]
    assert [int(v) for v in table["incidents"]] == expected["n_incidents"].tolist()
    assert [int(v) for v in table["of which count unknown"]] == expected["n_count_unknown"].tolist()
    assert [list(display.persons_cells(r)) for _, r in expected.iterrows()] == table[PERSONS].values.tolist()
    assert_unknown_is_never_zero(table, label)
    # Categories are not exclusive: the rows add up to the totals at least.
    assert table["incidents"].astype(int).sum() >= aggregate.totals(data["incidents"])["n_incidents"]


@needs_build
def test_the_key_figures_table_states_the_key_figures(figures):
    table = embedded("overview.ipynb", "tbl-key-figures").set_index("figure")["value"]
    assert table["Incidents"] == f"{figures['n_incidents']:,}"
    assert table["Persons affected (low / best / high)"] == display.bounds_label(
        figures["persons_low"], figures["persons_best"], figures["persons_high"], figures["persons_high_open"])
    assert table["Incidents resting on a single source"] == f"{figures['n_incidents_single_source']:,}"
    assert table["Data cut-off (publication of the latest source)"] == figures["data_cutoff"]
    sent = table["Persons reported sent to war (low / best / high)"]
    assert sent == (display.COUNT_UNKNOWN if not figures["n_incidents_sent_to_war"] else display.bounds_label(
        figures["sent_to_war_low"], figures["sent_to_war_best"], figures["sent_to_war_high"], figures["sent_to_war_high_open"]))


@needs_build
def test_incidents_no_chart_can_place_are_listed_apart(data):
    table = embedded("overview.ipynb", "tbl-unplaced")
    ids = aggregate.unplaced(data["incidents"])["incident_id"].tolist()
    if ids:
        assert table["id"].tolist() == ids
    else:
        assert list(table.columns) == ["none"]


@needs_build
def test_each_region_profile_matches_the_regions_figures(data):
    for code in aggregate.regions_with_incidents(data["incidents"]):
        out = embed.read_embed(NOTEBOOKS / "regions" / f"{code}.ipynb", "region-summary", "test")
        table = pipe_table(out.markdown).set_index("figure")["value"]
        f = aggregate.region_figures(data["incidents"], code)
        assert table["Incidents"] == f"{f['n_incidents']:,}", code
        persons = table["Persons affected (low / best / high)"]
        if f["n_incidents"] and not f["has_count"]:
            assert persons.startswith(display.COUNT_UNKNOWN), (code, persons)  # never 0 / 0 / 0
        else:
            assert persons == display.bounds_label(f["persons_low"], f["persons_best"], f["persons_high"], f["high_open"]), code


@needs_build
def test_no_table_prints_an_unknown_count_as_zero():
    for notebook in sorted(NOTEBOOKS.rglob("*.ipynb")):
        import nbformat

        for cell in nbformat.read(notebook, as_version=4).cells:
            for out in cell.get("outputs", []):
                md = out.get("data", {}).get("text/markdown")
                if md and str(md).lstrip().startswith("|"):
                    assert_unknown_is_never_zero(pipe_table("".join(md)), f"{notebook.name}")


@needs_build
def test_the_summary_states_the_aggregations_numbers(data, figures):
    text = " ".join(inspect.pdf_text(PDF).split())
    found = {f.key: f for f in summary.findings(data["incidents"], data["sources"], data["amounts"])}
    # Against the counting package directly, not the summary's own numbers.
    assert found["happened"].numbers["persons_best"] == aggregate.totals(data["incidents"])["persons_best"]
    assert found["happened"].numbers["sent_to_war_best"] == aggregate.totals(data["incidents"], stem="sent_to_war")["persons_best"]
    n = figures["n_incidents"]
    assert f"describe {n:,} incident{'s' if n != 1 else ''}" in text
    if figures["n_incidents"] > figures["n_incidents_count_unknown"]:
        assert f"concern {figures['persons_best']:,} person" in text
    if figures["n_incidents_claimed_by_party"]:
        assert f"They account for {figures['persons_best_claimed']:,} of the {figures['persons_best']:,} persons" in text
        assert f"Without them the data hold {figures['n_incidents_without_claims']:,} incident" in text
    single = figures["n_incidents_single_source"]
    assert (f"All {n:,} incidents rest on a single source" in text) if single == n else (f"{single:,} of the {n:,} incidents" in text)
    recruit = int(summary.is_recruitment(aggregate.incidents_only(data["incidents"])).sum())
    assert f"The count of {n:,} incident" in text and (f"{recruit:,} of them" in text or recruit == 0)
