"""The MARAC page: domestic abuse victims meeting a MARAC referral criterion.

A thin page over :func:`avert.workflows.views.marac_view` (which runs
:func:`avert.workflows.marac.run_marac`, the workflow of ``avert analyse marac``):
the same list, access rules and audit row as the command; partners see
pseudonyms and counts only.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from avert.errors import NotFound
from avert.web.auth import authorize, current_user, requires
from avert.web.pages import _ctx, _page, _parse_at
from avert.workflows.views import marac_view

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(authorize)])


@router.get("/marac")
@requires("view-marac", audit_refusal="analysis:marac")
def marac(request: Request, at: str | None = None) -> Response:
    """Victims meeting a MARAC referral criterion as of ``at`` (default: the latest
    incident or assessment, as the command), highest first."""
    ctx = _ctx(request)
    when = _parse_at(at, dt.datetime.min, zone=ctx.settings.timezone) if at else None
    try:
        found = marac_view(
            ctx.store,
            ctx.settings,
            user=current_user(request),
            at=when,
            allow_demo_key=ctx.demo,
        )
    except NotFound as err:
        return _page(request, "marac.html", found=None, empty=str(err), at_value="")
    return _page(
        request,
        "marac.html",
        found=found,
        empty=None,
        at_value=f"{found['result'].at:%Y-%m-%dT%H:%M}",
    )
