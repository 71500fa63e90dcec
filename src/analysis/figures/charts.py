"""Charts: the timeline, persons by category, persons over time, ransoms and payments.

Each function takes the data, draws at ``width`` inches (PRINT_WIDTH or PHONE_WIDTH) and
returns a Figure whose ``alt_text`` describes it from the data, or a ``Sentence`` when
the data hold one or two values (a chart of one bar says less than a sentence). The form
follows the data so a chart reads with 13 incidents and with 10,000:

- row charts (timeline, categories, amounts) write each row's label on its own line
  above the row, so labels never squeeze the plot on a phone;
- when one value is over ``DWARF_RATIO`` times the next, the axis is broken at the next
  value's scale and the bars that run off it say their value (a 300 no longer flattens
  a 6 into a sliver);
- the timeline shows one row per incident up to ``MAX_ROWS``, then one row per region
  with every incident's span drawn faintly over it; the money chart one row per amount up
  to ``MAX_ROWS``, then the amounts of each purpose as dots on a log scale;
- legends list only what is drawn; figures claimed by a party carry CLAIM_MARK, explained
  in the source line; incidents a chart cannot place are named in it.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from analysis import aggregate, display
from analysis.figures.style import (
    ACCENT, COUNT_UNKNOWN_COLOR, GRID, INK, MIN_FONT_SIZE, MUTED, NARROW, PRECISION_STYLES, PRINT_WIDTH, WHITE,
    Sentence, claim_marked, claims_legend, fmt_value, new_figure, wrap,
)

#: Above this many rows a row chart switches to its summary form.
MAX_ROWS = 40
#: Rows of the timeline's summary form (the busiest regions; the others share a row).
SUMMARY_ROWS = 20
#: A value this many times the next one breaks the axis.
DWARF_RATIO = 8.0
#: Font size of row labels.
LABEL_SIZE = 7.5
_LINE_IN = LABEL_SIZE * 1.25 / 72  # height of a label line, inches
_BAR_IN = 0.13  # thickness of a row's bar, inches
OTHER_PAYMENT = "#5f5f5f"


# --------------------------------------------------------------------------------------
# Row layout, broken axes, legends
# --------------------------------------------------------------------------------------


def _wrap_label(text: str, width: float) -> list[str]:
    return textwrap.wrap(text, max(20, int((width - 0.15) * 72 / (LABEL_SIZE * 0.56)))) or [""]


def _row_positions(labels: list[list[str]]) -> tuple[np.ndarray, np.ndarray, float]:
    """(label baselines, bar centres, total height), in inches from the top of the plot."""
    tops, centres, y = [], [], 0.04
    for lines in labels:
        y += _LINE_IN * len(lines)
        tops.append(y)
        centres.append(y + 0.03 + _BAR_IN / 2)
        y += 0.03 + _BAR_IN + 0.09
    return np.array(tops), np.array(centres), y


def _row_figure(labels: list[str], width: float, sources, note: str, events, extra_in: float = 0.0, split: bool = False):
    """A figure whose axes hold a row per label (label line(s) above a bar), y in inches from the top.

    With ``split`` the value axis is broken: a wide axes for the small values and a narrow
    one for the values that dwarf them (returned as a list of two axes).
    """
    wrapped = [_wrap_label(t, width) for t in labels]
    tops, centres, height = _row_positions(wrapped)
    source_lines = wrap(note, width).count("\n") + 2
    fig = new_figure(width, height + 0.55 + extra_in + 0.13 * source_lines, sources, note, events)
    if split:
        gs = fig.add_gridspec(1, 2, width_ratios=[3.3, 1], wspace=0.05)
        axes = [fig.add_subplot(gs[0])]
        axes.append(fig.add_subplot(gs[1], sharey=axes[0]))
    else:
        axes = [fig.add_subplot()]
    for ax in axes:
        ax.set_ylim(height, 0)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color=GRID, linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
    trans = blended_transform_factory(axes[0].transAxes, axes[0].transData)
    for lines, top in zip(wrapped, tops):
        t = axes[0].text(0.0, top, "\n".join(lines), transform=trans, ha="left", va="bottom", fontsize=LABEL_SIZE, color=INK,
                         linespacing=1.1)
        t.set_in_layout(False)
    return fig, (axes if split else axes[0]), centres


def dwarf_cap(values) -> float | None:
    """Where to break a value axis: above the second largest value when the largest is more
    than DWARF_RATIO times it; None when no value dwarfs the rest."""
    v = np.sort(np.asarray([x for x in values if x > 0], dtype=float))[::-1]
    if len(v) < 2 or v[0] <= DWARF_RATIO * v[1]:
        return None
    return float(math.ceil(v[1] * 1.5))


def _big_range(values, cap: float, opens: bool) -> tuple[float, float]:
    """The limits of the broken axis' second part: the values above ``cap``, with a margin."""
    big = np.asarray([x for x in values if x > cap], dtype=float)
    return float(big.min() * 0.9), float(big.max() * (1.12 if opens else 1.04))


