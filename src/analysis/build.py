"""The cleaning step behind ``make data``: raw records in, published tables out.

Load inputs (sources.csv, the archived texts, the coders' records, reference data),
check and normalise them, merge records that describe the same incident, and write the
published tables to ``data/processed/``. Every problem found is reported together and
nothing is written unless the whole build succeeds; the outputs are assembled in a
temporary folder and swapped into place at the end.

The records are checked a column at a time (each distinct phrase is read once) and the
problems listed as a record-by-record pass would list them; a bulk import of a million
records takes under a minute on two cores.

Run ``python -m analysis.build --help`` for options.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import datetime as dt
import functools
import hashlib
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import codebook, config
from .codebook import MULTI_SEP, PHRASE_KEYS, TABLES, VOCABULARIES
from .problems import BuildError, Problem, rel
from .rawio import CONTROL_RE2, RECORD_COLUMNS, find_control, read_raw_records, read_text

SOURCES_COLUMNS = tuple(f.name for f in codebook.SOURCES.fields)
#: Persons above this in one incident are refused as absurd (context figures are exempt:
#: a population of migrants may be millions).
MAX_PERSONS_PER_INCIDENT = 1_000_000
#: Record files at least this large are read with a helper process for the date, place and count
#: phrases (forking it and loading its gazetteer takes seconds: worth it for bulk imports only).
HELPER_MIN_RAW_BYTES = 32 * 1024 * 1024
WITHHELD = "[withheld]"
# The normalisers read a number out of a longer phrase and skip the rest: right for a
# source's words ("Three of the men"), but a coder's slip then passes as a different
# number ("-5" reads as 5, "between 50 and 10" as 50, "2.5" as 2). These patterns find
# such text; _misread() reports it when the skipped part bears on the number used.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_SYMBOL = r"(?:[$€₽£]\s*)?"
_INTEGER = r"\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d+"
_MULTIPLIER = r"\s*(?:million|mln|thousand|billion|bn|k\b|m\b|млн|миллион|мільйон|тыс|тис|млрд)"
_SIGN_RE = re.compile(rf"[{_DASHES}]\s*{_SYMBOL}({_INTEGER})(?![.,]?\d)")
_MINUS_WORD_RE = re.compile(r"\b(?:minus|минус|мінус)\b", re.IGNORECASE)
_RANGE_RE = re.compile(
    rf"(?<![\d.,])({_INTEGER})\s*(?:[{_DASHES}]|\bto\b|\band\b|\bдо\b|\bпо\b)\s*{_SYMBOL}({_INTEGER})(?![.,]?\d)(?!{_MULTIPLIER})",
    re.IGNORECASE,
)
_FRACTION_RE = re.compile(rf"(?<![\d.,])(\d+[.,]\d{{1,2}})(?![.,]?\d)(?!{_MULTIPLIER})(?!\s*(?:%|percent))", re.IGNORECASE)
# An ISO-looking date the normaliser would shorten to its year ("2022-02-30" -> 2022).
_ISO_DATE_RE = re.compile(r"(?<![\d.])(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?![\d.])")
# Where a span's two ends meet, to tell a reversed span from an unreadable one.
_SPAN_SPLIT_RE = re.compile(rf"\s+(?:and|to|until|till|through)\s+|\s*[{_DASHES}]\s*", re.IGNORECASE)
#: The checks of a record in the order its problems are listed (the order of its keys): the
#: checks run column by column over all records, so each problem is stamped with its
#: record, its step and its place in the step, and put in that order at the end.
STEPS = ("identity", "source", "control", "status", "evidence", "exclusion", "required", "event_kind", "context_type",
         "vocabulary", "coded_on", "summary", "reference", "merge_reason", "total_of", "total_field", "figure_kind",
         *PHRASE_KEYS, "money")
ID_ACCEPTED = "'R' followed by three or more digits, e.g. R051"
MATCH_KINDS = ("exact", "whitespace")
#: Columns of the raw records the published tables take (the others are dropped once checked).
ASSEMBLED_COLUMNS = ("record_id", "source", "context_type", "summary", "victim_group", "perpetrator", "coercion", "claimed_by",
                     "same_incident_as", "merge_reason", "overlaps", "total_of", "total_field", "exclusion_reason", "_file", "_line")
#: Quotes searched (and their phrases tested) at a time, to keep the Python strings few.
QUOTE_CHUNK = 200_000
#: Rows of a table turned into CSV text at a time (the text of a million rows is large).
CSV_CHUNK_ROWS = 100_000
COUNT_FIELDS = ("persons", "sent_to_war", "killed")
TOTAL_FIELDS = ("persons", "sent_to_war", "killed")
EVIDENCE_FIELDS = ("summary", "coercion", "victim_group", "perpetrator", "claimed_by")
ACCEPTED = {
    "date": "a date phrase such as '7 April 2025', 'early September 2022', 'in the fall of 2024', "
    "'between October 31 and December 31, 2024', 'since March 2023', or a coder value in those forms",
    "place": "a first-level region of Russia or Ukraine, a town, or a country, by name (e.g. 'Chechnya', "
    "'Zaporizhzhia', 'occupied Crimea', 'Novosibirsk', 'Uzbekistan'), or an ISO 3166-2 code in 'value'",
    "count": "a phrase with a head-count such as 'six men', 'at least 7', 'approximately 300', '300-350', "
    "or a number in 'value'; leave the key out when the source gives no number",
    "money": "an amount with a currency such as '1.5 million rubles (over $17,000)', '$2,000', '500 EUR'",
}


@dataclass
class Build:
    """Everything a build produced, before it is written."""

    tables: dict[str, pd.DataFrame]
    n_records: int
    n_incidents: int
    n_rejected: int
    n_merged: int


# ======================================================================================
# Load inputs
# ======================================================================================


def _parse_iso_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def load_sources(raw_dir: Path, sources_dir: Path, root: Path, problems: list[Problem],
                 today: dt.date | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read data/raw/sources.csv, check each row, and recompute each archived text's hash.

    Every cell is checked against its codebook field (required, vocabulary, type,
    pattern), so a bad value is reported here, with its line, and not later by the
    schema of the published table. Returns the sources table and the archived texts by
    source id; a text is returned only when its hash matches the recorded one.
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
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as e:
        problems.append(Problem(shown, f"not a readable CSV header: {e}", line=1, accepted=", ".join(SOURCES_COLUMNS)))
        return empty, {}
    missing = [c for c in SOURCES_COLUMNS if c not in header]
    extra = [c for c in header if c not in SOURCES_COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing:
        problems.append(Problem(shown, f"missing column {missing[0]!r}", line=1, accepted=", ".join(SOURCES_COLUMNS)))
    if extra:
        problems.append(Problem(shown, f"unknown column {extra[0]!r}", line=1, accepted=", ".join(SOURCES_COLUMNS)))
    if doubled:
        problems.append(Problem(shown, f"column {doubled[0]!r} appears more than once", line=1, accepted=", ".join(SOURCES_COLUMNS)))
    if missing or extra or doubled:
        return empty, {}
    rows, texts, seen = [], {}, {}
    end = reader.line_num
    try:
        for cells in reader:
            # A row starts on the line after the previous row ended (cells may span lines).
            line, end = end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            row = {h: c.strip() for h, c in zip(header, cells)}
            sid = row.get("source_id", "")

            def bad(fieldname, message, accepted=None, value=None, _row=row, _line=line, _sid=sid):
                problems.append(Problem(shown, message, line=_line, record=_sid or None, field=fieldname,
                                        value=_row.get(fieldname) if value is None else value, accepted=accepted))

            if len(cells) != len(header):
                # The cells no longer line up with their columns: checking them one by one
                # would only report the shift. The id is kept so the source's records are
                # not all reported as citing an unknown source as well.
                hint = " (a quote opened and not closed swallows the lines after it)" if any("\n" in c for c in cells) else ""
                bad(None, f"the row has {len(cells)} cells, the header {len(header)}{hint}", value=cells[0] if cells else "",
                    accepted=f"{len(header)} comma-separated cells; quote cells containing commas")
                seen.setdefault(sid, line)
                rows.append({c: row.get(c, "") for c in SOURCES_COLUMNS})
                continue
            bad_fields = set()
            for f in codebook.SOURCES.fields:
                v = row.get(f.name, "")
                message = accepted = None
                if not v:
                    if not f.nullable:
                        message, accepted = "required value is empty", f.description
                elif c := find_control(v):
                    message, accepted = f"contains the control character {c}", "printable text"
                elif f.vocabulary and v not in VOCABULARIES[f.vocabulary]:
                    message, accepted = "not an allowed value", ", ".join(VOCABULARIES[f.vocabulary])
                elif f.type == "date" and _parse_iso_date(v) is None:
                    message, accepted = "not an ISO date", "YYYY-MM-DD"
                elif f.type == "date" and today and _parse_iso_date(v) > today:
                    message, accepted = f"in the future (today is {today.isoformat()})", f"a date up to {today.isoformat()}"
                elif f.type == "boolean" and v not in ("true", "false"):
                    message, accepted = "not a boolean", "true, false"
                elif f.pattern and re.fullmatch(f.pattern, v) is None:
                    message, accepted = "not in the expected form", f"{f.description.rstrip('.')}: text matching {f.pattern}"
                if message:
                    bad(f.name, message, accepted=accepted)
                    bad_fields.add(f.name)
            if sid in seen:
                bad("source_id", f"duplicate source id (first on line {seen[sid]})", accepted="a unique id per source")
                continue
            seen[sid] = line
            rows.append(row)
            archive = row["archive_file"]
            if archive and ("/" in archive or "\\" in archive or archive.startswith(".")):
                bad("archive_file", "must be a file name inside the archive directory", accepted="a file name such as 000_abc.txt")
                continue
            if not archive or bad_fields & {"archive_file", "sha256"}:
                continue
            apath = sources_dir / archive
            try:
                data = apath.read_bytes()
            except OSError as e:
                reason = f"not found in the archive directory {sources_dir}" if not apath.exists() else f"cannot be read: {e.strerror}"
                bad("archive_file", reason,
                    accepted="the name of a file in the archive (set COERCION_SOURCES_DIR to the archive's folder)")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest != row["sha256"]:
                bad("sha256", f"the archived text {archive} has SHA-256 {digest}, not the recorded value; "
                    "the archive changed since the source was registered", accepted="the recorded hash of an unchanged text")
                continue
            try:
                texts[sid] = data.decode("utf-8")
            except UnicodeDecodeError as e:
                bad("archive_file", f"the archived text is not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})",
                    accepted="a text saved as UTF-8")
    except csv.Error as e:
        problems.append(Problem(shown, f"malformed CSV: {e}", line=reader.line_num, accepted="RFC 4180 CSV"))
    df = pd.DataFrame(rows, columns=list(SOURCES_COLUMNS))
    if df.empty and not any(p.file == shown for p in problems):
        problems.append(Problem(shown, "no sources listed", accepted="one row per source document"))
    return df, texts


def load_rates(path: Path, root: Path, problems: list[Problem]) -> dict[tuple[str, dt.date], float]:
    """Bank of Russia official rates: (currency, date) -> roubles per unit."""
    shown = rel(path, root)
    accepted = "the reference file copied unchanged from ../shared/reference (columns date, currency, rub_per_unit)"
    if not path.exists():
        problems.append(Problem(shown, "missing", accepted=accepted))
        return {}
    try:
        df = pd.read_csv(path, usecols=["date", "currency", "rub_per_unit"], dtype="string", encoding="utf-8")
    except (ValueError, OSError) as e:  # pandas' parser, encoding and missing-column errors are ValueErrors
        problems.append(Problem(shown, f"cannot read the table: {str(e).splitlines()[0]}", accepted=accepted))
        return {}
    dates = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    rates = pd.to_numeric(df["rub_per_unit"], errors="coerce")
    # A rate of zero, a negative or an unreadable one would publish absurd conversions.
    bad = dates.isna() | df["currency"].isna() | ~(rates > 0) | rates.isin([float("inf")])
    for i in bad[bad].index[:5]:
        problems.append(Problem(shown, "not a date, a currency and a positive rate", line=int(i) + 2,
                                value=f"{df['date'][i]},{df['currency'][i]},{df['rub_per_unit'][i]}", accepted=accepted))
    if bad.any():
        return {}
    return {(c, d): float(r) for c, d, r in zip(df["currency"], dates.dt.date, rates)}


def load_region_status(path: Path, root: Path | None = None, problems: list[Problem] | None = None) -> dict[str, tuple[str, str]]:
    """ISO 3166-2 code -> (English name, occupation status) from the reference boundaries."""
    try:
        return dict(_region_status(Path(path).resolve(), *_stamp(path)))
    except (OSError, ValueError, KeyError, TypeError) as e:
        if problems is None:
            raise
        what = e.strerror if isinstance(e, OSError) else f"{type(e).__name__}: {e}"
        problems.append(Problem(rel(path, root), f"cannot read the region boundaries: {what}",
                                accepted="the GeoJSON copied unchanged from ../shared/reference (features with "
                                "properties iso_3166_2, name_en, occupation_status)"))
        return {}


def _stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=4)
def _region_status(path: Path, _mtime_ns: int, _size: int) -> tuple[tuple[str, tuple[str, str]], ...]:
    # Cached by modification time and size: several builds in one process (tests, notebooks)
    # parse the 1.4 MB of boundaries once, and a changed file is read again.
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    out = {}
    for feat in features:
        p = feat["properties"]
        out[p["iso_3166_2"]] = (p["name_en"], p.get("occupation_status") or "not_occupied")
    return tuple(out.items())


# ======================================================================================
# Process
# ======================================================================================


class _Normalisers:
    """The normalisers, each phrase parsed once (real archives repeat phrases a lot).

    The normalisers promise never to raise. Should one break that promise on some text,
    the text reads as "no value" (which the checks report with its file, record and
    field) and ``why(text)`` gives the error for the message, so one bad phrase does not
    end the build with a traceback that names none of them.
    """

    def __init__(self):
        from . import normalize

        self.n = normalize
        self._count: dict = {}
        self._date: dict = {}
        self._place: dict = {}
        self._money: dict = {}
        self._failed: dict[str, str] = {}

    def _parse(self, cache: dict, key, text: str, parse, empty=None):
        try:
            return cache[key]
        except KeyError:
            pass
        try:
            r = parse()
        except Exception as e:  # noqa: BLE001 - reported as a problem of the record, see why()
            self._failed[text] = f"{type(e).__name__}: {e}"
            r = empty
        cache[key] = r
        return r

    def why(self, text: str) -> str:
        """' (the normaliser failed: ...)' when it raised on the text, else ''."""
        return f" (the normaliser failed on it: {self._failed[text]})" if text in self._failed else ""

    def count(self, text: str):
        return self._parse(self._count, text, text, lambda: self.n.parse_count(text))

    def date(self, text: str, reference: dt.date | None):
        return self._parse(self._date, (text, reference), text, lambda: self.n.parse_date(text, reference=reference))

    def place(self, text: str):
        return self._parse(self._place, text, text, lambda: tuple(self.n.resolve_place(text)), empty=())

    def money(self, text: str):
        return self._parse(self._money, text, text, lambda: self.n.parse_money(text))


class _QuoteFinder:
    """Finds quotes in the archived texts, exactly or with whitespace runs collapsed."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts
        self._collapsed: dict[str, tuple[str, np.ndarray]] = {}

    def _collapse(self, sid: str) -> tuple[str, np.ndarray]:
        """The text with each run of whitespace made one space, and where each kept character was."""
        if sid not in self._collapsed:
            text = self.texts[sid]
            code = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            space = np.isin(code, _space_codes())
            keep = ~space
            keep[:1] |= space[:1]
            keep[1:] |= space[1:] & ~space[:-1]  # a run of whitespace keeps its first character
            index = np.flatnonzero(keep)
            kept = np.where(space[index], np.uint32(ord(" ")), code[index])
            self._collapsed[sid] = (kept.tobytes().decode("utf-32-le"), index)
        return self._collapsed[sid]

    def find(self, sid: str, quote: str) -> tuple[int, int, str] | None:
        text = self.texts.get(sid)
        if text is None or not quote:
            return None
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote), "exact"
        collapsed, index = self._collapse(sid)
        q = " ".join(quote.split())
        j = collapsed.find(q)
        if j < 0:
            return None
        return int(index[j]), int(index[j + len(q) - 1]) + 1, "whitespace"

    def find_all(self, sids: list[str], quotes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, end, match kind) of each quote in its source's text: start -1 where not found,
        the kind as its place in MATCH_KINDS."""
        texts = self.texts
        start = np.array([texts[s].find(q) for s, q in zip(sids, quotes)], dtype=np.int64)
        end = start + np.fromiter(map(len, quotes), dtype=np.int64, count=len(quotes))
        kind = np.zeros(len(quotes), dtype=np.int8)
        for i in np.flatnonzero(start < 0):  # few: try again with whitespace collapsed
            hit = self.find(sids[i], quotes[i])
            if hit is not None:
                start[i], end[i], kind[i] = hit[0], hit[1], MATCH_KINDS.index(hit[2])
        return start, end, kind


@functools.lru_cache(maxsize=1)
def _space_codes() -> np.ndarray:
    """The characters str.split() takes for whitespace."""
    return np.array([i for i in range(sys.maxunicode + 1) if chr(i).isspace()], dtype=np.uint32)


def _phrases_in_quotes(phrases: list[str], quotes: list[str]) -> np.ndarray:
    """``phrase.casefold() in " ".join(quote.split()).casefold()`` for each pair.

    A phrase already in that collapsed form (no whitespace at its ends, single spaces
    inside) that occurs in its quote as written passes the test as well: collapsing the
    quote's whitespace keeps the occurrence, and case folding maps each character on its
    own. Those are found at once; the others are tested one by one.
    """
    from numpy.dtypes import StringDType

    collapsed_form = {p: p == " ".join(p.split()) for p in set(phrases)}
    as_written = np.strings.find(np.array(quotes, dtype=StringDType()), np.array(phrases, dtype=StringDType())) >= 0
    ok = as_written & np.fromiter((collapsed_form[p] for p in phrases), dtype=bool, count=len(phrases))
    for i in np.flatnonzero(~ok):
        ok[i] = phrases[i].casefold() in " ".join(quotes[i].split()).casefold()
    return ok


def _split(v: str | None) -> list[str]:
    return [p for p in v.split(MULTI_SEP) if p] if v else []


def _record_number(rid: str) -> int:
    return int(rid[1:])


def _redact(text: str | None, secrets: list[str]) -> str | None:
    if text is None or not secrets:
        return text
    import re

    for s in sorted(secrets, key=len, reverse=True):
        # Whole words only: the pseudonym "Anuar" must not eat into "January".
        text = re.sub(rf"(?<!\w){re.escape(s)}(?!\w)", WITHHELD, text, flags=re.IGNORECASE)
    return text


def _mid_date(start: dt.date | None, end: dt.date | None) -> dt.date | None:
    if start and end:
        return start + (end - start) // 2
    return start or end


def _accepted_for(key: str) -> str:
    """What a raw key accepts, for messages: the vocabulary when it has one."""
    raw_key = next(k for k in codebook.RAW_KEYS if k.name == key)
    if raw_key.vocabulary:
        return ", ".join(VOCABULARIES[raw_key.vocabulary])
    if raw_key.kind == "date":
        return "a date YYYY-MM-DD"
    return raw_key.description


def _number(text: str) -> int:
    digits = re.sub(r"\D", "", text)
    # Python refuses int() past 4,300 digits; such a string is no count anyway.
    return int(digits) if len(digits) <= 100 else -1


def _written_numbers(text: str) -> frozenset:
    """The whole numbers written in digits in a text (over 15 digits is no count)."""
    return frozenset(_number(m) for m in re.findall(_INTEGER, text) if len(re.sub(r"\D", "", m)) <= 15)


@functools.lru_cache(maxsize=2**16)  # real archives repeat phrases a lot, as in _Normalisers
def _misread(text: str, values: frozenset, is_range: bool, whole: bool = True) -> tuple[str, str] | None:
    """(problem, accepted) when the text says more about the number used than the reading kept.

    ``values`` are the numbers the normaliser returned; only a sign, a second bound or
    decimals on one of them count, so a phrase with other numbers in it ("Article 328.1
    ... six men") passes. The word "minus" has no place in a head-count or an amount.
    """
    text = " ".join(text.split())
    if _MINUS_WORD_RE.search(text):
        return "a negative number", "zero or more, without a minus sign"
    for m in _SIGN_RE.finditer(text):
        before = text[: m.start()].rstrip()
        # A dash after a number ("300-350", "thirty - 35" read as a range) joins a range;
        # right after a word it is a hyphen ("Su-25").
        joins = bool(before) and (before[-1].isdigit() or (before[-1].isalpha() and (is_range or m.start() == len(before))))
        if _number(m.group(1)) in values and not joins:
            return "a negative number", "zero or more, without a minus sign"
    for m in _RANGE_RE.finditer(text):
        a, b = _number(m.group(1)), _number(m.group(2))
        if a > b and not is_range and values & {a, b}:
            return f"the lower bound is above the upper bound ({a} > {b})", "a range whose lower bound comes first, e.g. '10-50'"
    if whole:
        for m in _FRACTION_RE.finditer(text):
            x = float(m.group(1).replace(",", "."))
            if x != int(x) and values & {int(x), round(x)}:
                return "not a whole number of persons", "a whole number of persons"
    return None


_ISO_CODES_RE = re.compile(r"[A-Z]{2}(?:-[A-Z0-9]{1,3})?(?:\s*[,;|]\s*[A-Z]{2}(?:-[A-Z0-9]{1,3})?)*")


def _places_from_codes(text: str, regions: dict[str, tuple[str, str]]):
    """Places for a coder's value written as ISO codes ("RU-CE", "UA-65, UA-23", "UZ").

    None when the text is not a list of codes (the normaliser reads it instead); an empty
    list when a code is unknown, which is reported like an unknown place name.
    """
    if not _ISO_CODES_RE.fullmatch(text.strip()):
        return None
    import pycountry

    from .normalize import Place

    places = []
    for code in re.split(r"\s*[,;|]\s*", text.strip()):
        if "-" in code:
            if code not in regions:
                return []
            name, status = regions[code]
            places.append(Place(code, name, code[:2], None, status))
        else:
            country = pycountry.countries.get(alpha_2=code)
            if country is None:
                return []
            places.append(Place(code, country.name, code))
    return places


def _reversed_span(norm, text: str, reference: dt.date | None):
    """The two ends of a span written end first ("between 30 and 1 September"), or None."""
    for m in _SPAN_SPLIT_RE.finditer(text):
        first = re.sub(r"^\s*(?:between|from)\s+", "", text[: m.start()], flags=re.IGNORECASE).strip()
        second = text[m.end():].strip()
        if not first or not second:
            continue
        a, b = norm.date(first, reference), norm.date(second, reference)
        if a and b and a.start and b.end and a.start > b.end:
            return a, b
    return None


def _period_end(d: dt.date, precision: str) -> dt.date:
    if precision == "month":
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    if precision == "year":
        return dt.date(d.year, 12, 31)
    return d


def _is_calendar_date(year: str, month: str, day: str | None) -> bool:
    try:
        dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        return False
    return True


def _known_currency(code: str | None) -> bool:
    if not code:
        return False
    import pycountry

    return pycountry.currencies.get(alpha_3=code) is not None


# ---- readings of one distinct phrase: (problem, value); problem is (message, accepted, shown value)


def _read_date(norm, text: str, pub_date: dt.date | None, pub_precision: str, today: dt.date):
    span = norm.date(text, pub_date)
    invalid = [m.group() for m in _ISO_DATE_RE.finditer(text) if not _is_calendar_date(*m.groups())]
    if invalid:
        return (f"{invalid[0]} is not a date of the calendar", "a real date, YYYY-MM-DD or e.g. '7 April 2025'", text), None
    if span is None:
        reversed_span = _reversed_span(norm, text, pub_date)
        if reversed_span:
            a, b = reversed_span
            return (f"the end date is before the start date ({a.start.isoformat()} > {b.end.isoformat()})",
                    "a span whose start comes first, e.g. 'between 1 and 30 September 2022'", text), None
        return ("cannot read a date" + norm.why(text), ACCEPTED["date"], text), None
    if span.start and span.end and span.start > span.end:
        return ("the end date is before the start date", "a span whose start comes first", text), None
    if (span.start and span.start > today) or (span.end and span.end > today and span.precision == "day"):
        return (f"in the future (today is {today.isoformat()})", "a date that has happened", text), None
    if pub_date and span.start and span.start > _period_end(pub_date, pub_precision):
        return (f"after the source's publication ({pub_date.isoformat()})", "a date before the source was published; check the year",
                text), None
    end = span.end
    if end and pub_date and end > _period_end(pub_date, pub_precision):
        # A source cannot report events after it was published: clip the span.
        end = _period_end(pub_date, pub_precision)
    return None, (span.start, end, span.precision)


def _read_place(norm, text: str, is_value: bool, regions: dict[str, tuple[str, str]]):
    places = _places_from_codes(text, regions) if is_value else None
    if places is None:
        places = norm.place(text)
    if not places:
        return ("no place recognised" + norm.why(text), ACCEPTED["place"], text), ()
    return None, tuple(places)


def _read_count(norm, text: str, is_value: bool, is_figure: bool, is_context: bool):
    c = norm.count(text)
    if c is None and (misread := _misread(text, _written_numbers(text), False)):
        # The normaliser refuses "-6", "2.5" or "between 60 and 6": say why.
        return (*misread, text), None
    if c is None:
        # A figure must have a number; a count phrase without digits ("several members"
        # the normaliser cannot read) is a count unknown, as when the key is left out.
        if is_figure or is_value or any(ch.isdigit() for ch in text) or norm.why(text):
            return (f"cannot read a {'figure' if is_figure else 'number'}{norm.why(text)}", ACCEPTED["count"], text), None
        return None, None
    vals = [v for v in (c.low, c.best, c.high) if v is not None]
    if any(v < 0 for v in vals):
        return ("a negative count", "zero or more persons", text), None
    if misread := _misread(text, frozenset(vals), c.qualifier == "range"):
        return (*misread, text), None
    if not is_context and any(v > MAX_PERSONS_PER_INCIDENT for v in vals):
        return (f"over {MAX_PERSONS_PER_INCIDENT:,} persons in one record is not plausible",
                f"a count up to {MAX_PERSONS_PER_INCIDENT:,}; code a population as a context record", text), None
    if c.low is not None and c.high is not None and c.low > c.high:
        return ("the lower bound is above the upper bound", "low <= high", text), None
    return None, c


def _read_money(norm, phrase: str):
    money = norm.money(phrase)
    if money is None:
        return ("cannot read an amount and currency" + norm.why(phrase), ACCEPTED["money"], phrase), None
    if misread := _misread(phrase, frozenset({money.amount, money.amount_high} - {None}), money.qualifier == "range", whole=False):
        return (*misread, phrase), None
    if not _known_currency(money.currency):
        return ("unknown currency", "an ISO 4217 currency (RUB, USD, EUR, UAH, ...)", money.currency), None
    return None, money


def _read_phrases(kind: str, items: list[tuple], regions: dict, today: dt.date | None = None, norm=None) -> list:
    """The readings of distinct phrases: dates (text, publication date, its precision), places
    (text, is a coder's value) or counts (text, is a coder's value, is a figure, is a context record)."""
    norm = norm or _helper_normalisers()
    if kind == "date":
        return [_read_date(norm, text, pub_date, pub_precision, today) for text, pub_date, pub_precision in items]
    if kind == "place":
        return [_read_place(norm, text, is_value, regions) for text, is_value in items]
    return [_read_count(norm, text, is_value, is_figure, is_context) for text, is_value, is_figure, is_context in items]


def _request_readings(kind: str, items: list[tuple], norm, helper: _Helper | None, regions: dict, today: dt.date):
    """A function giving the readings of the phrases: read now, or by the helper process meanwhile."""
    if helper is None:
        results = _read_phrases(kind, items, regions, today, norm)
        return lambda: results
    future = helper.submit(_read_phrases, kind, items, regions, today)

    def result():
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - the helper died (killed, out of memory): read here instead
            return _read_phrases(kind, items, regions, today, norm)

    return result


class _Helper:
    """A second process for the date, place and head-count phrases of a large archive.

    Forked before the records are read, it loads the place gazetteer (seconds of work)
    meanwhile; it then reads the phrases while this process looks for the quotes. It
    runs the same normalisers on the same phrases, only in another process: on a machine
    with two cores the build takes the time of one of the two halves, not of both.
    """

    def __init__(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        self.pool.submit(_helper_warm_up)

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)

    @classmethod
    def for_archive(cls, raw_dir: Path) -> _Helper | None:
        """A helper when the record files are large enough to repay its start (and the system can fork)."""
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
            return None
        try:
            size = sum(e.stat().st_size for e in os.scandir(raw_dir / "incidents") if e.is_file())
        except OSError:
            return None
        return cls() if size >= HELPER_MIN_RAW_BYTES else None


_HELPER_NORMALISERS: list = []  # the helper process's normalisers (and their caches)


def _helper_normalisers() -> _Normalisers:
    if not _HELPER_NORMALISERS:
        _HELPER_NORMALISERS.append(_Normalisers())
    return _HELPER_NORMALISERS[0]


def _helper_warm_up() -> None:
    _helper_normalisers().place("Moscow")  # loads the gazetteer


def _return_free_memory() -> None:
    """Hand memory that Python and NumPy have freed back to the system.

    glibc keeps freed memory for reuse; between the stages of a large build that is
    hundreds of MB a stage has let go, held while the next stage allocates its own.
    (Elsewhere than glibc this does nothing.)
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _distinct(*columns) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row's combination of values, the first row of each code).

    Phrases repeat a lot: a column of a million holds some thousands of distinct ones,
    each read once. A missing value is a value of its own.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        key, _ = pd.factorize(key * (len(uniques) + 1) + codes + 1)
    _, first = np.unique(key, return_index=True)
    return key, first


def _pick(values, rows) -> list:
    """``values`` at ``rows`` as a list: a Series or an array is indexed, a list is taken
    as already one per row, anything else is one value for all (missing values are None)."""
    if isinstance(values, pd.Series):
        return pa.array(values.iloc[rows], from_pandas=True).to_pylist() if len(rows) else []
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.take(np.asarray(rows, dtype=np.int64)).to_pylist() if len(rows) else []
    if isinstance(values, np.ndarray):
        return values[rows].tolist()
    if isinstance(values, list):
        return values
    return [values] * len(rows)


def _text(values) -> pa.Array:
    """Text values (a Series, a list) as an Arrow array of large strings."""
    array = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _among(column, allowed) -> np.ndarray:
    """Whether each value is one of ``allowed`` (a missing value is not)."""
    allowed = allowed if isinstance(allowed, (pa.Array, pa.ChunkedArray, pd.Series)) else list(allowed)
    return pc.is_in(_text(column), value_set=_text(allowed)).fill_null(False).to_numpy(zero_copy_only=False)


def _spread(values: list, codes: np.ndarray, dtype: str):
    """A column holding ``values[code]`` in each row, ``values[-1]`` where the code is -1."""
    if dtype == "date":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]").array.take(codes)
    return pd.array(values, dtype=dtype).take(codes)


