"""Amounts with their incidents, and the key figures of the report; see ``analysis.aggregate``."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from analysis import codebook
from analysis.aggregate._base import (
    CONTEXT, INCIDENT, PRACTICE, _incident_rows, _n_values, _names, _overlapping, claimants, party_claims_excluded, totals,
    without_party_claims,
)
from analysis.aggregate.breakdowns import regions_with_incidents
from analysis.aggregate.periods import data_cutoff, incident_spans


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------


def amounts_with_incidents(amounts: pd.DataFrame, events: pd.DataFrame, purposes: Iterable[str] | None = None) -> pd.DataFrame:
    """Amounts of the incidents in ``events`` with their region, dates and claim flag, optionally only some purposes."""
    df = amounts.copy()
    if purposes is not None:
        purposes = list(purposes)
        bad = codebook.check_vocabulary("purpose", purposes)
        if bad:
            raise ValueError(f"unknown purpose {', '.join(bad)}; accepted: {codebook.allowed_text('purpose')}")
        df = df[df["purpose"].isin(purposes)]
    ctx = events[["incident_id", "region_code", "region_name", "date_start", "date_end", "date_precision", "claimed_by_party"]]
    out = df.merge(ctx, on="incident_id", how="inner")
    return out.sort_values(["date_start", "amount_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Key figures for the report
# --------------------------------------------------------------------------------------


def _date(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def key_figures(events: pd.DataFrame, sources: pd.DataFrame, amounts: pd.DataFrame | None = None) -> dict:
    """Plain Python values for the report's key figures (see the module docstring for the rules).

    n_ransoms counts incidents where a ransom was demanded: coercion 'ransom_demand' or,
    when ``amounts`` is given, an amount with purpose 'ransom'. The ``*_without_claims``
    figures are the totals of ``without_party_claims(events)`` (rule 9); ``sent_to_war_*``
    and ``killed_*`` follow rule 10; ``data_cutoff`` is rule 11. ``n_events_claims_excluded`` is
    how many rows ``without_party_claims`` dropped to make ``events`` (0 for the full table).
    """
    inc = _incident_rows(events, ["incident_id", "date_start", "date_end", "first_reported_date", "coercion",
                                  "overlaps_incident_id", "region_code", "claimed_by_party", "n_sources",
                                  "killed_low", "killed_high"])
    t = totals(events)
    rest = totals(without_party_claims(events))
    sent = totals(events, stem="sent_to_war")
    spans = incident_spans(inc)
    ransom_ids = set(inc.loc[_names(inc["coercion"], "ransom_demand"), "incident_id"])
    if amounts is not None:
        ransom_ids |= set(amounts.loc[amounts["purpose"] == "ransom", "incident_id"])
    overlapping = _overlapping(inc)
    # Rule 10: an 'up to' death toll gives no minimum; an overlapping incident's deaths go to the high only.
    killed_low = inc["killed_low"].where(~overlapping).fillna(0)
    cutoff = data_cutoff(sources)
    return {
        "n_incidents": int(len(inc)),
        "n_practices": int((events["event_kind"] == PRACTICE).sum()),
        "n_context": int((events["event_kind"] == CONTEXT).sum()),
        "persons_low": t["persons_low"],
        "persons_best": t["persons_best"],
        "persons_high": t["persons_high"],
        "persons_high_open": t["high_open"],
        "n_incidents_count_unknown": t["n_count_unknown"],
        "n_incidents_overlapping": int(inc["overlaps_incident_id"].notna().sum()),
        "n_incidents_multi_region": int((_n_values(inc["region_code"]) > 1).sum()),
        "n_incidents_undated": int(spans["start"].isna().sum()),
        "n_incidents_no_region": int((_n_values(inc["region_code"]) == 0).sum()),
        "n_incidents_claimed_by_party": int(inc["claimed_by_party"].fillna(False).astype(bool).sum()),
        "n_events_claims_excluded": len(party_claims_excluded(events) or []),
        "claimants": "; ".join(claimants(events)),
        "persons_low_claimed": t["persons_low_claimed"],
        "persons_best_claimed": t["persons_best_claimed"],
        "persons_high_claimed": t["persons_high_claimed"],
        "n_incidents_without_claims": rest["n_incidents"],
        "persons_low_without_claims": rest["persons_low"],
        "persons_best_without_claims": rest["persons_best"],
        "persons_high_without_claims": rest["persons_high"],
        "persons_high_open_without_claims": rest["high_open"],
        "n_incidents_sent_to_war": int(sent["n_incidents"] - sent["n_count_unknown"]),
        "sent_to_war_low": sent["persons_low"],
        "sent_to_war_best": sent["persons_best"],
        "sent_to_war_high": sent["persons_high"],
        "sent_to_war_high_open": sent["high_open"],
        "killed_low": int(killed_low.sum()),
        "killed_high": int(inc["killed_high"].fillna(inc["killed_low"]).fillna(0).sum()),
        "n_incidents_single_source": int((inc["n_sources"].fillna(1) <= 1).sum()),
        "n_regions": len(regions_with_incidents(events)),
        "n_sources": int(len(sources)),
        "data_cutoff": _date(cutoff),
        "period_start": None if spans["start"].isna().all() else _date(spans["start"].min()),
        "period_end": None if spans["end"].isna().all() else _date(spans["end"].max()),
        "n_ransoms": len(ransom_ids),
    }
