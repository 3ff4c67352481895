"""The board's pages: performance verdicts with their charts, and equality.

Aggregates only (no person, no list member): each route declares its policy action
and calls :func:`avert.workflows.board.board_statistics`, the same function the
board pack uses, so the page and the pack show the same figures and charts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from avert.access import audience_of
from avert.config.choices import AREA_FIELD_WORDS
from avert.web.auth import authorize, current_user, requires
from avert.web.dates import DATE_EXAMPLE, parse_date_words
from avert.web.pages import RUNS_AVERT, _check_year, _ctx, _page, default_at
from avert.workflows.equality import join_area_names, split_area_names
from avert.workflows.views import (
    area_fields_view,
    board_statistics_view,
    default_equality_month_end,
    ethnic_group_years,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(authorize)])

#: the most areas the equality page's Areas field takes (England has 309 local
#: authorities; a force area has at most a few dozen)
MAX_AREAS = 100


def _month_end(request: Request, month: str | None) -> dt.date:
    """Last day of ``month`` (``YYYY-MM``), else of the last whole month with data."""
    if month:
        # the messages do not repeat the value (no link's text on avert's page)
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError as err:
            raise HTTPException(400, "Not a month (use e.g. 2026-10)") from err
        _check_year(first.year)
        return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    at, _ = default_at(request)
    # the month before the one holding the latest data is the last whole one,
    # unless the data reach the month's last day
    day = at.date() - dt.timedelta(days=1)
    nxt = day + dt.timedelta(days=1)
    return day if nxt.day == 1 else day.replace(day=1) - dt.timedelta(days=1)


def _target(change: str | None, by: str | None) -> tuple[float, dt.date] | None:
    """The form's target: none when both fields are empty (the form sends them
    empty), else the change (a number, e.g. -0.10) and its date; one without the
    other is refused rather than dropped."""
    change = (change or "").strip()
    by = (by or "").strip()
    if not change and not by:
        return None
    if not change or not by:
        msg = "A target needs both its change (e.g. -0.10) and its date (by)"
        raise HTTPException(400, msg)
    try:
        number = float(change)
    except ValueError as err:
        raise HTTPException(400, "target: not a number (use e.g. -0.10)") from err
    if not math.isfinite(number):
        raise HTTPException(400, "target: not a number (use e.g. -0.10)")
    if number < -1:  # the path would run below zero (-10 meant as -10 %)
        msg = "target: a share of the baseline, -1 or more (use e.g. -0.10 for 10 % fewer)"
        raise HTTPException(400, msg)
    try:
        return number, parse_date_words(by)
    except ValueError as err:
        msg = f"target_by: not a date (use e.g. {DATE_EXAMPLE})"
        raise HTTPException(400, msg) from err


@router.get("/performance")
@requires("view-performance")
def performance(
    request: Request,
    month: str | None = None,
    by: str | None = None,
    measure: Literal["count", "harm"] = "count",
    target: str | None = None,
    target_by: str | None = None,
) -> Response:
    """Verdicts per series (seasonal GLM), control charts, expectation, target.

    The By area field offers only the areas some incident records (a store loaded
    through a mapping with no ward has no ward to split by)."""
    ctx = _ctx(request)
    area_fields = area_fields_view(ctx.store, ctx.board_stats)
    try:
        if by and by not in area_fields:
            named = ", ".join(area_fields) or "none: leave it empty"
            raise HTTPException(
                400, f"by: no incident records this area (recorded: {named})"
            )
        end = _month_end(request, month)
        chosen_target = _target(target, target_by)
    except HTTPException as refused:
        # the page again, its form holding what was typed, the reason above it
        # (the error page took the form away and offered only "Back to Today")
        return _page(
            request,
            "performance.html",
            status=refused.status_code,
            stats=None,
            error=refused.detail,
            form=_performance_form_as_typed(
                month, by, measure, target, target_by, area_fields
            ),
            area_fields=area_fields,
            area_field_words=AREA_FIELD_WORDS,
        )
    stats = board_statistics_view(
        ctx.store,
        ctx.board_stats,
        end=end,
        by=by or None,
        target=chosen_target,
        measure=measure,
        profile=ctx.settings.definition_id(),
        # the page shows no equality figure: computing them cost every request
        # the force's stop and search analysis (0.2 s warm on the demo city)
        equality=False,
    )
    return _page(
        request,
        "performance.html",
        stats=stats,
        error=None,
        form={
            "month": f"{end:%Y-%m}",
            "by": by or "",
            "measure": measure,
            "target": "" if target is None else target,
            "target_by": target_by or "",
        },
        area_fields=area_fields,
        area_field_words=AREA_FIELD_WORDS,
    )


def _performance_form_as_typed(
    month: str | None,
    by: str | None,
    measure: str,
    target: str | None,
    target_by: str | None,
    area_fields: tuple[str, ...],
) -> dict[str, str]:
    """The Performance form's fields as sent, for the page that refuses them.

    Each keeps its value only when it is of its field's kind (a month, an area
    field offered, a number, a date), as the browser's own fields hold: a link's
    text is never put on avert's page (content spoofing, as the messages)."""

    def parses(value: str | None, parse: Callable[[str], object]) -> str:
        text = (value or "").strip()
        try:
            parse(text)
        except ValueError:
            return ""
        return text

    change = parses(target, float)
    return {
        "month": parses(month, lambda m: dt.date.fromisoformat(f"{m}-01")),
        "by": by if by in area_fields else "",
        "measure": measure,
        "target": change if change and math.isfinite(float(change)) else "",
        "target_by": parses(target_by, parse_date_words),
    }


