"""The restricted values of the records, and the coder-written text that may not name them.

Every value any record lists under ``victim_names`` or ``identifying_details`` (whatever
the record's status) goes into one redactor, which the publication gate runs over every
text cell of every published table. Before that, the text a coder writes is checked here,
where a problem can name its file and line:

- a summary is the coder's own words: naming a restricted value is refused;
- a phrase or value that names one is published with it withheld when it reads the same
  without it (the date, place, count or amount the build takes from it); when withholding
  would change what it says, it is refused: the published evidence would not support
  the published figure;
- the field names of evidence quotes are published as identifiers: naming one is refused;
- a value too short to withhold safely (no word of three letters) is refused.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from ...codebook import PHRASE_KEYS
from ...columnar import as_text
from ...redact import MIN_LETTERS, Redactor, listings, too_short

#: What a coder can do about a phrase or value that cannot be withheld.
ACCEPTED_PHRASE = ("a phrase that does not name it, with your reading in 'value' (the quote may name it: "
                   "it is withheld there)")
ACCEPTED_VALUE = "a value that reads the same without the restricted name or detail (e.g. the region, not the village)"


def collect_restricted_values(c) -> None:
    """The redactor of every restricted value of every record read (a value too short to withhold is refused)."""
    found, where = listings(c.raw)
    short = [i for i, x in enumerate(found) if too_short(x.value)]
    c.found.add("control", np.array([where[i] for i in short], dtype=np.int64), [found[i].key for i in short],
                f"too short to withhold safely (it needs a word of {MIN_LETTERS} letters or more): it would withhold a common "
                "word wherever it stands", line=[found[i].line for i in short],
                accepted="the full name, or a longer description of the detail", sub=[100 + i for i in range(len(short))])
    c.redactor = Redactor(found)


def check_summary(c) -> None:
    """A summary is the coder's own words: it may not name a restricted value of any record."""
    rows = np.flatnonzero(c.coded & c.has("summary"))
    for p, hits in named(c.redactor, c.recs["summary"], rows).items():
        c.found.add("summary", [p], "summary", f"the summary names a restricted name or detail ({_where(c, hits)})",
                    value=_shown(c, c.recs["summary"].iloc[p], hits),
                    accepted="a summary without the names and details listed in victim_names / identifying_details")


def check_phrases(c) -> None:
    """A phrase or value naming a restricted value must read the same with it withheld."""
    if not c.redactor:
        return
    for key in PHRASE_KEYS:
        rows = np.flatnonzero(c.coded & c.has(f"{key}_phrase"))
        values = c.recs[f"{key}_value"]
        has_value = values.iloc[rows].notna().to_numpy()
        checked = [(p, values.iloc[p], True, hits) for p, hits in named(c.redactor, values, rows[has_value]).items()]
        checked += [(p, c.recs[f"{key}_phrase"].iloc[p], False, hits)
                    for p, hits in named(c.redactor, c.recs[f"{key}_phrase"], rows[~has_value]).items()]
        for p, text, is_value, hits in checked:
            if _reads_the_same(c, key, p, text, is_value, hits):
                continue
            what = "value" if is_value else "phrase"
            c.found.add(key, [p], key, f"the {what} names a restricted name or detail ({_where(c, hits)}); withheld, it would "
                        f"no longer read the same, so the published evidence would not support the {key}",
                        value=_shown(c, text, hits), line=c.found.line(p, f"{key}_{what}", key),
                        accepted=ACCEPTED_VALUE if is_value else ACCEPTED_PHRASE, sub=20 + is_value)
    _check_money(c)


def _check_money(c) -> None:
    money = c.raw.money
    m_rows = np.flatnonzero(c.coded[money["_index"].to_numpy()] & money["phrase"].notna().to_numpy())
    for i, hits in named(c.redactor, money["phrase"], m_rows).items():
        phrase = money["phrase"].iloc[i]
        if _reads_the_same(c, "money", None, phrase, False, hits):
            continue
        c.found.add("money", [i], "money", f"the amount's phrase names a restricted name or detail ({_where(c, hits)}); "
                    "withheld, it would no longer read the same", value=_shown(c, phrase, hits), line=money["_line"],
                    pos=money["_index"], accepted="a phrase of the amount alone (the quote may name it)", sub=20 + 10 * i)


def check_evidence_fields(c) -> None:
    """The field an evidence quote supports is published as part of an identifier: it may not name one."""
    ev = c.raw.evidence
    rows = np.flatnonzero(c.coded[ev["_index"].to_numpy()])
    for i, hits in named(c.redactor, ev["field"], rows).items():
        c.found.add("evidence", [i], "evidence", f"the name of an evidence field names a restricted name or detail "
                    f"({_where(c, hits)})", value=_shown(c, ev["field"].iloc[i], hits), line=ev["_line"], pos=ev["_index"],
                    accepted="a field name such as coercion or coercion.threats", sub=5 + 10 * i)


def named(redactor: Redactor, column: pd.Series, rows: np.ndarray) -> dict[int, list]:
    """The rows (of ``rows``) whose text names a restricted value, with its hits."""
    if not redactor or not len(rows):
        return {}
    texts = as_text(column.iloc[rows])
    found = redactor.find(texts)
    return {int(rows[i]): hits for i, hits in found.items()}


def _where(c, hits) -> str:
    return "; ".join(x.where() for x in c.redactor.where(hits))


def _shown(c, text: str, hits) -> str:
    """What a problem shows of the text: the text with the restricted words withheld. The listing's
    file and line say which value it is; build logs need not hold the names."""
    return c.redactor.redact(text, hits)


def _reads_the_same(c, key: str, p: int | None, text: str, is_value: bool, hits) -> bool:
    """Whether ``text`` reads as the same date, place, count or amount with the hits withheld."""
    withheld = c.redactor.redact(text, hits)
    return _reading(c, key, p, text, is_value) == _reading(c, key, p, withheld, is_value)


def _reading(c, key: str, p: int | None, text: str, is_value: bool):
    """A phrase's reading, comparable: (the problem's message, the value); a place without its locality,
    which is published empty when it is restricted."""
    from .. import readings
    from ..phrases import PLACE_FIELDS

    norm = c.norm or _normalisers()
    if key == "money":
        problem, value = readings.read_money(norm, text)
    elif key == "date":
        pub_date, pub_precision = c.source_dates.get(c.recs["source"].iloc[p], (None, "unknown"))
        problem, value = readings.read_date(norm, text, pub_date, pub_precision, c.today)
    elif key in PLACE_FIELDS:
        problem, places = readings.read_place(norm, text, is_value)
        value = tuple((x.code, x.country, x.occupation_status) for x in places or ())
    else:
        problem, value = readings.read_count(norm, text, is_value, key == "figure", bool(c.is_context[p]))
    return (problem[:2] if problem else None), value


@functools.lru_cache(maxsize=1)
def _normalisers():
    """Normalisers for the few phrases that name a restricted value (their caches are per text)."""
    from ..readings import Normalisers

    return Normalisers()
