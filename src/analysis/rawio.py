"""Reading the hand-written inputs in ``data/raw/``.

Coders write records in YAML (one file per source, pleasant to review in a diff) or, for
bulk imports, in a flat CSV with one column per key. Both are read into the same columnar
form: a table of records with one text column per key (missing where a record has no
value), plus tables of money amounts and extra evidence quotes. Every value keeps the line
it came from, so problems can name it.

Bulk CSV files are parsed by Arrow in batches when they are plain RFC 4180 with one record
per line (what spreadsheets and scripts write); any other file goes through the csv module
row by row, which is slower but reads the same cells and reports each bad row.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from .codebook import MULTI_SEP, PHRASE_KEYS, RAW_KEYS
from .problems import Problem

#: A raw file larger than this is refused: split it (hand-written files are far smaller).
MAX_RAW_FILE_BYTES = 50 * 1024 * 1024
#: Bulk CSV text handed to Arrow in one batch: large enough to amortise the parser's
#: start-up, small enough that a batch's copies stay a small part of the memory used.
CSV_BATCH_BYTES = 64 * 1024 * 1024

PHRASE_SUBKEYS = ("phrase", "value", "quote")
LIST_KEYS = tuple(k.name for k in RAW_KEYS if k.kind == "vocab-list") + ("total_of", "victim_names", "identifying_details")
SCALAR_KEYS = tuple(
    k.name for k in RAW_KEYS if k.kind in ("id", "text", "vocab", "date") and k.name not in LIST_KEYS
)
TOP_KEYS = tuple(k.name for k in RAW_KEYS)

#: Columns of the flat CSV format (and of the flat form both formats are read into).
FLAT_COLUMNS: tuple[str, ...] = (
    ("record_id", "source")
    + tuple(k for k in SCALAR_KEYS if k != "record_id")
    + tuple(f"{p}_{s}" for p in PHRASE_KEYS for s in PHRASE_SUBKEYS)
    + ("money_phrase", "money_purpose", "money_quote")
    + LIST_KEYS
)
_FLAT_SET = frozenset(FLAT_COLUMNS)
MONEY_COLUMNS = ("money_phrase", "money_purpose", "money_quote")
#: Columns of the records table: the flat columns but money, whose amounts are rows of their own.
RECORD_COLUMNS: tuple[str, ...] = tuple(c for c in FLAT_COLUMNS if c not in MONEY_COLUMNS)

_RECORD_SCHEMA = pa.schema([(c, pa.string()) for c in RECORD_COLUMNS] + [("_file", pa.string()), ("_line", pa.int64())])
_MONEY_SCHEMA = pa.schema([("_index", pa.int64()), ("index", pa.int64()), ("phrase", pa.string()), ("purpose", pa.string()),
                           ("quote", pa.string()), ("_file", pa.string()), ("_line", pa.int64())])
_EVIDENCE_SCHEMA = pa.schema([("_index", pa.int64()), ("field", pa.string()), ("quote", pa.string()), ("_file", pa.string()),
                              ("_line", pa.int64())])


@dataclass
class RawRecords:
    # One row per record in reading order (a row's position is the record's index): the
    # RECORD_COLUMNS as text, missing where empty, and '_file', '_line'.
    records: pd.DataFrame = field(default_factory=lambda: _RECORD_SCHEMA.empty_table().to_pandas())
    # YAML records only, by index: the line of each key and sub-key ('date', 'date_quote'),
    # and the keys whose value had the wrong shape (already reported).
    lines: dict[int, dict] = field(default_factory=dict)
    bad: dict[int, set] = field(default_factory=dict)
    # Amounts and evidence quotes point to their record by '_index', not by record_id:
    # with a duplicated id, each copy keeps its own amounts.
    money: pd.DataFrame = field(default_factory=lambda: _MONEY_SCHEMA.empty_table().to_pandas())  # + index, phrase, purpose, quote
    evidence: pd.DataFrame = field(default_factory=lambda: _EVIDENCE_SCHEMA.empty_table().to_pandas())  # + field, quote
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Text decoding shared by every input
# --------------------------------------------------------------------------------------


def _read_bytes(path: Path, shown: str, problems: list[Problem]) -> bytes | None:
    try:
        size = path.stat().st_size
    except OSError as e:
        problems.append(Problem(shown, f"cannot read the file: {e.strerror}"))
        return None
    if size > MAX_RAW_FILE_BYTES:
        problems.append(
            Problem(shown, f"the file is {size / 1e6:.1f} MB, over the {MAX_RAW_FILE_BYTES // 2**20} MiB limit for one raw file",
                    accepted="split it into several files (one per source, or per batch)")
        )
        return None
    try:
        return path.read_bytes()
    except OSError as e:
        problems.append(Problem(shown, f"cannot read the file: {e.strerror}", accepted="a readable file"))
        return None


def _decode(data: bytes, shown: str, problems: list[Problem]) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(shown, f"not valid UTF-8: byte 0x{data[e.start]:02x} at offset {e.start}", line=line,
                    accepted="UTF-8 text (re-save the file as UTF-8)")
        )
        return None
    if not text.strip():
        problems.append(Problem(shown, "the file is empty", accepted="a list of records, or delete the file"))
        return None
    return text


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file; a leading byte-order mark is accepted (spreadsheets write one)."""
    data = _read_bytes(path, shown, problems)
    return None if data is None else _decode(data, shown, problems)


