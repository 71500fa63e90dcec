"""Figures in the house style: one function per figure, each returning a matplotlib Figure.

Every figure ends with a source line ("Source: Coerced Recruitment Monitor dataset (N
sources), ...") that also says which counting rule it shows. Text uses DejaVu Sans, which
ships with matplotlib and covers Cyrillic. PNGs are written without a 'Software' entry
or any timestamp, so executed notebooks are byte-identical from run to run.

Maps use a Lambert conformal conic projection: centred on 100E for the whole of Russia
(so Chukotka, split at the antimeridian in the boundary file, stays in one piece) and on
45E for the west view (European Russia, Ukraine and the Caucasus, where most incidents
are). Crimea and Sevastopol are drawn in Ukraine's style and hatched as occupied; the
four partially occupied oblasts get a lighter hatch. Map functions attach what they drew
to the figure (``fig.region_styles``, ``fig.flow_data``) so tests and notebooks can check it.
"""

from __future__ import annotations

import io
import math
import textwrap
from typing import Iterable

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from pyproj import Transformer
from shapely.geometry import box

from analysis import aggregate, codebook
from analysis import load as load_mod

DATASET_NAME = "Coerced Recruitment Monitor dataset"
FONT_FAMILY = "DejaVu Sans"
DPI = 150
#: PNG metadata: no 'Software' entry (it carries the matplotlib version) and no dates.
PNG_METADATA = {"Software": None}

INK = "#222222"
MUTED = "#6b6b6b"
ACCENT = "#b3361b"
LIGHT_ACCENT = "#e6a08a"

#: Base style of each country's regions; Crimea and Sevastopol take Ukraine's.
COUNTRY_STYLES: dict[str, dict[str, str]] = {
    "UA": {"facecolor": "#dce6f0", "edgecolor": "#41678c", "label": "Ukraine"},
    "RU": {"facecolor": "#eeebe5", "edgecolor": "#9c958a", "label": "Russia"},
}
OTHER_COUNTRY_STYLE = {"facecolor": "#f7f7f7", "edgecolor": "#c8c8c8"}
OCCUPIED_HATCH = "////"
PARTIAL_HATCH = "\\\\\\"
HATCH_COLOR = "#1f3b57"
#: Hatch of each occupation status; not_occupied regions get none.
OCCUPATION_HATCHES = {"occupied": OCCUPIED_HATCH, "partially_occupied": PARTIAL_HATCH, "not_occupied": ""}

COUNT_UNKNOWN_COLOR = "#b8a9c9"
#: Class breaks of the choropleth: (lowest value, label); each class runs to the next break.
PERSON_CLASSES = [(1, "1–5"), (6, "6–20"), (21, "21–100"), (101, "101–500"), (501, "over 500")]
INCIDENT_CLASSES = [(1, "1"), (2, "2–3"), (4, "4–10"), (11, "over 10")]

#: Map views: projection (Lambert conformal conic) and lon/lat box.
EXTENTS: dict[str, dict] = {
    "west": {"crs": "+proj=lcc +lat_0=52 +lon_0=45 +lat_1=45 +lat_2=60 +datum=WGS84 +units=m +no_defs",
             "bounds": (21.0, 40.5, 64.0, 62.0)},
    "full": {"crs": "+proj=lcc +lat_0=55 +lon_0=100 +lat_1=50 +lat_2=70 +datum=WGS84 +units=m +no_defs",
             "bounds": None},
}

#: Where arrows start or end for a country code given without a region: Russia's centre
#: would lie in Siberia, so its capital region; 'sent to Ukraine' means sent to the front,
#: so Donetsk oblast. Other countries use a point inside their outline.
COUNTRY_ANCHOR_REGIONS = {"RU": "RU-MOW", "UA": "UA-14"}

PRECISION_STYLES: dict[str, dict] = {
    "day": {"label": "day", "color": INK, "hatch": "", "alpha": 1.0},
    "range": {"label": "span of days", "color": ACCENT, "hatch": "", "alpha": 0.9},
    "month": {"label": "month", "color": "#d9774f", "hatch": "", "alpha": 0.9},
    "season": {"label": "season", "color": "#e8a070", "hatch": "xx", "alpha": 0.8},
    "year": {"label": "year", "color": "#f1c9a5", "hatch": "..", "alpha": 0.8},
    "unknown": {"label": "unknown", "color": "#cccccc", "hatch": "", "alpha": 0.8},
}


# --------------------------------------------------------------------------------------
# House style, output
# --------------------------------------------------------------------------------------


def use_house_style() -> None:
    """Set the house style for matplotlib (and, inside IPython, deterministic inline PNGs)."""
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY],
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 9,
        "axes.labelcolor": INK,
        "axes.edgecolor": MUTED,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "xtick.color": INK,
        "ytick.color": INK,
        "legend.frameon": False,
        "legend.fontsize": 8,
        "figure.dpi": 100,
        "savefig.dpi": DPI,
        "svg.hashsalt": "coercion-monitor",
        "hatch.linewidth": 0.6,
        # Text from the data ('$17,000') is text, never mathtext.
        "text.parse_math": False,
    })
    try:  # inline figures an analyst draws by hand get the same deterministic PNGs
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': 'tight', 'metadata': {'Software': None}}")
    except Exception:  # noqa: BLE001 - outside IPython there is nothing to configure
        pass


def n_sources_of(sources: pd.DataFrame | int) -> int:
    return int(sources) if isinstance(sources, (int, np.integer)) else int(len(sources))


