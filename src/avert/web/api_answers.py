"""What the JSON API answers, for its OpenAPI document (``/openapi.json``).

Documentation only: the routes return the workflows' JSON as it is (a model here
never filters or reshapes an answer). Each answer's keys are listed, required,
with their types where they are plain; the items of the lists are as the pages
show them (docs/web.md, docs/briefing.md "JSON contract"). Every error has one
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
        "The database is not answering or busy, or avert is not "
        "configured for this (e.g. no pseudonym key for a partner)."
    ),
}


def answer(model: type[BaseModel]) -> dict[str, Any]:
    """The 200 answer of the document: ``model``'s docstring and schema."""
    return {"model": model, "description": (model.__doc__ or "").strip()}


class IncidentsAnswer(_Answer):
    """Incidents in the definition, highest harm first (at most 500 listed)."""

    total: int = Field(description="Incidents found (all of them, not only listed).")
    shown: int = Field(description="Incidents listed.")
    incidents: list[Row]
    by_category: list[Row]
    notes: list[str]
    records_missing: str | None = Field(
        description="Why none are counted (nothing loaded for the window, an area "
        "no record names); null when the count is a finding."
    )


class PersonAnswer(_Answer):
    """One person's record, as the person page shows it (audited)."""

    person: Row
    risk_window: Row
    history: list[Row]
    network: Row
    dash: Row | None = Field(description="The Domestic abuse risk section, or null.")
    dash_at: str | None = Field(description="The as-of time of ``dash``, or null.")


class AuditAnswer(_Answer):
    """Audit rows, newest first."""

    rows: list[Row]


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
