"""The cleaning step behind ``make data``: raw records in, published tables out.

Load inputs (sources.csv, the archived texts, the coders' records, reference data),
check and normalise them, merge records that describe the same incident, and write the
published tables to ``data/processed/``. Every problem found is reported together and
nothing is written unless the whole build succeeds; the outputs are assembled in a
temporary folder and swapped into place at the end.

Run ``python -m analysis.build --help`` for options.
"""

from __future__ import annotations

import argparse
import csv
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

import pandas as pd

from . import codebook, config
from .codebook import MULTI_SEP, TABLES, VOCABULARIES
from .problems import BuildError, Problem, rel
from .rawio import FLAT_COLUMNS, find_control, read_raw_records, read_text

SOURCES_COLUMNS = tuple(f.name for f in codebook.SOURCES.fields)
#: Persons above this in one incident are refused as absurd (context figures are exempt:
#: a population of migrants may be millions).
MAX_PERSONS_PER_INCIDENT = 1_000_000
#: Currencies the Bank of Russia table converts; other ISO 4217 codes are kept unconverted.
CONVERTIBLE = ("RUB", "USD", "EUR")
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
        self._collapsed: dict[str, tuple[str, list[int]]] = {}
        self._cache: dict[tuple[str, str], tuple[int, int, str] | None] = {}

    def _collapse(self, sid: str) -> tuple[str, list[int]]:
        if sid not in self._collapsed:
            text = self.texts[sid]
            out, index, prev_space = [], [], False
            for i, ch in enumerate(text):
                if ch.isspace():
                    if prev_space:
                        continue
                    out.append(" ")
                    prev_space = True
                else:
                    out.append(ch)
                    prev_space = False
                index.append(i)
            self._collapsed[sid] = ("".join(out), index)
        return self._collapsed[sid]

    def find(self, sid: str, quote: str) -> tuple[int, int, str] | None:
        key = (sid, quote)
        if key in self._cache:
            return self._cache[key]
        text = self.texts.get(sid)
        result = None
        if text is not None and quote:
            i = text.find(quote)
            if i >= 0:
                result = (i, i + len(quote), "exact")
            else:
                collapsed, index = self._collapse(sid)
                q = " ".join(quote.split())
                j = collapsed.find(q)
                if j >= 0:
                    start = index[j]
                    end = index[j + len(q) - 1] + 1
                    result = (start, end, "whitespace")
        self._cache[key] = result
        return result


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


