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


def check_reference_targets(c) -> None:
    """A reference names a coded record of the right kind.

    A merge into an excluded record would publish half an incident; an overlap with, or a
    total of, an excluded record or a practice would silently drop out of every total.
    """
    recs, coded, found = c.recs, c.coded, c.found
    rid = recs["record_id"]
    coded_ids = rid[coded]
    # A record whose kind is not one of the vocabulary is reported already: not again as a target.
    not_incident_ids = rid[coded & among(c.kind, ("practice", "context"))]
    known = {key: c.coded & c.has(key) & among(recs[key], c.ids) for key in ("same_incident_as", "overlaps")}
    found.add("reference", known["same_incident_as"] & ~among(recs["same_incident_as"], coded_ids), "same_incident_as",
              "merged into an excluded record", value=recs["same_incident_as"], line=recs["_line"],
              accepted="a coded (not excluded) record", sub=4)
    overlaps = recs["overlaps"]
    found.add("reference", known["overlaps"] & ~among(overlaps, coded_ids), "overlaps", "refers to an excluded record",
              value=overlaps, accepted="the record_id of a coded incident whose victims may include this one's", sub=5)
    found.add("reference", known["overlaps"] & among(overlaps, not_incident_ids), "overlaps",
              "refers to a record that is not an incident (a practice or a context figure has no victims to share)",
              value=overlaps, accepted="the record_id of a coded incident", sub=6)
    found.add("reference", c.coded & c.has("overlaps") & among(c.kind, ("practice", "context")), "overlaps",
              "only incidents overlap others", value=overlaps, accepted="remove it, or code the record as an incident", sub=7)


def check_merge_reason(c) -> None:
    c.found.add("merge_reason", c.coded & c.has("same_incident_as") & ~c.has("merge_reason"), "merge_reason",
                "a merge needs a reason", accepted="a sentence saying why the records describe the same incident")
    c.found.add("merge_reason", c.coded & c.has("merge_reason") & ~c.has("same_incident_as"), "merge_reason",
                "a merge reason without same_incident_as merges nothing", value=c.recs["merge_reason"],
                accepted="same_incident_as: the record this one reports again, or remove the reason", sub=1)


def check_total_of(c) -> None:
    recs = c.recs
    with_total = np.flatnonzero(c.coded & c.has("total_of"))
    total_refs = [split_multi(v) for v in pick(recs["total_of"], with_total)]
    named = [r for refs in total_refs for r in refs]
    known_refs = {r for r, known in zip(named, among(named, c.ids)) if known}
    kind_of = _coded_kinds(c, sorted(known_refs))
    for p, refs in zip(with_total, total_refs):
        for j, r in enumerate(refs):
            if r not in known_refs:
                message = "refers to an unknown record"
            elif r not in kind_of:
                message = "refers to an excluded record"
            elif kind_of[r] in ("practice", "context"):
                message = f"refers to a {kind_of[r]} record, not an incident"
            else:
                continue
            c.found.add("total_of", [p], "total_of", message, value=r, accepted="record ids of the coded incidents the total sums",
                        sub=j)
    is_total = recs["context_type"].eq("reported_total").fillna(False).to_numpy(dtype=bool)
    c.found.add("total_of", c.coded & c.has("total_of") & ~is_total, "total_of",
                "only reported totals list the incidents they sum", accepted="context_type: reported_total", sub=10**6)


def _coded_kinds(c, ids: list[str]) -> dict[str, str | None]:
    """The event kind of each of ``ids`` that is a coded record (excluded ones are left out)."""
    rid = c.recs["record_id"]
    at = np.flatnonzero(c.coded & among(rid, ids))
    return dict(zip(pick(rid, at), pick(c.kind, at)))


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
