"""The redactor on small inline texts: every spelling of a listed name is withheld, and
ordinary words that only look like one are not."""

from __future__ import annotations

import unicodedata

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import codebook
from analysis.redact import WITHHELD, Listing, Redactor, too_short
from analysis.redact.spelling import coarse, coarse_array, tokens
from fixtures.planted import normal_forms


def names_mustafinov(text: str) -> bool:
    """Whether some of the surname is left, by the tests' own search (not the redactor's forms)."""
    return any(stem in form for form in normal_forms(text) for stem in ("ustafin", "устафин", "устафін"))


def listing(value: str, key: str = "victim_names") -> Listing:
    return Listing(value, key, "data/raw/incidents/x.yaml", 7, "R001")


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor([listing("Zelimkhan Mustafinov"), listing("Anuar"), listing("Тимур Засадько"),
                     listing("Said Magomedov"), listing("Li Wei"),
                     listing("Said-Ali Abubekirov", "identifying_details"),
                     listing("39-year-old Chechen native", "identifying_details"),
                     listing("Gikalo", "identifying_details")])


@pytest.mark.parametrize("text", [
    "Zelimkhan Mustafinov was declared wanted",           # as listed
    "ZELIMKHAN MUSTAFINOV WAS DECLARED WANTED",           # another case
    "zelimkhan mustafinov was declared wanted",           # a listed value matches in any case
    "Zelimkhan\u00a0Mustafinov was declared wanted",      # no-break space
    "Zelimkhan\u2009Mustafinov was declared wanted",      # thin space
    "Zelimkhan\u3000Mustafinov was declared wanted",      # ideographic space
    "Zelimkhan \n  Mustafinov was declared wanted",       # a line break and a run of spaces
    "Zelimkhan Mus\u00adtafinov was declared wanted",      # soft hyphen
    "Zelimkhan Mus\u200btafinov was declared wanted",      # zero-width space
    "Zelimkhan Mus\u200dtafi\u2060nov was declared wanted",  # zero-width joiner, word joiner
    "\ufeffZelimkhan Mustafinov was declared wanted",     # byte-order mark
    "Ｚｅｌｉｍｋｈａｎ Ｍｕｓｔａｆｉｎｏｖ was declared wanted",  # fullwidth letters
    "Mustafinov was declared wanted",                      # the surname alone
    "Police named Mustafinov's associate",                 # an English possessive
    "Зелимхан Мустафинов объявлен в розыск",               # the other alphabet
    "Объявили в розыск Зелимхана Мустафинова",             # genitive (a name listed in the nominative, in Latin)
    "Мустафинову предъявили обвинение",                    # dative, surname alone
    "Розшукують Мустафінова",                              # Ukrainian spelling and case
    unicodedata.normalize("NFD", "Мустафинов объявлен в розыск"),
    "Мустaфинов объявлен в розыск",                        # a Latin a typed inside the Cyrillic word
])
def test_every_spelling_of_a_listed_name_is_withheld(redactor, text):
    out = redactor.redact(text)
    assert WITHHELD in out and not names_mustafinov(out)


@pytest.mark.parametrize("text, withheld", [
    ("Тимура Засадько задержали", "[withheld] задержали"),            # a Cyrillic name, genitive
    ("Засадько задержали", "[withheld] задержали"),
    ("Timur Zasadko was detained", "[withheld] was detained"),        # its Latin spelling
    ("Саид-Али Абубекиров сообщил", "[withheld] сообщил"),             # a name listed as a detail
    ("Abubekirov reported", "[withheld] reported"),
    ("a 39-year-old Chechen native was held", "a [withheld] was held"),
    ("a 39\u2011year\u2011old Chechen native was held", "a [withheld] was held"),  # non-breaking hyphens
    ("in the village of Gikalo", "in the village of [withheld]"),
    ("в селе Гикало", "в селе [withheld]"),
])
def test_details_and_names_in_both_alphabets(redactor, text, withheld):
    assert redactor.redact(text) == withheld


@pytest.mark.parametrize("text", [
    "In January the men were detained",      # "Anuar" is inside "January", not a word of it
    "Police said that Chechen officers came",  # "said" is a verb; "Chechen" alone is no detail
    "Officers said Ali was released",         # a part of a compound ("Said-Ali") is not withheld alone
    "Li and Wu",                              # a part under three letters is not withheld alone
    "Magomed came",                           # a given name a listed surname is formed from
    "Abubekir came",
    "a year-old native",                      # words of a detail, not the detail
])
def test_ordinary_words_that_look_like_a_name_are_kept(redactor, text):
    assert redactor.redact(text) == text