def source_line(sources: pd.DataFrame | int, note: str = "") -> str:
    n = n_sources_of(sources)
    text = f"Source: {DATASET_NAME} ({n} source{'s' if n != 1 else ''})"
    return text + (f", {note}" if note else ".")


def _new_figure(width: float, height: float, sources, note: str, **kwargs) -> tuple[Figure, str]:
    """A constrained-layout figure with room reserved at the bottom for the source line."""
    text = source_line(sources, note)
    wrapped = textwrap.fill(text, width=max(40, int(width * 15.5)))
    n_lines = wrapped.count("\n") + 1
    fig = plt.figure(figsize=(width, height), layout="constrained", **kwargs)
    reserve = (0.1 + 0.14 * n_lines) / height
    fig.get_layout_engine().set(rect=(0, reserve, 1, 1 - reserve))
    fig.text(0.01, 0.012, wrapped, ha="left", va="bottom", fontsize=7, color=MUTED, linespacing=1.3)
    fig.source_text = text
    return fig, wrapped


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without metadata that would change between runs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=PNG_METADATA, facecolor="white")
    return buf.getvalue()


def save(fig: Figure, path, dpi: int = DPI) -> None:
    with open(path, "wb") as f:
        f.write(png_bytes(fig, dpi))


def show(fig: Figure, dpi: int = DPI) -> None:
    """Display the figure as one PNG output in a notebook and close it."""
    from IPython.display import Image, display

    display(Image(data=png_bytes(fig, dpi)))
    plt.close(fig)


def show_table(df: pd.DataFrame) -> None:
    """Display a table in a notebook as escaped Markdown (the form the report embeds)."""
    from IPython.display import Markdown, display

    from analysis import markdown

    display(Markdown(markdown.table(df)))


# --------------------------------------------------------------------------------------
# Maps
# --------------------------------------------------------------------------------------


def _classify(value: float, n_incidents: int, classes: list[tuple[int, str]]) -> tuple[str, str]:
    """(class label, colour) of a region's value."""
    if n_incidents == 0:
        return "", ""
    if value <= 0:
        return "incidents, count unknown", COUNT_UNKNOWN_COLOR
    colors = plt.get_cmap("YlOrRd")(np.linspace(0.25, 0.95, len(classes)))
    label, color = classes[0][1], colors[0]
    for (lower, lab), col in zip(classes, colors):
        if value >= lower:
            label, color = lab, col
    return label, matplotlib.colors.to_hex(color)


