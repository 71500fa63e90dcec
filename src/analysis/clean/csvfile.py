"""The published CSV files, written a column at a time.

Each file is RFC 4180 CSV with line feeds, built with Arrow a column at a time in chunks of
rows (the text of a million rows is large).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..codebook import TABLES
from ..columnar import as_text

#: Rows of a table turned into CSV text at a time (the text of a million rows is large).
CSV_CHUNK_ROWS = 100_000


def csv_chunks(df: pd.DataFrame, name: str):
    """The table as CSV, in pieces, built a column at a time (RFC 4180 with line feeds).

    A cell is quoted when it holds a comma, a double quote, a line feed or a carriage
    return, with double quotes doubled: a bare carriage return reads back as a line break
    (``to_csv`` leaves it bare, and its CSV then gains a row). Missing values are empty
    cells; numbers are written as Python writes them. Every file reads back equal to its
    Parquet twin.
    """
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(df.columns)
    yield header.getvalue().encode("utf-8")
    types = {f.name: f.type for f in TABLES[name].fields}
    for begin in range(0, len(df), CSV_CHUNK_ROWS):
        part = df.iloc[begin:begin + CSV_CHUNK_ROWS]
        cells = [csv_cells(part[c], types[c]) for c in df.columns]
        lines = pc.binary_join_element_wise(*cells, pa.scalar(",", pa.large_string()))
        lines = pc.binary_join_element_wise(lines, pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string()))
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        yield memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


def csv_cells(s: pd.Series, type_: str) -> pa.Array:
    """One column's cells as CSV text (large strings, no missing values)."""
    if type_ == "date":  # few distinct days: each is written once
        codes, days = pd.factorize(s)
        text = [d.strftime("%Y-%m-%d") for d in days] + [""]
        return pa.array(text, pa.large_string()).take(pa.array(np.where(codes < 0, len(days), codes)))
    if type_ == "boolean":
        return pa.array(s.map({True: "true", False: "false"}).fillna("").to_numpy(dtype=object), pa.large_string())
    if type_ == "integer":
        return pa.array(s, from_pandas=True).cast(pa.large_string()).fill_null("")
    if type_ == "number":  # Python's shortest repr, as to_csv writes floats
        return pa.array([None if v is pd.NA else str(v) for v in s.astype(object)], pa.large_string()).fill_null("")
    cell = as_text(s).fill_null("")
    quote = pc.match_substring_regex(cell, '[,"\\r\\n]')
    if not pc.any(quote).as_py():
        return cell
    mark = pa.scalar('"', pa.large_string())
    needs = cell.filter(quote)
    quoted = pc.binary_join_element_wise(mark, pc.replace_substring(needs, '"', '""'), mark, pa.scalar("", pa.large_string()))
    return pc.replace_with_mask(cell, quote, quoted)



def write_csv(df: pd.DataFrame, name: str, path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for chunk in csv_chunks(df, name):
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()

