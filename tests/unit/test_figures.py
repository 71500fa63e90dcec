"""Figures: each function runs on the fixture and the real data, carries a source line, and the map draws Crimea as Ukraine."""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from analysis import figures as F
from analysis import load

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _house_style_and_cleanup():
    F.use_house_style()
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def regions():
    return load.load_regions()


@pytest.fixture(scope="module")
def countries():
    return load.load_countries()


def figure_calls(t, regions, countries):
    inc, src, amounts = t["incidents"], t["sources"], t["amounts"]
    return {
        "region_map": lambda: F.region_map(inc, src, regions=regions, countries=countries),
        "region_map_full_incidents": lambda: F.region_map(inc, src, value="incidents", extent="full", regions=regions, countries=countries),
        "flow_map": lambda: F.flow_map(inc, src, regions=regions, countries=countries),
        "timeline": lambda: F.timeline(inc, src),
        "groups": lambda: F.category_bars(inc, src, "victim_group"),
        "coercion": lambda: F.category_bars(inc, src, "coercion"),
        "perpetrators": lambda: F.category_bars(inc, src, "perpetrator"),
        "trend_quarter": lambda: F.trend_chart(inc, src, "quarter"),
        "trend_month_range": lambda: F.trend_chart(inc, src, "month", "2023-01-01", "2024-12-31"),
        "ransoms": lambda: F.ransom_chart(amounts, inc, src),
    }


FIGURES = list(figure_calls({"incidents": None, "sources": None, "amounts": None}, None, None))


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


@pytest.mark.parametrize("name", FIGURES)
def test_figure_runs_on_fixture_with_source_line(name, tables, regions, countries):
    fig = figure_calls(tables, regions, countries)[name]()
    assert isinstance(fig, Figure)
    texts = " ".join(_texts(fig)).replace("\n", " ")
    assert "Source: Coerced Recruitment Monitor dataset (4 sources)" in texts
    png = F.png_bytes(fig)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_map_draws_crimea_in_ukraines_style_and_marks_it_occupied(tables, regions, countries):
    fig = F.region_map(tables["incidents"], tables["sources"], regions=regions, countries=countries)
    styles = fig.region_styles.set_index("iso_3166_2")
    crimea, kyiv, chechnya = styles.loc["UA-43"], styles.loc["UA-32"], styles.loc["RU-CE"]
    for col in ("country_style", "base_facecolor", "edgecolor"):
        assert crimea[col] == kyiv[col], col
        assert styles.loc["UA-40", col] == kyiv[col], col
    assert crimea["country_style"] == "UA" and chechnya["country_style"] == "RU"
    assert crimea["base_facecolor"] != chechnya["base_facecolor"]
    assert crimea["marked_occupied"] and crimea["hatch"] == F.OCCUPIED_HATCH
    assert styles.loc["UA-65", "hatch"] == F.PARTIAL_HATCH and not styles.loc["UA-65", "marked_occupied"]
    assert styles.loc["RU-CE", "hatch"] == "" and not styles.loc["RU-CE", "marked_occupied"]
    # no incident in Crimea: it is filled with Ukraine's base colour
    assert crimea["fill"] == F.COUNTRY_STYLES["UA"]["facecolor"]
    legend_texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert any("occupied Ukraine" in t and "Crimea" in t for t in legend_texts)
    assert any("partially occupied" in t for t in legend_texts)


def test_map_values_follow_the_multi_region_rule(tables, regions, countries):
    fig = F.region_map(tables["incidents"], tables["sources"], regions=regions, countries=countries)
    styles = fig.region_styles.set_index("iso_3166_2")
    assert styles.loc["UA-65", "value"] == 300 and styles.loc["UA-23", "value"] == 300
    assert styles.loc["UA-65", "n_incidents_shared"] == 2
    # count unknown only: drawn as its own class, never as zero persons
    assert styles.loc["RU-VLA", "value_class"] == "incidents, count unknown"
    assert styles.loc["RU-VLA", "fill"] == F.COUNT_UNKNOWN_COLOR
    assert fig.regions_outside_view == ["RU-NVS"]  # Novosibirsk lies east of the west view
    assert any("*" in t for t in _texts(fig))