def _break_marks(small, big, vertical: bool = False) -> None:
    """The diagonal strokes where a broken axis jumps from one scale to the other."""
    kw = {"marker": [(-1, -1), (1, 1)], "markersize": 7, "linestyle": "none", "color": MUTED, "mec": MUTED, "mew": 1,
          "clip_on": False}
    if vertical:  # big on top, small below
        big.plot([0], [0], transform=big.transAxes, **kw)
        small.plot([0], [1], transform=small.transAxes, **kw)
        big.spines["bottom"].set_visible(False)
        big.tick_params(axis="x", bottom=False, labelbottom=False)
    else:  # small on the left, big on the right
        small.plot([1], [0], transform=small.transAxes, **kw)
        big.plot([0], [0], transform=big.transAxes, **kw)
        small.spines["right"].set_visible(False)
        big.spines["left"].set_visible(False)
        big.tick_params(axis="y", left=False, labelleft=False)


def _legend_below(ax, handles: list, width: float, height_in: float) -> None:
    if handles:
        ncol = max(1, min(len(handles), 3 if width >= NARROW else 2))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.06 - 0.28 / max(height_in, 1.0)), ncol=ncol,
                  fontsize=7.5, handlelength=1.8, columnspacing=1.2)


def _persons_text(r: pd.Series) -> str:
    """'300* (300–330)', '9 (9–9+)' or 'count unknown' for a breakdown row (the mark once, on the best)."""
    low, best, high = display.persons_cells(r)
    if best == display.COUNT_UNKNOWN:
        return best
    low, high = low.rstrip(display.CLAIM_MARK), high.rstrip(display.CLAIM_MARK)
    return best if low == best.rstrip(display.CLAIM_MARK) == high else f"{best} ({low}–{high})"


def _incidents_text(r: pd.Series) -> str:
    text = display.plural(int(r["n_incidents"]), "incident")
    if r["n_count_unknown"] and r["has_count"]:
        text += f", {r['n_count_unknown']} with count unknown"
    return text


def id_list(ids, limit: int = 10) -> str:
    """'INC-001, INC-002' or 'INC-001, ... and 95 more': a list of incidents a chart names in its note."""
    ids = list(ids)
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _alt_list(items: list[str], limit: int = 8) -> str:
    shown = items[:limit] + ([f"and {len(items) - limit} more"] if len(items) > limit else [])
    return "; ".join(shown)


# --------------------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------------------


def _incident_label(r: pd.Series) -> str:
    region = textwrap.shorten(display.regions_label(r["region_name"]), 40, placeholder="…")
    persons = claim_marked(display.persons_label(r), bool(r["claimed_by_party"]))
    return f"{r['incident_id']} · {region} · {persons} · {display.date_label(r)}"


