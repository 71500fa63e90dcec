"""What leaves the build: the published tables typed, withheld, ordered, accounted for,
validated against the codebook, and written atomically with their datapackage and MANIFEST.

Every published table passes through ``withhold``, the one gate for restricted names and
identifying details: each text cell goes through the redactor built from every record's
restricted values, and the codebook says per column what a hit does.

Every published file passes through ``write_outputs``: the tables are written into a
temporary folder beside ``data/processed/`` and swapped into place only when all of them
are written, so a failure leaves the previous outputs as they were.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import codebook
from ..codebook import MULTI_SEP, TABLES
from ..columnar import as_text
from ..problems import BuildError, Problem
from .csvfile import write_csv


@dataclass
class Build:
    """Everything a build produced, before it is written."""

    tables: dict[str, pd.DataFrame]
    n_records: int
    n_incidents: int
    n_rejected: int
    n_merged: int


def sorted_table(df: pd.DataFrame, by: list[str], key=None) -> pd.DataFrame:
    """The table stably sorted by the columns ``by`` (each through ``key``, when given).

    The tables are built in their published order: that is checked (one comparison of
    each row with the next), and only a table out of order is sorted.
    """
    keys = [df[c] if key is None else pd.Series(key(df[c]), index=df.index) for c in by]
    if _in_order(keys):
        return df.reset_index(drop=True)
    return df.sort_values(by, key=None if key is None else (lambda s: pd.Series(key(s), index=s.index)),
                          kind="stable").reset_index(drop=True)


def _in_order(keys: list[pd.Series]) -> bool:
    """Whether the rows are in lexicographic order of the keys (no missing values)."""
    if len(keys[0]) < 2:
        return True
    if any(k.isna().any() for k in keys):
        return False
    in_order = None  # row i <= row i + 1 on the keys from here on
    for k in reversed(keys):
        values = as_text(k) if k.dtype == object or pd.api.types.is_string_dtype(k.dtype) else pa.array(k.to_numpy())
        before, after = values[:-1], values[1:]
        less, equal = pc.less(before, after), pc.equal(before, after)
        in_order = pc.or_(less, equal) if in_order is None else pc.or_(less, pc.and_(equal, in_order))
    return pc.all(in_order).as_py()


class AccountingError(AssertionError):
    """The published tables lost or doubled a raw record: a defect of the pipeline, not of the data."""


def check_accounting(build: Build) -> None:
    """Every raw record read is in exactly one incident or in the rejections.

    Checked on the published tables themselves (not on the counters that built them),
    and raised even under ``python -O``, which drops assert statements.
    """
    merged = as_text(build.tables["merges"]["record_id"])
    rejected = as_text(build.tables["rejections"]["record_id"])
    in_incidents = pc.list_flatten(pc.split_pattern(as_text(build.tables["incidents"]["record_ids"]), MULTI_SEP))
    failures = []
    if len(pc.unique(merged)) != len(merged) or pc.any(pc.is_in(merged, value_set=rejected)).as_py():
        failures.append("a record is counted twice in merges and rejections")
    same_records = pc.all(pc.is_in(in_incidents, value_set=merged)).as_py() is not False and \
        pc.all(pc.is_in(merged, value_set=in_incidents)).as_py() is not False
    if len(in_incidents) != len(merged) or not same_records:
        failures.append("the incidents' record_ids differ from the merges table")
    if len(merged) + len(rejected) != build.n_records:
        failures.append(f"{build.n_records} records read, but {len(merged)} in incidents and {len(rejected)} rejected")
    if build.n_incidents + build.n_merged + build.n_rejected != build.n_records or build.n_incidents != len(build.tables["incidents"]):
        failures.append(f"{build.n_records} in != {build.n_incidents} incidents + {build.n_merged} merged + {build.n_rejected} rejected")
    if failures:
        raise AccountingError("accounting failed: " + "; ".join(failures))


def typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns in codebook order with codebook dtypes (empty text is a missing value)."""
    table = TABLES[name]
    df = df.reindex(columns=table.columns)
    out = {}
    for f in table.fields:
        s = df[f.name]
        if f.type == "date":
            # Many rows, few distinct dates: each is converted once.
            codes, distinct = pd.factorize(s, use_na_sentinel=True)
            days = pd.to_datetime(pd.Series(distinct, dtype=object), errors="raise").astype("datetime64[ns]").to_numpy()
            out[f.name] = pd.Series(np.append(days, np.datetime64("NaT", "ns"))[codes], index=s.index)
        elif f.type == "boolean":
            if pd.api.types.infer_dtype(s, skipna=False) == "boolean":
                out[f.name] = s.astype(bool).astype("boolean")
            else:
                out[f.name] = s.map(lambda v: v if isinstance(v, bool) else (None if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else v == "true")).astype("boolean")
        elif f.type == "integer":
            if s.dtype == "Int64" or pd.api.types.is_integer_dtype(s.dtype):
                out[f.name] = s.astype("Int64")
            else:
                out[f.name] = pd.array(s.to_numpy(dtype=object), dtype="Int64") if len(s) else s.astype("Int64")
        elif f.type == "number":
            out[f.name] = pd.to_numeric(s, errors="raise").astype("Float64")
        else:
            text = s.astype("string")
            empty = text.eq("").fillna(False)
            out[f.name] = text.mask(empty) if empty.any() else text
    return pd.DataFrame(out, columns=table.columns)


