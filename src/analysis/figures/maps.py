"""Maps: incidents by first-level region, and the flows of victims.

Maps use a Lambert conformal conic projection: centred on 100E for the whole of Russia
(so Chukotka, split at the antimeridian in the boundary file, stays in one piece) and on
45E for the west view (European Russia, Ukraine and the Caucasus, where most incidents
are). Crimea and Sevastopol are drawn in Ukraine's style and hatched as occupied; the
four partially occupied oblasts get a lighter hatch. Map functions attach what they drew
to the figure (``fig.region_styles``, ``fig.map_labels``, ``fig.flow_data``) so tests and
notebooks can check it against the counting tables.

A figure shared by several regions (an incident naming them without a split, rule 6) is
written once, between them, with a thin line to each: two regions never read '300' each
when the sources speak of 300 in both together. Incidents without a region are named
beside the map, never dropped silently.
"""

from __future__ import annotations

import math
import textwrap
from typing import Iterable

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from pyproj import Transformer
from shapely.geometry import box
from shapely.ops import unary_union

from analysis import aggregate, display
from analysis import load as load_mod
from analysis.figures.style import (
    ACCENT, CLASS_COLORS, COUNT_UNKNOWN_COLOR, COUNTRY_STYLES, HATCH_COLOR, INK, MUTED, NARROW,
    OCCUPATION_HATCHES, OCCUPIED_HATCH, ORIGIN, OTHER_COUNTRY_STYLE, PARTIAL_HATCH, PRINT_WIDTH,
    claim_marked, claims_legend, fmt_value, new_figure, on_color, source_height, wrap,
)

COUNT_UNKNOWN_CLASS = "incidents, count unknown"
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
#: Most labels a map writes, and most lines of its list of regions; the rest are counted.
MAX_LABELS = 25
MAX_LISTED = 10
#: Most arrows a flow map draws (the largest flows); the rest are counted in its note.
MAX_FLOWS = 30
LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8}


# --------------------------------------------------------------------------------------
# Region styles and labels
# --------------------------------------------------------------------------------------