class _Findings:
    """Problems of the record checks, listed as a record-by-record pass lists them."""

    def __init__(self, raw):
        self.lines = raw.lines
        self.file = raw.records["_file"]
        self.record_line = raw.records["_line"].to_numpy()
        self.record_id = raw.records["record_id"]
        self.items: list[tuple[tuple[int, int, int], Problem]] = []

    def line(self, pos: int, *keys: str) -> int:
        """The line of the first of ``keys`` a YAML record has; else the record's (a CSV row is one line)."""
        lines = self.lines.get(pos)
        if lines:
            for key in keys:
                if lines.get(key):
                    return lines[key]
        return int(self.record_line[pos])

    def add(self, step, rows, field, message, *, value=None, accepted=None, line=None, sub=0, pos=None,
            record=True) -> None:
        """One problem per selected row (``rows``: a boolean mask or row numbers).

        The other arguments are as ``_pick`` takes them; ``pos`` names the records of the
        rows of another table (amounts, quotes), ``line`` defaults to the line of the
        field's key, and ``record`` to the record's id (None: no record).
        """
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
        if not len(rows):
            return
        positions = rows if pos is None else np.asarray(_pick(pos, rows), dtype=np.int64)
        fields, messages, values, accepteds, subs, lines = (_pick(v, rows) for v in (field, message, value, accepted, sub, line))
        steps = [STEPS.index(s) if isinstance(s, str) else int(s) for s in _pick(step, rows)]
        files, record_ids = _pick(self.file, positions), _pick(self.record_id, positions)
        for i, p in enumerate(positions.tolist()):
            f = fields[i]
            ln = lines[i] if lines[i] is not None and lines[i] >= 0 else self.line(p, f, f"{f}_phrase")
            problem = Problem(files[i], messages[i], line=int(ln), record=record_ids[i] if record else None, field=f,
                              value=values[i], accepted=accepteds[i])
            # Identity problems are found before any record is read: they come first.
            self.items.append(((steps[i] != 0, p, steps[i], subs[i]), problem))

    def sorted(self) -> list[Problem]:
        return [p for _, p in sorted(self.items, key=lambda item: item[0])]


