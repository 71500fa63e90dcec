"""Counting rules: persons as low/best/high, by region, period and category, with and without claims.

This package counts; it writes no label. Display strings (persons as 'about 300', dates
as 'autumn 2024', the tables a report prints) live in :mod:`analysis.display`, which
reads the tables made here.

Its modules: ``_base`` (multi-valued cells, per-incident bounds, claims), ``breakdowns``
(categories, regions), ``periods`` (periods, the data's cut-off, incidents a chart cannot
place), ``flows`` and ``summary`` (amounts, key figures). Every public name is imported
here: analysts write ``aggregate.by_region(events)``.

Counting rules (each is applied in one function, next to a one-line reason):

1. **Only incidents count as victims.** Practices (patterns without a count of their own)
   and context figures (proposals, populations, totals reported by a source) are kept in
   their own tables and never added to persons totals.
2. **Per incident, the three bounds** come from the codebook's count fields:
   ``low = persons_low``, else ``persons_best`` ('about 300' enters every bound at 300),
   else 0 (an 'up to 50' figure gives no minimum);
   ``best = persons_best``, else ``persons_low``, else ``persons_high`` (the only number
   an 'up to' source gives);
   ``high = persons_high``, else ``persons_best``, else ``persons_low``. An 'at least'
   figure has no upper bound: its incident is flagged ``high_open`` and totals that
   include it are shown as '419+' rather than as a finite maximum.
3. **Unknown counts.** An incident whose source gives no number is counted as an incident
   (``n_count_unknown``) and shown as "count unknown"; it adds nothing to persons totals,
   which are therefore totals *of the incidents with a count*, never zero persons for it.
   A row whose incidents all have unknown counts has no persons total at all
   (``has_count`` is False): it is shown as "count unknown", never as 0.
4. **Overlaps.** An incident with ``overlaps_incident_id`` may describe some of the same
   people as another incident. Incidents linked that way (through any chain, within the
   table counted) form an overlap group whose victims are counted once: the group's low
   and best are those of its member with the largest low (best), carried by that member
   alone, and its high adds every member's high. So a total's low is never below the
   largest single incident's low, and never above the sum of all lows. Ties go to the
   incident the others overlap. In a table without the other incident (claims of a party
   excluded, one victim group selected) nobody is counted twice, and the incident counts
   in full. Flow arrows apply the rule per arrow (rule 8). (Until this version the
   overlapping incident always gave up its low and best, so a larger incident overlapping
   a smaller one dropped out of the lower total; no number of the seed data changes.)
5. **Date spans across periods** (``by_period``). An incident is placed over its whole
   span [date_start, date_end]. ``persons_low`` of a period counts only incidents whose
   whole span lies in the period (they certainly happened then); ``persons_high`` counts
   every incident whose span touches the period (they may have happened then);
   ``persons_best`` is spread over the span in proportion to days (a uniform date), so
   best totals of all periods add up to the overall best total, while lows add up to
   less and highs to more: date uncertainty widens the range instead of being hidden.
   ``n_incidents`` counts incidents touching the period, ``n_incidents_spanning`` those
   of them that also touch another period. The kind of each bound
   (``date_start_bound``, ``date_end_bound``) decides how an open span is counted: an
   ``ongoing`` or ``open`` end ('since March') ends on the first report (nothing reported
   can have happened after it was reported); an ``or_earlier`` start and an ``or_later``
   end are counted as given (the incident was under way on those days, so the periods
   between them certainly saw it); a ``no_later_than`` end is the span's last day; an
   incident whose start is open ('before February 2023': no ``date_start``) is 'undated':
   it is never spread back over years no source names, but kept out of the periods and,
   with ``include_undated``, given a row of its own, so the best column always adds up to
   the overall best. No period starts after the data's cut-off
   (rule 11): nothing can be known of it yet, so it gets no row rather than a row of 0.
6. **Several regions without a split** (``by_region``). An incident that names several
   regions is never divided between them: it is counted, with all its persons (low,
   best and high alike, as in the national totals), in each region it names, and
   flagged (``n_incidents_shared``). Region totals therefore do not add up to the
   national total; national totals are computed from incidents (``totals``,
   ``key_figures``), never by adding regions. ``region_groups`` gives each set of
   regions named together once, so a chart can show a shared figure once.
   (Until this version ``persons_low`` of a region counted only incidents located in
   that region alone, a rule the national totals do not use: on the seed data the low
   of Kherson and of Zaporizhzhia was 0 and is now 300, the about-300 incident both
   name.)
7. **Categories** (victim group, coercion method, perpetrator) are not exclusive: an
   incident with two coercion methods counts in both, so category totals can exceed the
   overall total.
8. **Flows** (``flow_edges``, ``flows``): an arrow counts the persons who made that
   journey. A leg to a destination counts the persons the incident sent there: its
   ``sent_to_war`` figures when the source gives them (of six men detained, three sent
   to the front), else all its persons (thirty drafted and assigned to a unit in
   Crimea; relatives expelled). A leg from an origin counts all the incident's persons
   (they came from there). An arrow shows each incident's own figures; the overlap rule
   applies between incidents on the same arrow. (Until this version destination legs
   counted all persons, so on the seed data Chechnya -> Ukraine drew 9+ persons,
   detained, where the sources say 7 were sent; it now draws 7.)
9. **Claims of a party to the conflict.** An incident whose figures are claims
   (``claimed_by_party``) is counted like any other; every table says how much of it
   rests on claims (``n_incidents_claimed`` and ``persons_*_claimed``), and
   ``without_party_claims`` drops every row (incident, practice or context figure) whose
   figures are claims, for totals and whole reports without them.
10. **Sent to war and killed** follow rule 2 on their own fields (``sent_to_war_low``,
    ``_best``, ``_high``; ``killed_low``, ``killed_high``) and rule 4 for overlaps. A
    ``sent_to_war`` minimum without a maximum has no upper bound.
11. **The data's cut-off** is the publication date of the latest source, taken to the
    end of its precision (a source dated only 'April 2025' may report events to 30
    April). It is the end of what the data can say, not the date of the build.
"""

