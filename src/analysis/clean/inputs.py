"""The inputs of the cleaning step besides the coded records: the sources register
(``data/raw/sources.csv``) and the archive of captured source texts.

Every cell of the register is checked against its codebook field, so a bad value is
reported here, with its line, and not later by the schema of the published table. Each
archived text's SHA-256 is recomputed: a text is used only when it is the one the coder
registered.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pandas as pd

from .. import codebook
from ..codebook import VOCABULARIES
from ..problems import Problem, irregular, rel
from .raw import find_control, read_text

SOURCES_COLUMNS = tuple(f.name for f in codebook.SOURCES.fields)


def parse_iso_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def read_register(raw_dir: Path, sources_dir: Path, root: Path, problems: list[Problem],
                 today: dt.date | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read data/raw/sources.csv, check each row, and recompute each archived text's hash.

    Returns the sources table and the archived texts by source id; a text is returned
    only when its hash matches the recorded one.
    """
    path = raw_dir / "sources.csv"
    shown = rel(path, root)
    empty = pd.DataFrame(columns=SOURCES_COLUMNS)
    if not path.exists():
        problems.append(Problem(shown, "missing", accepted="a CSV with columns " + ", ".join(SOURCES_COLUMNS)))
        return empty, {}
    text = read_text(path, shown, problems)
    if text is None:
        return empty, {}
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header(reader, shown, problems)
    if header is None:
        return empty, {}
    register = _Register(shown, header, sources_dir, today, problems)
    end = reader.line_num
    try:
        for cells in reader:
            # A row starts on the line after the previous row ended (cells may span lines).
            line, end = end + 1, reader.line_num
            if any(c.strip() for c in cells):
                register.add(line, cells)
    except csv.Error as e:
        problems.append(Problem(shown, f"malformed CSV: {e}", line=reader.line_num, accepted="RFC 4180 CSV"))
    # Each row keeps its file and line, so that the publication gate can name them.
    df = pd.DataFrame(register.rows, columns=[*SOURCES_COLUMNS, "_line"]).assign(_file=shown)
    if df.empty and not any(p.file == shown for p in problems):
        problems.append(Problem(shown, "no sources listed", accepted="one row per source document"))
    return df, register.texts


