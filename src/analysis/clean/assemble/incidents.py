"""The incidents table: one row per incident, practice or context figure.

Most incidents are one record: their columns are computed once per distinct value or
reading and spread to the rows. Records merged by ``same_incident_as`` are combined one
incident at a time (``group_incident``), with the same helpers, and the two parts are
put together in the published order (by incident id).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...codebook import TABLES, join_multi, split_multi
from ...columnar import as_text, pick, spread
from ...problems import Problem
from ..phrases import COUNT_FIELDS
from .context import NO_DATE, Assembly
from ..checks.identity import record_number
from .merges import Grouping

_DTYPES = {"string": "string", "integer": "Int64", "number": "Float64", "date": "date", "boolean": "boolean"}
#: The raw columns a merged record brings to its incident, by the name the incident uses.
_GROUP_VALUES = (("source_id", "source"), ("context_type", "context_type"), ("summary", "summary"),
                 ("victim_group", "victim_group"), ("perpetrator", "perpetrator"), ("coercion", "coercion"),
                 ("claimant", "claimed_by"), ("merge_reason", "merge_reason"), ("overlaps", "overlaps"),
                 ("total_of", "total_of"), ("file", "_file"))


# ---- the columns of one incident, from its records' readings --------------------------------


def _width(span: tuple) -> int:
    """Days a span (start, end, precision) covers; an open span is the widest."""
    return (span[1] - span[0]).days if span[0] and span[1] else 10**9


def place_columns(places, regions: dict[str, tuple[str, str]]) -> dict:
    """Where it happened: regions named on their own, named groups with their members, countries, towns."""
    places = list(dict.fromkeys(places))
    groups = [p for p in places if p.members]
    region_places = [p for p in places if "-" in p.code and not p.members]
    return {
        "region_code": join_multi(p.code for p in region_places),
        "region_name": join_multi(regions.get(p.code, (p.name, ""))[0] for p in region_places),
        "occupation_status": join_multi((regions.get(p.code, ("", "not_occupied"))[1] for p in region_places), unique=False),
        "country_code": join_multi(c for p in places for c in split_multi(p.country)),
        "locality": join_multi(p.locality for p in places if p.locality),
        "region_group": join_multi(p.code for p in groups),
        "region_group_members": join_multi(m for p in groups for m in p.members),
    }


def area_codes(places) -> str | None:
    """Where victims came from or were sent: each place's code, a named group as its members
    (the group is what the source says; its members are what the codes can hold)."""
    return join_multi(c for p in places for c in (p.members or (p.code,)))


def count_columns(key: str, counts: list) -> dict:
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


def figure_columns(fig) -> dict:
    return {"context_value": None if fig is None else float(next(v for v in (fig.best, fig.low, fig.high) if v is not None)),
            "context_unit": None if fig is None else "persons"}


# ---- merged records: one incident per group -------------------------------------------------


def merged_records(a: Assembly, g: Grouping, amounts_of: dict[int, list]) -> dict[int, dict]:
    """What each merged record brings to its incident, by its place among the coded records."""
    merged_pos = a.parsed[g.merged]
    values = {key: pick(a.recs[name], merged_pos) for key, name in _GROUP_VALUES}
    values["event_kind"] = pick(a.kind, merged_pos)
    merged_ids = pick(a.ids, g.merged)
    coded_codes, coded_dates = a.coded_on
    records_of = {}
    for j, (i, p) in enumerate(zip(g.merged.tolist(), merged_pos.tolist())):
        r = {key: v[j] for key, v in values.items()}
        r.update({"record_id": merged_ids[j], "line": int(a.lines[p]), "coded_on": coded_dates[coded_codes[p]],
                  "total_of": split_multi(r["total_of"]), "amounts": amounts_of.get(p, []), **NO_DATE})
        date = a.reading("date", p)
        if date is not None:
            r.update(zip(NO_DATE, date))
        for key in ("place", "origin", "destination"):
            r[key] = list(a.reading(key, p) or ())
        for key in (*COUNT_FIELDS, "figure"):
            r[key] = a.reading(key, p)
        records_of[i] = r
    return records_of


def group_incident(recs: list[dict], root: str, iid: str, a: Assembly, incident_of: dict) -> dict | None:
    """The incident row of records merged by same_incident_as (the canonical record first).

    Records that cannot all be true of one incident are refused; the problem names the
    newer of the two records in conflict (the report that caused it) and the other one.
    """
    canon = recs[0]

    def conflict(field, message, value, accepted, one: dict, other: dict):
        newer, older = (one, other) if record_number(one["record_id"]) >= record_number(other["record_id"]) else (other, one)
        a.problems.append(Problem(newer["file"], f"{message} (conflicts with {older['record_id']}, {older['file']}:{older['line']})",
                                  line=newer["line"], record=newer["record_id"], field=field, value=value, accepted=accepted))

    odd = next((r for r in recs if r["event_kind"] != canon["event_kind"]), None)
    if odd is not None:
        conflict("event_kind", "merged records disagree on event_kind", sorted({r["event_kind"] or "" for r in recs}),
                 "one kind per incident", odd, canon)
        return None
    row = {"incident_id": iid, "event_kind": canon["event_kind"], "context_type": canon["context_type"], "summary": canon["summary"]}
    row.update(_group_dates(recs, conflict))
    pubs = sorted((a.source_dates[r["source_id"]] for r in recs), key=lambda p: p[0] or dt.date.max)
    row["first_reported_date"], row["first_reported_precision"] = pubs[0][0], pubs[0][1] if pubs[0][0] else "unknown"
    row["coded_date"] = max(r["coded_on"] for r in recs)
    row.update(place_columns([p for r in recs for p in r["place"]], a.regions))
    row["origin_code"] = area_codes(p for r in recs for p in r["origin"])
    row["destination_region_code"] = area_codes(p for r in recs for p in r["destination"])
    for key in ("victim_group", "perpetrator", "coercion"):
        row[key] = join_multi(v for r in recs for v in split_multi(r[key]))
    for key in COUNT_FIELDS:
        row.update(_group_counts(recs, key, conflict))
    row.update(figure_columns(canon["figure"]))
    ov = [r["overlaps"] for r in recs if r["overlaps"]]
    row["overlaps_incident_id"] = incident_of.get(ov[0]) if ov else None
    tot = [t for r in recs for t in r["total_of"]]
    row["total_of_incident_ids"] = join_multi(incident_of.get(t, "") for t in tot) or None
    srcs = list(dict.fromkeys(r["source_id"] for r in recs))
    row["source_ids"] = join_multi(srcs)
    row["n_sources"] = len(srcs)
    claimants = list(dict.fromkeys(r["claimant"] for r in recs if r["claimant"]))
    row["claimed_by_party"] = bool(claimants)
    row["claimant"] = "; ".join(claimants) or None
    row["record_ids"] = join_multi(r["record_id"] for r in recs)
    return row


def _group_counts(recs: list[dict], key: str, conflict) -> dict:
    """A count of a merged incident: the largest minimum and the smallest maximum of its reports."""
    counted = [r for r in recs if r[key] is not None]
    columns = count_columns(key, [r[key] for r in counted])
    lows = [r for r in counted if r[key].low is not None]
    highs = [r for r in counted if r[key].high is not None]
    if lows and highs:
        most = max(lows, key=lambda r: r[key].low)
        least = min(highs, key=lambda r: r[key].high)
        if most[key].low > least[key].high:
            conflict(key, f"merged records give incompatible {key} counts", f"low {most[key].low} > high {least[key].high}",
                     "counts that can all be true", most, least)
    return columns


def _group_dates(recs: list[dict], conflict) -> dict:
    """Dates of a merged incident: the most precise span; spans that do not overlap are a conflict for coders."""
    dated = [r for r in recs if r["date_precision"] != "unknown"]
    if not dated:
        return dict(NO_DATE)
    span = {id(r): (r["date_start"], r["date_end"], r["date_precision"]) for r in dated}
    best_record = min(dated, key=lambda r: _width(span[id(r)]))
    best = span[id(best_record)]
    for r in dated:
        s = span[id(r)]
        if s[0] and best[1] and s[0] > best[1] or s[1] and best[0] and s[1] < best[0]:
            conflict("date", "merged records give dates that do not overlap", f"{s[0]}..{s[1]} vs {best[0]}..{best[1]}",
                     "records of one incident with overlapping dates", r, best_record)
    return {"date_start": best[0], "date_end": best[1], "date_precision": best[2],
            "date_start_bound": best_record["date_start_bound"], "date_end_bound": best_record["date_end_bound"]}


# ---- the table --------------------------------------------------------------------------------


class _Columns:
    """The incidents table built a column at a time: the records of their own (in incident id
    order) and the merged groups' rows, put together in the published order."""

    def __init__(self, a: Assembly, g: Grouping, single: np.ndarray, group_rows: dict[str, dict]):
        self.a, self.pos = a, a.parsed[single]
        self.fields = TABLES["incidents"]
        self.group_rows, self.group_ids = group_rows, sorted(group_rows)
        self.ordered = pc.sort_indices(pa.concat_arrays([g.incident_text.take(single),
                                                         pa.array(self.group_ids, pa.large_string())])).to_numpy()
        self.columns: dict[str, pd.Series] = {}

    def own(self, name: str) -> pd.Series:
        return self.a.own(name, self.pos)

    def add(self, name: str, single_values, group_values=None) -> None:
        """A column from the records of their own and from the merged groups, in published order."""
        type_ = self.fields.field(name).type
        if group_values is None:
            group_values = [self.group_rows[iid][name] for iid in self.group_ids]
        parts = [single_values if isinstance(single_values, pd.Series) else pd.Series(single_values), column(group_values, type_)]
        self.columns[name] = pd.concat([column(part, type_) for part in parts], ignore_index=True).take(self.ordered).reset_index(drop=True)

    def add_spread(self, values: dict, codes: np.ndarray) -> None:
        for name, vals in values.items():
            self.add(name, spread(vals, codes, _DTYPES[self.fields.field(name).type]))

    def per_reading(self, key: str, columns, default: dict) -> None:
        """Columns computed once per distinct reading of ``key`` and spread to the records of their own."""
        code, results = self.a.readings[key]
        table = [columns(r) for r in results] + [default]
        self.add_spread({c: [t[c] for t in table] for c in default}, code[self.pos])

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({name: self.columns.pop(name) for name in self.fields.columns})


