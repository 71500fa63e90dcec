"""Figures in the house style: one function per figure, drawn at its printed size.

Every figure ends with a source line ("Source: Coerced Recruitment Monitor dataset (N
sources), ...") that also says which counting rule it shows, which figures rest on claims
of a party to the conflict, and which incidents it cannot place. Each figure carries an
alt text written from its data (``fig.alt_text``). Text uses DejaVu Sans, which ships
with matplotlib and covers Cyrillic. PNGs are written without a 'Software' entry or any
timestamp, so executed notebooks are byte-identical from run to run.

Modules: ``style`` (sizes, colours and their contrast, output), ``maps`` (regions,
flows), ``charts`` (timeline, categories, periods, money). In a notebook::

    figures.show(figures.region_map, events, sources, regions=regions)

draws the figure at print and phone width and displays it with its alt text.
"""

from analysis.figures.charts import DWARF_RATIO, MAX_ROWS, category_chart, dwarf_cap, ransom_chart, timeline, trend_chart
from analysis.figures.maps import (
    COUNT_UNKNOWN_CLASS, COUNTRY_ANCHOR_REGIONS, EXTENTS, MAX_FLOWS, class_breaks, flow_map, map_labels, region_map,
    region_styles,
)
from analysis.figures.style import (
    ACCENT, CLASS_COLORS, COUNT_UNKNOWN_COLOR, COUNTRY_STYLES, DATA_COLORS, DATASET_NAME, DPI, HATCH_COLOR,
    INK, MIN_FONT_SIZE, MUTED, NARROW, OCCUPATION_HATCHES, OCCUPIED_HATCH, ORIGIN, OUTPUT_KEY, PARTIAL_HATCH,
    PHONE_WIDTH, PRECISION_STYLES, PRINT_WIDTH, Sentence, contrast_ratio, png_bytes, relative_luminance, render, save, show,
    show_table, source_line, use_house_style,
)

__all__ = [
    "ACCENT", "CLASS_COLORS", "COUNT_UNKNOWN_CLASS", "COUNT_UNKNOWN_COLOR", "COUNTRY_ANCHOR_REGIONS", "COUNTRY_STYLES",
    "DATA_COLORS", "DATASET_NAME", "DPI", "DWARF_RATIO", "EXTENTS", "HATCH_COLOR", "INK", "MAX_FLOWS",
    "MAX_ROWS", "MIN_FONT_SIZE", "MUTED", "NARROW", "OCCUPATION_HATCHES", "OCCUPIED_HATCH", "ORIGIN", "OUTPUT_KEY",
    "PARTIAL_HATCH", "PHONE_WIDTH", "PRECISION_STYLES", "PRINT_WIDTH", "Sentence", "category_chart",
    "class_breaks", "contrast_ratio", "dwarf_cap", "flow_map", "map_labels", "png_bytes", "ransom_chart", "region_map", "region_styles",
    "relative_luminance", "render", "save", "show", "show_table", "source_line", "timeline", "trend_chart",
    "use_house_style",
]