# C0 and C1 controls (tab and line breaks aside), Unicode line and paragraph separators
# (line-based tools split on them) and bidirectional overrides, which make text display
# differently from what it says.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: The same class for Arrow's regular expressions (RE2), to find the cells to look at.
CONTROL_RE2 = r"[\x{0}-\x{8}\x{b}\x{c}\x{e}-\x{1f}\x{7f}-\x{9f}\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]"


_SURROGATE = re.compile("[\ud800-\udfff]")


def find_control(text: str) -> str | None:
    m = _CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


@functools.lru_cache(maxsize=1)
def python_spaces() -> pa.Array:
    """The characters str.split() and str.strip() take for whitespace."""
    return pa.array([chr(i) for i in range(sys.maxunicode + 1) if chr(i).isspace()], pa.string())


# --------------------------------------------------------------------------------------
# Collecting the records of every file in reading order
# --------------------------------------------------------------------------------------


@dataclass
class _PendingCsv:
    slot: int
    shown: str
    data: bytes
    header: tuple[str, ...]
    body: bytes  # the lines after the header, ending with a line break


class _Reading:
    """Records of every file, numbered by the file's place in the reading order (its slot).

    Tables carry '_slot'; the '_index' of an amount or a quote counts from its file's first
    record. Plain bulk CSV files wait to be parsed in a batch, so tables may arrive out of
    file order: ``result`` puts the records back in order and numbers them.
    """

    def __init__(self):
        self.slots = 0
        self.records: list[pa.Table] = []
        self.money: list[pa.Table] = []
        self.evidence: list[pa.Table] = []
        self.lines: dict[tuple[int, int], dict] = {}  # (slot, index in file) -> key lines, YAML only
        self.bad: dict[tuple[int, int], set] = {}
        self.pending: list[_PendingCsv] = []
        self.pending_bytes = 0
        self.problems: list[Problem] = []

    def new_slot(self) -> int:
        self.slots += 1
        return self.slots - 1

    def add_rows(self, slot: int, records: list[dict], money: list[dict], evidence: list[dict], lines=None, bad=None) -> None:
        """One file's records read one by one (YAML, or CSV through the csv module)."""
        for rows, schema, out in ((records, _RECORD_SCHEMA, self.records), (money, _MONEY_SCHEMA, self.money),
                                  (evidence, _EVIDENCE_SCHEMA, self.evidence)):
            if rows:
                out.append(_with_slot(pa.Table.from_pylist(rows, schema=schema), slot))
        self.lines.update({(slot, i): v for i, v in (lines or {}).items()})
        self.bad.update({(slot, i): v for i, v in (bad or {}).items()})

    def defer(self, shown: str, data: bytes, header: list[str], body: bytes) -> None:
        self.pending.append(_PendingCsv(self.new_slot(), shown, data, tuple(header), body))
        self.pending_bytes += len(body)
        if self.pending_bytes >= CSV_BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        batches: dict[tuple[str, ...], list[_PendingCsv]] = {}
        for p in self.pending:
            batches.setdefault(p.header, []).append(p)
        self.pending, self.pending_bytes = [], 0
        for header, files in batches.items():
            _parse_csv_batch(header, files, self)

    def result(self) -> RawRecords:
        self.flush()
        out = RawRecords(problems=self.problems)
        if not self.records:
            return out
        records = pa.concat_tables(self.records)
        slot = records["_slot"].to_numpy()
        if len(slot) and (np.diff(slot) < 0).any():
            order = np.argsort(slot, kind="stable")
            records, slot = records.take(order), slot[order]
        first = np.zeros(self.slots + 1, dtype=np.int64)  # index of each file's first record
        first[1:] = np.cumsum(np.bincount(slot, minlength=self.slots))
        out.records = records.drop_columns(["_slot"]).to_pandas()

        def numbered(tables: list[pa.Table], schema: pa.Schema) -> pd.DataFrame:
            if not tables:
                return schema.empty_table().to_pandas()
            t = pa.concat_tables(tables)
            index = t["_index"].to_numpy() + first[t["_slot"].to_numpy()]
            t = t.set_column(0, "_index", pa.array(index, pa.int64())).drop_columns(["_slot"])
            order = np.argsort(index, kind="stable")  # amounts and quotes in record order
            return t.take(order).to_pandas()

        out.money = numbered(self.money, _MONEY_SCHEMA)
        out.evidence = numbered(self.evidence, _EVIDENCE_SCHEMA)
        out.lines = {int(first[s]) + i: v for (s, i), v in self.lines.items()}
        out.bad = {int(first[s]) + i: v for (s, i), v in self.bad.items()}
        return out