def test_a_part_of_a_name_is_withheld_where_it_stands_as_a_name(redactor):
    assert redactor.redact("Said came; he said so") == "[withheld] came; he said so"
    assert redactor.redact("SAID CAME") == "[withheld] CAME"
    assert redactor.redact("Wei came") == "[withheld] came"
    # Lower case in prose is an ordinary word; in a cell without spaces (an id, an address) case means nothing.
    assert redactor.redact("the mustafinov file") == "the mustafinov file"
    assert redactor.redact("https://example.org/news/mustafinov-wanted") == "https://example.org/news/[withheld]-wanted"


def test_values_too_short_to_withhold_safely():
    assert too_short("A.") and too_short("Li") and too_short("39") and too_short("A. B.")
    assert not too_short("Ali") and not too_short("Li Wei") and not too_short("unit 3")
    # A too short value is left out of the redactor (the build refuses it with its line).
    assert not Redactor([listing("A.")])


def test_hits_name_where_the_value_is_listed_never_the_value(redactor):
    hits = redactor.hits("Мустафинова задержали")
    [where] = redactor.where(hits)
    assert where.record == "R001" and where.key == "victim_names"
    assert where.where() == "listed under victim_names of record R001 (data/raw/incidents/x.yaml:7)"


def test_candidates_narrow_a_column_to_the_texts_that_may_name_someone(redactor):
    texts = pa.array(["nothing here", "Zelimkhan Mustafinov", "", None, "в селе Гикало", "January"])
    assert redactor.candidates(texts).tolist() == [1, 4]
    assert set(redactor.find(texts)) == {1, 4}


def test_both_ways_of_narrowing_a_column_find_the_same_texts(redactor, monkeypatch):
    """A regular expression of the anchor words for a short list, a hash of every word for a long one."""
    from analysis.redact import matcher

    texts = pa.array(["Мустафинова задержали", "In January", "Said-Ali Abubekirov's", "ZASADKO", "said", None,
                      "a 39 year old Chechen native", "Gikalo's mosque", "Li Wei", "Wei"])
    assert redactor._regexes is not None
    by_regex = redactor.candidates(texts).tolist()
    monkeypatch.setattr(matcher, "MAX_REGEX_GROUPS", 0)
    many = Redactor([listing(v.value, v.key) for vs in redactor.listings for v in vs])
    assert many._regexes is None
    assert many.candidates(texts).tolist() == by_regex == [0, 2, 3, 4, 6, 7, 8, 9]


_TRICKY = "aZ Ёйї\u0301\u00ad\u200b\u00a0\u2009ß’'ʼ-–ﬁ𝐌Ｍ\u3000Ѣ٣σΣ\ufeff.\n"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(codec="utf-8", exclude_categories=("Cs",)),
                        max_size=30), max_size=8))
def test_a_column_is_mapped_as_each_text_is(texts):
    """The column-at-a-time form equals the per-text form, so both find the same words."""
    assert coarse_array(pa.array(texts, pa.large_string())).to_pylist() == [coarse(t) for t in texts]
    for t in texts:
        assert len(coarse(t).encode("utf-8")) == len(t.encode("utf-8"))


_NAME_SPELLINGS = ["Zelimkhan Mustafinov", "ZELIMKHAN MUSTAFINOV", "Mustafinov", "Мустафинова", "Zelimkhan\u00a0Mustafinov",
                   "Mus\u00adtafinov", unicodedata.normalize("NFD", "Мустафинов й"), "Зелимхана Мустафинова"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(_NAME_SPELLINGS), st.text(max_size=40), st.sampled_from(["", " ", ", ", "\n"]))
def test_a_planted_name_is_found_in_any_surrounding_text(redactor, before, name, after, gap):
    text = before + gap + name + gap + after
    hits = redactor.hits(text)
    if gap:  # set apart from the surrounding words, the name is found
        assert hits
    if hits:  # and the quick pass over a column finds every text the exact pass does
        assert redactor.candidates(pa.array([text])).tolist() == [0]
    assert not names_mustafinov(redactor.redact(text)) or not gap


def test_tokens_keep_their_place_in_the_text():
    text = "Mus\u00adtafinov, Said\u2011Ali"
    assert [(w, text[a:b]) for w, a, b in tokens(text)] == [("mustafinov", "Mus\u00adtafinov"), ("said", "Said"), ("ali", "Ali")]


def test_every_published_text_column_says_what_a_restricted_value_does():
    for table in codebook.TABLES.values():
        for f in table.fields:
            assert (f.withholding in codebook.WITHHOLDING) == (f.type == "string"), (table.name, f.name)
    # A new text column is covered without anyone remembering it: it refuses, or refuses listed values.
    assert codebook.Field("new_column", "string", "A new column.").withholding == "refuse"
    assert codebook.Field("new_code", "string", "A new category.", vocabulary="purpose").withholding == "listed"
    with pytest.raises(ValueError, match="withhold='quotes'"):
        codebook.Field("x", "string", "X.", withhold="quotes")