def _date_axis(ax, lo: pd.Timestamp, hi: pd.Timestamp, width: float) -> None:
    # At least a year in view, so a few weeks never fill the axis like a precise date.
    if hi - lo < pd.Timedelta(days=365):
        mid = lo + (hi - lo) / 2
        lo, hi = mid - pd.Timedelta(days=183), mid + pd.Timedelta(days=183)
    pad = max(pd.Timedelta(days=15), (hi - lo) * 0.03)
    ax.set_xlim(lo - pad, hi + pad)
    years = (hi - lo).days / 365.25
    if years < 2:
        ax.xaxis.set_major_locator(matplotlib.dates.AutoDateLocator(minticks=2, maxticks=4 if width < NARROW else 7))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%b %Y"))
    else:
        ax.xaxis.set_major_locator(matplotlib.dates.YearLocator(max(1, math.ceil(years / (4 if width < NARROW else 9)))))
        ax.xaxis.set_minor_locator(matplotlib.dates.MonthLocator((1, 4, 7, 10)))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))


def _timeline_sentence(dated: pd.DataFrame, where: str, not_shown: str) -> Sentence:
    """One or two dated incidents: a sentence and a small table instead of a chart."""
    def precision(r):
        return PRECISION_STYLES.get(r["date_precision"], PRECISION_STYLES["unknown"])["label"]

    items = [f"{r['incident_id']}, {display.date_label(r)} ({precision(r)}), "
             f"persons: {claim_marked(display.persons_label(r), bool(r['claimed_by_party']))}" for _, r in dated.iterrows()]
    head = f"{display.plural(len(items), 'dated incident')}{(' ' + where) if where else ''}"
    text = f"{head[:1].upper()}{head[1:]}: {'; '.join(items)}." if items else f"No dated incident{(' ' + where) if where else ''}."
    table = pd.DataFrame({
        "id": dated["incident_id"].astype(str).to_numpy(),
        "dates": [display.date_label(r) for _, r in dated.iterrows()],
        "dated to": [precision(r).removeprefix("dated to ") for _, r in dated.iterrows()],
        "persons": [claim_marked(display.persons_label(r), bool(r["claimed_by_party"])) for _, r in dated.iterrows()],
    })
    claims = display.claims_note(dated) if dated["claimed_by_party"].fillna(False).any() else ""
    return Sentence(" ".join(p for p in [text, not_shown, claims] if p), table)


def timeline(events: pd.DataFrame, sources, *, where: str = "", title: str | None = None, width: float = PRINT_WIDTH,
             max_rows: int = MAX_ROWS) -> Figure | Sentence:
    """Each incident as a bar over its real date span, styled by how precisely it is dated.

    A day is a dot, a span of days or a month a solid bar, a season a cross-hatched bar and
    a year a dotted bar, so a season never looks as precise as a day. ``where`` ('in
    Chechnya') names the place in the alt text. Undated incidents are named in the source
    line; above ``max_rows`` incidents, one row per region (see the module docstring).
    """
    inc = aggregate.incidents_only(events)
    spans = aggregate.incident_spans(inc)
    known = spans["start"].notna()
    # Assign from the filtered spans: a Series assigned to an empty frame would add its rows.
    dated = inc[known].assign(_start=spans.loc[known, "start"], _end=spans.loc[known, "end"])
    dated = dated.sort_values(["_start", "_end", "incident_id"], kind="stable")
    undated_ids = list(inc.loc[~known, "incident_id"])
    not_shown = f"Without a start date, not shown: {id_list(undated_ids)}." if undated_ids else ""
    if len(dated) <= 2:
        return _timeline_sentence(dated, where, not_shown)
    if len(dated) > max_rows:
        return _timeline_by_region(dated, sources, events, where, not_shown, title, width)
    claimed = bool(dated["claimed_by_party"].any())
    note = " ".join(p for p in ["incidents only, each drawn over the span of dates its sources allow; persons as reported.",
                                not_shown, claims_legend(events, claimed)] if p)
    fig, ax, centres = _row_figure([_incident_label(r) for _, r in dated.iterrows()], width, sources, note, events, extra_in=0.55)
    for y, (_, r) in zip(centres, dated.iterrows()):
        style = PRECISION_STYLES.get(r["date_precision"], PRECISION_STYLES["unknown"])
        start, end = r["_start"], r["_end"] + pd.Timedelta(days=1)
        if r["date_precision"] == "day" or (end - start).days <= 1:
            ax.plot(start + pd.Timedelta(hours=12), y, "o", ms=4.5, color=PRECISION_STYLES["day"]["color"], zorder=3)
        else:
            ax.barh(y, end - start, left=start, height=_BAR_IN, color=style["color"], hatch=style["hatch"],
                    edgecolor=WHITE, linewidth=0, zorder=2)
    _date_axis(ax, dated["_start"].min(), dated["_end"].max() + pd.Timedelta(days=1), width)
    present = [p for p in PRECISION_STYLES if p in set(dated["date_precision"])]
    handles = [Line2D([0], [0], marker="o", color="none", markerfacecolor=INK, markeredgecolor="none", ms=4.5, label=PRECISION_STYLES[p]["label"])
               if p == "day" else Patch(facecolor=PRECISION_STYLES[p]["color"], hatch=PRECISION_STYLES[p]["hatch"], edgecolor=WHITE,
                                        label=PRECISION_STYLES[p]["label"]) for p in present]
    _legend_below(ax, handles, width, fig.get_figheight())
    if title:
        ax.set_title(title)
    counts = dated["date_precision"].value_counts()
    precision = ", ".join(f"{counts[p]} {PRECISION_STYLES[p]['label']}" for p in present)
    longest = dated.assign(_days=(dated["_end"] - dated["_start"]).dt.days).sort_values("_days", kind="stable").iloc[-1]
    fig.alt_text = (f"Timeline of {display.plural(len(dated), 'dated incident')}{(' ' + where) if where else ''}, "
                    f"from {dated['_start'].min():%B %Y} to {dated['_end'].max():%B %Y}, each drawn over the span of dates "
                    f"its sources allow: {precision}. Longest span: {longest['incident_id']} ({display.date_label(longest)}). "
                    f"Incidents in order: {_alt_list([_incident_label(r) for _, r in dated.iterrows()], 12)}. {not_shown}").strip()
    fig.timeline_data = dated[["incident_id", "_start", "_end", "date_precision"]].rename(columns={"_start": "start", "_end": "end"})
    return fig