def _with_slot(table: pa.Table, slot) -> pa.Table:
    slots = np.full(table.num_rows, slot, dtype=np.int64) if np.isscalar(slot) else slot
    return table.append_column("_slot", pa.array(slots, pa.int64()))


# --------------------------------------------------------------------------------------
# YAML with line numbers
# --------------------------------------------------------------------------------------


class _LineDict(dict):
    line: int = 0
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):  # "? [a, b]": legal YAML, but no key of ours
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping used as a key", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_int(loader, node):
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # more digits than Python converts: keep the text, the checks report it
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
# Dates stay text: the pipeline parses and checks them itself, with a clear message.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _scalar_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        s = str(value).strip()
        return s or None
    return None


def read_yaml(path: Path, shown: str, out: _Reading) -> None:
    text = read_text(path, shown, out.problems)
    if text is None:
        return
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.reader.ReaderError as e:
        # A character YAML refuses anywhere in the file (NUL, BEL, ...): the reader knows
        # its offset, not its line.
        line = text.count("\n", 0, e.position) + 1
        out.problems.append(Problem(shown, f"not valid YAML: {e.reason}", line=line, value=chr(e.character),
                                    accepted="printable UTF-8 text (write control characters as escapes, or remove them)"))
        return
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        out.problems.append(Problem(shown, f"not valid YAML: {what}", line=line,
                                    accepted="YAML as described in docs/coding.md"))
        return
    except RecursionError:
        out.problems.append(Problem(shown, "not valid YAML: nested too deeply to read",
                                    accepted="records as described in docs/coding.md (a few levels of nesting)"))
        return
    if not isinstance(doc, dict) or "records" not in doc:
        out.problems.append(Problem(shown, "the file must be a mapping with 'source' and 'records'", line=1,
                                    accepted="source: <source_id> / records: [list of records]"))
        return
    extra = sorted(set(doc) - {"source", "records"})
    if extra:
        out.problems.append(Problem(shown, f"unknown top-level key {extra[0]!r}", line=doc.key_lines.get(extra[0]),
                                    accepted="source, records"))
    source = _scalar_text(doc.get("source"))
    if not isinstance(doc["records"], list):
        out.problems.append(Problem(shown, "'records' must be a list", line=doc.key_lines.get("records"),
                                    accepted="a YAML list of records, each starting with '- record_id:'"))
        return
    records, money, evidence, lines, bad = [], [], [], {}, {}
    for i, rec in enumerate(doc["records"]):
        if not isinstance(rec, dict):
            out.problems.append(Problem(shown, f"record #{i + 1} is not a mapping", line=doc.key_lines.get("records"),
                                        value=rec, accepted="a mapping of keys such as record_id, event_kind, summary"))
            continue
        _flatten_yaml_record(rec, source, shown, out.problems, records, money, evidence, lines, bad)
    out.add_rows(out.new_slot(), records, money, evidence, lines, bad)


