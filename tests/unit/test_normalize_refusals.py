"""The reasons the normalisers give when a phrase yields no value, or a misstated one.

These are the messages a coder reads in the cleaning step's report, so each is asserted
as text, with what would be accepted instead.
"""

from __future__ import annotations

import pytest

from analysis.normalize import Refusal, explain_count, explain_date, explain_money, explain_place


@pytest.mark.parametrize("text,reason,accepted", [
    ("-5 men", "a negative number", "zero or more, without a minus sign"),
    ("minus five", "a negative number", "zero or more, without a minus sign"),
    ("between 50 and 10 people", "the lower bound is above the upper bound (50 > 10)", "a range whose lower bound comes first, e.g. '10-50'"),
    ("от 300 до 30 человек", "the lower bound is above the upper bound (300 > 30)", "a range whose lower bound comes first, e.g. '10-50'"),
    ("2.5 people", "not a whole number of persons", "a whole number of persons"),
    ("a horde of convicts", "cannot read a number", None),
])
def test_count_refusals(text, reason, accepted):
    count, refusal = explain_count(text)
    assert count is None and refusal.reason == reason
    assert accepted is None or refusal.accepted == accepted


def test_a_count_read_has_no_refusal():
    assert explain_count("about 300 men")[1] is None


@pytest.mark.parametrize("text,reason", [
    ("-500 rubles", "a negative number"),
    ("$3,000-2,000", "the lower bound is above the upper bound (3000 > 2000)"),
])
def test_misstated_amounts_are_read_as_written_and_refused(text, reason):
    money, refusal = explain_money(text)
    assert (money.amount, money.amount_high) in ((500.0, None), (3000.0, None)) and refusal.reason == reason


def test_a_fraction_of_a_rouble_is_no_slip():
    assert explain_money("1.5 rubles")[1] is None


def test_an_amount_without_currency_says_so():
    money, refusal = explain_money("a one-off payment of 2 million")
    assert money is None and refusal.reason == "cannot read an amount and currency"


@pytest.mark.parametrize("text,reference,reason", [
    ("2022-02-30", None, "2022-02-30 is not a date of the calendar"),
    ("30.02.2024", None, "30.02.2024 is not a date of the calendar"),
    ("2022-13", None, "2022-13 is not a month of the calendar"),
    ("03/04/2024", None, "03/04/2024 may be day first or month first: write it as YYYY-MM-DD"),
    ("between 30 and 1 September 2022", None, "the end date is before the start date (2022-09-30 > 2022-09-01)"),
    ("from June 2023 to March 2023", None, "the end date is before the start date (2023-06-01 > 2023-03-31)"),
    ("last year", None, "a relative date needs the publication date"),
    ("early September of that year", None, "the year is given elsewhere ('early September of that year'): give the date in 'value'"),
    ("men born in 1994-2006", None, "a birth date or an age is not the date of an event"),
    ("following the incident", None, "cannot read a date"),
])
def test_date_refusals(text, reference, reason):
    span, refusal = explain_date(text, reference)
    assert span is None and isinstance(refusal, Refusal) and refusal.reason == reason
    assert str(refusal) == reason and refusal.accepted


def test_a_date_read_has_no_refusal():
    assert explain_date("in the fall of 2024") == (explain_date("in the fall of 2024")[0], None)


@pytest.mark.parametrize("text,reason", [
    ("RU-XX", "RU-XX is not an ISO 3166-2 code of the boundaries or an ISO 3166-1 country code"),
    ("a huge sentence", "no place recognised"),
])
def test_place_refusals(text, reason):
    places, refusal = explain_place(text)
    assert places == [] and refusal.reason == reason
