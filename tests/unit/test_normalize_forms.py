"""Unit tests of the forms reports use for dates, money, counts and places.

Phrases are written in the style of English, Russian and Ukrainian reporting on forced
mobilisation (Chechnya, the occupied territories, migrants, prisoners), in our own
words; each class of form has several, so that a rule written for one example fails
here when it does not hold for its class.
"""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.normalize import DATE_BOUNDS, StatedAmount, parse_count, parse_date, parse_money, resolve_place

D = dt.date
REF = D(2024, 10, 2)  # a publication date

# --------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------

SPANS = [
    ("from 3 May to 20 June 2023", None, D(2023, 5, 3), D(2023, 6, 20)),
    ("from 12 March until 4 April 2024", None, D(2024, 3, 12), D(2024, 4, 4)),
    ("starting on 1 March 2024 and continuing until the end of the year", None, D(2024, 3, 1), D(2024, 12, 31)),
    ("from February 2023 through to the end of the year", None, D(2023, 2, 1), D(2023, 12, 31)),
    ("з 1 березня по 15 квітня 2024 року", None, D(2024, 3, 1), D(2024, 4, 15)),
    ("с 10 по 25 октября 2022 года", None, D(2022, 10, 10), D(2022, 10, 25)),
    ("from mid-October until early December 2022", None, D(2022, 10, 11), D(2022, 12, 10)),
    ("in the second quarter of 2023", None, D(2023, 4, 1), D(2023, 6, 30)),
    ("Q4 2022", None, D(2022, 10, 1), D(2022, 12, 31)),
    ("в первом квартале 2024 года", None, D(2024, 1, 1), D(2024, 3, 31)),
    ("у третьому кварталі 2023 року", None, D(2023, 7, 1), D(2023, 9, 30)),
    ("during the first half of 2024", None, D(2024, 1, 1), D(2024, 6, 30)),
    ("во второй половине 2022 года", None, D(2022, 7, 1), D(2022, 12, 31)),
    ("у першому півріччі 2023 року", None, D(2023, 1, 1), D(2023, 6, 30)),
    ("in the 1990s", None, D(1990, 1, 1), D(1999, 12, 31)),
    ("in the early 2010s", None, D(2010, 1, 1), D(2013, 12, 31)),
    ("in the mid-2000s", None, D(2004, 1, 1), D(2006, 12, 31)),
    ("в 2010-х годах", None, D(2010, 1, 1), D(2019, 12, 31)),
    ("у 2000-х роках", None, D(2000, 1, 1), D(2009, 12, 31)),
    ("over the past week", REF, D(2024, 9, 25), REF),
    ("in the past two months", REF, D(2024, 8, 2), REF),
    ("за последний месяц", REF, D(2024, 9, 2), REF),
    ("протягом останнього тижня", REF, D(2024, 9, 25), REF),
    ("late last year", REF, D(2023, 9, 1), D(2023, 12, 31)),
]


@pytest.mark.parametrize("text,ref,start,end", SPANS)
def test_spans_quarters_halves_decades_and_windows(text, ref, start, end):
    d = parse_date(text, ref)
    assert (d.start, d.end, d.precision) == (start, end, "range")


POINTS = [
    ("2022-09", None, D(2022, 9, 1), D(2022, 9, 30), "month"),
    ("2024-02", None, D(2024, 2, 1), D(2024, 2, 29), "month"),
    ("on the fifth of May 2023", None, D(2023, 5, 5), D(2023, 5, 5), "day"),
    ("the thirty-first of December 2022", None, D(2022, 12, 31), D(2022, 12, 31), "day"),
    ("пятого мая 2023 года", None, D(2023, 5, 5), D(2023, 5, 5), "day"),
    ("двадцать первого сентября 2022 года", None, D(2022, 9, 21), D(2022, 9, 21), "day"),
    ("п'ятого травня 2023 року", None, D(2023, 5, 5), D(2023, 5, 5), "day"),
    ("two years ago", REF, D(2022, 1, 1), D(2022, 12, 31), "year"),
    ("a year ago", REF, D(2023, 1, 1), D(2023, 12, 31), "year"),
    ("три месяца назад", REF, D(2024, 7, 1), D(2024, 7, 31), "month"),
    ("два роки тому", REF, D(2022, 1, 1), D(2022, 12, 31), "year"),
    ("ten days ago", REF, D(2024, 9, 22), D(2024, 9, 22), "day"),
    ("last spring", REF, D(2024, 3, 1), D(2024, 5, 31), "season"),
    ("минулого літа", REF, D(2024, 6, 1), D(2024, 8, 31), "season"),
]