def _timeline_by_region(dated: pd.DataFrame, sources, events, where: str, not_shown: str, title, width) -> Figure:
    """The timeline's summary form: one row per region (the busiest first), every incident's span drawn faintly."""
    long = dated.assign(region=dated["region_name"].map(display.regions_label))
    counts = long["region"].value_counts()
    top = list(counts.index[:SUMMARY_ROWS])
    long["row"] = long["region"].where(long["region"].isin(top), "other regions")
    order = top + (["other regions"] if (~long["region"].isin(top)).any() else [])
    n_of = long["row"].value_counts()
    labels = [f"{name} · {display.plural(int(n_of[name]), 'incident')}" for name in order]
    note = (f"incidents only, {len(dated):,} dated incidents, one row per region; each incident's span is drawn faintly, "
            f"so where spans pile up the row darkens. {not_shown}")
    fig, ax, centres = _row_figure(labels, width, sources, note.strip(), events)
    y_of = dict(zip(order, centres))
    alpha = max(0.03, min(0.5, 3.0 / math.sqrt(max(n_of.max(), 1))))
    ax.barh([y_of[r] for r in long["row"]], (long["_end"] - long["_start"] + pd.Timedelta(days=1)).to_numpy(),
            left=long["_start"].to_numpy(), height=_BAR_IN, color=ACCENT, alpha=alpha, linewidth=0, zorder=2)
    _date_axis(ax, dated["_start"].min(), dated["_end"].max() + pd.Timedelta(days=1), width)
    if title:
        ax.set_title(title)
    fig.alt_text = (f"Timeline of {len(dated):,} dated incidents{(' ' + where) if where else ''} from {dated['_start'].min():%B %Y} "
                    f"to {dated['_end'].max():%B %Y}, one row per region: {_alt_list(labels)}. {not_shown}").strip()
    fig.timeline_data = dated[["incident_id", "_start", "_end", "date_precision"]].rename(columns={"_start": "start", "_end": "end"})
    return fig


# --------------------------------------------------------------------------------------
# Persons by category
# --------------------------------------------------------------------------------------

_BY_TITLES = {"victim_group": "victim group", "coercion": "coercion method", "perpetrator": "perpetrator"}


