"""Where a record comes from and what it may publish: its source, its text, its status
and its evidence quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...columnar import among, as_text, pick
from ..raw import CONTROL_RE2, RECORD_COLUMNS, find_control

#: Fields that hold no phrase of their own and take their quotes from ``evidence``.
EVIDENCE_FIELDS = ("summary", "coercion", "victim_group", "perpetrator", "claimed_by")


def check_source(c) -> None:
    """Every record names a source of the register (a record of an unknown source is checked no further)."""
    found, sid = c.found, c.recs["source"]
    no_source = c.alive & ~c.has("source")
    found.add("source", no_source, "source", "the record names no source",
              accepted="'source:' at the top of the file (YAML) or a 'source' column (CSV)")
    c.alive &= ~no_source
    unknown = c.alive & ~among(sid, c.source_dates)
    if c.source_dates:  # with no usable sources.csv, that file's problem is reported once instead
        found.add("source", unknown, "source", "unknown source", value=sid,
                  accepted="a source_id of data/raw/sources.csv: " + ", ".join(c.source_dates))
    c.alive &= ~unknown


def check_control_characters(c) -> None:
    """Text hygiene: control characters hide text from reviewers and break outputs."""
    for i, name in enumerate(RECORD_COLUMNS):
        column = c.recs[name]
        hit = np.flatnonzero(c.alive & column.str.contains(CONTROL_RE2, regex=True).fillna(False).to_numpy(dtype=bool))
        shown = pick(column, hit)
        c.found.add("control", hit, name, [f"contains the control character {find_control(v)}" for v in shown], value=shown,
                    accepted="printable text", sub=i)


def check_status(c) -> None:
    c.status = c.recs["status"].fillna("coded")
    bad_status = c.alive & ~among(c.status, ("coded", "excluded"))
    c.found.add("status", bad_status, "status", "unknown status", value=c.status, accepted="coded, excluded")
    c.alive &= ~bad_status


def check_evidence_quotes(c) -> None:
    """Evidence quotes name a field that holds no phrase; they are queued to be looked for in the source."""
    ev = c.raw.evidence
    ev_alive = c.alive[ev["_index"].to_numpy()]
    ev_unknown = ev_alive & ~among(ev["field"].str.split(".", n=1).str[0], EVIDENCE_FIELDS)
    ev_sub = pd.Series(np.arange(len(ev)) * 10)
    c.found.add("evidence", ev_unknown, "evidence",
                [f"evidence for unknown field {f!r}" for f in pick(ev["field"], np.flatnonzero(ev_unknown))],
                line=ev["_line"], pos=ev["_index"], sub=ev_sub,
                accepted=", ".join(EVIDENCE_FIELDS) + " (optionally with a '.suffix')")
    rows = np.flatnonzero(ev_alive & ~ev_unknown)
    c.quotes.add("evidence", ev["_index"].to_numpy()[rows], as_text(ev["field"]).take(rows), as_text(ev["quote"]).take(rows),
                 line=ev["_line"].to_numpy()[rows], sub=ev_sub.to_numpy()[rows])


def check_exclusion(c) -> None:
    """An excluded record needs a reason; it goes to the rejections, the others on as coded records."""
    excluded = c.alive & c.status.eq("excluded").to_numpy()
    no_reason = excluded & ~c.has("exclusion_reason")
    c.found.add("exclusion", no_reason, "exclusion_reason", "an excluded record needs a reason",
                accepted="a sentence saying why it is out of scope")
    c.rejected = np.flatnonzero(excluded & ~no_reason)
    c.coded = c.alive & c.status.eq("coded").to_numpy()