def _id_well_formed(rid: pd.Series) -> np.ndarray:
    """'R' and three or more digits (str.isdigit, which also takes other scripts' digits)."""
    ok = np.array(rid.str.fullmatch(r"R[0-9]{3,}").fillna(False), dtype=bool)
    rows = np.flatnonzero(~ok & rid.notna().to_numpy())
    for i, r in zip(rows, _pick(rid, rows)):
        ok[i] = r[:1] == "R" and r[1:].isdigit() and len(r) >= 4
    return ok


def _record_numbers(rid: pd.Series) -> np.ndarray:
    """int(rid[1:]) of each id: an int64 array, or Python ints when some do not fit."""
    plain = np.array(rid.str.fullmatch(r"R[0-9]{1,18}").fillna(False), dtype=bool)
    if plain.all():
        return rid.str.slice(1).astype("int64").to_numpy()
    out = np.zeros(len(rid), dtype=object)
    out[plain] = rid[plain].str.slice(1).astype("int64").to_numpy()
    rows = np.flatnonzero(~plain)
    out[rows] = [_record_number(r) for r in _pick(rid, rows)]
    return out


def process(
    sources: pd.DataFrame,
    texts: dict[str, str],
    raw,
    rates: dict,
    regions: dict[str, tuple[str, str]],
    today: dt.date,
    problems: list[Problem],
    helper: _Helper | None = None,
) -> Build | None:
    """Check and normalise the records and assemble the published tables.

    Each check runs over all records at once (a column at a time; each distinct phrase is
    read once) and stops the records a record-by-record pass would stop at it; the
    problems are listed in that pass's order. The tables are assembled only when no
    problem was found anywhere. The archived texts are released once the quotes are
    found (``texts`` is emptied).
    """
    norm = _Normalisers()
    found = _Findings(raw)
    source_dates = {
        r.source_id: (_parse_iso_date(r.published_date), r.published_precision) for r in sources.itertuples()
    }
    recs = raw.records
    n = len(recs)

    def has(name) -> np.ndarray:
        return recs[name].notna().to_numpy()

    # ---- identities ----------------------------------------------------------------
    rid = recs["record_id"]
    with_id = has("record_id")
    well_formed = with_id & _id_well_formed(rid)
    duplicate = np.zeros(n, dtype=bool)
    duplicate[well_formed] = rid[well_formed].duplicated().to_numpy()
    found.add("identity", ~with_id, "record_id", "record without record_id", line=recs["_line"], accepted=ID_ACCEPTED,
              record=None)
    found.add("identity", with_id & ~well_formed, "record_id", "malformed record id", line=recs["_line"], value=rid,
              accepted=ID_ACCEPTED)
    dup_rows = np.flatnonzero(duplicate)
    if len(dup_rows):
        first_of = pd.Series(np.flatnonzero(well_formed & ~duplicate), index=rid[well_formed & ~duplicate])
        first = first_of.loc[rid.iloc[dup_rows]].to_numpy()
        found.add("identity", dup_rows, "record_id", [f"duplicate record id (also at {f}:{found.record_line[i]})"
                                                      for f, i in zip(_pick(found.file, first), first)],
                  line=recs["_line"], value=rid, accepted="an id no other record uses")
    alive = well_formed & ~duplicate
    ids = _text(rid[alive])  # the records the references may name

    # ---- provenance ------------------------------------------------------------------
    sid = recs["source"]
    no_source = alive & ~has("source")
    found.add("source", no_source, "source", "the record names no source",
              accepted="'source:' at the top of the file (YAML) or a 'source' column (CSV)")
    alive &= ~no_source
    unknown = alive & ~_among(sid, source_dates)
    if source_dates:  # with no usable sources.csv, that file's problem is reported once instead
        found.add("source", unknown, "source", "unknown source", value=sid,
                  accepted="a source_id of data/raw/sources.csv: " + ", ".join(source_dates))
    alive &= ~unknown
    # Text hygiene: control characters hide text from reviewers and break outputs.
    for i, name in enumerate(RECORD_COLUMNS):
        column = recs[name]
        hit = np.flatnonzero(alive & column.str.contains(CONTROL_RE2, regex=True).fillna(False).to_numpy(dtype=bool))
        shown = _pick(column, hit)
        found.add("control", hit, name, [f"contains the control character {find_control(v)}" for v in shown], value=shown,
                  accepted="printable text", sub=i)
    secret_rows = np.flatnonzero(alive & (has("victim_names") | has("identifying_details")))
    secrets = {int(p): _split(a) + _split(b) for p, a, b in
               zip(secret_rows, _pick(recs["victim_names"], secret_rows), _pick(recs["identifying_details"], secret_rows))}
    status = recs["status"].fillna("coded")
    bad_status = alive & ~_among(status, ("coded", "excluded"))
    found.add("status", bad_status, "status", "unknown status", value=status, accepted="coded, excluded")
    alive &= ~bad_status

    # Quotes are checked together at the end, one table of (record, step, sub-step, field,
    # quote, phrase that must occur in it, coder's value, line of the quote or -1).
    quote_checks: list[pa.Table] = []

    def check_quotes(step, pos, field, quote, phrase=None, coder_value=None, line=-1, sub=0):
        """Queue the quotes of records ``pos``; the other arguments hold one value per quote or one for all."""
        def column(v, type_):
            if isinstance(v, (pa.Array, pa.ChunkedArray)):
                return v.cast(type_)
            if isinstance(v, (np.ndarray, pd.Series)):
                return pa.array(v, type_, from_pandas=True)
            return pa.nulls(len(pos), type_) if v is None else pa.array(np.full(len(pos), v), type_)

        quote_checks.append(pa.table({
            "pos": pa.array(np.asarray(pos, dtype=np.int64)), "step": column(STEPS.index(step), pa.int64()), "sub": column(sub, pa.int64()),
            "field": column(field, pa.large_string()), "quote": column(quote, pa.large_string()),
            "phrase": column(phrase, pa.large_string()), "coder_value": column(coder_value, pa.large_string()),
            "line": column(line, pa.int64())}))

    ev = raw.evidence
    ev_alive = alive[ev["_index"].to_numpy()]
    ev_unknown = ev_alive & ~_among(ev["field"].str.split(".", n=1).str[0], EVIDENCE_FIELDS)
    ev_sub = pd.Series(np.arange(len(ev)) * 10)
    found.add("evidence", ev_unknown, "evidence", [f"evidence for unknown field {f!r}" for f in _pick(ev["field"], np.flatnonzero(ev_unknown))],
              line=ev["_line"], pos=ev["_index"], sub=ev_sub, accepted=", ".join(EVIDENCE_FIELDS) + " (optionally with a '.suffix')")
    rows = np.flatnonzero(ev_alive & ~ev_unknown)
    check_quotes("evidence", ev["_index"].to_numpy()[rows], _text(ev["field"]).take(rows), _text(ev["quote"]).take(rows),
                 line=ev["_line"].to_numpy()[rows], sub=ev_sub.to_numpy()[rows])

    excluded = alive & status.eq("excluded").to_numpy()
    no_reason = excluded & ~has("exclusion_reason")
    found.add("exclusion", no_reason, "exclusion_reason", "an excluded record needs a reason",
              accepted="a sentence saying why it is out of scope")
    rejected = np.flatnonzero(excluded & ~no_reason)
    coded = alive & status.eq("coded").to_numpy()

    # ---- required keys and vocabularies --------------------------------------------
    for i, key in enumerate(("event_kind", "summary", "victim_group", "perpetrator", "coded_by", "coded_on")):
        shaped = np.zeros(n, dtype=bool)  # a value of the wrong shape is reported already
        shaped[[p for p, keys in raw.bad.items() if key in keys]] = True
        found.add("required", coded & ~has(key) & ~shaped, key, "required key is missing or empty", accepted=_accepted_for(key),
                  sub=i)
    kind = recs["event_kind"].where(coded)
    bad_kind = coded & has("event_kind") & ~_among(recs["event_kind"], VOCABULARIES["event_kind"])
    found.add("event_kind", bad_kind, "event_kind", "not an allowed value", value=recs["event_kind"],
              accepted=", ".join(VOCABULARIES["event_kind"]))
    kind = kind.mask(bad_kind)
    is_context = kind.eq("context").fillna(False).to_numpy(dtype=bool)
    ctype = recs["context_type"]
    found.add("context_type", coded & is_context & ~has("context_type"), "context_type", "a context record needs a context_type",
              accepted=", ".join(VOCABULARIES["context_type"]))
    found.add("context_type", coded & has("context_type") & ~_among(ctype, VOCABULARIES["context_type"]), "context_type",
              "not an allowed value", value=ctype, accepted=", ".join(VOCABULARIES["context_type"]), sub=1)
    found.add("context_type", coded & has("context_type") & ~is_context, "context_type", "only context records have a context_type",
              value=ctype, accepted="remove it, or set event_kind: context", sub=2)
    for k, key in enumerate(("victim_group", "perpetrator", "coercion")):
        codes, cells = pd.factorize(recs[key].where(coded))
        bad_values = [[v for v in _split(c) if v not in VOCABULARIES[key]] for c in cells]
        rows = [r for r in np.flatnonzero(codes >= 0) if bad_values[codes[r]]] if any(bad_values) else []
        found.add("vocabulary", np.array([r for r in rows for _ in bad_values[codes[r]]], dtype=np.int64), key,
                  "not an allowed value", value=[v for r in rows for v in bad_values[codes[r]]],
                  accepted=", ".join(VOCABULARIES[key]), sub=[k * 10**6 + j for r in rows for j in range(len(bad_values[codes[r]]))])
    coded_codes, cells = pd.factorize(recs["coded_on"].where(coded))
    coded_dates = [_parse_iso_date(c) for c in cells] + [None]  # the code -1 (no value) takes the None at the end
    readable = np.array([d is not None for d in coded_dates], dtype=bool)[coded_codes]
    found.add("coded_on", coded & has("coded_on") & ~readable, "coded_on", "not an ISO date", value=recs["coded_on"],
              accepted="YYYY-MM-DD")
    future = np.array([d is not None and d > today for d in coded_dates], dtype=bool)[coded_codes]
    found.add("coded_on", coded & future, "coded_on", f"in the future (today is {today.isoformat()})", value=recs["coded_on"],
              accepted=f"a date up to {today.isoformat()}")
    leaking = [p for p in secrets if coded[p]]
    for p, summary in zip(leaking, _pick(recs["summary"], leaking)):
        summary = summary or ""
        leaks = [j for j, s in enumerate(secrets[p]) if _redact(summary, [s]) != summary]
        found.add("summary", np.full(len(leaks), p), "summary", "the summary contains a restricted name or identifying detail",
                  value=WITHHELD, sub=leaks,
                  accepted="a summary without the names and details listed in victim_names / identifying_details")

    # ---- references ------------------------------------------------------------------
    for k, key in enumerate(("same_incident_as", "overlaps")):
        ref = recs[key]
        found.add("reference", coded & has(key) & ~_among(ref, ids), key, "refers to an unknown record", value=ref,
                  accepted="the record_id of another record", sub=2 * k)
        found.add("reference", coded & ref.eq(rid).fillna(False).to_numpy(dtype=bool), key, "refers to the record itself",
                  value=ref, accepted="the record_id of another record", sub=2 * k + 1)
    found.add("merge_reason", coded & has("same_incident_as") & ~has("merge_reason"), "merge_reason", "a merge needs a reason",
              accepted="a sentence saying why the records describe the same incident")
    with_total = np.flatnonzero(coded & has("total_of"))
    total_refs = [_split(v) for v in _pick(recs["total_of"], with_total)]
    named = [r for refs in total_refs for r in refs]
    known_refs = {r for r, known in zip(named, _among(named, ids)) if known}
    for p, refs in zip(with_total, total_refs):
        unknown_refs = [(j, r) for j, r in enumerate(refs) if r not in known_refs]
        found.add("total_of", np.full(len(unknown_refs), p), "total_of", "refers to an unknown record", value=[r for _, r in unknown_refs],
                  accepted="record ids of the incidents the total sums", sub=[j for j, _ in unknown_refs])
    found.add("total_of", coded & has("total_of") & ~ctype.eq("reported_total").fillna(False).to_numpy(dtype=bool), "total_of",
              "only reported totals list the incidents they sum", accepted="context_type: reported_total", sub=10**6)
    total_field = recs["total_field"].fillna("persons")
    found.add("total_field", coded & ~_among(total_field, TOTAL_FIELDS), "total_field", "not an allowed value", value=total_field,
              accepted=", ".join(TOTAL_FIELDS))
    found.add("figure_kind", coded & _among(kind, ("incident", "practice")) & has("figure_phrase"), "figure",
              "only context records carry a figure", accepted="persons / sent_to_war / killed for incidents")
    found.add("figure_kind", coded & is_context & ~has("figure_phrase"), "figure", "a context record needs its figure",
              accepted="figure: the source's phrase, e.g. 'upwards of 300,000'", sub=1)

    # ---- phrases -------------------------------------------------------------------
    # A date reads against its source's publication date: one code per distinct (date, precision).
    publications = list(dict.fromkeys(source_dates.values()))
    publication_index = {v: i for i, v in enumerate(publications)}
    publication_of_source = np.array([publication_index[v] for v in source_dates.values()] + [-1], dtype=np.int64)
    source_index = pc.index_in(_text(sid), value_set=_text(list(source_dates)))
    publication = publication_of_source[source_index.fill_null(-1).to_numpy(zero_copy_only=False)]
    pending: dict[str, tuple] = {}  # field -> (its rows, the code of each row's phrase, the readings to come)
    for key in PHRASE_KEYS:
        given = coded & has(f"{key}_phrase")
        orphan = coded & ~given & (has(f"{key}_value") | has(f"{key}_quote"))
        found.add(key, orphan, key, "a value or quote without the source's phrase", accepted="phrase: the words the source uses")
        rows = np.flatnonzero(given)
        phrase, value, quote = (_text(recs[f"{key}_{sub}"]).take(rows) for sub in ("phrase", "value", "quote"))
        # A plain phrase is its own quote; a phrase with a quote of its own must occur in it.
        check_quotes(key, rows, key, pc.coalesce(quote, phrase), phrase=pc.if_else(quote.is_valid(), phrase, pa.scalar(None, pa.large_string())),
                     coder_value=value, sub=1)
        text = pc.coalesce(value, phrase)  # the coder's reading where there is one
        is_value = value.is_valid().to_numpy(zero_copy_only=False)
        if key in COUNT_FIELDS:
            # Practices have no count of their own and context figures are never victims.
            not_incident = _among(kind.iloc[rows], ("practice", "context"))
            found.add(key, rows[not_incident], key, [f"only incidents carry counts of persons, not a {k} record"
                                                     for k in _pick(kind, rows[not_incident])],
                      value=_pick(text, np.flatnonzero(not_incident)), accepted="leave it out; a context record states its number in 'figure'",
                      sub=3)
            rows, text, is_value = rows[~not_incident], text.filter(~not_incident), is_value[~not_incident]
        text = pd.Series(text, dtype="str")
        if key == "date":
            codes, first = _distinct(text, publication[rows])
            items = [(t, *publications[c]) for t, c in zip(_pick(text, first), publication[rows[first]])]
        elif key in ("place", "origin", "destination"):
            codes, first = _distinct(text, is_value)
            items = list(zip(_pick(text, first), is_value[first].tolist()))
        else:
            codes, first = _distinct(text, is_value, is_context[rows])
            items = [(t, v, key == "figure", c) for t, v, c in zip(_pick(text, first), is_value[first].tolist(), is_context[rows[first]].tolist())]
        kind_of_phrase = "date" if key == "date" else "place" if key in ("place", "origin", "destination") else "count"
        pending[key] = (rows, codes, _request_readings(kind_of_phrase, items, norm, helper, regions, today))

    # ---- money -------------------------------------------------------------------------
    money = raw.money
    m_pos = money["_index"].to_numpy()
    m_coded = coded[m_pos]
    m_sub = pd.Series(np.arange(len(money)) * 10)
    m_phrase = money["phrase"]
    no_phrase = m_coded & ~m_phrase.notna().to_numpy()
    found.add("money", no_phrase, "money", "an amount without its phrase", line=money["_line"], pos=money["_index"], sub=m_sub,
              accepted=ACCEPTED["money"])
    m_given = m_coded & ~no_phrase
    purpose = money["purpose"].fillna("payment")
    found.add("money", m_given & ~_among(purpose, VOCABULARIES["purpose"]), "money.purpose", "not an allowed purpose", value=purpose,
              line=money["_line"], pos=money["_index"], sub=m_sub + 1, accepted=", ".join(VOCABULARIES["purpose"]))
    m_rows = np.flatnonzero(m_given)
    phrase, quote = _text(m_phrase).take(m_rows), _text(money["quote"]).take(m_rows)
    check_quotes("money", m_pos[m_rows], pa.array([f"money[{i}]" for i in money["index"].to_numpy()[m_rows]], pa.large_string()),
                 pc.coalesce(quote, phrase), phrase=pc.if_else(quote.is_valid(), phrase, pa.scalar(None, pa.large_string())),
                 line=money["_line"].to_numpy()[m_rows], sub=m_sub.to_numpy()[m_rows] + 2)
    codes, first = _distinct(m_phrase.iloc[m_rows])
    results = [_read_money(norm, phrase) for phrase in _pick(m_phrase, m_rows[first])]
    failed = np.array([r[0] is not None for r in results] + [False], dtype=bool)[codes]
    found.add("money", m_rows[failed], "money", [results[c][0][0] for c in codes[failed]], value=[results[c][0][2] for c in codes[failed]],
              accepted=[results[c][0][1] for c in codes[failed]], line=money["_line"], pos=money["_index"], sub=m_sub + 4)
    amounts = [(int(m_pos[r]), p, results[c][1]) for r, c, p in zip(m_rows[~failed], codes[~failed], _pick(purpose, m_rows[~failed]))]

    # ---- quotes ------------------------------------------------------------------------
    # The quotes and phrases are queued: the tables need only a few of the records' columns.
    raw.records = recs = recs[[c for c in recs.columns if c in ASSEMBLED_COLUMNS]]
    evidence = _check_quotes(pa.concat_tables(quote_checks), sid, coded, texts, found)
    quote_checks.clear()
    texts.clear()  # the archived texts are not needed any more

    readings: dict[str, tuple[np.ndarray, list]] = {}  # field -> (code of each record's reading or -1, the readings)
    for key, (rows, codes, results) in pending.items():
        results = results()
        failed = np.array([r[0] is not None for r in results] + [False], dtype=bool)[codes]
        found.add(key, rows[failed], key, [results[c][0][0] for c in codes[failed]], value=[results[c][0][2] for c in codes[failed]],
                  accepted=[results[c][0][1] for c in codes[failed]], sub=3)
        code_of = np.full(n, -1, dtype=np.int32)
        code_of[rows] = codes
        readings[key] = (code_of, [r[1] for r in results])
    if helper is not None:
        helper.close()  # its work is done: its memory goes before the tables are made

    problems.extend(found.sorted())
    if problems:
        return None
    del pending, norm  # the phrases and parse caches are spent
    _return_free_memory()
    return _assemble(recs, np.flatnonzero(coded), rejected, kind, (coded_codes, coded_dates), readings, amounts, evidence, secrets,
                     sources, source_dates, rates, regions, problems)


