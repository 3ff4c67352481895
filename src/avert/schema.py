"""Canonical tables of avert, as Polars schemas, in one place.

Every other module imports column names, types, enumerations and primary keys from
here: the store generates its SQL tables from :data:`TABLES`, ingest maps each source
onto these schemas, and analyses document which of these columns they need.

The tables follow ``DESIGN.md`` ("Canonical tables") and the record bundle contract
``FORMATS.md``. Identifiers are stable strings from the source system (avert adds
none that a re-load would change); times are naive local datetimes; where a source
gives only a month (data.police.uk) ``occurred_from``/``occurred_to`` span the month
and ``time_precision`` is ``"month"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import polars as pl

from avert.errors import SchemaError

__all__ = [
    "ACTIONS",
    "AGE_RANGES",
    "API_TOKENS",
    "AREA_BOUNDARIES",
    "AREA_CENTROIDS",
    "ASB",
    "ASB_CATEGORIES",
    "ASB_ESCALATIONS",
    "ATTENDANCES",
    "AUDIT",
    "BUNDLE_FORMAT",
    "CLASSIFICATIONS",
    "CLASSIFICATION_RUNS",
    "CONFIDENCE_SURVEY",
    "CONTINUUM_LEVELS",
    "DASH",
    "DASH_ANSWERS",
    "DASH_QUESTIONS",
    "DASH_RISK_LEVELS",
    "DELIVERY_HISTORY",
    "DETECTED_GROUPS",
    "DETECTED_GROUP_MEMBERS",
    "DETECTED_GROUP_PREFIX",
    "DETECTION_RUNS",
    "ETHNICITIES",
    "GROUPS",
    "GROUP_MEMBERS",
    "HATE_STRANDS",
    "HELD_ROWS",
    "INCIDENTS",
    "INJURY_LEVELS",
    "INTELLIGENCE",
    "INTEL_SUBJECT_TYPES",
    "INTEL_TOPICS",
    "INVOLVEMENTS",
    "ITEM_KINDS",
    "LOADS",
    "LOAD_STOP_SPANS",
    "OBJECTIVES",
    "OUTCOMES",
    "PEOPLE",
    "PERSON_IDENTITY",
    "PLANS",
    "POPULATIONS",
    "PSEUDONYM_INDEX",
    "QUARANTINE",
    "RELATIONSHIPS",
    "RELATIONSHIP_KINDS",
    "RIPE_STRANDS",
    "ROLES",
    "SEXES",
    "SIGN_IN_FAILURES",
    "STOPS",
    "TABLES",
    "TASKINGS",
    "TIME_PRECISIONS",
    "USERS",
    "WEAPONS",
    "BundleColType",
    "TableSpec",
    "check_frame",
    "empty_frame",
]

# --- enumerations (FORMATS.md) -------------------------------------------------
ROLES: Final = ("victim", "suspect", "offender", "witness")
WEAPONS: Final = ("none", "knife", "firearm", "other")
HATE_STRANDS: Final = (
    "race",
    "religion",
    "sexual_orientation",
    "disability",
    "transgender",
)
INJURY_LEVELS: Final = ("none", "minor", "serious", "fatal")
SEXES: Final = ("M", "F", "X", "U")
ETHNICITIES: Final = ("Asian", "Black", "Mixed", "White", "Other", "Unknown")
AGE_RANGES: Final = ("under 10", "10-17", "18-24", "25-34", "over 34")
RELATIONSHIP_KINDS: Final = (
    "sibling",
    "parent",
    "partner",
    "ex_partner",
    "associate",
    "same_address",
)
ASB_CATEGORIES: Final = ("personal", "nuisance", "environmental")
INTEL_SUBJECT_TYPES: Final = ("person", "place", "group")
INTEL_TOPICS: Final = ("weapon", "drugs", "conflict", "exploitation", "other")
#: DASH 2009 risk checklist (SafeLives; ACPO 2009): the number of questions, the
#: answers a question may have (blank: not asked) and the assessor's risk levels
DASH_QUESTIONS: Final = 27
DASH_ANSWERS: Final = ("yes", "no", "not_known")
DASH_RISK_LEVELS: Final = ("standard", "medium", "high")
#: How precise an incident's time is, finest first: ``exact`` (as recorded),
#: ``hour`` (the hour is known, e.g. a city's open data), ``day``, ``month``
#: (data.police.uk); ``occurred_from`` is the start of that hour, day or month.
TIME_PRECISIONS: Final = ("exact", "hour", "day", "month")
CONTINUUM_LEVELS: Final = ("peer_group", "street_gang", "organised_network")
RIPE_STRANDS: Final = ("reassurance", "intelligence", "prevention", "enforcement")
#: Briefing items a tasking can come from (``taskings.item_kind``), and the subject
#: each one is about: two taskings about the same subject are the same visit.
ITEM_KINDS: Final[dict[str, str]] = {
    "incident": "incident",
    "retaliation": "incident",
    "repeat_victim": "person",
    "person": "person",
    "asb_caller": "person",
    "place": "place",
    "cell": "place",
    "group": "group",
    "area": "area",
}

_DT: Final = pl.Datetime("us")

# --- the record bundle contract (FORMATS.md), read by ingest, written by synth -----
# column spec: (name, type, required). type: str | float | int | bool | datetime |
# date | hate | a tuple of allowed values
BundleColType = str | tuple[str, ...]
_COORDS: Final[list[tuple[str, BundleColType, bool]]] = [
    ("lat", "float", False),
    ("lon", "float", False),
    ("x", "float", False),
    ("y", "float", False),
]
#: The avert record bundle, format v1 (FORMATS.md): tables in load order (referenced tables first) and their columns.
BUNDLE_FORMAT: Final[dict[str, list[tuple[str, BundleColType, bool]]]] = {
    "people": [
        ("person_id", "str", True),
        ("birth_year", "int", False),
        ("sex", SEXES, False),
        ("ethnicity", ETHNICITIES, False),
        ("vulnerable", "bool", False),
    ],
    "incidents": [
        ("incident_id", "str", True),
        ("offence_code", "str", False),
        ("crime_type", "str", False),
        ("occurred_at", "datetime", True),
        ("occurred_to", "datetime", False),
        *_COORDS,
        ("lsoa", "str", False),
        ("ward", "str", False),
        ("borough", "str", False),
        ("domestic", "bool", False),
        ("weapon", WEAPONS, False),
        ("hate", "hate", False),
        ("gang_related", "bool", False),
        ("injury", INJURY_LEVELS, False),
        ("outcome", "str", False),
    ],
    "involvements": [
        ("incident_id", "str", True),
        ("person_id", "str", True),
        ("role", ROLES, True),
    ],
    "relationships": [
        ("person_a", "str", True),
        ("person_b", "str", True),
        ("kind", RELATIONSHIP_KINDS, True),
        ("valid_from", "date", False),
        ("valid_to", "date", False),
    ],
    "groups": [("group_id", "str", True), ("name", "str", False)],
    "group_members": [
        ("group_id", "str", True),
        ("person_id", "str", True),
        ("since", "date", False),
    ],
    "asb": [
        ("asb_id", "str", True),
        ("occurred_at", "datetime", True),
        ("category", ASB_CATEGORIES, False),
        *_COORDS,
        ("caller_id", "str", False),
        ("vulnerable_caller", "bool", False),
    ],
    "stops": [
        ("stop_id", "str", True),
        ("occurred_at", "datetime", True),
        *_COORDS,
        ("legislation", "str", False),
        ("object_of_search", "str", False),
        ("outcome", "str", False),
        ("age_range", AGE_RANGES, False),
        ("sex", SEXES, False),
        ("ethnicity", ETHNICITIES, False),
        ("officer_ethnicity", ETHNICITIES, False),
        ("person_id", "str", False),
        # an avert extension (docs/bundle.md; FORMATS.md: "avert may read more"):
        # police.uk's "Outcome linked to object of search", the find rate's numerator
        ("outcome_linked", "bool", False),
    ],
    "attendances": [
        ("attendance_id", "str", True),
        ("occurred_at", "datetime", True),
        *_COORDS,
        ("weapon", WEAPONS, False),
        ("age_range", AGE_RANGES, False),
        ("sex", SEXES, False),
    ],
    "intelligence": [
        ("intel_id", "str", True),
        ("recorded_at", "datetime", True),
        ("subject_type", INTEL_SUBJECT_TYPES, True),
        ("subject_id", "str", True),
        ("grading", "str", False),
        ("topic", INTEL_TOPICS, False),
    ],
    # an avert extension beyond FORMATS.md ("avert may read more"): DASH risk
    # assessments of domestic abuse victims (docs/bundle.md)
    "dash": [
        ("assessment_id", "str", True),
        ("person_id", "str", True),
        ("assessed_at", "datetime", True),
        ("incident_id", "str", False),
        ("agency", "str", False),
        *((f"q{n}", DASH_ANSWERS, False) for n in range(1, DASH_QUESTIONS + 1)),
        ("professional_judgement", "bool", False),
        ("risk_level", DASH_RISK_LEVELS, False),
    ],
}


@dataclass(frozen=True)
class TableSpec:
    """One canonical table: its name, Polars schema, primary key and column docs."""

    name: str
    schema: pl.Schema
    primary_key: tuple[str, ...]
    doc: str
    columns: dict[str, str] = field(default_factory=dict)
    indexes: tuple[tuple[str, ...], ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    #: the order rows are read in when a read asks for none (empty: the primary key)
    read_order: tuple[str, ...] = ()

    @property
    def default_order(self) -> tuple[str, ...]:
        """Columns a read without an order sorts by: ``read_order``, else the key."""
        return self.read_order or self.primary_key

    @property
    def names(self) -> list[str]:
        """Column names in canonical order."""
        return list(self.schema.names())

    def schema_of(self, *names: str) -> dict[str, pl.DataType]:
        """The canonical dtypes of ``names``, in that order (a query's result schema)."""
        unknown = [n for n in names if n not in self.schema]
        if unknown:
            msg = f"{self.name} has no columns {unknown}"
            raise SchemaError(msg)
        return {n: self.schema[n] for n in names}


#: a canonical column: (name, dtype, doc)
_Column = tuple[str, pl.DataType, str]


def _spec(
    name: str,
    doc: str,
    cols: list[_Column],
    primary_key: tuple[str, ...],
    indexes: tuple[tuple[str, ...], ...] = (),
    unique: tuple[tuple[str, ...], ...] = (),
    read_order: tuple[str, ...] = (),
) -> TableSpec:
    return TableSpec(
        name=name,
        schema=pl.Schema([(c, t) for c, t, _ in cols]),
        primary_key=primary_key,
        doc=doc,
        columns={c: d for c, _, d in cols},
        indexes=indexes,
        unique=unique,
        read_order=read_order,
    )


_PLACE: Final[list[_Column]] = [
    ("lat", pl.Float64(), "WGS84 latitude"),
    ("lon", pl.Float64(), "WGS84 longitude"),
    (
        "x",
        pl.Float64(),
        "projected easting in metres (settings CRS, EPSG:27700 default)",
    ),
    ("y", pl.Float64(), "projected northing in metres"),
]


def _one_of(values: tuple[str, ...]) -> str:
    """The doc of a column whose values are one of ``values``: ``a | b | c``."""
    return " | ".join(values)


_SOURCE: Final[_Column] = ("source", pl.String(), "source system")
_PERSON_KEY: Final[_Column] = ("person_id", pl.String(), "key into people")
_SEX: Final[_Column] = ("sex", pl.String(), _one_of(SEXES))
_ETHNICITY: Final[_Column] = (
    "ethnicity",
    pl.String(),
    "self-defined, census top-level group",
)
_WEAPON: Final[_Column] = ("weapon", pl.String(), _one_of(WEAPONS))
_STRAND: Final[_Column] = ("strand", pl.String(), _one_of(RIPE_STRANDS))
#: the change counter of the delivery plan's editable tables
_VERSIONED: Final[list[_Column]] = [
    ("updated_at", _DT, "last change"),
    ("version", pl.Int64(), "1 when created, +1 per change"),
]
#: a bundle row's columns that the format does not name (FORMATS.md: "kept as-is
#: and ignored by analyses")
_EXTRA: Final[_Column] = (
    "extra",
    pl.String(),
    "columns of the bundle row that the format does not name, as a JSON object of "
    "their text values (kept as-is; no analysis reads them)",
)
_PROVENANCE: Final[list[_Column]] = [
    ("load_id", pl.String(), "the load that added this row (table loads)"),
    ("source_file", pl.String(), "file the row came from (as given to ingest)"),
    ("source_line", pl.Int64(), "1-based physical line of the row in its file"),
]

INCIDENTS: Final = _spec(
    "incidents",
    "One row per recorded crime or police-recorded incident (ASB rows of police.uk included).",
    [
        (
            "incident_id",
            pl.String(),
            "stable id: the source's id, or a deterministic content key",
        ),
        (
            "source",
            pl.String(),
            "source system, e.g. 'policeuk' or the bundle's manifest source",
        ),
        ("force", pl.String(), "force that recorded it (police.uk 'Falls within')"),
        (
            "offence_code",
            pl.String(),
            "Home Office offence classification code, e.g. 8N",
        ),
        (
            "crime_type",
            pl.String(),
            "data.police.uk category, e.g. 'Violence and sexual offences'",
        ),
        ("occurred_from", _DT, "start of the offence (or first instant of the month)"),
        ("occurred_to", _DT, "end of the window (or last instant of the month)"),
        ("time_precision", pl.String(), _one_of(TIME_PRECISIONS)),
        *_PLACE,
        ("location", pl.String(), "place description, e.g. police.uk 'On or near ...'"),
        ("lsoa", pl.String(), "LSOA code"),
        ("lsoa_name", pl.String(), "LSOA name"),
        ("ward", pl.String(), "ward code or name"),
        ("borough", pl.String(), "borough / local authority code or name"),
        ("domestic", pl.Boolean(), "domestic abuse flag"),
        _WEAPON,
        ("hate", pl.String(), "';'-separated hate strands (race, religion, ...)"),
        ("gang_related", pl.Boolean(), "recorded as gang/group related"),
        ("injury", pl.String(), _one_of(INJURY_LEVELS)),
        ("outcome", pl.String(), "latest outcome"),
        ("context", pl.String(), "free context text from the source"),
        (
            "has_source_id",
            pl.Boolean(),
            "false when the source gave no id (key derived from content)",
        ),
        (
            "has_location",
            pl.Boolean(),
            "false when the source gave no usable coordinates",
        ),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("incident_id",),
    # only occurred_from is queried by range (briefing windows); every extra index
    # costs a sort of the whole table at the end of a bulk load (migration 0002).
    # The one index also covers the places forecast's read (time, precision, x, y,
    # the domestic flag, the source and force that name whose events a grid holds,
    # and the id it joins on), so that read never visits the wide rows (0013,
    # 0028, 0038).
    indexes=(
        (
            "occurred_from",
            "time_precision",
            "x",
            "y",
            "domestic",
            "source",
            "force",
            "incident_id",
        ),
    ),
)

OUTCOMES: Final = _spec(
    "outcomes",
    "police.uk outcome events; the latest one per crime is copied onto incidents.outcome.",
    [
        ("incident_id", pl.String(), "Crime ID"),
        ("month", pl.Date(), "first day of the month of the outcome"),
        ("outcome", pl.String(), "police.uk 'Outcome type'"),
        ("force", pl.String(), "force that reported it"),
        *_PROVENANCE,
    ],
    ("incident_id", "month", "outcome"),
)

STOPS: Final = _spec(
    "stops",
    "One row per stop and search (person or vehicle).",
    [
        (
            "stop_id",
            pl.String(),
            "stable id: the source's id, or a deterministic content key",
        ),
        _SOURCE,
        ("force", pl.String(), "force (from the police.uk file name when known)"),
        ("occurred_at", _DT, "date and time of the search"),
        (
            "search_type",
            pl.String(),
            "Person search | Vehicle search | Person and Vehicle search",
        ),
        *_PLACE,
        ("has_location", pl.Boolean(), "false when the source gave no coordinates"),
        ("part_of_operation", pl.Boolean(), "part of a policing operation"),
        ("operation_name", pl.String(), "policing operation"),
        ("legislation", pl.String(), "power used"),
        ("object_of_search", pl.String(), "what was searched for"),
        ("outcome", pl.String(), "outcome"),
        ("outcome_linked", pl.Boolean(), "outcome linked to object of search"),
        (
            "removal_outer_clothing",
            pl.Boolean(),
            "removal of more than just outer clothing",
        ),
        ("age_range", pl.String(), _one_of(AGE_RANGES)),
        _SEX,
        _ETHNICITY,
        (
            "ethnicity_detail",
            pl.String(),
            "self-defined ethnicity as given (18+1 census codes)",
        ),
        ("officer_ethnicity", pl.String(), "officer-defined top-level group"),
        ("person_id", pl.String(), "person searched, when known"),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("stop_id",),
    indexes=(("occurred_at",),),
)

PEOPLE: Final = _spec(
    "people",
    "Person known to the system (pseudonymous key; no identities here).",
    [
        ("person_id", pl.String(), "pseudonymous stable key"),
        ("birth_year", pl.Int32(), "year of birth"),
        _SEX,
        _ETHNICITY,
        ("vulnerable", pl.Boolean(), "recorded vulnerability"),
        _SOURCE,
        *_PROVENANCE,
        _EXTRA,
    ],
    ("person_id",),
)

PERSON_IDENTITY: Final = _spec(
    "person_identity",
    "Restricted personal identifiers; never leaves the police role.",
    [
        _PERSON_KEY,
        ("name", pl.String(), "full name"),
        ("date_of_birth", pl.Date(), "date of birth"),
        ("address", pl.String(), "address"),
        *_PROVENANCE,
    ],
    ("person_id",),
)

INVOLVEMENTS: Final = _spec(
    "involvements",
    "A person's role in an incident.",
    [
        ("incident_id", pl.String(), "key into incidents"),
        _PERSON_KEY,
        ("role", pl.String(), _one_of(ROLES)),
        ("outcome", pl.String(), "outcome for this person"),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("incident_id", "person_id", "role"),
    indexes=(("person_id",),),
)

RELATIONSHIPS: Final = _spec(
    "relationships",
    "A link between two people.",
    [
        ("person_a", pl.String(), "first person"),
        ("person_b", pl.String(), "second person (for parent: a is parent of b)"),
        ("kind", pl.String(), _one_of(RELATIONSHIP_KINDS)),
        _SOURCE,
        ("valid_from", pl.Date(), "start of validity"),
        ("valid_to", pl.Date(), "end of validity"),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("person_a", "person_b", "kind"),
    # the key serves person_a; a person's kin are read on both sides (0035)
    indexes=(("person_b",),),
)

ASB: Final = _spec(
    "asb",
    "Anti-social behaviour report from a person-level source.",
    [
        ("asb_id", pl.String(), "stable id"),
        _SOURCE,
        ("occurred_at", _DT, "when"),
        (
            "time_precision",
            pl.String(),
            "day: occurred_at was a date alone, stored at 00:00 (no time known); "
            "exact: a time was given; month: the first instant of its month "
            "(data.police.uk); null: loaded before 0034 at 00:00, as stored",
        ),
        ("category", pl.String(), _one_of(ASB_CATEGORIES)),
        *_PLACE,
        ("caller_id", pl.String(), "person reporting (the victim for personal ASB)"),
        ("vulnerable_caller", pl.Boolean(), "caller recorded as vulnerable"),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("asb_id",),
    indexes=(("occurred_at",),),
)

ATTENDANCES: Final = _spec(
    "attendances",
    "Emergency department assault attendance (Cardiff Model).",
    [
        ("attendance_id", pl.String(), "stable id"),
        _SOURCE,
        ("occurred_at", _DT, "time of the assault, as told"),
        *_PLACE,
        _WEAPON,
        ("age_range", pl.String(), "age band"),
        _SEX,
        *_PROVENANCE,
        _EXTRA,
    ],
    ("attendance_id",),
)

INTELLIGENCE: Final = _spec(
    "intelligence",
    "Intelligence log entry (no free text is stored in analytics tables).",
    [
        ("intel_id", pl.String(), "stable id"),
        _SOURCE,
        ("recorded_at", _DT, "when recorded"),
        ("subject_type", pl.String(), _one_of(INTEL_SUBJECT_TYPES)),
        ("subject_id", pl.String(), "person_id, group_id or 'lat,lon'"),
        ("grading", pl.String(), "3x5x2 grading, e.g. B2"),
        ("topic", pl.String(), _one_of(INTEL_TOPICS)),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("intel_id",),
)

DASH: Final = _spec(
    "dash",
    "A DASH 2009 domestic abuse risk assessment of a victim (bundle extension).",
    [
        ("assessment_id", pl.String(), "stable id"),
        _SOURCE,
        ("person_id", pl.String(), "the victim assessed (key into people)"),
        ("assessed_at", _DT, "when assessed"),
        (
            "time_precision",
            pl.String(),
            "day: assessed_at was a date alone, stored at 00:00 (no time known); "
            "exact: a time was given; null: loaded before 0030, as stored",
        ),
        ("incident_id", pl.String(), "the incident that prompted it, if given"),
        ("agency", pl.String(), "who assessed"),
        *(
            (f"q{n}", pl.String(), f"DASH question {n}: {_one_of(DASH_ANSWERS)}")
            for n in range(1, DASH_QUESTIONS + 1)
        ),
        (
            "professional_judgement",
            pl.Boolean(),
            "the assessor judged the risk high whatever the count",
        ),
        ("risk_level", pl.String(), _one_of(DASH_RISK_LEVELS)),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("assessment_id",),
    indexes=(("person_id",),),
)

GROUPS: Final = _spec(
    "groups",
    "A declared group or network.",
    [
        ("group_id", pl.String(), "stable id"),
        ("name", pl.String(), "name"),
        (
            "continuum",
            pl.String(),
            "declared continuum level, when the source gives one",
        ),
        _SOURCE,
        *_PROVENANCE,
        _EXTRA,
    ],
    ("group_id",),
)

GROUP_MEMBERS: Final = _spec(
    "group_members",
    "Declared membership of a person in a group.",
    [
        ("group_id", pl.String(), "key into groups"),
        _PERSON_KEY,
        ("since", pl.Date(), "member since"),
        *_PROVENANCE,
        _EXTRA,
    ],
    ("group_id", "person_id"),
)

ACTIONS: Final = _spec(
    "actions",
    "Delivery-plan action (RIPE): who does what to which VOLT subject, by when.",
    [
        ("action_id", pl.String(), "stable id"),
        _STRAND,
        ("title", pl.String(), "what is to be done"),
        ("lead_organisation", pl.String(), "lead partner"),
        ("owner", pl.String(), "accountable owner"),
        (
            "target_type",
            pl.String(),
            "subject: person | place | group | area | cohort | incident",
        ),
        ("target_id", pl.String(), "id of the subject"),
        ("due", pl.Date(), "due date"),
        (
            "status",
            pl.String(),
            "proposed | open | in_progress | done | cancelled (overdue is derived)",
        ),
        ("evidence", pl.String(), "evidence notes (of progress or completion)"),
        ("plan_id", pl.String(), "key into plans"),
        ("objective_id", pl.String(), "key into objectives"),
        ("supporting", pl.String(), "';'-separated supporting partners"),
        ("approach", pl.String(), "universal | targeted | specialist"),
        ("rag", pl.String(), "red | amber | green"),
        ("rag_reason", pl.String(), "why that RAG rating"),
        ("review_date", pl.Date(), "next review"),
        ("board", pl.String(), "board or strategy the action belongs to"),
        ("area", pl.String(), "area (borough or LSOA) the action works in"),
        (
            "authors",
            pl.String(),
            "who wrote which words of the free text (JSON: per field, the text's "
            "digest and the [start, end, organisation] spans a partner wrote); "
            "null: the police",
        ),
        *_VERSIONED,
    ],
    ("action_id",),
)

PLANS: Final = _spec(
    "plans",
    "A delivery plan: its period and the board that owns it.",
    [
        ("plan_id", pl.String(), "stable id"),
        ("title", pl.String(), "title"),
        ("board", pl.String(), "owning board"),
        ("period_start", pl.Date(), "first day of the plan"),
        ("period_end", pl.Date(), "last day of the plan"),
        *_VERSIONED,
    ],
    ("plan_id",),
)

OBJECTIVES: Final = _spec(
    "objectives",
    "A plan objective under one RIPE strand, tied to a measure with baseline and target.",
    [
        ("objective_id", pl.String(), "stable id"),
        ("plan_id", pl.String(), "key into plans"),
        _STRAND,
        ("title", pl.String(), "the objective"),
        ("indicator", pl.String(), "indicator name (computed by the performance work)"),
        ("indicator_filter", pl.String(), "filter of the indicator, e.g. borough=X"),
        ("baseline", pl.Float64(), "value at the start"),
        ("target", pl.Float64(), "value to reach"),
        *_VERSIONED,
    ],
    ("objective_id",),
)

TASKINGS: Final = _spec(
    "taskings",
    "A tasking from the daily meeting: what, who, by when, from which briefing item.",
    [
        ("tasking_id", pl.String(), "stable id"),
        ("what", pl.String(), "what is to be done"),
        ("assignee", pl.String(), "who"),
        ("organisation", pl.String(), "their organisation"),
        ("due", _DT, "by when"),
        (
            "item_kind",
            pl.String(),
            "briefing item: incident | retaliation | repeat_victim | person | place "
            "| group | cell | area",
        ),
        ("item_id", pl.String(), "id of the briefing item"),
        ("status", pl.String(), "open | done | cancelled"),
        ("result", pl.String(), "result recorded (the next day)"),
        ("created_at", _DT, "when tasked"),
        ("created_by", pl.String(), "who tasked it"),
        ("result_at", _DT, "when the result was recorded"),
        ("result_by", pl.String(), "who recorded it"),
        (
            "authors",
            pl.String(),
            "who wrote which words of the free text (JSON: per field, the text's "
            "digest and the [start, end, organisation] spans a partner wrote); "
            "null: the police",
        ),
        *_VERSIONED,
    ],
    ("tasking_id",),
    indexes=(("item_kind", "item_id"),),
)

DELIVERY_HISTORY: Final = _spec(
    "delivery_history",
    "Every change of a plan, objective, action or tasking: who, when, before, after.",
    [
        ("change_id", pl.String(), "unique id"),
        ("at", _DT, "when"),
        ("user_name", pl.String(), "who"),
        ("role", pl.String(), "their role"),
        ("entity", pl.String(), "plan | objective | action | tasking"),
        ("entity_id", pl.String(), "id of the changed row"),
        ("version", pl.Int64(), "the row's version after the change"),
        ("change", pl.String(), "create | update"),
        ("before_json", pl.String(), "the row before (JSON; null when created)"),
        ("after_json", pl.String(), "the row after (JSON)"),
        (
            "source",
            pl.String(),
            "plan-file (a plan import) | app (the web, the CLI, the meeting); "
            "null before 2026-12",
        ),
        (
            "file_json",
            pl.String(),
            "plan imports: the row as the plan file gave it (JSON), the base of the "
            "next import's merge; null otherwise",
        ),
    ],
    ("change_id",),
    indexes=(("entity", "entity_id"),),
)

CLASSIFICATIONS: Final = _spec(
    "classifications",
    "Derived: each incident classified under a violence definition profile, with harm.",
    [
        ("incident_id", pl.String(), "key into incidents"),
        ("profile", pl.String(), "definition profile id, e.g. avb-2010"),
        ("in_definition", pl.Boolean(), "inside the definition"),
        (
            "category",
            pl.String(),
            "first matching core category (documented precedence)",
        ),
        ("rule_ids", pl.String(), "';'-separated ids of every matching rule"),
        ("resolution", pl.String(), "offence_code | category | possible"),
        ("harm_days", pl.Float64(), "Cambridge Crime Harm Index weight in days"),
        ("harm_source", pl.String(), "where the harm weight comes from"),
    ],
    ("incident_id", "profile"),
    # covers the places forecast's join (is this incident in the definition?), so
    # it reads the index alone, never the row (migration 0013)
    indexes=(("incident_id", "profile", "in_definition"),),
)

CLASSIFICATION_RUNS: Final = _spec(
    "classification_runs",
    "Derived: what produced each profile's stored classifications (one row per "
    "profile, replaced with them): the analyses compare it with the definition and "
    "harm table in force and say when the classifications are stale.",
    [
        ("profile", pl.String(), "definition profile id, as in classifications"),
        ("classified_at", _DT, "when 'avert classify' (or 'avert ingest') wrote them"),
        (
            "definition_sha256",
            pl.String(),
            "SHA-256 of the definition's canonical content (its TOML as parsed: "
            "whitespace, comments and key order do not count)",
        ),
        ("definition_file", pl.String(), "the definition file classified under"),
        (
            "harm_sha256",
            pl.String(),
            "SHA-256 of the harm table's canonical content (its TOML as parsed)",
        ),
        ("harm_file", pl.String(), "the harm table file classified with"),
    ],
    ("profile",),
)

ASB_ESCALATIONS: Final = _spec(
    "asb_escalations",
    "Derived: each ASB report under the ASB bridge of a violence definition profile "
    "(seed paragraph 8, avert.classify.asb_escalation), written by 'avert classify' "
    "with the profile's classifications and run row. ASB, not crime: no harm weight.",
    [
        ("asb_id", pl.String(), "key into asb"),
        ("profile", pl.String(), "definition profile id, as in classifications"),
        ("escalates", pl.Boolean(), "the report escalates under the profile's bridge"),
        (
            "rule_ids",
            pl.String(),
            "';'-separated: asb.repeat_caller | asb.repeat_caller_vulnerable | "
            "asb.repeat_place (null when none)",
        ),
        (
            "n_caller_reports",
            pl.Int64(),
            "reports by the same caller in the bridge's window up to this one",
        ),
        (
            "n_place_reports",
            pl.Int64(),
            "reports in the same place cell in the bridge's window up to this one",
        ),
    ],
    ("asb_id", "profile"),
)

#: How a detected group's id begins: ``net-`` and its smallest member's person id
#: (:func:`avert.analyse.networks.detect_groups`; police only, as that id is).
DETECTED_GROUP_PREFIX: Final = "net-"

DETECTED_GROUPS: Final = _spec(
    "detected_groups",
    "Derived: groups detected from recorded co-offending, as of one time (the latest run).",
    [
        (
            "group_id",
            pl.String(),
            "net- + the smallest member person_id (police only: partners and the "
            "board read the group's pseudonym, in free text too)",
        ),
        ("as_of", _DT, "end of the history the groups were found in"),
        ("computed_at", _DT, "when the run was made"),
        ("profile", pl.String(), "violence definition profile of the run"),
        ("method", pl.String(), "how the groups were found, e.g. leiden-cpm"),
        ("params", pl.String(), "JSON: the run's parameters (resolution, window, ...)"),
        ("size", pl.Int64(), "members"),
        ("continuum", pl.String(), _one_of(CONTINUUM_LEVELS)),
        ("continuum_reason", pl.String(), "the rule and thresholds that placed it"),
        ("band", pl.String(), "prioritisation matrix band: high | medium | low"),
        ("matrix_score", pl.Int64(), "harm level + threat level + trend"),
        ("n_incidents", pl.Int64(), "incidents of members in the window"),
        ("harm_days", pl.Float64(), "members' crime harm (CCHI days) in the window"),
        ("violence_share", pl.Float64(), "share of incidents inside the definition"),
        ("weapon_share", pl.Float64(), "share of incidents with a weapon"),
        ("trend", pl.String(), "rising | stable | falling"),
        ("n_conflicts", pl.Int64(), "violent incidents with other groups"),
        ("rivals", pl.String(), "';'-separated ids of groups in conflict with it"),
    ],
    ("group_id",),
)

DETECTED_GROUP_MEMBERS: Final = _spec(
    "detected_group_members",
    "Derived: the members of each detected group (see detected_groups).",
    [
        ("group_id", pl.String(), "key into detected_groups"),
        _PERSON_KEY,
        ("as_of", _DT, "as detected_groups.as_of"),
    ],
    ("group_id", "person_id"),
    (("person_id",),),
)

DETECTION_RUNS: Final = _spec(
    "detection_runs",
    "Derived: one row per group detection run (each replacement of detected_groups, "
    "written with it): a run that found no group is recorded too, so ingest tells "
    "'detected, none found' from 'never detected'.",
    [
        (
            "run_id",
            pl.String(),
            "the run's time (UTC, yyyymmddThhmmss.ffffff) and 8 random hex digits",
        ),
        ("detected_at", _DT, "when the run was made (as detected_groups.computed_at)"),
        ("profile", pl.String(), "violence definition profile of the run"),
        ("as_of", _DT, "end of the history the groups were found in"),
        ("groups", pl.Int64(), "groups detected and stored"),
        ("members", pl.Int64(), "their members"),
        ("incidents", pl.Int64(), "incidents stored when the run read the history"),
        (
            "involvements",
            pl.Int64(),
            "involvements stored when the run read the history",
        ),
        ("loads", pl.Int64(), "loads rows stored when the run read the history"),
    ],
    ("run_id",),
)

QUARANTINE: Final = _spec(
    "quarantine",
    "Input rows that were rejected (kind=rejected) or reported as conflicting duplicates.",
    [
        (
            "quarantine_id",
            pl.String(),
            "deterministic key: file digest, line, column, reason",
        ),
        ("load_id", pl.String(), "the load that found it"),
        ("kind", pl.String(), "rejected | duplicate"),
        ("source_file", pl.String(), "file"),
        ("line", pl.Int64(), "1-based physical line number (0 = the file as a whole)"),
        ("column", pl.String(), "offending column, when one"),
        ("reason", pl.String(), "why it was rejected"),
        ("raw", pl.String(), "the raw text of the row"),
        ("target_table", pl.String(), "table the row was meant for"),
    ],
    ("quarantine_id",),
)

LOADS: Final = _spec(
    "loads",
    "One row per file per load: what came in and what happened to it.",
    [
        ("load_id", pl.String(), "id of the load (one transaction)"),
        ("source_file", pl.String(), "file as given"),
        ("file_sha256", pl.String(), "digest of the file's bytes"),
        ("kind", pl.String(), "detected kind, e.g. policeuk-street"),
        ("loaded_at", _DT, "when"),
        (
            "rows",
            pl.Int64(),
            "data rows read (a population file: the population rows they give)",
        ),
        ("loaded", pl.Int64(), "rows added"),
        ("quarantined", pl.Int64(), "rows rejected to quarantine"),
        ("duplicates", pl.Int64(), "rows already present (same key)"),
    ],
    ("load_id", "source_file"),
)

LOAD_STOP_SPANS: Final = _spec(
    "load_stop_spans",
    "Per load and force: the latest search time the load stored, kept when those "
    "searches are deleted or replaced, so a year once over in the store stays over "
    "(avert.workflows.late_searches; docs/equality.md, 'Searches loaded late').",
    [
        ("load_id", pl.String(), "the load (loads.load_id)"),
        ("force", pl.String(), "the searches' force ('' for none)"),
        ("latest_at", _DT, "the latest occurred_at of the searches it stored"),
    ],
    ("load_id", "force"),
)

AUDIT: Final = _spec(
    "audit",
    "Append-only log: who saw or changed what; each row hash-chained to the one before.",
    [
        ("audit_id", pl.String(), "unique id"),
        ("at", _DT, "when"),
        ("user_name", pl.String(), "who"),
        ("role", pl.String(), "their role"),
        ("action", pl.String(), "view | export | change | ..."),
        ("object", pl.String(), "what, e.g. person:P123"),
        ("reason", pl.String(), "stated reason"),
        (
            "detail",
            pl.String(),
            "output location, audience, people shown (count and digest)",
        ),
        ("seq", pl.Int64(), "position in the chain: 1, 2, 3, ... with no gaps"),
        ("prev_hash", pl.String(), "row_hash of row seq - 1 (64 zeros for seq 1)"),
        (
            "row_hash",
            pl.String(),
            "sha256 of the row's canonical text and prev_hash (docs/audit.md)",
        ),
    ],
    ("audit_id",),
    unique=(("seq",),),
    # each user's last sign-in (the Users page) from the index alone (0023)
    indexes=(("action", "user_name", "at"),),
    # the chain's order, not the random ids'
    read_order=("seq", "audit_id"),
)

POPULATIONS: Final = _spec(
    "populations",
    "Residents of an area (census or mid-year estimate), whole or broken down; the denominators of rates.",
    [
        ("area", pl.String(), "area code as the source gives it, e.g. E01000001"),
        ("year", pl.Int32(), "census or estimate year"),
        ("sex", pl.String(), "all | M | F"),
        (
            "age_band",
            pl.String(),
            "all | 'A-B' (inclusive years) | 'A+' (A and over)",
        ),
        (
            "ethnicity",
            pl.String(),
            "all | census top-level group (Asian, Black, Mixed, White, Other)",
        ),
        ("population", pl.Int64(), "residents"),
        ("area_name", pl.String(), "area name (the code when the source gives none)"),
        (
            "area_type",
            pl.String(),
            "lsoa | msoa | la | utla | region | national | area",
        ),
        (
            "parent_area",
            pl.String(),
            "containing area (e.g. the LSOA's local authority name); empty when not given",
        ),
        (
            "source",
            pl.String(),
            "detected layout of the file, e.g. census-2011-lsoa-ethnicity",
        ),
        *_PROVENANCE,
    ],
    ("area", "year", "sex", "age_band", "ethnicity"),
)

CONFIDENCE_SURVEY: Final = _spec(
    "confidence_survey",
    "Public confidence measure: % who agree the police and council deal with what matters.",
    [
        ("area", pl.String(), "area code or name"),
        ("period", pl.Date(), "first day of the survey period"),
        ("measure", pl.String(), "question id (default deal_with_what_matters)"),
        ("pct_agree", pl.Float64(), "% of respondents who agree (0-100)"),
        ("respondents", pl.Int64(), "respondents, when given"),
        ("source", pl.String(), "survey name or file"),
        *_PROVENANCE,
    ],
    ("area", "period", "measure"),
)

AREA_CENTROIDS: Final = _spec(
    "area_centroids",
    "A point per area (e.g. ONS LSOA centroids): places stops and events in areas.",
    [
        ("area", pl.String(), "area code, e.g. E01000001"),
        ("lat", pl.Float64(), "WGS84 latitude of the centroid"),
        ("lon", pl.Float64(), "WGS84 longitude of the centroid"),
        *_PROVENANCE,
    ],
    ("area",),
)

AREA_BOUNDARIES: Final = _spec(
    "area_boundaries",
    "A boundary polygon per area (e.g. ONS LSOA boundaries): a stop is placed in the "
    "area whose polygon holds it (centroids only where none does).",
    [
        ("area", pl.String(), "area code, e.g. E01000001"),
        ("crs", pl.String(), "CRS of the geometry (the store's crs setting at load)"),
        ("geometry_wkt", pl.String(), "POLYGON or MULTIPOLYGON as WKT in ``crs``"),
        ("lon_min", pl.Float64(), "WGS84 bounding box of the polygon: west"),
        ("lat_min", pl.Float64(), "south"),
        ("lon_max", pl.Float64(), "east"),
        ("lat_max", pl.Float64(), "north"),
        *_PROVENANCE,
    ],
    ("area",),
)

USERS: Final = _spec(
    "users",
    "Web app accounts: one row per user, with role, organisation and area scope.",
    [
        ("username", pl.String(), "login name"),
        ("password_hash", pl.String(), "Argon2id hash (never the password)"),
        ("role", pl.String(), "admin | analyst | chair | officer | partner | board"),
        ("org", pl.String(), "organisation (scopes partner actions)"),
        ("area", pl.String(), "area the user works in, when scoped"),
        ("disabled", pl.Boolean(), "true: cannot log in or use tokens"),
        ("failed_logins", pl.Int64(), "failed logins since the last success"),
        ("locked_until", _DT, "no login before this time (lockout)"),
        ("created_at", _DT, "when the account was made"),
        ("updated_at", _DT, "last change to the account"),
        (
            "session_epoch",
            pl.Int64(),
            "raised when the account's web sessions are ended (sign-out, password "
            "reset): a session signed in under an older value is refused",
        ),
    ],
    ("username",),
)

API_TOKENS: Final = _spec(
    "api_tokens",
    "API bearer tokens: only a SHA-256 digest of each secret is kept.",
    [
        ("token_id", pl.String(), "public part of the token (shown in lists)"),
        ("username", pl.String(), "owner"),
        ("token_sha256", pl.String(), "digest of the secret part"),
        ("created_at", _DT, "when issued"),
        ("revoked_at", _DT, "when revoked (null: live)"),
        ("last_used_at", _DT, "last use"),
        (
            "issue_nonce_sha256",
            pl.String(),
            "SHA-256 of the one-time nonce of the web form that issued it, unique: "
            "one form issues one token, whichever server process takes it (null: "
            "issued by `avert users token`)",
        ),
        (
            "expires_at",
            _DT,
            "when it stops working: refused from this time on, as a revoked token "
            "is (null is refused too); tokens issued before migration 0029 got "
            "created_at + 90 days",
        ),
        (
            "refused_at",
            _DT,
            "when a refused use of it was last written to the audit log "
            "(`token-refused`; null: never)",
        ),
        (
            "refusals_unaudited",
            pl.Int64(),
            "refused uses since refused_at, counted but not written: at most one "
            "`token-refused` row a minute per token, which says how many it stands "
            "for (null: none)",
        ),
        (
            "wrong_secrets_unaudited",
            pl.Int64(),
            "of refusals_unaudited, those sent with a wrong secret (a guess against "
            "the token's public id); the next `token-refused` row says how many "
            "(null: none)",
        ),
    ],
    ("token_id",),
    unique=(("issue_nonce_sha256",),),
)

SIGN_IN_FAILURES: Final = _spec(
    "sign_in_failures",
    "Failed web sign-ins of the last login_client_window_minutes, one row each: the "
    "count per client address that refuses a busy one, shared by every server "
    "process and kept across restarts (older rows are deleted as new ones come).",
    [
        ("failure_id", pl.String(), "random id of the failed sign-in"),
        ("client", pl.String(), "client address it came from (at most 64 characters)"),
        (
            "username",
            pl.String(),
            "keyed digest of the name typed (HMAC-SHA256 under the secret key, 16 "
            "hex digits; never the text): that name's success from the same "
            "address deletes the row",
        ),
        (
            "failed_at_utc",
            _DT,
            "when, in UTC (not the force's zone: the window must not jump when the "
            "clocks change)",
        ),
    ],
    ("failure_id",),
    indexes=(("client", "failed_at_utc"), ("failed_at_utc",)),
)

PSEUDONYM_INDEX: Final = _spec(
    "pseudonym_index",
    "Each stored id's partner pseudonym, per key (its fingerprint, never the key) "
    "and kind: what finds the id of a pseudonym a partner types into a text it "
    "writes (avert.store.pseudonyms). Made from the ids of the stored tables and "
    "the key; never shown or exported.",
    [
        (
            "fingerprint",
            pl.String(),
            "the key's fingerprint (Pseudonymiser.fingerprint)",
        ),
        ("kind", pl.String(), "person | incident | group | asb | stop | intel"),
        ("id", pl.String(), "the stored id"),
        ("digest", pl.String(), "the pseudonym's 12 hex digits (upper case)"),
    ],
    ("fingerprint", "kind", "id"),
    indexes=(("fingerprint", "digest"),),
)

HELD_ROWS: Final = _spec(
    "held_rows",
    "The stop and street-crime rows a police.uk file named for a force-month holds "
    "that are stored from a file of another force-month (a crime police.uk moved to "
    "another month, or listed in two forces' files): replacing the month it is "
    "stored in (--replace-month) does not delete it while this file holds it.",
    [
        ("row_key", pl.String(), "the row's stop_id or incident_id"),
        ("target_table", pl.String(), "stops | incidents"),
        ("load_id", pl.String(), "the load that read the file"),
        ("source_file", pl.String(), "the file that holds it (as given to ingest)"),
        ("source_line", pl.Int64(), "1-based physical line of the row in that file"),
        (
            "row",
            pl.String(),
            "the row as that file gives it (a JSON object of the table's columns): "
            "what is stored when the row moves to that file's month",
        ),
    ],
    ("row_key", "target_table", "load_id", "source_file"),
)

TABLES: Final[dict[str, TableSpec]] = {
    t.name: t
    for t in (
        INCIDENTS,
        OUTCOMES,
        STOPS,
        PEOPLE,
        PERSON_IDENTITY,
        INVOLVEMENTS,
        RELATIONSHIPS,
        ASB,
        ATTENDANCES,
        INTELLIGENCE,
        DASH,
        GROUPS,
        GROUP_MEMBERS,
        ACTIONS,
        PLANS,
        OBJECTIVES,
        TASKINGS,
        DELIVERY_HISTORY,
        CLASSIFICATIONS,
        CLASSIFICATION_RUNS,
        ASB_ESCALATIONS,
        DETECTED_GROUPS,
        DETECTED_GROUP_MEMBERS,
        DETECTION_RUNS,
        QUARANTINE,
        LOADS,
        LOAD_STOP_SPANS,
        AUDIT,
        POPULATIONS,
        CONFIDENCE_SURVEY,
        AREA_CENTROIDS,
        AREA_BOUNDARIES,
        USERS,
        API_TOKENS,
        SIGN_IN_FAILURES,
        HELD_ROWS,
        PSEUDONYM_INDEX,
    )
}


def empty_frame(spec: TableSpec) -> pl.DataFrame:
    """Return an empty frame with the table's canonical schema."""
    return pl.DataFrame(schema=spec.schema)


def check_frame(
    frame: pl.DataFrame, required: list[str] | tuple[str, ...], *, name: str
) -> None:
    """Raise :class:`SchemaError` when ``frame`` lacks any of ``required`` columns.

    Parameters
    ----------
    frame
        The frame to check.
    required
        Column names that must be present.
    name
        What the frame is, for the message (e.g. ``"incidents"``).
    """
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{name} is missing columns {missing}; see avert.schema.{name.upper()}"
        raise SchemaError(msg)


def column_or(
    frame: pl.DataFrame, name: str, default: object, dtype: pl.DataType
) -> pl.Expr:
    """Column ``name`` of ``frame`` cast to ``dtype`` with nulls as ``default``, or a
    constant ``default`` column of that name when ``frame`` has no such column (an
    optional canonical column a source may leave out).

    >>> frame = pl.DataFrame({"weapon": ["knife", None]})
    >>> frame.select(column_or(frame, "weapon", "none", pl.String()))["weapon"].to_list()
    ['knife', 'none']
    >>> frame.select(column_or(frame, "domestic", False, pl.Boolean()))["domestic"].to_list()
    [False]
    """
    if name in frame.columns:
        return pl.col(name).cast(dtype).fill_null(default)
    return pl.lit(default, dtype=dtype).alias(name)