from __future__ import annotations

from analysis.aggregate._base import (
    CONTEXT, INCIDENT, PRACTICE, SUM_COLUMNS, amounts_without_party_claims, claimants, incidents_only, of_kind,
    party_claims_excluded, person_bounds, split_values, totals, without_party_claims,
)
from analysis.aggregate.breakdowns import (
    REGION_NOT_STATED, by_category, by_coercion, by_perpetrator, by_region, by_victim_group, in_region, region_figures,
    region_groups, regions_with_events, regions_with_incidents, selected_group,
)
from analysis.aggregate.flows import flow_edges, flows
from analysis.aggregate.periods import (
    FREQUENCIES, NO_REGION, NO_START_DATE, UNDATED, allocate_periods, by_period, data_cutoff, in_date_range,
    incident_spans, period_label, undated, unplaced,
)
from analysis.aggregate.summary import amounts_with_incidents, key_figures

__all__ = [
    "CONTEXT", "FREQUENCIES", "INCIDENT", "NO_REGION", "NO_START_DATE", "PRACTICE", "REGION_NOT_STATED", "SUM_COLUMNS",
    "UNDATED", "allocate_periods", "amounts_with_incidents", "amounts_without_party_claims", "by_category", "by_coercion",
    "by_perpetrator", "by_period", "by_region", "by_victim_group", "claimants", "data_cutoff", "flow_edges", "flows",
    "in_date_range", "in_region", "incident_spans", "incidents_only", "key_figures", "of_kind", "party_claims_excluded",
    "period_label", "person_bounds", "region_figures", "region_groups", "regions_with_events", "regions_with_incidents",
    "selected_group", "split_values", "totals", "undated", "unplaced", "without_party_claims",
]