def _view_bounds(crs: str, bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Projected x/y limits of a lon/lat box (its edges densified, as they curve in LCC)."""
    lon0, lat0, lon1, lat1 = bounds
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lons = np.concatenate([np.linspace(lon0, lon1, 50), np.full(50, lon1), np.linspace(lon1, lon0, 50), np.full(50, lon0)])
    lats = np.concatenate([np.full(50, lat0), np.linspace(lat0, lat1, 50), np.full(50, lat1), np.linspace(lat1, lat0, 50)])
    x, y = t.transform(lons, lats)
    # The box's inner extent: its curved edges would otherwise leave empty corners.
    return float(np.percentile(x, 3)), float(np.percentile(y, 1)), float(np.percentile(x, 97)), float(np.max(y))


def region_styles(events: pd.DataFrame, regions: gpd.GeoDataFrame | None = None, value: str = "persons") -> gpd.GeoDataFrame:
    """How each region is drawn: base (country) style, occupation hatch, value class and colour.

    Columns added to the regions: country_style ('UA' or 'RU', the de jure country, so
    Crimea is 'UA'), base_facecolor, edgecolor, hatch, marked_occupied,
    n_incidents, n_incidents_shared, n_count_unknown, persons_best, value, value_class,
    fill (the colour drawn: the class colour, or the country's base colour).
    """
    if value not in ("persons", "incidents"):
        raise ValueError(f"unknown value {value!r}; accepted: persons, incidents")
    regions = (regions if regions is not None else load_mod.load_regions()).copy()
    stats = aggregate.by_region(events).set_index("region_code")
    unknown = sorted(set(stats.index) - set(regions["iso_3166_2"]) - {""})
    if unknown:
        raise ValueError(f"region codes not in the boundary file: {', '.join(unknown)}")
    regions["country_style"] = regions["country_iso_a2"].astype(str)
    regions["base_facecolor"] = regions["country_style"].map(lambda c: COUNTRY_STYLES[c]["facecolor"])
    regions["edgecolor"] = regions["country_style"].map(lambda c: COUNTRY_STYLES[c]["edgecolor"])
    regions["hatch"] = regions["occupation_status"].map(OCCUPATION_HATCHES).astype(str)
    regions["marked_occupied"] = regions["occupation_status"] == "occupied"
    for col in ("n_incidents", "n_incidents_shared", "n_count_unknown"):
        regions[col] = regions["iso_3166_2"].map(stats[col]).fillna(0).astype(int)
    regions["persons_best"] = regions["iso_3166_2"].map(stats["persons_best"]).fillna(0).astype(float)
    regions["value"] = regions["persons_best"] if value == "persons" else regions["n_incidents"].astype(float)
    classes = PERSON_CLASSES if value == "persons" else INCIDENT_CLASSES
    classified = [_classify(v, n, classes) for v, n in zip(regions["value"], regions["n_incidents"])]
    regions["value_class"] = [c[0] for c in classified]
    regions["fill"] = [c[1] or base for c, base in zip(classified, regions["base_facecolor"])]
    return regions


def region_map(
    events: pd.DataFrame,
    sources: pd.DataFrame | int,
    *,
    value: str = "persons",
    extent: str = "west",
    regions: gpd.GeoDataFrame | None = None,
    countries: gpd.GeoDataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """Choropleth of Russia and Ukraine by first-level region: persons (best) or incidents.

    Regions keep their country's base style where they have no incident; Crimea and
    Sevastopol use Ukraine's and are hatched as occupied, the partially occupied oblasts
    more lightly. An incident naming several regions counts in each (marked '*').
    ``fig.region_styles`` holds how every region was drawn.
    """
    if extent not in EXTENTS:
        raise ValueError(f"unknown extent {extent!r}; accepted: {', '.join(EXTENTS)}")
    styles = region_styles(events, regions, value)
    countries = countries if countries is not None else load_mod.load_countries()
    crs = EXTENTS[extent]["crs"]
    proj = styles.to_crs(crs)
    ctx = countries.to_crs(crs)

    classes = PERSON_CLASSES if value == "persons" else INCIDENT_CLASSES
    what = "persons affected (best estimate)" if value == "persons" else "incidents"
    note = (f"incidents only; regions coloured by {what}. An incident naming several regions without a split "
            "is counted in each (*), so regions do not add up to the total. Boundaries: Natural Earth.")
    width, height = (10.0, 6.4) if extent == "west" else (10.0, 5.6)
    fig, _ = _new_figure(width, height, sources, note)
    gs = fig.add_gridspec(1, 2, width_ratios=[3.3, 1])
    ax = fig.add_subplot(gs[0])
    side = fig.add_subplot(gs[1])
    side.set_axis_off()
    ax.set_axis_off()
    ax.set_aspect("equal")

    if extent == "west":
        x0, y0, x1, y1 = _view_bounds(crs, EXTENTS[extent]["bounds"])
    else:
        x0, y0, x1, y1 = proj.total_bounds
        pad = 0.02 * (x1 - x0)
        x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    view = box(x0, y0, x1, y1)

    others = ctx[~ctx["iso_a2"].isin(["RU", "UA"])]
    others.plot(ax=ax, facecolor=OTHER_COUNTRY_STYLE["facecolor"], edgecolor=OTHER_COUNTRY_STYLE["edgecolor"], linewidth=0.5)
    proj.plot(ax=ax, color=proj["fill"], edgecolor="white", linewidth=0.35)
    for status, hatch in OCCUPATION_HATCHES.items():
        part = proj[proj["occupation_status"] == status]
        if hatch and len(part):
            part.plot(ax=ax, facecolor="none", edgecolor=HATCH_COLOR, hatch=hatch, linewidth=0)
    # Country outlines from the admin-0 file, where Crimea lies inside Ukraine.
    for iso, style in COUNTRY_STYLES.items():
        ctx[ctx["iso_a2"] == iso].plot(ax=ax, facecolor="none", edgecolor=style["edgecolor"], linewidth=1.1 if iso == "UA" else 0.8)

    # Neighbouring country names, where they fall inside the view.
    for _, c in others.iterrows():
        part = c.geometry.intersection(view)
        if not part.is_empty and part.area > 0.01 * view.area:
            p = part.representative_point()
            ax.text(p.x, p.y, c["name_en"], fontsize=7, color="#9a9a9a", style="italic", ha="center", va="center")

    labelled = proj[proj["n_incidents"] > 0].copy()
    labelled["pt"] = labelled.geometry.representative_point()
    inside = labelled[labelled["pt"].within(view)]
    outside = labelled[~labelled["pt"].within(view)]
    for _, r in inside.iterrows():
        num = _fmt_value(r["value"]) if r["value"] > 0 else "?"
        text = num + ("*" if r["n_incidents_shared"] else "")
        ax.annotate(text, (r["pt"].x, r["pt"].y), ha="center", va="center", fontsize=7.5, fontweight="bold", color=INK,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75})
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    fig.locator_inset = None
    if len(outside):
        # The inset goes in the first corner where it hides no label of the main view.
        at = [((p.x - x0) / (x1 - x0), (p.y - y0) / (y1 - y0)) for p in inside["pt"]]
        corners = [[0.60, 0.58, 0.40, 0.42], [0.60, 0.0, 0.40, 0.42], [0.0, 0.58, 0.40, 0.42]]
        free = [c for c in corners if not any(c[0] - 0.03 <= u <= c[0] + c[2] + 0.03 and c[1] - 0.03 <= v <= c[1] + c[3] + 0.03
                                               for u, v in at)]
        fig.locator_inset = _locator_inset(ax, styles, ctx, box(x0, y0, x1, y1), crs, outside, (free or corners)[0])

    handles = []
    present = set(styles["value_class"])
    for _, label in classes:
        if label in present:
            handles.append(Patch(facecolor=styles.loc[styles["value_class"] == label, "fill"].iloc[0], edgecolor="none", label=label))
    if "incidents, count unknown" in present:
        handles.append(Patch(facecolor=COUNT_UNKNOWN_COLOR, edgecolor="none", label="incidents, count unknown (?)"))
    for iso, style in COUNTRY_STYLES.items():
        handles.append(Patch(facecolor=style["facecolor"], edgecolor=style["edgecolor"], label=f"{style['label']}, no incident"))
    handles.append(Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=OCCUPIED_HATCH,
                         label="occupied Ukraine\n(Crimea, Sevastopol)"))
    handles.append(Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=PARTIAL_HATCH,
                         label="partially occupied oblast"))
    legend_title = "Persons affected (best)" if value == "persons" else "Incidents"
    side.legend(handles=handles, title=legend_title, loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=7,
                title_fontsize=8, handlelength=1.6, handleheight=1.1, alignment="left")

    listed = labelled.sort_values(["value", "n_incidents", "iso_3166_2"], ascending=[False, False, True])
    lines = []
    for _, r in listed.iterrows():
        shown = _fmt_value(r["value"]) if r["value"] > 0 else "count unknown"
        detail = f"{r['n_incidents']} incident{'s' if r['n_incidents'] != 1 else ''}"
        if value == "incidents":
            shown, detail = detail, f"{_fmt_value(r['persons_best'])} persons, best" if r["persons_best"] > 0 else "count unknown"
        if r["n_count_unknown"] and r["value"] > 0 and value == "persons":
            detail += f", {r['n_count_unknown']} count unknown"
        where = "" if r["pt"].within(view) else ", in the inset"
        lines.append(f"{textwrap.shorten(str(r['name_en']), 32, placeholder='…')}: {shown}{'*' if r['n_incidents_shared'] else ''}\n   ({detail}{where})")
    if lines:
        shown_lines = lines[:12] + ([f"… and {len(lines) - 12} more regions"] if len(lines) > 12 else [])
        side.text(0.0, 0.0, "Regions with incidents\n" + "\n".join(shown_lines), transform=side.transAxes, ha="left", va="bottom",
                  fontsize=6.8, color=INK, linespacing=1.3)
    if title:
        ax.set_title(title)
    fig.region_styles = styles
    fig.regions_outside_view = list(outside["iso_3166_2"])
    return fig


def _locator_inset(ax, styles: gpd.GeoDataFrame, countries: gpd.GeoDataFrame, view, crs: str, outside: gpd.GeoDataFrame,
                   where: list[float]):
    """A small map of the whole of both countries in a corner of the map (``where``: x, y,
    width, height as fractions of the axes), for the regions with incidents that lie
    outside the main view: drawn and labelled as on the main map, with the main view
    outlined."""
    full = EXTENTS["full"]["crs"]
    inset = ax.inset_axes(where)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#9a9a9a")
        spine.set_linewidth(0.6)
    whole = styles.to_crs(full)
    whole.plot(ax=inset, color=whole["fill"], edgecolor="none")
    for iso, style in COUNTRY_STYLES.items():
        countries[countries["iso_a2"] == iso].to_crs(full).plot(ax=inset, facecolor="none", edgecolor=style["edgecolor"], linewidth=0.4)
    main_view = gpd.GeoSeries([view.segmentize(view.length / 200)], crs=crs).to_crs(full)
    main_view.boundary.plot(ax=inset, color=INK, linewidth=0.6, linestyle="--")
    labelled = whole[whole["iso_3166_2"].isin(outside["iso_3166_2"])]
    for _, r in labelled.iterrows():
        pt = r.geometry.representative_point()
        num = _fmt_value(r["value"]) if r["value"] > 0 else "?"
        inset.annotate(num + ("*" if r["n_incidents_shared"] else ""), (pt.x, pt.y), ha="center", va="center", fontsize=6.5,
                       fontweight="bold", color=INK, bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8})
    x0, y0, x1, y1 = whole.total_bounds
    pad = 0.03 * (x1 - x0)
    inset.set_xlim(x0 - pad, x1 + pad)
    inset.set_ylim(y0 - pad, y1 + pad)
    inset.set_xlabel("")
    inset.set_ylabel("")  # geopandas names the projected axes; the inset needs no axis titles
    inset.set_title("whole map (dashed: main view)", fontsize=6, color="#5a5a5a", pad=2)
    return inset


def _fmt_value(v: float) -> str:
    return f"{int(round(v)):,}" if abs(v - round(v)) < 1e-9 else f"{v:,.1f}"


def _anchor_points(codes: Iterable[str], regions: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> dict[str, tuple[float, float, str]]:
    """(lon, lat, name) of each region or country code used by the flows."""
    reg = regions.set_index("iso_3166_2")
    cty = countries.set_index("iso_a2")
    out = {}
    for code in codes:
        if code in reg.index:
            p = reg.loc[code, "geometry"].representative_point()
            out[code] = (p.x, p.y, str(reg.loc[code, "name_en"]))
        elif code in COUNTRY_ANCHOR_REGIONS and COUNTRY_ANCHOR_REGIONS[code] in reg.index:
            p = reg.loc[COUNTRY_ANCHOR_REGIONS[code], "geometry"].representative_point()
            out[code] = (p.x, p.y, str(cty.loc[code, "name_en"]) if code in cty.index else code)
        elif code in cty.index:
            p = cty.loc[code, "geometry"].representative_point()
            out[code] = (p.x, p.y, str(cty.loc[code, "name_en"]))
    return out


#: Offsets (points) tried in turn for a point's label: right, left, above, below, diagonals.
_LABEL_OFFSETS = [(6, 0, "left", "center"), (-6, 0, "right", "center"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
                  (5, 6, "left", "bottom"), (5, -6, "left", "top"), (-5, 6, "right", "bottom"), (-5, -6, "right", "top"),
                  (10, 12, "left", "bottom"), (10, -12, "left", "top"), (-10, 12, "right", "bottom"), (-10, -12, "right", "top")]


#: Offsets (points) tried for a flow's number: on the arc first, then around it.
_EDGE_OFFSETS = [(0, 0, "center", "center"), (0, 9, "center", "bottom"), (0, -9, "center", "top"),
                 (9, 0, "left", "center"), (-9, 0, "right", "center")]


def _place_label(ax, xy: tuple[float, float], text: str, taken: list, offsets=_LABEL_OFFSETS, **style) -> None:
    """Write ``text`` near ``xy`` at the first offset where it overlaps no earlier label, point or arrowhead."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    axes_box = ax.get_window_extent()
    kwargs = {"fontsize": 7.5, "color": INK, "zorder": 8,
              "bbox": {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75}, **style}
    first = None
    for dx, dy, ha, va in offsets:
        t = ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **kwargs)
        extent = t.get_window_extent(renderer)
        inside = axes_box.contains(extent.x0, extent.y0) and axes_box.contains(extent.x1, extent.y1)
        if inside and not any(extent.overlaps(b) for b in taken):
            taken.append(extent)
            if first is not None:
                first.remove()
            return
        if first is None:
            first = t
        else:
            t.remove()
    taken.append(first.get_window_extent(renderer))


def flow_map(
    events: pd.DataFrame,
    sources: pd.DataFrame | int,
    *,
    regions: gpd.GeoDataFrame | None = None,
    countries: gpd.GeoDataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """Arrows from where victims were taken (or came from) to where they were sent.

    Arrow width grows with the persons (best estimate) of the flow; dashed arrows are
    flows whose count is unknown. ``fig.flow_data`` is the flows table drawn, with
    coordinates; codes that are neither a region nor a country in the boundary files are
    listed in the source line instead of drawn.
    """
    regions = regions if regions is not None else load_mod.load_regions()
    countries = countries if countries is not None else load_mod.load_countries()
    table = aggregate.flows(events)
    codes = sorted(set(table["from_code"]) | set(table["to_code"]))
    anchors = _anchor_points(codes, regions, countries)
    missing = [c for c in codes if c not in anchors]
    drawn = table[table["from_code"].isin(anchors) & table["to_code"].isin(anchors)].copy()

    note = ("incidents only; arrows from where victims came from or were taken to where they were sent, "
            "width by persons (best estimate), dashed where the count is unknown. An incident with several "
            "origins or destinations is drawn on each arrow, not divided.")
    if missing:
        note += f" Not drawn (no boundary): {', '.join(missing)}."
    fig, _ = _new_figure(9.0, 6.6, sources, note)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_aspect("equal")

    lons = [anchors[c][0] for c in anchors] or [30.0, 60.0]
    lats = [anchors[c][1] for c in anchors] or [45.0, 60.0]
    lon0, lon1 = min(lons) - 4, max(lons) + 4
    lat0, lat1 = min(lats) - 3, max(lats) + 3
    # A view at least as large as Ukraine and the Caucasus, so short flows keep context.
    if lon1 - lon0 < 24:
        mid = (lon0 + lon1) / 2
        lon0, lon1 = mid - 12, mid + 12
    if lat1 - lat0 < 12:
        mid = (lat0 + lat1) / 2
        lat0, lat1 = mid - 6, mid + 6
    lon_c = (lon0 + lon1) / 2
    crs = f"+proj=lcc +lat_0={(lat0 + lat1) / 2:.1f} +lon_0={lon_c:.1f} +lat_1={lat0 + 2:.1f} +lat_2={lat1 - 2:.1f} +datum=WGS84 +units=m +no_defs"
    x0, y0, x1, y1 = _view_bounds(crs, (lon0, lat0, lon1, lat1))
    view = box(x0, y0, x1, y1)
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    ctx = countries.to_crs(crs)
    reg = regions.to_crs(crs)
    ctx[~ctx["iso_a2"].isin(["RU", "UA"])].plot(ax=ax, facecolor=OTHER_COUNTRY_STYLE["facecolor"], edgecolor=OTHER_COUNTRY_STYLE["edgecolor"], linewidth=0.5)
    reg.plot(ax=ax, color=[COUNTRY_STYLES[c]["facecolor"] for c in reg["country_iso_a2"]], edgecolor="white", linewidth=0.3)
    for status, hatch in OCCUPATION_HATCHES.items():
        part = reg[reg["occupation_status"] == status]
        if hatch and len(part):
            part.plot(ax=ax, facecolor="none", edgecolor=HATCH_COLOR, hatch=hatch, linewidth=0, alpha=0.6)
    for iso, style in COUNTRY_STYLES.items():
        ctx[ctx["iso_a2"] == iso].plot(ax=ax, facecolor="none", edgecolor=style["edgecolor"], linewidth=1.0)
    endpoint_codes = set(table["from_code"]) | set(table["to_code"])
    for _, c in ctx[~ctx["iso_a2"].isin(["RU", "UA", *endpoint_codes])].iterrows():
        part = c.geometry.intersection(view)
        if not part.is_empty and part.area > 0.02 * view.area:
            p = part.representative_point()
            ax.text(p.x, p.y, c["name_en"], fontsize=7, color="#9a9a9a", style="italic", ha="center", va="center")

    xy = {c: t.transform(a[0], a[1]) for c, a in anchors.items()}
    drawn["x0"] = [xy[c][0] for c in drawn["from_code"]]
    drawn["y0"] = [xy[c][1] for c in drawn["from_code"]]
    drawn["x1"] = [xy[c][0] for c in drawn["to_code"]]
    drawn["y1"] = [xy[c][1] for c in drawn["to_code"]]
    max_best = max([1.0, *drawn["persons_best"]])
    edge_labels = []
    for _, f in drawn.iterrows():
        known = f["persons_best"] > 0 or f["persons_high"] > 0
        lw = 1.2 + 3.0 * math.sqrt(max(f["persons_best"], 1.0) / max_best) if known else 1.2
        arrow = FancyArrowPatch((f["x0"], f["y0"]), (f["x1"], f["y1"]), connectionstyle="arc3,rad=0.18",
                                arrowstyle="-|>", mutation_scale=8 + lw * 1.5, lw=lw, color=ACCENT if known else MUTED,
                                linestyle="-" if known else (0, (3, 2)), alpha=0.85, shrinkA=3, shrinkB=3, zorder=6)
        ax.add_patch(arrow)
        if f["persons_best"] > 0:
            label = _fmt_value(f["persons_best"]) + ("+" if f["high_open"] else "")
        else:
            label = f"up to {_fmt_value(f['persons_high'])}" if known else "?"
        # The middle of an arc3 curve lies half-way to its control point, mid + rad * (dy, -dx).
        dx, dy = f["x1"] - f["x0"], f["y1"] - f["y0"]
        edge_labels.append(((f["x0"] + f["x1"]) / 2 + 0.09 * dy, (f["y0"] + f["y1"]) / 2 - 0.09 * dx, label, (f["x1"], f["y1"])))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    used = sorted(set(drawn["from_code"]) | set(drawn["to_code"]))
    for code in used:
        ax.plot(*xy[code], "o", ms=3.5, color=INK, zorder=7)
    fig.canvas.draw()  # fixes the layout, so label extents can be measured
    boxes = []
    for code in used:  # the points themselves
        px, py = ax.transData.transform(xy[code])
        boxes.append(matplotlib.transforms.Bbox.from_bounds(px - 3, py - 3, 6, 6))
    for *_, head in edge_labels:  # arrowheads arrive at their end point
        px, py = ax.transData.transform(head)
        boxes.append(matplotlib.transforms.Bbox.from_bounds(px - 9, py - 9, 18, 18))
    for ex, ey, label, _ in edge_labels:
        _place_label(ax, (ex, ey), label, boxes, offsets=_EDGE_OFFSETS, fontweight="bold", zorder=9)
    for code in sorted(used, key=lambda c: -xy[c][1]):
        _place_label(ax, xy[code], anchors[code][2], boxes)
    handles = [
        Line2D([0], [0], color=ACCENT, lw=3, label="persons sent or taken (best estimate)"),
        Line2D([0], [0], color=MUTED, lw=1.2, linestyle=(0, (3, 2)), label="count unknown"),
        Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=OCCUPIED_HATCH, label="occupied (Crimea, Sevastopol)"),
        Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=PARTIAL_HATCH, label="partially occupied oblast"),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=True, framealpha=0.85, edgecolor="none")
    if not len(drawn):
        ax.text(0.5, 0.5, "No flows recorded", transform=ax.transAxes, ha="center", va="center", fontsize=10, color=MUTED)
    if title:
        ax.set_title(title)
    fig.flow_data = drawn
    return fig


