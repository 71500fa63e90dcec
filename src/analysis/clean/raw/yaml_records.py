"""Coded records in YAML (one file per source, pleasant to review in a diff), with line numbers."""

from __future__ import annotations

from pathlib import Path

import yaml

from ...codebook import MULTI_SEP, PHRASE_KEYS
from ...problems import Problem
from .form import LIST_KEYS, PHRASE_SUBKEYS, TOP_KEYS, Reading
from .text import SURROGATE, read_text

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
        if isinstance(key, (list, dict, set, tuple)):  # "? [a, b]": legal YAML, but no key of ours
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping used as a key", key_node.start_mark
            )
        if not isinstance(key, str):  # "~: x" or "!!binary ...": named as written, never compared with text keys
            key = "null" if key is None else str(key)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_text(loader, node):
    return loader.construct_scalar(node)


#: Scalars YAML 1.1 would type: all are read as the text written. An unquoted 010 is not
#: octal 8, 0x10 not 16, 2022-09 not a date, yes not True; the pipeline reads each value
#: itself and reports what it cannot read. Only an empty value (or ~, null) is "no value".
_TYPED_SCALARS = ("int", "float", "bool", "timestamp", "binary")
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
for _tag in _TYPED_SCALARS:
    _LineLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_text)
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag.rsplit(":", 1)[-1] not in _TYPED_SCALARS]
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


def read_yaml(path: Path, shown: str, out: Reading) -> None:
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
    file = _YamlFile(shown, source, out.problems)
    for i, rec in enumerate(doc["records"]):
        if not isinstance(rec, dict):
            out.problems.append(Problem(shown, f"record #{i + 1} is not a mapping", line=doc.key_lines.get("records"),
                                        value=rec, accepted="a mapping of keys such as record_id, event_kind, summary"))
            continue
        file.add(rec)
    out.add_rows(out.new_slot(), file.records, file.money, file.evidence, file.lines, file.bad)