def _range_rows(axes: list, centres, low, best, high, high_open) -> None:
    """Per row, on every part of the (possibly broken) axis: a line from low to high, a dot at
    best, an arrow where there is no upper bound. Each part clips what lies outside it."""
    for ax in axes:
        x0, x1 = ax.get_xlim()
        for y, lo, be, hi, op in zip(centres, low, best, high, high_open):
            ax.hlines(y, lo, hi, color=INK, lw=1.3, zorder=3)
            ax.plot([lo, hi], [y, y], "|", color=INK, ms=6, zorder=3)
            if op and x0 <= hi <= x1:
                ax.annotate("", xy=(hi + 0.08 * (x1 - x0), y), xytext=(hi, y),
                            arrowprops={"arrowstyle": "->", "color": INK, "lw": 1.1}, zorder=3)
            ax.plot(be, y, "o", ms=5.5, color=ACCENT, zorder=4)


def category_chart(events: pd.DataFrame, sources, by: str = "victim_group", *, title: str | None = None,
                   width: float = PRINT_WIDTH) -> Figure | Sentence:
    """Persons per victim group, coercion method or perpetrator: best (dot) and low to high (line).

    Categories are not exclusive. A category whose incidents all have unknown counts is
    written 'count unknown', never drawn as zero; only categories with incidents appear.
    """
    if by not in _BY_TITLES:
        raise ValueError(f"unknown category {by!r}; accepted: {', '.join(_BY_TITLES)}")
    table = aggregate.by_category(events, by)
    what = _BY_TITLES[by]
    rows = [f"{display.category_label(r[by])}: {_persons_text(r)} ({_incidents_text(r)})" for _, r in table.iterrows()]
    claimed = bool((table["persons_high_claimed"] > 0).any())
    if len(table) <= 2:
        text = f"Persons affected by {what}: {'; '.join(rows)}." if rows else f"No incident with a {what}."
        return Sentence(text + (f" {display.claims_note(events)}" if claimed else ""))
    counted = table[table["has_count"]]
    cap = dwarf_cap(counted["persons_high"])
    opens = bool(counted["high_open"].any())
    note = " ".join(p for p in [
        f"incidents only; dot = persons (best estimate), line = low to high"
        + (", arrow = no upper bound" if opens else "")
        + (f"; the axis is broken (//) to show values over {display.fmt_num(cap)} on their own scale" if cap is not None else "")
        + f". An incident with several {what}s counts in each.", claims_legend(events, claimed)] if p)
    fig, axes, centres = _row_figure(rows, width, sources, note, events, split=cap is not None)
    axes = axes if isinstance(axes, list) else [axes]
    top = float(counted["persons_high"].max()) if len(counted) else 1.0
    axes[0].set_xlim(0, (cap if cap is not None else max(1.0, top)) * (1.1 if opens and cap is None else 1.02))
    if cap is not None:
        axes[1].set_xlim(*_big_range(counted[["persons_best", "persons_high"]].to_numpy().ravel(), cap, opens))
        _break_marks(*axes)
    known = table["has_count"].to_numpy()
    _range_rows(axes, centres[known], *(table.loc[known, c].to_numpy(dtype=float) for c in ("persons_low", "persons_best", "persons_high")),
                table.loc[known, "high_open"].to_numpy())
    for ax in axes:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=6 if ax is axes[0] else 2))
    ax = axes[0]
    ax.set_xlabel("persons affected")
    if title:
        ax.set_title(title)
    fig.alt_text = (f"Chart of persons affected by {what}, best estimate with the range from low to high, "
                    f"{display.plural(len(table), what, what + 's' if not what.endswith('s') else what)}: {_alt_list(rows, 10)}."
                    + (" Figures marked * include claims of a party to the conflict." if claimed else ""))
    fig.category_data = table
    return fig


# --------------------------------------------------------------------------------------
# Over time
# --------------------------------------------------------------------------------------


def _cutoff_of(sources, cutoff):
    return cutoff if cutoff is not None else aggregate.data_cutoff(sources)


