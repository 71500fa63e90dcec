"""Figures: each runs on the fixture, the real data and a synthetic table of 10,000 incidents;
each draws what the counting tables say, at its printed size, legibly, with colours of
enough contrast and an alt text written from the data."""

from __future__ import annotations

import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import aggregate, display, load
from analysis import figures as F
from fixtures.figure_checks import FIGURES, all_text as _all_text, check_frame as _check_frame, figure_calls, texts as _texts
from fixtures.tables import synthetic_frames

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


@pytest.fixture(scope="module")
def large():
    return synthetic_frames(10_000)


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.parametrize("width", [F.PRINT_WIDTH, F.PHONE_WIDTH], ids=["print", "phone"])
def test_figure_on_the_fixture_is_sized_sourced_legible_and_described(name, width, tables, regions, countries):
    fig = figure_calls(tables, regions, countries)[name](width=width)
    if isinstance(fig, F.Sentence):  # one or two values: a sentence, no chart
        assert name == "ransoms" and "2 amounts recorded" in fig.text
        return
    _check_frame(fig, width, 4)


@pytest.mark.sweep
@pytest.mark.parametrize("name", FIGURES)
def test_figure_on_ten_thousand_incidents(name, large, regions, countries):
    fig = figure_calls(large, regions, countries)[name](width=F.PRINT_WIDTH)
    _check_frame(fig, F.PRINT_WIDTH, 4)
    # a figure for 10,000 incidents stays a figure a page can hold
    assert fig.get_figheight() < 14


def test_alt_texts_are_written_from_the_data_and_never_alike(tables, regions, countries):
    alts = {}
    for name, call in figure_calls(tables, regions, countries).items():
        fig = call(width=F.PRINT_WIDTH)
        if isinstance(fig, Figure):
            alts[name] = fig.alt_text
    here = aggregate.in_region(tables["incidents"], "RU-CE")
    alts["timeline RU-CE"] = F.timeline(here, tables["sources"], where="in Chechnya").alt_text
    assert len(set(alts.values())) == len(alts), "two figures share an alt text"
    assert "300*" in alts["region_map"] and "one figure shared" in alts["region_map"]
    assert "7 persons sent" in alts["flow_map"]  # Chechnya to Ukraine
    assert "in Chechnya" in alts["timeline RU-CE"] and "INC-001" in alts["timeline RU-CE"]
    assert "Prisoners: count unknown" in alts["groups"]


# --------------------------------------------------------------------------------------
# Colours: 3:1 against the background (WCAG 2.1, 1.4.11)
# --------------------------------------------------------------------------------------


def test_contrast_ratio_matches_wcag():
    assert F.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert F.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert F.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("name, color", list(F.DATA_COLORS.items()))
def test_every_data_colour_stands_out_from_white(name, color):
    assert F.contrast_ratio(color, "#ffffff") >= 3.0, name


@pytest.mark.parametrize("color", F.CLASS_COLORS + [F.COUNT_UNKNOWN_COLOR])
def test_map_classes_stand_out_from_the_countries_around_them(color):
    for iso, style in F.COUNTRY_STYLES.items():
        assert F.contrast_ratio(color, style["facecolor"]) >= 3.0, (color, iso)


@pytest.mark.sweep
def test_the_map_fills_regions_only_with_checked_colours(tables, large, regions, countries):
    for t in (tables, large):
        styles = F.region_map(t["incidents"], t["sources"], regions=regions, countries=countries).region_styles
        drawn = set(styles.loc[styles["n_incidents"] > 0, "fill"])
        assert drawn <= set(F.CLASS_COLORS) | {F.COUNT_UNKNOWN_COLOR}
        # the lowest class in use is one of the checked colours too
        assert F.CLASS_COLORS[0] in drawn or len(drawn - {F.COUNT_UNKNOWN_COLOR}) >= 1


@pytest.mark.parametrize("name", ["groups", "trend_quarter", "timeline"])
def test_chart_marks_have_three_to_one_contrast(name, tables, regions, countries):
    fig = figure_calls(tables, regions, countries)[name](width=F.PRINT_WIDTH)
    colors = set()
    for ax in fig.axes:
        for patch in ax.patches:
            if patch.get_alpha() in (None, 1.0) and patch.get_facecolor()[3] > 0:
                colors.add(matplotlib.colors.to_hex(patch.get_facecolor()))
        for line in ax.lines:
            if line.get_marker() not in (None, "None", "") and line.get_markerfacecolor() != "none":
                colors.add(matplotlib.colors.to_hex(line.get_markerfacecolor()))
    assert colors, "no marks found"
    assert all(F.contrast_ratio(c, "#ffffff") >= 3.0 for c in colors - {"#ffffff"}), colors


