"""The summary of findings: the report's opening, written from the data at build time.

The summary is the first thing a reader sees (the ``abstract`` of the report, above the
contents in the HTML and on page one of the PDF). Each paragraph is a :class:`Finding`:
a sentence template filled with numbers counted by :mod:`analysis.aggregate`, labels of
:mod:`analysis.display` and the coders' own summaries, citing the sources it rests on by
id and outlet, each linked to its entry in the sources appendix (``#src-<source_id>``).

What it says is chosen by the data, so that it reads as well with 13 incidents as with
10,000:

- the largest incidents are the TOP_INCIDENTS with the highest best estimate, and one
  that makes up DOMINANT_SHARE or more of the total is said to;
- incidents are named by id while there are at most LIST_AT_MOST of them, else counted
  and the largest named;
- a finding cites at most CITE_AT_MOST sources by name (those behind most of its
  incidents) and counts the rest;
- ransoms are listed one by one up to LIST_AT_MOST amounts, else summarised by their
  range and median in US dollars;
- kinds of abuse in incidents without recruitment are all named up to KINDS_AT_MOST, else
  the TOP_KINDS most frequent and the rest counted;
- a number a source does not give is never written as 0: "no source gives a number".

:func:`findings` returns the findings (with the numbers each states, for the tests);
:func:`summary_markdown` the Markdown the build writes into the report's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import aggregate, codebook, display
from analysis.markdown import escape

#: Incidents named as the largest.
TOP_INCIDENTS = 3
#: Incidents (or amounts) named one by one up to this many; beyond, counted.
LIST_AT_MOST = 5
#: Sources cited by name in one finding; the rest are counted.
CITE_AT_MOST = 3
#: Kinds of abuse named in the breakdown of incidents without recruitment.
TOP_KINDS = 8
#: Kinds of abuse all named while there are at most this many (the vocabulary bounds them).
KINDS_AT_MOST = 15
#: Share of the best total from which the largest incident is said to dominate it.
DOMINANT_SHARE = 0.5
#: Coercion methods that are recruitment itself: people pressed into armed service. An
#: incident with one of them, or with a number of persons sent to war, is an incident of
#: recruitment; every other incident (detention, expulsion, seizure of property, abuse)
#: is counted as an incident too, and the summary says how many such incidents there are.
RECRUITMENT = ("forced_enlistment", "illegal_mobilisation", "prison_recruitment")
#: The anchor of a source's entry in the sources appendix.
SOURCE_ANCHOR = "src-{}"
#: Where the sources appendix and the table of incidents no chart can place are.
SOURCES_SECTION = "#sec-sources"
UNPLACED_TABLE = "#tbl-unplaced"

_unknown = codebook.check_vocabulary("coercion", list(RECRUITMENT))
if _unknown:
    raise ValueError(f"RECRUITMENT names {', '.join(_unknown)}, not in the coercion vocabulary: {codebook.allowed_text('coercion')}")


@dataclass
class Finding:
    """One paragraph of the summary: a bold lead, Markdown text, the numbers it states and
    the sources it cites."""

    key: str
    lead: str
    text: str
    numbers: dict = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        return f"**{self.lead}** {self.text}"


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


def n_text(n: int, word: str, words: str | None = None) -> str:
    """'1 incident', '1,234 incidents'."""
    return display.plural(int(n), word, words)


def ids_text(ids: list[str], total: int | None = None) -> str:
    """'INC-001, INC-002 and INC-003'; with more than LIST_AT_MOST, the first few and a count."""
    ids = [escape(i) for i in ids]
    total = len(ids) if total is None else total
    if total > LIST_AT_MOST:
        return f"{', '.join(ids[:TOP_INCIDENTS])} and {total - TOP_INCIDENTS:,} more"
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]}"


def bounds_text(low: float, best: float, high: float, high_open: bool, noun: str = "person") -> str:
    """'7 persons', or '318 persons by the best estimate (at least 318, at most 353)'."""
    best_text = n_text(best, noun)
    if low == best == high and not high_open:
        return best_text
    top = "with no upper bound, as some sources give only a minimum" if high_open else f"at most {display.fmt_int(high)}"
    return f"{best_text} by the best estimate (at least {display.fmt_int(low)}, {top})"


def month_text(value) -> str:
    return "an unknown date" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%B %Y")


def share_text(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "none"


# --------------------------------------------------------------------------------------
# Citations
# --------------------------------------------------------------------------------------


def source_anchor(source_id: str) -> str:
    """The id of a source's entry in the sources appendix: 'src-' and the source id."""
    return SOURCE_ANCHOR.format(source_id)


