"""The codebook: every field of every table, described once.

Validation (pandera), the Frictionless ``datapackage.json`` and the codebook chapter of
the report are all generated from the definitions in this module, so the documentation
cannot drift from the code. Category fields use closed vocabularies defined here; a value
outside a vocabulary is an error that names the allowed values.

Naming follows the units: ``persons_low``/``persons_high`` are head-counts, ``amount_rub``
is roubles, ``*_date`` are ISO dates, ``*_code`` are ISO codes, ``*_id`` identifiers,
``is_``/``claimed_`` booleans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

#: Separator of multi-valued cells (several regions, sources, coercion methods).
MULTI_SEP = "|"


def split_multi(value: object) -> list[str]:
    """The values of a multi-valued cell ('UA-65|UA-23' -> ['UA-65', 'UA-23']); [] when empty or missing."""
    if not isinstance(value, str) or not value:
        return []
    return [v for v in value.split(MULTI_SEP) if v]


def join_multi(values, unique: bool = True) -> str | None:
    """The non-empty values joined into one multi-valued cell (each once, in first order); None when there are none."""
    vals = [v for v in values if v]
    if unique:
        vals = list(dict.fromkeys(vals))
    return MULTI_SEP.join(vals) if vals else None

# --------------------------------------------------------------------------------------
# Closed vocabularies
# --------------------------------------------------------------------------------------

VOCABULARIES: dict[str, dict[str, str]] = {
    "event_kind": {
        "incident": "A discrete event with victims: it happened to particular people at a particular time and place.",
        "practice": "A pattern the source says is happening, with no count of victims of its own.",
        "context": "A figure that frames the events (a proposal, a population, a total reported by the source); never counted as victims.",
    },
    "context_type": {
        "reported_total": "A total stated by the source that sums incidents coded separately; used to check them, never added to them.",
        "population": "The size of a population at risk (e.g. migrant workers in Russia).",
        "proposal": "A number someone proposed or announced (e.g. a call to send residents to fight).",
        "statement": "Another contextual statement with a figure.",
    },
    "date_precision": {
        "day": "The source gives the exact day.",
        "month": "The source gives the month.",
        "season": "The source gives a season (meteorological: spring = March-May, summer = June-August, autumn = September-November, winter = December-February).",
        "year": "The source gives the year only.",
        "range": "The source gives a span (between two dates, early/mid/late month, since a date).",
        "unknown": "The source gives no usable date.",
    },
    "date_bound": {
        "exact": "The source states this bound: the first (or last) day of the period it names.",
        "open": "The source states no bound on this side; the date is empty.",
        "ongoing": "End only: still going on when the source was published ('since March'); the date is empty.",
        "or_earlier": "Start only: already under way on this date, perhaps begun earlier ('as far back as March').",
        "or_later": "End only: still under way on this date, perhaps ended later ('until at least June').",
        "no_later_than": "End only: over by this date at the latest ('by June 2023', 'before 21 September').",
        "no_earlier_than": "Start only: began on this date or later ('after 5 May', 'no earlier than').",
    },
    "occupation_status": {
        "occupied": "Ukrainian territory fully occupied by Russia (Crimea, Sevastopol).",
        "partially_occupied": "Ukrainian oblast partly occupied by Russia since 2022 (Donetsk, Luhansk, Zaporizhzhia, Kherson).",
        "not_occupied": "Not occupied territory (including all of Russia's internationally recognised territory).",
    },
    "victim_group": {
        "lgbtq_people": "People detained or targeted as (alleged) LGBTQ+ people.",
        "residents_of_chechnya": "Residents of the Chechen Republic targeted for mobilisation without a more specific group.",
        "relatives_of_activists": "Family members of activists or opposition figures, targeted through them.",
        "activists": "Activists, opposition media authors or their alleged supporters.",
        "relatives_of_accused": "Relatives of people accused of an attack or crime, punished in their place.",
        "ukrainians_in_occupied_territories": "Ukrainian civilians living in Russian-occupied territory.",
        "prisoners": "People serving sentences or held in pre-trial detention.",
        "central_asian_migrants": "Migrants from Central Asian countries (Uzbekistan, Tajikistan, Kyrgyzstan and others).",
        "general_population": "The population at large (used for context figures).",
        "unknown": "The source does not say who was affected.",
    },
    "perpetrator": {
        "chechen_security_forces": "Law-enforcement and security units under the Chechen Republic's leadership.",
        "chechen_authorities": "The Chechen Republic's civil leadership.",
        "russian_armed_forces": "Russia's Ministry of Defence, its units and enlistment offices.",
        "russian_occupation_authorities": "Authorities Russia installed in occupied Ukrainian territory.",
        "russian_police": "Police of the Russian Federation (Interior Ministry) outside Chechnya.",
        "russian_authorities": "Russian state authorities without a more specific body.",
        "wagner_group": "The Wagner private military company.",
        "prison_administration": "Administration of a Russian penal colony or detention facility.",
        "unknown": "The source does not say who did it.",
    },
    "coercion": {
        "detention": "Arbitrary detention or arrest.",
        "blackmail": "Threats to expose or harm unless the person complies.",
        "threat_of_prosecution": "Threat of fabricated or heavier criminal charges or sentences.",
        "threat_to_family": "Threats against relatives, or relatives taken in the person's place.",
        "threat_of_deportation": "Threat to deport a foreign national.",
        "ransom_demand": "Payment demanded as the alternative to being sent to fight or to release.",
        "forced_enlistment": "Forced 'volunteering' or signing of a military contract under duress.",
        "illegal_mobilisation": "Conscription of civilians of an occupied territory into the occupier's forces.",
        "prison_recruitment": "Recruitment of prisoners into armed units under pressure.",
        "forced_passportisation": "Being forced to take Russian citizenship or passports.",
        "physical_abuse": "Beatings or other physical violence.",
        "torture": "Torture.",
        "degrading_treatment": "Humiliating or degrading treatment.",
        "ethnic_discrimination": "Abuse on ethnic grounds.",
        "forced_religious_observance": "Being forced to observe religious practices.",
        "deprivation": "Deprivation of food or basic living conditions.",
        "expulsion": "Forced removal from one's home region.",
        "property_seizure": "Seizure of homes, cars or other property.",
        "forced_public_cursing": "Being forced to publicly curse or disown a relative.",
        "abduction": "Being taken by force to another place.",
        "wanted_notice": "A police wanted notice or bulletin.",
        "raid": "A police raid on a workplace, home or gathering.",
        "deception": "Being misled about where one is taken or what one signs.",
        "intimidation": "Threats and intimidation not covered above.",
    },
    "purpose": {
        "ransom": "Money demanded to avoid being sent to fight, or for release.",
        "bonus": "Money offered for signing up.",
        "fine": "A fine or penalty.",
        "payment": "Another payment.",
    },
    "amount_per": {
        "month": "Paid or demanded every month (a salary).",
        "year": "Every year.",
        "week": "Every week.",
        "day": "Every day.",
        "person": "For each person (a bounty per recruit, a ransom per detainee).",
    },
    "usd_basis": {
        "bank_of_russia_rate": "Converted at the Bank of Russia's official rate in force on rate_date.",
        "stated_by_source": "The dollar figure the source itself states (no official rate applies).",
        "original": "The amount was already in US dollars.",
    },
    "rub_basis": {
        "original": "The amount was already in roubles.",
        "bank_of_russia_rate": "Converted at the Bank of Russia's official rate in force on rate_date.",
    },
    "count_qualifier": {
        "exact": "The source gives an exact number (low = best = high).",
        "at_least": "A minimum ('at least seven'): low = best, no upper bound.",
        "approximately": "An estimate ('about 300'): best only.",
        "up_to": "A maximum ('up to 50'): high only.",
        "range": "A range ('300-350'): low and high.",
        "unknown": "The source gives no number.",
    },
    "count_subgroup": {
        "sent_to_war": "Persons the sources say were sent to fight.",
        "killed": "Persons the sources say were killed.",
    },
    "metadata_confidence": {
        "high": "Metadata printed in the captured text or confirmed at the address.",
        "medium": "Inferred from the text and dated references, not confirmed.",
        "low": "Uncertain; treat with care.",
        "low-medium": "Between low and medium.",
    },
    "match_kind": {
        "exact": "The quote occurs character for character in the archived text.",
        "whitespace": "The quote occurs once runs of whitespace are collapsed.",
        "unicode": "The quote occurs once runs of whitespace are collapsed and both texts are in Unicode's composed form (NFC); "
        "char_start and char_end are offsets into the archived text as it is.",
    },
}


#: What stands in published text where a restricted name or identifying detail was.
WITHHELD = "[withheld]"

#: What the publication gate does with a text cell that holds a restricted name or
#: identifying detail (a value some record lists under ``victim_names`` or
#: ``identifying_details``, in any spelling). A text column not marked otherwise is
#: "refuse" (or "listed" when it has a vocabulary): a new column is covered by default.
WITHHOLDING: dict[str, str] = {
    "words": f"free text: each restricted name or detail is replaced by '{WITHHELD}'",
    "cell": "the cell is published empty",
    "refuse": "the build stops: the column carries a fact (an identifier, a citation, the coder's own words) that withholding would destroy",
    "listed": "values the project supplies (vocabularies, region names): the build stops when one is itself a listed value",
}


@dataclass(frozen=True)
class Field:
    """One column: its meaning, type and constraints."""

    name: str
    type: str  # string | integer | number | date | boolean
    description: str
    vocabulary: str | None = None
    multi: bool = False  # several values joined by MULTI_SEP
    nullable: bool = True
    unique: bool = False
    unit: str | None = None
    minimum: float | None = None
    pattern: str | None = None
    withhold: str | None = None  # a key of WITHHOLDING; None: the default of its kind

    def __post_init__(self):
        if self.withhold is not None and (self.type != "string" or self.withhold not in WITHHOLDING):
            raise ValueError(f"field {self.name!r}: withhold={self.withhold!r}; a text field takes one of {', '.join(WITHHOLDING)}")

    @property
    def allowed(self) -> list[str] | None:
        return list(VOCABULARIES[self.vocabulary]) if self.vocabulary else None

    @property
    def withholding(self) -> str | None:
        """How the gate treats a restricted value in this column (None: not text)."""
        if self.type != "string":
            return None
        return self.withhold or ("listed" if self.vocabulary else "refuse")

    @property
    def free_text(self) -> bool:
        """Free text: restricted values are withheld from it, not refused."""
        return self.withholding in ("words", "cell")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, table, field)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"table {self.name!r} has no field {name!r}; fields: {', '.join(self.columns)}")


_REGION_PATTERN = r"^(RU|UA)-[A-Z0-9]{2,3}$"
_ISO_AREA_PATTERN = r"^([A-Z]{2}-[A-Z0-9]{1,3}|[A-Z]{2})$"


def _count_fields(stem: str, what: str) -> tuple[Field, ...]:
    return (
        Field(f"{stem}_low", "integer", f"Lowest number of {what} the sources support; empty when they give no minimum.", unit="persons", minimum=0),
        Field(f"{stem}_best", "integer", f"Best estimate of {what}; empty when the sources give none.", unit="persons", minimum=0),
        Field(f"{stem}_high", "integer", f"Highest number of {what} the sources support; empty when they give no maximum.", unit="persons", minimum=0),
    )


INCIDENTS = Table(
    name="incidents",
    title="Incidents, practices and context figures",
    description=(
        "One row per incident after deduplication: raw records from several sources that describe "
        "the same event are merged into one row (see merges). event_kind separates incidents from "
        "practices and context figures, which are never counted as victims."
    ),
    primary_key=("incident_id",),
    fields=(
        Field("incident_id", "string", "Stable identifier: 'INC-' and the number of the incident's canonical raw record.", nullable=False, unique=True, pattern=r"^INC-\d{3,}$"),
        Field("event_kind", "string", "Incident, practice or context figure.", vocabulary="event_kind", nullable=False),
        Field("context_type", "string", "For context figures only: what kind of figure.", vocabulary="context_type"),
        Field("summary", "string", "The coder's summary in their own words; no names or identifying details.", nullable=False),
        Field("date_start", "date", "First day the incident may have happened; empty when open or unknown."),
        Field("date_end", "date", "Last day the incident may have happened; empty when open or unknown."),
        Field("date_precision", "string", "How precisely the sources date the incident.", vocabulary="date_precision", nullable=False),
        Field("date_start_bound", "string", "What kind of bound date_start is: exact, open (no start stated), or_earlier, no_earlier_than.",
              vocabulary="date_bound", nullable=False),
        Field("date_end_bound", "string", "What kind of bound date_end is: exact, open, ongoing (still going on when reported: "
              "date_end is empty), or_later, no_later_than.", vocabulary="date_bound", nullable=False),
        Field("first_reported_date", "date", "Earliest publication date among the incident's sources (first day of the month or year when only that is known)."),
        Field("first_reported_precision", "string", "Precision of first_reported_date.", vocabulary="date_precision", nullable=False),
        Field("coded_date", "date", "Day the incident was (last) coded.", nullable=False),
        Field("country_code", "string", "ISO 3166-1 alpha-2 code(s) of the country where it happened, de jure (Crimea is UA).", multi=True, pattern=r"^[A-Z]{2}$"),
        Field("region_code", "string", "ISO 3166-2 code(s) of the first-level region(s) where it happened; several when the source names several without a split.", multi=True, pattern=_REGION_PATTERN),
        Field("region_name", "string", "English name(s) of the region(s), in the order of region_code.", multi=True, withhold="listed"),
        Field("locality", "string", "Town or village named by the source, if any; empty when it is a restricted identifying detail.", withhold="cell"),
        Field("region_group", "string", "Named groups of regions or countries the sources give instead of one region "
              "('the Volga region', 'Central Asia'): ids of src/analysis/data/place_groups.csv. region_code then holds "
              "only the regions named on their own: a group is never taken for one of its members.", multi=True,
              pattern=r"^[a-z][a-z0-9_]*$"),
        Field("region_group_members", "string", "ISO codes of the members of the region_group(s), as place_groups.csv lists them.",
              multi=True, pattern=_ISO_AREA_PATTERN),
        Field("occupation_status", "string", "Occupation status of each region, in the order of region_code.", vocabulary="occupation_status", multi=True),
        Field("origin_code", "string", "Where the victims came from, when that differs from where it happened (ISO 3166-1 or 3166-2).", multi=True, pattern=_ISO_AREA_PATTERN),
        Field("destination_region_code", "string", "Where victims were sent, if stated (ISO 3166-2 region, or ISO 3166-1 country when only the country is given).", multi=True, pattern=_ISO_AREA_PATTERN),
        Field("victim_group", "string", "Who was targeted.", vocabulary="victim_group", multi=True, nullable=False),
        Field("perpetrator", "string", "Who did it.", vocabulary="perpetrator", multi=True, nullable=False),
        Field("coercion", "string", "Coercion methods reported.", vocabulary="coercion", multi=True),
        *_count_fields("persons", "persons directly affected"),
        Field("persons_qualifier", "string", "How the sources qualify the number of persons.", vocabulary="count_qualifier", nullable=False),
        Field("persons_raised_to_fit", "string", "Set when the sources count fewer persons affected than they say were sent to fight "
              "or killed (those are among the persons): the subgroup whose firm minimum the persons' lower bound and best estimate "
              "were raised to ('several' detained, four sent to the front: at least four). Empty when the counts fit as stated.",
              vocabulary="count_subgroup"),
        *_count_fields("sent_to_war", "persons reported sent to fight"),
        Field("killed_low", "integer", "Lowest number of victims reported killed.", unit="persons", minimum=0),
        Field("killed_high", "integer", "Highest number of victims reported killed.", unit="persons", minimum=0),
        Field("context_value", "number", "For context figures: the figure itself (never a victim count).", minimum=0),
        Field("context_unit", "string", "Unit of context_value (persons, RUB, ...).", withhold="listed"),
        Field("overlaps_incident_id", "string", "Another incident whose victims may include this one's; totals then add this one's persons to the upper bound only.", pattern=r"^INC-\d{3,}$"),
        Field("total_of_incident_ids", "string", "For reported totals: the incidents the total sums.", multi=True, pattern=r"^INC-\d{3,}$"),
        Field("source_ids", "string", "Sources reporting the incident.", multi=True, nullable=False),
        Field("n_sources", "integer", "Number of sources reporting the incident.", nullable=False, minimum=1),
        Field("claimed_by_party", "boolean", "True when the figures are claims of a party to the conflict (e.g. a Ukrainian or Russian state agency).", nullable=False),
        Field("claimant", "string", "Who made the claim, when claimed_by_party is true.", withhold="words"),
        Field("record_ids", "string", "Raw records merged into this incident.", multi=True, nullable=False),
    ),
)

AMOUNTS = Table(
    name="amounts",
    title="Money amounts",
    description=(
        "Ransoms, bonuses and other payments, in the original currency and converted to roubles and "
        "US dollars at the Bank of Russia rate in force on rate_date (the middle of the incident's date span)."
    ),
    primary_key=("amount_id",),
    foreign_keys=(("incident_id", "incidents", "incident_id"),),
    fields=(
        Field("amount_id", "string", "Identifier of the amount: incident id and a sequence number.", nullable=False, unique=True),
        Field("incident_id", "string", "The incident the amount belongs to.", nullable=False),
        Field("purpose", "string", "What the money was for.", vocabulary="purpose", nullable=False),
        Field("amount", "number", "Amount in the original currency (lower end of a range).", nullable=False, minimum=0),
        Field("amount_high", "number", "Upper end of a range in the original currency; empty for a single amount.", minimum=0),
        Field("currency", "string", "ISO 4217 code of the original currency.", nullable=False, pattern=r"^[A-Z]{3}$"),
        Field("amount_qualifier", "string", "How the source qualifies the amount.", vocabulary="count_qualifier", nullable=False),
        Field("amount_per", "string", "What the amount is per when it is not a lump sum ('200,000 rubles a month'); empty for a lump sum.",
              vocabulary="amount_per"),
        Field("currency_stated", "boolean", "False when the phrase names no currency and the amount is read in the currency "
              "its record's other amounts or its quote name ('400-450 thousand' beside 'rubles').", nullable=False),
        Field("stated_usd", "number", "US-dollar equivalent the source itself states, if any.", unit="USD", minimum=0),
        Field("stated_usd_qualifier", "string", "How the source qualifies its dollar equivalent ('over $17,000' is at_least).", vocabulary="count_qualifier"),
        Field("amount_rub", "number", "Amount in roubles.", unit="RUB", minimum=0),
        Field("amount_rub_high", "number", "Upper end of a range in roubles.", unit="RUB", minimum=0),
        Field("rub_basis", "string", "How amount_rub was obtained.", vocabulary="rub_basis"),
        Field("amount_usd", "number", "Amount in US dollars.", unit="USD", minimum=0),
        Field("amount_usd_high", "number", "Upper end of a range in US dollars.", unit="USD", minimum=0),
        Field("usd_basis", "string", "How amount_usd was obtained.", vocabulary="usd_basis"),
        Field("rate_date", "date", "Date whose Bank of Russia rate was used."),
        Field("rub_per_usd", "number", "Bank of Russia roubles per US dollar on rate_date.", unit="RUB/USD", minimum=0),
    ),
)

EQUIVALENTS = Table(
    name="equivalents",
    title="Stated equivalents",
    description=(
        "Amounts in other currencies that a source states beside an amount ('1.5 million rubles (over $17,000)', "
        "'€15,120'), in the order it states them, as written: never computed. The first dollar one is also "
        "amounts.stated_usd."
    ),
    primary_key=("amount_id", "seq"),
    foreign_keys=(("amount_id", "amounts", "amount_id"),),
    fields=(
        Field("amount_id", "string", "The amount the source gives the equivalent for.", nullable=False),
        Field("seq", "integer", "Order of the equivalent in the source's phrase (1, 2, ...).", nullable=False, minimum=1),
        Field("currency", "string", "ISO 4217 code of the equivalent's currency.", nullable=False, pattern=r"^[A-Z]{3}$"),
        Field("amount", "number", "The equivalent as stated (lower end of a range).", nullable=False, minimum=0),
        Field("amount_high", "number", "Upper end of a stated range; empty for a single amount.", minimum=0),
        Field("qualifier", "string", "How the source qualifies the equivalent ('over $17,000' is at_least).",
              vocabulary="count_qualifier", nullable=False),
    ),
)

EVIDENCE = Table(
    name="evidence",
    title="Evidence quotes",
    description=(
        "Per-field provenance: for every coded field of every incident, the sentence of the source it "
        "came from and its character offsets in the archived text. Restricted names and identifying details "
        "are withheld from quotes, phrases and values ('[withheld]'); the offsets still point to the archived text."
    ),
    primary_key=("incident_id", "record_id", "field"),
    foreign_keys=(("incident_id", "incidents", "incident_id"), ("source_id", "sources", "source_id")),
    fields=(
        Field("incident_id", "string", "The incident.", nullable=False),
        Field("record_id", "string", "The raw record the quote belongs to.", nullable=False),
        Field("source_id", "string", "The source quoted.", nullable=False),
        Field("field", "string", "The coded field the quote supports (persons, date, place, money[0], ...).", nullable=False),
        Field("phrase", "string", "The source's own phrase for the field, as coded, with restricted names and details withheld.", nullable=False, withhold="words"),
        Field("coder_value", "string", "The value the coder gave where judgement was needed (e.g. the year of 'that year'), with restricted names and details withheld.", withhold="words"),
        Field("quote", "string", "The supporting quote, verbatim but for restricted names and details, which are withheld.", nullable=False, withhold="words"),
        Field("char_start", "integer", "Offset of the quote's first character in the archived text.", nullable=False, minimum=0),
        Field("char_end", "integer", "Offset one past the quote's last character.", nullable=False, minimum=0),
        Field("match_kind", "string", "How the quote was found in the text.", vocabulary="match_kind", nullable=False),
    ),
)

SOURCES = Table(
    name="sources",
    title="Sources",
    description="One row per source document: bibliographic metadata and the SHA-256 of the archived text.",
    primary_key=("source_id",),
    fields=(
        Field("source_id", "string", "Identifier of the source.", nullable=False, unique=True, pattern=r"^[a-z0-9][a-z0-9-]*$"),
        Field("archive_file", "string", "File name of the captured text in the archive directory.", nullable=False),
        Field("outlet", "string", "Publishing outlet.", nullable=False),
        Field("headline", "string", "Headline as published.", nullable=False),
        Field("address", "string", "Web address of the publication, or 'unknown'.", nullable=False),
        Field("published_date", "date", "Publication date (first day of the month when only the month is known)."),
        Field("published_precision", "string", "Precision of published_date.", vocabulary="date_precision", nullable=False),
        Field("language", "string", "ISO 639-1 language of the captured text.", nullable=False, pattern=r"^[a-z]{2}$"),
        Field("author", "string", "Author, or 'unknown'.", nullable=False, withhold="words"),
        Field("sha256", "string", "SHA-256 of the archived text.", nullable=False, pattern=r"^[0-9a-f]{64}$"),
        Field("accessed_date", "string", "Date the text was captured, or 'unknown'.", nullable=False),
        Field("metadata_confidence", "string", "How sure the metadata is.", vocabulary="metadata_confidence", nullable=False),
        Field("metadata_note", "string", "Why the metadata is as sure as it is.", withhold="words"),
        Field("reports_claims_of_party", "boolean", "True when the source relays figures of a party to the conflict.", nullable=False),
    ),
)

MERGES = Table(
    name="merges",
    title="Merges",
    description=(
        "Which raw records became which incident, and why. Every raw record appears exactly once, "
        "here or in rejections. Reversible: removing a record's same_incident_as in data/raw splits it off again."
    ),
    primary_key=("record_id",),
    foreign_keys=(("incident_id", "incidents", "incident_id"), ("source_id", "sources", "source_id")),
    fields=(
        Field("record_id", "string", "The raw record.", nullable=False, unique=True),
        Field("source_id", "string", "Its source.", nullable=False),
        Field("incident_id", "string", "The incident it became part of.", nullable=False),
        Field("is_canonical", "boolean", "True for the record that gives the incident its id and summary.", nullable=False),
        Field("merge_reason", "string", "Why the record was merged into another record's incident; empty for canonical records.", withhold="words"),
    ),
)

REJECTIONS = Table(
    name="rejections",
    title="Rejected records",
    description="Raw records a coder excluded from the dataset, with the reason (out of scope, not about coercion, ...).",
    primary_key=("record_id",),
    fields=(
        Field("record_id", "string", "The raw record.", nullable=False, unique=True),
        Field("source_id", "string", "Its source.", nullable=False),
        Field("reason", "string", "Why it was excluded.", nullable=False, withhold="words"),
    ),
)

#: Tables published in data/processed/, in dependency order.
TABLES: dict[str, Table] = {t.name: t for t in (SOURCES, INCIDENTS, AMOUNTS, EQUIVALENTS, EVIDENCE, MERGES, REJECTIONS)}

# --------------------------------------------------------------------------------------
# The raw record format (data/raw/incidents/*.yaml)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawKey:
    name: str
    kind: str  # "phrase" | "phrase-list" | "text" | "vocab" | "vocab-list" | "id" | "date" | "bool" | "mapping"
    description: str
    required: bool = False
    vocabulary: str | None = None
    restricted: bool = False
    for_kinds: tuple[str, ...] = ("incident", "practice", "context")


#: Keys of a raw record. A "phrase" key holds a mapping with the source's own ``phrase``,
#: an optional ``quote`` (defaults to the phrase; must appear verbatim in the source) and
#: an optional ``value`` where the coder resolves what the phrase leaves open.
RAW_KEYS: tuple[RawKey, ...] = (
    RawKey("record_id", "id", "Unique id of the record, 'R' and three or more digits; never reused.", required=True),
    RawKey("status", "text", "'coded' (default) or 'excluded'; excluded records go to the rejection report with exclusion_reason."),
    RawKey("exclusion_reason", "text", "Why an excluded record is out of scope."),
    RawKey("event_kind", "vocab", "incident, practice or context.", required=True, vocabulary="event_kind"),
    RawKey("context_type", "vocab", "For context records: the kind of figure.", vocabulary="context_type", for_kinds=("context",)),
    RawKey("summary", "text", "What happened, in the coder's own words; no names or identifying details.", required=True),
    RawKey("date", "phrase", "When it happened: the source's phrase (value: the coder's reading, e.g. 'early September 2022' for 'early September of that year')."),
    RawKey("place", "phrase", "Where it happened: the source's phrase (value: region names or codes where judgement is needed)."),
    RawKey("origin", "phrase", "Where the victims came from, when different from place (e.g. their home countries)."),
    RawKey("destination", "phrase", "Where the victims were sent."),
    RawKey("persons", "phrase", "How many people were affected: the source's phrase ('approximately 300')."),
    RawKey("sent_to_war", "phrase", "How many of them were sent to fight."),
    RawKey("killed", "phrase", "How many of them were killed."),
    RawKey("figure", "phrase", "For context records: the figure ('upwards of 300,000')."),
    RawKey("money", "phrase-list", "Amounts named, each a phrase with a purpose ('1.5 million rubles (over $17,000)')."),
    RawKey("victim_group", "vocab-list", "Who was targeted.", required=True, vocabulary="victim_group"),
    RawKey("perpetrator", "vocab-list", "Who did it.", required=True, vocabulary="perpetrator"),
    RawKey("coercion", "vocab-list", "Coercion methods.", vocabulary="coercion"),
    RawKey("claimed_by", "text", "The party to the conflict whose claim the figures are (empty when none)."),
    RawKey("same_incident_as", "id", "Record id of another record describing the same incident; merges the two."),
    RawKey("merge_reason", "text", "Why the records describe the same incident (required with same_incident_as)."),
    RawKey("overlaps", "id", "Record id of an incident whose victims may include this one's."),
    RawKey("total_of", "id", "For reported totals: record ids of the incidents the total sums (list)."),
    RawKey("total_field", "text", "For reported totals: which count the total sums (persons, sent_to_war or killed; default persons)."),
    RawKey("evidence", "mapping", "Quotes for fields that hold no phrase (summary, coercion, victim_group, perpetrator, claimed_by): field -> quote."),
    RawKey("coded_by", "text", "Who coded the record.", required=True),
    RawKey("coded_on", "date", "When the record was coded (YYYY-MM-DD).", required=True),
    RawKey("coder_notes", "text", "Working notes for other coders. Restricted: never published (its words are not searched for: list what must be withheld under victim_names or identifying_details).", restricted=True),
    RawKey("victim_names", "text", "Names or pseudonyms of victims, where a coder needs them to deduplicate. Restricted: never published; withheld, with each part of the name, in any spelling, from everything published.", restricted=True),
    RawKey("identifying_details", "text", "Ages, kinship, workplaces, villages, units or other details that could identify a victim. Restricted: never published; withheld, in any spelling, from everything published.", restricted=True),
)

RESTRICTED_RAW_KEYS: tuple[str, ...] = tuple(k.name for k in RAW_KEYS if k.restricted)
PHRASE_KEYS: tuple[str, ...] = tuple(k.name for k in RAW_KEYS if k.kind == "phrase")


def check_vocabulary(vocabulary: str, values: Iterable[str]) -> list[str]:
    """Return the values that are not in the vocabulary (empty list when all are allowed)."""
    allowed = VOCABULARIES[vocabulary]
    return [v for v in values if v not in allowed]


def allowed_text(vocabulary: str) -> str:
    return ", ".join(VOCABULARIES[vocabulary])


# --------------------------------------------------------------------------------------
# Generated artefacts: pandera schemas, datapackage.json, codebook markdown
# --------------------------------------------------------------------------------------

_PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "date": "datetime64[ns]",
}


def pandas_dtypes(table: str) -> dict[str, str]:
    """The dtype each column of a published table is loaded with."""
    return {f.name: _PANDAS_DTYPES[f.type] for f in TABLES[table].fields}


def pandera_schema(table: str):
    """A pandera DataFrameSchema for a published table, generated from the codebook."""
    import pandera.pandas as pa

    t = TABLES[table]
    columns = {f.name: pa.Column(_PANDAS_DTYPES[f.type], checks=_pandera_checks(f), nullable=f.nullable, unique=f.unique,
                                 description=f.description, title=f.name) for f in t.fields}
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=t.name, unique=list(t.primary_key) or None)


def _pandera_checks(f: Field) -> list:
    """The value checks of one field: minimum, vocabulary, pattern (each part of a multi-valued cell)."""
    import re

    import pandera.pandas as pa

    checks = []
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum))
    if f.vocabulary and not f.multi:
        checks.append(pa.Check.isin(f.allowed))
    if f.vocabulary and f.multi:
        allowed = set(f.allowed)
        checks.append(pa.Check(_every_part(lambda p: p in allowed), element_wise=False,
                               error=f"every |-separated value must be one of: {', '.join(f.allowed)}"))
    if f.pattern and not f.multi:
        checks.append(pa.Check.str_matches(f.pattern))
    if f.pattern and f.multi:
        rx = re.compile(f.pattern)
        checks.append(pa.Check(_every_part(lambda p: rx.match(p) is not None), element_wise=False,
                               error=f"every |-separated value must match {f.pattern}"))
    return checks


def _every_part(part_ok):
    """Check function: every |-separated part of each value passes ``part_ok``.

    A multi-valued column holds few distinct cells and fewer distinct parts, so each
    distinct part is tested once and the verdict is spread back to the rows with
    vectorised isin: an element-wise map took most of the load time at 1M rows.
    """
    import pandas as pd

    def check(s: pd.Series) -> pd.Series:
        cells = pd.Series(s.unique()).dropna()
        parts = cells.astype(str).str.split(MULTI_SEP, regex=False).explode()
        bad_parts = [p for p in parts.unique() if not part_ok(p)]
        if not bad_parts:
            return pd.Series(True, index=s.index, dtype=bool)
        bad_cells = cells[parts.isin(bad_parts).groupby(level=0).any()]
        return ~s.isin(bad_cells)

    return check


_FRICTIONLESS_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "date": "date"}


def table_schema(table: str) -> dict:
    """Frictionless Table Schema for a published table."""
    t = TABLES[table]
    fields = []
    for f in t.fields:
        d: dict = {"name": f.name, "type": _FRICTIONLESS_TYPES[f.type], "description": f.description}
        constraints: dict = {}
        if not f.nullable:
            constraints["required"] = True
        if f.unique:
            constraints["unique"] = True
        if f.minimum is not None:
            constraints["minimum"] = int(f.minimum) if f.type == "integer" else f.minimum
        if f.vocabulary and not f.multi:
            constraints["enum"] = f.allowed
        elif f.vocabulary and f.multi:
            vals = "|".join(f.allowed)
            constraints["pattern"] = f"({vals})(\\|({vals}))*"
        elif f.pattern:
            core = f.pattern.strip("^$")
            constraints["pattern"] = f"{core}(\\|{core})*" if f.multi else core
        if constraints:
            d["constraints"] = constraints
        if f.type == "boolean":
            d["trueValues"] = ["true"]
            d["falseValues"] = ["false"]
        if f.unit:
            d["unit"] = f.unit
        fields.append(d)
    schema: dict = {"fields": fields, "missingValues": [""]}
    if t.primary_key:
        schema["primaryKey"] = list(t.primary_key)
    if t.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": fk, "reference": {"resource": ref, "fields": reff}} for fk, ref, reff in t.foreign_keys
        ]
    return schema


def codebook_markdown(heading_level: int = 2) -> str:
    """The codebook as Markdown, for the report's appendix and docs/codebook.md."""
    h = "#" * heading_level
    out: list[str] = []
    for t in TABLES.values():
        out.append(f"{h} `{t.name}`: {t.title}\n")
        out.append(t.description + "\n")
        if t.primary_key:
            out.append(f"Primary key: `{', '.join(t.primary_key)}`.\n")
        out.append("| column | type | description | allowed values |")
        out.append("|---|---|---|---|")
        for f in t.fields:
            typ = f.type + (" (several, `|`-separated)" if f.multi else "") + ("" if f.nullable else ", required") \
                + (", free text" if f.free_text else "")
            allowed = ", ".join(f"`{v}`" for v in f.allowed) if f.allowed else (f"`{f.pattern}`" if f.pattern else "")
            out.append(f"| `{f.name}` | {typ} | {_md_cell(f.description)} | {allowed} |")
        out.append("")
    out.append(f"{h} Restricted names and details in text columns\n")
    out.append("A name or identifying detail that any record lists under `victim_names` or `identifying_details` is "
               "looked for, in any spelling, in every text cell of every table before it is published. "
               "What happens depends on the column:\n")
    for kind, meaning in WITHHOLDING.items():
        out.append(f"- {meaning}: " + ", ".join(f"`{t.name}.{f.name}`" for t in TABLES.values() for f in t.fields
                                                  if f.withholding == kind) + ".")
    out.append("")
    out.append(f"{h} Vocabularies\n")
    for name, values in VOCABULARIES.items():
        out.append(f"**{name}**\n")
        for v, d in values.items():
            out.append(f"- `{v}`: {_md_cell(d)}")
        out.append("")
    out.append(f"{h} Raw record keys (`data/raw/incidents/*.yaml`)\n")
    out.append("| key | kind | required | description |")
    out.append("|---|---|---|---|")
    for k in RAW_KEYS:
        out.append(f"| `{k.name}` | {k.kind}{' (restricted)' if k.restricted else ''} | {'yes' if k.required else ''} | {_md_cell(k.description)} |")
    out.append("")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    """Write docs/codebook.md (``python -m analysis.codebook``); a test checks it is current."""
    from . import config

    path = config.PROJECT_ROOT / "docs" / "codebook.md"
    text = "# Codebook\n\n<!-- Generated by `python -m analysis.codebook` from src/analysis/codebook.py; do not edit. -->\n\n"
    path.write_text(text + codebook_markdown(heading_level=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
