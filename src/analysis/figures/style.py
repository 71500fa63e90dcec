"""House style, sizes, colours and output of every figure.

Sizes: figures are drawn at the size they are printed: PRINT_WIDTH (the PDF's text width,
A4 less 2 x 2.2 cm margins) for the report, PHONE_WIDTH for screens 390 px wide (drawn at
about one CSS pixel per point of its width, so 7-pt text reads at 9 px or more). No text
is smaller than MIN_FONT_SIZE points at either width.

Colours: every colour that carries data (bars, dots, arrows, classes of the map) has a
contrast of at least 3:1 with the white background (WCAG 2.1, 1.4.11, non-text
contrast), the map's classes also with the base colours of the countries around them;
``contrast_ratio`` computes it and the tests check every colour of DATA_COLORS.

Output: ``show`` draws a figure at both widths and displays one PNG (the print one) whose
output metadata carries the phone PNG and the alt text (see OUTPUT_KEY), so the report can
put the alt text on the image and serve the phone image to narrow screens. A chart that
the data make pointless (one or two values) is a ``Sentence`` instead, displayed as text.
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass
from typing import Callable

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import display

DATASET_NAME = "Coerced Recruitment Monitor dataset"
FONT_FAMILY = "DejaVu Sans"
DPI = 150
#: PNG metadata: no 'Software' entry (it carries the matplotlib version) and no dates.
PNG_METADATA = {"Software": None}

#: Width of the PDF's text block (A4, 2.2 cm margins): 16.6 cm.
PRINT_WIDTH = 6.5
#: Width drawn for phones: 3.6 in at 96 CSS px per inch is 346 px, the content width of a
#: 390-px screen less the page's padding.
PHONE_WIDTH = 3.6
#: Narrower than this, a figure stacks its legend under the plot instead of beside it.
NARROW = 5.0
MIN_FONT_SIZE = 7.0
#: Key of the output metadata ``show`` writes: {"alt": str, "phone_png": base64, "phone_width_in": float}.
OUTPUT_KEY = "coercion-monitor"

INK = "#222222"
MUTED = "#5f5f5f"
ACCENT = "#b3361b"
#: Arrows from where victims came from (origin legs of the flow map).
ORIGIN = "#2f5f8a"
#: Incidents whose count is unknown: a grey violet, apart from the accent's reds.
COUNT_UNKNOWN_COLOR = "#7a6c98"
GRID = "#e3e3e3"
WHITE = "#ffffff"

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

#: Classes of the choropleth, light to dark; the lightest still has 3:1 against white and
#: against both countries' base colours, so a region with few persons never fades out.
CLASS_COLORS = ["#bd6a2a", "#a04a1f", "#833217", "#62200f", "#431209"]

#: How precisely an incident is dated: colour, hatch (white lines) and label of the timeline.
PRECISION_STYLES: dict[str, dict] = {
    "day": {"label": "dated to the day", "color": INK, "hatch": ""},
    "range": {"label": "dated to a span of days", "color": ACCENT, "hatch": ""},
    "month": {"label": "dated to the month", "color": "#a4541f", "hatch": ""},
    "season": {"label": "dated to the season", "color": "#8c6239", "hatch": "xxx"},
    "year": {"label": "dated to the year", "color": "#7d6e62", "hatch": "..."},
    "unknown": {"label": "precision unknown", "color": "#737373", "hatch": ""},
}

#: Every colour that carries data, by name: each must have 3:1 contrast with white.
DATA_COLORS: dict[str, str] = {
    "ink": INK, "muted": MUTED, "accent": ACCENT, "origin": ORIGIN, "count unknown": COUNT_UNKNOWN_COLOR,
    "hatch": HATCH_COLOR, **{f"class {i + 1}": c for i, c in enumerate(CLASS_COLORS)},
    **{f"precision {k}": v["color"] for k, v in PRECISION_STYLES.items()},
}


# --------------------------------------------------------------------------------------
# Colour contrast (WCAG 2.1)
# --------------------------------------------------------------------------------------


def relative_luminance(color) -> float:
    """WCAG 2.1 relative luminance of a matplotlib colour."""
    rgb = np.array(matplotlib.colors.to_rgb(color))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(a, b) -> float:
    """WCAG 2.1 contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def on_color(fill) -> str:
    """The line colour (hatches, outlines) that stands out on ``fill``: white on dark fills."""
    return WHITE if contrast_ratio(fill, WHITE) >= contrast_ratio(fill, HATCH_COLOR) else HATCH_COLOR


# --------------------------------------------------------------------------------------
# House style, figure frame
# --------------------------------------------------------------------------------------


def use_house_style() -> None:
    """Set the house style for matplotlib (and, inside IPython, deterministic inline PNGs)."""
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY],
        "font.size": 8,
        "axes.titlesize": 9.5,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 8,
        "axes.labelcolor": INK,
        "axes.edgecolor": MUTED,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "legend.frameon": False,
        "legend.fontsize": 7.5,
        "legend.title_fontsize": 8,
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


