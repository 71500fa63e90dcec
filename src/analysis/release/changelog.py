"""The change log as Markdown: CHANGES.md of a release, and what `diff` prints.

Written for a reviewer reading the file as text or rendered: every identifier, code and
number is in a code span, free text (summaries, quotes, reasons) is quoted and escaped,
and every change names the raw records and sources behind it.
"""

from __future__ import annotations

import re

from .changes import ChangeLog, IncidentChange, Record, RowChange
from .codebook_diff import CodebookChange
from .snapshot import Snapshot
from .versions import Bump

#: A value shown as code: no spaces, no backticks, not long.
_CODE = re.compile(r"^[^\s`]{1,60}$")
#: Characters that would be Markdown in free text; "_" only where it can start or end emphasis.
_MARKUP = re.compile(r"([\\`*\[\]<>]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")


def show(value: object) -> str:
    """A value as a reader should see it: `code`, “quoted text” or (empty)."""
    text = "" if value is None else str(value)
    if text == "":
        return "(empty)"
    if _CODE.match(text):
        return f"`{text}`"
    return "“" + _MARKUP.sub(r"\\\1", re.sub(r"\s+", " ", text).strip()) + "”"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _record(r: Record) -> str:
    notes = {
        "new": "new record",
        "was_in": f"previously part of `{r.incident_id}`",
        "was_excluded": "previously excluded",
        "now_in": f"now part of `{r.incident_id}`" + (f" (merge reason: {show(r.reason)})" if r.reason else ""),
        "now_excluded": f"now excluded: {show(r.reason)}",
        "gone": "no longer in the data",
        "gone_with_source": "no longer in the data: its source was withdrawn",
    }
    return f"`{r.record_id}` (source `{r.source_id}`)" + (f": {notes[r.status]}" if r.status else "")


def _field(change) -> str:
    return f"`{change.field}`: {show(change.old)} → {show(change.new)}"


# --------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------


def _header(log: ChangeLog) -> list[str]:
    bump, reasons = log.required()
    old_cut, new_cut = log.old.cutoff.text(), log.new.cutoff.text()
    cutoff = new_cut if old_cut == new_cut else f"{old_cut} → {new_cut}"
    out = [f"# Changes from {log.old.title()} to {log.new.title()}", "",
           f"Data cut-off (publication date of the latest source): {cutoff}.", ""]
    if bump is Bump.NONE:
        out += ["No change to the published tables or the codebook: any later version may follow.", ""]
    else:
        out += [f"These changes call for at least a **{bump.word}** release: {'; '.join(reasons)}.", ""]
    inc = {k: len(log.incidents_of(k)) for k in ("added", "removed", "merged", "changed")}
    src = {k: len(log.sources_of(k)) for k in ("added", "withdrawn", "changed")}
    out += [
        f"- Incidents: {inc['added']} added, {inc['removed']} removed, {inc['merged']} merged into others, {inc['changed']} changed",
        f"- Sources: {src['added']} added, {src['withdrawn']} withdrawn, {src['changed']} corrected",
        f"- Excluded records: {_plural(len(log.rejections), 'change')}",
        f"- Codebook: {_plural(len(log.codebook), 'change')}",
        "",
    ]
    return out


def _codebook(changes: list[CodebookChange]) -> list[str]:
    out = ["## Codebook", ""]
    if not changes:
        return out + ["No change.", ""]
    return out + [f"- `{c.table}{'.' + c.column if c.column else ''}`: {c.what} ({c.bump.word})" for c in changes] + [""]


def _source_line(row: dict) -> str:
    date = row.get("published_date") or "undated"
    return f"`{row['source_id']}`: {show(row.get('outlet'))}, {show(row.get('headline'))} (published {date}, {row.get('published_precision', '')})"


def _sources(log: ChangeLog) -> list[str]:
    out = ["## Sources", ""]
    if not log.sources:
        return out + ["No change.", ""]
    for kind, heading in (("added", "Added"), ("withdrawn", "Withdrawn"), ("changed", "Corrected")):
        rows = log.sources_of(kind)
        if rows:
            out += [f"### {heading}", ""]
            for c in rows:
                out.append(f"- {_source_line(c.row)}")
                out += [f"  - {_field(f)}" for f in c.fields]
            out.append("")
    return out


