"""What changed between two snapshots of the dataset, row by row and field by field.

Every published table is compared by its primary key (from the snapshots' datapackage.json),
on the columns both snapshots have; columns added or removed are codebook changes. The row
changes are then told as a reviewer asks about them: which incidents were added, removed,
merged into another or changed (and which raw records and sources are behind each), which
sources were added or withdrawn, which records were excluded, and what the codebook did.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .codebook_diff import CodebookChange, compare_codebooks
from .errors import ReleaseError
from .snapshot import Snapshot
from .versions import Bump

#: Tables the change log tells in its own terms; any other table is listed row by row.
TOLD_TABLES = ("incidents", "amounts", "evidence", "merges", "rejections", "sources")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    """A row added, removed or changed (with the fields that changed), by primary key."""

    kind: str  # added | removed | changed
    key: tuple[str, ...]
    old: dict | None
    new: dict | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def row(self) -> dict:
        return self.new if self.new is not None else self.old


@dataclass(frozen=True)
class Record:
    """A raw record behind an incident's change, and what happened to it.

    ``status``: "" (still there), "new", "was_in" (``incident_id`` held it before),
    "was_excluded", "now_in" (``incident_id`` holds it now, ``reason`` the merge reason),
    "now_excluded" (``reason``), "gone", "gone_with_source".
    """

    record_id: str
    source_id: str
    status: str = ""
    incident_id: str = ""
    reason: str = ""


@dataclass
class IncidentChange:
    incident_id: str
    kind: str  # added | removed | merged | changed
    event_kind: str
    summary: str
    records: list[Record]
    fields: list[FieldChange] = field(default_factory=list)
    merged_into: list[str] = field(default_factory=list)
    amounts: list[RowChange] = field(default_factory=list)
    evidence: list[RowChange] = field(default_factory=list)
    merges: list[RowChange] = field(default_factory=list)  # a record's merge reason or canonical flag


@dataclass
class ChangeLog:
    old: Snapshot
    new: Snapshot
    codebook: list[CodebookChange]
    sources: list[RowChange]
    incidents: list[IncidentChange]
    rejections: list[RowChange]
    other: dict[str, list[RowChange]]

    def incidents_of(self, kind: str) -> list[IncidentChange]:
        return [c for c in self.incidents if c.kind == kind]

    def sources_of(self, kind: str) -> list[RowChange]:
        return [c for c in self.sources if c.kind == kind]

    @property
    def is_empty(self) -> bool:
        return not (self.codebook or self.sources or self.incidents or self.rejections or any(self.other.values()))

    def required(self) -> tuple[Bump, list[str]]:
        """The smallest version step these changes call for, and why."""
        tally = [(c.bump, 1, f"codebook: {c.text()}", "") for c in self.codebook] + [
            (Bump.MINOR, len(self.sources_of("added")), "source added", "sources added"),
            (Bump.MINOR, len(self.incidents_of("added")), "incident added", "incidents added"),
            (Bump.PATCH, len(self.incidents_of("changed")), "incident changed", "incidents changed"),
            (Bump.PATCH, len(self.incidents_of("merged")), "incident merged into another", "incidents merged into others"),
            (Bump.PATCH, len(self.incidents_of("removed")), "incident removed", "incidents removed"),
            (Bump.PATCH, len(self.sources_of("withdrawn")), "source withdrawn", "sources withdrawn"),
            (Bump.PATCH, len(self.sources_of("changed")), "source corrected", "sources corrected"),
            (Bump.PATCH, len(self.rejections), "excluded record changed", "excluded records changed"),
            *[(Bump.PATCH, len(rows), f"row of {name} changed", f"rows of {name} changed") for name, rows in sorted(self.other.items())],
        ]
        for bump in (Bump.MAJOR, Bump.MINOR, Bump.PATCH):
            # A codebook change is told by itself; a count of rows, with its noun.
            reasons = [one if not many else f"{n} {one if n == 1 else many}" for b, n, one, many in tally if b is bump and n]
            if reasons:
                return bump, reasons
        return Bump.NONE, []


# --------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------


def natural_key(text: str) -> tuple:
    """Sort 'INC-9' before 'INC-10': digits compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _keyed(df: pd.DataFrame, key: list[str], table: str, name: str) -> pd.DataFrame:
    joined = df[key[0]] if len(key) == 1 else df[key].agg("\x1f".join, axis=1)
    if joined.duplicated().any():
        dup = joined[joined.duplicated()].iloc[0].replace("\x1f", ", ")
        raise ReleaseError(f"{name}: table {table} has the key ({', '.join(key)}) = ({dup}) twice; its primary key must be unique")
    return df.set_axis(pd.Index(joined, name=None), axis=0)


