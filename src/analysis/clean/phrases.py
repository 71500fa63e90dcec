"""The phrase keys of the coded records (date, place, origin, destination, counts, figure)
and their money amounts: queued quotes, then each distinct phrase read once.

A phrase is the source's own words; ``value`` is the coder's reading where judgement was
needed and is read instead; ``quote`` (the phrase itself when absent) must occur in the
archived text. The readings of the dates, places and counts may come from the helper
process while this one looks for the quotes (see ``helper``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..codebook import PHRASE_KEYS, VOCABULARIES
from ..columnar import among, as_text, distinct, pick
from .readings import read_money, request_readings

#: Head-counts a record may carry (the persons affected, and how many of them were sent or killed).
COUNT_FIELDS = ("persons", "sent_to_war", "killed")
PLACE_FIELDS = ("place", "origin", "destination")


@dataclass
class Pending:
    """The readings of one phrase key to come: its rows, each row's distinct phrase, and the readings."""

    rows: np.ndarray
    codes: np.ndarray
    result: object  # a function giving the readings of the distinct phrases
    valued: list  # (row, phrase, value, publication) of the rows whose text is a coder's value, to check once read


def request_phrase_readings(c, norm, helper) -> dict[str, Pending]:
    """Check each phrase key of the coded records, queue its quotes and ask for its readings."""
    publications, publication = _publications(c)
    pending = {}
    for key in PHRASE_KEYS:
        rows, text, is_value = _phrase_rows(c, key)
        text = pd.Series(text, dtype="str")
        if key == "date":
            # A date reads against its source's publication date: one code per distinct (date, publication).
            d = distinct(text, publication[rows])
            codes, first = d.codes, d.first
            items = [(t, *publications[p]) for t, p in zip(pick(text, first), publication[rows[first]])]
        elif key in PLACE_FIELDS:
            d = distinct(text, is_value)
            codes, first = d.codes, d.first
            items = list(zip(pick(text, first), is_value[first].tolist()))
        else:
            is_context = c.is_context[rows]
            d = distinct(text, is_value, is_context)
            codes, first = d.codes, d.first
            items = [(t, v, key == "figure", ctx) for t, v, ctx in
                     zip(pick(text, first), is_value[first].tolist(), is_context[first].tolist())]
        kind = "date" if key == "date" else "place" if key in PLACE_FIELDS else "count"
        valued = np.flatnonzero(is_value)
        pending[key] = Pending(rows, codes, request_readings(kind, items, norm, helper, c.today),
                               list(zip(valued.tolist(), pick(c.recs[f"{key}_phrase"], rows[valued]), pick(text, valued),
                                        [publications[i] if i >= 0 else (None, None) for i in publication[rows[valued]]])))
    return pending


def _publications(c) -> tuple[list, np.ndarray]:
    """The distinct (publication date, precision) of the sources, and each record's among them (-1: none)."""
    publications = list(dict.fromkeys(c.source_dates.values()))
    index = {v: i for i, v in enumerate(publications)}
    of_source = np.array([index[v] for v in c.source_dates.values()] + [-1], dtype=np.int64)
    source_index = pc.index_in(as_text(c.recs["source"]), value_set=as_text(list(c.source_dates)))
    return publications, of_source[source_index.fill_null(-1).to_numpy(zero_copy_only=False)]