def cite(incidents: pd.DataFrame, sources: pd.DataFrame, *, inline: bool = False) -> tuple[str, list[str]]:
    """The sources of ``incidents``, most used first, at most CITE_AT_MOST of them by name
    ('Outlet, [id](#src-id)', the rest counted), as a sentence (' Source: ...') or, with
    ``inline``, in parentheses (' (source: ...)'); and the ids cited."""
    ids = pd.Series([s for cell in incidents["source_ids"] for s in aggregate.split_values(cell)], dtype=object)
    if ids.empty:
        return "", []
    order = ids.value_counts().rename_axis("source_id").reset_index(name="n").sort_values(["n", "source_id"], ascending=[False, True])
    outlets = sources.set_index("source_id")["outlet"] if len(sources) else pd.Series(dtype=object)
    named = order["source_id"].head(CITE_AT_MOST).tolist()
    parts = [f"{escape(outlets.get(s, 'unknown outlet'))}, [{escape(s)}](#{source_anchor(s)})" for s in named]
    rest = len(order) - len(named)
    if rest:
        parts.append(f"and [{n_text(rest, 'more source')}]({SOURCES_SECTION})")
    word = "source" if len(order) == 1 else "sources"
    if inline:
        return f" ({word}: {'; '.join(parts)})", named
    return f" {word.capitalize()}: {'; '.join(parts)}.", named


# --------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------


def _incidents(events: pd.DataFrame) -> pd.DataFrame:
    return aggregate.incidents_only(events)


def is_recruitment(incidents: pd.DataFrame) -> np.ndarray:
    """Per incident, whether it is recruitment itself (RECRUITMENT, or persons sent to war)."""
    named = np.zeros(len(incidents), dtype=bool)
    for method in RECRUITMENT:
        named |= np.array([method in aggregate.split_values(c) for c in incidents["coercion"]], dtype=bool)
    sent = incidents[["sent_to_war_low", "sent_to_war_best", "sent_to_war_high"]].notna().any(axis=1).to_numpy()
    return named | sent


def excluded_finding(events: pd.DataFrame) -> Finding | None:
    """When the report leaves claims of a party out: say so first, and name what went."""
    dropped = aggregate.party_claims_excluded(events)
    if dropped is None:
        return None
    text = (f"Every figure of this edition, in this summary, the tables and the charts, leaves out the "
            f"{n_text(len(dropped), 'event')} whose figures are claims of a party to the conflict "
            f"({ids_text(dropped)}). The full edition of the report gives them, marked as claims.")
    return Finding("excluded", "Without the claims of parties to the conflict.", text, {"n_events_claims_excluded": len(dropped)})


