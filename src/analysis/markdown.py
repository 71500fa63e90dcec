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


def _auto_width(header: object, values: Iterable[object]) -> int:
    """A column's relative width from its text: the mean length of its cells, at least its
    longest word (which cannot wrap), within [_MIN_WIDTH, _MAX_WIDTH]."""
    texts = ["" if pd.isna(v) is True else str(v) for v in values]
    mean = sum(len(t) for t in texts) / len(texts) if texts else 0
    longest_word = max((len(w) for t in [str(header), *texts] for w in t.split()), default=0)
    return max(_MIN_WIDTH, min(_MAX_WIDTH, max(longest_word, round(mean))))


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
    columns in proportion to the dashes under each header. By default the dashes follow
    each column's text (``_auto_width``), so a column of summaries gets more room than a
    column of ids; ``widths`` sets relative widths instead (columns not named get 1).
    """
    raw = set(raw_columns)
    align = dict(align or {})
    cols = list(df.columns)
    if widths is None:
        dash_counts = {c: _auto_width(c, df[c].tolist()) for c in cols}
    else:
        dash_counts = {c: 3 * max(1, int(widths.get(c, 1))) for c in cols}
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