def _check_quotes(quotes: pa.Table, sid: pd.Series, coded: np.ndarray, texts: dict[str, str], found: _Findings) -> _Evidence:
    """Look for each quote in its source's text, and for each phrase in its quote.

    ``quotes`` holds one row per quote to check (see check_quotes in process). Problems go
    to ``found``; the quotes found for coded records are returned for the evidence table.
    """
    q_pos = quotes["pos"].to_numpy()
    text_names = list(texts)
    q_text = pc.index_in(_text(sid), value_set=_text(text_names)).fill_null(-1).to_numpy(zero_copy_only=False)[q_pos]
    # Each distinct (text, quote) is looked for once: several fields often quote one sentence.
    quote_code, quote_values = pd.factorize(pd.Series(quotes["quote"], dtype="str"))
    quote_values = _text(quote_values)
    searched = np.flatnonzero((quote_code >= 0) & (q_text >= 0))
    codes, first = _distinct(quote_code[searched], q_text[searched])
    start, end = np.full(len(first), -1, dtype=np.int64), np.zeros(len(first), dtype=np.int64)
    match_kind = np.zeros(len(first), dtype=np.int8)
    finder = _QuoteFinder(texts)
    for begin in range(0, len(first), QUOTE_CHUNK):
        part = searched[first[begin:begin + QUOTE_CHUNK]]
        chunk = slice(begin, begin + len(part))
        start[chunk], end[chunk], match_kind[chunk] = finder.find_all([text_names[t] for t in q_text[part]],
                                                                      _pick(quote_values, quote_code[part]))
    start, end, match_kind = start[codes], end[codes], match_kind[codes]
    q_line, q_step, q_sub = (quotes[c].to_numpy() for c in ("line", "step", "sub"))
    missing = searched[start < 0]
    fields = _pick(quotes["field"], missing)
    found.add(q_step, missing, fields, ["quote not found in the archived text of " + text_names[t] for t in q_text[missing]],
              value=_pick(quote_values, quote_code[missing]), pos=q_pos, sub=q_sub,
              line=[ln if ln >= 0 else found.line(int(p), f"{f}_quote", f) for ln, p, f in zip(q_line[missing], q_pos[missing], fields)],
              accepted="a passage copied verbatim from the archived text (whitespace may differ)")
    hit = searched[start >= 0]
    start, end, match_kind = start[start >= 0], end[start >= 0], match_kind[start >= 0]
    checked = hit[quotes["phrase"].is_valid().to_numpy(zero_copy_only=False)[hit]]
    stray = [part[~_phrases_in_quotes(_pick(quotes["phrase"], part), _pick(quote_values, quote_code[part]))]
             for part in (checked[begin:begin + QUOTE_CHUNK] for begin in range(0, len(checked), QUOTE_CHUNK))]
    stray = np.concatenate(stray) if stray else np.zeros(0, dtype=np.int64)
    fields = _pick(quotes["field"], stray)
    found.add(q_step, stray, fields, "the phrase does not occur in its quote", value=_pick(quotes["phrase"], stray),
              pos=q_pos, sub=q_sub + 1, line=[found.line(int(p), f"{f}_phrase") for p, f in zip(q_pos[stray], fields)],
              accepted="a phrase copied from the quote; put a resolved reading in 'value'")

    # Quotes of excluded records stay private.
    published = hit[coded[q_pos[hit]]]
    keep = coded[q_pos[hit]]
    return _Evidence(quotes.drop_columns(["quote"]), quote_values, quote_code, published, q_pos[published], start[keep], end[keep],
                     match_kind[keep])


