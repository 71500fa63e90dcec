"""Markdown output that is safe for text coming from the data.

Headlines, summaries and quotes come from outside the project. Everything that reaches
the report passes through :func:`escape` so that ``<script>``, ``*emphasis*`` or typst's
``#set`` in a headline is printed as text in both the HTML and the PDF: pandoc reads a
backslash-escaped character as a literal and then escapes it for each output format.
"""

from __future__ import annotations

import math
import re
from typing import Iterable

import pandas as pd

# Every ASCII punctuation character may be backslash-escaped in pandoc's Markdown.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~^$@:;=&\"'%/?,])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def escape(text: object) -> str:
    """Escape a value for use inside Markdown (a table cell or a paragraph).

    Control characters are dropped, line breaks become spaces, and every ASCII
    punctuation character is backslash-escaped so pandoc treats it as a literal.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA or text is pd.NaT:
        return ""
    s = _CONTROL.sub("", str(text))
    s = re.sub(r"[\r\n\t]+", " ", s)
    return _MD_SPECIAL.sub(r"\\\1", s)


def _cell(value: object, raw: bool) -> str:
    if raw:
        return "" if value is None else str(value).replace("|", "\\|")
    return escape(value)


#: Bounds of a column's automatic width, in characters (see ``table``).
_MIN_WIDTH, _MAX_WIDTH = 3, 40
#: Characters of table text in a line of the printed page: the PDF's text block (16.6 cm)
#: at the tables' type size (8.5 pt), less each column's padding. Widths are relative, so
#: this only sets how much room the columns' longest words take from the rest.
LINE_CHARACTERS = 100


def _texts(values: Iterable[object]) -> list[str]:
    return ["" if pd.isna(v) is True else str(v) for v in values]


def _longest_word(header: object, values: Iterable[object]) -> int:
    """The longest run of characters in the column that cannot wrap (header included)."""
    return max((len(w) for t in [str(header), *_texts(values)] for w in t.split()), default=0)


def _auto_width(header: object, values: Iterable[object]) -> int:
    """A column's wanted width from its text: the mean length of its cells, at least its
    longest word (which cannot wrap), within [_MIN_WIDTH, _MAX_WIDTH]."""
    texts = _texts(values)
    mean = sum(len(t) for t in texts) / len(texts) if texts else 0
    return max(_MIN_WIDTH, min(_MAX_WIDTH, max(_longest_word(header, values), round(mean))))


def column_widths(df: pd.DataFrame, widths: dict[str, int] | None = None) -> dict[str, int]:
    """Relative widths of ``df``'s columns, in characters of a printed line.

    Every column first gets its longest word (a word wider than its column would print
    over the next one: ids, dates, amounts, the words of a header), up to _MAX_WIDTH; what
    is left of LINE_CHARACTERS goes to the columns that want more (their mean text, or
    their share of ``widths``), in proportion to how much more they want.
    """
    cols = list(df.columns)
    # A word longer than _MAX_WIDTH (an address, a checksum) cannot have its width anyway.
    need = {c: max(_MIN_WIDTH, min(_MAX_WIDTH, _longest_word(c, df[c].tolist()) + 1)) for c in cols}
    if widths is None:
        want = {c: _auto_width(c, df[c].tolist()) for c in cols}
    else:
        weights = {c: max(1, int(widths.get(c, 1))) for c in cols}
        want = {c: LINE_CHARACTERS * weights[c] / sum(weights.values()) for c in cols}
    more = {c: max(0.0, want[c] - need[c]) for c in cols}
    room = max(0, LINE_CHARACTERS - sum(need.values()))
    scale = min(1.0, room / sum(more.values())) if sum(more.values()) else 0.0
    return {c: need[c] + round(more[c] * scale) for c in cols}


def table(
    df: pd.DataFrame,
    raw_columns: Iterable[str] = (),
    align: dict[str, str] | None = None,
    widths: dict[str, int] | None = None,
) -> str:
    """A pipe table of ``df`` with every cell escaped.

    ``raw_columns`` are columns whose cells already hold Markdown written by the project
    (e.g. a link it built); all other cells are escaped. Numbers are right-aligned.

    When a row is wider than a line, pandoc (and so Quarto) wraps the cells and sizes the
    columns in proportion to the dashes under each header. The dashes are
    ``column_widths``: every column is at least as wide as its longest word, and the rest
    of the line follows each column's text, so a column of summaries gets more room than a
    column of ids; ``widths`` sets relative widths for that rest instead (columns not
    named get 1).
    """
    raw = set(raw_columns)
    align = dict(align or {})
    cols = list(df.columns)
    dash_counts = column_widths(df, widths)
    header = "| " + " | ".join(escape(c) for c in cols) + " |"
    rule_parts = []
    for c in cols:
        a = align.get(c) or ("right" if pd.api.types.is_numeric_dtype(df[c]) else "left")
        dashes = "-" * dash_counts[c]
        rule_parts.append(dashes + ":" if a == "right" else (":" + dashes + ":" if a == "center" else ":" + dashes))
    rule = "| " + " | ".join(rule_parts) + " |"
    lines = [header, rule]
    for row in df.itertuples(index=False, name=None):
        lines.append("| " + " | ".join(_cell(v, c in raw) for c, v in zip(cols, row)) + " |")
    return "\n".join(lines)


_URL = re.compile(r"^https?://[^\s<>\"`|\\]+$")


def link(address: object) -> str:
    """``address`` as a Markdown autolink when it is a plain http(s) address, else escaped text.

    Addresses come from the data; anything that is not a well-formed web address (e.g.
    'unknown') is printed as text rather than trusted as a link.
    """
    s = "" if address is None else str(address).strip()
    return f"<{s}>" if _URL.match(s) else escape(address)