def process(
    sources: pd.DataFrame,
    texts: dict[str, str],
    raw,
    rates: dict,
    regions: dict[str, tuple[str, str]],
    today: dt.date,
    problems: list[Problem],
) -> Build | None:
    """Check and normalise the records and assemble the published tables."""
    norm = _Normalisers()
    finder = _QuoteFinder(texts)
    source_dates = {
        r.source_id: (_parse_iso_date(r.published_date), r.published_precision) for r in sources.itertuples()
    }
    records = raw.records
    money_by_record: dict[int, list[dict]] = {}
    for m in raw.money:
        money_by_record.setdefault(m["_index"], []).append(m)
    evidence_by_record: dict[int, list[dict]] = {}
    for e in raw.evidence:
        evidence_by_record.setdefault(e["_index"], []).append(e)

    # ---- identities ----------------------------------------------------------------
    ids: dict[str, dict] = {}
    for rec in records:
        rid = rec.get("record_id")
        if not rid:
            problems.append(Problem(rec["_file"], "record without record_id", line=rec["_line"], field="record_id",
                                    accepted="'R' followed by three or more digits, e.g. R051"))
            continue
        if not (rid[:1] == "R" and rid[1:].isdigit() and len(rid) >= 4):
            problems.append(Problem(rec["_file"], "malformed record id", line=rec["_line"], record=rid, field="record_id",
                                    value=rid, accepted="'R' followed by three or more digits, e.g. R051"))
            continue
        if rid in ids:
            first = ids[rid]
            problems.append(Problem(rec["_file"], f"duplicate record id (also at {first['_file']}:{first['_line']})",
                                    line=rec["_line"], record=rid, field="record_id", value=rid,
                                    accepted="an id no other record uses"))
            continue
        ids[rid] = rec

    parsed: dict[str, dict] = {}
    rejected: list[dict] = []
    evidence_rows: list[dict] = []
    keys_accepted = ", ".join(c for c in FLAT_COLUMNS)

    for rid, rec in ids.items():
        f, lines = rec["_file"], rec["_lines"]

        def bad(fieldname, message, value=None, accepted=None, _rid=rid, _rec=rec):
            line = _rec["_lines"].get(fieldname) or _rec["_lines"].get(f"{fieldname}_phrase") or _rec["_line"]
            problems.append(Problem(_rec["_file"], message, line=line, record=_rid, field=fieldname, value=value, accepted=accepted))

        sid = rec.get("source")
        if not sid:
            bad("source", "the record names no source", accepted="'source:' at the top of the file (YAML) or a 'source' column (CSV)")
            continue
        if sid not in source_dates:
            if source_dates:  # with no usable sources.csv, that file's problem is reported once instead
                bad("source", "unknown source", value=sid, accepted="a source_id of data/raw/sources.csv: " + ", ".join(source_dates))
            continue
        pub_date, _pub_precision = source_dates[sid]
        # Text hygiene: control characters hide text from reviewers and break outputs.
        for key, value in rec.items():
            if isinstance(value, str) and not key.startswith("_") and (c := find_control(value)):
                bad(key, f"contains the control character {c}", value=value, accepted="printable text")
        secrets = [s for k in ("victim_names", "identifying_details") for s in _split(rec.get(k))]
        status = rec.get("status") or "coded"
        if status not in ("coded", "excluded"):
            bad("status", "unknown status", value=status, accepted="coded, excluded")
            continue

        def check_quote(fieldname, quote, phrase=None, coder_value=None, line=None):
            if not quote:
                return
            hit = finder.find(sid, quote) if sid in texts else None
            if hit is None:
                if sid in texts:
                    problems.append(Problem(f, "quote not found in the archived text of " + sid, line=line or lines.get(f"{fieldname}_quote") or lines.get(fieldname) or rec["_line"],
                                            record=rid, field=fieldname, value=quote,
                                            accepted="a passage copied verbatim from the archived text (whitespace may differ)"))
                return
            if phrase and phrase.casefold() not in " ".join(quote.split()).casefold():
                problems.append(Problem(f, "the phrase does not occur in its quote", line=lines.get(f"{fieldname}_phrase") or rec["_line"],
                                        record=rid, field=fieldname, value=phrase,
                                        accepted="a phrase copied from the quote; put a resolved reading in 'value'"))
            evidence_rows.append({
                "record_id": rid, "source_id": sid, "field": fieldname,
                "phrase": _redact(phrase or quote, secrets), "coder_value": coder_value,
                "quote": _redact(quote, secrets), "char_start": hit[0], "char_end": hit[1], "match_kind": hit[2],
            })

        for ev in evidence_by_record.get(rec["_index"], []):
            base = ev["field"].split(".", 1)[0]
            if base not in EVIDENCE_FIELDS:
                problems.append(Problem(f, f"evidence for unknown field {ev['field']!r}", line=ev["_line"], record=rid, field="evidence",
                                        accepted=", ".join(EVIDENCE_FIELDS) + " (optionally with a '.suffix')"))
                continue
            check_quote(ev["field"], ev["quote"], line=ev["_line"])

        if status == "excluded":
            if not rec.get("exclusion_reason"):
                bad("exclusion_reason", "an excluded record needs a reason", accepted="a sentence saying why it is out of scope")
                continue
            rejected.append({"record_id": rid, "source_id": sid, "reason": rec["exclusion_reason"]})
            continue

        # ---- required keys and vocabularies --------------------------------------------
        for key in ("event_kind", "summary", "victim_group", "perpetrator", "coded_by", "coded_on"):
            if not rec.get(key) and key not in rec.get("_bad", ()):  # a value of the wrong shape is reported already
                bad(key, "required key is missing or empty", accepted=_accepted_for(key))
        kind = rec.get("event_kind")
        if kind and kind not in VOCABULARIES["event_kind"]:
            bad("event_kind", "not an allowed value", value=kind, accepted=", ".join(VOCABULARIES["event_kind"]))
            kind = None
        ctype = rec.get("context_type")
        if kind == "context" and not ctype:
            bad("context_type", "a context record needs a context_type", accepted=", ".join(VOCABULARIES["context_type"]))
        if ctype and ctype not in VOCABULARIES["context_type"]:
            bad("context_type", "not an allowed value", value=ctype, accepted=", ".join(VOCABULARIES["context_type"]))
        if ctype and kind != "context":
            bad("context_type", "only context records have a context_type", value=ctype, accepted="remove it, or set event_kind: context")
        for key in ("victim_group", "perpetrator", "coercion"):
            values = _split(rec.get(key))
            for v in values:
                if v not in VOCABULARIES[key]:
                    bad(key, "not an allowed value", value=v, accepted=", ".join(VOCABULARIES[key]))
        coded_on = _parse_iso_date(rec.get("coded_on"))
        if rec.get("coded_on") and coded_on is None:
            bad("coded_on", "not an ISO date", value=rec.get("coded_on"), accepted="YYYY-MM-DD")
        if coded_on and coded_on > today:
            bad("coded_on", f"in the future (today is {today.isoformat()})", value=rec.get("coded_on"), accepted=f"a date up to {today.isoformat()}")
        summary = rec.get("summary") or ""
        for s in secrets:
            if _redact(summary, [s]) != summary:
                bad("summary", "the summary contains a restricted name or identifying detail", value=WITHHELD,
                    accepted="a summary without the names and details listed in victim_names / identifying_details")
        for key in ("same_incident_as", "overlaps"):
            ref = rec.get(key)
            if ref and ref not in ids:
                bad(key, "refers to an unknown record", value=ref, accepted="the record_id of another record")
            if ref == rid:
                bad(key, "refers to the record itself", value=ref, accepted="the record_id of another record")
        if rec.get("same_incident_as") and not rec.get("merge_reason"):
            bad("merge_reason", "a merge needs a reason", accepted="a sentence saying why the records describe the same incident")
        for ref in _split(rec.get("total_of")):
            if ref not in ids:
                bad("total_of", "refers to an unknown record", value=ref, accepted="record ids of the incidents the total sums")
        if rec.get("total_of") and ctype != "reported_total":
            bad("total_of", "only reported totals list the incidents they sum", accepted="context_type: reported_total")
        tfield = rec.get("total_field") or "persons"
        if tfield not in TOTAL_FIELDS:
            bad("total_field", "not an allowed value", value=tfield, accepted=", ".join(TOTAL_FIELDS))
        if kind in ("incident", "practice") and rec.get("figure_phrase"):
            bad("figure", "only context records carry a figure", accepted="persons / sent_to_war / killed for incidents")
        if kind == "context" and not rec.get("figure_phrase"):
            bad("figure", "a context record needs its figure", accepted="figure: the source's phrase, e.g. 'upwards of 300,000'")

        out: dict = {"record_id": rid, "source_id": sid, "event_kind": kind, "context_type": ctype, "summary": summary,
                     "victim_group": rec.get("victim_group"), "perpetrator": rec.get("perpetrator"), "coercion": rec.get("coercion"),
                     "claimant": rec.get("claimed_by"), "same_incident_as": rec.get("same_incident_as"),
                     "merge_reason": rec.get("merge_reason"), "overlaps": rec.get("overlaps"),
                     "total_of": _split(rec.get("total_of")), "total_field": tfield, "coded_on": coded_on,
                     "published": pub_date, "published_precision": _pub_precision, "file": f, "line": rec["_line"]}

        # ---- phrases -------------------------------------------------------------------
        def phrase_of(key):
            phrase, value, quote = rec.get(f"{key}_phrase"), rec.get(f"{key}_value"), rec.get(f"{key}_quote")
            if (value or quote) and not phrase:
                bad(key, "a value or quote without the source's phrase", accepted="phrase: the words the source uses")
                return None, None
            if phrase:
                check_quote(key, quote or phrase, phrase=phrase if quote else None, coder_value=value)
            return phrase, value

        phrase, value = phrase_of("date")
        out.update(date_start=None, date_end=None, date_precision="unknown")
        if phrase:
            text = value or phrase
            span = norm.date(text, pub_date)
            invalid = [m.group() for m in _ISO_DATE_RE.finditer(text) if not _is_calendar_date(*m.groups())]
            if invalid:
                bad("date", f"{invalid[0]} is not a date of the calendar", value=text, accepted="a real date, YYYY-MM-DD or e.g. '7 April 2025'")
            elif span is None:
                reversed_span = _reversed_span(norm, text, pub_date)
                if reversed_span:
                    a, b = reversed_span
                    bad("date", f"the end date is before the start date ({a.start.isoformat()} > {b.end.isoformat()})", value=text,
                        accepted="a span whose start comes first, e.g. 'between 1 and 30 September 2022'")
                else:
                    bad("date", "cannot read a date" + norm.why(text), value=text, accepted=ACCEPTED["date"])
            else:
                if span.start and span.end and span.start > span.end:
                    bad("date", "the end date is before the start date", value=value or phrase, accepted="a span whose start comes first")
                elif (span.start and span.start > today) or (span.end and span.end > today and span.precision == "day"):
                    bad("date", f"in the future (today is {today.isoformat()})", value=value or phrase, accepted="a date that has happened")
                elif pub_date and span.start and span.start > _period_end(pub_date, _pub_precision):
                    bad("date", f"after the source's publication ({pub_date.isoformat()})", value=value or phrase,
                        accepted="a date before the source was published; check the year")
                else:
                    end = span.end
                    if end and pub_date and end > _period_end(pub_date, _pub_precision):
                        # A source cannot report events after it was published: clip the span.
                        end = _period_end(pub_date, _pub_precision)
                    out.update(date_start=span.start, date_end=end, date_precision=span.precision)

        for key in ("place", "origin", "destination"):
            phrase, value = phrase_of(key)
            out[key] = []
            if phrase:
                places = _places_from_codes(value, regions) if value else None
                if places is None:
                    places = norm.place(value or phrase)
                if not places:
                    bad(key, "no place recognised" + norm.why(value or phrase), value=value or phrase, accepted=ACCEPTED["place"])
                out[key] = list(places)

        for key in COUNT_FIELDS:
            phrase, value = phrase_of(key)
            out[key] = None
            if phrase and kind in ("practice", "context"):
                # Practices have no count of their own and context figures are never victims.
                bad(key, f"only incidents carry counts of persons, not a {kind} record", value=value or phrase,
                    accepted="leave it out; a context record states its number in 'figure'")
            elif phrase:
                out[key] = _count(norm, phrase, value, key, kind, bad)
        phrase, value = phrase_of("figure")
        out["figure"] = None
        if phrase:
            out["figure"] = _count(norm, phrase, value, "figure", kind, bad)

        amounts = []
        for m in money_by_record.get(rec["_index"], []):
            if not m["phrase"]:
                problems.append(Problem(f, "an amount without its phrase", line=m["_line"], record=rid, field="money",
                                        accepted=ACCEPTED["money"]))
                continue
            purpose = m["purpose"] or "payment"
            if purpose not in VOCABULARIES["purpose"]:
                problems.append(Problem(f, "not an allowed purpose", line=m["_line"], record=rid, field="money.purpose",
                                        value=purpose, accepted=", ".join(VOCABULARIES["purpose"])))
            check_quote(f"money[{m['index']}]", m["quote"] or m["phrase"], phrase=m["phrase"] if m["quote"] else None, line=m["_line"])
            money = norm.money(m["phrase"])
            if money is None:
                problems.append(Problem(f, "cannot read an amount and currency" + norm.why(m["phrase"]), line=m["_line"], record=rid, field="money",
                                        value=m["phrase"], accepted=ACCEPTED["money"]))
                continue
            if misread := _misread(m["phrase"], frozenset({money.amount, money.amount_high} - {None}), money.qualifier == "range", whole=False):
                message, accepted = misread
                problems.append(Problem(f, message, line=m["_line"], record=rid, field="money", value=m["phrase"],
                                        accepted=accepted))
                continue
            if not _known_currency(money.currency):
                problems.append(Problem(f, "unknown currency", line=m["_line"], record=rid, field="money", value=money.currency,
                                        accepted="an ISO 4217 currency (RUB, USD, EUR, UAH, ...)"))
                continue
            amounts.append((purpose, money))
        out["amounts"] = amounts
        parsed[rid] = out

    if problems:
        return None
    return _assemble(parsed, rejected, evidence_rows, sources, rates, regions, problems, n_read=len(records))


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