def happened_finding(events: pd.DataFrame, sources: pd.DataFrame, figures: dict) -> Finding:
    """What happened: incidents, when, persons affected, sent to war and killed (rules 2-4 and 10)."""
    f = figures
    inc = _incidents(events)
    spans = aggregate.incident_spans(inc)
    when = (f"between {month_text(spans['start'].min())} and {month_text(spans['end'].max())}"
            if spans["start"].notna().any() else "at dates the sources do not give")
    text = f"[{n_text(len(sources), 'source')}]({SOURCES_SECTION}) describe {n_text(f['n_incidents'], 'incident')}, dated {when}."
    n_known = f["n_incidents"] - f["n_incidents_count_unknown"]
    if n_known:
        text += (f" The {n_text(n_known, 'incident')} whose sources give a number concern "
                 f"{bounds_text(f['persons_low'], f['persons_best'], f['persons_high'], f['persons_high_open'])}.")
    elif f["n_incidents"]:
        text += " No source gives a number of persons for any of them."
    sent = aggregate.person_bounds(events, stem="sent_to_war", apply_overlap=False)
    sent = sent[~sent["count_unknown"]]
    if len(sent):
        items = [f"{escape(i)}: {_own_bounds(r)}" for i, r in zip(sent["incident_id"], sent.itertuples())]
        where = f" ({'; '.join(items)})" if len(items) <= LIST_AT_MOST else f" in {n_text(len(items), 'incident')}"
        text += (f" The sources say {bounds_text(f['sent_to_war_low'], f['sent_to_war_best'], f['sent_to_war_high'], f['sent_to_war_high_open'])} "
                 f"were sent to war{where}.")
    else:
        text += " No source gives a number of persons sent to war."
    killed = inc[inc["killed_low"].fillna(0).gt(0) | inc["killed_high"].fillna(0).gt(0)]
    if len(killed):
        low, high = f["killed_low"], f["killed_high"]
        count = n_text(high, "person") if low == high else f"between {display.fmt_int(low)} and {n_text(high, 'person')}"
        verb = "was" if low == high == 1 else "were"
        text += f" {count[0].upper() + count[1:]} {verb} reported killed ({ids_text(killed['incident_id'].tolist())})."
    else:
        text += " No source reports anyone killed."
    citation, cited = cite(inc[inc["incident_id"].isin(sent["incident_id"]) | inc["incident_id"].isin(killed["incident_id"])], sources)
    numbers = {k: f[k] for k in ("n_incidents", "n_sources", "persons_low", "persons_best", "persons_high", "sent_to_war_low",
                                 "sent_to_war_best", "sent_to_war_high", "killed_low", "killed_high")}
    return Finding("happened", "What happened.", text + citation, numbers, cited)


def _kinds_text(table: pd.DataFrame, at_most: int) -> str:
    """'detention (2), expulsion (1)' from a by_coercion table, at most ``at_most`` named."""
    table = table.sort_values(["n_incidents", "coercion"], ascending=[False, True], kind="stable")
    shown = table.head(at_most)
    text = ", ".join(f"{display.category_label(r.coercion).lower()} ({r.n_incidents:,})" for r in shown.itertuples())
    more = len(table) - len(shown)
    return text + (f" and {more:,} other kinds" if more else "")


def scope_finding(events: pd.DataFrame, sources: pd.DataFrame, figures: dict) -> Finding:
    """What each count covers: recruitment itself and the abuses with no recruitment in them,
    unknown counts, practices and context figures, overlaps, shared regions."""
    f = figures
    inc = _incidents(events)
    recruit = is_recruitment(inc)
    n, n_recruit = len(inc), int(recruit.sum())
    text = f"The count of {n_text(n, 'incident')} is not a count of recruitment alone."
    kinds: dict = {}
    if n_recruit:
        methods = aggregate.by_coercion(events[events["incident_id"].isin(inc.loc[recruit, "incident_id"])])
        named = methods[methods["coercion"].isin(RECRUITMENT)]
        text += f" {_is_are(n_recruit)} recruitment itself" + (f": {_kinds_text(named, len(RECRUITMENT))}" if len(named) else "") + "."
    else:
        text += " None of them is recruitment itself."
    others = inc.loc[~recruit]
    if len(others):
        table = aggregate.by_coercion(events[events["incident_id"].isin(others["incident_id"])])
        kinds = dict(zip(table["coercion"], table["n_incidents"].astype(int)))
        at_most = len(table) if len(table) <= KINDS_AT_MOST else TOP_KINDS
        text += (f" The other {n_text(len(others), 'incident')} involve no recruitment, and count all the same: "
                 f"{_kinds_text(table, at_most)} (an incident can involve several).")
    if f["n_incidents_count_unknown"]:
        text += (f" For {n_text(f['n_incidents_count_unknown'], 'incident')} the sources give no number of persons: they count as "
                 "incidents and add nothing to the totals of persons, which never read them as zero.")
    if f["n_incidents_overlapping"]:
        text += (f" {n_text(f['n_incidents_overlapping'], 'incident')} may describe some of the same people as another and add "
                 "to the high total only.")
    if f["n_incidents_multi_region"]:
        text += (f" {n_text(f['n_incidents_multi_region'], 'incident')} {'names' if f['n_incidents_multi_region'] == 1 else 'name'} "
                 "several regions without a split and count in full in each, so the regions add up to more than the totals.")
    text += (f" Practices described without a count ({f['n_practices']:,}) and context figures ({f['n_context']:,}) are kept "
             "apart and never counted as victims.")
    numbers = {"n_incidents": n, "n_recruitment": n_recruit, "n_other": n - n_recruit, "kinds": kinds,
               **{k: f[k] for k in ("n_incidents_count_unknown", "n_incidents_overlapping", "n_incidents_multi_region",
                                    "n_practices", "n_context")}}
    return Finding("scope", "What each count covers.", text, numbers)


