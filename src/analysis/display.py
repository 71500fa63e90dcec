"""Labels and display tables: how the counts of ``analysis.aggregate`` are written for readers.

Nothing here counts. Every function takes a table made by the counting package (or a
row of the published tables) and returns text or a DataFrame of text, for the notebooks,
the figures and the report. Conventions, the same in every table and chart:

- persons of one incident read as the source says them: '6', 'about 300', 'at least 3',
  'up to 50', '10–20', or 'count unknown' (never 0);
- a row of a breakdown whose incidents all have unknown counts reads 'count unknown'
  in the best column and '–' in the low and high columns, never 0 / 0 / 0 (rule 3);
- a figure that rests on claims of a party to the conflict carries CLAIM_MARK, and the
  table carries a note (``df.attrs['note']``, printed under the table by
  ``figures.show_table``) naming who made the claims;
- totals read 'low / best / high', with '+' where an 'at least' figure leaves no upper
  bound.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from analysis import aggregate, codebook

COUNT_UNKNOWN = "count unknown"
#: No number: the low and high cells of a row whose counts are all unknown.
NO_NUMBER = "–"
#: Marks a figure that rests on claims of a party to the conflict (explained in a note).
CLAIM_MARK = "*"
#: Written where a region, date or figure is not given.
NOT_STATED = "not stated"

_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
            6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}

_BASIS_TEXT = {
    "original": "original amount",
    "bank_of_russia_rate": "Bank of Russia rate",
    "stated_by_source": "stated by the source",
}

_QUALIFIER_TEXT = {"exact": "", "at_least": "at least ", "approximately": "about ", "up_to": "up to ", "range": "", "unknown": ""}

#: Words of vocabulary values written as proper nouns in labels ('lgbtq_people' -> 'LGBTQ+ people').
_PROPER_WORDS = {"lgbtq": "LGBTQ+", "ukrainians": "Ukrainians", "chechnya": "Chechnya", "chechen": "Chechen",
                 "central": "Central", "asian": "Asian", "russian": "Russian", "wagner": "Wagner"}


# --------------------------------------------------------------------------------------
# Numbers, dates, categories
# --------------------------------------------------------------------------------------


def fmt_int(x: float) -> str:
    return f"{int(round(x)):,}"


def fmt_num(x: float) -> str:
    """A whole number with separators, else one decimal: '1,500', '0.7'."""
    return fmt_int(x) if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def qualifier_text(qualifier: object) -> str:
    """'at least ', 'about ', 'up to ' or '' for a count or amount qualifier."""
    return _QUALIFIER_TEXT.get(str(qualifier) if qualifier is not None and not pd.isna(qualifier) else "exact", "")


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 incident', '3 incidents'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def persons_label(row: pd.Series) -> str:
    """'6', 'about 300', 'at least 5', '10–20', 'up to 50' or 'count unknown' for one incident."""
    q = row["persons_qualifier"]
    low, best, high = (row.get(c) for c in ("persons_low", "persons_best", "persons_high"))
    if q == "unknown" or (pd.isna(low) and pd.isna(best) and pd.isna(high)):
        return COUNT_UNKNOWN
    if q == "exact":
        return fmt_int(best if pd.notna(best) else low)
    if q == "approximately":
        return f"about {fmt_int(best)}"
    if q == "at_least":
        return f"at least {fmt_int(low if pd.notna(low) else best)}"
    if q == "up_to":
        return f"up to {fmt_int(high)}"
    if q == "range":
        return f"{fmt_int(low)}–{fmt_int(high)}" + (f" (best {fmt_int(best)})" if pd.notna(best) else "")
    return fmt_int(best if pd.notna(best) else low)


def bounds_label(low: float, best: float, high: float, high_open: bool = False, n_unknown: int = 0) -> str:
    """'329 / 379 / 419+' and '(+2 incidents with count unknown)' for a total."""
    text = f"{fmt_num(low)} / {fmt_num(best)} / {fmt_num(high)}{'+' if high_open else ''}"
    if n_unknown:
        text += f" (+{plural(n_unknown, 'incident')} with count unknown)"
    return text


def date_label(row: pd.Series) -> str:
    """The date of an incident as precisely as its sources give it."""
    start, end, precision = row.get("date_start"), row.get("date_end"), row.get("date_precision")
    if pd.isna(start) and pd.isna(end):
        return aggregate.UNDATED
    if pd.isna(start):
        return f"until {end:%Y-%m-%d}"
    if precision == "day" or (pd.notna(end) and start == end):
        return f"{start:%Y-%m-%d}"
    if precision == "month":
        return f"{start:%B %Y}"
    if precision == "season":
        season = _SEASONS[start.month]
        year = f"{start.year}/{str(start.year + 1)[-2:]}" if season == "winter" and start.month == 12 else str(start.year)
        return f"{season} {year}"
    if precision == "year":
        return f"{start.year}"
    if pd.isna(end):
        return f"since {start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"


def category_label(value: object) -> str:
    """A vocabulary value as a label: 'central_asian_migrants' -> 'Central Asian migrants'."""
    words = [_PROPER_WORDS.get(w, w) for w in str(value).split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def regions_label(names: object) -> str:
    """'Kherson, Zaporizhzhia' from the multi-valued region_name; NOT_STATED when empty."""
    parts = aggregate.split_values(names)
    return ", ".join(parts) if parts else f"region {NOT_STATED}"


# --------------------------------------------------------------------------------------
# Claims of a party (rule 9)
# --------------------------------------------------------------------------------------


def claims_note(events: pd.DataFrame) -> str:
    """The note under a table or chart whose figures carry CLAIM_MARK; '' when no incident rests on claims."""
    who = aggregate.claimants(events)
    if not who:
        return ""
    return (f"{CLAIM_MARK} Includes figures claimed by a party to the conflict ({'; '.join(who)}); "
            "the report gives the totals with and without them.")


def excluded_note(events: pd.DataFrame) -> str:
    """'Claims of a party to the conflict excluded (3 events).' when ``events`` were cut so; else ''."""
    dropped = aggregate.party_claims_excluded(events)
    if dropped is None:
        return ""
    return f"Figures claimed by a party to the conflict are excluded ({plural(len(dropped), 'event')})."


def _marked(text: str, claimed: float | bool) -> str:
    return text + CLAIM_MARK if claimed else text


def persons_cells(row: pd.Series) -> tuple[str, str, str]:
    """(low, best, high) of one breakdown row: numbers, '+' when open, CLAIM_MARK where claims
    are included, and 'count unknown' with '–' when the row has no count at all (rule 3)."""
    if row["n_incidents"] > 0 and not row["has_count"]:
        return NO_NUMBER, COUNT_UNKNOWN, NO_NUMBER
    high = fmt_num(row["persons_high"]) + ("+" if row["high_open"] else "")
    return (_marked(fmt_num(row["persons_low"]), row.get("persons_low_claimed", 0) > 0),
            _marked(fmt_num(row["persons_best"]), row.get("persons_best_claimed", 0) > 0),
            _marked(high, row.get("persons_high_claimed", 0) > 0))


def _with_note(df: pd.DataFrame, *notes: str) -> pd.DataFrame:
    df.attrs["note"] = " ".join(n for n in notes if n)
    return df


#: The note under every breakdown table: why lows and highs read as they do.
_UNKNOWN_NOTE = (f"'{COUNT_UNKNOWN}' ({NO_NUMBER} for low and high): no source gives a number for any incident of the row; "
                 "such incidents add nothing to the persons totals, which never read them as zero.")


def _has_unknown_rows(table: pd.DataFrame) -> bool:
    return bool(((table["n_incidents"] > 0) & ~table["has_count"]).any()) if len(table) else False


def _persons_columns(table: pd.DataFrame) -> dict[str, list[str]]:
    cells = [persons_cells(r) for _, r in table.iterrows()]
    return {"persons low": [c[0] for c in cells], "persons best": [c[1] for c in cells], "persons high": [c[2] for c in cells]}


# --------------------------------------------------------------------------------------
# Display tables
# --------------------------------------------------------------------------------------


def category_table(table: pd.DataFrame, column: str, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """A by_category/by_region table for display: persons as low / best / high, '+' when open."""
    out = pd.DataFrame({
        column.replace("_", " "): table[column].map(category_label),
        "incidents": table["n_incidents"],
        "of which count unknown": table["n_count_unknown"],
        **_persons_columns(table),
    })
    claimed = events is not None and bool((table["persons_high_claimed"] > 0).any())
    return _with_note(out, _UNKNOWN_NOTE if _has_unknown_rows(table) else "", claims_note(events) if claimed else "",
                      excluded_note(events) if events is not None else "")


def period_table(table: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """A by_period table for display (its 'undated' row included when the table has one)."""
    out = pd.DataFrame({
        "period": table["period"],
        "incidents": table["n_incidents"],
        "of which spanning other periods": table["n_incidents_spanning"],
        "of which count unknown": table["n_count_unknown"],
        **_persons_columns(table),
    })
    claimed = events is not None and bool((table["persons_high_claimed"] > 0).any())
    spread = ("Best estimates of incidents dated only to a span are spread over it by days, so they can be fractional "
              "and add up to the total; a period's low counts only incidents wholly inside it and its high every "
              "incident that may fall in it, so lows add up to less than the total and highs to more.")
    return _with_note(out, spread, _UNKNOWN_NOTE if _has_unknown_rows(table) else "",
                      claims_note(events) if claimed else "", excluded_note(events) if events is not None else "")


def event_list(events: pd.DataFrame) -> pd.DataFrame:
    """Display table of events: id, kind, dates, persons (or 'count unknown'), region, summary.

    Persons of an incident whose figures are claims of a party carry CLAIM_MARK.
    """
    df = events.sort_values(["date_start", "incident_id"], kind="stable", na_position="last")
    persons = []
    for _, r in df.iterrows():
        if r["event_kind"] == aggregate.INCIDENT:
            text = persons_label(r) + (" (may overlap " + r["overlaps_incident_id"] + ")" if pd.notna(r["overlaps_incident_id"]) else "")
        elif r["event_kind"] == aggregate.CONTEXT and pd.notna(r["context_value"]):
            text = f"figure: {r['context_value']:,.0f} {r['context_unit'] or ''}".strip() + " (not victims)"
        else:
            text = "n/a (" + r["event_kind"] + ")"
        persons.append(_marked(text, bool(r["claimed_by_party"]) if pd.notna(r["claimed_by_party"]) else False))
    out = pd.DataFrame({
        "id": df["incident_id"].astype(str),
        "kind": df["event_kind"].astype(str),
        "dates": [date_label(r) for _, r in df.iterrows()],
        "persons (low–high or count unknown)": persons,
        "regions": df["region_name"].fillna("").str.replace(codebook.MULTI_SEP, ", ", regex=False),
        "summary": df["summary"].astype(str),
    }).reset_index(drop=True)
    claimed = df["claimed_by_party"].fillna(False).astype(bool)
    return _with_note(out, claims_note(df) if claimed.any() else "")


def unplaced_table(events: pd.DataFrame) -> pd.DataFrame:
    """Incidents no map, profile or timeline can place (no region, or no start date), listed apart.

    Columns: id, missing ('region', 'start date' or both), dates, persons, regions, summary.
    They are counted in every total; this table is where a reader finds them.
    """
    rows = aggregate.unplaced(events)
    listing = event_list(rows).set_index("id")
    out = pd.DataFrame({
        "id": rows["incident_id"].astype(str).to_numpy(),
        "missing": [m.replace(codebook.MULTI_SEP, " and ") for m in rows["missing"]],
    })
    for col in ("dates", "persons (low–high or count unknown)", "regions", "summary"):
        out[col] = listing.loc[out["id"], col].to_numpy() if len(out) else []
    out["regions"] = out["regions"].replace("", NOT_STATED)
    out = _with_note(out, listing.attrs.get("note", ""))
    out.attrs["empty"] = "Every incident names a region and a start date: each is on the map, in a region profile and on the timeline."
    return out


def _money(value: object, currency: str, high: object = None) -> str:
    if pd.isna(value):
        return ""
    if high is not None and pd.notna(high) and high != value:
        return f"{value:,.0f}–{high:,.0f} {currency}"
    return f"{value:,.0f} {currency}"


def format_amount(row: pd.Series) -> str:
    """'1,500,000 RUB', 'about 300 USD', '2,000–3,000 USD'."""
    q = qualifier_text(row["amount_qualifier"])
    if pd.notna(row.get("amount_high")):
        return f"{q}{row['amount']:,.0f}–{row['amount_high']:,.0f} {row['currency']}"
    return f"{q}{_money(row['amount'], row['currency'])}"


def conversion_basis(row: pd.Series) -> str:
    """How the RUB and USD columns were obtained, with the rate and its date."""
    parts = []
    rate = row.get("rub_per_usd")
    rate_text = f" ({rate:,.4f} RUB/USD on {row['rate_date']:%Y-%m-%d})" if pd.notna(rate) and pd.notna(row.get("rate_date")) else ""
    if pd.notna(row.get("rub_basis")) and row["rub_basis"] != "original":
        parts.append(f"RUB: {_BASIS_TEXT.get(row['rub_basis'], row['rub_basis'])}{rate_text}")
    if pd.notna(row.get("usd_basis")) and row["usd_basis"] != "original":
        parts.append(f"USD: {_BASIS_TEXT.get(row['usd_basis'], row['usd_basis'])}{rate_text if row['usd_basis'] == 'bank_of_russia_rate' else ''}")
    if pd.notna(row.get("stated_usd")):
        parts.append(f"source states {qualifier_text(row.get('stated_usd_qualifier'))}{row['stated_usd']:,.0f} USD")
    return "; ".join(parts) or "original amounts"


def ransom_table(amounts: pd.DataFrame, events: pd.DataFrame, purposes: Iterable[str] | None = None) -> pd.DataFrame:
    """Ransoms and payments: original currency, RUB, USD and the conversion basis (CLAIM_MARK on claimed amounts)."""
    df = aggregate.amounts_with_incidents(amounts, events, purposes)
    claimed = df["claimed_by_party"].fillna(False).astype(bool).to_numpy()
    out = pd.DataFrame({
        "incident": df["incident_id"],
        "purpose": df["purpose"],
        "when": [date_label(r) for _, r in df.iterrows()],
        "region": df["region_name"].fillna(NOT_STATED),
        "amount (original)": [_marked(format_amount(r), c) for (_, r), c in zip(df.iterrows(), claimed)],
        "RUB": [_money(v, "RUB", h) for v, h in zip(df["amount_rub"], df["amount_rub_high"])],
        "USD": [_money(v, "USD", h) for v, h in zip(df["amount_usd"], df["amount_usd_high"])],
        "conversion basis": [conversion_basis(r) for _, r in df.iterrows()],
    })
    return _with_note(out, claims_note(events[events["incident_id"].isin(df.loc[claimed, "incident_id"])]) if claimed.any() else "",
                      excluded_note(events))


def key_figures_table(figures: dict) -> pd.DataFrame:
    """The key figures (``aggregate.key_figures``) as a two-column table for the report."""
    def bounds(stem: str, suffix: str = "") -> str:
        return bounds_label(figures[f"{stem}_low{suffix}"], figures[f"{stem}_best{suffix}"], figures[f"{stem}_high{suffix}"],
                            figures.get(f"{stem}_high_open{suffix}", False))

    rows = [
        ("Incidents", f"{figures['n_incidents']:,}"),
        ("Persons affected (low / best / high)", bounds("persons")),
        ("Incidents with count unknown (not in the persons totals)", f"{figures['n_incidents_count_unknown']:,}"),
        ("Incidents whose figures are claims of a party to the conflict", f"{figures['n_incidents_claimed_by_party']:,}")
        if not figures.get("n_events_claims_excluded") else
        ("Events whose figures are claims of a party to the conflict", f"excluded from every figure ({figures['n_events_claims_excluded']:,})"),
    ]
    if figures["n_incidents_claimed_by_party"]:
        rows += [
            ("of which persons (low / best / high)", bounds_label(figures["persons_low_claimed"], figures["persons_best_claimed"],
                                                                   figures["persons_high_claimed"])),
            ("Persons affected without those claims (low / best / high)", bounds("persons", "_without_claims")),
        ]
    rows += [
        ("Persons reported sent to war (low / best / high)",
         bounds("sent_to_war") if figures["n_incidents_sent_to_war"] else COUNT_UNKNOWN),
        ("Persons reported killed (low / high)",
         f"{figures['killed_low']:,} / {figures['killed_high']:,}" if figures["killed_high"] else "none reported"),
        ("Incidents that may overlap another (high total only)", f"{figures['n_incidents_overlapping']:,}"),
        ("Incidents naming several regions without a split", f"{figures['n_incidents_multi_region']:,}"),
        ("Incidents without a region / without a start date (listed apart)",
         f"{figures['n_incidents_no_region']:,} / {figures['n_incidents_undated']:,}"),
        ("Incidents resting on a single source", f"{figures['n_incidents_single_source']:,}"),
        ("Practices (patterns without a count, not in the totals)", f"{figures['n_practices']:,}"),
        ("Context figures (not victims)", f"{figures['n_context']:,}"),
        ("Regions with incidents", f"{figures['n_regions']:,}"),
        ("Incidents with a ransom demanded", f"{figures['n_ransoms']:,}"),
        ("Sources", f"{figures['n_sources']:,}"),
        ("Period covered by incidents", f"{figures['period_start'] or 'n/a'} to {figures['period_end'] or 'n/a'}"),
        ("Data cut-off (publication of the latest source)", figures["data_cutoff"] or "n/a"),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def region_summary_table(events: pd.DataFrame, region_code: str, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Two-column summary of one region: name, occupation status, incidents, persons (rule 6), practices, context, dates."""
    f = aggregate.region_figures(events, region_code)
    name, status = region_code, f["occupation_status"] or ""
    if regions is not None and (regions["iso_3166_2"] == region_code).any():
        r = regions[regions["iso_3166_2"] == region_code].iloc[0]
        name, status = str(r["name_en"]), str(r["occupation_status"])
    elif f["region_name"]:
        name = f["region_name"]
    if f["n_incidents"] and not f["has_count"]:
        persons = f"{COUNT_UNKNOWN} ({plural(f['n_count_unknown'], 'incident')})"
    else:
        persons = bounds_label(f["persons_low"], f["persons_best"], f["persons_high"], f["high_open"])
    rows = [
        ("Region", f"{name} ({region_code})"),
        ("Occupation status", status.replace("_", " ") or "n/a"),
        ("Incidents", f"{f['n_incidents']:,}"),
        ("of which shared with other regions (counted in full in each)", f"{f['n_incidents_shared']:,}"),
        ("of which count unknown (not in the persons totals)", f"{f['n_count_unknown']:,}"),
        ("of which claims of a party to the conflict", f"{f['n_incidents_claimed']:,}"),
        ("Persons affected (low / best / high)", persons),
        ("Practices reported (not counted as victims)", f"{f['n_practices']:,}"),
        ("Context figures (not victims)", f"{f['n_context']:,}"),
        ("Incidents dated between",
         "n/a" if f["date_first"] is None else f"{f['date_first']:%Y-%m-%d} and {f['date_last']:%Y-%m-%d}"),
    ]
    notes = []
    if f["n_incidents_shared"]:
        notes.append("A shared incident is counted with all its persons in each region it names: the regions' "
                     "figures do not add up to the national total.")
    if f["n_incidents_claimed"]:
        here = aggregate.incidents_only(aggregate.in_region(events, region_code))
        ids = here.loc[here["claimed_by_party"].fillna(False).astype(bool), "incident_id"]
        notes.append(f"Incidents whose figures are claims of a party: {', '.join(ids)} ({'; '.join(aggregate.claimants(here))}).")
    return _with_note(pd.DataFrame(rows, columns=["figure", "value"]), *notes, excluded_note(events))