def _phrase_rows(c, key: str) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """The coded records with a phrase for ``key``, the text to read (the coder's value, else the
    phrase) and whether it is a coder's value. Quotes are queued; counts on records that are
    not incidents are refused."""
    recs, found = c.recs, c.found
    given = c.coded & c.has(f"{key}_phrase")
    orphan = c.coded & ~given & (c.has(f"{key}_value") | c.has(f"{key}_quote"))
    found.add(key, orphan, key, "a value or quote without the source's phrase", accepted="phrase: the words the source uses")
    rows = np.flatnonzero(given)
    phrase, value, quote = (as_text(recs[f"{key}_{sub}"]).take(rows) for sub in ("phrase", "value", "quote"))
    # A plain phrase is its own quote; a phrase with a quote of its own must occur in it.
    c.quotes.add(key, rows, key, pc.coalesce(quote, phrase),
                 phrase=pc.if_else(quote.is_valid(), phrase, pa.scalar(None, pa.large_string())), coder_value=value, sub=1)
    text = pc.coalesce(value, phrase)  # the coder's reading where there is one
    is_value = value.is_valid().to_numpy(zero_copy_only=False)
    if key in COUNT_FIELDS:
        # Practices have no count of their own and context figures are never victims.
        not_incident = among(c.kind.iloc[rows], ("practice", "context"))
        found.add(key, rows[not_incident], key, [f"only incidents carry counts of persons, not a {k} record"
                                                 for k in pick(c.kind, rows[not_incident])],
                  value=pick(text, np.flatnonzero(not_incident)),
                  accepted="leave it out; a context record states its number in 'figure'", sub=3)
        rows, text, is_value = rows[~not_incident], text.filter(~not_incident), is_value[~not_incident]
    return rows, text, is_value


def collect_readings(c, pending: dict[str, Pending], norm) -> dict[str, tuple[np.ndarray, list]]:
    """field -> (code of each record's reading or -1, the readings); refused phrases are problems,
    and so are coders' values that read well but contradict their phrase."""
    readings = {}
    for key, p in pending.items():
        results = p.result()
        failed = np.array([r[0] is not None for r in results] + [False], dtype=bool)[p.codes]
        if key == "date" or key in COUNT_FIELDS or key == "figure":
            check_value_against_phrase(c, key, [(p.rows[i], *rest) for i, *rest in p.valued if not failed[i]], norm)
        c.found.add(key, p.rows[failed], key, [results[k][0][0] for k in p.codes[failed]],
                    value=[results[k][0][2] for k in p.codes[failed]], accepted=[results[k][0][1] for k in p.codes[failed]], sub=3)
        code_of = np.full(len(c.recs), -1, dtype=np.int32)
        code_of[p.rows] = p.codes
        readings[key] = (code_of, [r[1] for r in results])
    return readings


def check_money(c, norm) -> list[tuple[int, str, object]]:
    """The amounts of the coded records, each phrase read once: (record, purpose, Money) of each good one."""
    money = c.raw.money
    m_pos = money["_index"].to_numpy()
    m_coded = c.coded[m_pos]
    m_sub = pd.Series(np.arange(len(money)) * 10)
    m_phrase = money["phrase"]
    no_phrase = m_coded & ~m_phrase.notna().to_numpy()
    c.found.add("money", no_phrase, "money", "an amount without its phrase", line=money["_line"], pos=money["_index"], sub=m_sub,
                accepted="an amount with a currency such as '1.5 million rubles (over $17,000)', '$2,000', '500 EUR'")
    m_given = m_coded & ~no_phrase
    purpose = money["purpose"].fillna("payment")
    c.found.add("money", m_given & ~among(purpose, VOCABULARIES["purpose"]), "money.purpose", "not an allowed purpose",
                value=purpose, line=money["_line"], pos=money["_index"], sub=m_sub + 1,
                accepted=", ".join(VOCABULARIES["purpose"]))
    m_rows = np.flatnonzero(m_given)
    phrase, quote = as_text(m_phrase).take(m_rows), as_text(money["quote"]).take(m_rows)
    c.quotes.add("money", m_pos[m_rows], pa.array([f"money[{i}]" for i in money["index"].to_numpy()[m_rows]], pa.large_string()),
                 pc.coalesce(quote, phrase), phrase=pc.if_else(quote.is_valid(), phrase, pa.scalar(None, pa.large_string())),
                 line=money["_line"].to_numpy()[m_rows], sub=m_sub.to_numpy()[m_rows] + 2)
    d = distinct(m_phrase.iloc[m_rows])
    results = [read_money(norm, p) for p in pick(m_phrase, m_rows[d.first])]
    readings = _in_their_currency([results[k] for k in d.codes], norm, m_pos[m_rows], m_phrase.iloc[m_rows], money["quote"].iloc[m_rows])
    failed = np.array([r[0] is not None for r in readings], dtype=bool)
    c.found.add("money", m_rows[failed], "money", [r[0][0] for r in readings if r[0]], value=[r[0][2] for r in readings if r[0]],
                accepted=[r[0][1] for r in readings if r[0]], line=money["_line"], pos=money["_index"], sub=m_sub + 4)
    return [(int(m_pos[r]), p, reading[1]) for r, p, reading in
            zip(m_rows[~failed], pick(purpose, m_rows[~failed]), (r for r in readings if r[0] is None))]


