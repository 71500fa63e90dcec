"""Coded records in the flat CSV form (bulk imports), one column per key.

Bulk CSV files are parsed by Arrow in batches when they are plain RFC 4180 with one record
per line (what spreadsheets and scripts write); any other file goes through the csv module
row by row, which is slower but reads the same cells and reports each bad row.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...problems import Problem
from .form import FLAT_COLUMNS, FLAT_SET, MONEY_COLUMNS, MONEY_SCHEMA, RECORD_COLUMNS, RECORD_SCHEMA, PendingCsv, Reading, with_slot
from .text import WHITESPACE, decode, read_bytes

# One line of RFC 4180 CSV: cells unquoted, or quoted with inner quotes doubled, and no
# line break inside a cell. On such lines Arrow's parser and the csv module agree cell for
# cell, and every record is one line, so its line number is its position in the file.
_CSV_CELL = r'(?:"(?:[^"\n]|"")*"|[^",\n]*)'
_CSV_LINE = re.compile(_CSV_CELL + r"(?:," + _CSV_CELL + r")*")


def _csv_body_pattern(width: int) -> str:
    """RE2 pattern of a file body whose every line holds exactly ``width`` cells."""
    return rf"^(?:{_CSV_CELL}(?:,{_CSV_CELL}){{{width - 1}}}\n)*$"


def _csv_header(text: str, shown: str, problems: list[Problem]) -> list[str] | None:
    first_break = text.find("\n")
    # A plain first line holds the whole header: the rest of a large file need not be read for it.
    head = text[:first_break] if first_break > 0 and _CSV_LINE.fullmatch(text, 0, first_break) else text
    reader = csv.reader(io.StringIO(head, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as e:
        problems.append(Problem(shown, f"not a readable CSV header: {e}", line=1, accepted=", ".join(FLAT_COLUMNS)))
        return None
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in FLAT_SET]
    if unknown:
        problems.append(Problem(shown, f"unknown column {unknown[0]!r}", line=1, accepted=", ".join(FLAT_COLUMNS)))
        return None
    doubled = sorted({h for h in header if header.count(h) > 1}) if len(set(header)) < len(header) else []
    if doubled:
        # The later cell would silently win over the earlier one.
        problems.append(Problem(shown, f"column {doubled[0]!r} appears more than once", line=1,
                                accepted="each column once: " + ", ".join(FLAT_COLUMNS)))
        return None
    for col in ("record_id", "source"):
        if col not in header:
            problems.append(Problem(shown, f"missing column {col!r}", line=1, accepted=", ".join(FLAT_COLUMNS)))
            return None
    return header


def read_csv_records(path: Path, shown: str, out: Reading) -> None:
    data = read_bytes(path, shown, out.problems)
    if data is None:
        return
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    first_break = data.find(b"\n", start)
    # A plain bulk file (no carriage returns or NUL bytes, which the csv module has its own
    # view of; a plain first line) waits for its batch: only its header is decoded now, the
    # batch checks its UTF-8 at once.
    if first_break > start and b"\r" not in data and b"\x00" not in data:
        try:
            head = data[start:first_break].decode("utf-8")
        except UnicodeDecodeError:
            head = None
        if head is not None and _CSV_LINE.fullmatch(head):
            found: list[Problem] = []
            header = _csv_header(head, shown, found)
            if header is not None:
                body = data[first_break + 1:]
                out.defer(shown, data, header, body if body.endswith(b"\n") or not body else body + b"\n")
                return
            if decode(data, shown, out.problems) is not None:  # a file that is not UTF-8 is reported as such first
                out.problems.extend(found)
            return
    text = decode(data, shown, out.problems)
    if text is None:
        return
    header = _csv_header(text, shown, out.problems)
    if header is not None:
        _read_csv_rows(text, shown, header, out, out.new_slot())


def _read_csv_rows(text: str, shown: str, header: list[str], out: Reading, slot: int) -> None:
    """The records of a CSV file, row by row with the csv module (any file it can read)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)  # the header, checked already
    records, money = [], []
    width = len(header)
    end = reader.line_num
    try:
        for row in reader:
            # A row starts on the line after the previous row ended (cells may span lines).
            line, end = end + 1, reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != width:
                hint = " (a quote opened and not closed swallows the lines after it)" if any("\n" in c for c in row) else ""
                out.problems.append(Problem(shown, f"the row has {len(row)} cells, the header {width}{hint}", line=line,
                                            record=row[0] if row else None, accepted=f"{width} comma-separated cells; quote cells containing commas"))
                continue
            flat = {h: (c.strip() or None) for h, c in zip(header, row)}
            flat.update({"_file": shown, "_line": line})
            if any(flat.get(c) for c in MONEY_COLUMNS):  # an amount's quote or purpose without its phrase is reported
                money.append({"_index": len(records), "index": 0, "phrase": flat.get("money_phrase"), "purpose": flat.get("money_purpose"),
                              "quote": flat.get("money_quote"), "_file": shown, "_line": line})
            records.append(flat)
    except csv.Error as e:
        out.problems.append(Problem(shown, f"malformed CSV: {e}", line=reader.line_num, accepted="RFC 4180 CSV"))
    out.add_rows(slot, records, money, [])