def _flatten_yaml_record(rec: _LineDict, source: str | None, shown: str, problems: list[Problem], records: list[dict],
                         money: list[dict], evidence: list[dict], lines_of: dict[int, dict], bad_keys: dict[int, set]) -> None:
    rid = _scalar_text(rec.get("record_id")) or f"(record at line {rec.line})"
    index = len(records)
    first_amount, first_quote = len(money), len(evidence)
    flat: dict = {"record_id": _scalar_text(rec.get("record_id")), "source": source, "_file": shown, "_line": rec.line}
    lines = lines_of[index] = dict(rec.key_lines)

    def problem(key, message, value=None, accepted=None, line=None):
        bad_keys.setdefault(index, set()).add(key)
        problems.append(Problem(shown, message, line=line or rec.key_lines.get(key, rec.line), record=rid,
                                field=key, value=value, accepted=accepted))

    for key, value in rec.items():
        if key not in TOP_KEYS:
            problem(key, f"unknown key {key!r}", accepted=", ".join(TOP_KEYS))
            continue
        if key == "record_id":
            continue
        if key in PHRASE_KEYS:
            if isinstance(value, dict):
                bad = sorted(set(value) - set(PHRASE_SUBKEYS))
                if bad:
                    problem(key, f"unknown sub-key {bad[0]!r}", accepted="phrase, value, quote")
                for sub in PHRASE_SUBKEYS:
                    if sub in value and value[sub] is not None and not isinstance(value[sub], (str, int, float)):
                        problem(key, f"'{key}.{sub}' must be text", value=value[sub], accepted="a quoted phrase")
                    flat[f"{key}_{sub}"] = _scalar_text(value.get(sub))
                for sub, ln in getattr(value, "key_lines", {}).items():
                    lines[f"{key}_{sub}"] = ln
            elif isinstance(value, (str, int, float)):
                flat[f"{key}_phrase"] = _scalar_text(value)
            else:
                problem(key, "must be a phrase or a mapping with phrase/value/quote", value=value,
                        accepted="a phrase, or {phrase: ..., value: ..., quote: ...}")
        elif key == "money":
            items = value if isinstance(value, list) else [value]
            for idx, item in enumerate(items):
                line = getattr(item, "line", rec.key_lines.get(key))
                if isinstance(item, str):
                    item = {"phrase": item}
                if not isinstance(item, dict):
                    problem(key, "each amount must be a mapping", value=item, accepted="{phrase: ..., purpose: ..., quote: ...}")
                    continue
                bad = sorted(set(item) - {"phrase", "purpose", "quote"})
                if bad:
                    problem(key, f"unknown sub-key {bad[0]!r}", accepted="phrase, purpose, quote", line=line)
                money.append({"_index": index, "index": idx, "phrase": _scalar_text(item.get("phrase")),
                              "purpose": _scalar_text(item.get("purpose")), "quote": _scalar_text(item.get("quote")),
                              "_file": shown, "_line": line})
        elif key == "evidence":
            if not isinstance(value, dict):
                problem(key, "must be a mapping of field to quote", value=value, accepted="{coercion: '...', summary: '...'}")
                continue
            for fname, quote in value.items():
                if not isinstance(quote, (str, int, float)):
                    problem(key, f"the quote for {fname!r} must be text", value=quote, accepted="a quoted sentence")
                    continue
                evidence.append({"_index": index, "field": str(fname), "quote": _scalar_text(quote),
                                 "_file": shown, "_line": value.key_lines.get(fname, rec.key_lines.get(key))})
        elif key in LIST_KEYS:
            items = value if isinstance(value, list) else ([] if value is None else [value])
            if any(not isinstance(v, (str, int, float)) for v in items):
                problem(key, "must be a list of values", value=value, accepted="[value, value]")
                continue
            texts = [str(v).strip() for v in items if str(v).strip()]
            if any(MULTI_SEP in t for t in texts):
                problem(key, f"a value contains '{MULTI_SEP}'", value=value, accepted="one value per list item")
            flat[key] = MULTI_SEP.join(texts) if texts else None
        else:
            if isinstance(value, (list, dict)):
                problem(key, "must be a single value", value=value, accepted="text")
                continue
            flat[key] = _scalar_text(value)
    # A YAML escape can make a lone surrogate ("\\ud800"), which is no character of any text:
    # refused like a control character (the tables hold UTF-8, which cannot encode it). The
    # phrase, amount or quote holding it is left out, so it is reported once.
    for key, value in list(flat.items()):
        if isinstance(value, str) and (m := _SURROGATE.search(value)):
            problem(key, f"contains the control character U+{ord(m.group()):04X}", value=value, accepted="printable text")
            phrase = key.rsplit("_", 1)[0]
            for k in [f"{phrase}_{sub}" for sub in PHRASE_SUBKEYS] if phrase in PHRASE_KEYS else [key]:
                flat[k] = None
    for items, name in ((money, "money"), (evidence, "evidence")):
        first = first_amount if name == "money" else first_quote
        for item in list(items[first:]):
            text = next((v for v in item.values() if isinstance(v, str) and _SURROGATE.search(v)), None)
            if text is not None:
                m = _SURROGATE.search(text)
                problem(name, f"contains the control character U+{ord(m.group()):04X}", value=text, accepted="printable text",
                        line=item["_line"])
                items.remove(item)
    records.append(flat)