class Locator:
    """Where a published row comes from: the file, line and id of its record, or its row of the sources register."""

    def __init__(self, recs: pd.DataFrame, sources: pd.DataFrame):
        self.recs, self.sources = recs, sources

    def __call__(self, table: str, row: pd.Series) -> tuple[str, int | None, str | None]:
        if table == "sources":
            sid = row["source_id"]
            at = np.flatnonzero(self.sources["source_id"].eq(sid).fillna(False).to_numpy(dtype=bool))
            if len(at) and "_line" in self.sources:
                return str(self.sources["_file"].iloc[at[0]]), int(self.sources["_line"].iloc[at[0]]), sid
            return "the sources register", None, sid
        rid = row["record_id"] if "record_id" in row.index else None
        if rid is None or pd.isna(rid):
            rid = "R" + str(row["incident_id"]).removeprefix("INC-")  # an incident is named after its canonical record
        at = np.flatnonzero(self.recs["record_id"].eq(rid).fillna(False).to_numpy(dtype=bool))
        if len(at):
            return str(self.recs["_file"].iloc[at[0]]), int(self.recs["_line"].iloc[at[0]]), rid
        return f"the {table} table", None, rid


#: What a coder can do when a column cannot withhold a restricted value, by the column's kind.
_ACCEPTED = {
    "refuse": "text without the names and details listed in victim_names / identifying_details (they are withheld "
              "from free text only: quotes, phrases, reasons, notes)",
    "listed": "restricted values that are not also a category, region or unit the data uses (list the name or detail in full)",
}


def withhold(tables: dict[str, pd.DataFrame], redactor, locate: Locator) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The gate of what is published: every text cell of every table through the redactor.

    Each column is treated as the codebook says (``Field.withholding``): in free text the
    restricted names and details are replaced by WITHHELD, a cell of a "cell" column is
    emptied, and a column that cannot withhold them (identifiers, citations, the coder's
    own words, and values the project supplies when one is itself listed) makes a problem
    naming the file, line and record it comes from. Each distinct cell is looked at once.
    """
    columns = [(name, f) for name in tables for f in TABLES[name].fields if f.withholding]
    if not redactor or not columns:
        return tables, []
    by_column: dict[int, dict[str, list]] = {}
    for k, (name, f) in enumerate(columns):
        cells = distinct_cells(_arrow(tables[name][f.name]), f.unique)
        found = redactor.find(cells)
        if found:
            by_column[k] = {cells[i].as_py(): hits for i, hits in found.items()}
    out, problems = dict(tables), []
    for k, cells in sorted(by_column.items()):
        name, f = columns[k]
        kind = f.withholding
        if kind == "listed":
            cells = {text: hits for text, hits in cells.items() if any(h.listed for h in hits)}
        if kind in ("refuse", "listed"):
            problems += _refused(out[name], name, f.name, kind, cells, redactor, locate)
        elif cells:
            out[name] = _withheld(out[name], f.name, cells, redactor, kind)
    return out, problems


def _arrow(column: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow, in the pieces it is stored in (no copy of an Arrow-backed column)."""
    array = pa.array(column, from_pandas=True)
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