def diff_rows(old: pd.DataFrame, new: pd.DataFrame, key: list[str], table: str = "", names: tuple[str, str] = ("old", "new")) -> list[RowChange]:
    """Rows added, removed and changed between two versions of a table, in key order.

    Only the columns both versions have are compared: a column added or removed is a
    codebook change, not a change to every row.
    """
    columns = [c for c in old.columns if c in new.columns]
    if not key or any(k not in columns for k in key):
        raise ReleaseError(f"table {table}: cannot compare rows without a primary key both versions have (key: {key or 'none'})")
    o, n = _keyed(old[columns], key, table, names[0]), _keyed(new[columns], key, table, names[1])
    common = o.index.intersection(n.index, sort=False)
    ov, nv = o.loc[common].to_numpy(), n.loc[common].to_numpy()
    differs = ov != nv

    def row(values) -> dict:
        return dict(zip(columns, values))

    out: list[RowChange] = []
    for i in np.flatnonzero(differs.any(axis=1)):
        fields = tuple(FieldChange(columns[j], ov[i, j], nv[i, j]) for j in np.flatnonzero(differs[i]))
        before = row(ov[i])
        out.append(RowChange("changed", tuple(before[k] for k in key), before, row(nv[i]), fields))
    for kind, frame, other in (("removed", o, n), ("added", n, o)):
        values = frame.to_numpy()[frame.index.get_indexer(frame.index.difference(other.index, sort=False))]
        for v in values:
            r = row(v)
            out.append(RowChange(kind, tuple(r[k] for k in key), r if kind == "removed" else None, r if kind == "added" else None))
    return sorted(out, key=lambda c: tuple(natural_key(k) for k in c.key))


# --------------------------------------------------------------------------------------
# Incidents and the records behind them
# --------------------------------------------------------------------------------------


def _column_map(df: pd.DataFrame | None, key: str, value: str) -> dict[str, str]:
    """``key`` -> ``value`` for every row (plain lists first: far faster than row dicts at scale)."""
    if df is None or df.empty:
        return {}
    return dict(zip(df[key].tolist(), df[value].tolist()))


class _Records:
    """Where every raw record was in the old snapshot and is in the new one."""

    def __init__(self, old: Snapshot, new: Snapshot):
        om, nm = old.tables.get("merges"), new.tables.get("merges")
        self.old_incident, self.new_incident = _column_map(om, "record_id", "incident_id"), _column_map(nm, "record_id", "incident_id")
        self.old_source, self.new_source = _column_map(om, "record_id", "source_id"), _column_map(nm, "record_id", "source_id")
        self.merge_reason = _column_map(nm, "record_id", "merge_reason")
        self.old_rejected = _column_map(old.tables.get("rejections"), "record_id", "reason")
        self.new_rejected = _column_map(new.tables.get("rejections"), "record_id", "reason")
        self.new_sources = set(new.tables["sources"]["source_id"]) if "sources" in new.tables else set()
        self._by_incident: dict[bool, dict[str, list[str]]] = {True: {}, False: {}}
        for is_new, incident_of in ((True, self.new_incident), (False, self.old_incident)):
            for rid, iid in incident_of.items():
                self._by_incident[is_new].setdefault(iid, []).append(rid)

    def of(self, incident_id: str, new: bool) -> list[str]:
        """The records of an incident, in the new snapshot or the old one."""
        return sorted(self._by_incident[new].get(incident_id, []), key=natural_key)

    def now(self, record_id: str, incident_id: str) -> Record:
        """The record of an old incident, told by where it is now."""
        sid = self.old_source[record_id]
        if record_id in self.new_incident:
            now_in = self.new_incident[record_id]
            if now_in == incident_id:
                return Record(record_id, sid)
            return Record(record_id, sid, "now_in", now_in, self.merge_reason.get(record_id, ""))
        if record_id in self.new_rejected:
            return Record(record_id, sid, "now_excluded", reason=self.new_rejected[record_id])
        return Record(record_id, sid, "gone" if sid in self.new_sources else "gone_with_source")

    def before(self, record_id: str, incident_id: str) -> Record:
        """The record of a new incident, told by where it was before."""
        sid = self.new_source[record_id]
        if record_id in self.old_incident:
            was = self.old_incident[record_id]
            return Record(record_id, sid) if was == incident_id else Record(record_id, sid, "was_in", was)
        return Record(record_id, sid, "was_excluded" if record_id in self.old_rejected else "new")