# --------------------------------------------------------------------------------------
# Flat CSV (bulk imports)
# --------------------------------------------------------------------------------------

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
    unknown = [h for h in header if h not in _FLAT_SET]
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


def read_csv_records(path: Path, shown: str, out: _Reading) -> None:
    data = _read_bytes(path, shown, out.problems)
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
            if _decode(data, shown, out.problems) is not None:  # a file that is not UTF-8 is reported as such first
                out.problems.extend(found)
            return
    text = _decode(data, shown, out.problems)
    if text is None:
        return
    header = _csv_header(text, shown, out.problems)
    if header is not None:
        _read_csv_rows(text, shown, header, out, out.new_slot())


def _read_csv_rows(text: str, shown: str, header: list[str], out: _Reading, slot: int) -> None:
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
            if flat.get("money_phrase"):
                money.append({"_index": len(records), "index": 0, "phrase": flat["money_phrase"], "purpose": flat.get("money_purpose"),
                              "quote": flat.get("money_quote"), "_file": shown, "_line": line})
            records.append(flat)
    except csv.Error as e:
        out.problems.append(Problem(shown, f"malformed CSV: {e}", line=reader.line_num, accepted="RFC 4180 CSV"))
    out.add_rows(slot, records, money, [])


def _parse_csv_batch(header: tuple[str, ...], files: list[_PendingCsv], out: _Reading) -> None:
    """Bulk CSV files sharing a header: the plain ones parsed together by Arrow, the others row by row."""
    import pyarrow.csv as pa_csv

    binary = pa.array([f.body for f in files], pa.large_binary())
    try:
        bodies = binary.cast(pa.large_string())
    except pa.ArrowInvalid:  # some file is not UTF-8: those are reported by the reader of one file
        valid = [_is_utf8(f.data) for f in files]
        for f, ok in zip(files, valid):
            if not ok:
                _decode(f.data, f.shown, out.problems)
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
    for c in python_spaces().to_pylist():
        b = c.encode("utf-8")
        first[b[0]] = last[b[-1]] = True
    return first, last


def _add_csv_table(table: pa.Table, out: _Reading, shown: list[str], slots: np.ndarray, file_of_row: np.ndarray,
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

    out.records.append(_with_slot(pa.table({**{c: column(c) for c in RECORD_COLUMNS}, "_file": files, "_line": pa.array(line)},
                                           schema=_RECORD_SCHEMA), slots[file_of_row]))
    # The CSV form holds at most one amount per record: its cells become a row of the money table.
    money = pa.table({"_index": pa.array(index_in_file), "index": pa.array(np.zeros(n, np.int64)), "phrase": column("money_phrase"),
                      "purpose": column("money_purpose"), "quote": column("money_quote"), "_file": files, "_line": pa.array(line)},
                     schema=_MONEY_SCHEMA)
    has_money = column("money_phrase").is_valid()
    out.money.append(_with_slot(money, slots[file_of_row]).filter(has_money))


def read_raw_records(raw_dir: Path, shown_root: Path | None = None) -> RawRecords:
    """Read every ``*.yaml``/``*.yml``/``*.csv`` file under ``raw_dir/incidents`` in name order."""
    from .problems import rel

    out = _Reading()
    folder = raw_dir / "incidents"
    entries = sorted((p for p in folder.glob("*") if not p.name.startswith(".")), key=lambda p: p.name)
    if not entries:
        out.problems.append(Problem(rel(folder, shown_root), "no record files found", accepted="*.yaml or *.csv files"))
    for path in entries:
        shown = rel(path, shown_root)
        if not path.is_file():
            # A folder or a link to nothing: skipping it could drop records without a word.
            out.problems.append(Problem(shown, "not a file (a folder, or a link whose target is missing)",
                                        accepted="*.yaml or *.csv files directly in the records folder"))
        elif path.suffix in (".yaml", ".yml"):
            read_yaml(path, shown, out)
        elif path.suffix == ".csv":
            read_csv_records(path, shown, out)
        elif path.name.lower() in ("readme.md", "readme"):
            continue
        else:
            out.problems.append(Problem(shown, f"unexpected file type {path.suffix!r} in the records folder",
                                        accepted=".yaml, .yml or .csv (move other files elsewhere)"))
    return out.result()