@dataclass
class _Evidence:
    """The quotes found, for the evidence table: the rows of the checked quotes (their field,
    phrase, coder's value), the distinct quotes and each row's quote among them, and where
    each was found."""

    checks: pa.Table
    quotes: pa.Array
    quote_code: np.ndarray
    rows: np.ndarray
    pos: np.ndarray  # the record of each row
    start: np.ndarray
    end: np.ndarray
    match_kind: np.ndarray

    def release(self) -> None:
        """Let the arrays go once the evidence table is made (they are the size of the table)."""
        self.checks = self.quotes = self.quote_code = self.rows = self.pos = self.start = self.end = self.match_kind = None


def _best_span(spans: list[tuple]) -> tuple:
    """The most precise of the records' date spans (start, end, precision)."""
    def width(s):
        a, b = s[0] or dt.date.min, s[1] or dt.date.max
        return (b - a).days if s[0] and s[1] else 10**9
    return min(spans, key=width)


def _place_columns(places, regions: dict[str, tuple[str, str]]) -> dict:
    places = _unique(places)
    region_places = [p for p in places if "-" in p.code]
    return {
        "region_code": _join(p.code for p in region_places),
        "region_name": _join(regions.get(p.code, (p.name, ""))[0] for p in region_places),
        "occupation_status": _join((regions.get(p.code, ("", "not_occupied"))[1] for p in region_places), unique=False),
        "country_code": _join(_unique(p.country for p in places)),
        "locality": _join(p.locality for p in places if p.locality),
    }


