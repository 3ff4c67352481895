"""The JSON API under ``/api/v1/``: the same workflows and policy as the pages.

Callers authenticate with ``Authorization: Bearer TOKEN`` (``avert users token``);
an unauthenticated call gets 401, a forbidden one 403 with the policy's reason.
Every answer is what the caller's role may see: partners and the board get the
pseudonymised briefing and no person endpoint.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from avert.web.api_answers import (
    ERRORS,
    AuditAnswer,
    BriefingAnswer,
    IncidentsAnswer,
    PersonAnswer,
    answer,
    error,
)
from avert.web.auth import authorize, current_user, requires
from avert.web.pages import (
    MAX_HOURS,
    IncidentFilters,
    _ctx,
    find_briefing,
    find_incidents,
    find_person,
    incident_filters,
)
from avert.workflows import views

__all__ = ["router"]


router = APIRouter(
    prefix="/api/v1", dependencies=[Depends(authorize)], responses=ERRORS
)


_LIMIT = Field(
    default=views.BRIEFING_PAGE_DEFAULT,
    ge=1,
    le=views.BRIEFING_PAGE_MAX,
    description=f"Items per page (at most {views.BRIEFING_PAGE_MAX:,}).",
)
_OFFSET = Field(default=0, ge=0, description="Items of the ranked list to skip.")


class BriefingPages(BaseModel):
    """Which page of each long list of the briefing (``views.BRIEFING_PAGED``)."""

    incidents_offset: int = _OFFSET
    incidents_limit: int = _LIMIT
    retaliation_offset: int = _OFFSET
    retaliation_limit: int = _LIMIT
    repeat_victims_offset: int = _OFFSET
    repeat_victims_limit: int = _LIMIT
    asb_callers_offset: int = _OFFSET
    asb_callers_limit: int = _LIMIT
    asb_escalating_offset: int = _OFFSET
    asb_escalating_limit: int = _LIMIT
    people_offset: int = _OFFSET
    people_limit: int = _LIMIT
    map_points_offset: int = _OFFSET
    map_points_limit: int = _LIMIT

    def pages(self) -> dict[str, tuple[int, int]]:
        """(offset, limit) per list."""
        fields = self.model_dump()
        return {
            name: (fields[f"{name}_offset"], fields[f"{name}_limit"])
            for name in views.BRIEFING_PAGED
        }


@router.get(
    "/briefing",
    response_class=Response,
    responses={200: answer(BriefingAnswer)},
)
@requires("view-today")
def briefing(
    request: Request,
    paging: Annotated[BriefingPages, Query()],
    at: Annotated[str | None, Query(description="End of the window, ISO 8601.")] = None,
    hours: Annotated[int, Query(ge=1, le=MAX_HOURS)] = 24,
    area: str | None = None,
) -> Response:
    """The daily briefing JSON (docs/briefing.md) as the caller's role may see it,
    its long lists a page at a time (``pages`` says where each page lies, the
    total and the next offset; docs/web.md)."""
    ctx = _ctx(request)
    pages = paging.pages()
    view, _, _ = find_briefing(request, at, hours, area, pages)

    def encode() -> str:
        # compact (no whitespace between tokens), as briefing.json
        return json.dumps(
            views.briefing_page(view.data, pages),
            separators=(",", ":"),
            ensure_ascii=False,
        )

    # the first pages at the default size, what nearly every caller asks for, are
    # encoded once per cached briefing; other pages (any offset and size a caller
    # chooses) are encoded per request, not kept
    if pages == BriefingPages().pages():
        body = ctx.fragment(view, ("json", "first pages"), encode)
    else:
        body = encode()
    return Response(body, media_type="application/json")


@router.get("/incidents", response_model=None, responses={200: answer(IncidentsAnswer)})
@requires("view-incidents")
def incidents(
    request: Request, filters: Annotated[IncidentFilters, Depends(incident_filters)]
) -> dict[str, Any]:
    """Incidents in the definition, highest harm first (at most 500 listed)."""
    return find_incidents(request, filters)


@router.get(
    "/people/{person_id}",
    response_model=None,
    responses={
        200: answer(PersonAnswer),
        404: error("No person with this id is on record."),
    },
)
@requires("view-person", audit_refusal="person:{person_id}")
def person(
    request: Request,
    person_id: str,
    purpose: Annotated[
        str, Query(min_length=4, description="Why the record is opened (audited).")
    ],
) -> dict[str, Any]:
    """One person's record (police roles only; audited with the purpose)."""
    return find_person(request, person_id, purpose)


@router.get("/audit", response_model=None, responses={200: answer(AuditAnswer)})
@requires("view-audit")
def audit(
    request: Request,
    user_name: str | None = None,
    action: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> dict[str, Any]:
    """Audit rows, newest first (admin only; the look is audited): the newest
    ``limit`` that match and ``total``, how many match (as the Audit page says;
    the answer was cut at ``limit`` without saying so)."""
    rows = views.audit_rows(
        _ctx(request).store,
        user=current_user(request),
        user_name=user_name,
        action=action,
        limit=None,
    )
    return {"rows": views.as_json(rows.head(limit).to_dicts()), "total": rows.height}