def trend_chart(events: pd.DataFrame, sources, freq: str = "quarter", start: str | None = None, end: str | None = None, *,
                cutoff: pd.Timestamp | None = None, title: str | None = None, width: float = PRINT_WIDTH) -> Figure | Sentence:
    """Persons (best, bars, the part resting on claims hatched; low to high, lines) and incidents
    (with a count / count unknown) per period, spans spread by the rules of aggregate.by_period.

    No period after the data's cut-off (the latest source; from ``sources`` unless given).
    """
    cutoff = _cutoff_of(sources, cutoff)
    table = aggregate.by_period(events, freq, start, end, cutoff=cutoff)
    undated = aggregate.undated(events)
    not_shown = f"Undated, not shown: {id_list(undated['incident_id'])}." if len(undated) else ""
    if len(table) <= 2:
        items = [f"{r['period']}: {_persons_text(r)} persons ({_incidents_text(r)})" for _, r in table.iterrows()]
        return Sentence((f"Per {freq}: " + "; ".join(items) + "." if items else f"No incident in the {freq}s shown.")
                        + (f" {not_shown}" if not_shown else ""))
    claimed = bool((table["persons_best_claimed"] > 0).any())
    cap = dwarf_cap(table["persons_high"])
    opens = bool(table["high_open"].any())
    note = " ".join(p for p in [
        f"incidents only, per {freq}. An incident dated only to a span is spread over it: best = share of its days, "
        "low = only incidents wholly in the period, high = every incident that may fall in it.",
        f"The axis is broken (//) to show values over {display.fmt_num(cap)} on their own scale." if cap is not None else "",
        f"No {freq} after the data's cut-off ({cutoff:%Y-%m-%d}, the latest source)." if cutoff is not None else "",
        not_shown, claims_legend(events, claimed)] if p)
    fig = new_figure(width, 3.9 if width >= NARROW else 4.6, sources, note, events)
    if cap is not None:
        gs = fig.add_gridspec(3, 1, height_ratios=[0.7, 1.5, 1], hspace=0.06)
        big = fig.add_subplot(gs[0])
        ax = fig.add_subplot(gs[1], sharex=big)
        parts = [big, ax]
    else:
        gs = fig.add_gridspec(2, 1, height_ratios=[2.2, 1])
        ax = fig.add_subplot(gs[0])
        parts = [ax]
    ax2 = fig.add_subplot(gs[-1], sharex=ax)
    x = np.arange(len(table))
    for part in parts:
        _persons_bars(part, x, table, claimed)
    ax.set_ylim(0, (cap if cap is not None else max(1.0, float(table["persons_high"].max()))) * 1.25)
    if cap is not None:
        big.set_ylim(*_big_range(table[["persons_best", "persons_high"]].to_numpy().ravel(), cap, opens))
        big.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=2))
        _break_marks(ax, big, vertical=True)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=4))
    ax.set_ylabel("persons affected")
    handles = [Patch(facecolor=ACCENT, label="persons, best estimate"), Line2D([0], [0], color=INK, lw=1.3, label="low to high")]
    if claimed:
        handles.insert(1, Patch(facecolor=ACCENT, hatch="////", edgecolor=WHITE, label="of which claims of a party*"))
    if opens:
        handles.append(Line2D([0], [0], marker="^", color="none", markerfacecolor=INK, markeredgecolor="none", label="no upper bound"))
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, ncol=1 if width < NARROW else 2)
    _incident_bars(ax2, x, table, freq, width)
    if title:
        ax.set_title(title)
    peak = table.loc[table["persons_best"].idxmax()]
    fig.alt_text = (f"Bar chart of persons affected per {freq} from {table['period'].iloc[0]} to {table['period'].iloc[-1]}, "
                    f"with the incidents per {freq} below: the best estimate peaks at {_persons_text(peak)} in {peak['period']}; "
                    f"{int((table['n_incidents'] == 0).sum())} of {len(table)} {freq}s have no incident. "
                    f"Per {freq}: {_alt_list([f'{r.period} {display.fmt_num(r.persons_best)}' for r in table.itertuples() if r.n_incidents], 16)}. "
                    f"{not_shown}").strip()
    fig.trend_data = table
    return fig