def _nice_up(x: float) -> int:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 7.5 times a power of ten) at least ``x``."""
    step = 10 ** math.floor(math.log10(max(x, 1)))
    return int(math.ceil(next(m * step for m in (1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10) if m * step >= x)))


def class_breaks(values, n_classes: int = len(CLASS_COLORS)) -> list[tuple[int, str]]:
    """Classes of the choropleth chosen by the data: round breaks at the quantiles of the
    regions' values, so 7 regions or 80 are spread over the colours, never all in one.

    Returns (lowest value, label) per class, each class running to the next; whole numbers, from 1.
    """
    v = np.asarray([x for x in values if x > 0], dtype=float)
    if not len(v):
        return [(1, "1 or more")]
    uppers = sorted({_nice_up(q) for q in np.quantile(v, np.linspace(0, 1, n_classes + 1)[1:-1])} - {0})
    uppers = [u for u in uppers if u < v.max()][:n_classes - 1]
    lows = [1] + [u + 1 for u in uppers]
    labels = [f"{lo:,}–{hi:,}" if lo < hi else f"{lo:,}" for lo, hi in zip(lows, uppers)] + [f"{lows[-1]:,} or more"]
    return list(zip(lows, labels))


def _classify(value: float, n_incidents: int, has_count: bool, classes: list[tuple[int, str]]) -> tuple[str, str]:
    """(class label, colour) of a region's value."""
    if n_incidents == 0:
        return "", ""
    if not has_count:
        return COUNT_UNKNOWN_CLASS, COUNT_UNKNOWN_COLOR
    colors = CLASS_COLORS[:len(classes)]
    label, color = classes[0][1], colors[0]
    for (lower, lab), col in zip(classes, colors):
        if value >= lower:
            label, color = lab, col
    return label, color


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
    Crimea is 'UA'), base_facecolor, edgecolor, hatch, hatch_color, marked_occupied,
    n_incidents, n_incidents_shared, n_count_unknown, has_count, persons_best, value,
    value_class, fill (the colour drawn: the class colour, or the country's base colour).
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
    regions["has_count"] = regions["iso_3166_2"].map(stats["has_count"]).fillna(False).astype(bool)
    regions["persons_best"] = regions["iso_3166_2"].map(stats["persons_best"]).fillna(0).astype(float)
    regions["value"] = regions["persons_best"] if value == "persons" else regions["n_incidents"].astype(float)
    classes = class_breaks(regions.loc[regions["has_count"] | (value == "incidents"), "value"])
    regions.attrs["classes"] = classes
    classified = [_classify(v, n, c or value == "incidents", classes)
                  for v, n, c in zip(regions["value"], regions["n_incidents"], regions["has_count"])]
    regions["value_class"] = [c[0] for c in classified]
    regions["fill"] = [c[1] or base for c, base in zip(classified, regions["base_facecolor"])]
    # Hatch lines stay visible on dark classes: white there, navy on light fills.
    regions["hatch_color"] = [on_color(f) for f in regions["fill"]]
    return regions


def map_labels(events: pd.DataFrame, value: str = "persons") -> pd.DataFrame:
    """The figures a region map writes: one per set of regions named together (``aggregate.region_groups``).

    Columns: region_codes, n_regions, text (the number, CLAIM_MARK where it rests on
    claims; '' where every count is unknown and value is 'persons'), plus the group's
    sums. A group of several regions is written once, between them.
    """
    groups = aggregate.region_groups(events)
    if value == "persons":
        text = [claim_marked(fmt_value(r["persons_best"]), r["persons_best_claimed"] > 0) if r["has_count"] else ""
                for _, r in groups.iterrows()]
    else:
        text = [claim_marked(f"{r['n_incidents']:,}", r["n_incidents_claimed"] > 0) for _, r in groups.iterrows()]
    return groups.assign(text=text)


def _group_name(codes: str, names: dict[str, str], limit: int = 60) -> str:
    return textwrap.shorten(" + ".join(names.get(c, c) for c in aggregate.split_values(codes)), limit, placeholder="…")


def _list_lines(labels: pd.DataFrame, names: dict[str, str], value: str, outside: set[str], width: float) -> list[str]:
    """The map's list of what it shows: each group's figure once, with its incidents."""
    lines = []
    for _, g in labels.head(MAX_LISTED).iterrows():
        shown = g["text"] or display.COUNT_UNKNOWN
        if value == "incidents":
            shown = display.plural(int(g["n_incidents"]), "incident") + (display.CLAIM_MARK if g["n_incidents_claimed"] else "")
            detail = f"{fmt_value(g['persons_best'])} persons, best" if g["has_count"] else display.COUNT_UNKNOWN
        else:
            detail = display.plural(int(g["n_incidents"]), "incident")
            if g["n_count_unknown"] and g["has_count"]:
                detail += f", {g['n_count_unknown']} count unknown"
        if g["n_regions"] > 1:
            detail += ", one figure for all, not divided"
        if set(aggregate.split_values(g["region_codes"])) & outside:
            detail += ", in the inset"
        lines.append(wrap(f"{_group_name(g['region_codes'], names)}: {shown} ({detail})", width, 7.0))
    if len(labels) > MAX_LISTED:
        lines.append(f"… and {len(labels) - MAX_LISTED} more")
    return lines


def _unplaced_line(events: pd.DataFrame) -> str:
    u = aggregate.unplaced(events)
    u = u[u["missing"].str.contains(aggregate.NO_REGION)]
    if not len(u):
        return ""
    items = [f"{r['incident_id']} ({claim_marked(display.persons_label(r), bool(r['claimed_by_party']))})" for _, r in u.head(8).iterrows()]
    more = f" and {len(u) - 8} more" if len(u) > 8 else ""
    return f"Not on the map, no region stated: {', '.join(items)}{more}."


# --------------------------------------------------------------------------------------
# The region map
# --------------------------------------------------------------------------------------


def _draw_base(ax, proj: gpd.GeoDataFrame, ctx: gpd.GeoDataFrame, view) -> None:
    others = ctx[~ctx["iso_a2"].isin(["RU", "UA"])]
    others.plot(ax=ax, facecolor=OTHER_COUNTRY_STYLE["facecolor"], edgecolor=OTHER_COUNTRY_STYLE["edgecolor"], linewidth=0.5)
    proj.plot(ax=ax, color=proj["fill"], edgecolor="white", linewidth=0.35)
    for status, hatch in OCCUPATION_HATCHES.items():
        for color in (HATCH_COLOR, "#ffffff"):
            part = proj[(proj["occupation_status"] == status) & (proj["hatch_color"] == color)]
            if hatch and len(part):
                part.plot(ax=ax, facecolor="none", edgecolor=color, hatch=hatch, linewidth=0)
    # Country outlines from the admin-0 file, where Crimea lies inside Ukraine.
    for iso, style in COUNTRY_STYLES.items():
        ctx[ctx["iso_a2"] == iso].plot(ax=ax, facecolor="none", edgecolor=style["edgecolor"], linewidth=1.1 if iso == "UA" else 0.8)
    for _, c in others.iterrows():
        part = c.geometry.intersection(view)
        if not part.is_empty and part.area > 0.02 * view.area:
            p = part.representative_point()
            ax.text(p.x, p.y, c["name_en"], fontsize=7, color="#767676", style="italic", ha="center", va="center")


def _write_labels(ax, proj: gpd.GeoDataFrame, labels: pd.DataFrame, view) -> pd.DataFrame:
    """Write each group's figure, largest first: on its region, or between its regions with a line
    to each. A figure that would cover one already written is left to the list beside the map."""
    geo = proj.set_index("iso_3166_2")
    renderer = ax.figure.canvas.get_renderer()
    written, taken = [], []
    for _, g in labels[labels["text"] != ""].head(MAX_LABELS).iterrows():
        codes = [c for c in aggregate.split_values(g["region_codes"]) if c in geo.index]
        points = [geo.loc[c, "geometry"].representative_point() for c in codes]
        if not points or not any(p.within(view) for p in points):
            continue
        at = unary_union([geo.loc[c, "geometry"] for c in codes]).representative_point() if len(codes) > 1 else points[0]
        text = ax.annotate(g["text"], (at.x, at.y), ha="center", va="center", fontsize=7.5, fontweight="bold", color=INK,
                           bbox=LABEL_BOX, zorder=7)
        extent = text.get_window_extent(renderer)
        if any(extent.overlaps(t) for t in taken):
            text.remove()
            continue
        taken.append(extent)
        if len(codes) > 1:
            for p in points:
                ax.plot([at.x, p.x], [at.y, p.y], color=INK, lw=0.7, zorder=6)
                ax.plot(p.x, p.y, "o", ms=2.5, color=INK, zorder=6)
        written.append({"region_codes": g["region_codes"], "text": g["text"], "x": at.x, "y": at.y})
    return pd.DataFrame(written, columns=["region_codes", "text", "x", "y"])


def _map_handles(styles: gpd.GeoDataFrame, classes, labels: pd.DataFrame) -> list:
    """The legend's entries: only classes and styles the map draws."""
    handles = []
    present = set(styles["value_class"])
    for _, label in classes:
        if label in present:
            handles.append(Patch(facecolor=styles.loc[styles["value_class"] == label, "fill"].iloc[0], edgecolor="none", label=label))
    if COUNT_UNKNOWN_CLASS in present:
        handles.append(Patch(facecolor=COUNT_UNKNOWN_COLOR, edgecolor="none", label=display.COUNT_UNKNOWN))
    for iso, style in COUNTRY_STYLES.items():
        handles.append(Patch(facecolor=style["facecolor"], edgecolor=style["edgecolor"], label=f"{style['label']}, no incident"))
    statuses = set(styles.loc[styles["country_style"] == "UA", "occupation_status"])
    if "occupied" in statuses:
        handles.append(Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=OCCUPIED_HATCH,
                             label="occupied (Crimea, Sevastopol)"))
    if "partially_occupied" in statuses:
        handles.append(Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=PARTIAL_HATCH,
                             label="partially occupied oblast"))
    if (labels["n_regions"] > 1).any():
        handles.append(Line2D([0], [0], color=INK, lw=0.7, marker="o", ms=2.5, label="figure shared by regions"))
    return handles