def _count(norm, phrase, value, key, kind, bad):
    c = norm.count(value or phrase)
    text = value or phrase
    if c is None and (misread := _misread(text, _written_numbers(text), False)):
        # The normaliser refuses "-6", "2.5" or "between 60 and 6": say why.
        bad(key, misread[0], value=text, accepted=misread[1])
        return None
    if c is None:
        # A figure must have a number; a count phrase without digits ("several members"
        # the normaliser cannot read) is a count unknown, as when the key is left out.
        if key == "figure" or value or any(ch.isdigit() for ch in text) or norm.why(text):
            bad(key, f"cannot read a {'figure' if key == 'figure' else 'number'}{norm.why(text)}", value=text, accepted=ACCEPTED["count"])
        return None
    vals = [v for v in (c.low, c.best, c.high) if v is not None]
    if any(v < 0 for v in vals):
        bad(key, "a negative count", value=text, accepted="zero or more persons")
        return None
    if misread := _misread(text, frozenset(vals), c.qualifier == "range"):
        message, accepted = misread
        bad(key, message, value=text, accepted=accepted)
        return None
    if kind != "context" and any(v > MAX_PERSONS_PER_INCIDENT for v in vals):
        bad(key, f"over {MAX_PERSONS_PER_INCIDENT:,} persons in one record is not plausible", value=text,
            accepted=f"a count up to {MAX_PERSONS_PER_INCIDENT:,}; code a population as a context record")
        return None
    if c.low is not None and c.high is not None and c.low > c.high:
        bad(key, "the lower bound is above the upper bound", value=text, accepted="low <= high")
        return None
    return c