def parse_csv_batch(header: tuple[str, ...], files: list[PendingCsv], out: Reading) -> None:
    """Bulk CSV files sharing a header: the plain ones parsed together by Arrow, the others row by row."""
    import pyarrow.csv as pa_csv

    binary = pa.array([f.body for f in files], pa.large_binary())
    try:
        bodies = binary.cast(pa.large_string())
    except pa.ArrowInvalid:  # some file is not UTF-8: those are reported by the reader of one file
        valid = [_is_utf8(f.data) for f in files]
        for f, ok in zip(files, valid):
            if not ok:
                decode(f.data, f.shown, out.problems)
        files = [f for f, ok in zip(files, valid) if ok]
        bodies = pa.array([f.body for f in files], pa.large_binary()).cast(pa.large_string())
    plain = pc.match_substring_regex(bodies, _csv_body_pattern(len(header))).to_numpy(zero_copy_only=False)
    for f, ok in zip(files, plain):
        if not ok:
            _read_csv_rows(f.data.decode("utf-8-sig"), f.shown, list(header), out, f.slot)
    fast = [f for f, ok in zip(files, plain) if ok]
    joined = b"".join(f.body for f in fast)
    if not joined:
        return
    table = pa_csv.read_csv(
        pa.BufferReader(joined),
        read_options=pa_csv.ReadOptions(column_names=list(header), block_size=16 * 2**20),
        convert_options=pa_csv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False,
                                              quoted_strings_can_be_null=False),
    )
    rows = np.array([f.body.count(b"\n") for f in fast])  # one record per line
    file_of_row = np.repeat(np.arange(len(fast)), rows)
    index_in_file = np.arange(len(file_of_row)) - np.repeat(np.cumsum(rows) - rows, rows)
    _add_csv_table(table, out, [f.shown for f in fast], np.array([f.slot for f in fast]), file_of_row, index_in_file)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cells(col: pa.ChunkedArray) -> pa.Array:
    """A column's cells as the row-by-row reader keeps them: stripped (as str.strip does), empty ones missing."""
    col = col.combine_chunks()
    first_byte, last_byte = _space_bytes()
    width = np.int64 if pa.types.is_large_string(col.type) else np.int32
    offsets = np.frombuffer(col.buffers()[1], dtype=width)[col.offset:col.offset + len(col) + 1]
    data = np.frombuffer(col.buffers()[2], dtype=np.uint8) if col.buffers()[2] is not None else np.zeros(0, np.uint8)
    filled = offsets[1:] > offsets[:-1]
    # Only a cell that starts or ends with a byte of some whitespace character may need stripping.
    edge = np.zeros(len(col), dtype=bool)
    edge[filled] = first_byte[data[offsets[:-1][filled]]] | last_byte[data[offsets[1:][filled] - 1]]
    at = np.flatnonzero(edge)
    stripped = {int(i): v.strip() for i, v in zip(at, col.take(at).to_pylist()) if v != v.strip()}
    if stripped:
        col = pc.replace_with_mask(col, pa.array(np.isin(np.arange(len(col)), list(stripped))), pa.array(list(stripped.values()), col.type))
        return pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)
    # Empty cells are missing values: the column as it is, with those left out of the validity bitmap.
    validity = pa.py_buffer(np.packbits(np.concatenate([np.zeros(col.offset, dtype=bool), filled]), bitorder="little"))
    return pa.Array.from_buffers(col.type, len(col), [validity, col.buffers()[1], col.buffers()[2]], offset=col.offset)


@functools.lru_cache(maxsize=1)
def _space_bytes() -> tuple[np.ndarray, np.ndarray]:
    """Bytes that can start, and bytes that can end, a whitespace character in UTF-8."""
    first, last = np.zeros(256, dtype=bool), np.zeros(256, dtype=bool)
    for c in WHITESPACE:
        b = c.encode("utf-8")
        first[b[0]] = last[b[-1]] = True
    return first, last


def _add_csv_table(table: pa.Table, out: Reading, shown: list[str], slots: np.ndarray, file_of_row: np.ndarray,
                   index_in_file: np.ndarray) -> None:
    cells = {name: _cells(table[name]) for name in table.column_names}
    line = index_in_file + 2  # one record per line, after the header
    # A row of empty cells is skipped, as a blank line is; the records are numbered without it.
    keep = np.zeros(table.num_rows, dtype=bool)
    for col in cells.values():
        keep |= col.is_valid().to_numpy(zero_copy_only=False)
    if not keep.all():
        cells = {name: col.filter(keep) for name, col in cells.items()}
        file_of_row, line = file_of_row[keep], line[keep]
        index_in_file = np.arange(len(file_of_row)) - np.searchsorted(file_of_row, file_of_row)
    n = len(file_of_row)
    files = pa.array(np.array(shown, dtype=object)[file_of_row], pa.string())

    def column(name):
        return cells[name] if name in cells else pa.nulls(n, pa.string())

    out.records.append(with_slot(pa.table({**{c: column(c) for c in RECORD_COLUMNS}, "_file": files, "_line": pa.array(line)},
                                           schema=RECORD_SCHEMA), slots[file_of_row]))
    # The CSV form holds at most one amount per record: its cells become a row of the money table.
    money = pa.table({"_index": pa.array(index_in_file), "index": pa.array(np.zeros(n, np.int64)), "phrase": column("money_phrase"),
                      "purpose": column("money_purpose"), "quote": column("money_quote"), "_file": files, "_line": pa.array(line)},
                     schema=MONEY_SCHEMA)
    # Any of an amount's cells makes it an amount: one without its phrase is reported, as in YAML.
    has_money = pc.or_(pc.or_(column("money_phrase").is_valid(), column("money_purpose").is_valid()), column("money_quote").is_valid())
    out.money.append(with_slot(money, slots[file_of_row]).filter(has_money))