@pytest.mark.parametrize("text,ref,start,end,precision", POINTS)
def test_iso_months_ordinal_days_and_relative_dates(text, ref, start, end, precision):
    d = parse_date(text, ref)
    assert (d.start, d.end, d.precision) == (start, end, precision)


OPEN = [
    ("since the beginning of this year", REF, D(2024, 1, 1), None, "exact", "ongoing"),
    ("since March 2023", None, D(2023, 3, 1), None, "exact", "ongoing"),
    ("с начала 2024 года", None, D(2024, 1, 1), None, "exact", "ongoing"),
    ("з 28 лютого 2022 року", None, D(2022, 2, 28), None, "exact", "ongoing"),
    ("as far back as March", REF, D(2024, 3, 1), None, "or_earlier", "ongoing"),
    ("since at least 2022", None, D(2022, 1, 1), None, "or_earlier", "ongoing"),
    ("no later than June 2023", None, None, D(2023, 6, 30), "open", "no_later_than"),
    ("by mid-2023", None, None, D(2023, 8, 31), "open", "no_later_than"),
    ("by the end of 2022", None, None, D(2022, 12, 31), "open", "no_later_than"),
    ("не позднее августа 2023 года", None, None, D(2023, 8, 31), "open", "no_later_than"),
    ("не пізніше 1 березня 2024 року", None, None, D(2024, 3, 1), "open", "no_later_than"),
    ("before Sept. 21, 2022", None, None, D(2022, 9, 20), "open", "no_later_than"),
    ("until June 2023", None, None, D(2023, 6, 30), "open", "exact"),
    ("until at least June 2023", None, None, D(2023, 6, 30), "open", "or_later"),
    ("after 5 May 2023", None, D(2023, 5, 6), None, "no_earlier_than", "open"),
    ("no earlier than 5 May 2023", None, D(2023, 5, 5), None, "no_earlier_than", "open"),
    ("с 21 сентября 2022 года и до сих пор", None, D(2022, 9, 21), None, "exact", "ongoing"),
]


@pytest.mark.parametrize("text,ref,start,end,start_bound,end_bound", OPEN)
def test_open_bounds_say_their_kind(text, ref, start, end, start_bound, end_bound):
    d = parse_date(text, ref)
    assert (d.start, d.end, d.start_bound, d.end_bound) == (start, end, start_bound, end_bound)
    assert {d.start_bound, d.end_bound} <= set(DATE_BOUNDS)


@pytest.mark.parametrize("text", [
    "men born between 1990 and 2004", "born in 1994-2006", "aged 18 to 50", "мужчин в возрасте от 18 до 30 лет",
    "a 41-year-old man", "two years ago", "over the past week", "the second quarter", "2022-13", "between 30 and 1 September 2022",
])
def test_birth_years_ages_and_unresolvable_dates_give_none(text):
    assert parse_date(text) is None


def test_the_year_of_an_open_end_comes_from_the_start():
    assert parse_date("from 1 March 2023 to the end of the year").end == D(2023, 12, 31)


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------

AMOUNTS = [
    ("полтора миллиона рублей", 1_500_000, None, "RUB"),
    ("півтора мільйона гривень", 1_500_000, None, "UAH"),
    ("полтора мільйона рублів", 1_500_000, None, "RUB"),
    ("one and a half million rubles", 1_500_000, None, "RUB"),
    ("half a million roubles", 500_000, None, "RUB"),
    ("R150,000", 150_000, None, "RUB"),
    ("R2.5 million", 2_500_000, None, "RUB"),
    ("195 тыс. руб.", 195_000, None, "RUB"),
    ("300 000 ₽", 300_000, None, "RUB"),
    ("100 тисяч карбованців", 100_000, None, "RUB"),
    ("between 20 and 50 thousand rubles", 20_000, 50_000, "RUB"),
    ("от 200 до 300 тысяч рублей", 200_000, 300_000, "RUB"),
    ("від 50 до 80 тисяч рублів", 50_000, 80_000, "RUB"),
    ("$2,000-3,000", 2000, 3000, "USD"),
]