def _known_currency(code: str | None) -> bool:
    if not code:
        return False
    import pycountry

    return pycountry.currencies.get(alpha_3=code) is not None


def _assemble(parsed, rejected, evidence_rows, sources, rates, regions, problems, n_read: int) -> Build | None:
    # ---- merges: records linked by same_incident_as form one incident ------------------
    parent = {rid: rid for rid in parsed}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rid, r in parsed.items():
        ref = r["same_incident_as"]
        if ref:
            if ref not in parsed:
                problems.append(Problem(r["file"], "merged into an excluded record", line=r["line"], record=rid,
                                        field="same_incident_as", value=ref, accepted="a coded (not excluded) record"))
                continue
            a, b = find(rid), find(ref)
            if a != b:
                parent[max(a, b, key=_record_number)] = min(a, b, key=_record_number)
    groups: dict[str, list[str]] = {}
    for rid in sorted(parsed, key=_record_number):
        groups.setdefault(find(rid), []).append(rid)
    incident_of = {rid: "INC-" + root[1:] for root, members in groups.items() for rid in members}

    source_dates = {s.source_id: (_parse_iso_date(s.published_date), s.published_precision) for s in sources.itertuples()}
    inc_rows, amount_rows, merge_rows = [], [], []
    for root, members in groups.items():
        recs = [parsed[m] for m in members]
        canon = recs[0]
        iid = incident_of[root]
        kinds = {r["event_kind"] for r in recs}
        if len(kinds) > 1:
            problems.append(Problem(canon["file"], "merged records disagree on event_kind", line=canon["line"], record=root,
                                    field="event_kind", value=sorted(k or "" for k in kinds), accepted="one kind per incident"))
            continue
        row = {"incident_id": iid, "event_kind": canon["event_kind"], "context_type": canon["context_type"],
               "summary": canon["summary"]}
        # Dates: the most precise span; spans that do not overlap are a conflict for coders.
        spans = [(r["date_start"], r["date_end"], r["date_precision"]) for r in recs if r["date_precision"] != "unknown"]
        if spans:
            def width(s):
                a, b = s[0] or dt.date.min, s[1] or dt.date.max
                return (b - a).days if s[0] and s[1] else 10**9
            best = min(spans, key=width)
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

        places = _unique(p for r in recs for p in r["place"])
        region_places = [p for p in places if "-" in p.code]
        row["region_code"] = _join(p.code for p in region_places)
        row["region_name"] = _join(regions.get(p.code, (p.name, ""))[0] for p in region_places)
        row["occupation_status"] = _join((regions.get(p.code, ("", "not_occupied"))[1] for p in region_places), unique=False)
        countries = _unique(p.country for p in places)
        row["country_code"] = _join(countries)
        row["locality"] = _join(p.locality for p in places if p.locality)
        row["origin_code"] = _join(p.code for r in recs for p in r["origin"])
        row["destination_region_code"] = _join(p.code for r in recs for p in r["destination"])
        for key in ("victim_group", "perpetrator", "coercion"):
            row[key] = _join(v for r in recs for v in _split(r[key]))
        # Counts from several reports of one incident are combined, never added.
        for key in COUNT_FIELDS:
            counts = [r[key] for r in recs if r[key] is not None]
            low = max((c.low for c in counts if c.low is not None), default=None)
            high = min((c.high for c in counts if c.high is not None), default=None)
            bestv = max((c.best for c in counts if c.best is not None), default=None)
            if low is not None and high is not None and low > high:
                problems.append(Problem(canon["file"], f"merged records give incompatible {key} counts", line=canon["line"],
                                        record=root, field=key, value=f"low {low} > high {high}", accepted="counts that can all be true"))
            if bestv is not None:
                bestv = max(bestv, low) if low is not None else bestv
                bestv = min(bestv, high) if high is not None else bestv
            if key == "killed":
                row["killed_low"], row["killed_high"] = (low if low is not None else bestv), (high if high is not None else bestv)
            else:
                row[f"{key}_low"], row[f"{key}_best"], row[f"{key}_high"] = low, bestv, high
            if key == "persons":
                quals = {c.qualifier for c in counts}
                row["persons_qualifier"] = (quals.pop() if len(quals) == 1 else "range") if counts else "unknown"
        fig = canon["figure"]
        row["context_value"] = None if fig is None else float(next(v for v in (fig.best, fig.low, fig.high) if v is not None))
        row["context_unit"] = None if fig is None else "persons"
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
        row["record_ids"] = _join(members)
        inc_rows.append(row)
        for r in recs:
            merge_rows.append({"record_id": r["record_id"], "source_id": r["source_id"], "incident_id": iid,
                               "is_canonical": r is canon, "merge_reason": None if r is canon else r["merge_reason"]})
        seen_amounts = set()
        for r in recs:
            for purpose, money in r["amounts"]:
                key = (purpose, money.amount, money.amount_high, money.currency)
                if key in seen_amounts:
                    continue  # the same amount reported by two sources is one amount
                seen_amounts.add(key)
                amount_rows.append(_convert(iid, len(seen_amounts), purpose, money, row, rates))

    # ---- reported totals are checked against the incidents they sum -------------------
    by_id = {r["incident_id"]: r for r in inc_rows}
    for r in inc_rows:
        if r["context_type"] != "reported_total" or not r["total_of_incident_ids"]:
            continue
        rec = parsed[r["record_ids"].split(MULTI_SEP)[0]]
        stem = rec["total_field"]
        members = [by_id[i] for i in _split(r["total_of_incident_ids"]) if i in by_id]
        fig = rec["figure"]
        lows = [m.get(f"{stem}_low") if stem != "killed" else m.get("killed_low") for m in members]
        bests = [m.get(f"{stem}_best") if stem != "killed" else m.get("killed_high") for m in members]
        total = sum(v or b or 0 for v, b in zip(lows, bests))
        need = fig.low if fig.low is not None else fig.best
        if need is not None and total < need:
            problems.append(Problem(rec["file"], f"the source's total is {need} but the incidents it sums add up to {total} ({stem})",
                                    line=rec["line"], record=rec["record_id"], field="total_of", value=_join(_split(r["total_of_incident_ids"])),
                                    accepted="code every incident the total covers, or correct the counts"))
    if problems:
        return None

    for e in evidence_rows:
        e["incident_id"] = incident_of.get(e["record_id"])
    evidence_rows = [e for e in evidence_rows if e["incident_id"]]  # excluded records' quotes stay private

    tables = {
        "sources": sources,
        "incidents": pd.DataFrame(inc_rows),
        "amounts": pd.DataFrame(amount_rows),
        "evidence": pd.DataFrame(evidence_rows),
        "merges": pd.DataFrame(merge_rows),
        "rejections": pd.DataFrame(rejected),
    }
    tables = {name: _typed(name, df) for name, df in tables.items()}
    tables["incidents"] = tables["incidents"].sort_values("incident_id", kind="stable").reset_index(drop=True)
    tables["evidence"] = tables["evidence"].sort_values(["incident_id", "record_id", "field"], kind="stable").reset_index(drop=True)
    tables["merges"] = tables["merges"].sort_values("record_id", key=lambda s: s.str[1:].astype(int), kind="stable").reset_index(drop=True)
    tables["rejections"] = tables["rejections"].sort_values("record_id", key=lambda s: s.str[1:].astype(int), kind="stable").reset_index(drop=True)
    tables["amounts"] = tables["amounts"].sort_values("amount_id", kind="stable").reset_index(drop=True)
    build = Build(tables=tables, n_records=n_read, n_incidents=len(inc_rows), n_rejected=len(rejected),
                  n_merged=len(parsed) - len(inc_rows))
    _check_accounting(build)
    return build