def _map_alt(labels: pd.DataFrame, names: dict[str, str], value: str, what: str, unplaced: str, claimed: bool) -> str:
    items = []
    for _, g in labels.iterrows():
        name = _group_name(g["region_codes"], names, 200)
        if g["n_regions"] > 1:
            name += " together (one figure shared by them)"
        items.append(f"{name}: {g['text'] or display.COUNT_UNKNOWN}")
    n_regions = len({c for codes in labels["region_codes"] for c in aggregate.split_values(codes)})
    return (f"Map of Russia and Ukraine by first-level region, coloured by {what} in the incidents naming each region. "
            f"{display.plural(n_regions, 'region')} with incidents: {'; '.join(items[:12])}"
            + (f"; and {len(items) - 12} more" if len(items) > 12 else "") + ". "
            + (f"{unplaced} " if unplaced else "")
            + ("Figures marked * include claims of a party to the conflict. " if claimed else "")
            + "Crimea and Sevastopol are drawn as Ukraine and hatched as occupied.")


def region_map(events: pd.DataFrame, sources, *, value: str = "persons", extent: str = "west",
               regions: gpd.GeoDataFrame | None = None, countries: gpd.GeoDataFrame | None = None,
               title: str | None = None, width: float = PRINT_WIDTH) -> Figure:
    """Choropleth of Russia and Ukraine by first-level region: persons (best) or incidents.

    Regions keep their country's base style where they have no incident; Crimea and
    Sevastopol use Ukraine's and are hatched as occupied, the partially occupied oblasts
    more lightly. A figure shared by several regions is written once, between them.
    ``fig.region_styles`` holds how every region was drawn, ``fig.map_labels`` the figures written.
    """
    if extent not in EXTENTS:
        raise ValueError(f"unknown extent {extent!r}; accepted: {', '.join(EXTENTS)}")
    styles = region_styles(events, regions, value)
    countries = countries if countries is not None else load_mod.load_countries()
    crs = EXTENTS[extent]["crs"]
    proj, ctx = styles.to_crs(crs), countries.to_crs(crs)
    labels = map_labels(events, value)
    names = dict(zip(styles["iso_3166_2"], styles["name_en"]))
    claimed = bool((labels["persons_high_claimed"] > 0).any() if value == "persons" else (labels["n_incidents_claimed"] > 0).any())
    unplaced = _unplaced_line(events)
    what = "persons affected (best estimate)" if value == "persons" else "incidents"
    note = " ".join(p for p in [
        f"incidents only; regions coloured by {what}. An incident naming several regions without a split counts in each, "
        "so regions do not add up to the total; its figure is written once, between them.", unplaced,
        claims_legend(events, claimed), "Boundaries: Natural Earth."] if p)
    x0, y0, x1, y1 = _map_bounds(proj, extent, crs)
    view = box(x0, y0, x1, y1)
    outside = set(proj.loc[(proj["n_incidents"] > 0) & ~proj.geometry.representative_point().within(view), "iso_3166_2"])
    side_w = width * 0.36 - 0.1 if width >= NARROW else width - 0.1
    lines = _list_lines(labels, names, value, outside, side_w)
    handles = _map_handles(styles, styles.attrs["classes"], labels)
    list_in = 0.2 + 0.122 * sum(line.count("\n") + 1 for line in lines)
    fig, ax, side = _map_frame(width, (y1 - y0) / (x1 - x0), 0.3 + 0.165 * len(handles) + list_in,
                               source_height(width, sources, note, events), lambda h: new_figure(width, h, sources, note, events, layout="none"))
    side.set_axis_off()
    ax.set_axis_off()
    ax.set_aspect("equal")
    _draw_base(ax, proj, ctx, view)
    ax.set_xlabel("")
    ax.set_ylabel("")  # geopandas names the projected axes; a map needs no axis titles
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    written = _write_labels(ax, proj, labels, view)
    fig.locator_inset = _inset_if_needed(ax, styles, ctx, (x0, y0, x1, y1), crs, proj, outside, written)
    side.legend(handles=handles, title="Persons affected (best)" if value == "persons" else "Incidents", loc="upper left",
                bbox_to_anchor=(0.0, 1.0), fontsize=7.5, handlelength=1.5, handleheight=1.0, alignment="left", borderaxespad=0.0)
    side.text(0.0, list_in / (side.get_position().height * fig.get_figheight()), "Regions with incidents\n" + "\n".join(lines),
              transform=side.transAxes, ha="left", va="top",
              fontsize=7.0, color=INK, linespacing=1.25)
    if title:
        ax.set_title(title)
    fig.region_styles, fig.map_labels, fig.regions_outside_view = styles, written, sorted(outside)
    fig.alt_text = _map_alt(labels, names, value, what, unplaced, claimed)
    return fig