def _header(reader, shown: str, problems: list[Problem]) -> list[str] | None:
    """The register's header (its columns in the file's order), or None when it is unusable."""
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as e:
        problems.append(Problem(shown, f"not a readable CSV header: {e}", line=1, accepted=", ".join(SOURCES_COLUMNS)))
        return None
    missing = [c for c in SOURCES_COLUMNS if c not in header]
    extra = [c for c in header if c not in SOURCES_COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(Problem(shown, f"missing column {missing[0]!r}", line=1, accepted=", ".join(SOURCES_COLUMNS)))
    if extra:
        problems.append(Problem(shown, f"unknown column {extra[0]!r}", line=1, accepted=", ".join(SOURCES_COLUMNS)))
    if doubled:
        problems.append(Problem(shown, f"column {doubled[0]!r} appears more than once", line=1, accepted=", ".join(SOURCES_COLUMNS)))
    return None if missing or extra or doubled else header


class _Register:
    """The rows of the sources register as they are read, and the archived texts that verify."""

    def __init__(self, shown: str, header: list[str], sources_dir: Path, today: dt.date | None, problems: list[Problem]):
        self.shown, self.header, self.sources_dir, self.today, self.problems = shown, header, sources_dir, today, problems
        self.rows: list[dict] = []
        self.texts: dict[str, str] = {}
        self.seen: dict[str, int] = {}

    def bad(self, row: dict, line: int, fieldname, message, accepted=None, value=None) -> None:
        sid = row.get("source_id", "")
        self.problems.append(Problem(self.shown, message, line=line, record=sid or None, field=fieldname,
                                     value=row.get(fieldname) if value is None else value, accepted=accepted))

    def add(self, line: int, cells: list[str]) -> None:
        width = len(self.header)
        row = {h: c.strip() for h, c in zip(self.header, cells)}
        sid = row.get("source_id", "")
        if len(cells) != width:
            # The cells no longer line up with their columns: checking them one by one
            # would only report the shift. The id is kept so the source's records are
            # not all reported as citing an unknown source as well.
            hint = " (a quote opened and not closed swallows the lines after it)" if any("\n" in c for c in cells) else ""
            self.bad(row, line, None, f"the row has {len(cells)} cells, the header {width}{hint}", value=cells[0] if cells else "",
                     accepted=f"{width} comma-separated cells; quote cells containing commas")
            self.seen.setdefault(sid, line)
            self.rows.append({**{c: row.get(c, "") for c in SOURCES_COLUMNS}, "_line": line})
            return
        bad_fields = {f.name for f in codebook.SOURCES.fields if self._check_cell(row, line, f)}
        if sid in self.seen:
            self.bad(row, line, "source_id", f"duplicate source id (first on line {self.seen[sid]})", accepted="a unique id per source")
            return
        self.seen[sid] = line
        self.rows.append({**row, "_line": line})
        archive = row["archive_file"]
        if archive and ("/" in archive or "\\" in archive or archive.startswith(".")):
            self.bad(row, line, "archive_file", "must be a file name inside the archive directory",
                     accepted="a file name such as 000_abc.txt")
        elif archive and not bad_fields & {"archive_file", "sha256"}:
            self._read_archived(row, line, archive)

    def _check_cell(self, row: dict, line: int, f) -> bool:
        """Check one cell against its codebook field; True when it is reported."""
        v = row.get(f.name, "")
        message = accepted = None
        if not v:
            if not f.nullable:
                message, accepted = "required value is empty", f.description
        elif c := find_control(v):
            message, accepted = f"contains the control character {c}", "printable text"
        elif f.vocabulary and v not in VOCABULARIES[f.vocabulary]:
            message, accepted = "not an allowed value", ", ".join(VOCABULARIES[f.vocabulary])
        elif f.type == "date" and parse_iso_date(v) is None:
            message, accepted = "not an ISO date", "YYYY-MM-DD"
        elif f.type == "date" and self.today and parse_iso_date(v) > self.today:
            message, accepted = f"in the future (today is {self.today.isoformat()})", f"a date up to {self.today.isoformat()}"
        elif f.type == "boolean" and v not in ("true", "false"):
            message, accepted = "not a boolean", "true, false"
        elif f.pattern and re.fullmatch(f.pattern, v) is None:
            message, accepted = "not in the expected form", f"{f.description.rstrip('.')}: text matching {f.pattern}"
        if message:
            self.bad(row, line, f.name, message, accepted=accepted)
        return message is not None

    def _read_archived(self, row: dict, line: int, archive: str) -> None:
        apath = self.sources_dir / archive
        accepted = "the name of a file in the archive (set COERCION_SOURCES_DIR to the archive's folder)"
        if not apath.exists():
            self.bad(row, line, "archive_file", f"not found in the archive directory {self.sources_dir}", accepted=accepted)
            return
        # Only regular files inside the archive are read: a link leading out of it would
        # verify someone else's file, and a FIFO or a device would never end.
        if not _inside(apath, self.sources_dir):
            self.bad(row, line, "archive_file", f"a link leading out of the archive directory {self.sources_dir}",
                     accepted="a regular file inside the archive directory")
            return
        if why := irregular(apath):
            self.bad(row, line, "archive_file", why, accepted="a regular file inside the archive directory")
            return
        try:
            data = apath.read_bytes()
        except OSError as e:
            self.bad(row, line, "archive_file", f"cannot be read: {e.strerror}", accepted=accepted)
            return
        digest = hashlib.sha256(data).hexdigest()
        if digest != row["sha256"]:
            self.bad(row, line, "sha256", f"the archived text {archive} has SHA-256 {digest}, not the recorded value; "
                     "the archive changed since the source was registered", accepted="the recorded hash of an unchanged text")
            return
        try:
            self.texts[row["source_id"]] = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.bad(row, line, "archive_file", f"the archived text is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})",
                     accepted="a text saved as UTF-8")


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, its links followed, lies inside ``folder`` (its links followed too)."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve(strict=True))
    except (ValueError, OSError, RuntimeError):
        return False
    return True