def _persons_bars(ax, x, table: pd.DataFrame, claimed: bool) -> None:
    """Bars of the best estimate (the part resting on claims hatched) with low-high lines; the axes clips."""
    best = table["persons_best"].to_numpy(dtype=float)
    own = best - table["persons_best_claimed"].to_numpy(dtype=float)
    ax.bar(x, own, width=0.7, color=ACCENT, zorder=2)
    if claimed:
        ax.bar(x, best - own, bottom=own, width=0.7, color=ACCENT, hatch="////", edgecolor=WHITE, linewidth=0, zorder=2)
    ax.vlines(x, table["persons_low"], table["persons_high"], color=INK, lw=1.3, zorder=3)
    opens = table["high_open"].to_numpy()
    ax.plot(x[opens], table["persons_high"].to_numpy()[opens], "^", color=INK, ms=4, zorder=3)
    ax.grid(axis="y", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(axis="x", labelbottom=False)


def _incident_bars(ax, x, table: pd.DataFrame, freq: str, width: float) -> None:
    counted = (table["n_incidents"] - table["n_count_unknown"]).to_numpy()
    ax.bar(x, counted, width=0.7, color="#4d4d4d", label="incidents with a count")
    if table["n_count_unknown"].any():
        ax.bar(x, table["n_count_unknown"], bottom=counted, width=0.7, color=COUNT_UNKNOWN_COLOR, label="incidents, count unknown")
    ax.set_ylabel("incidents")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, nbins=3))
    ax.legend(loc="upper left", fontsize=7.5, ncol=2 if width >= NARROW else 1)
    ax.set_ylim(0, max(1.0, float(table["n_incidents"].max())) * (1.7 if width >= NARROW else 2.3))
    fits = max(2, int(width * (2.4 if freq != "year" else 4)))
    step = max(1, math.ceil(len(table) / fits))
    rotate = len(table[::step]) > width * 1.6
    ax.set_xticks(x[::step], table["period"].iloc[::step], rotation=45 if rotate else 0, ha="right" if rotate else "center")


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------


def _amount_text(r: pd.Series) -> str:
    text = claim_marked(display.format_amount(r), bool(r["claimed_by_party"]))
    if r["currency"] != "USD" and pd.notna(r["amount_usd"]):
        text += f" = ${r['amount_usd']:,.0f}" + (f"–{r['amount_usd_high']:,.0f}" if pd.notna(r.get("amount_usd_high")) else "")
    if pd.notna(r["stated_usd"]):
        text += f" (source: {display.qualifier_text(r['stated_usd_qualifier'])}${r['stated_usd']:,.0f})"
    return text