def _map_bounds(proj: gpd.GeoDataFrame, extent: str, crs: str) -> tuple[float, float, float, float]:
    """Projected limits of a map view: the west view's box, or the whole of both countries with a margin."""
    if extent == "west":
        return _view_bounds(crs, EXTENTS[extent]["bounds"])
    x0, y0, x1, y1 = proj.total_bounds
    pad = 0.02 * (x1 - x0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _map_frame(width: float, aspect: float, side_h: float, source_in: float, make_figure):
    """The figure and its two axes, placed in inches: the map and, beside it (wide) or under it
    (narrow), the panel of legend and list. ``aspect`` is the map's height over its width."""
    wide = width >= NARROW
    map_w = width * 0.64 if wide else width
    side_w = width - map_w - 0.1 if wide else width - 0.1
    map_h = map_w * aspect
    height = (max(map_h, side_h) if wide else map_h + 0.1 + side_h) + source_in + 0.05
    fig = make_figure(height)
    top = height - 0.02
    ax = fig.add_axes([0, (top - map_h) / height, map_w / width, map_h / height])
    side_x, side_y = ((map_w + 0.1) / width, (top - side_h) / height) if wide else (0.05 / width, (top - map_h - 0.1 - side_h) / height)
    side = fig.add_axes([side_x, side_y, side_w / width, side_h / height])
    return fig, ax, side


def _inset_if_needed(ax, styles, ctx, bounds, crs, proj, outside: set[str], written: pd.DataFrame):
    if not outside:
        return None
    x0, y0, x1, y1 = bounds
    # The inset goes in the first corner where it hides no label of the main view.
    at = [((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)) for x, y in zip(written["x"], written["y"])]
    corners = [[0.60, 0.58, 0.40, 0.42], [0.60, 0.0, 0.40, 0.42], [0.0, 0.58, 0.40, 0.42]]
    free = [c for c in corners if not any(c[0] - 0.03 <= u <= c[0] + c[2] + 0.03 and c[1] - 0.03 <= v <= c[1] + c[3] + 0.03
                                           for u, v in at)]
    return _locator_inset(ax, styles, ctx, box(x0, y0, x1, y1), crs, proj[proj["iso_3166_2"].isin(outside)], (free or corners)[0])


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
    for _, r in whole[whole["iso_3166_2"].isin(outside["iso_3166_2"])].iterrows():
        if not (r["has_count"] or r["value_class"] != COUNT_UNKNOWN_CLASS):
            continue
        pt = r.geometry.representative_point()
        inset.annotate(fmt_value(r["value"]), (pt.x, pt.y), ha="center", va="center", fontsize=7, fontweight="bold", color=INK,
                       bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.8})
    x0, y0, x1, y1 = whole.total_bounds
    pad = 0.03 * (x1 - x0)
    inset.set_xlim(x0 - pad, x1 + pad)
    inset.set_ylim(y0 - pad, y1 + pad)
    inset.set_xlabel("")
    inset.set_ylabel("")  # geopandas names the projected axes; the inset needs no axis titles
    inset.set_title("whole map", fontsize=7, color=MUTED, pad=2)
    return inset