class AccountingError(AssertionError):
    """The published tables lost or doubled a raw record: a defect of the pipeline, not of the data."""


def _check_accounting(build: Build) -> None:
    """Every raw record read is in exactly one incident or in the rejections.

    Checked on the published tables themselves (not on the counters that built them),
    and raised even under ``python -O``, which drops assert statements.
    """
    merged = list(build.tables["merges"]["record_id"])
    rejected = list(build.tables["rejections"]["record_id"])
    in_incidents = [r for ids in build.tables["incidents"]["record_ids"] for r in ids.split(MULTI_SEP)]
    failures = []
    merged_set = set(merged)
    if len(merged_set) != len(merged) or merged_set & set(rejected):
        failures.append("a record is counted twice in merges and rejections")
    if len(in_incidents) != len(merged) or set(in_incidents) != merged_set:
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
    """Columns in codebook order with codebook dtypes."""
    table = TABLES[name]
    df = df.reindex(columns=table.columns)
    out = {}
    for f in table.fields:
        s = df[f.name]
        if f.type == "date":
            out[f.name] = pd.to_datetime(s, errors="raise").astype("datetime64[ns]")
        elif f.type == "boolean":
            out[f.name] = s.map(lambda v: v if isinstance(v, bool) else (None if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else v == "true")).astype("boolean")
        elif f.type == "integer":
            out[f.name] = pd.array(s.tolist(), dtype="Int64") if len(s) else s.astype("Int64")
        elif f.type == "number":
            out[f.name] = pd.to_numeric(s, errors="raise").astype("Float64")
        else:
            out[f.name] = s.map(lambda v: None if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) else str(v)).astype("string")
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


