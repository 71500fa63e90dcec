"""Known answers for every row of the hand-maintained alias tables.

Each expectation is written from the reference names: the English name (``name_en``) of
the region in the boundaries file, pycountry's country name, or the macro-region's name,
never from the code the table gives. A row whose code is wrong (Sebastopol at Crimea
instead of Sevastopol) then fails here, and a row without a known answer fails the
completeness tests: a new alias needs one.
"""

from __future__ import annotations

import csv

import pytest

from analysis.normalize import load_gazetteer, parse_money, resolve_place
from analysis.normalize._text import DATA_DIR

#: Reference name(s) of the place -> aliases of place_aliases.csv that name it.
ALIASES = {
    'Chechen Republic': ['Chechnya', 'Chechnia', 'Chechen Republic', 'Чечня', 'Чеченская Республика', 'Чеченська Республіка'],
    'Republic of Ingushetia': ['Ingushetia', 'Ингушетия', 'Інгушетія'],
    'Republic of Dagestan': ['Dagestan', 'Daghestan', 'Дагестан'],
    'Kabardino-Balkaria': ['Kabardino-Balkaria', 'Кабардино-Балкария', 'Кабардино-Балкарія'],
    'Karachay-Cherkess Republic': ['Karachay-Cherkessia', 'Карачаево-Черкесия'],
    'Republic of North Ossetia-Alania': ['North Ossetia', 'North Ossetia-Alania', 'Северная Осетия'],
    'Republic of Adygea': ['Adygea', 'Адыгея'],
    'Republic of Kalmykia': ['Kalmykia', 'Калмыкия'],
    'Kemerovo': ['Kuzbass', 'Kuzbas', 'Кузбасс', 'Кузбас'],
    'Sakha Republic': ['Yakutia', 'Sakha', 'Якутия', 'Якутія'],
    'Primorsky Krai': ['Primorye', 'Primorsky Krai', 'Приморье', "Примор'я"],
    'Saint Petersburg': ['St. Petersburg', 'St Petersburg', 'Saint Petersburg', 'Petersburg', 'Санкт-Петербург', 'Петербург', 'Питер'],
    'Moscow Oblast': ['Moscow Oblast', 'Moscow region', 'Podmoskovye', 'Подмосковье', "Підмосков'я"],
    'Moscow': ['Москва'],
    'Krasnodar Krai': ['Kuban', 'Кубань'],
    'Bashkortostan': ['Bashkortostan', 'Bashkiria', 'Башкирия', 'Башкортостан', 'Башкирія'],
    'Republic of Tatarstan': ['Tatarstan', 'Татарстан', 'Татария'],
    'Khanty-Mansi Autonomous Okrug': ['Yugra', 'Ugra', 'Khanty-Mansi', 'Югра', 'ХМАО'],
    'Yamalo-Nenets Autonomous Okrug': ['Yamal', 'Yamalo-Nenets', 'Ямал', 'ЯНАО'],
    'Chuvash Republic': ['Chuvashia', 'Чувашия'],
    'Udmurt Republic': ['Udmurtia', 'Удмуртия'],
    'Karelia': ['Karelia', 'Карелия'],
    'Tuva Republic': ['Tuva', 'Tyva', 'Тува', 'Тыва'],
    'Republic of Buryatia': ['Buryatia', 'Бурятия'],
    'Mari El Republic': ['Mari El', 'Марий Эл'],
    'Republic of Mordovia': ['Mordovia', 'Мордовия'],
    'Altai Republic': ['Altai Republic', 'Gorno-Altai', 'Горный Алтай'],
    'Altai Krai': ['Altai Krai'],
    'Republic of Khakassia': ['Khakassia', 'Хакасия'],
    'Komi Republic': ['Komi', 'Коми'],
    'Zabaykalsky Krai': ['Transbaikalia', 'Zabaykalye', 'Забайкалье'],
    'Kamchatka Krai': ['Kamchatka', 'Камчатка'],
    'Chukotka Autonomous Okrug': ['Chukotka', 'Чукотка'],
    'Sakhalin': ['Sakhalin'],
    'Jewish Autonomous Oblast': ['ЕАО'],
    'Stavropol Krai': ['Stavropol', 'Ставрополье'],
    'Perm Krai': ['Prikamye', 'Прикамье'],
    'Nizhny Novgorod': ['Nizhny Novgorod'],
    'Oryol': ['Oryol', 'Orel'],
    'Belgorod': ['Белгородщина'],
    'Kursk': ['Курщина'],
    'Bryansk': ['Брянщина'],
    'Smolensk': ['Смоленщина'],
    'Zaporizhzhia': ['Zaporizhzhia', 'Zaporizhzhya', 'Zaporizhia', 'Zaporozhye', 'Zaporozhe', 'Запорожье', 'Запоріжжя', 'Запоріжжі'],
    'Kherson': ['Kherson', 'Херсонщина'],
    'Donetsk': ['Donetsk', 'Донеччина', 'Донетчина'],
    'Luhansk': ['Luhansk', 'Lugansk', 'Луганщина'],
    ('Donetsk', 'Luhansk'): ['Donbas', 'Donbass', 'Донбасс', 'Донбас'],
    'Autonomous Republic of Crimea': ['Crimea', 'Republic of Crimea', 'Krym', 'Крым', 'Республика Крым', 'Крим'],
    'Sevastopol': ['Sevastopol', 'Sebastopol', 'Севастополь'],
    'Kyiv (city)': ['Kyiv', 'Kiev', 'Киев', 'Київ'],
    'Kyiv Oblast': ['Kyiv Oblast', 'Kyiv region', 'Київщина', 'Киевщина'],
    'Kharkiv': ['Kharkiv', 'Kharkov', 'Харківщина', 'Харьковщина'],
    'Odessa': ['Odesa', 'Odessa', 'Одещина'],
    'Lviv': ['Lviv', 'Lvov', 'Львівщина'],
    'Mykolaiv': ['Mykolaiv', 'Nikolaev', 'Nikolayev', 'Миколаївщина'],
    'Dnipropetrovsk': ['Dnipropetrovsk', 'Дніпропетровщина'],
    'Sumy': ['Sumy', 'Сумщина'],
    'Chernihiv': ['Chernihiv', 'Chernigov', 'Чернігівщина'],
    'Zhytomyr': ['Zhytomyr', 'Zhitomir', 'Житомирщина'],
    'Vinnytsia': ['Vinnytsia', 'Vinnitsa', 'Вінниччина'],
    'Poltava': ['Poltava', 'Полтавщина'],
    'Cherkasy': ['Cherkasy', 'Cherkassy', 'Черкащина'],
    'Kirovohrad': ['Kirovohrad', 'Кіровоградщина'],
    'Khmelnytskyi': ['Khmelnytskyi', 'Хмельниччина'],
    'Rivne': ['Rivne', 'Rovno', 'Рівненщина'],
    'Ternopil': ['Ternopil', 'Тернопільщина'],
    'Volyn': ['Volyn', 'Волинь'],
    'Zakarpattia': ['Zakarpattia', 'Transcarpathia', 'Закарпаття', 'Закарпатье'],
    'Ivano-Frankivsk': ['Ivano-Frankivsk', 'Прикарпаття'],
    'Chernivtsi': ['Chernivtsi'],
    'Russian Federation': ['Russia', 'Россия', 'Росія', 'РФ'],
    'Ukraine': ['Ukraine', 'Україна'],
    'Kyrgyzstan': ['Kyrgyzstan', 'Kirghizia', 'Kirgizia', 'Кыргызстан', 'Киргизия', 'Киргизстан'],
    'Uzbekistan': ['Uzbekistan'],
    'Tajikistan': ['Tajikistan', 'Таджикістан'],
    'Kazakhstan': ['Kazakhstan'],
    'Turkmenistan': ['Turkmenistan'],
    'Belarus': ['Belarus', 'Белоруссия', 'Беларусь', 'Білорусь'],
    'Moldova': ['Moldova', 'Молдавия'],
    'North Korea': ['North Korea', 'КНДР', 'Северная Корея'],
    'South Korea': ['South Korea'],
    'Syria': ['Syria'],
    'Iran': ['Iran'],
    'Türkiye': ['Turkey', 'Türkiye', 'Турция', 'Туреччина'],
}

