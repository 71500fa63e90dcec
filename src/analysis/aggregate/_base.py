"""Shared counting machinery: multi-valued cells, per-incident bounds (rules 2-4, 10), claims (rule 9).

The rules are stated in the package docstring (``analysis.aggregate``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import codebook
from analysis.columnar import positions_in

INCIDENT = "incident"
PRACTICE = "practice"
CONTEXT = "context"

#: Name of the DataFrame attribute ``without_party_claims`` sets (read by ``party_claims_excluded``).
_EXCLUDED_ATTR = "party_claims_excluded"

#: The per-row sums every breakdown carries (see ``_sums``).
SUM_COLUMNS = ["n_incidents", "n_count_unknown", "persons_low", "persons_best", "persons_high", "high_open", "has_count",
               "n_incidents_claimed", "persons_low_claimed", "persons_best_claimed", "persons_high_claimed"]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def split_values(value: object) -> list[str]:
    """The values of a multi-valued cell ('UA-65|UA-23' -> ['UA-65', 'UA-23']); [] when empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return []
    return [v for v in str(value).split(codebook.MULTI_SEP) if v]


def of_kind(events: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind not in codebook.VOCABULARIES["event_kind"]:
        raise ValueError(f"unknown event_kind {kind!r}; accepted: {codebook.allowed_text('event_kind')}")
    return events[events["event_kind"] == kind].copy()


def incidents_only(events: pd.DataFrame) -> pd.DataFrame:
    """The rows of the incidents table that are incidents (not practices or context figures)."""
    return of_kind(events, INCIDENT)


def _incident_rows(events: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Some columns of the incident rows, without copying the other columns (``incidents_only`` copies all)."""
    return events.loc[events["event_kind"] == INCIDENT, columns]


def _split_cells(values: pd.Series) -> tuple[np.ndarray, pd.DataFrame]:
    """``split_values`` for a whole column, done once per distinct cell.

    Returns ``cell``, each row's number of its distinct cell (-1 where the cell is empty),
    and the parts of the distinct cells as a frame with columns cell, pos (position among
    the cell's non-empty parts) and value. Multi-valued columns repeat few distinct cells
    ('RU-CE', 'UA-65|UA-23'), so the string work scales with those, not with the rows.
    """
    cell, distinct = pd.factorize(values, use_na_sentinel=True)
    parts = pd.Series(np.asarray(distinct, dtype=object)).astype(str).str.split(codebook.MULTI_SEP, regex=False).explode()
    parts = parts[parts.notna() & (parts != "")]
    long = pd.DataFrame({"cell": parts.index.to_numpy(dtype=np.int64), "value": parts.to_numpy(dtype=object)})
    long["pos"] = long.groupby("cell").cumcount().to_numpy()
    return cell, long


def _split_rows(values: pd.Series) -> pd.DataFrame:
    """``split_values`` of each row, as a frame with columns row (position), pos and value."""
    cell, long = _split_cells(values)
    rows = pd.DataFrame({"row": np.arange(len(cell), dtype=np.int64), "cell": cell})
    return rows.merge(long, on="cell").sort_values(["row", "pos"], kind="stable")[["row", "pos", "value"]].reset_index(drop=True)


def _combos(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct combinations of the frame's columns (missing values included).

    Returns each row's combination, numbered in order of first appearance, and the
    position of each combination's first row.
    """
    combo = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        codes, distinct = pd.factorize(frame[column], use_na_sentinel=True)
        combo, _ = pd.factorize(combo * (len(distinct) + 1) + (codes + 1))
    return combo, np.unique(combo, return_index=True)[1]


def _names(values: pd.Series, value: str) -> np.ndarray:
    """Per row, whether the multi-valued cell names ``value`` (``value in split_values(cell)``)."""
    cell, long = _split_cells(values)
    hit = np.zeros(int(cell.max()) + 2 if len(cell) else 1, dtype=bool)  # the last slot: empty cells (-1)
    hit[long.loc[long["value"] == value, "cell"].to_numpy()] = True
    return hit[cell]


def _n_values(values: pd.Series) -> np.ndarray:
    """Per row, how many values the multi-valued cell names (``len(split_values(cell))``)."""
    cell, long = _split_cells(values)
    counts = np.bincount(long["cell"].to_numpy(), minlength=int(cell.max()) + 2 if len(cell) else 1)
    counts[-1] = 0  # the last slot: empty cells (-1)
    return counts[cell]


def _sums(key: np.ndarray, n_keys: int, bounds: pd.DataFrame) -> pd.DataFrame:
    """Per key (0 .. n_keys-1) the columns of SUM_COLUMNS.

    Persons are whole numbers, so their float sums are exact in any order and equal the
    row-by-row sums of ``_summarise``.
    """
    def total(weights):
        return np.bincount(key, weights=np.asarray(weights, dtype=float), minlength=n_keys)

    claimed = bounds["claimed"].to_numpy(dtype=bool)
    n = np.bincount(key, minlength=n_keys).astype("int64")
    unknown = total(bounds["count_unknown"]).round().astype("int64")
    return pd.DataFrame({
        "n_incidents": n,
        "n_count_unknown": unknown,
        "persons_low": total(bounds["low"]),
        "persons_best": total(bounds["best"]),
        "persons_high": total(bounds["high"]),
        "high_open": total(bounds["high_open"]) > 0,
        # Rule 3: a row of unknown counts only has no persons total to print.
        "has_count": n > unknown,
        "n_incidents_claimed": total(claimed).round().astype("int64"),
        "persons_low_claimed": total(np.where(claimed, bounds["low"], 0.0)),
        "persons_best_claimed": total(np.where(claimed, bounds["best"], 0.0)),
        "persons_high_claimed": total(np.where(claimed, bounds["high"], 0.0)),
    })


def _as_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Integer persons where they are whole numbers (period bests can be fractional), int and bool flags."""
    for col in df.columns:
        if col.startswith("persons_"):
            values = df[col].astype(float)
            df[col] = values.round().astype("int64") if np.allclose(values, values.round()) else values
        elif col.startswith("n_"):
            df[col] = df[col].astype("int64")
        elif col in ("high_open", "has_count"):
            df[col] = df[col].astype(bool)
    return df


# --------------------------------------------------------------------------------------
# Per-incident bounds (rules 2-4, 9, 10)
# --------------------------------------------------------------------------------------


def _first_number(*candidates: np.ndarray) -> np.ndarray:
    """Element-wise the first candidate that is not NaN, else 0."""
    out = candidates[0]
    for other in candidates[1:]:
        out = np.where(np.isnan(out), other, out)
    return np.where(np.isnan(out), 0.0, out)


def _overlap_targets(inc: pd.DataFrame) -> np.ndarray:
    """Per incident row, the row of the incident it overlaps when that one is in the same
    table, else -1 (rule 4: an overlap with an incident left out of a view links nothing)."""
    return positions_in(inc["overlaps_incident_id"], inc["incident_id"])


def _overlapping(inc: pd.DataFrame) -> np.ndarray:
    """Per incident row, whether it overlaps an incident that is in the same table (rule 4)."""
    return _overlap_targets(inc) >= 0


def _overlap_groups(targets: np.ndarray) -> np.ndarray:
    """Per incident row, the number of its overlap group, from each row's overlap target
    (``_overlap_targets``): incidents linked either way, through any chain, within the table.

    A group is numbered by its first row; an incident that overlaps nothing and that
    nothing overlaps is a group of its own. Only the linked rows are walked."""
    group = np.arange(len(targets))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    linked = np.flatnonzero(targets >= 0)
    for i in linked:
        a, b = root(i), root(targets[i])
        if a != b:
            group[max(a, b)] = min(a, b)
    for i in np.unique(np.concatenate([linked, targets[linked]])):
        group[i] = root(i)
    return group


def _count_shared_once(inc: pd.DataFrame, low: np.ndarray, best: np.ndarray,
                       targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rule 4 within each overlap group: the group's low and best are those of its member with
    the largest low (best), carried by that member alone; its high is every member's high.

    One group's victims may all be the largest member's, so its minimum is that member's
    and never less; nobody is counted twice in it, nor left out of its maximum. Ties go
    to the incident the others overlap (it has no overlap of its own in the table), then
    to the first incident id, so the carrier is the same in every table holding the group.
    """
    group = _overlap_groups(targets)
    shared = np.flatnonzero(np.bincount(group, minlength=len(group))[group] > 1)
    members = pd.DataFrame({"group": group[shared], "own": targets[shared] < 0,
                            "id": inc["incident_id"].to_numpy(dtype=object)[shared]})

    def carried(values: np.ndarray) -> np.ndarray:
        ranked = members.assign(value=values[shared]).sort_values(["group", "value", "own", "id"],
                                                                  ascending=[True, False, False, True], kind="stable")
        out = values.copy()
        out[shared[ranked.index[ranked["group"].duplicated()]]] = 0.0
        return out

    return carried(low), carried(best)


def _claimed(inc: pd.DataFrame) -> np.ndarray:
    return inc["claimed_by_party"].fillna(False).to_numpy(dtype=bool) if "claimed_by_party" in inc else np.zeros(len(inc), bool)


def person_bounds(events: pd.DataFrame, *, apply_overlap: bool = True, stem: str = "persons") -> pd.DataFrame:
    """Per incident: low, best, high as used in totals, with the flags that qualify them.

    Columns: incident_id, low, best, high (floats, 0 where the incident adds nothing),
    count_unknown, high_open, overlaps, claimed. Rows of practices and context figures are
    dropped. With ``apply_overlap=False`` an overlapping incident keeps its own low and
    best (for views where the incident it overlaps is not counted alongside it).
    ``stem='sent_to_war'`` gives the bounds of the persons sent to war (rule 10).
    """
    columns = ["incident_id", f"{stem}_low", f"{stem}_best", f"{stem}_high", "persons_qualifier", "overlaps_incident_id"]
    inc = _incident_rows(events, [*columns, *(["claimed_by_party"] if "claimed_by_party" in events else [])])
    low_src, best_src, high_src = (inc[f"{stem}_{b}"].to_numpy(dtype=float, na_value=np.nan) for b in ("low", "best", "high"))
    no_number = np.isnan(low_src) & np.isnan(best_src) & np.isnan(high_src)
    if stem == "persons":
        count_unknown = ((inc["persons_qualifier"] == "unknown").to_numpy(dtype=bool)) | no_number
        high_open = np.isnan(high_src) & (inc["persons_qualifier"] == "at_least").to_numpy(dtype=bool) & ~count_unknown
    else:  # the other counts carry no qualifier: a minimum without a maximum is open (rule 10)
        count_unknown = no_number
        high_open = ~np.isnan(low_src) & np.isnan(high_src)
    # 'about 300' enters every bound at 300; an 'up to' figure gives no minimum (rule 2).
    low = _first_number(low_src, best_src)
    best = _first_number(best_src, low_src, high_src)
    high = _first_number(high_src, best_src, low_src)
    targets = _overlap_targets(inc)
    overlaps = targets >= 0
    low, best = np.where(count_unknown, 0.0, low), np.where(count_unknown, 0.0, best)
    if apply_overlap and overlaps.any():
        # Incidents that may share victims count them once: upper bound in full (rule 4).
        low, best = _count_shared_once(inc, low, best, targets)
    return pd.DataFrame(
        {
            "incident_id": inc["incident_id"],
            "low": low,
            "best": best,
            "high": np.where(count_unknown, 0.0, high),
            "count_unknown": count_unknown,
            "high_open": high_open,
            "overlaps": overlaps,
            "claimed": _claimed(inc),
        },
        index=inc.index,
    )


def _summarise(bounds: pd.DataFrame) -> dict:
    row = _sums(np.zeros(len(bounds), dtype=np.int64), 1, bounds).iloc[0]
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def totals(events: pd.DataFrame, *, stem: str = "persons") -> dict:
    """Overall totals of incidents: the columns of SUM_COLUMNS, persons as whole numbers.

    ``stem='sent_to_war'`` totals the persons sent to war instead (rule 10).
    """
    s = _summarise(person_bounds(events, stem=stem))
    return {k: (int(round(v)) if k.startswith("persons_") else v) for k, v in s.items()}


# --------------------------------------------------------------------------------------
# Claims of a party (rule 9)
# --------------------------------------------------------------------------------------


def without_party_claims(events: pd.DataFrame) -> pd.DataFrame:
    """The rows whose figures are not claims of a party to the conflict (any event kind).

    The result remembers what was dropped (``party_claims_excluded``), so a chart drawn
    from it can say so. Amounts of dropped incidents go with ``amounts_without_party_claims``.
    """
    claimed = events["claimed_by_party"].fillna(False).to_numpy(dtype=bool)
    out = events[~claimed].copy()
    out.attrs[_EXCLUDED_ATTR] = sorted(events.loc[claimed, "incident_id"].astype(str))
    return out


def party_claims_excluded(events: pd.DataFrame) -> list[str] | None:
    """The ids ``without_party_claims`` dropped to make ``events``; None when it made no such cut."""
    return events.attrs.get(_EXCLUDED_ATTR)


def amounts_without_party_claims(amounts: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The amounts of the incidents that are still in ``events``."""
    return amounts[amounts["incident_id"].isin(events["incident_id"])].copy()


def claimants(events: pd.DataFrame) -> list[str]:
    """Who made the claims that incidents rest on, sorted."""
    inc = _incident_rows(events, ["claimed_by_party", "claimant"])
    return sorted(set(inc.loc[inc["claimed_by_party"].fillna(False).astype(bool), "claimant"].dropna().astype(str)))