def _csv_bytes(df: pd.DataFrame, name: str) -> bytes:
    out = df.copy()
    for f in TABLES[name].fields:
        if f.type == "date":
            out[f.name] = out[f.name].dt.strftime("%Y-%m-%d")
        elif f.type == "boolean":
            out[f.name] = out[f.name].map({True: "true", False: "false"})
    return out.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


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


def _same_contents(folder: Path, files: dict[str, bytes]) -> bool:
    """True when the folder holds exactly these files with exactly these bytes."""
    if not folder.is_dir() or {p.name for p in folder.iterdir()} != set(files):
        return False
    return all((folder / fname).read_bytes() == data for fname, data in files.items())


def write_outputs(build: Build, processed_dir: Path) -> list[str]:
    """Write every published file into a temporary folder, then swap it into place.

    Everything is serialised in memory first, so a failing writer leaves the published
    folder as it was; the previous folder is put back if the swap itself fails.
    """
    processed_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{processed_dir.name}-", dir=processed_dir.parent))
    old = tmp.with_name(tmp.name + "-old")  # unique because tmp is
    try:
        files: dict[str, bytes] = {}
        for name, df in build.tables.items():
            files[f"{name}.csv"] = _csv_bytes(df, name)
            buf = io.BytesIO()
            df.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
            files[f"{name}.parquet"] = buf.getvalue()
        files["datapackage.json"] = (json.dumps(datapackage(build.tables), indent=2, ensure_ascii=False) + "\n").encode()
        keep = processed_dir / "README.md"
        if keep.exists():
            files["README.md"] = keep.read_bytes()
        manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {fname}\n" for fname, data in sorted(files.items()))
        files["MANIFEST"] = manifest.encode()
        # The bytes on disk are compared, not the MANIFEST: a hand-edited output file must
        # be rebuilt even though the MANIFEST still lists the old hashes.
        if _same_contents(processed_dir, files):
            # Same contents: leave the files (and their times) alone so nothing downstream reruns.
            return sorted(files)
        for fname, data in files.items():
            (tmp / fname).write_bytes(data)
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
        return sorted(files)
    finally:
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
    # load inputs
    sources, texts = load_sources(raw_dir, sources_dir, root, problems, today)
    raw = read_raw_records(raw_dir, root)
    problems.extend(raw.problems)
    rates = load_rates(reference_dir / "rub_exchange_rates.csv", root, problems)
    regions = load_region_status(reference_dir / "admin1_ru_ua.geojson", root, problems)
    # process
    build = process(sources, texts, raw, rates, regions, today, problems)
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