# --------------------------------------------------------------------------------------
# The map: drawn as the counting says, a shared figure written once
# --------------------------------------------------------------------------------------


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
    assert crimea["fill"] == F.COUNTRY_STYLES["UA"]["facecolor"]  # no incident in Crimea
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "occupied (Crimea, Sevastopol)" in legend and "partially occupied oblast" in legend


def test_a_shared_figure_is_written_once_and_labels_match_the_counting(tables, regions, countries):
    inc = tables["incidents"]
    fig = F.region_map(inc, tables["sources"], regions=regions, countries=countries)
    written = fig.map_labels.set_index("region_codes")["text"]
    groups = aggregate.region_groups(inc).set_index("region_codes")
    # Kherson and Zaporizhzhia: one label of 300 between them, none of its own for either
    assert written["UA-23|UA-65"] == "300*"
    assert "UA-65" not in written.index and "UA-23" not in written.index
    assert list(fig.map_labels["text"]).count("300*") == 1
    # every label is the group's best estimate as counted, with the claim mark where it rests on claims
    for codes, text in written.items():
        g = groups.loc[codes]
        assert text == display.fmt_num(g["persons_best"]) + ("*" if g["persons_best_claimed"] else ""), codes
    # count unknown only: its own colour, no number, never zero
    styles = fig.region_styles.set_index("iso_3166_2")
    assert styles.loc["RU-VLA", "value_class"] == F.COUNT_UNKNOWN_CLASS and styles.loc["RU-VLA", "fill"] == F.COUNT_UNKNOWN_COLOR
    assert "RU-VLA" not in written.index
    assert "Vladimir: count unknown (1 incident)" in _all_text(fig)
    assert "?" not in "".join(written)


def test_map_legend_lists_only_classes_it_draws(tables, regions, countries):
    fig = F.region_map(tables["incidents"], tables["sources"], regions=regions, countries=countries)
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    used = set(fig.region_styles["value_class"]) - {""}
    classes = [label for _, label in fig.region_styles.attrs["classes"]]
    assert {c for c in classes if c in legend} == {c for c in classes if c in used}
    assert "figure shared by regions" in legend


def test_map_names_incidents_it_cannot_place(tables, regions, countries):
    inc = tables["incidents"].copy()
    i = inc.index[inc["incident_id"] == "INC-008"][0]
    inc.loc[i, ["region_code", "region_name", "occupation_status"]] = pd.NA
    fig = F.region_map(inc, tables["sources"], regions=regions, countries=countries)
    assert "Not on the map, no region stated: INC-008 (1)." in fig.source_text
    assert "INC-008" in fig.alt_text


@pytest.mark.sweep
def test_map_classes_follow_the_data(large, regions, countries):
    styles = F.region_map(large["incidents"], large["sources"], regions=regions, countries=countries).region_styles
    used = set(styles.loc[styles["has_count"], "value_class"])
    assert len(used) >= 3, "10,000 incidents drawn in fewer than three classes"
    assert F.class_breaks([300, 300, 13, 2, 1]) == [(1, "1–2"), (3, "3–10"), (11, "11–150"), (151, "151 or more")]


def test_regions_outside_the_view_are_drawn_and_labelled_in_an_inset(tables, regions, countries):
    fig = F.region_map(tables["incidents"], tables["sources"], regions=regions, countries=countries)
    inset = fig.locator_inset
    assert inset is not None and fig.regions_outside_view == ["RU-NVS"]
    nvs = fig.region_styles.set_index("iso_3166_2").loc["RU-NVS"]
    assert display.fmt_num(nvs["value"]) in [t.get_text() for t in inset.texts]
    assert "in the inset" in _all_text(fig)


def test_no_inset_when_every_region_is_in_view(tables, regions, countries):
    events = tables["incidents"]
    west = events[~events["region_code"].fillna("").str.contains("RU-NVS")]
    fig = F.region_map(west, tables["sources"], regions=regions, countries=countries)
    assert fig.regions_outside_view == [] and fig.locator_inset is None