@router.get("/equality")
@requires("view-equality")
def equality(
    request: Request,
    month: str | None = None,
    force: str | None = None,
    areas: str | None = None,
    census: str | None = None,
) -> Response:
    """Stop and search against residents and the Equality Impact Assessment, of
    ``force``'s stops (needed when the store holds several forces' stops) against
    the residents of ``areas`` (local authorities separated by commas, or by
    semicolons when a name holds a comma; empty: the police
    force area of a data.police.uk force, else inferred from where the stops fall,
    which stops without coordinates cannot tell) counted by the ``census`` of that
    year (the CLI's ``--population-year``; empty: its default, the latest with
    ethnic groups taken by the first day counted)."""
    ctx = _ctx(request)
    chosen = (force or "").strip() or None
    named = split_area_names(areas or "")  # "Bristol, City of; Mendip" too
    years = ethnic_group_years(ctx.store)
    try:
        end = (None if month else default_equality_month_end(ctx.store)) or _month_end(
            request, month
        )
        if len(named) > MAX_AREAS:
            raise HTTPException(400, f"At most {MAX_AREAS} areas")
        year = _census_year(census, years)
    except HTTPException as refused:
        # the page again, its form holding what was typed, the reason above it
        # (the error page took the form away and offered only "Back to Today")
        return _page(
            request,
            "equality.html",
            status=refused.status_code,
            stats=None,
            error=refused.detail,
            form=_equality_form_as_typed(month, chosen, named),
            census_years=years,
            runs_avert=current_user(request).role in RUNS_AVERT,
        )
    stats = board_statistics_view(
        ctx.store,
        ctx.board_stats,
        end=end,
        performance=False,
        force=chosen,
        areas=named or None,
        population_year=year,
        audience=audience_of(current_user(request).role),
    )
    return _page(
        request,
        "equality.html",
        stats=stats,
        form={
            "month": f"{end:%Y-%m}",
            "force": chosen or "",
            "areas": join_area_names(named),
            "census": "" if year is None else str(year),
        },
        census_years=years,
        runs_avert=current_user(request).role in RUNS_AVERT,
        error=None,
    )


def _equality_form_as_typed(
    month: str | None, force: str | None, areas: Sequence[str]
) -> dict[str, str]:
    """The Equality form's fields as sent, for the page that refuses them: the
    month only when it is one (as the browser's month field holds), the census
    year empty (the one refused is not held: the choices offered are), force and
    areas as typed (the fields' text, as the page answering them holds it)."""
    try:
        dt.date.fromisoformat(f"{(month or '').strip()}-01")
        shown_month = (month or "").strip()
    except ValueError:
        shown_month = ""
    return {
        "month": shown_month,
        "force": force or "",
        "areas": join_area_names(areas),
        "census": "",
    }


def _census_year(census: str | None, years: list[int]) -> int | None:
    """The Census year field: empty, the default (None); else one of ``years``,
    those with residents by ethnic group (the choices the page offers)."""
    text = (census or "").strip()
    if not text:
        return None
    held = ", ".join(map(str, years)) or "none: load a census with ethnic groups"
    if not text.isdigit() or int(text) not in years:
        msg = f"Census year: no residents by ethnic group of that year (held: {held})"
        raise HTTPException(400, msg)
    return int(text)