#: Reference name -> demonyms of demonyms.csv (resolved only with include_demonyms=True).
DEMONYMS = {
    'Uzbekistan': ['Uzbek', 'Uzbeks', 'узбек'],
    'Tajikistan': ['Tajik', 'Tajiks', 'таджик'],
    'Kyrgyzstan': ['Kyrgyz', 'киргиз'],
    'Kazakhstan': ['Kazakh', 'Kazakhs', 'казах'],
    'Turkmenistan': ['Turkmen', 'Turkmens', 'туркмен'],
    'Russian Federation': ['Russian', 'Russians'],
    'Ukraine': ['Ukrainian', 'Ukrainians'],
    'Chechen Republic': ['Chechen', 'Chechens', 'чеченец', 'чеченский'],
    'Republic of Ingushetia': ['Ingush'],
    'Republic of Dagestan': ['Dagestani'],
    'Autonomous Republic of Crimea': ['Crimean'],
    'Bashkortostan': ['Bashkir'],
    'Republic of Buryatia': ['Buryat'],
    'Tuva Republic': ['Tuvan'],
}

#: Reference name -> adjectives of place_adjectives.csv.
ADJECTIVES = {
    'Saint Petersburg': ['петербургский', 'питерский', 'петербурзький'],
    'Moscow': ['московский', 'московський'],
    'Moscow Oblast': ['подмосковный'],
    'Chechen Republic': ['чеченский', 'грозненский', 'чеченський'],
    'Republic of Ingushetia': ['ингушский'],
    'Republic of Dagestan': ['дагестанский'],
    'Kherson': ['херсонский', 'херсонський'],
    'Zaporizhzhia': ['запорожский', 'мелитопольский', 'бердянский', 'запорізький', 'мелітопольський', 'бердянський'],
    'Donetsk': ['мариупольский', 'донецкий', 'маріупольський', 'донецький'],
    'Luhansk': ['луганский', 'луганський'],
    'Autonomous Republic of Crimea': ['крымский', 'симферопольский', 'кримський', 'сімферопольський'],
    'Sevastopol': ['севастопольский', 'севастопольський'],
    'Kharkiv': ['харьковский', 'харківський'],
    'Sverdlovsk': ['екатеринбургский'],
    'Novosibirsk': ['новосибирский'],
    'Rostov': ['ростовский'],
    'Krasnodar Krai': ['краснодарский'],
    'Belgorod': ['белгородский'],
    'Kursk': ['курский'],
    'Bryansk': ['брянский'],
    'Chelyabinsk': ['челябинский'],
    'Bashkortostan': ['башкирский'],
    'Republic of Buryatia': ['бурятский'],
    'Tuva Republic': ['тувинский'],
    'Sakha Republic': ['якутский'],
    'Vladimir': ['владимирский'],
    'Nizhny Novgorod': ['нижегородский'],
    'Republic of Tatarstan': ['казанский'],
    'Perm Krai': ['пермский'],
    'Volgograd': ['волгоградский'],
    'Saratov': ['саратовский'],
    'Yaroslavl': ['ярославский'],
    'Ryazan': ['рязанский'],
    'Tula': ['тульский'],
    'Russian Federation': ['российский', 'російський'],
    'Ukraine': ['украинский', 'український'],
    'Uzbekistan': ['узбекистанский'],
    'Tajikistan': ['таджикистанский'],
    'Kyrgyzstan': ['кыргызстанский'],
}