def test_regions_outside_the_view_are_drawn_and_labelled_in_an_inset(tables, regions, countries):
    fig = F.region_map(tables["incidents"], tables["sources"], regions=regions, countries=countries)
    inset = fig.locator_inset
    assert inset is not None
    nvs = fig.region_styles.set_index("iso_3166_2").loc["RU-NVS"]
    # Novosibirsk's value is written in the inset, in its class colour, and the side list points there.
    assert F._fmt_value(nvs["value"]) in [t.get_text() for t in inset.texts]
    fills = {tuple(np.round(c, 3)) for coll in inset.collections for c in coll.get_facecolors()}
    assert tuple(np.round(matplotlib.colors.to_rgba(nvs["fill"]), 3)) in fills
    assert any("Novosibirsk" in t and "in the inset" in t for t in _texts(fig))
    # The inset hides no label of the main view.
    main = fig.axes[0]
    box = inset.get_window_extent()
    fig.canvas.draw()
    assert not any(box.overlaps(t.get_window_extent()) for t in main.texts if t.get_text() and t.get_visible())


def test_no_inset_when_every_region_is_in_view(tables, regions, countries):
    events = tables["incidents"]
    west = events[~events["region_code"].fillna("").str.contains("RU-NVS")]
    fig = F.region_map(west, tables["sources"], regions=regions, countries=countries)
    assert fig.regions_outside_view == [] and fig.locator_inset is None


def test_flow_map_draws_the_crimea_unit_and_central_asian_flows(tables, regions, countries):
    fig = F.flow_map(tables["incidents"], tables["sources"], regions=regions, countries=countries)
    pairs = set(zip(fig.flow_data["from_code"], fig.flow_data["to_code"]))
    assert {("UA-65", "UA-43"), ("UA-23", "UA-43"), ("UZ", "RU-VLA"), ("TJ", "RU-VLA"), ("KG", "RU-VLA")} <= pairs


def test_timeline_shows_spans_not_points(tables):
    fig = F.timeline(tables["incidents"], tables["sources"])
    data = fig.timeline_data.set_index("incident_id")
    season = data.loc["INC-004"]
    assert (season["end"] - season["start"]).days == 90  # autumn 2024, drawn over Sep-Nov
    assert "INC-012" not in data.index  # undated
    assert "Without a start date, not shown: INC-012" in fig.source_text
    hatches = {p.get_hatch() for p in fig.axes[0].patches}
    assert F.PRECISION_STYLES["season"]["hatch"] in hatches and F.PRECISION_STYLES["year"]["hatch"] in hatches


def test_category_bars_name_unknown_counts(tables):
    fig = F.category_bars(tables["incidents"], tables["sources"], "coercion")
    texts = _texts(fig)
    assert any(t.startswith("count unknown (1 incident)") for t in texts)  # property seizure, prison recruitment
    with pytest.raises(ValueError, match="accepted: victim_group, coercion, perpetrator"):
        F.category_bars(tables["incidents"], tables["sources"], "region")


def test_png_is_deterministic_and_has_no_software_stamp(tables):
    a = F.png_bytes(F.timeline(tables["incidents"], tables["sources"]))
    b = F.png_bytes(F.timeline(tables["incidents"], tables["sources"]))
    assert a == b
    assert b"Software" not in a and b"matplotlib" not in a.lower()


def test_cyrillic_text_renders_with_the_house_font(tables):
    from matplotlib import font_manager

    assert "DejaVuSans" in font_manager.findfont(matplotlib.rcParams["font.sans-serif"][0])
    inc = tables["incidents"].copy()
    inc["region_name"] = inc["region_name"].str.replace("Chechnya", "Чеченская Республика", regex=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a UserWarning
        F.png_bytes(F.timeline(inc, tables["sources"]))


@pytest.mark.parametrize("name", FIGURES)
def test_figure_runs_on_real_data(name, real_processed_dir, regions, countries):
    t = {"incidents": load.load_incidents(real_processed_dir), "sources": load.load_sources(real_processed_dir),
         "amounts": load.load_amounts(real_processed_dir)}
    fig = figure_calls(t, regions, countries)[name]()
    assert f"({len(t['sources'])} sources)" in " ".join(_texts(fig)).replace("\n", " ")
    assert F.png_bytes(fig).startswith(b"\x89PNG")


def test_dollar_signs_in_labels_are_text_not_math(tables):
    fig = F.ransom_chart(tables["amounts"], tables["incidents"], tables["sources"])
    label = next(t for t in fig.findobj(matplotlib.text.Text) if "source: at least $17,000" in t.get_text())
    assert label.get_parse_math() is False
    assert label._preprocess_math(label.get_text())[1] is False  # drawn as plain text