# --------------------------------------------------------------------------------------
# The flow map
# --------------------------------------------------------------------------------------


#: Prefixes of official names left out of the flow map's labels, where space is short.
_NAME_PREFIXES = ("Autonomous Republic of ", "Republic of ")


def _short_name(name: str) -> str:
    for prefix in _NAME_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _anchor_points(codes: Iterable[str], regions: gpd.GeoDataFrame, countries: gpd.GeoDataFrame) -> dict[str, tuple]:
    """(lon, lat, name, members) of each flow end: a region or country code, or several
    joined by '|' (one end shared by them, drawn between them with a line to each member)."""
    reg = regions.set_index("iso_3166_2")
    cty = countries.set_index("iso_a2")

    def one(code: str):
        if code in reg.index:
            p = reg.loc[code, "geometry"].representative_point()
            return p.x, p.y, str(reg.loc[code, "name_en"])
        if code in COUNTRY_ANCHOR_REGIONS and COUNTRY_ANCHOR_REGIONS[code] in reg.index:
            p = reg.loc[COUNTRY_ANCHOR_REGIONS[code], "geometry"].representative_point()
            return p.x, p.y, str(cty.loc[code, "name_en"]) if code in cty.index else code
        if code in cty.index:
            p = cty.loc[code, "geometry"].representative_point()
            return p.x, p.y, str(cty.loc[code, "name_en"])
        return None

    out = {}
    for code in codes:
        members = [one(c) for c in aggregate.split_values(code)]
        if members and all(m is not None for m in members):
            lon, lat = float(np.mean([m[0] for m in members])), float(np.mean([m[1] for m in members]))
            out[code] = (lon, lat, " + ".join(_short_name(m[2]) for m in members), [m[:2] for m in members] if len(members) > 1 else [])
    return out


#: Offsets (points) tried in turn for a point's label: right, left, above, below, diagonals.
_LABEL_OFFSETS = [(6, 0, "left", "center"), (-6, 0, "right", "center"), (0, 7, "center", "bottom"), (0, -7, "center", "top"),
                  (5, 6, "left", "bottom"), (5, -6, "left", "top"), (-5, 6, "right", "bottom"), (-5, -6, "right", "top"),
                  (10, 12, "left", "bottom"), (10, -12, "left", "top"), (-10, 12, "right", "bottom"), (-10, -12, "right", "top")]