def _is_are(n: int) -> str:
    return f"{n:,} of them {'is' if n == 1 else 'are'}"


def _own_bounds(row) -> str:
    low, best, high = (display.fmt_int(v) for v in (row.low, row.best, row.high))
    if row.high_open:
        return f"at least {low}"
    return best if low == best == high else f"{low}–{high}"


def largest_finding(events: pd.DataFrame, sources: pd.DataFrame, figures: dict) -> Finding | None:
    """The largest incidents by their own best estimate, each with its source."""
    inc = _incidents(events)
    own = aggregate.person_bounds(events, apply_overlap=False)
    own = own[~own["count_unknown"]].sort_values(["best", "incident_id"], ascending=[False, True], kind="stable")
    top = own.head(TOP_INCIDENTS)
    if top.empty:
        return None
    rows = inc.set_index("incident_id").loc[top["incident_id"]]
    items, cited = [], []
    for incident_id, row in rows.iterrows():
        citation, named = cite(row.to_frame().T, sources)
        cited += named
        claim = f"; a claim of {escape(row['claimant'] or 'a party to the conflict')}" if bool(row["claimed_by_party"]) else ""
        items.append(f"- {escape(incident_id)} ({escape(display.regions_label(row['region_name']))}, "
                     f"{escape(display.date_label(row))}): {escape(display.persons_label(row))}"
                     f"{escape(display.CLAIM_MARK) if claim else ''} persons{claim}. {escape(row['summary'])}{citation}")
    largest = top.iloc[0]
    total = figures["persons_best"]
    lead_text = f"The {'largest incident' if len(top) == 1 else f'{len(top)} largest incidents'} by the best estimate:"
    if total and largest["best"] / total >= DOMINANT_SHARE and len(own) > 1:
        lead_text = (f"One incident, {escape(largest['incident_id'])}, makes up {display.fmt_int(largest['best'])} of the "
                     f"{display.fmt_int(total)} persons of the best estimate ({share_text(largest['best'], total)}). " + lead_text)
    text = lead_text + "\n\n" + "\n".join(items)
    return Finding("largest", "The largest incidents.", text,
                   {"incident_ids": top["incident_id"].tolist(), "best": top["best"].astype(int).tolist()}, cited)


