"""The overlap graph: which incidents' victims may include another's.

An incident's ``overlaps`` names one incident whose victims may include its own; totals
then count the shared persons once (see the counting rules of ``analysis.aggregate``).
The counting is only sound on a graph without cycles (A may be among B and B among A
says nothing) and without an incident overlapping itself once its reports are merged,
so the graph is checked here, after the merges, where both show.
"""

from __future__ import annotations

import numpy as np

from ...columnar import pick
from ...problems import Problem
from ..checks.identity import record_number
from .context import Assembly
from .merges import Grouping

_ACCEPTED = "overlaps naming another incident, with no chain of overlaps leading back to the incident itself"


def check_overlap_graph(a: Assembly, g: Grouping) -> dict[str, str]:
    """The incident each incident overlaps (refusing self-overlaps, two different targets in one
    merged incident, and cycles)."""
    recs = a.recs
    rows = np.flatnonzero(recs["overlaps"].iloc[a.parsed].notna().to_numpy())  # among the coded records
    refs = pick(recs["overlaps"], a.parsed[rows])
    sources = pick(g.incident_ids, rows)
    targets = g.incident_of(refs).to_pylist()
    edges: dict[str, tuple[str, int]] = {}  # incident -> (the incident it overlaps, the record saying so)
    for i, (inc, target, ref) in enumerate(zip(sources, targets, refs)):
        p = int(a.parsed[rows[i]])
        if target == inc:
            _problem(a, p, f"overlaps {ref}, a report of its own incident {inc}", ref)
        elif inc in edges and edges[inc][0] != target:
            first = int(a.parsed[edges[inc][1]])
            newer = max(p, first, key=lambda q: record_number(recs["record_id"].iat[q]))  # the report that caused it
            _problem(a, newer,
                     f"the reports of {inc} name different incidents they may overlap ({edges[inc][0]} and {target}); "
                     "an incident overlaps one other", ref)
        else:
            edges.setdefault(inc, (target, rows[i]))
    for cycle in _cycles({inc: t for inc, (t, _) in edges.items()}):
        p = int(a.parsed[edges[cycle[0]][1]])
        _problem(a, p, "overlaps form a cycle: " + " → ".join([*cycle, cycle[0]]) + " (each may include the next)",
                 recs["overlaps"].iat[p])
    return {inc: t for inc, (t, _) in edges.items()}


def _cycles(edges: dict[str, str]) -> list[list[str]]:
    """The cycles of a graph where each node points to at most one other, each once, from its smallest node."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []
    for start in sorted(edges):
        path, node = [], start
        while node in edges and node not in state:
            state[node] = 1
            path.append(node)
            node = edges[node]
        if state.get(node) == 1:
            cycle = path[path.index(node):]
            k = cycle.index(min(cycle))
            cycles.append(cycle[k:] + cycle[:k])
        for n in path:
            state[n] = 2
    return cycles


def _problem(a: Assembly, p: int, message: str, value) -> None:
    a.problems.append(Problem(a.recs["_file"].iat[p], message, line=int(a.lines[p]), record=a.recs["record_id"].iat[p],
                              field="overlaps", value=value, accepted=_ACCEPTED))