def source_line(sources: pd.DataFrame | int, note: str = "", events: pd.DataFrame | None = None) -> str:
    """'Source: ... dataset (5 sources), <note>', saying when claims of a party were excluded."""
    n = n_sources_of(sources)
    text = f"Source: {DATASET_NAME} ({n} source{'s' if n != 1 else ''})"
    text += f", {note}" if note else "."
    excluded = display.excluded_note(events) if events is not None else ""
    return text + (f" {excluded}" if excluded else "")


def wrap(text: str, width_in: float, fontsize: float = MIN_FONT_SIZE) -> str:
    """``text`` wrapped to lines that fit ``width_in`` inches at ``fontsize`` points (DejaVu Sans)."""
    chars = max(24, int(width_in * 72 / (fontsize * 0.56)))
    return "\n".join(textwrap.fill(p, chars) for p in text.split("\n"))


def source_height(width: float, sources, note: str, events: pd.DataFrame | None = None) -> float:
    """Inches the source line takes at the bottom of a figure ``width`` inches wide."""
    return 0.1 + 0.125 * (wrap(source_line(sources, note, events), width - 0.1).count("\n") + 1)


def new_figure(width: float, height: float, sources, note: str, events: pd.DataFrame | None = None, *,
               layout: str = "constrained") -> Figure:
    """A figure with room reserved at the bottom for the source line (``fig.source_in`` inches).

    With ``layout='none'`` the caller places its axes itself (the maps do, in inches).
    """
    text = source_line(sources, note, events)
    wrapped = wrap(text, width - 0.1)
    fig = plt.figure(figsize=(width, height), layout=layout)
    fig.source_in = source_height(width, sources, note, events)
    if layout == "constrained":
        reserve = fig.source_in / height
        fig.get_layout_engine().set(rect=(0, reserve, 1, 1 - reserve))
    fig.text(0.01, 0.01, wrapped, ha="left", va="bottom", fontsize=MIN_FONT_SIZE, color=MUTED, linespacing=1.25)
    fig.source_text = text
    fig.alt_text = ""
    fig.excluded_note = display.excluded_note(events) if events is not None else ""
    return fig


def claim_marked(text: str, claimed: bool) -> str:
    return text + display.CLAIM_MARK if claimed else text


def claims_legend(events: pd.DataFrame, used: bool) -> str:
    """The note a chart adds when it marks claimed figures; '' when it marks none."""
    return display.claims_note(events) if used else ""


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """What a chart function returns when the data make a chart pointless (one or two values):
    a sentence, and for charts whose place in the report expects a table, a small table too."""

    text: str
    table: pd.DataFrame | None = None


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes, without metadata that would change between runs."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=PNG_METADATA, facecolor="white")
    return buf.getvalue()


def save(fig: Figure, path, dpi: int = DPI) -> None:
    with open(path, "wb") as f:
        f.write(png_bytes(fig, dpi))


def render(draw: Callable[..., Figure | Sentence], *args, **kwargs) -> dict:
    """Draw a figure at print and phone width: {'png', 'phone_png', 'alt'} or {'sentence'}."""
    printed = draw(*args, width=PRINT_WIDTH, **kwargs)
    if isinstance(printed, Sentence):
        return {"sentence": printed.text, "table": printed.table}
    phone = draw(*args, width=PHONE_WIDTH, **kwargs)
    alt = " ".join(p for p in (printed.alt_text, getattr(printed, "excluded_note", "")) if p)
    out = {"png": png_bytes(printed), "phone_png": png_bytes(phone), "alt": alt}
    plt.close(printed)
    plt.close(phone)
    return out


def show(draw: Callable[..., Figure | Sentence], *args, **kwargs) -> None:
    """Display ``draw(*args, **kwargs)`` in a notebook: one PNG (print size) with the phone PNG
    and the alt text in its metadata, or the sentence that replaces a pointless chart."""
    from IPython.display import Markdown, display as ipy_display

    from analysis import markdown

    out = render(draw, *args, **kwargs)
    if "sentence" in out:
        text = markdown.escape(out["sentence"])
        if out["table"] is not None:
            text = markdown.table(out["table"]) + "\n\n" + text
        ipy_display(Markdown(text))
        return
    meta = {OUTPUT_KEY: {"alt": out["alt"], "phone_png": base64.b64encode(out["phone_png"]).decode("ascii"),
                         "phone_width_in": PHONE_WIDTH}}
    ipy_display({"image/png": base64.b64encode(out["png"]).decode("ascii")}, raw=True, metadata=meta)


def show_table(df: pd.DataFrame) -> None:
    """Display a table in a notebook as escaped Markdown (the form the report embeds), with
    the table's note (``df.attrs['note']``: claims, unknown counts) as a paragraph under it."""
    from IPython.display import Markdown, display as ipy_display

    from analysis import markdown

    if df.empty and df.attrs.get("empty"):  # a table without rows says so, still as a table the report can number
        df = pd.DataFrame({"none": [df.attrs["empty"]]})
    text = markdown.table(df)
    note = df.attrs.get("note", "")
    ipy_display(Markdown(text + (f"\n\n{markdown.escape(note)}" if note else "")))


def fmt_value(v: float) -> str:
    return display.fmt_num(float(v))