def ransom_finding(events: pd.DataFrame, sources: pd.DataFrame, amounts: pd.DataFrame) -> Finding | None:
    """Ransoms demanded: each amount while there are few, else their range and median."""
    money = aggregate.amounts_with_incidents(amounts, events)
    if money.empty:
        return None
    ransoms = money[money["purpose"] == "ransom"]
    inc = _incidents(events)
    citation, cited = cite(inc[inc["incident_id"].isin(ransoms["incident_id"])], sources)
    numbers: dict = {"n_ransoms": len(ransoms)}
    if ransoms.empty:
        text = "No ransom amount is recorded."
    elif len(ransoms) <= LIST_AT_MOST:
        parts = [_amount_text(r) for _, r in ransoms.iterrows()]
        text = f"{n_text(len(ransoms), 'ransom amount')} {'is' if len(ransoms) == 1 else 'are'} recorded: {'; '.join(parts)}."
        numbers["amounts"] = ransoms["amount"].tolist()
    else:
        usd = ransoms["amount_usd"].dropna()
        top = ransoms.loc[ransoms["amount_usd"].idxmax()] if len(usd) else ransoms.iloc[0]
        text = (f"{n_text(len(ransoms), 'ransom amount')} are recorded in {n_text(ransoms['incident_id'].nunique(), 'incident')}"
                + (f", from {display.fmt_int(usd.min())} to {display.fmt_int(usd.max())} USD (median {display.fmt_int(usd.median())} USD)"
                   f" at the Bank of Russia's rate; the largest in {escape(top['incident_id'])}" if len(usd) else "") + ".")
        numbers.update(usd_min=float(usd.min()), usd_max=float(usd.max()), usd_median=float(usd.median()))
    others = money[money["purpose"] != "ransom"]["purpose"].value_counts().sort_index()
    if len(others):
        text += " Other payments recorded: " + ", ".join(f"{escape(p)} ({n:,})" for p, n in others.items()) + "."
    return Finding("ransoms", "Ransoms.", text + citation, numbers, cited)


def _amount_text(row: pd.Series) -> str:
    text = escape(display.format_amount(row))
    extra = []
    if pd.notna(row.get("amount_usd")) and row.get("usd_basis") == "bank_of_russia_rate":
        extra.append(f"{display.fmt_int(row['amount_usd'])} USD at the Bank of Russia's rate")
    if pd.notna(row.get("stated_usd")):
        extra.append(f"the source itself says {display.qualifier_text(row.get('stated_usd_qualifier'))}{display.fmt_int(row['stated_usd'])} USD")
    where = f"{escape(row['incident_id'])}, {escape(display.regions_label(row['region_name']))}, {escape(display.date_label(row))}"
    return f"{text}{' (' + '; '.join(extra) + ')' if extra else ''}, demanded in {where}"


def claims_finding(events: pd.DataFrame, sources: pd.DataFrame, figures: dict) -> Finding | None:
    """Which incidents rest on claims of a party, whose, and the totals with and without them."""
    if aggregate.party_claims_excluded(events) is not None:
        return None
    f = figures
    inc = _incidents(events)
    claimed = inc[inc["claimed_by_party"].fillna(False).astype(bool)]
    if claimed.empty:
        return Finding("claims", "Claims of parties to the conflict.",
                       "No figure in the data is a claim of a party to the conflict.", {"n_incidents_claimed_by_party": 0})
    own = aggregate.person_bounds(claimed, apply_overlap=False).sort_values(["best", "incident_id"], ascending=[False, True])
    citation, cited = cite(claimed, sources, inline=True)
    who = "; ".join(escape(c) for c in aggregate.claimants(events))
    text = (f"The figures of {n_text(len(claimed), 'incident')} ({ids_text(own['incident_id'].tolist())}) are claims of a party "
            f"to the conflict: {who}{citation}. They account for {display.fmt_int(f['persons_best_claimed'])} of the "
            f"{display.fmt_int(f['persons_best'])} persons of the best estimate ({share_text(f['persons_best_claimed'], f['persons_best'])}; "
            f"low {display.fmt_int(f['persons_low_claimed'])} of {display.fmt_int(f['persons_low'])}, "
            f"high {display.fmt_int(f['persons_high_claimed'])} of {display.fmt_int(f['persons_high'])}). "
            f"Without them the data hold {n_text(f['n_incidents_without_claims'], 'incident')} and "
            f"{bounds_text(f['persons_low_without_claims'], f['persons_best_without_claims'], f['persons_high_without_claims'], f['persons_high_open_without_claims'])}. "
            f"Tables and charts mark figures that rest on such claims with {escape(display.CLAIM_MARK)}.")
    numbers = {k: f[k] for k in ("n_incidents_claimed_by_party", "persons_low_claimed", "persons_best_claimed", "persons_high_claimed",
                                 "n_incidents_without_claims", "persons_low_without_claims", "persons_best_without_claims",
                                 "persons_high_without_claims")}
    return Finding("claims", "Claims of parties to the conflict.", text, numbers, cited)


