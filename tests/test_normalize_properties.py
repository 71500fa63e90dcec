"""Property tests of analysis.normalize: no input crashes, and the bounds are ordered."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.normalize import parse_count, parse_date, parse_money, resolve_place

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
    "nephew", "No.", "%", "16-year-old", "St.",
]
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(str),
    st.integers(min_value=1900, max_value=2100).map(str),
    st.integers(min_value=1, max_value=31).map(str),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}"),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}".replace(",", " ")),
    st.integers(min_value=0, max_value=10**6).map(lambda n: f"{n:,}".replace(",", ".")),
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
        for eq in m.stated_equivalents:
            assert eq.amount_high is None or eq.amount <= eq.amount_high


@SETTINGS
@given(TEXT, REFERENCES)
def test_date_never_raises_and_is_ordered(text, reference):
    d = parse_date(text, reference)
    if d is not None:
        assert d.start is not None or d.end is not None
        if d.start is not None and d.end is not None:
            assert d.start <= d.end


@SETTINGS
@given(TEXT)
def test_place_never_raises(text):
    places = resolve_place(text)
    assert isinstance(places, list)
    codes = [(p.code, p.locality) for p in places]
    assert len(codes) == len(set(codes))
    for p in places:
        assert p.code == p.country or p.code.startswith(p.country + "-")
