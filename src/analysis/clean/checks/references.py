"""References between records: merges, overlaps, reported totals, and what each kind may carry."""

from __future__ import annotations

import numpy as np

from ...codebook import split_multi
from ...columnar import among, pick

#: The counts a reported total may sum.
TOTAL_FIELDS = ("persons", "sent_to_war", "killed")


def check_references(c) -> None:
    recs, coded, rid = c.recs, c.coded, c.recs["record_id"]
    for k, key in enumerate(("same_incident_as", "overlaps")):
        ref = recs[key]
        c.found.add("reference", coded & c.has(key) & ~among(ref, c.ids), key, "refers to an unknown record", value=ref,
                    accepted="the record_id of another record", sub=2 * k)
        c.found.add("reference", coded & ref.eq(rid).fillna(False).to_numpy(dtype=bool), key, "refers to the record itself",
                    value=ref, accepted="the record_id of another record", sub=2 * k + 1)


def check_merge_reason(c) -> None:
    c.found.add("merge_reason", c.coded & c.has("same_incident_as") & ~c.has("merge_reason"), "merge_reason",
                "a merge needs a reason", accepted="a sentence saying why the records describe the same incident")


def check_total_of(c) -> None:
    recs = c.recs
    with_total = np.flatnonzero(c.coded & c.has("total_of"))
    total_refs = [split_multi(v) for v in pick(recs["total_of"], with_total)]
    named = [r for refs in total_refs for r in refs]
    known_refs = {r for r, known in zip(named, among(named, c.ids)) if known}
    for p, refs in zip(with_total, total_refs):
        unknown_refs = [(j, r) for j, r in enumerate(refs) if r not in known_refs]
        c.found.add("total_of", np.full(len(unknown_refs), p), "total_of", "refers to an unknown record",
                    value=[r for _, r in unknown_refs], accepted="record ids of the incidents the total sums",
                    sub=[j for j, _ in unknown_refs])
    is_total = recs["context_type"].eq("reported_total").fillna(False).to_numpy(dtype=bool)
    c.found.add("total_of", c.coded & c.has("total_of") & ~is_total, "total_of",
                "only reported totals list the incidents they sum", accepted="context_type: reported_total", sub=10**6)


def check_total_field(c) -> None:
    total_field = c.recs["total_field"].fillna("persons")
    c.found.add("total_field", c.coded & ~among(total_field, TOTAL_FIELDS), "total_field", "not an allowed value",
                value=total_field, accepted=", ".join(TOTAL_FIELDS))


def check_figure_kind(c) -> None:
    """Only context records carry a figure, and every context record has one."""
    c.found.add("figure_kind", c.coded & among(c.kind, ("incident", "practice")) & c.has("figure_phrase"), "figure",
                "only context records carry a figure", accepted="persons / sent_to_war / killed for incidents")
    c.found.add("figure_kind", c.coded & c.is_context & ~c.has("figure_phrase"), "figure", "a context record needs its figure",
                accepted="figure: the source's phrase, e.g. 'upwards of 300,000'", sub=1)