def _count_columns(key: str, counts: list) -> dict:
    """Counts from several reports of one incident are combined, never added."""
    low = max((c.low for c in counts if c.low is not None), default=None)
    high = min((c.high for c in counts if c.high is not None), default=None)
    bestv = max((c.best for c in counts if c.best is not None), default=None)
    if bestv is not None:
        bestv = max(bestv, low) if low is not None else bestv
        bestv = min(bestv, high) if high is not None else bestv
    if key == "killed":
        row = {"killed_low": low if low is not None else bestv, "killed_high": high if high is not None else bestv}
    else:
        row = {f"{key}_low": low, f"{key}_best": bestv, f"{key}_high": high}
    if key == "persons":
        quals = {c.qualifier for c in counts}
        row["persons_qualifier"] = (quals.pop() if len(quals) == 1 else "range") if counts else "unknown"
    return row


def _figure_columns(fig) -> dict:
    return {"context_value": None if fig is None else float(next(v for v in (fig.best, fig.low, fig.high) if v is not None)),
            "context_unit": None if fig is None else "persons"}


def _group_incident(recs: list[dict], root: str, iid: str, source_dates, regions, incident_of, problems) -> dict | None:
    """The incident row of records merged by same_incident_as (the canonical record first)."""
    canon = recs[0]
    kinds = {r["event_kind"] for r in recs}
    if len(kinds) > 1:
        problems.append(Problem(canon["file"], "merged records disagree on event_kind", line=canon["line"], record=root,
                                field="event_kind", value=sorted(k or "" for k in kinds), accepted="one kind per incident"))
        return None
    row = {"incident_id": iid, "event_kind": canon["event_kind"], "context_type": canon["context_type"], "summary": canon["summary"]}
    # Dates: the most precise span; spans that do not overlap are a conflict for coders.
    spans = [(r["date_start"], r["date_end"], r["date_precision"]) for r in recs if r["date_precision"] != "unknown"]
    if spans:
        best = _best_span(spans)
        for s in spans:
            if s[0] and best[1] and s[0] > best[1] or s[1] and best[0] and s[1] < best[0]:
                problems.append(Problem(canon["file"], "merged records give dates that do not overlap", line=canon["line"],
                                        record=root, field="date", value=f"{s[0]}..{s[1]} vs {best[0]}..{best[1]}",
                                        accepted="records of one incident with overlapping dates"))
        row.update(date_start=best[0], date_end=best[1], date_precision=best[2])
    else:
        row.update(date_start=None, date_end=None, date_precision="unknown")
    pubs = sorted((source_dates[r["source_id"]] for r in recs), key=lambda p: p[0] or dt.date.max)
    row["first_reported_date"], row["first_reported_precision"] = pubs[0][0], pubs[0][1] if pubs[0][0] else "unknown"
    row["coded_date"] = max(r["coded_on"] for r in recs)
    row.update(_place_columns([p for r in recs for p in r["place"]], regions))
    row["origin_code"] = _join(p.code for r in recs for p in r["origin"])
    row["destination_region_code"] = _join(p.code for r in recs for p in r["destination"])
    for key in ("victim_group", "perpetrator", "coercion"):
        row[key] = _join(v for r in recs for v in _split(r[key]))
    for key in COUNT_FIELDS:
        counts = [r[key] for r in recs if r[key] is not None]
        row.update(_count_columns(key, counts))
        low = max((c.low for c in counts if c.low is not None), default=None)
        high = min((c.high for c in counts if c.high is not None), default=None)
        if low is not None and high is not None and low > high:
            problems.append(Problem(canon["file"], f"merged records give incompatible {key} counts", line=canon["line"],
                                    record=root, field=key, value=f"low {low} > high {high}", accepted="counts that can all be true"))
    row.update(_figure_columns(canon["figure"]))
    ov = [r["overlaps"] for r in recs if r["overlaps"]]
    row["overlaps_incident_id"] = incident_of.get(ov[0]) if ov else None
    tot = [t for r in recs for t in r["total_of"]]
    row["total_of_incident_ids"] = _join(incident_of.get(t, "") for t in tot) or None
    srcs = _unique(r["source_id"] for r in recs)
    row["source_ids"] = _join(srcs)
    row["n_sources"] = len(srcs)
    claimants = _unique(r["claimant"] for r in recs if r["claimant"])
    row["claimed_by_party"] = bool(claimants)
    row["claimant"] = "; ".join(claimants) or None
    row["record_ids"] = _join(r["record_id"] for r in recs)
    return row