def column(values, type_: str):
    """Values as a pandas column of the codebook type (text, Int64, Float64, datetime64[ns], boolean)."""
    if isinstance(values, pd.Series) and values.dtype == (_DTYPES[type_] if type_ != "date" else "datetime64[ns]"):
        return values
    if type_ == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]"))
    if type_ == "boolean":
        return pd.Series(values, dtype=object).astype("boolean") if not isinstance(values, np.ndarray) else pd.Series(values).astype("boolean")
    return pd.Series(pd.array(values.array if isinstance(values, pd.Series) else values, dtype=_DTYPES[type_]))


def incidents_table(a: Assembly, g: Grouping, single: np.ndarray, group_rows: dict[str, dict],
                    incident_of_named: dict) -> pd.DataFrame:
    """The incidents table, in incident id order (``single``: the records of their own, in that order)."""
    t = _Columns(a, g, single, group_rows)
    t.add("incident_id", pd.Series(g.incident_text.take(single)), t.group_ids)
    t.add("event_kind", a.kind.iloc[t.pos].reset_index(drop=True))
    t.add("context_type", t.own("context_type"))
    t.add("summary", t.own("summary"))
    t.per_reading("date", lambda r: dict(zip(NO_DATE, r)) if r[2] != "unknown" else NO_DATE, NO_DATE)
    _first_report_columns(t)
    codes, dates = a.coded_on
    t.add("coded_date", spread(dates, codes[t.pos], "date"))
    t.per_reading("place", lambda r: place_columns(r, a.regions), place_columns((), a.regions))
    t.per_reading("origin", lambda r: {"origin_code": area_codes(r)}, {"origin_code": None})
    t.per_reading("destination", lambda r: {"destination_region_code": area_codes(r)}, {"destination_region_code": None})
    for key in ("victim_group", "perpetrator", "coercion"):
        codes, cells = pd.factorize(t.own(key))
        t.add(key, spread([join_multi(split_multi(cell)) for cell in cells] + [None], codes, "string"))
    for key in COUNT_FIELDS:
        t.per_reading(key, lambda c, key=key: count_columns(key, [] if c is None else [c]), count_columns(key, []))
    t.add("persons_raised_to_fit", pd.Series([None] * len(t.pos), dtype="string"), [None] * len(t.group_ids))  # see subgroups
    t.per_reading("figure", figure_columns, figure_columns(None))
    t.add("overlaps_incident_id", pd.Series(g.incident_of(t.own("overlaps")), dtype="string"))
    totals = [None] * len(t.pos)
    total_of = t.own("total_of")
    total_rows = np.flatnonzero(total_of.notna().to_numpy())
    for i, refs in zip(total_rows, pick(total_of, total_rows)):
        totals[i] = join_multi(incident_of_named.get(r) or "" for r in split_multi(refs)) or None
    t.add("total_of_incident_ids", totals)
    t.add("source_ids", t.own("source"))
    t.add("n_sources", np.ones(len(t.pos), dtype=np.int64))
    claimant = t.own("claimed_by")
    t.add("claimed_by_party", claimant.notna().to_numpy())
    t.add("claimant", claimant)
    t.add("record_ids", t.own("record_id"))
    return t.table()


def _first_report_columns(t: _Columns) -> None:
    """The first report of a record of its own is its source's publication."""
    source_dates = t.a.source_dates
    codes = pc.index_in(as_text(t.own("source")), value_set=as_text(list(source_dates))).to_numpy(zero_copy_only=False)
    t.add("first_reported_date", spread([d for d, _ in source_dates.values()] + [None], codes, "date"))
    t.add("first_reported_precision", spread([p if d else "unknown" for d, p in source_dates.values()] + [None], codes, "string"))