#: Offsets (points) tried for a flow's number: on the arc first, then around it.
_EDGE_OFFSETS = [(0, 0, "center", "center"), (0, 9, "center", "bottom"), (0, -9, "center", "top"),
                 (9, 0, "left", "center"), (-9, 0, "right", "center")]


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _place_label(ax, xy: tuple[float, float], text: str, taken: list, offsets=_LABEL_OFFSETS, **style) -> None:
    """Write ``text`` near ``xy`` at the first offset where it overlaps no earlier label, point or
    arrowhead and stays inside the map; where none is free, at the offset that overlaps least."""
    renderer = ax.figure.canvas.get_renderer()
    axes_box = ax.get_window_extent()
    kwargs = {"fontsize": 7.5, "color": INK, "zorder": 8,
              "bbox": {"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8}, **style}
    best, best_cost = None, math.inf
    for dx, dy, ha, va in offsets:
        t = ax.annotate(text, xy, xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **kwargs)
        extent = t.get_window_extent(renderer)
        outside = extent.width * extent.height - _overlap(extent, axes_box)
        cost = 3 * outside + sum(_overlap(extent, b) for b in taken)
        if cost < best_cost:
            if best is not None:
                best.remove()
            best, best_cost = t, cost
        else:
            t.remove()
        if cost == 0:
            break
    taken.append(best.get_window_extent(renderer))


def _flow_view(anchors: dict) -> tuple[str, tuple[float, float, float, float]]:
    points = [(a[0], a[1]) for a in anchors.values()] + [m for a in anchors.values() for m in a[3]]
    lons = [p[0] for p in points] or [30.0, 60.0]
    lats = [p[1] for p in points] or [45.0, 60.0]
    lon0, lon1, lat0, lat1 = min(lons) - 4, max(lons) + 4, min(lats) - 3, max(lats) + 3
    # A view at least as large as Ukraine and the Caucasus, so short flows keep context.
    if lon1 - lon0 < 24:
        mid = (lon0 + lon1) / 2
        lon0, lon1 = mid - 12, mid + 12
    if lat1 - lat0 < 12:
        mid = (lat0 + lat1) / 2
        lat0, lat1 = mid - 6, mid + 6
    crs = (f"+proj=lcc +lat_0={(lat0 + lat1) / 2:.1f} +lon_0={(lon0 + lon1) / 2:.1f} +lat_1={lat0 + 2:.1f} "
           f"+lat_2={lat1 - 2:.1f} +datum=WGS84 +units=m +no_defs")
    return crs, (lon0, lat0, lon1, lat1)


def _draw_flow_base(ax, ctx: gpd.GeoDataFrame, reg: gpd.GeoDataFrame, view, endpoints: set[str]) -> None:
    """Countries and regions under the arrows, occupied territory hatched, neighbours named."""
    ctx[~ctx["iso_a2"].isin(["RU", "UA"])].plot(ax=ax, facecolor=OTHER_COUNTRY_STYLE["facecolor"],
                                                 edgecolor=OTHER_COUNTRY_STYLE["edgecolor"], linewidth=0.5)
    reg.plot(ax=ax, color=[COUNTRY_STYLES[c]["facecolor"] for c in reg["country_iso_a2"]], edgecolor="white", linewidth=0.3)
    for status, hatch in OCCUPATION_HATCHES.items():
        part = reg[reg["occupation_status"] == status]
        if hatch and len(part):
            part.plot(ax=ax, facecolor="none", edgecolor=HATCH_COLOR, hatch=hatch, linewidth=0, alpha=0.6)
    for iso, style in COUNTRY_STYLES.items():
        ctx[ctx["iso_a2"] == iso].plot(ax=ax, facecolor="none", edgecolor=style["edgecolor"], linewidth=1.0)
    for _, c in ctx[~ctx["iso_a2"].isin(["RU", "UA", *endpoints])].iterrows():
        part = c.geometry.intersection(view)
        if not part.is_empty and part.area > 0.03 * view.area:
            p = part.representative_point()
            ax.text(p.x, p.y, c["name_en"], fontsize=7, color="#767676", style="italic", ha="center", va="center")


def _flow_label(f: pd.Series) -> str:
    """The number an arrow carries: persons (best), '+' when open, CLAIM_MARK; '' when the count is unknown."""
    if not f["has_count"]:
        return ""
    text = fmt_value(f["persons_best"]) if f["persons_best"] > 0 else f"up to {fmt_value(f['persons_high'])}"
    return claim_marked(text + ("+" if f["high_open"] else ""), f["persons_high_claimed"] > 0)


def _draw_flows(ax, drawn: pd.DataFrame) -> list:
    max_best = max([1.0, *drawn["persons_best"]])
    edge_labels = []
    for _, f in drawn.iterrows():
        sent = "destination" in f["leg"]
        lw = 1.0 + 2.6 * math.sqrt(max(f["persons_best"], 1.0) / max_best) if f["has_count"] else 1.1
        color = (ACCENT if sent else ORIGIN) if f["has_count"] else MUTED
        arrow = FancyArrowPatch((f["x0"], f["y0"]), (f["x1"], f["y1"]), connectionstyle="arc3,rad=0.18", arrowstyle="-|>",
                                mutation_scale=7 + lw * 1.5, lw=lw, color=color, linestyle="-" if f["has_count"] else (0, (3, 2)),
                                alpha=0.9, shrinkA=3, shrinkB=3, zorder=6)
        ax.add_patch(arrow)
        # The middle of an arc3 curve lies half-way to its control point, mid + rad * (dy, -dx).
        dx, dy = f["x1"] - f["x0"], f["y1"] - f["y0"]
        edge_labels.append(((f["x0"] + f["x1"]) / 2 + 0.09 * dy, (f["y0"] + f["y1"]) / 2 - 0.09 * dx, f["label"], (f["x1"], f["y1"])))
    return edge_labels


def _flow_handles(drawn: pd.DataFrame, reg: gpd.GeoDataFrame) -> list:
    """The flow map's legend: only the kinds of arrow and of region it draws."""
    legs = drawn[drawn["has_count"]]["leg"]
    handles = []
    if legs.str.contains("destination").any():
        handles.append(Line2D([0], [0], color=ACCENT, lw=2.5, label="persons sent there (best)"))
    if (~legs.str.contains("destination")).any():
        handles.append(Line2D([0], [0], color=ORIGIN, lw=2.5, label="persons who came from there (best)"))
    if (~drawn["has_count"]).any():
        handles.append(Line2D([0], [0], color=MUTED, lw=1.1, linestyle=(0, (3, 2)), label="count unknown (no number)"))
    statuses = set(reg["occupation_status"])
    if "occupied" in statuses:
        handles.append(Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=OCCUPIED_HATCH, label="occupied (Crimea, Sevastopol)"))
    if "partially_occupied" in statuses:
        handles.append(Patch(facecolor=COUNTRY_STYLES["UA"]["facecolor"], edgecolor=HATCH_COLOR, hatch=PARTIAL_HATCH, label="partially occupied oblast"))
    return handles


def _flow_legend(ax, handles: list, width: float) -> None:
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.01), ncol=2 if width >= NARROW else 1, fontsize=7.5,
              frameon=False, borderaxespad=0.0)