def _assemble(recs: pd.DataFrame, parsed: np.ndarray, rejected: np.ndarray, kind: pd.Series, coded_on: tuple,
              readings: dict, amounts: list, evidence: _Evidence, secrets: dict, sources: pd.DataFrame, source_dates: dict,
              rates: dict, regions: dict, problems: list[Problem]) -> Build | None:
    """The published tables from the checked records (``parsed``: rows of the coded records, in reading order).

    Most incidents are one record: their columns are computed once per distinct value or
    reading and spread to the rows. Records merged by same_incident_as go through
    ``_group_incident`` one incident at a time, with the same helpers. Each table is
    built a column at a time in its published order.
    """
    ids = recs["record_id"].iloc[parsed].reset_index(drop=True)
    ids_arrow = _text(ids)
    lines = recs["_line"].to_numpy()

    # ---- merges: records linked by same_incident_as form one incident ------------------
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent.setdefault(parent[x], parent[x])
            x = parent[x]
        return x

    same = recs["same_incident_as"]
    links = parsed[same.iloc[parsed].notna().to_numpy()]
    for p, r, ref, ok, f in zip(links, _pick(recs["record_id"], links), _pick(same, links), _among(same.iloc[links], ids_arrow),
                                _pick(recs["_file"], links)):
        if not ok:
            problems.append(Problem(f, "merged into an excluded record", line=int(lines[p]), record=r,
                                    field="same_incident_as", value=ref, accepted="a coded (not excluded) record"))
            continue
        a, b = find(r), find(ref)
        if a != b:
            parent[max(a, b, key=_record_number)] = min(a, b, key=_record_number)
    # Records by number (ties in reading order): the order of incidents and of their records.
    number = _record_numbers(ids)
    rank = np.empty(len(parsed), dtype=np.int64)
    rank[np.argsort(number, kind="stable")] = np.arange(len(parsed))
    linked = _among(ids, parent)
    merged = np.flatnonzero(linked)
    merged_ids = _pick(ids, merged)
    root = {r: find(r) for r in merged_ids}
    incident_ids = ("INC-" + ids.str.slice(1)).astype("string")
    incident_ids.iloc[merged] = ["INC-" + root[r][1:] for r in merged_ids]

    incident_text = _text(incident_ids)

    def incident_of(refs) -> pa.Array:
        """The incident of each referenced record (missing when it is not a coded record)."""
        return incident_text.take(pc.index_in(_text(refs), value_set=ids_arrow))

    # The incidents of the records reported totals name, looked up at once.
    total_of = recs["total_of"]
    named = list({r for refs in _pick(total_of, parsed[total_of.iloc[parsed].notna().to_numpy()]) for r in _split(refs)})
    incident_of_named = dict(zip(named, incident_of(named).to_pylist()))

    amounts_of: dict[int, list] = {}
    for p, purpose, money in amounts:
        amounts_of.setdefault(p, []).append((purpose, money))
    amount_rows = []

    def add_amounts(iid, record_amounts, incident):
        seen_amounts = set()
        for purpose, money in record_amounts:
            key = (purpose, money.amount, money.amount_high, money.currency)
            if key in seen_amounts:
                continue  # the same amount reported by two sources is one amount
            seen_amounts.add(key)
            amount_rows.append(_convert(iid, len(seen_amounts), purpose, money, incident, rates))

    def reading(key: str, p: int):
        code, results = readings[key]
        return results[code[p]] if code[p] >= 0 else None

    no_date = {"date_start": None, "date_end": None, "date_precision": "unknown"}

    # ---- merged records: one incident per group ---------------------------------------
    merged_pos = parsed[merged]
    values = {key: _pick(recs[name], merged_pos) for key, name in (
        ("source_id", "source"), ("context_type", "context_type"), ("summary", "summary"), ("victim_group", "victim_group"),
        ("perpetrator", "perpetrator"), ("coercion", "coercion"), ("claimant", "claimed_by"), ("merge_reason", "merge_reason"),
        ("overlaps", "overlaps"), ("total_of", "total_of"), ("file", "_file"))}
    values["event_kind"] = _pick(kind, merged_pos)
    refs = [r for r in values["overlaps"] if r]
    merged_incident_of = {**dict(zip(refs, incident_of(refs).to_pylist())), **incident_of_named}
    records_of: dict[int, dict] = {}
    for j, (i, p) in enumerate(zip(merged.tolist(), merged_pos.tolist())):
        r = {key: v[j] for key, v in values.items()}
        r.update({"record_id": merged_ids[j], "line": int(lines[p]), "coded_on": coded_on[1][coded_on[0][p]],
                  "total_of": _split(r["total_of"]), "amounts": amounts_of.get(p, []), **no_date})
        date = reading("date", p)
        if date is not None:
            r.update(zip(no_date, date))
        for key in ("place", "origin", "destination"):
            r[key] = list(reading(key, p) or ())
        for key in (*COUNT_FIELDS, "figure"):
            r[key] = reading(key, p)
        records_of[i] = r
    del values
    groups: dict[str, list[int]] = {}
    for i in sorted(merged.tolist(), key=lambda i: rank[i]):
        groups.setdefault(root[records_of[i]["record_id"]], []).append(i)
    group_rows, group_canonical, merge_rows = {}, {}, []
    for group_root, members in groups.items():
        recs_of = [records_of[i] for i in members]
        iid = "INC-" + group_root[1:]
        row = _group_incident(recs_of, group_root, iid, source_dates, regions, merged_incident_of, problems)
        if row is None:
            continue
        group_rows[iid], group_canonical[iid] = row, members[0]
        for i, r in zip(members, recs_of):
            merge_rows.append({"record_id": r["record_id"], "source_id": r["source_id"], "incident_id": iid,
                               "is_canonical": r is recs_of[0], "merge_reason": None if r is recs_of[0] else r["merge_reason"],
                               "_group": rank[members[0]], "_member": rank[i]})
        add_amounts(iid, [a for r in recs_of for a in r["amounts"]], row)
    del records_of

    # ---- records of their own: one incident each --------------------------------------
    single = np.flatnonzero(~linked)
    pos = parsed[single]
    with_amounts = np.flatnonzero(np.isin(pos, list(amounts_of)))
    for i, iid, s in zip(with_amounts, _pick(incident_ids, single[with_amounts]), _pick(recs["source"], pos[with_amounts])):
        p = int(pos[i])
        date = reading("date", p)
        span = date if date is not None and date[2] != "unknown" else (None, None)
        add_amounts(iid, amounts_of[p], {"date_start": span[0], "date_end": span[1], "first_reported_date": source_dates[s][0]})

    # ---- reported totals are checked against the incidents they sum -------------------
    totals = [(group_canonical[iid], row["total_of_incident_ids"]) for iid, row in group_rows.items()
              if row["context_type"] == "reported_total" and row["total_of_incident_ids"]]
    context_type = recs["context_type"].iloc[pos]
    with_total = single[context_type.eq("reported_total").fillna(False).to_numpy(dtype=bool) & recs["total_of"].iloc[pos].notna().to_numpy()]
    for i, refs in zip(with_total, _pick(recs["total_of"], parsed[with_total])):
        summing = _join(incident_of_named.get(r) or "" for r in _split(refs))
        if summing:
            totals.append((i, summing))
    if totals:
        summed = {iid: None for _, summing in totals for iid in _split(summing)}
        # The counts of each summed incident: a group's row, or its one record's readings.
        singles = [iid for iid in summed if iid not in group_rows]
        at = pc.index_in(pa.array(["R" + iid[4:] for iid in singles], pa.large_string()), value_set=ids_arrow).to_pylist()
        for iid, i in zip(singles, at):
            summed[iid] = {}
            for key in COUNT_FIELDS:
                c = reading(key, int(parsed[i]))
                summed[iid].update(_count_columns(key, [] if c is None else [c]))
        summed.update((iid, row) for iid, row in group_rows.items() if iid in summed)
        rows = np.array([i for i, _ in totals], dtype=np.int64)
        for i, summing, stem, f in zip(rows, (t for _, t in totals), _pick(recs["total_field"].fillna("persons"), parsed[rows]),
                                       _pick(recs["_file"], parsed[rows])):
            p = int(parsed[i])
            fig = reading("figure", p)  # the canonical record's figure and field
            members = [summed[m] for m in _split(summing) if m in summed]
            lows = [m[f"{stem}_low"] if stem != "killed" else m["killed_low"] for m in members]
            bests = [m[f"{stem}_best"] if stem != "killed" else m["killed_high"] for m in members]
            total = sum(v or b or 0 for v, b in zip(lows, bests))
            need = fig.low if fig.low is not None else fig.best
            if need is not None and total < need:
                problems.append(Problem(f, f"the source's total is {need} but the incidents it sums add up to {total} ({stem})",
                                        line=int(lines[p]), record=ids.iat[i], field="total_of", value=_join(_split(summing)),
                                        accepted="code every incident the total covers, or correct the counts"))
    if problems:
        return None

    # ---- evidence, in its published order (incident, record, field) --------------------
    e_row = np.searchsorted(parsed, evidence.pos)  # the record of each quote, among the parsed
    order = np.lexsort((_ranks(evidence.checks["field"].take(evidence.rows)), _ranks(ids_arrow)[e_row], _ranks(incident_text)[e_row]))
    rows, e_row = evidence.rows[order], e_row[order]
    quote_code = evidence.quote_code[rows]
    # Names and details are withheld from published quotes: those rows take a redacted copy.
    withheld = np.flatnonzero(np.isin(parsed[e_row], list(secrets)))
    redacted = [_redact(q, secrets[int(p)]) for q, p in zip(_pick(evidence.quotes, quote_code[withheld]), parsed[e_row[withheld]])]
    quote_code[withheld] = len(evidence.quotes) + np.arange(len(withheld))
    quotes = pa.concat_arrays([evidence.quotes, pa.array(redacted, pa.large_string())]) if redacted else evidence.quotes
    quote = quotes.take(quote_code)
    del quotes
    phrase = evidence.checks["phrase"].take(rows)
    phrase = pc.replace_with_mask(phrase, pa.array(np.isin(np.arange(len(rows)), withheld)),
                                  pa.array([_redact(v, secrets[int(p)]) for v, p in zip(_pick(phrase, withheld), parsed[e_row[withheld]])],
                                           pa.large_string())) if len(withheld) else phrase
    evidence_table = pd.DataFrame({
        "incident_id": pd.Series(incident_text.take(e_row), dtype="string"), "record_id": pd.Series(ids_arrow.take(e_row), dtype="string"),
        "source_id": pd.Series(_text(recs["source"].iloc[parsed]).take(e_row), dtype="string"),
        "field": pd.Series(evidence.checks["field"].take(rows), dtype="string"),
        "phrase": pd.Series(pc.coalesce(phrase, quote), dtype="string"),  # a quote for a field without a phrase is its own phrase
        "coder_value": pd.Series(evidence.checks["coder_value"].take(rows), dtype="string"), "quote": pd.Series(quote, dtype="string"),
        "char_start": evidence.start[order], "char_end": evidence.end[order],
        "match_kind": pd.Series(pa.array(MATCH_KINDS, pa.large_string()).take(evidence.match_kind[order]), dtype="string")})
    evidence.release()
    del quote, phrase, order, rows, e_row, quote_code
    _return_free_memory()

    # ---- incidents, in their published order (incident_id) -----------------------------
    fields = TABLES["incidents"]
    single_ids = incident_text.take(single)
    single = single[pc.sort_indices(single_ids).to_numpy()]
    pos = parsed[single]
    group_ids = sorted(group_rows)
    ordered = pc.sort_indices(pa.concat_arrays([incident_text.take(single), pa.array(group_ids, pa.large_string())])).to_numpy()

    def own(name: str) -> pd.Series:
        return recs[name].iloc[pos].reset_index(drop=True)

    def per_reading(key: str, columns, default: dict) -> dict:
        """Columns computed once per distinct reading of ``key`` and spread to the records of their own."""
        code, results = readings[key]
        table = [columns(r) for r in results] + [default]
        return {c: [t[c] for t in table] for c in default}, code[pos]

    columns: dict[str, pd.Series] = {}

    def add_column(name: str, single_values, group_values=None):
        """A column from the records of their own and from the merged groups, in published order."""
        type_ = fields.field(name).type
        if group_values is None:
            group_values = [group_rows[iid][name] for iid in group_ids]
        parts = [single_values if isinstance(single_values, pd.Series) else pd.Series(single_values), _column(group_values, type_)]
        columns[name] = pd.concat([_column(part, type_) for part in parts], ignore_index=True).take(ordered).reset_index(drop=True)

    def add_spread(columns: dict, codes: np.ndarray):
        for name, values in columns.items():
            add_column(name, _spread(values, codes, _DTYPES[fields.field(name).type]))

    add_column("incident_id", pd.Series(incident_text.take(single)), group_ids)
    add_column("event_kind", kind.iloc[pos].reset_index(drop=True))
    add_column("context_type", own("context_type"))
    add_column("summary", own("summary"))
    add_spread(*per_reading("date", lambda r: dict(zip(no_date, r)) if r[2] != "unknown" else no_date, no_date))
    source_codes = pc.index_in(_text(own("source")), value_set=_text(list(source_dates))).to_numpy(zero_copy_only=False)
    add_column("first_reported_date", _spread([d for d, _ in source_dates.values()] + [None], source_codes, "date"))
    add_column("first_reported_precision", _spread([p if d else "unknown" for d, p in source_dates.values()] + [None], source_codes,
                                                   "string"))
    codes, dates = coded_on
    add_column("coded_date", _spread(dates, codes[pos], "date"))
    place, place_codes = per_reading("place", lambda r: _place_columns(r, regions), _place_columns((), regions))
    origin, origin_codes = per_reading("origin", lambda r: {"origin_code": _join(p.code for p in r)}, {"origin_code": None})
    destination, destination_codes = per_reading("destination", lambda r: {"destination_region_code": _join(p.code for p in r)},
                                                 {"destination_region_code": None})
    add_spread(place, place_codes)
    add_spread(origin, origin_codes)
    add_spread(destination, destination_codes)
    for key in ("victim_group", "perpetrator", "coercion"):
        codes, cells = pd.factorize(own(key))
        add_column(key, _spread([_join(_split(c)) for c in cells] + [None], codes, "string"))
    for key in COUNT_FIELDS:
        add_spread(*per_reading(key, lambda c, key=key: _count_columns(key, [] if c is None else [c]), _count_columns(key, [])))
    add_spread(*per_reading("figure", _figure_columns, _figure_columns(None)))
    add_column("overlaps_incident_id", pd.Series(incident_of(own("overlaps")), dtype="string"))
    totals_column = [None] * len(pos)
    total_rows = np.flatnonzero(own("total_of").notna().to_numpy())
    for i, refs in zip(total_rows, _pick(own("total_of"), total_rows)):
        totals_column[i] = _join(incident_of_named.get(r) or "" for r in _split(refs)) or None
    add_column("total_of_incident_ids", totals_column)
    add_column("source_ids", own("source"))
    add_column("n_sources", np.ones(len(pos), dtype=np.int64))
    claimant = own("claimed_by")
    add_column("claimed_by_party", claimant.notna().to_numpy())
    add_column("claimant", claimant)
    add_column("record_ids", own("record_id"))
    incidents = pd.DataFrame({name: columns.pop(name) for name in fields.columns})
    readings.clear()  # spent: the readings are in the table now

    # ---- merges: the records of each incident, by record number -------------------------
    singles = pd.DataFrame({"record_id": own("record_id").astype("string"), "source_id": own("source").astype("string"),
                            "incident_id": pd.Series(incident_text.take(single), dtype="string"),
                            "is_canonical": True, "merge_reason": None, "_group": rank[single], "_member": rank[single]})
    merge_rows = pd.DataFrame(merge_rows, columns=list(singles.columns)).astype({c: "string" for c in ("record_id", "source_id", "incident_id")})
    merges = pd.concat([singles, merge_rows], ignore_index=True)
    # In the order of each incident's first record, then of its records; then by number (the
    # published order, stable for numbers written with different leading zeros).
    merges = merges.iloc[np.lexsort((merges["_member"].to_numpy(), merges["_group"].to_numpy(),
                                     _record_numbers(merges["record_id"])))]
    amounts = pd.DataFrame(amount_rows)
    amount_rows.clear()
    tables = {
        "sources": sources,
        "incidents": incidents,
        "amounts": amounts,
        "evidence": evidence_table,
        "merges": merges,
        "rejections": pd.DataFrame({"record_id": recs["record_id"].iloc[rejected].to_numpy(dtype=object),
                                    "source_id": recs["source"].iloc[rejected].to_numpy(dtype=object),
                                    "reason": recs["exclusion_reason"].iloc[rejected].to_numpy(dtype=object)}),
    }
    del incidents, evidence_table, merges, singles, amounts
    tables = {name: _typed(name, df) for name, df in tables.items()}
    tables["incidents"] = _sorted(tables["incidents"], ["incident_id"])
    tables["evidence"] = _sorted(tables["evidence"], ["incident_id", "record_id", "field"])
    tables["merges"] = _sorted(tables["merges"], ["record_id"], key=_record_numbers)
    tables["rejections"] = _sorted(tables["rejections"], ["record_id"], key=_record_numbers)
    tables["amounts"] = _sorted(tables["amounts"], ["amount_id"])
    n_incidents = len(tables["incidents"])
    build = Build(tables=tables, n_records=len(recs), n_incidents=n_incidents, n_rejected=len(rejected),
                  n_merged=len(parsed) - n_incidents)
    _check_accounting(build)
    return build


_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "date": "date", "boolean": "boolean"}