#: Reference name of the region -> villages and spellings of localities.csv.
LOCALITIES = {
    'Chechen Republic': ['Gikalo', 'Гикало', 'Achkoi-Martan'],
    'Vladimir': ['Melekhovo', 'Мелехово'],
}

#: Macro-region's name -> aliases of place_group_aliases.csv.
GROUP_ALIASES = {
    "Central Federal District": ["Central Federal District", "Центральный федеральный округ", "ЦФО", "Центральний федеральний округ"],
    "Northwestern Federal District": ["Northwestern Federal District", "Северо-Западный федеральный округ", "СЗФО"],
    "Southern Federal District": ["Southern Federal District", "Южный федеральный округ", "ЮФО", "Південний федеральний округ"],
    "North Caucasian Federal District": ["North Caucasian Federal District", "North Caucasus", "Northern Caucasus",
                                         "Северо-Кавказский федеральный округ", "СКФО", "Северный Кавказ", "Північний Кавказ"],
    "Volga Federal District": ["Volga Federal District", "Privolzhsky Federal District", "Приволжский федеральный округ", "ПФО",
                               "Приволзький федеральний округ"],
    "Ural Federal District": ["Ural Federal District", "Urals", "Уральский федеральный округ", "УрФО", "Урал", "Уральський федеральний округ"],
    "Siberian Federal District": ["Siberian Federal District", "Siberia", "Сибирский федеральный округ", "СФО", "Сибирь", "Сибір"],
    "Far Eastern Federal District": ["Far Eastern Federal District", "Russian Far East", "Дальневосточный федеральный округ", "ДФО",
                                     "Дальний Восток", "Далекий Схід"],
    "Volga economic region": ["Volga region", "Povolzhye", "Поволжье", "Поволжя"],
    "Central Asia": ["Central Asia", "Средняя Азия", "Центральная Азия", "Середня Азія", "Центральна Азія"],
    "South Caucasus": ["South Caucasus", "Transcaucasia", "Южный Кавказ", "Закавказье", "Південний Кавказ", "Закавказзя"],
}

#: Members of the macro-regions that are not federal districts, by reference name.
GROUP_MEMBERS = {
    "Central Asia": {"Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan"},
    "South Caucasus": {"Armenia", "Azerbaijan", "Georgia"},
    "Volga economic region": {"Astrakhan", "Volgograd", "Republic of Kalmykia", "Penza", "Samara", "Saratov",
                              "Republic of Tatarstan", "Ulyanovsk"},
}