def flow_map(events: pd.DataFrame, sources, *, regions: gpd.GeoDataFrame | None = None, countries: gpd.GeoDataFrame | None = None,
             title: str | None = None, width: float = PRINT_WIDTH) -> Figure:
    """Arrows from where victims came from to where they were taken, and from there to where they were sent.

    An arrow to a destination carries the persons sent there (those sent to war where the
    sources say how many, else all the incident's victims); an arrow from an origin the
    persons who came from there (aggregate rule 8). Width grows with persons (best);
    dashed arrows have no count. ``fig.flow_data`` is the flows table drawn, with
    coordinates; codes without a boundary and the smallest flows beyond MAX_FLOWS are
    named in the source line instead of drawn.
    """
    regions = regions if regions is not None else load_mod.load_regions()
    countries = countries if countries is not None else load_mod.load_countries()
    table = aggregate.flows(events)
    codes = sorted(set(table["from_code"]) | set(table["to_code"]))
    anchors = _anchor_points(codes, regions, countries)
    missing = [c for c in codes if c not in anchors]
    drawable = table[table["from_code"].isin(anchors) & table["to_code"].isin(anchors)]
    drawn = drawable.sort_values(["persons_best", "n_incidents"], ascending=False, kind="stable").head(MAX_FLOWS).copy()
    drawn["label"] = [_flow_label(f) for _, f in drawn.iterrows()]
    claimed = bool((drawn["persons_high_claimed"] > 0).any())
    note = " ".join(p for p in [
        "incidents only. An arrow to a destination counts the persons sent there (those sent to war where the sources say "
        "how many, otherwise all the incident's victims); an arrow from an origin the persons who came from there. An incident "
        "with several origins or destinations is drawn on each arrow, not divided.",
        f"Not drawn (no boundary): {', '.join(missing)}." if missing else "",
        f"{len(drawable) - len(drawn)} smaller flows not drawn." if len(drawable) > len(drawn) else "",
        claims_legend(events, claimed)] if p)
    crs, bounds = _flow_view({c: anchors[c] for c in set(drawn["from_code"]) | set(drawn["to_code"])} or anchors)
    x0, y0, x1, y1 = _view_bounds(crs, bounds)
    map_h = width * (y1 - y0) / (x1 - x0)
    view = box(x0, y0, x1, y1)
    handles = _flow_handles(drawn, regions.to_crs(crs).loc[lambda r: r.geometry.intersects(view)])
    legend_in = 0.15 + 0.17 * math.ceil(len(handles) / (2 if width >= NARROW else 1))
    source_in = source_height(width, sources, note, events)
    height = map_h + legend_in + source_in + 0.05
    fig = new_figure(width, height, sources, note, events, layout="none")
    ax = fig.add_axes([0, (height - 0.02 - map_h) / height, 1, map_h / height])
    ax.set_axis_off()
    ax.set_aspect("equal")
    view = box(x0, y0, x1, y1)
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    _draw_flow_base(ax, countries.to_crs(crs), regions.to_crs(crs), view, set(drawn["from_code"]) | set(drawn["to_code"]))
    xy = {c: t.transform(a[0], a[1]) for c, a in anchors.items()}
    for end, code in (("0", "from_code"), ("1", "to_code")):
        drawn["x" + end] = [xy[c][0] for c in drawn[code]]
        drawn["y" + end] = [xy[c][1] for c in drawn[code]]
    edge_labels = _draw_flows(ax, drawn)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    members = {c: [t.transform(lon, lat) for lon, lat in a[3]] for c, a in anchors.items()}
    _label_flows(ax, drawn, xy, members, anchors, edge_labels)
    _flow_legend(ax, handles, width)
    if not len(drawn):
        ax.text(0.5, 0.5, "No flows recorded", transform=ax.transAxes, ha="center", va="center", fontsize=9, color=MUTED)
    if title:
        ax.set_title(title)
    fig.flow_data = drawn
    fig.alt_text = _flow_alt(drawn, anchors, missing, claimed)
    return fig


