"""The keys every coded record needs, and the closed vocabularies of its categories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import codebook
from ...codebook import VOCABULARIES, split_multi
from ...columnar import among
from ..inputs import parse_iso_date

REQUIRED_KEYS = ("event_kind", "summary", "victim_group", "perpetrator", "coded_by", "coded_on")


def check_required(c) -> None:
    for i, key in enumerate(REQUIRED_KEYS):
        shaped = np.zeros(len(c.recs), dtype=bool)  # a value of the wrong shape is reported already
        shaped[[p for p, keys in c.raw.bad.items() if key in keys]] = True
        c.found.add("required", c.coded & ~c.has(key) & ~shaped, key, "required key is missing or empty",
                    accepted=accepted_for(key), sub=i)


def accepted_for(key: str) -> str:
    """What a raw key accepts, for messages: the vocabulary when it has one."""
    raw_key = next(k for k in codebook.RAW_KEYS if k.name == key)
    if raw_key.vocabulary:
        return ", ".join(VOCABULARIES[raw_key.vocabulary])
    if raw_key.kind == "date":
        return "a date YYYY-MM-DD"
    return raw_key.description


def check_event_kind(c) -> None:
    """The kind of each coded record (missing where it is not one of the vocabulary)."""
    recs = c.recs
    bad_kind = c.coded & c.has("event_kind") & ~among(recs["event_kind"], VOCABULARIES["event_kind"])
    c.found.add("event_kind", bad_kind, "event_kind", "not an allowed value", value=recs["event_kind"],
                accepted=", ".join(VOCABULARIES["event_kind"]))
    c.kind = recs["event_kind"].where(c.coded).mask(bad_kind)
    c.is_context = c.kind.eq("context").fillna(False).to_numpy(dtype=bool)


def check_context_type(c) -> None:
    ctype, coded, allowed = c.recs["context_type"], c.coded, ", ".join(VOCABULARIES["context_type"])
    c.found.add("context_type", coded & c.is_context & ~c.has("context_type"), "context_type",
                "a context record needs a context_type", accepted=allowed)
    c.found.add("context_type", coded & c.has("context_type") & ~among(ctype, VOCABULARIES["context_type"]), "context_type",
                "not an allowed value", value=ctype, accepted=allowed, sub=1)
    c.found.add("context_type", coded & c.has("context_type") & ~c.is_context, "context_type",
                "only context records have a context_type", value=ctype, accepted="remove it, or set event_kind: context", sub=2)


def check_vocabularies(c) -> None:
    """Every value of a multi-valued category is one of its vocabulary (each bad value is a problem)."""
    for k, key in enumerate(("victim_group", "perpetrator", "coercion")):
        codes, cells = pd.factorize(c.recs[key].where(c.coded))
        bad_values = [[v for v in split_multi(cell) if v not in VOCABULARIES[key]] for cell in cells]
        rows = [r for r in np.flatnonzero(codes >= 0) if bad_values[codes[r]]] if any(bad_values) else []
        c.found.add("vocabulary", np.array([r for r in rows for _ in bad_values[codes[r]]], dtype=np.int64), key,
                    "not an allowed value", value=[v for r in rows for v in bad_values[codes[r]]],
                    accepted=", ".join(VOCABULARIES[key]),
                    sub=[k * 10**6 + j for r in rows for j in range(len(bad_values[codes[r]]))])


def check_coded_on(c) -> None:
    recs, today = c.recs, c.today
    codes, cells = pd.factorize(recs["coded_on"].where(c.coded))
    dates = [parse_iso_date(cell) for cell in cells] + [None]  # the code -1 (no value) takes the None at the end
    readable = np.array([d is not None for d in dates], dtype=bool)[codes]
    c.found.add("coded_on", c.coded & c.has("coded_on") & ~readable, "coded_on", "not an ISO date", value=recs["coded_on"],
                accepted="YYYY-MM-DD")
    future = np.array([d is not None and d > today for d in dates], dtype=bool)[codes]
    c.found.add("coded_on", c.coded & future, "coded_on", f"in the future (today is {today.isoformat()})",
                value=recs["coded_on"], accepted=f"a date up to {today.isoformat()}")
    c.coded_on = (codes, dates)