def firmness_finding(events: pd.DataFrame, sources: pd.DataFrame, figures: dict) -> Finding:
    """How firm the data are: single sources, the data's cut-off, incidents no chart can place."""
    from analysis.release.snapshot import data_cutoff

    f = figures
    n, single = f["n_incidents"], f["n_incidents_single_source"]
    if n and single == n:
        text = f"{'The only incident rests' if n == 1 else f'All {n:,} incidents rest'} on a single source; none is confirmed by a second outlet."
    elif single:
        text = f"{single:,} of the {n_text(n, 'incident')} ({share_text(single, n)}) rest on a single source."
    else:
        text = "Every incident is reported by more than one source." if n else ""
    cutoff = data_cutoff(sources)
    latest = sources.loc[pd.to_datetime(sources["published_date"]) == pd.Timestamp(cutoff.date)] if cutoff.date else sources.iloc[0:0]
    latest_ids = sorted(latest["source_id"].astype(str))
    latest_text = ", ".join(f"[{escape(s)}](#{source_anchor(s)})" for s in latest_ids[:CITE_AT_MOST])
    text += (f" The data end with the latest source, published in {cutoff.text()}{f' ({latest_text})' if latest_text else ''}: "
             "that is their cut-off, whatever the date of this report, and nothing after it can be in them.")
    unplaced = aggregate.unplaced(events)
    if len(unplaced):
        it = "it" if len(unplaced) == 1 else "them"
        text += (f" {_unplaced_text(unplaced)}: no map, profile or timeline can place {it}, so "
                 f"[a table lists {it} apart]({UNPLACED_TABLE}); {'it counts' if len(unplaced) == 1 else 'they count'} in every total.")
    text += (" These are the incidents the sources describe, not an estimate of how often coercion happens: "
             "places, groups and periods with few reports may simply be less covered.")
    numbers = {"n_incidents_single_source": single, "data_cutoff": cutoff.text(), "n_unplaced": len(unplaced)}
    return Finding("firmness", "How firm the data are.", text, numbers, latest_ids[:CITE_AT_MOST])


def _unplaced_text(unplaced: pd.DataFrame) -> str:
    """'INC-047 has no region and no start date', or the incidents with what each lacks, or a count."""
    def lacks(missing: str) -> str:
        return " and ".join(f"no {m}" for m in missing.split(codebook.MULTI_SEP))

    if len(unplaced) == 1:
        row = unplaced.iloc[0]
        return f"{escape(row['incident_id'])} has {lacks(row['missing'])}"
    if len(unplaced) <= LIST_AT_MOST:
        return ", ".join(f"{escape(r.incident_id)} ({lacks(r.missing)})" for r in unplaced.itertuples()) + " cannot be placed"
    return f"{n_text(len(unplaced), 'incident')} have no region or no start date"


def findings(events: pd.DataFrame, sources: pd.DataFrame, amounts: pd.DataFrame) -> list[Finding]:
    """The summary's findings, in the order they are printed."""
    figures = aggregate.key_figures(events, sources, amounts)
    found = [
        excluded_finding(events),
        happened_finding(events, sources, figures),
        largest_finding(events, sources, figures),
        claims_finding(events, sources, figures),
        ransom_finding(events, sources, amounts),
        scope_finding(events, sources, figures),
        firmness_finding(events, sources, figures),
    ]
    return [f for f in found if f is not None]


def summary_markdown(events: pd.DataFrame, sources: pd.DataFrame, amounts: pd.DataFrame) -> str:
    """The summary as Markdown paragraphs (the report's ``abstract``)."""
    return "\n\n".join(f.markdown() for f in findings(events, sources, amounts)) + "\n"