# --------------------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------------------


def timeline(events: pd.DataFrame, sources: pd.DataFrame | int, *, title: str | None = None, max_rows: int = 60) -> Figure:
    """Each incident as a bar over its real date span, styled by how precisely it is dated.

    A day is a dot, a month a solid bar, a season a cross-hatched bar and a year a dotted
    pale bar, so a season never looks as precise as a day. Labels give the region and the
    persons (or 'count unknown'); undated incidents are named in the source line.
    """
    inc = aggregate.incidents_only(events)
    spans = aggregate.incident_spans(inc)
    known = spans["start"].notna()
    # Assign from the filtered spans: a Series assigned to an empty frame would add its rows.
    dated = inc[known].assign(_start=spans.loc[known, "start"], _end=spans.loc[known, "end"])
    dated = dated.sort_values(["_start", "_end", "incident_id"], ascending=[False, False, False], kind="stable")
    dated = dated.tail(max_rows)
    undated_ids = list(inc.loc[spans["start"].isna(), "incident_id"])
    note = "incidents only, each drawn over the span of dates its sources allow; persons as reported."
    if undated_ids:
        note += f" Without a start date, not shown: {', '.join(undated_ids)}."
    n = len(dated)
    height = max(2.6, 0.9 + 0.3 * n)
    fig, _ = _new_figure(9.0, height, sources, note)
    ax = fig.add_subplot()
    labels = []
    for i, (_, r) in enumerate(dated.iterrows()):
        style = PRECISION_STYLES.get(r["date_precision"], PRECISION_STYLES["unknown"])
        start = r["_start"]
        end = r["_end"] + pd.Timedelta(days=1)
        if r["date_precision"] == "day" or (end - start).days <= 1:
            ax.plot(start + pd.Timedelta(hours=12), i, "o", ms=5, color=PRECISION_STYLES["day"]["color"], zorder=3)
        else:
            ax.barh(i, end - start, left=start, height=0.6, color=style["color"], alpha=style["alpha"], hatch=style["hatch"],
                    edgecolor="white" if not style["hatch"] else "#8a5a3c", linewidth=0.4, zorder=2)
        region = str(r["region_name"]).replace(codebook.MULTI_SEP, ", ") if pd.notna(r["region_name"]) else "region not stated"
        region = textwrap.shorten(region, 30, placeholder="…")
        labels.append(f"{r['incident_id']} · {region} · {aggregate.persons_label(r)}")
    ax.set_yticks(range(n), labels)
    pad = max(0.0, (4 - n) / 2)  # a few rows keep their bar height instead of filling the plot
    ax.set_ylim(-0.7 - pad, n - 0.3 + pad)
    ax.tick_params(axis="y", length=0, labelsize=7.5)
    ax.spines["left"].set_visible(False)
    ax.grid(axis="x", color="#e3e3e3", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    if n:
        lo, hi = dated["_start"].min(), dated["_end"].max() + pd.Timedelta(days=1)
        # At least a year in view, so a few weeks never fill the axis like a precise date.
        if hi - lo < pd.Timedelta(days=365):
            mid = lo + (hi - lo) / 2
            lo, hi = mid - pd.Timedelta(days=183), mid + pd.Timedelta(days=183)
        pad = max(pd.Timedelta(days=15), (hi - lo) * 0.03)
        ax.set_xlim(lo - pad, hi + pad)
        # Month ticks carry their year; over several years, years with quarter minor ticks.
        if hi - lo < pd.Timedelta(days=2 * 365):
            ax.xaxis.set_major_locator(matplotlib.dates.AutoDateLocator(minticks=3, maxticks=7))
            ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%b %Y"))
        else:
            ax.xaxis.set_major_locator(matplotlib.dates.YearLocator())
            ax.xaxis.set_minor_locator(matplotlib.dates.MonthLocator((1, 4, 7, 10)))
            ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    else:
        ax.text(0.5, 0.5, "No dated incidents", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    present = [p for p in PRECISION_STYLES if p in set(dated["date_precision"])]
    handles = []
    for p in present:
        s = PRECISION_STYLES[p]
        if p == "day":
            handles.append(Line2D([0], [0], marker="o", color="none", markerfacecolor=s["color"], markeredgecolor="none", ms=5, label="dated to the day"))
        else:
            handles.append(Patch(facecolor=s["color"], alpha=s["alpha"], hatch=s["hatch"], edgecolor="#8a5a3c" if s["hatch"] else "none",
                                 label=f"dated to the {s['label']}" if p != "range" else "dated to a span of days"))
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.25 / height), ncol=min(len(handles), 3), fontsize=7)
    if title:
        ax.set_title(title)
    fig.timeline_data = dated[["incident_id", "_start", "_end", "date_precision"]].rename(columns={"_start": "start", "_end": "end"})
    return fig