#: Rows of a column sampled to tell whether its cells repeat (every k-th row).
_SAMPLE_ROWS = 10_000


def distinct_cells(column: pa.ChunkedArray, unique: bool = False) -> pa.Array | pa.ChunkedArray:
    """The cells of a column to look at, each distinct text once where that saves work.

    Finding a column's distinct values costs a hash of every cell: worth it where cells
    repeat (quotes, reasons, categories), not where nearly all differ (summaries,
    identifiers), which a sample of the rows tells.
    """
    column = column.drop_null()
    if unique or len(column) <= 2 * _SAMPLE_ROWS:
        return column if unique else pc.unique(column)
    # Every k-th row (the column stays in pieces: no copy of it is made).
    sample = column.take(np.arange(0, len(column), len(column) // _SAMPLE_ROWS))
    return column if len(pc.unique(sample)) > 0.9 * len(sample) else pc.unique(column)


#: Rows of a column rebuilt at a time when cells are withheld: pieces without a hit are kept as they are.
_PIECE_ROWS = 65_536


def _withheld(df: pd.DataFrame, column: str, cells: dict[str, list], redactor, kind: str) -> pd.DataFrame:
    """``df`` with the cells named in ``cells`` withheld: their restricted words, or the whole cell.

    Only the pieces of the column that hold such a cell are rebuilt (in Arrow): a quote
    column of millions of rows is not copied for a few thousand names.
    """
    col = _arrow(df[column]).cast(pa.large_string())
    texts = pa.array(list(cells), pa.large_string())
    withheld = pa.array([None if kind == "cell" else redactor.redact(text, hits) for text, hits in cells.items()],
                        pa.large_string())
    pieces = []
    for chunk in col.chunks:
        for at in range(0, len(chunk), _PIECE_ROWS):
            piece = chunk.slice(at, _PIECE_ROWS)
            which = pc.index_in(piece, value_set=texts)
            pieces.append(pc.if_else(pc.is_null(which), piece, pc.take(withheld, which)) if which.null_count < len(piece) else piece)
    df = df.copy(deep=False)
    new = pa.chunked_array(pieces, pa.large_string())
    df[column] = pd.Series(pd.arrays.ArrowStringArray(new), index=df.index, dtype=df[column].dtype)
    return df


def _refused(df: pd.DataFrame, table: str, column: str, kind: str, cells: dict[str, list], redactor, locate) -> list[Problem]:
    col = df[column]
    problems = []
    for text, hits in cells.items():
        row = int(np.flatnonzero(col.eq(text).fillna(False).to_numpy(dtype=bool))[0])
        file, line, record = locate(table, df.iloc[row])
        where = "; ".join(x.where() for x in redactor.where(hits))
        problems.append(Problem(file, f"names a restricted name or detail ({where}), which the {table} table's column "
                                f"{column} cannot withhold", line=line, record=record, field=column,
                                value=redactor.redact(text, hits), accepted=_ACCEPTED[kind]))
    return problems


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Validate every table against its pandera schema (generated from the codebook).

    The checks on the inputs should have refused anything that fails here; if one slips
    through, it is reported like an input problem (table, column, value, rule) instead of
    as a traceback, and nothing is written.
    """
    import pandera.errors

    problems = []
    for name, df in tables.items():
        try:
            codebook.pandera_schema(name).validate(df, lazy=True)
        except pandera.errors.SchemaErrors as e:
            for case in e.failure_cases.head(20).itertuples():
                problems.append(Problem(f"{name} table (published; not written)", "fails the codebook's check", field=case.column,
                                        value=case.failure_case, accepted=str(case.check)))
    if problems:
        raise BuildError(problems)


def datapackage(tables: dict[str, pd.DataFrame]) -> dict:
    return {
        "name": "coerced-recruitment-incidents",
        "title": "Coerced recruitment into Russia's war against Ukraine: incident dataset",
        "description": "Incidents, practices and context figures coded from published reports, with per-field evidence, "
        "merges and rejections. Generated by `make data` from data/raw; see the codebook.",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
                      "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [
            {"name": name, "title": TABLES[name].title, "description": TABLES[name].description,
             "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "profile": "tabular-data-resource",
             "schema": codebook.table_schema(name)}
            for name in tables
        ],
    }


def _same_contents(folder: Path, digests: dict[str, str]) -> bool:
    """True when the folder holds exactly these files with exactly these contents (by SHA-256)."""
    if not folder.is_dir() or {p.name for p in folder.iterdir()} != set(digests):
        return False
    return all(hashlib.sha256((folder / fname).read_bytes()).hexdigest() == digest for fname, digest in digests.items())


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def write_outputs(build: Build, processed_dir: Path) -> list[str]:
    """Write every published file into a temporary folder, then swap it into place.

    Files are written one at a time (the outputs of a large archive are larger than the
    memory a build should take; the CSV files are written by two more threads while this
    one writes the Parquet files: Arrow does most of the work, outside Python's lock) and
    hashed as they are written. A failing writer leaves the published folder as it was;
    the previous folder is put back if the swap itself fails.
    """
    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}-", dir=processed_dir.parent))
    try:
        digests = _write_files(build, tmp, processed_dir / "README.md")
        # The files on disk are compared, not the MANIFEST: a hand-edited output file must
        # be rebuilt even though the MANIFEST still lists the old hashes.
        if not _same_contents(processed_dir, digests):
            _swap_into_place(tmp, processed_dir)
        # Same contents: the files (and their times) are left alone so nothing downstream reruns.
        return sorted(digests)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _write_files(build: Build, folder: Path, readme: Path) -> dict[str, str]:
    """Every published file written into ``folder``: file name -> SHA-256."""
    from concurrent.futures import ThreadPoolExecutor

    digests: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        # The largest tables first, so that the two writers finish at about the same time.
        by_size = sorted(build.tables.items(), key=lambda item: -item[1].size)
        csv_files = {f"{name}.csv": pool.submit(write_csv, df, name, folder / f"{name}.csv") for name, df in by_size}
        for name, df in build.tables.items():
            buf = io.BytesIO()
            df.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
            digests[f"{name}.parquet"] = _write(folder / f"{name}.parquet", buf.getbuffer())
            del buf
        digests.update({fname: future.result() for fname, future in csv_files.items()})
    finally:
        pool.shutdown(cancel_futures=True)  # a CSV file still being written finishes before its folder goes
    digests["datapackage.json"] = _write(folder / "datapackage.json",
                                         (json.dumps(datapackage(build.tables), indent=2, ensure_ascii=False) + "\n").encode())
    if readme.exists():
        digests["README.md"] = _write(folder / "README.md", readme.read_bytes())
    manifest = "".join(f"{digest}  {fname}\n" for fname, digest in sorted(digests.items()))
    digests["MANIFEST"] = _write(folder / "MANIFEST", manifest.encode())
    return digests


def _swap_into_place(tmp: Path, processed_dir: Path) -> None:
    """Replace the published folder by ``tmp``; the old folder is put back if the swap fails."""
    old = tmp.with_name(tmp.name + "-old")  # unique because tmp is
    # mkdtemp makes the folder private (0700); the published folder is for everyone the umask allows.
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    if processed_dir.exists():
        processed_dir.rename(old)
    try:
        tmp.rename(processed_dir)
    except BaseException:
        if old.exists():
            old.rename(processed_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