def _row_change(label: str, c: RowChange, key_fields: int = 1) -> str:
    key = " ".join(f"`{k}`" for k in c.key[-key_fields:])
    if c.kind == "changed":
        return f"{label} {key}: " + "; ".join(_field(f) for f in c.fields)
    row = c.row
    shown = ", ".join(f"`{k}` {show(v)}" for k, v in row.items() if v != "" and k not in ("incident_id",))
    return f"{label} {key} {c.kind}: {shown}"


def _evidence_change(c: RowChange) -> str:
    row = c.row
    where = f"evidence of record `{row['record_id']}` (source `{row['source_id']}`) for `{row['field']}`"
    if c.kind == "changed":
        return f"{where}: " + "; ".join(_field(f) for f in c.fields)
    return f"{where} {c.kind}: phrase {show(row.get('phrase'))}, quote {show(row.get('quote'))}"


def _incident(c: IncidentChange) -> list[str]:
    into = ", ".join(f"`{i}`" for i in c.merged_into)
    head = f"- `{c.incident_id}` ({c.event_kind})" + (f" merged into {into}" if c.merged_into else "") + f": {show(c.summary)}"
    out = [head]
    out += [f"  - record {_record(r)}" for r in c.records]
    out += [f"  - {_field(f)}" for f in c.fields]
    out += [f"  - {_row_change('amount', a)}" for a in c.amounts]
    out += [f"  - {_row_change('merge of record', m)}" for m in c.merges]
    out += [f"  - {_evidence_change(e)}" for e in c.evidence]
    return out


def _incidents(log: ChangeLog) -> list[str]:
    out = ["## Incidents", ""]
    if not log.incidents:
        return out + ["No change.", ""]
    for kind, heading in (("added", "Added"), ("removed", "Removed"), ("merged", "Merged into another incident"), ("changed", "Changed")):
        changes = log.incidents_of(kind)
        if changes:
            out += [f"### {heading}", ""]
            for c in changes:
                out += _incident(c)
            out.append("")
    return out


def _rejections(log: ChangeLog) -> list[str]:
    if not log.rejections:
        return []
    out = ["## Excluded records", ""]
    words = {"added": "now excluded", "removed": "no longer excluded", "changed": "reason changed"}
    for c in log.rejections:
        row = c.row
        detail = "; ".join(_field(f) for f in c.fields) if c.kind == "changed" else f"reason {show(row.get('reason'))}"
        out.append(f"- `{row['record_id']}` (source `{row['source_id']}`) {words[c.kind]}: {detail}")
    return out + [""]


def _other(log: ChangeLog) -> list[str]:
    out = []
    for name, rows in sorted(log.other.items()):
        out += [f"## Table `{name}`", ""] + [f"- {_row_change('row', c, len(c.key))}" for c in rows] + [""]
    return out


def render(log: ChangeLog) -> str:
    """The whole change log as Markdown."""
    parts = _header(log) + _codebook(log.codebook) + _sources(log) + _incidents(log) + _rejections(log) + _other(log)
    return "\n".join(parts).rstrip("\n") + "\n"


def render_first(new: Snapshot) -> str:
    """CHANGES.md of the first release: what it holds, and its sources."""
    incidents = new.tables.get("incidents")
    kinds = incidents["event_kind"].value_counts() if incidents is not None else {}
    sources = new.tables.get("sources")
    out = [f"# Changes in {new.title()}", "",
           f"The first release: nothing earlier to compare with. Data cut-off (publication date of the latest source): {new.cutoff.text()}.", "",
           f"- Incidents: {_plural(int(kinds.get('incident', 0)), 'incident')}, {_plural(int(kinds.get('practice', 0)), 'practice')}, "
           f"{_plural(int(kinds.get('context', 0)), 'context figure')}",
           f"- Sources: {0 if sources is None else len(sources)}", "", "## Sources", ""]
    if sources is not None:
        out += [f"- {_source_line(row)}" for row in sources.to_dict("records")]
    return "\n".join(out).rstrip("\n") + "\n"