#: ISO 4217 code -> tokens of currencies.csv.
CURRENCIES = {
    'RUB': ['₽', 'руб', 'руб.', 'ruble', 'rouble', 'rub', 'rur', 'рубль', 'R', 'карбованець', 'целковый'],
    'USD': ['$', 'us$', 'dollar', 'usd', 'доллар', 'долл.', 'долар', 'дол.', 'бакс'],
    'EUR': ['€', 'euro', 'eur', 'евро', 'євро'],
    'UAH': ['₴', 'hryvnia', 'hryvnias', 'hryvnya', 'hryvnyas', 'uah', 'грн', 'грн.', 'гривня', 'гривна'],
    'GBP': ['£', 'gbp'],
    'KZT': ['kzt', '₸', 'tenge', 'тенге'],
    'KGS': ['kgs', 'som', 'сом'],
    'UZS': ['uzs', 'сум'],
    'TJS': ['tjs', 'somoni', 'сомони'],
    'AZN': ['manat'],
    'GEL': ['lari'],
    'AMD': ['dram'],
}


def _rows(table: str, column: str) -> list[str]:
    with open(DATA_DIR / table, encoding="utf-8", newline="") as fh:
        return [r[column] for r in csv.DictReader(fh)]


def _names(places) -> list[str]:
    return [p.group or p.name for p in places]


def _cases(mapping: dict) -> list[tuple[str, list[str]]]:
    return [(alias, list(names) if isinstance(names, tuple) else [names]) for names, aliases in mapping.items() for alias in aliases]


@pytest.mark.parametrize("alias,names", _cases(ALIASES))
def test_every_place_alias_names_its_reference_place(alias, names):
    assert _names(resolve_place(alias)) == names


@pytest.mark.parametrize("demonym,names", _cases(DEMONYMS))
def test_every_demonym_names_its_reference_place(demonym, names):
    assert _names(resolve_place(demonym, include_demonyms=True)) == names


@pytest.mark.parametrize("adjective,names", _cases(ADJECTIVES))
def test_every_place_adjective_names_its_reference_place(adjective, names):
    assert _names(resolve_place(adjective)) == names


@pytest.mark.parametrize("name,names", _cases(LOCALITIES))
def test_every_locality_lies_in_its_reference_region(name, names):
    assert _names(resolve_place(name)) == names


@pytest.mark.parametrize("alias,names", _cases(GROUP_ALIASES))
def test_every_group_alias_names_its_group(alias, names):
    places = resolve_place(alias)
    assert _names(places) == names and places[0].members


@pytest.mark.parametrize("group,members", GROUP_MEMBERS.items())
def test_groups_hold_their_reference_members(group, members):
    gaz = load_gazetteer()
    (found,) = [g for g in gaz.groups.values() if g.name == group]
    assert {gaz.regions[m].name if m in gaz.regions else gaz.names[m] for m in found.members} == members


def test_federal_districts_cover_every_russian_region_once():
    gaz = load_gazetteer()
    districts = [g for g in gaz.groups.values() if g.name.endswith("Federal District")]
    assert len(districts) == 8
    members = [m for g in districts for m in g.members]
    assert sorted(members) == sorted(c for c, r in gaz.regions.items() if r.country == "RU")


@pytest.mark.parametrize("currency,token", [(c, t) for c, tokens in CURRENCIES.items() for t in tokens])
def test_every_currency_token_names_its_currency(currency, token):
    text = f"R1500" if token == "R" else (f"{token}1,500" if not token[0].isalpha() or token.isupper() and len(token) == 3 else f"1,500 {token}")
    assert parse_money(text).currency == currency, text


@pytest.mark.parametrize("alias,code", list(zip(_rows("place_alias_exclusions.csv", "alias"), _rows("place_alias_exclusions.csv", "code"))))
def test_no_excluded_alias_resolves_to_the_code_it_is_excluded_from(alias, code):
    # A city excluded as a region's alias ("Kazan") still resolves as a town of it.
    assert all(p.code != code or p.locality for p in resolve_place(alias))


@pytest.mark.parametrize("name", _rows("non_place_names.csv", "name"))
def test_no_organisation_or_outlet_name_is_a_place(name):
    assert resolve_place(name) == []


@pytest.mark.parametrize(
    "table,column,mapping",
    [
        ("place_aliases.csv", "alias", ALIASES),
        ("demonyms.csv", "demonym", DEMONYMS),
        ("place_adjectives.csv", "adjective", ADJECTIVES),
        ("localities.csv", "name", LOCALITIES),
        ("place_group_aliases.csv", "alias", GROUP_ALIASES),
        ("currencies.csv", "token", CURRENCIES),
    ],
)
def test_every_row_has_a_known_answer(table, column, mapping):
    known = {a for aliases in mapping.values() for a in aliases}
    missing = [a for a in _rows(table, column) if a not in known]
    assert not missing, f"{table}: rows without a known answer in this test: {missing}"