def _incident_changes(rows: list[RowChange], records: _Records) -> list[IncidentChange]:
    """The incidents table's row changes, told as added, removed, merged or changed, with their records."""
    out = []
    for change in rows:
        iid, row = change.key[0], change.row
        if change.kind == "added":
            recs = [records.before(r, iid) for r in records.of(iid, new=True)]
            out.append(IncidentChange(iid, "added", row["event_kind"], row["summary"], recs))
        elif change.kind == "removed":
            recs = [records.now(r, iid) for r in records.of(iid, new=False)]
            into = sorted({r.incident_id for r in recs if r.status == "now_in"}, key=natural_key)
            out.append(IncidentChange(iid, "merged" if into else "removed", row["event_kind"], row["summary"], recs, merged_into=into))
        else:
            ids = sorted(set(records.of(iid, new=True)) | set(records.of(iid, new=False)), key=natural_key)
            recs = [records.before(r, iid) if records.new_incident.get(r) == iid else records.now(r, iid) for r in ids]
            out.append(IncidentChange(iid, "changed", row["event_kind"], row["summary"], recs, list(change.fields)))
    return out


def _attach(incidents: list[IncidentChange], rows: list[RowChange], attr: str, current: pd.DataFrame | None, records: _Records) -> None:
    """Hang amount, evidence or merge changes on their incident (one whose own row is unchanged
    becomes 'changed'; one removed or merged away takes none)."""
    by_id = {c.incident_id: c for c in incidents}
    for change in rows:
        iid = change.row["incident_id"]
        target = by_id.get(iid)
        if target is None and current is not None and iid in current.index:
            row = current.loc[iid]
            recs = [records.before(r, iid) for r in records.of(iid, new=True)]
            target = by_id[iid] = IncidentChange(iid, "changed", row["event_kind"], row["summary"], recs)
            incidents.append(target)
        if target is not None and target.kind == "changed":
            getattr(target, attr).append(change)
    incidents.sort(key=lambda c: natural_key(c.incident_id))


def compare(old: Snapshot, new: Snapshot) -> ChangeLog:
    """Everything that changed from ``old`` to ``new``."""
    codebook = compare_codebooks(old.package, new.package)
    rows: dict[str, list[RowChange]] = {}
    for name in old.tables:
        if name in new.tables and old.primary_key(name) == new.primary_key(name):
            rows[name] = diff_rows(old.tables[name], new.tables[name], new.primary_key(name), name, (old.name, new.name))
    records = _Records(old, new)
    incidents = _incident_changes(rows.get("incidents", []), records)
    current = new.tables["incidents"].set_index("incident_id", drop=False) if "incidents" in new.tables else None
    _attach(incidents, rows.get("amounts", []), "amounts", current, records)
    _attach(incidents, rows.get("evidence", []), "evidence", current, records)
    # A record that moved to another incident is told by both incidents' records already.
    moved = {"incident_id"}
    _attach(incidents, [c for c in rows.get("merges", []) if c.kind == "changed" and not moved & {f.field for f in c.fields}],
            "merges", current, records)
    sources = [RowChange("withdrawn", c.key, c.old, None) if c.kind == "removed" else c for c in rows.get("sources", [])]
    other = {name: r for name, r in rows.items() if name not in TOLD_TABLES and r}
    return ChangeLog(old, new, codebook, sources, incidents, rows.get("rejections", []), other)
