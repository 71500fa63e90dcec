"""The persons affected by an incident include those sent to fight and those killed.

Sources count the subgroups more precisely than the whole at times ("several members of
the community were arrested ... four men were sent to Ukraine"). The rule, applied to
each incident once its reports are combined:

- a subgroup's firm minimum (``sent_to_war_low``, ``killed_low``) is a minimum of the
  persons too: a lower bound or best estimate below it is raised to it, and an incident
  without a count of persons gets it as an 'at least' count; ``persons_raised_to_fit``
  names the subgroup, so the change is published with its reason;
- a persons' maximum below a subgroup's firm minimum cannot be true: refused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ...codebook import MULTI_SEP
from ...columnar import as_text
from ...problems import Problem
from .context import Assembly

_SUBGROUPS = ("sent_to_war", "killed")


def fit_subgroups(incidents: pd.DataFrame, a: Assembly) -> pd.DataFrame:
    """The incidents table with persons raised to fit their subgroups (refusing what cannot fit)."""
    lows = pd.DataFrame({s: incidents[f"{s}_low"].astype("Float64") for s in _SUBGROUPS})
    sub_low = lows.max(axis=1, skipna=True)
    which = lows.fillna(-1).idxmax(axis=1).where(sub_low.notna())
    low, best, high = (incidents[f"persons_{b}"] for b in ("low", "best", "high"))
    impossible = (high < sub_low).fillna(False).to_numpy(dtype=bool)
    for i in np.flatnonzero(impossible):
        _refuse(a, incidents.iloc[i], which.iat[i])
    unknown = (low.isna() & best.isna() & high.isna() & sub_low.notna()).to_numpy(dtype=bool)
    raise_low = (low < sub_low).fillna(False).to_numpy(dtype=bool)
    raise_best = (best < sub_low).fillna(False).to_numpy(dtype=bool)
    raised = (unknown | raise_low | raise_best) & ~impossible
    out = incidents.copy()
    target = sub_low.round().astype("Int64")
    out.loc[raised & (raise_low | unknown), "persons_low"] = target[raised & (raise_low | unknown)]
    out.loc[raised & (raise_best | unknown), "persons_best"] = target[raised & (raise_best | unknown)]
    out.loc[raised & unknown, "persons_qualifier"] = "at_least"
    out["persons_raised_to_fit"] = pd.Series(pd.NA, index=out.index, dtype="string").mask(raised, which.astype("string"))
    return out


def _refuse(a: Assembly, row: pd.Series, subgroup: str) -> None:
    """A persons' maximum below a subgroup's minimum: named on the incident's canonical record."""
    canonical = row["record_ids"].split(MULTI_SEP)[0]
    i = pc.index_in(as_text([canonical]), value_set=a.ids_arrow)[0].as_py()
    p = int(a.parsed[i])
    a.problems.append(Problem(a.recs["_file"].iat[p], f"at most {row['persons_high']} persons, but at least "
                              f"{row[f'{subgroup}_low']} of them {'were sent to fight' if subgroup == 'sent_to_war' else 'were killed'}",
                              line=int(a.lines[p]), record=canonical, field="persons",
                              value=f"persons up to {row['persons_high']}; {subgroup} at least {row[f'{subgroup}_low']}",
                              accepted="counts where the persons affected include those sent to fight and those killed"))