# --------------------------------------------------------------------------------------
# The flow map: the quantity its legend names
# --------------------------------------------------------------------------------------


def test_flow_arrows_carry_the_persons_sent_as_counted(tables, regions, countries):
    inc = tables["incidents"]
    fig = F.flow_map(inc, tables["sources"], regions=regions, countries=countries)
    drawn = fig.flow_data.set_index(["from_code", "to_code"])
    table = aggregate.flows(inc).set_index(["from_code", "to_code"])
    # Chechnya -> Ukraine: 3 of INC-001's 6 detained were sent, and INC-002's 4: 7, not 10
    assert drawn.loc[("RU-CE", "UA"), "label"] == "7" == display.fmt_num(table.loc[("RU-CE", "UA"), "persons_best"])
    assert drawn.loc[("UA-23|UA-65", "UA-43"), "label"] == "30*"  # one arrow from both regions, not 30 + 30
    assert drawn.loc[("KG|TJ|UZ", "RU-VLA"), "label"] == ""  # count unknown: dashed, no number, no '?'
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "persons sent there (best)" in legend and "persons who came from there (best)" in legend
    assert "count unknown (no number)" in legend
    assert "?" not in _all_text(fig)


# --------------------------------------------------------------------------------------
# Charts: the form follows the data
# --------------------------------------------------------------------------------------


def test_timeline_shows_spans_and_names_the_undated(tables):
    fig = F.timeline(tables["incidents"], tables["sources"])
    data = fig.timeline_data.set_index("incident_id")
    season = data.loc["INC-004"]
    assert (season["end"] - season["start"]).days == 90  # autumn 2024, drawn over Sep-Nov
    assert "INC-012" not in data.index
    assert "Without a start date, not shown: INC-012." in fig.source_text
    hatches = {p.get_hatch() for p in fig.axes[0].patches}
    assert F.PRECISION_STYLES["season"]["hatch"] in hatches and F.PRECISION_STYLES["year"]["hatch"] in hatches
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    present = set(fig.timeline_data["date_precision"])
    assert legend == [F.PRECISION_STYLES[p]["label"] for p in F.PRECISION_STYLES if p in present]


def test_one_or_two_incidents_are_a_sentence_and_a_small_table_not_a_chart(tables):
    here = aggregate.in_region(tables["incidents"], "UA-65")
    out = F.timeline(here, tables["sources"], where="in Kherson")
    assert isinstance(out, F.Sentence)
    assert out.text.startswith("2 dated incidents in Kherson: INC-004, autumn 2024 (dated to the season), persons: 30*; "
                               "INC-003, 2024-10-31 – 2024-12-31 (dated to a span of days), persons: about 300*.")
    assert list(out.table["id"]) == ["INC-004", "INC-003"]
    assert "*" in "".join(out.table["persons"]) and "claimed by a party" in out.text


@pytest.mark.sweep
def test_a_chart_of_ten_thousand_incidents_changes_form(large):
    inc, src = large["incidents"], large["sources"]
    fig = F.timeline(inc, src)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) <= 21 and any(t.startswith("other regions · ") for t in labels)
    money = F.ransom_chart(large["amounts"], inc, src)
    assert money.axes[0].get_xscale() == "log" and "one dot per amount" in money.source_text


def test_category_chart_writes_unknown_counts_and_breaks_the_axis_for_a_dwarfing_value(tables):
    fig = F.category_chart(tables["incidents"], tables["sources"], "victim_group")
    texts = _all_text(fig)
    assert "Prisoners: count unknown (1 incident)" in texts
    assert "Ukrainians in occupied territories: 300* (300–330) (2 incidents)" in texts
    assert len(fig.axes) == 1  # 330 against 60: one scale shows both
    inc = tables["incidents"].copy()
    inc.loc[inc["incident_id"] == "INC-003", "persons_best"] = 3000
    fig = F.category_chart(inc, tables["sources"], "victim_group")
    assert len(fig.axes) == 2  # 3,000 dwarfs 60: a broken axis, the small values on their own scale
    small, big = fig.axes
    assert small.get_xlim()[1] < 100 < big.get_xlim()[0] < 3000 < big.get_xlim()[1]
    assert "the axis is broken (//)" in fig.source_text
    # only categories with incidents appear, in the counting's own order
    table = aggregate.by_victim_group(tables["incidents"])
    assert list(fig.category_data["victim_group"]) == list(table["victim_group"])
    with pytest.raises(ValueError, match="accepted: victim_group, coercion, perpetrator"):
        F.category_chart(tables["incidents"], tables["sources"], "region")