def _column(values, type_: str):
    """Values as a pandas column of the codebook type (text, Int64, Float64, datetime64[ns], boolean)."""
    if isinstance(values, pd.Series) and values.dtype == (_DTYPES[type_] if type_ != "date" else "datetime64[ns]"):
        return values
    if type_ == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]"))
    if type_ == "boolean":
        return pd.Series(values, dtype=object).astype("boolean") if not isinstance(values, np.ndarray) else pd.Series(values).astype("boolean")
    return pd.Series(pd.array(values.array if isinstance(values, pd.Series) else values, dtype=_DTYPES[type_]))


def _ranks(values: pa.Array) -> np.ndarray:
    """The rank of each text in sorted order (equal texts, equal ranks)."""
    order = pc.sort_indices(values).to_numpy()
    ordered = values.take(order)
    new = np.ones(len(values), dtype=bool)
    new[1:] = pc.not_equal(ordered[1:], ordered[:-1]).to_numpy(zero_copy_only=False)
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.cumsum(new) - 1
    return ranks


def _sorted(df: pd.DataFrame, by: list[str], key=None) -> pd.DataFrame:
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
        values = _text(k) if k.dtype == object or pd.api.types.is_string_dtype(k.dtype) else pa.array(k.to_numpy())
        before, after = values[:-1], values[1:]
        less, equal = pc.less(before, after), pc.equal(before, after)
        in_order = pc.or_(less, equal) if in_order is None else pc.or_(less, pc.and_(equal, in_order))
    return pc.all(in_order).as_py()


class AccountingError(AssertionError):
    """The published tables lost or doubled a raw record: a defect of the pipeline, not of the data."""


def _check_accounting(build: Build) -> None:
    """Every raw record read is in exactly one incident or in the rejections.

    Checked on the published tables themselves (not on the counters that built them),
    and raised even under ``python -O``, which drops assert statements.
    """
    merged = _text(build.tables["merges"]["record_id"])
    rejected = _text(build.tables["rejections"]["record_id"])
    in_incidents = pc.list_flatten(pc.split_pattern(_text(build.tables["incidents"]["record_ids"]), MULTI_SEP))
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


def _convert(iid, seq, purpose, money, incident, rates) -> dict:
    """Keep the original amount, the source's own dollar figure, and convert at the official rate."""
    rate_date = _mid_date(incident["date_start"], incident["date_end"])
    if rate_date is None:
        rate_date = incident["first_reported_date"]
    usd_rate = rates.get(("USD", rate_date)) if rate_date else None
    row = {"amount_id": f"{iid}-{seq}", "incident_id": iid, "purpose": purpose, "amount": float(money.amount),
           "amount_high": None if money.amount_high is None else float(money.amount_high), "currency": money.currency,
           "amount_qualifier": money.qualifier or "exact",
           "stated_usd": None if money.usd is None else float(money.usd),
           "stated_usd_qualifier": getattr(money, "usd_qualifier", None) if money.usd is not None else None,
           "amount_rub": None, "amount_rub_high": None, "rub_basis": None, "amount_usd": None, "amount_usd_high": None,
           "usd_basis": None, "rate_date": None, "rub_per_usd": None}

    def rub(x):
        if x is None:
            return None
        if money.currency == "RUB":
            return x
        r = rates.get((money.currency, rate_date)) if rate_date else None
        return None if r is None else x * r

    if money.currency == "RUB":
        row["rub_basis"] = "original"
    # Roubles are rounded to kopecks before dollars are derived from them, so that the
    # published amount_usd is exactly round(amount_rub / rub_per_usd, 2): a reader can redo it.
    row["amount_rub"], row["amount_rub_high"] = (None if x is None else round(x, 2) for x in (rub(row["amount"]), rub(row["amount_high"])))
    if money.currency != "RUB" and row["amount_rub"] is not None:
        row["rub_basis"] = "bank_of_russia_rate"
    if money.currency == "USD":
        row["amount_usd"], row["amount_usd_high"], row["usd_basis"] = row["amount"], row["amount_high"], "original"
    elif usd_rate and row["amount_rub"] is not None:
        row["amount_usd"] = round(row["amount_rub"] / usd_rate, 2)
        row["amount_usd_high"] = None if row["amount_rub_high"] is None else round(row["amount_rub_high"] / usd_rate, 2)
        row["usd_basis"] = "bank_of_russia_rate"
    elif money.usd is not None:
        # No official rate applies (date unknown or outside the table): fall back to the source's own figure.
        row["amount_usd"], row["usd_basis"] = float(money.usd), "stated_by_source"
        row["amount_usd_high"] = None if getattr(money, "usd_high", None) is None else float(money.usd_high)
    if usd_rate and (row["rub_basis"] == "bank_of_russia_rate" or row["usd_basis"] == "bank_of_russia_rate"):
        row["rate_date"], row["rub_per_usd"] = rate_date, usd_rate
    return row


def _unique(values):
    seen, out = set(), []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _join(values, unique=True) -> str | None:
    vals = [v for v in values if v]
    if unique:
        vals = _unique(vals)
    return MULTI_SEP.join(vals) if vals else None


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
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


# ======================================================================================
# Save outputs
# ======================================================================================


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


def _csv_chunks(df: pd.DataFrame, name: str):
    """The table as CSV, in pieces: what ``DataFrame.to_csv(index=False, lineterminator="\\n")``
    writes, built a column at a time.

    Like to_csv (which hands its cells to Python's csv.writer), a cell is quoted when it
    holds a comma, a double quote or a line feed, with double quotes doubled; missing
    values are empty cells; numbers are written as Python writes them.
    """
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(df.columns)
    yield header.getvalue().encode("utf-8")
    types = {f.name: f.type for f in TABLES[name].fields}
    for begin in range(0, len(df), CSV_CHUNK_ROWS):
        part = df.iloc[begin:begin + CSV_CHUNK_ROWS]
        cells = [_csv_cells(part[c], types[c]) for c in df.columns]
        lines = pc.binary_join_element_wise(*cells, pa.scalar(",", pa.large_string()))
        lines = pc.binary_join_element_wise(lines, pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string()))
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
        yield memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]].tobytes()


def _csv_cells(s: pd.Series, type_: str) -> pa.Array:
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
    cell = _text(s).fill_null("")
    quote = pc.match_substring_regex(cell, '[,"\\n]')
    if not pc.any(quote).as_py():
        return cell
    mark = pa.scalar('"', pa.large_string())
    needs = cell.filter(quote)
    quoted = pc.binary_join_element_wise(mark, pc.replace_substring(needs, '"', '""'), mark, pa.scalar("", pa.large_string()))
    return pc.replace_with_mask(cell, quote, quoted)


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


def _write_csv(df: pd.DataFrame, name: str, path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for chunk in _csv_chunks(df, name):
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def write_outputs(build: Build, processed_dir: Path) -> list[str]:
    """Write every published file into a temporary folder, then swap it into place.

    Files are written one at a time (the outputs of a large archive are larger than the
    memory a build should take; the CSV files are written by two more threads while this
    one writes the Parquet files: Arrow does most of the work, outside Python's lock) and hashed as they are written. A failing writer leaves
    the published folder as it was; the previous folder is put back if the swap itself
    fails.
    """
    from concurrent.futures import ThreadPoolExecutor

    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}-", dir=processed_dir.parent))
    old = tmp.with_name(tmp.name + "-old")  # unique because tmp is
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        digests: dict[str, str] = {}
        # The largest tables first, so that the two writers finish at about the same time.
        by_size = sorted(build.tables.items(), key=lambda item: -item[1].size)
        csv_files = {f"{name}.csv": pool.submit(_write_csv, df, name, tmp / f"{name}.csv") for name, df in by_size}
        for name, df in build.tables.items():
            buf = io.BytesIO()
            df.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
            digests[f"{name}.parquet"] = _write(tmp / f"{name}.parquet", buf.getbuffer())
            del buf
        digests.update({fname: future.result() for fname, future in csv_files.items()})
        digests["datapackage.json"] = _write(tmp / "datapackage.json",
                                             (json.dumps(datapackage(build.tables), indent=2, ensure_ascii=False) + "\n").encode())
        keep = processed_dir / "README.md"
        if keep.exists():
            digests["README.md"] = _write(tmp / "README.md", keep.read_bytes())
        manifest = "".join(f"{digest}  {fname}\n" for fname, digest in sorted(digests.items()))
        digests["MANIFEST"] = _write(tmp / "MANIFEST", manifest.encode())
        # The files on disk are compared, not the MANIFEST: a hand-edited output file must
        # be rebuilt even though the MANIFEST still lists the old hashes.
        if _same_contents(processed_dir, digests):
            # Same contents: leave the files (and their times) alone so nothing downstream reruns.
            return sorted(digests)
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
        return sorted(digests)
    finally:
        pool.shutdown(cancel_futures=True)  # a CSV file still being written finishes before its folder goes
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# ======================================================================================
# Entry point
# ======================================================================================


def run(
    raw_dir: Path = config.RAW_DIR,
    sources_dir: Path = config.SOURCES_DIR,
    reference_dir: Path = config.REFERENCE_DIR,
    processed_dir: Path | None = config.PROCESSED_DIR,
    today: dt.date | None = None,
    root: Path = config.PROJECT_ROOT,
) -> Build:
    """Build the dataset. Raises BuildError listing every problem; writes only on success."""
    today = today or _today()
    problems: list[Problem] = []
    helper = _Helper.for_archive(raw_dir)
    try:
        # load inputs
        sources, texts = load_sources(raw_dir, sources_dir, root, problems, today)
        raw = read_raw_records(raw_dir, root)
        problems.extend(raw.problems)
        _return_free_memory()
        rates = load_rates(reference_dir / "rub_exchange_rates.csv", root, problems)
        regions = load_region_status(reference_dir / "admin1_ru_ua.geojson", root, problems)
        # process
        build = process(sources, texts, raw, rates, regions, today, problems, helper)
        del raw, texts  # what the tables need is in them
        _return_free_memory()
    finally:
        if helper is not None:
            helper.close()
    if problems or build is None:
        raise BuildError(problems)
    build.tables["sources"] = _typed("sources", sources)
    validate_tables(build.tables)
    # save outputs
    if processed_dir is not None:
        write_outputs(build, processed_dir)
    return build


def _today() -> dt.date:
    forced = os.environ.get("COERCION_TODAY")
    return dt.date.fromisoformat(forced) if forced else dt.date.today()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw-dir", type=Path, default=config.RAW_DIR, help="coders' inputs (default: %(default)s)")
    parser.add_argument("--sources-dir", type=Path, default=config.SOURCES_DIR,
                        help="archive of captured source texts (default: %(default)s; env COERCION_SOURCES_DIR)")
    parser.add_argument("--reference-dir", type=Path, default=config.REFERENCE_DIR, help="reference data (default: %(default)s)")
    parser.add_argument("--processed-dir", type=Path, default=config.PROCESSED_DIR, help="where to publish (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="check the inputs and build in memory; write nothing")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        build = run(args.raw_dir, args.sources_dir, args.reference_dir, None if args.check else args.processed_dir)
    except BuildError as e:
        print(e.report(), file=sys.stderr)
        return 1
    inc = build.tables["incidents"]
    kinds = inc["event_kind"].value_counts().to_dict()
    print(
        f"records: {build.n_records} in = {build.n_incidents} incidents out "
        f"({kinds.get('incident', 0)} incidents, {kinds.get('practice', 0)} practices, {kinds.get('context', 0)} context figures; "
        f"{build.n_merged} records merged into others) + {build.n_rejected} rejected"
    )
    where = "checked, nothing written" if args.check else f"written to {rel(args.processed_dir, config.PROJECT_ROOT)}"
    print(f"data: {where} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
