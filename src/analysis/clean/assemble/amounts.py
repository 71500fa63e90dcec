"""The amounts table: each amount in its original currency, in roubles and in US dollars.

Conversions use the Bank of Russia's official rate on the middle day of the incident's
date span (or on its first report when it has no date). The source's own dollar figure
is kept beside the conversion, and used when no official rate applies.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd


class AmountRows:
    """The rows of the amounts table, added incident by incident."""

    def __init__(self, amounts: list[tuple[int, str, object]], rates: dict):
        self.rates = rates
        self.of_record: dict[int, list] = {}  # record position -> its (purpose, Money)
        for p, purpose, money in amounts:
            self.of_record.setdefault(p, []).append((purpose, money))
        self.rows: list[dict] = []
        self.equivalents: list[dict] = []

    def add(self, iid: str, record_amounts: list, incident: dict) -> None:
        """The amounts of one incident (``incident`` gives its dates and first report)."""
        seen = set()
        for purpose, money in record_amounts:
            key = (purpose, money.amount, money.amount_high, money.currency, money.per)
            if key in seen:
                continue  # the same amount reported by two sources is one amount
            seen.add(key)
            row = convert(iid, len(seen), purpose, money, incident, self.rates)
            self.rows.append(row)
            self.equivalents += [{"amount_id": row["amount_id"], "seq": k, "currency": e.currency, "amount": float(e.amount),
                                  "amount_high": None if e.amount_high is None else float(e.amount_high), "qualifier": e.qualifier}
                                 for k, e in enumerate(money.equivalents, start=1)]

    def table(self) -> pd.DataFrame:
        table = pd.DataFrame(self.rows)
        self.rows.clear()
        return table

    def equivalents_table(self) -> pd.DataFrame:
        table = pd.DataFrame(self.equivalents, columns=["amount_id", "seq", "currency", "amount", "amount_high", "qualifier"])
        self.equivalents.clear()
        return table


def mid_date(start: dt.date | None, end: dt.date | None) -> dt.date | None:
    if start and end:
        return start + (end - start) // 2
    return start or end


def convert(iid, seq, purpose, money, incident, rates) -> dict:
    """Keep the original amount, the source's own dollar figure, and convert at the official rate."""
    rate_date = mid_date(incident["date_start"], incident["date_end"])
    if rate_date is None:
        rate_date = incident["first_reported_date"]
    usd_rate = rates.get(("USD", rate_date)) if rate_date else None
    row = {"amount_id": f"{iid}-{seq}", "incident_id": iid, "purpose": purpose, "amount": float(money.amount),
           "amount_high": None if money.amount_high is None else float(money.amount_high), "currency": money.currency,
           "amount_qualifier": money.qualifier or "exact", "amount_per": money.per, "currency_stated": money.currency_stated,
           "stated_usd": None if money.usd is None else float(money.usd),
           "stated_usd_qualifier": getattr(money, "usd_qualifier", None) if money.usd is not None else None,
           "amount_rub": None, "amount_rub_high": None, "rub_basis": None, "amount_usd": None, "amount_usd_high": None,
           "usd_basis": None, "rate_date": None, "rub_per_usd": None}

    def rub(x):
        if x is None:
            return None
        if money.currency == "RUB":
            return x
        r = rates.get((money.currency, rate_date)) if rate_date else None
        return None if r is None else x * r

    if money.currency == "RUB":
        row["rub_basis"] = "original"
    # Roubles are rounded to kopecks before dollars are derived from them, so that the
    # published amount_usd is exactly round(amount_rub / rub_per_usd, 2): a reader can redo it.
    row["amount_rub"], row["amount_rub_high"] = (None if x is None else round(x, 2) for x in (rub(row["amount"]), rub(row["amount_high"])))
    if money.currency != "RUB" and row["amount_rub"] is not None:
        row["rub_basis"] = "bank_of_russia_rate"
    _dollars(row, money, usd_rate)
    if usd_rate and (row["rub_basis"] == "bank_of_russia_rate" or row["usd_basis"] == "bank_of_russia_rate"):
        row["rate_date"], row["rub_per_usd"] = rate_date, usd_rate
    return row


def _dollars(row: dict, money, usd_rate: float | None) -> None:
    if money.currency == "USD":
        row["amount_usd"], row["amount_usd_high"], row["usd_basis"] = row["amount"], row["amount_high"], "original"
    elif usd_rate and row["amount_rub"] is not None:
        row["amount_usd"] = round(row["amount_rub"] / usd_rate, 2)
        row["amount_usd_high"] = None if row["amount_rub_high"] is None else round(row["amount_rub_high"] / usd_rate, 2)
        row["usd_basis"] = "bank_of_russia_rate"
    elif money.usd is not None:
        # No official rate applies (date unknown or outside the table): fall back to the source's own figure.
        row["amount_usd"], row["usd_basis"] = float(money.usd), "stated_by_source"
        row["amount_usd_high"] = None if getattr(money, "usd_high", None) is None else float(money.usd_high)