@pytest.mark.parametrize("text,amount,high,currency", AMOUNTS)
def test_amounts(text, amount, high, currency):
    m = parse_money(text)
    assert (m.amount, m.amount_high, m.currency, m.currency_stated) == (amount, high, currency, True)


@pytest.mark.parametrize("text,amount,high", [
    ("a one-off payment of 2 million", 2_000_000, None),
    ("400–450 тысяч", 400_000, 450_000),
    ("a bonus of 195,000", 195_000, None),
    ("виплата 300 тисяч", 300_000, None),
])
def test_currency_from_the_record(text, amount, high):
    assert parse_money(text) is None  # no currency named, none given
    m = parse_money(text, currency="RUB")
    assert (m.amount, m.amount_high, m.currency, m.currency_stated) == (amount, high, "RUB", False)


def test_a_named_currency_beats_the_record_context():
    assert parse_money("$3,000", currency="RUB").currency == "USD"


@pytest.mark.parametrize("text,per", [
    ("200 тысяч рублей в месяц", "month"),
    ("$3,000 a month", "month"),
    ("a monthly salary of 200,000 rubles", "month"),
    ("50 тисяч рублів щомісяця", "month"),
    ("$2,390 per person", "person"),
    ("100 тысяч рублей за человека", "person"),
    ("1.5 million rubles", None),
])
def test_amounts_per_month_or_person_are_kept_as_such(text, per):
    assert parse_money(text).per == per


def test_every_stated_equivalent_is_kept_in_order():
    m = parse_money("1.5 million rubles (€15,120, or about $17,000)")
    assert m.equivalents == (StatedAmount("EUR", 15_120.0, None, "exact"), StatedAmount("USD", 17_000.0, None, "approximately"))
    assert (m.usd, m.usd_qualifier) == (17_000.0, "approximately")
    assert m.stated_equivalents == (StatedAmount("EUR", 15_120.0, None, "exact"),)


def test_a_record_id_is_no_rouble_amount():
    assert parse_money("R051") is None


# --------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,total,breakdown", [
    ("two women and three men", 5, (("women", 2), ("men", 3))),
    ("one woman and four men", 5, (("woman", 1), ("men", 4))),
    ("three boys, two girls and a woman", 6, (("boys", 3), ("girls", 2), ("woman", 1))),
    ("четверо мужчин и две женщины", 6, (("мужчин", 4), ("женщины", 2))),
    ("двоє чоловіків і жінка", 3, (("чоловіків", 2), ("жінка", 1))),
    ("his father, two brothers, and a nephew", 4, (("father", 1), ("brothers", 2), ("nephew", 1))),
])
def test_enumerations_sum_and_keep_their_parts(text, total, breakdown):
    c = parse_count(text)
    assert (c.low, c.best, c.high, c.qualifier, c.breakdown) == (total, total, total, "exact", breakdown)


@pytest.mark.parametrize("text,total", [
    ("the activist and two other men", 3),
    ("he and three others were detained", 4),
    ("Magomed and 5 other people", 6),
    ("He and another individual", 2),
    ("он и ещё двое мужчин", 3),
    ("вона та ще троє", 4),
])
def test_others_besides_someone_named_count_that_someone_too(text, total):
    c = parse_count(text)
    assert (c.low, c.best, c.high, c.qualifier) == (total, total, total, "exact")


@pytest.mark.parametrize("text,expected", [
    ("about a thousand residents", (None, 1000, None, "approximately")),
    ("roughly a hundred migrants", (None, 100, None, "approximately")),
    ("более полусотни заключенных", (50, 50, None, "at_least")),
    ("около сотни человек", (None, 100, None, "approximately")),
    ("близько сотні чоловіків", (None, 100, None, "approximately")),
    ("понад тисячу осіб", (1000, 1000, None, "at_least")),
    ("полтора десятка мужчин", (15, 15, 15, "exact")),
    ("more than a hundred inmates", (100, 100, None, "at_least")),
])
def test_hedges_on_number_words_keep_their_qualifier(text, expected):
    c = parse_count(text)
    assert (c.low, c.best, c.high, c.qualifier) == expected