def test_two_categories_are_a_sentence(tables):
    inc = aggregate.selected_group(tables["incidents"], "prisoners")
    out = F.category_chart(inc, tables["sources"], "victim_group")
    assert isinstance(out, F.Sentence)
    assert out.text == ("Persons affected by victim group: Central Asian migrants: count unknown (1 incident); "
                        "Prisoners: count unknown (1 incident).")


def test_trend_chart_stops_at_the_cut_off_and_explains_every_mark(tables):
    sources = tables["sources"].copy()
    sources["published_date"] = pd.to_datetime("2025-05-10")
    fig = F.trend_chart(tables["incidents"], sources, "quarter", "2022-01-01", "2026-12-31")
    periods = list(fig.trend_data["period"])
    assert periods[-1] == "2025 Q2"  # the cut-off's quarter: no zero bars after it
    assert "No quarter after the data's cut-off (2025-05-10, the latest source)." in fig.source_text
    assert not [t.get_text() for t in _texts(fig) if re.fullmatch(r"\d+\?", t.get_text())]
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "incidents, count unknown" in legend and "of which claims of a party*" in legend
    assert "Undated, not shown: INC-012." in fig.source_text


def test_trend_legend_has_no_entry_for_what_is_not_drawn(tables):
    inc = tables["incidents"]
    plain = inc[inc["incident_id"].isin(["INC-001", "INC-002", "INC-008", "INC-010"])]
    fig = F.trend_chart(plain, tables["sources"], "quarter")
    legend = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "no upper bound" not in legend and "incidents, count unknown" not in legend
    assert not any("claims" in t for t in legend) and "*" not in fig.source_text
    assert len(fig.axes) == 2  # no value dwarfs the rest: no broken axis


def test_one_or_two_amounts_are_a_sentence(tables):
    amounts = tables["amounts"]
    out = F.ransom_chart(amounts[amounts["purpose"] == "ransom"], tables["incidents"], tables["sources"])
    assert isinstance(out, F.Sentence)
    assert out.text.startswith("1 amount recorded: ransom in INC-001 (Chechnya, 2022-09-01 – 2022-09-10): 1,500,000 RUB = $24,846")


def test_render_gives_print_and_phone_png_and_the_alt_text(tables):
    out = F.render(F.timeline, tables["incidents"], tables["sources"])
    assert out["png"].startswith(b"\x89PNG") and out["phone_png"].startswith(b"\x89PNG")
    assert out["alt"].startswith("Timeline of 11 dated incidents")
    from PIL import Image
    import io

    assert Image.open(io.BytesIO(out["png"])).size[0] == round(F.PRINT_WIDTH * F.DPI)
    assert Image.open(io.BytesIO(out["phone_png"])).size[0] == round(F.PHONE_WIDTH * F.DPI)


def test_excluding_claims_is_said_under_every_chart(tables):
    rest = aggregate.without_party_claims(tables["incidents"])
    fig = F.timeline(rest, tables["sources"])
    assert "Figures claimed by a party to the conflict are excluded (2 events)." in fig.source_text
    assert "*" not in _all_text(fig).replace("Source:", "")


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


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


def test_dollar_signs_in_labels_are_text_not_math(tables):
    inc = tables["incidents"]
    amounts = pd.concat([tables["amounts"]] * 2, ignore_index=True)
    amounts["amount_id"] = [f"X-{i}" for i in range(len(amounts))]
    fig = F.ransom_chart(amounts, inc, tables["sources"])
    label = next(t for t in fig.findobj(matplotlib.text.Text) if "source: at least $17,000" in t.get_text())
    assert label.get_parse_math() is False
    assert label._preprocess_math(label.get_text())[1] is False


def test_no_figure_raises_on_an_empty_table(tables, regions, countries):
    inc = tables["incidents"]
    empty = {"incidents": inc[inc["event_kind"] != "incident"], "sources": tables["sources"], "amounts": tables["amounts"].iloc[:0]}
    for name, call in figure_calls(empty, regions, countries).items():
        out = call(width=F.PRINT_WIDTH)
        assert isinstance(out, (Figure, F.Sentence)), name