def _in_their_currency(readings: list, norm, records: np.ndarray, phrases: pd.Series, quotes: pd.Series) -> list:
    """The readings of the amounts, those that name no currency read in their record's currency:
    the one currency the record's other amounts, or the amount's own quote, name
    ("400–450 тысяч" where the quote says рублей). With none or several, they stay refused."""
    unnamed = [i for i, r in enumerate(readings) if r[1] is None and r[0][0].startswith("cannot read an amount")]
    if not unnamed:
        return readings
    named: dict[int, set] = {}
    for p, r in zip(records.tolist(), readings):
        if r[1] is not None and r[1].currency_stated:
            named.setdefault(p, set()).add(r[1].currency)
    out = list(readings)
    for i, phrase, quote in zip(unnamed, pick(phrases, unnamed), pick(quotes, unnamed)):
        currencies = set(named.get(int(records[i]), set()))
        quoted = norm.money(quote)[0] if quote else None
        if quoted is not None and quoted.currency_stated:
            currencies.add(quoted.currency)
        if len(currencies) == 1:
            out[i] = read_money(norm, phrase, currencies.pop())
    return out


_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def check_value_against_phrase(c, key: str, valued: list, norm) -> None:
    """A coder's value resolves what its phrase leaves open; it may not contradict what the phrase
    says: a count outside the phrase's own reading, a date outside the years the phrase names.
    ``valued`` holds (record, phrase, value, publication) of the values that read well."""
    for p, phrase, value, (pub, _) in valued:
        why = _date_contradiction(norm, phrase, value, pub) if key == "date" else _count_contradiction(norm, phrase, value)
        if why:
            c.found.add(key, [p], key, f"the value contradicts its phrase {phrase!r}, {why}", value=value, sub=4,
                        line=c.found.line(int(p), f"{key}_value", key),
                        accepted="a value that resolves what the phrase leaves open (a year, a region, a number it implies), "
                        "not another reading; correct the phrase or the value")


def _count_contradiction(norm, phrase: str, value: str) -> str | None:
    said, meant = norm.count(phrase)[0], norm.count(value)[0]
    if said is None or meant is None:
        return None
    (a, b), (x, y) = _interval(said), _interval(meant)
    return None if max(a, x) <= min(b, y) else f"which reads {_shown(a, b)}, not {_shown(x, y)}"


def _interval(count) -> tuple[float, float]:
    low = count.low if count.low is not None else count.best if count.best is not None else 0
    high = count.high if count.high is not None else count.best if count.qualifier == "approximately" else float("inf")
    return low, high


def _shown(a: float, b: float) -> str:
    def n(x):
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,}"
    return n(a) if a == b else f"at least {n(a)}" if b == float("inf") else f"{n(a)}-{n(b)}"


def _date_contradiction(norm, phrase: str, value: str, publication) -> str | None:
    years = sorted({int(y) for y in _YEAR.findall(phrase)})
    span = norm.date(value, publication)[0] if years else None
    if span is None or span.start is None:
        return None
    last = span.end.year if span.end is not None else 9999
    outside = [y for y in years if not span.start.year <= y <= last]
    return f"which names {', '.join(map(str, outside))}, outside the value's dates" if outside else None