@pytest.mark.parametrize("text,low,high", [
    ("several migrants", 3, 9),
    ("a few detainees", 2, 5),
    ("dozens of conscripts", 24, 99),
    ("hundreds of prisoners", 200, 999),
    ("thousands of reservists", 2000, 9999),
    ("several hundred men", 300, 900),
    ("несколько человек", 3, 9),
    ("десятки мигрантов", 20, 99),
    ("сотни заключенных", 200, 999),
    ("кілька сотень чоловіків", 300, 900),
])
def test_vague_quantities_are_documented_ranges(text, low, high):
    c = parse_count(text)
    assert (c.low, c.best, c.high, c.qualifier) == (low, None, high, "range")


@pytest.mark.parametrize("text", ["men and women", "a 24-year-old Tajik", "men aged 18 to 30", "полтора года"])
def test_no_count(text):
    assert parse_count(text) is None


# --------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,group,countries", [
    ("the Volga region", "Volga economic region", "RU"),
    ("across Central Asia", "Central Asia", "KZ|KG|TJ|TM|UZ"),
    ("из Средней Азии", "Central Asia", "KZ|KG|TJ|TM|UZ"),
    ("North Caucasus", "North Caucasian Federal District", "RU"),
    ("на Северном Кавказе", "North Caucasian Federal District", "RU"),
    ("в Сибири", "Siberian Federal District", "RU"),
    ("the Urals", "Ural Federal District", "RU"),
    ("у Приволзькому федеральному окрузі", "Volga Federal District", "RU"),
])
def test_macro_regions_are_one_named_group_never_a_member(text, group, countries):
    (p,) = resolve_place(text)
    assert (p.group, p.country) == (group, countries) and len(p.members) > 1


@pytest.mark.parametrize("text,code", [
    ("a resident of Bishkek", "KG-GB"),
    ("a Tashkent native", "UZ-TK"),
    ("в Душанбе", "TJ-DU"),
    ("from Almaty", "KZ-75"),
    ("a migrant from Samarkand", "UZ"),
])
def test_foreign_cities_resolve_to_their_subdivision_or_country(text, code):
    assert [p.code for p in resolve_place(text)] == [code]


@pytest.mark.parametrize("text,codes", [
    ("в петербургских СИЗО", ["RU-SPE"]),
    ("херсонські чоловіки", ["UA-65"]),
    ("в московских отделах полиции", ["RU-MOW"]),
    ("запорізькі села", ["UA-23"]),
    ("чеченские силовики", ["RU-CE"]),
    ("Ростовской и Воронежской областей", ["RU-ROS", "RU-VOR"]),
    ("Московской и Тульской областей", ["RU-MOS", "RU-TUL"]),
])
def test_adjectives_of_place_names(text, codes):
    assert [p.code for p in resolve_place(text)] == codes


@pytest.mark.parametrize("text,codes", [
    ("в Джанкойском районе", ["UA-43"]),
    ("Achkhoy-Martanovsky district", ["RU-CE"]),
    ("in the Grozny district", ["RU-CE"]),
    ("в Красноперекопском районе Крыма", ["UA-43"]),
    ("the Sverdlovsk district in Perm", ["RU-PER"]),  # a district named after a region: not that region
    ("the Leninsky district", []),  # every city has one
])
def test_districts_lie_in_the_region_of_their_town(text, codes):
    assert [p.code for p in resolve_place(text)] == codes


@pytest.mark.parametrize("text,codes", [
    ("на ТОТ Херсонщини", ["UA-65"]),
    ("на ВОТ Запорожской области", ["UA-23"]),
    ("ТОТ", []),
    ("после того как", []),
    ("в ДНР", []),
])
def test_capitals_and_common_words_are_no_country(text, codes):
    assert [p.code for p in resolve_place(text)] == codes


def test_a_towns_own_name_beats_another_towns_alternate_spelling():
    assert [(p.code, p.locality) for p in resolve_place("in Melekhovo")] == [("RU-VLA", "Melekhovo")]