class _YamlFile:
    """One file's records flattened into the flat form, with the line of every key."""

    def __init__(self, shown: str, source: str | None, problems: list[Problem]):
        self.shown, self.source, self.problems = shown, source, problems
        self.records: list[dict] = []
        self.money: list[dict] = []
        self.evidence: list[dict] = []
        self.lines: dict[int, dict] = {}  # record index -> line of each key and sub-key
        self.bad: dict[int, set] = {}  # record index -> keys whose value had the wrong shape (reported)

    def add(self, rec: _LineDict) -> None:
        """Flatten one record: each key by its kind; unknown keys and wrong shapes are problems."""
        self.rec, self.index = rec, len(self.records)
        self.rid = _scalar_text(rec.get("record_id")) or f"(record at line {rec.line})"
        first_amount, first_quote = len(self.money), len(self.evidence)
        self.flat = {"record_id": _scalar_text(rec.get("record_id")), "source": self.source, "_file": self.shown, "_line": rec.line}
        self.key_lines = self.lines[self.index] = dict(rec.key_lines)
        for key, value in rec.items():
            if key not in TOP_KEYS:
                self.problem(key, f"unknown key {key!r}", accepted=", ".join(TOP_KEYS))
            elif key == "record_id":
                continue
            elif key in PHRASE_KEYS:
                self.phrase(key, value)
            elif key == "money":
                self.amounts(key, value)
            elif key == "evidence":
                self.quotes(key, value)
            elif key in LIST_KEYS:
                self.list_value(key, value)
            elif isinstance(value, (list, dict)):
                self.problem(key, "must be a single value", value=value, accepted="text")
            else:
                self.flat[key] = _scalar_text(value)
        self.drop_surrogates(first_amount, first_quote)
        self.records.append(self.flat)

    def problem(self, key, message, value=None, accepted=None, line=None) -> None:
        self.bad.setdefault(self.index, set()).add(key)
        self.problems.append(Problem(self.shown, message, line=line or self.rec.key_lines.get(key, self.rec.line), record=self.rid,
                                     field=key, value=value, accepted=accepted))

    def phrase(self, key: str, value) -> None:
        if isinstance(value, dict):
            bad = sorted(set(value) - set(PHRASE_SUBKEYS))
            if bad:
                self.problem(key, f"unknown sub-key {bad[0]!r}", accepted="phrase, value, quote")
            for sub in PHRASE_SUBKEYS:
                if sub in value and value[sub] is not None and not isinstance(value[sub], (str, int, float)):
                    self.problem(key, f"'{key}.{sub}' must be text", value=value[sub], accepted="a quoted phrase")
                self.flat[f"{key}_{sub}"] = _scalar_text(value.get(sub))
            for sub, ln in getattr(value, "key_lines", {}).items():
                self.key_lines[f"{key}_{sub}"] = ln
        elif isinstance(value, (str, int, float)):
            self.flat[f"{key}_phrase"] = _scalar_text(value)
        else:
            self.problem(key, "must be a phrase or a mapping with phrase/value/quote", value=value,
                         accepted="a phrase, or {phrase: ..., value: ..., quote: ...}")

    def amounts(self, key: str, value) -> None:
        items = value if isinstance(value, list) else [value]
        for idx, item in enumerate(items):
            line = getattr(item, "line", self.rec.key_lines.get(key))
            if isinstance(item, str):
                item = {"phrase": item}
            if not isinstance(item, dict):
                self.problem(key, "each amount must be a mapping", value=item, accepted="{phrase: ..., purpose: ..., quote: ...}")
                continue
            bad = sorted(set(item) - {"phrase", "purpose", "quote"})
            if bad:
                self.problem(key, f"unknown sub-key {bad[0]!r}", accepted="phrase, purpose, quote", line=line)
            self.money.append({"_index": self.index, "index": idx, "phrase": _scalar_text(item.get("phrase")),
                               "purpose": _scalar_text(item.get("purpose")), "quote": _scalar_text(item.get("quote")),
                               "_file": self.shown, "_line": line})

    def quotes(self, key: str, value) -> None:
        if not isinstance(value, dict):
            self.problem(key, "must be a mapping of field to quote", value=value, accepted="{coercion: '...', summary: '...'}")
            return
        for fname, quote in value.items():
            if not isinstance(quote, (str, int, float)):
                self.problem(key, f"the quote for {fname!r} must be text", value=quote, accepted="a quoted sentence")
                continue
            self.evidence.append({"_index": self.index, "field": str(fname), "quote": _scalar_text(quote),
                                  "_file": self.shown, "_line": value.key_lines.get(fname, self.rec.key_lines.get(key))})

    def list_value(self, key: str, value) -> None:
        items = value if isinstance(value, list) else ([] if value is None else [value])
        if any(not isinstance(v, (str, int, float)) for v in items):
            self.problem(key, "must be a list of values", value=value, accepted="[value, value]")
            return
        texts = [str(v).strip() for v in items if str(v).strip()]
        if any(MULTI_SEP in t for t in texts):
            self.problem(key, f"a value contains '{MULTI_SEP}'", value=value, accepted="one value per list item")
        self.flat[key] = MULTI_SEP.join(texts) if texts else None

    def drop_surrogates(self, first_amount: int, first_quote: int) -> None:
        """Refuse lone surrogates, like control characters.

        A YAML escape can make one ("\\ud800"), which is no character of any text (the
        tables hold UTF-8, which cannot encode it). The phrase, amount or quote holding
        it is left out, so it is reported once.
        """
        flat = self.flat
        for key, value in list(flat.items()):
            if isinstance(value, str) and (m := SURROGATE.search(value)):
                self.problem(key, f"contains the control character U+{ord(m.group()):04X}", value=value, accepted="printable text")
                phrase = key.rsplit("_", 1)[0]
                for k in [f"{phrase}_{sub}" for sub in PHRASE_SUBKEYS] if phrase in PHRASE_KEYS else [key]:
                    flat[k] = None
        for items, name, first in ((self.money, "money", first_amount), (self.evidence, "evidence", first_quote)):
            for item in list(items[first:]):
                text = next((v for v in item.values() if isinstance(v, str) and SURROGATE.search(v)), None)
                if text is not None:
                    m = SURROGATE.search(text)
                    self.problem(name, f"contains the control character U+{ord(m.group()):04X}", value=text,
                                 accepted="printable text", line=item["_line"])
                    items.remove(item)
