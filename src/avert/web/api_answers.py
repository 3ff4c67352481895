"""What the JSON API answers, for its OpenAPI document (``/openapi.json``).

Documentation only: the routes return the workflows' JSON as it is (a model here
never filters or reshapes an answer). Each answer's keys are listed, required,
with their types where they are plain; so are the fields of the incidents and of
a person's record and history (every one listed: no other key is sent); the
items of the other lists are as the pages show them (docs/web.md,
docs/briefing.md "JSON contract"). Every error has one
body, :class:`ApiError` (``avert.web.app._error``); FastAPI's own 422 schema,
``{"detail": [...]}``, is not what avert answers.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ERRORS",
    "ApiError",
    "AuditAnswer",
    "BriefingAnswer",
    "IncidentsAnswer",
    "PersonAnswer",
    "answer",
    "error",
]

Row = dict[str, Any]


class _Answer(BaseModel):
    """An answer whose listed keys are always there; it may hold more."""

    model_config = ConfigDict(extra="allow")


class ApiError(BaseModel):
    """Every error answer of the API (``avert.web.app._error``): one shape."""

    ok: Literal[False]
    status: int = Field(description="The HTTP status again.")
    error: str = Field(description="Why, in words (never the value sent).")


def error(description: str) -> dict[str, Any]:
    """An error answer of the document, with its meaning."""
    return {"model": ApiError, "description": description}


#: The error answers every operation may give, documented with their real body
#: (FastAPI's own 422 schema, ``{"detail": [...]}``, is not what avert answers)
ERRORS: Final[dict[int | str, dict[str, Any]]] = {
    400: error(
        "A parameter avert cannot use (a time that is no time, a year "
        "out of range, From not before To, an unknown flag)."
    ),
    401: error("No valid bearer token (or session)."),
    403: error("The caller's role or area may not do this (the reason says which)."),
    422: error("A parameter of the wrong type, missing or out of bounds."),
    503: error(
        "The database is not answering or busy, or is at an older schema "
        "revision than this avert's ('avert db upgrade'), or avert is not "
        "configured for this (e.g. no pseudonym key for a partner)."
    ),
}


def answer(model: type[BaseModel]) -> dict[str, Any]:
    """The 200 answer of the document: ``model``'s docstring and schema."""
    return {"model": model, "description": (model.__doc__ or "").strip()}


class _Fields(BaseModel):
    """The items of a list: these keys and no other (schema
    ``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class Incident(_Fields):
    """One incident of the list, with its classification under the definition in
    force. Partners get a pseudonymous ``incident_id`` and no ``location``."""

    incident_id: str = Field(description="The record's id; a pseudonym for partners.")
    source: str | None
    crime_type: str | None
    offence_code: str | None
    occurred_from: str = Field(description="When it began (local time, ISO 8601).")
    time_precision: str | None
    location: str | None = Field(
        default=None, description="Police roles only: the place as recorded."
    )
    lsoa: str | None
    ward: str | None
    borough: str | None
    domestic: bool | None
    weapon: str | None
    hate: str | None = Field(description="';'-separated hate strands, or null.")
    gang_related: bool | None
    has_location: bool | None = Field(
        default=None, description="False when the source gave no map point."
    )
    where_missing: str | None = Field(
        default=None,
        description=(
            "Why no street, ward, borough or LSOA is listed, null when one is: "
            "'point' (a map point only), 'none' (no place at all), 'withheld' "
            "(partners: only the police-only location text)."
        ),
    )
    in_definition: bool
    category: str | None = Field(description="Its violence category (key).")
    label: str | None = Field(description="The category as the page names it.")
    harm_days: float | None = Field(description="Crime harm weight, in days.")
    rule_ids: str | None = Field(description="';'-separated matching rules.")


class CategoryCount(_Fields):
    """Incidents found per category, most numerous first."""

    category: str | None
    label: str | None = None
    len: int = Field(description="Incidents found in this category.")


class IncidentsAnswer(_Answer):
    """Incidents in the definition, highest harm first (at most 500 listed)."""

    total: int = Field(description="Incidents found (all of them, not only listed).")
    shown: int = Field(description="Incidents listed.")
    order: str = Field(
        description="How they are listed, ties included: highest harm first; equal "
        "harm the latest first, then by incident id (the police's, for a partner)."
    )
    incidents: list[Incident]
    by_category: list[CategoryCount]
    notes: list[str]
    records_missing: str | None = Field(
        description="Why none are counted (nothing loaded for the window, an area "
        "no record names); null when the count is a finding."
    )


class PersonRecord(_Fields):
    """The person's row of the store (a pseudonymous key; no identities)."""

    person_id: str
    birth_year: int | None
    sex: str | None
    ethnicity: str | None
    vulnerable: bool | None
    source: str | None
    load_id: str | None
    source_file: str | None
    source_line: int | None
    extra: str | None = Field(
        description="The source row's other columns, a JSON object as text."
    )


class HistoryItem(_Fields):
    """One incident the person is involved in, newest first."""

    incident_id: str
    occurred_from: str
    time_precision: str | None = Field(
        description="How precisely ``occurred_from`` is known: ``day`` a date "
        "alone (stored at 00:00, no time recorded), ``month`` the month only "
        "(data.police.uk); null or ``exact`` a time."
    )
    crime_type: str | None
    offence_code: str | None
    role: str | None = Field(description="Their role in it (suspect, victim, ...).")
    in_definition: bool = Field(description="Violence the own-risk score counts.")
    category: str | None


class RiskWindow(_Fields):
    """What the person's own-risk counts cover."""

    days: int
    roles: list[str]
    definition: str


class PersonAnswer(_Answer):
    """One person's record, as the person page shows it (audited)."""

    person: PersonRecord
    risk_window: RiskWindow
    history: list[HistoryItem]
    network: Row
    dash: Row | None = Field(
        description="The Domestic abuse risk section; null when the person has "
        "neither a DASH assessment nor a domestic incident."
    )
    dash_at: str | None = Field(
        description="What ``dash`` is as of: the store's latest incident or "
        "assessment (null when it has neither)."
    )


class AuditAnswer(_Answer):
    """Audit rows, newest first: the newest ``limit`` of those that match."""

    rows: list[Row]
    total: int = Field(
        description="Audit rows that match the filters (all of them, not only "
        "listed: more than listed when the answer is cut at limit)."
    )


class BriefingAnswer(_Answer):
    """The daily briefing (docs/briefing.md, "JSON contract") with ``pages``."""

    briefing: str
    version: int
    window: Row
    at: str
    hours: int
    area: str | None
    audience: str
    precision: str
    profile: str
    summary: Row
    trend: Row | None
    incidents: list[Row]
    retaliation: list[Row]
    repeat_victims: list[Row]
    dash_high_risk: Row | None
    asb_callers: list[Row]
    asb_escalating: list[Row] = Field(
        description="The window's ASB reports escalating under the definition's "
        "ASB bridge: ASB, not crimes, no harm weight."
    )
    people: list[Row]
    places: list[Row]
    places_summary: Row | None
    intelligence: Row | None
    actions: list[Row]
    make_up: Row | None
    taskings: Row
    map: Row
    notes: list[str]
    pseudonyms: Row | None = Field(
        description="Partners and the board: the pseudonym key's period; else null."
    )
    methods: Row
    pages: Row = Field(description="Per paged list, where this page lies.")
