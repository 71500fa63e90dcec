"""Reading the hand-written inputs in ``data/raw/``.

Coders write records in YAML (one file per source, pleasant to review in a diff) or, for
bulk imports, in a flat CSV with one column per key. Both are read into the same flat
form: one dict per record with scalar cells, plus long lists for money amounts and extra
evidence quotes. Every value keeps the line it came from, so problems can name it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .codebook import MULTI_SEP, PHRASE_KEYS, RAW_KEYS
from .problems import Problem

#: A raw file larger than this is refused: split it (hand-written files are far smaller).
MAX_RAW_FILE_BYTES = 50 * 1024 * 1024

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


@dataclass
class RawRecords:
    # Flat dicts with '_file', '_line', '_lines' (key -> line), '_index' (position in this
    # list) and, when there are any, '_bad' (keys whose value had the wrong shape, already reported).
    records: list[dict] = field(default_factory=list)
    # Amounts and evidence quotes point to their record by '_index', not by record_id:
    # with a duplicated id, each copy keeps its own amounts.
    money: list[dict] = field(default_factory=list)  # record_id, index, phrase, purpose, quote, _line, _index
    evidence: list[dict] = field(default_factory=list)  # record_id, field, quote, _line, _index
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Text decoding shared by every input
# --------------------------------------------------------------------------------------


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 file; a leading byte-order mark is accepted (spreadsheets write one)."""
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
        data = path.read_bytes()
    except OSError as e:
        problems.append(Problem(shown, f"cannot read the file: {e.strerror}", accepted="a readable file"))
        return None
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


# C0 and C1 controls (tab and line breaks aside), Unicode line and paragraph separators
# (line-based tools split on them) and bidirectional overrides, which make text display
# differently from what it says.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def find_control(text: str) -> str | None:
    m = _CONTROL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


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


def read_yaml(path: Path, shown: str, out: RawRecords) -> None:
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
    for i, rec in enumerate(doc["records"]):
        if not isinstance(rec, dict):
            out.problems.append(Problem(shown, f"record #{i + 1} is not a mapping", line=doc.key_lines.get("records"),
                                        value=rec, accepted="a mapping of keys such as record_id, event_kind, summary"))
            continue
        _flatten_yaml_record(rec, source, shown, out)


def _flatten_yaml_record(rec: _LineDict, source: str | None, shown: str, out: RawRecords) -> None:
    rid = _scalar_text(rec.get("record_id")) or f"(record at line {rec.line})"
    flat: dict = {"record_id": _scalar_text(rec.get("record_id")), "source": source, "_file": shown,
                  "_line": rec.line, "_lines": dict(rec.key_lines), "_index": len(out.records)}

    def problem(key, message, value=None, accepted=None, line=None):
        flat.setdefault("_bad", set()).add(key)
        out.problems.append(Problem(shown, message, line=line or rec.key_lines.get(key, rec.line), record=rid,
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
                    flat["_lines"][f"{key}_{sub}"] = ln
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
                out.money.append({"record_id": flat["record_id"], "index": idx, "phrase": _scalar_text(item.get("phrase")),
                                  "purpose": _scalar_text(item.get("purpose")), "quote": _scalar_text(item.get("quote")),
                                  "_file": shown, "_line": line, "_index": flat["_index"]})
        elif key == "evidence":
            if not isinstance(value, dict):
                problem(key, "must be a mapping of field to quote", value=value, accepted="{coercion: '...', summary: '...'}")
                continue
            for fname, quote in value.items():
                if not isinstance(quote, (str, int, float)):
                    problem(key, f"the quote for {fname!r} must be text", value=quote, accepted="a quoted sentence")
                    continue
                out.evidence.append({"record_id": flat["record_id"], "field": str(fname), "quote": _scalar_text(quote),
                                     "_file": shown, "_line": value.key_lines.get(fname, rec.key_lines.get(key)),
                                     "_index": flat["_index"]})
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
    out.records.append(flat)


# --------------------------------------------------------------------------------------
# Flat CSV (bulk imports)
# --------------------------------------------------------------------------------------


def read_csv_records(path: Path, shown: str, out: RawRecords) -> None:
    text = read_text(path, shown, out.problems)
    if text is None:
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as e:
        out.problems.append(Problem(shown, f"not a readable CSV header: {e}", line=1, accepted=", ".join(FLAT_COLUMNS)))
        return
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in FLAT_COLUMNS]
    if unknown:
        out.problems.append(Problem(shown, f"unknown column {unknown[0]!r}", line=1, accepted=", ".join(FLAT_COLUMNS)))
        return
    doubled = sorted({h for h in header if header.count(h) > 1})
    if doubled:
        # The later cell would silently win over the earlier one.
        out.problems.append(Problem(shown, f"column {doubled[0]!r} appears more than once", line=1,
                                    accepted="each column once: " + ", ".join(FLAT_COLUMNS)))
        return
    for col in ("record_id", "source"):
        if col not in header:
            out.problems.append(Problem(shown, f"missing column {col!r}", line=1, accepted=", ".join(FLAT_COLUMNS)))
            return
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
            flat.update({"_file": shown, "_line": line, "_lines": {}, "_index": len(out.records)})
            if flat.get("money_phrase"):
                out.money.append({"record_id": flat["record_id"], "index": 0, "phrase": flat.pop("money_phrase"),
                                  "purpose": flat.pop("money_purpose", None), "quote": flat.pop("money_quote", None),
                                  "_file": shown, "_line": line, "_index": flat["_index"]})
            else:
                flat.pop("money_phrase", None), flat.pop("money_purpose", None), flat.pop("money_quote", None)
            out.records.append(flat)
    except csv.Error as e:
        out.problems.append(Problem(shown, f"malformed CSV: {e}", line=reader.line_num, accepted="RFC 4180 CSV"))


def read_raw_records(raw_dir: Path, shown_root: Path | None = None) -> RawRecords:
    """Read every ``*.yaml``/``*.yml``/``*.csv`` file under ``raw_dir/incidents`` in name order."""
    from .problems import rel

    out = RawRecords()
    folder = raw_dir / "incidents"
    entries = sorted(p for p in folder.glob("*") if not p.name.startswith("."))
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
    return out