def _label_flows(ax, drawn: pd.DataFrame, xy: dict, members: dict, anchors: dict, edge_labels: list) -> None:
    used = sorted(set(drawn["from_code"]) | set(drawn["to_code"]))
    for code in used:
        ax.plot(*xy[code], "o", ms=3.5, color=INK, zorder=7)
        for mx, my in members[code]:  # an end shared by several places: a thin line to each
            ax.plot([xy[code][0], mx], [xy[code][1], my], color=INK, lw=0.7, zorder=6)
            ax.plot(mx, my, "o", ms=2.5, color=INK, zorder=6)
    ax.figure.canvas.draw()  # fixes the layout, so label extents can be measured
    boxes = []
    for code in used:  # the points themselves
        px, py = ax.transData.transform(xy[code])
        boxes.append(matplotlib.transforms.Bbox.from_bounds(px - 3, py - 3, 6, 6))
    for *_, head in edge_labels:  # arrowheads arrive at their end point
        px, py = ax.transData.transform(head)
        boxes.append(matplotlib.transforms.Bbox.from_bounds(px - 9, py - 9, 18, 18))
    for ex, ey, label, _ in edge_labels:
        if label:
            _place_label(ax, (ex, ey), label, boxes, offsets=_EDGE_OFFSETS, fontweight="bold", zorder=9)
    for code in sorted(used, key=lambda c: -xy[c][1]):
        # A shared end lists its places one to a line, so the label stays narrow.
        names = [textwrap.shorten(n, 24, placeholder="…") for n in anchors[code][2].split(" + ")]
        _place_label(ax, xy[code], " +\n".join(names), boxes, linespacing=1.0)


def _flow_alt(drawn: pd.DataFrame, anchors: dict, missing: list[str], claimed: bool) -> str:
    items = []
    for _, f in drawn.iterrows():
        what = ("persons sent" if "destination" in f["leg"] else "persons who came from there") if f["label"] else "count unknown"
        items.append(f"{anchors[f['from_code']][2]} to {anchors[f['to_code']][2]}: "
                     + (f"{f['label']} {what}" if f["label"] else what) + f" ({f['incident_ids'].replace('|', ', ')})")
    text = (f"Map of {display.plural(len(drawn), 'arrow')} from where victims came from or were taken to where they were sent: "
            + ("; ".join(items[:12]) + (f"; and {len(items) - 12} more" if len(items) > 12 else "") if items else "no flows recorded") + ".")
    if missing:
        text += f" Not drawn, no boundary: {', '.join(missing)}."
    return text + (" Figures marked * include claims of a party to the conflict." if claimed else "")
