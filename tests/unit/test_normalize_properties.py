"""Property tests of analysis.normalize: no input crashes, and the bounds are ordered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pycountry
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis.normalize import AMOUNT_PER, DateSpan, explain_date, parse_count, parse_date, parse_money, resolve_place
from analysis.normalize.places import regions

# Words the parsers react to, so that generated phrases reach deep into the grammars
# instead of staying random noise.
VOCAB = [
    "about", "at", "least", "up", "to", "between", "and", "from", "since", "before", "until",
    "more", "than", "over", "or", "several", "dozens", "hundreds", "a", "dozen", "one", "six",
    "thirty", "twenty-five", "million", "thousand", "men", "of", "the", "aged", "born", "in",
    "early", "mid", "late", "September", "May", "fall", "winter", "spring", "last", "this",
    "year", "Friday", "rubles", "dollars", "$", "€", "₽", "грн", "(", ")", "-", "–", ",", ".",
    "около", "не", "менее", "семи", "семеро", "понад", "тысячи", "млн", "рублей", "до", "от",
    "в", "сентябре", "осенью", "года", "з", "по", "жовтня", "року", "у", "листопаді", "кілька",
    "Chechnya", "Kherson", "Zaporizhzhia", "regions", "region", "Vladimir", "Putin", "Moscow",
    "Kyiv", "Oblast", "district", "Perm", "Crimea", "occupied", "Uzbekistan", "Мелітополі",
    "Запорожской", "области", "Грозном", "North", "Caucasus", "SOS", "his", "father", "brothers",
    "nephew", "No.", "%", "16-year-old", "St.", "minus", "минус", "−", "COVID-19", "Su-25", "e", "UA-65", "RU-IN",
    "UZ", "IN", "|", "ago", "past", "quarter", "half", "second", "1990s", "2010-х", "полтора", "півтора", "миллиона",
    "a month", "в месяц", "per person", "R", "women", "two", "three", "men", "no later than", "не позднее", "as far back as",
    "Central Asia", "Volga", "ТОТ", "Бишкек", "Bishkek", "district", "районе", "петербургских", "2022-09", "Q3",
]
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(str),
    st.integers(min_value=1900, max_value=2100).map(str),
    st.integers(min_value=1, max_value=31).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}"),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}".replace(",", " ")),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}".replace(",", ".")),
    st.integers(min_value=-10**7, max_value=-1).map(str),
    st.text(alphabet="0123456789", min_size=16, max_size=600),  # past the 15-digit limit
    st.integers(min_value=1900, max_value=2100).map(lambda y: f"{y}-{y % 17:02d}-{y % 37:02d}"),  # ISO-looking dates
)
PHRASES = st.lists(st.one_of(st.sampled_from(VOCAB), NUMBERS), min_size=0, max_size=12).map(" ".join)
TEXT = st.one_of(st.text(max_size=80), PHRASES)
REFERENCES = st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)), st.dates())

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(TEXT)
def test_count_never_raises_and_is_ordered(text):
    c = parse_count(text)
    if c is not None:
        values = [v for v in (c.low, c.best, c.high) if v is not None]
        assert values, c
        assert values == sorted(values), c
        assert all(v >= 0 for v in values)
        if c.breakdown:
            assert sum(n for _, n in c.breakdown) == c.low == c.high


@SETTINGS
@given(TEXT)
def test_money_never_raises_and_is_ordered(text):
    m = parse_money(text)
    if m is not None:
        assert m.amount >= 0
        if m.amount_high is not None:
            assert m.amount <= m.amount_high
        if m.usd is not None and m.usd_high is not None:
            assert m.usd <= m.usd_high
        for eq in m.equivalents:
            assert eq.amount_high is None or eq.amount <= eq.amount_high
        assert m.per is None or m.per in AMOUNT_PER


@SETTINGS
@given(TEXT, REFERENCES)
def test_date_never_raises_and_is_ordered(text, reference):
    d = parse_date(text, reference)
    if d is not None:
        assert d.start is not None or d.end is not None
        if d.start is not None and d.end is not None:
            assert d.start <= d.end
        assert (d.start is None) == (d.start_bound == "open")
        assert (d.end is None) == (d.end_bound in ("open", "ongoing"))
    span, refusal = explain_date(text, reference)
    assert (span is None) != (refusal is None)


@SETTINGS
@given(TEXT)
def test_place_never_raises(text):
    places = resolve_place(text)
    assert isinstance(places, list)
    codes = [(p.code, p.locality) for p in places]
    assert len(codes) == len(set(codes))
    for p in places:
        if p.group:
            assert p.members and set(p.country.split("|")) == {m[:2] for m in p.members}
        else:
            assert p.code == p.country or p.code.startswith(p.country + "-")


# ---- the rules against misread numbers, over many numbers ----------------------------------

COUNTS = st.integers(min_value=1, max_value=10**9)
MINUS = st.sampled_from(["-", "\u2212", "minus ", "минус ", "мінус "])
NOUNS = st.sampled_from(["", " men", " people", " человек", " осіб"])
FORMATS = st.sampled_from(["{:d}", "{:,d}"])


@SETTINGS
@given(COUNTS, MINUS, NOUNS, FORMATS)
def test_negative_number_is_no_count(n, minus, noun, fmt):
    assert parse_count(f"{minus}{fmt.format(n)}{noun}") is None


@SETTINGS
@given(COUNTS, COUNTS, NOUNS, st.sampled_from(["between {} and {}", "from {} to {}", "{}-{}", "{} to {}", "от {} до {}"]))
def test_range_written_high_to_low_is_no_count(a, b, noun, pattern):
    assume(a != b)
    high, low = max(a, b), min(a, b)
    assert parse_count(pattern.format(high, low) + noun) is None
    ordered = parse_count(pattern.format(low, high) + noun)
    assert ordered is None or (ordered.low, ordered.high) == (low, high)  # None: a pair of years


@SETTINGS
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False), NOUNS)
def test_fraction_of_persons_is_no_count(x, noun):
    assume(x != x.to_integral_value())
    assert parse_count(f"{x}{noun}") is None


@SETTINGS
@given(st.decimals(min_value=Decimal("0.01"), max_value=999, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from([("million", 10**6, "."), ("thousand", 1000, "."), ("тысячи", 1000, ","), ("млн", 10**6, ",")]))
def test_decimals_whole_after_scaling_are_counts(x, multiplier):
    word, factor, decimal_mark = multiplier  # "1.5 million", "1,5 тысячи"
    c = parse_count(f"{x} {word}".replace(".", decimal_mark))
    value = x * factor
    if value != value.to_integral_value():
        assert c is None
    else:
        assert c is not None and c.best == int(value)


@SETTINGS
@given(st.text(alphabet="0123456789", min_size=16, max_size=5000),
       st.sampled_from(["{}", "{} men", "about {} people", "${}", "{} rubles", "{}.5 million", "1e{}", "1e{} rubles", "€{}"]))
def test_huge_digit_strings_never_raise_and_read_as_nothing(digits, pattern):
    text = pattern.format(digits)
    assert parse_count(text) is None
    assert parse_money(text) is None


@SETTINGS
@given(st.integers(min_value=1900, max_value=2100), st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=99))
def test_iso_date_is_its_day_or_nothing(year, month, day):
    try:
        expected = DateSpan(dt.date(year, month, day), dt.date(year, month, day), "day")
    except ValueError:
        expected = None  # "2022-13-01", "2022-02-30": not the year 2022
    assert parse_date(f"{year}-{month:02d}-{day:02d}") == expected


_REGION_CODES = sorted(regions())
_COUNTRY_CODES = sorted(c.alpha_2 for c in pycountry.countries)


@SETTINGS
@given(st.lists(st.sampled_from(_REGION_CODES + _COUNTRY_CODES), min_size=1, max_size=5, unique=True),
       st.sampled_from(["|", ", ", ";", " | ", ","]))
def test_code_lists_resolve_to_their_codes(codes, separator):
    # A country is dropped when one of its regions is listed too, as for names.
    with_region = {c[:2] for c in codes if "-" in c}
    expected = [c for c in codes if "-" in c or c not in with_region]
    assert [p.code for p in resolve_place(separator.join(codes))] == expected