def ransom_chart(amounts: pd.DataFrame, events: pd.DataFrame, sources, *, title: str | None = None,
                 width: float = PRINT_WIDTH) -> Figure | Sentence:
    """Each amount in US dollars (bar; range where the source gives one), with the dollar figure the source states.

    One or two amounts are a sentence; above MAX_ROWS, the amounts of each purpose as dots
    on a log scale. A log scale is used whenever amounts span more than DWARF_RATIO times.
    """
    df = aggregate.amounts_with_incidents(amounts, events)
    claimed = bool(df["claimed_by_party"].fillna(False).any())
    if len(df) <= 2:
        items = [f"{r['purpose']} in {r['incident_id']} ({display.regions_label(r['region_name'])}, {display.date_label(r)}): "
                 f"{_amount_text(r)}, converted at the Bank of Russia rate" for _, r in df.iterrows()]
        text = (f"{display.plural(len(df), 'amount').capitalize()} recorded: " + "; ".join(items) + ".") if items else "No amount recorded."
        return Sentence(text + (f" {display.claims_note(events)}" if claimed else ""))
    if len(df) > MAX_ROWS:
        return _amounts_by_purpose(df, sources, events, title, width)
    usd = df["amount_usd"].astype(float).fillna(0.0).to_numpy()
    usd_high = df["amount_usd_high"].astype(float).fillna(df["amount_usd"].astype(float)).fillna(0.0).to_numpy()
    log = usd[usd > 0].min() * DWARF_RATIO < usd_high.max() if (usd > 0).any() else False
    note = " ".join(p for p in [
        "amounts in US dollars at the Bank of Russia rate of the middle of the incident's dates (or as paid)"
        + ("; diamond = the source's own dollar figure" if df["stated_usd"].notna().any() else "")
        + ("; logarithmic scale: each step is ten times the last" if log else "") + ".", claims_legend(events, claimed)] if p)
    labels = [f"{r['incident_id']} · {r['purpose']} · {display.date_label(r)}: {_amount_text(r)}" for _, r in df.iterrows()]
    fig, ax, centres = _row_figure(labels, width, sources, note, events, extra_in=0.3)
    left = usd[usd > 0].min() / 3 if log else 0
    ax.barh(centres, usd - left, left=left, height=_BAR_IN, color=[ACCENT if p == "ransom" else OTHER_PAYMENT for p in df["purpose"]], zorder=2)
    for y, lo, hi, stated in zip(centres, usd, usd_high, df["stated_usd"]):
        if hi > lo:
            ax.hlines(y, lo, hi, color=INK, lw=1.2, zorder=3)
        if pd.notna(stated):
            ax.plot(stated, y, "D", color=INK, ms=4.5, zorder=4)
    if log:
        ax.set_xscale("log")
    ax.set_xlim(left or 0, max(1.0, float(usd_high.max()), float(df["stated_usd"].max()) if df["stated_usd"].notna().any() else 0) * 1.15)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"${v:,.0f}"))
    ax.set_xlabel("US dollars")
    present = set(df["purpose"])
    handles = ([Patch(facecolor=ACCENT, label="ransom")] if "ransom" in present else []) + \
              ([Patch(facecolor=OTHER_PAYMENT, label="other payment")] if present - {"ransom"} else []) + \
              ([Line2D([0], [0], marker="D", color="none", markerfacecolor=INK, markeredgecolor="none", label="dollar figure stated by the source")]
               if df["stated_usd"].notna().any() else [])
    _legend_below(ax, handles, width, fig.get_figheight())
    if title:
        ax.set_title(title)
    fig.alt_text = (f"Chart of {len(df)} ransoms and payments in US dollars: {_alt_list(labels, 10)}."
                    + (" Amounts marked * rest on claims of a party to the conflict." if claimed else ""))
    return fig


def _amounts_by_purpose(df: pd.DataFrame, sources, events, title, width) -> Figure:
    """The money chart's summary form: every amount of a purpose as a dot on a log scale, with its median."""
    purposes = list(df["purpose"].value_counts().index)
    usd = df["amount_usd"].astype(float)
    labels = [f"{p}: {display.plural(int((df['purpose'] == p).sum()), 'amount')}, median ${usd[df['purpose'] == p].median():,.0f}"
              for p in purposes]
    note = ("amounts in US dollars at the Bank of Russia rate, one dot per amount (logarithmic scale: each step is ten times "
            "the last); bar = median.")
    fig, ax, centres = _row_figure(labels, width, sources, note, events)
    rng = np.random.default_rng(0)  # a fixed jitter: the same figure every run
    for y, p in zip(centres, purposes):
        values = usd[(df["purpose"] == p) & (usd > 0)].to_numpy()
        ax.plot(values, y + rng.uniform(-_BAR_IN / 2, _BAR_IN / 2, len(values)), "o", ms=2.5, color=ACCENT if p == "ransom" else OTHER_PAYMENT,
                alpha=max(0.15, min(0.8, 20 / math.sqrt(len(values) + 1))), markeredgewidth=0, zorder=2)
        if len(values):
            ax.vlines(np.median(values), y - _BAR_IN, y + _BAR_IN, color=INK, lw=1.6, zorder=3)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"${v:,.0f}"))
    ax.set_xlabel("US dollars")
    if title:
        ax.set_title(title)
    fig.alt_text = f"Dot chart of {len(df):,} ransoms and payments in US dollars by purpose: {_alt_list(labels)}."
    return fig


__all__ = ["category_chart", "dwarf_cap", "ransom_chart", "timeline", "trend_chart", "MAX_ROWS", "DWARF_RATIO", "MIN_FONT_SIZE"]