# --------------------------------------------------------------------------------------
# Bars with ranges
# --------------------------------------------------------------------------------------

_BY_TITLES = {"victim_group": "victim group", "coercion": "coercion method", "perpetrator": "perpetrator"}


def category_bars(events: pd.DataFrame, sources: pd.DataFrame | int, by: str = "victim_group", *, title: str | None = None) -> Figure:
    """Persons (best estimate, bar) with the low-high range (line) per victim group, coercion method or perpetrator.

    Categories are not exclusive. Incidents with an unknown count are written next to
    their category, never drawn as zero persons.
    """
    if by not in _BY_TITLES:
        raise ValueError(f"unknown category {by!r}; accepted: {', '.join(_BY_TITLES)}")
    table = aggregate.by_category(events, by)
    table = table.sort_values(["persons_best", "n_incidents"], ascending=True, kind="stable").reset_index(drop=True)
    note = (f"incidents only; bar = persons (best estimate), line = low to high, arrow = no upper bound. "
            f"An incident with several {_BY_TITLES[by]}s counts in each.")
    n = len(table)
    fig, _ = _new_figure(9.0, max(2.4, 0.8 + 0.32 * n), sources, note)
    ax = fig.add_subplot()
    y = np.arange(n)
    ax.barh(y, table["persons_best"], height=0.55, color=LIGHT_ACCENT, zorder=2, label="persons, best estimate")
    ax.hlines(y, table["persons_low"], table["persons_high"], color=ACCENT, lw=1.6, zorder=3, label="low to high")
    ax.plot(table["persons_low"], y, "|", color=ACCENT, ms=8, zorder=3)
    ax.plot(table["persons_high"], y, "|", color=ACCENT, ms=8, zorder=3)
    xmax = max(1.0, float(table["persons_high"].max()) if n else 1.0)
    for i, r in table.iterrows():
        if r["high_open"]:
            ax.annotate("", xy=(r["persons_high"] + 0.06 * xmax, i), xytext=(r["persons_high"], i),
                        arrowprops={"arrowstyle": "->", "color": ACCENT, "lw": 1.2}, zorder=3)
        text = f"{_fmt_value(r['persons_best'])} " if r["n_incidents"] > r["n_count_unknown"] else "count unknown "
        text += f"({r['n_incidents']} incident{'s' if r['n_incidents'] != 1 else ''}"
        if r["n_count_unknown"] and r["n_incidents"] > r["n_count_unknown"]:
            text += f", {r['n_count_unknown']} count unknown"
        text += ")"
        ax.text(max(r["persons_high"], r["persons_best"]) + 0.09 * xmax, i, text, va="center", fontsize=7.5, color=INK)
    ax.set_yticks(y, [aggregate.category_label(v) for v in table[by]])
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(0, xmax * 1.45)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel("persons affected")
    ax.grid(axis="x", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title)
    fig.category_data = table
    return fig


