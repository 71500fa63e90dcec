"""The evidence table: every quote found, with the field it supports, in published order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...columnar import as_text, ranks
from ..quotes import MATCH_KINDS, Evidence
from .context import Assembly
from .merges import Grouping


def evidence_table(a: Assembly, g: Grouping, evidence: Evidence) -> pd.DataFrame:
    """Ordered by incident, record and field (restricted names and details are withheld by the publication gate)."""
    parsed = a.parsed
    e_row = np.searchsorted(parsed, evidence.pos)  # the record of each quote, among the parsed
    order = np.lexsort((ranks(evidence.checks["field"].take(evidence.rows)), ranks(a.ids_arrow)[e_row], ranks(g.incident_text)[e_row]))
    rows, e_row = evidence.rows[order], e_row[order]
    quote = evidence.quotes.take(evidence.quote_code[rows])
    phrase = evidence.checks["phrase"].take(rows)
    table = pd.DataFrame({
        "incident_id": pd.Series(g.incident_text.take(e_row), dtype="string"),
        "record_id": pd.Series(a.ids_arrow.take(e_row), dtype="string"),
        "source_id": pd.Series(as_text(a.recs["source"].iloc[parsed]).take(e_row), dtype="string"),
        "field": pd.Series(evidence.checks["field"].take(rows), dtype="string"),
        "phrase": pd.Series(pc.coalesce(phrase, quote), dtype="string"),  # a quote for a field without a phrase is its own phrase
        "coder_value": pd.Series(evidence.checks["coder_value"].take(rows), dtype="string"),
        "quote": pd.Series(quote, dtype="string"),
        "char_start": evidence.start[order], "char_end": evidence.end[order],
        "match_kind": pd.Series(pa.array(MATCH_KINDS, pa.large_string()).take(evidence.match_kind[order]), dtype="string")})
    evidence.release()
    return table
