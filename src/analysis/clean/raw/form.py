"""The flat form both raw formats are read into, and the collector of every file's records.

A table of records with one text column per key (missing where a record has no value),
plus tables of money amounts and extra evidence quotes. Every value keeps the file and
line it came from, so problems can name them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from ...codebook import PHRASE_KEYS, RAW_KEYS
from ...problems import Problem

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
FLAT_SET = frozenset(FLAT_COLUMNS)
MONEY_COLUMNS = ("money_phrase", "money_purpose", "money_quote")
#: Columns of the records table: the flat columns but money, whose amounts are rows of their own.
RECORD_COLUMNS: tuple[str, ...] = tuple(c for c in FLAT_COLUMNS if c not in MONEY_COLUMNS)

RECORD_SCHEMA = pa.schema([(c, pa.string()) for c in RECORD_COLUMNS] + [("_file", pa.string()), ("_line", pa.int64())])
MONEY_SCHEMA = pa.schema([("_index", pa.int64()), ("index", pa.int64()), ("phrase", pa.string()), ("purpose", pa.string()),
                           ("quote", pa.string()), ("_file", pa.string()), ("_line", pa.int64())])
EVIDENCE_SCHEMA = pa.schema([("_index", pa.int64()), ("field", pa.string()), ("quote", pa.string()), ("_file", pa.string()),
                              ("_line", pa.int64())])


@dataclass
class RawRecords:
    # One row per record in reading order (a row's position is the record's index): the
    # RECORD_COLUMNS as text, missing where empty, and '_file', '_line'.
    records: pd.DataFrame = field(default_factory=lambda: RECORD_SCHEMA.empty_table().to_pandas())
    # YAML records only, by index: the line of each key and sub-key ('date', 'date_quote'),
    # and the keys whose value had the wrong shape (already reported).
    lines: dict[int, dict] = field(default_factory=dict)
    bad: dict[int, set] = field(default_factory=dict)
    # Amounts and evidence quotes point to their record by '_index', not by record_id:
    # with a duplicated id, each copy keeps its own amounts.
    money: pd.DataFrame = field(default_factory=lambda: MONEY_SCHEMA.empty_table().to_pandas())  # + index, phrase, purpose, quote
    evidence: pd.DataFrame = field(default_factory=lambda: EVIDENCE_SCHEMA.empty_table().to_pandas())  # + field, quote
    problems: list[Problem] = field(default_factory=list)



@dataclass
class PendingCsv:
    slot: int
    shown: str
    data: bytes
    header: tuple[str, ...]
    body: bytes  # the lines after the header, ending with a line break


class Reading:
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
        self.pending: list[PendingCsv] = []
        self.pending_bytes = 0
        self.problems: list[Problem] = []

    def new_slot(self) -> int:
        self.slots += 1
        return self.slots - 1

    def add_rows(self, slot: int, records: list[dict], money: list[dict], evidence: list[dict], lines=None, bad=None) -> None:
        """One file's records read one by one (YAML, or CSV through the csv module)."""
        for rows, schema, out in ((records, RECORD_SCHEMA, self.records), (money, MONEY_SCHEMA, self.money),
                                  (evidence, EVIDENCE_SCHEMA, self.evidence)):
            if rows:
                out.append(with_slot(pa.Table.from_pylist(rows, schema=schema), slot))
        self.lines.update({(slot, i): v for i, v in (lines or {}).items()})
        self.bad.update({(slot, i): v for i, v in (bad or {}).items()})

    def defer(self, shown: str, data: bytes, header: list[str], body: bytes) -> None:
        self.pending.append(PendingCsv(self.new_slot(), shown, data, tuple(header), body))
        self.pending_bytes += len(body)
        if self.pending_bytes >= CSV_BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        from .csv_records import parse_csv_batch  # the CSV reader files its records here

        batches: dict[tuple[str, ...], list[PendingCsv]] = {}
        for p in self.pending:
            batches.setdefault(p.header, []).append(p)
        self.pending, self.pending_bytes = [], 0
        for header, files in batches.items():
            parse_csv_batch(header, files, self)

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

        out.money = numbered(self.money, MONEY_SCHEMA)
        out.evidence = numbered(self.evidence, EVIDENCE_SCHEMA)
        out.lines = {int(first[s]) + i: v for (s, i), v in self.lines.items()}
        out.bad = {int(first[s]) + i: v for (s, i), v in self.bad.items()}
        return out


def with_slot(table: pa.Table, slot) -> pa.Table:
    slots = np.full(table.num_rows, slot, dtype=np.int64) if np.isscalar(slot) else slot
    return table.append_column("_slot", pa.array(slots, pa.int64()))