def trend_chart(
    events: pd.DataFrame,
    sources: pd.DataFrame | int,
    freq: str = "quarter",
    start: str | None = None,
    end: str | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Persons (best, bars; low-high, lines) and incidents per period, spans spread by the rules of aggregate.by_period."""
    table = aggregate.by_period(events, freq, start, end)
    note = (f"incidents only, per {freq}. An incident dated only to a span is spread over it: best = share of its days, "
            "low = only incidents wholly in the period, high = every incident that may fall in it.")
    u = aggregate.undated(events)
    if len(u):
        note += f" {len(u)} undated incident{'s' if len(u) != 1 else ''} not shown."
    fig, _ = _new_figure(9.0, 5.4, sources, note)
    gs = fig.add_gridspec(2, 1, height_ratios=[2.2, 1])
    ax = fig.add_subplot(gs[0])
    ax2 = fig.add_subplot(gs[1], sharex=ax)
    x = np.arange(len(table))
    ax.bar(x, table["persons_best"], width=0.7, color=LIGHT_ACCENT, zorder=2, label="persons, best estimate")
    ax.vlines(x, table["persons_low"], table["persons_high"], color=ACCENT, lw=1.4, zorder=3, label="low to high")
    for i, r in table.iterrows():
        if r["high_open"]:
            ax.plot(i, r["persons_high"], marker="^", color=ACCENT, ms=4, zorder=3)
    ax.set_ylabel("persons affected")
    ax.grid(axis="y", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = [Patch(facecolor=LIGHT_ACCENT, label="persons, best estimate"), Line2D([0], [0], color=ACCENT, lw=1.4, label="low to high"),
               Line2D([0], [0], marker="^", color="none", markerfacecolor=ACCENT, markeredgecolor="none", label="no upper bound")]
    ax.legend(handles=handles, loc="upper left", fontsize=7)
    within = table["n_incidents_within"]
    spanning = table["n_incidents_spanning"]
    ax2.bar(x, within, width=0.7, color="#7a7a7a", label=f"within the {freq}")
    ax2.bar(x, spanning, width=0.7, bottom=within, color="#cfcfcf", hatch="///", edgecolor="white", linewidth=0, label="spanning several periods")
    for i, r in table.iterrows():
        if r["n_count_unknown"]:
            ax2.text(i, r["n_incidents"] + 0.1, f"{r['n_count_unknown']}?", ha="center", va="bottom", fontsize=6.5, color=MUTED)
    ax2.set_ylabel("incidents")
    ax2.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax2.legend(loc="upper left", fontsize=7, ncol=2)
    step = max(1, math.ceil(len(table) / 16))
    ax2.set_xticks(x[::step], table["period"].iloc[::step], rotation=0 if len(table) <= 8 else 45, ha="center" if len(table) <= 8 else "right")
    plt.setp(ax.get_xticklabels(), visible=False)
    ymax = float(table["n_incidents"].max()) if len(table) else 1
    ax2.set_ylim(0, max(1.0, ymax) * 1.35 + 0.3)
    if len(table) == 0:
        ax.text(0.5, 0.5, "No incidents in this period", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    if title:
        ax.set_title(title)
    fig.trend_data = table
    return fig


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------


def ransom_table(amounts: pd.DataFrame, events: pd.DataFrame, purposes: Iterable[str] | None = None) -> pd.DataFrame:
    """The ransoms and payments table: original currency, RUB, USD and the conversion basis."""
    return aggregate.ransom_display(amounts, events, purposes)


def ransom_chart(amounts: pd.DataFrame, events: pd.DataFrame, sources: pd.DataFrame | int, *, title: str | None = None) -> Figure:
    """Each amount in US dollars (bar; range where the source gives one), with the dollar figure the source states."""
    df = aggregate.money_table(amounts, events)
    note = "amounts in US dollars at the Bank of Russia rate of the middle of the incident's dates (or as paid); diamond = the source's own dollar figure."
    n = len(df)
    fig, _ = _new_figure(9.0, max(2.4, 1.3 + 0.42 * n), sources, note)
    ax = fig.add_subplot()
    y = np.arange(n)
    usd = df["amount_usd"].astype(float).fillna(0.0).to_numpy()
    usd_high = df["amount_usd_high"].astype(float).fillna(df["amount_usd"].astype(float)).fillna(0.0).to_numpy()
    ratio = np.divide(usd_high, usd, out=np.ones_like(usd), where=usd > 0)
    ax.barh(y, usd, height=0.55, color=[ACCENT if p == "ransom" else "#8c8c8c" for p in df["purpose"]], zorder=2)
    for i in range(n):
        if ratio[i] > 1:
            ax.hlines(i, usd[i], usd[i] * ratio[i], color=INK, lw=1.2, zorder=3)
        stated = df["stated_usd"].iloc[i]
        if pd.notna(stated):
            ax.plot(stated, i, "D", color=INK, ms=5, zorder=4)
        text = aggregate.format_amount(df.iloc[i])
        if df["currency"].iloc[i] != "USD" and usd[i] > 0:
            text += f" = ${usd[i]:,.0f}"
        if pd.notna(stated):
            q = aggregate._QUALIFIER_TEXT.get(df["stated_usd_qualifier"].iloc[i] or "exact", "")
            text += f" (source: {q}${stated:,.0f})"
        ax.text(max(usd[i] * ratio[i], stated if pd.notna(stated) else 0) * 1.02 + 0.01 * max(usd.max(), 1), i,
                text, va="center", fontsize=7.5)
    labels = [f"{r['incident_id']} · {r['purpose']} · {aggregate.date_label(r)}" for _, r in df.iterrows()]
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0, labelsize=7.5)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, max(1.0, float((usd * ratio).max()) if n else 1.0, float(df["stated_usd"].max()) if df["stated_usd"].notna().any() else 0) * 1.8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"${v:,.0f}"))
    ax.set_xlabel("US dollars")
    ax.grid(axis="x", color="#e3e3e3", linewidth=0.6)
    ax.set_axisbelow(True)
    handles = [Patch(facecolor=ACCENT, label="ransom"), Patch(facecolor="#8c8c8c", label="other payment"),
               Line2D([0], [0], marker="D", color="none", markerfacecolor=INK, markeredgecolor="none", label="dollar figure stated by the source")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22 - 0.3 / fig.get_figheight()), ncol=3, fontsize=7)
    if not n:
        ax.text(0.5, 0.5, "No amounts recorded", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    if title:
        ax.set_title(title)
    return fig
