"""Delivery plan pages: the plan board, my actions, an action with its history, and
the daily meeting (today's briefing items with "task this", and the taskings).

Each route declares its policy action and calls :mod:`avert.workflows.delivery`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from avert.config.timezone import local_now
from avert.errors import ConfigError, FieldError
from avert.policy import POLICE_ROLES
from avert.web.auth import authorize, current_user, flash, requires, take_flash
from avert.web.dates import parse_date_words
from avert.web.pages import (
    MAX_YEAR,
    MIN_YEAR,
    _briefing_context,
    _ctx,
    _page,
    _parse_at,
    default_at,
)
from avert.workflows import delivery, views
from avert.workflows.plan_page import plan_page

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(authorize)])


def _back_to_meeting(request: Request, at: str, error: str | None = None) -> Response:
    """Back to the meeting view (the same window); the error goes with the session
    (:func:`avert.web.auth.flash`), never in the link."""
    if error:
        flash(request, error)
    query = {"at": at} if at else {}
    return RedirectResponse(
        "/meeting" + (f"?{urlencode(query)}" if query else ""), status_code=303
    )


#: the most characters a text field of a delivery form takes (a page of notes); a
#: pasted document of 200,000 was stored in every version of the action and sent
#: with each page that shows it
MAX_TEXT = 10_000


def _too_long(**fields: str) -> str | None:
    """Why a form's text cannot be saved (a field over :data:`MAX_TEXT`), or None.

    The message names the field and its length, not its text.
    """
    for name, text in fields.items():
        if len(text) > MAX_TEXT:
            label = name.replace("_", " ").capitalize()
            return (
                f"{label}: {len(text):,} characters; at most {MAX_TEXT:,} are kept "
                "(put a longer document where the partnership keeps documents and "
                "give its reference)"
            )
    return None


def _version(text: str, record: str) -> int:
    """A form's version of the ``record`` (an action, a tasking) it was opened at.

    Blank, absent or not a whole number, it is refused (a ConfigError: a 4xx
    saying why, nothing saved). A junk version (a hand-edited form) was read as
    none, and so was a missing one (a form of another page, a script posting its
    own fields): the check that no one had saved the record since was skipped and
    the save went over their change. Every form of avert sends the version; only
    the command line changes a record without one (it changes the fields it is
    given, on the record as it stands: docs/delivery.md).
    """
    text = text.strip()
    if text.isascii() and text.isdecimal():
        return int(text)
    problem = (
        "The form sent no version" if not text else "Version is not a whole number"
    )
    msg = (
        f"{problem} of the {record}, so whether someone else has saved it since "
        "could not be checked: nothing was saved. Open the page again and make "
        "the change there."
    )
    raise ConfigError(msg)


@router.get("/plan")
@requires("view-plan")
def plan(
    request: Request, lead: str | None = None, area: str | None = None
) -> Response:
    """The plan board: strand x status, RAG, actions, filters, the checks; made
    once per data generation and reader (:func:`avert.workflows.plan_page.plan_page`),
    audited at every showing."""
    ctx = _ctx(request)
    page = plan_page(
        ctx.store,
        ctx.settings,
        user=current_user(request),
        lead=lead or None,
        area=area or None,
        cache=ctx.plans,
    )
    checks = page["checks"]
    return _page(
        request,
        "plan.html",
        board=page["board"],
        checks=checks["summary"],
        found=checks,
        plan_makeup=page["plan_makeup"],
        measures=page["measures"],
    )


@router.get("/plan/mine")
@requires("view-plan")
def mine(request: Request) -> Response:
    """Actions the user owns or their organisation leads (for a police role's
    account, the lead "police", which the Plan says such accounts hold)."""
    ctx = _ctx(request)
    user = current_user(request)
    rows = delivery.my_actions(ctx.store, ctx.settings, user=user)
    return _page(
        request, "my_actions.html", actions=rows, police_lead=user.role in POLICE_ROLES
    )


@router.get("/plan/actions/{action_id:path}")
@requires("view-plan")
def action(request: Request, action_id: str) -> Response:
    """One action, its history, and (when allowed) a form to change it."""
    ctx = _ctx(request)
    found = delivery.action_page(
        ctx.store, ctx.settings, user=current_user(request), action_id=action_id
    )
    return _page(request, "action.html", found=found, error=None)


@router.post("/plan/actions/{action_id:path}")
@requires("edit-action")
def edit_action(
    request: Request,
    action_id: str,
    status: Annotated[str, Form()] = "",
    rag: Annotated[str, Form()] = "",
    rag_reason: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    review_date: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Change status, RAG, evidence or review date (versioned and audited).

    ``version``: the action's version the form was opened at; when another user
    has saved the action since, nothing is saved and the form comes back with what
    was typed, the action as it now stands, and who changed it.
    """
    ctx = _ctx(request)
    user = current_user(request)
    changes = {
        "status": status,
        "rag": rag,
        "rag_reason": rag_reason,
        "evidence": evidence,
        "review_date": review_date,
    }
    try:
        _check_action_texts(rag_reason=rag_reason, evidence=evidence)
        _check_review_date(review_date)
        delivery.update_action(
            ctx.store,
            action_id,
            {
                k: _review_date_iso(v) if k == "review_date" else v
                for k, v in changes.items()
                if k != "status" or v
            },
            user=user,
            settings=ctx.settings,
            version=_version(version, "action"),
        )
    except ConfigError as err:
        found = delivery.action_page(
            ctx.store, ctx.settings, user=user, action_id=action_id
        )
        # the form shows what was typed, so the user corrects it rather than
        # typing it all again; the table above it shows the action as stored; a
        # value refused is named beside its field, any other refusal above the form
        return _page(
            request,
            "action.html",
            status=400,
            found=found,
            error=str(err),
            error_field=err.field if isinstance(err, FieldError) else None,
            typed=changes,
        )
    return RedirectResponse(f"/plan/actions/{quote(action_id)}", status_code=303)


def _check_action_texts(**fields: str) -> None:
    """Refuse an action form's text over :data:`MAX_TEXT`, beside its field."""
    for name, text in fields.items():
        label = "reason" if name == "rag_reason" else name
        if too_long := _too_long(**{label: text}):
            raise FieldError(too_long, field=name)


def _review_date_iso(text: str) -> str:
    """The review date as the workflow takes it (ISO 8601, "2026-03-31"), from
    the field's words ("31 Mar 2026", :mod:`avert.web.dates`); a text that is no
    date goes on as typed, for the workflow to refuse with its reason."""
    try:
        return parse_date_words(text).isoformat()
    except ValueError:
        return text


def _check_review_date(text: str) -> None:
    """Refuse a review date outside the years the app takes for any date.

    A browser's date field takes any year from 1 to 275760, so a slip of the
    keyboard (0026 for 2026) was saved as the action's review date, and the
    plan board counted it as reviewed. Other bad dates are the workflow's to
    refuse (:func:`avert.workflows.delivery.update_action`).
    """
    try:
        year = parse_date_words(text).year
    except ValueError:
        return
    if not MIN_YEAR <= year <= MAX_YEAR:
        msg = f"Review date: the year {year} is outside the years {MIN_YEAR}-{MAX_YEAR}"
        raise FieldError(msg, field="review_date")


@router.get("/meeting")
@requires("view-meeting")
def meeting(request: Request, at: str | None = None, hours: int = 24) -> Response:
    """Today's briefing items, each with "task this", and the window's taskings."""
    return _meeting_page(request, at, hours, error=take_flash(request))


def _meeting_page(
    request: Request,
    at: str | None,
    hours: int,
    *,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    """The meeting of the window ending ``at``, saying ``error``.

    ``typed``: a refused "Task this" form (its ``item`` and fields as sent): the
    page is the answer to it (400), with that item's form as typed and the reason
    above it, so the chair mends it rather than typing it all again (as the
    action form, :func:`edit_action`). Its fields could not go through the
    session as the reason once did: a cookie holds 4 KB, a field 10,000
    characters.
    """
    ctx = _ctx(request)
    # its items are the briefing's, but the meeting's row counts those it shows
    # (delivery.meeting_view), not every person Today lists
    context = _briefing_context(request, at, hours, None, audited=False)
    hours = context["hours"]  # bounded as the briefing's: 1 to MAX_HOURS
    fallback, _ = default_at(request)
    when = _parse_at(at, fallback, zone=ctx.settings.timezone)
    found = delivery.meeting_view(
        ctx.store,
        context["data"],
        user=current_user(request),
        at=when,
        hours=hours,
        settings=ctx.settings,
    )
    offered = typed is not None and any(
        i["item"] == typed["item"] and not i["tasked"]
        for s in found["sections"]
        for i in s["items"]
    )
    return _page(
        request,
        "meeting.html",
        status=400 if typed is not None else 200,
        meeting=found,
        at_value=context["at_value"],
        hours=hours,
        hours_note=context["hours_note"],
        due_value=f"{_default_due(when, ctx.settings.timezone):%Y-%m-%dT%H:%M}",
        window=context["b"],
        # the taskings are as they stand now: overdue and due counted from the
        # window's end, or from now when it ended before (the live meeting view,
        # avert.delivery.taskings.for_briefing), not as Today's (at the end)
        taskings_from=_taskings_from(when, ctx.settings.timezone),
        error=error,
        # the form to show as typed, when the page offers its item
        typed=typed if offered else None,
        taskings_makeup=views.taskings_makeup(
            ctx.store, ctx.settings, user=current_user(request), at=when, hours=hours
        ),
    )


def _taskings_from(window_end: dt.datetime, zone: str) -> dt.datetime | None:
    """When the meeting's taskings are counted overdue or due from, when not the
    window's end: now, for a window ended before (as
    :func:`avert.delivery.taskings.for_briefing` live). The demo's meeting of the
    window to 24 November, opened on 6 December, listed five overdue beside Today's
    three overdue and one due, under "due in the next 24 hours" of that window."""
    now = local_now(zone).replace(second=0, microsecond=0)
    return now if now > window_end else None


def _default_due(window_end: dt.datetime, zone: str) -> dt.datetime:
    """A tasking's due time when none is typed: 24 hours after the meeting's window
    ends, or after now when that end is past.

    The meeting of a store without recent records (an archive, the demo city), or
    a window chosen earlier, ends days ago; a tasking made now was due 24 hours
    after that end, overdue the moment it was made (the demo's meeting offered 25
    November to a chair tasking on 6 December).
    """
    return max(window_end, local_now(zone).replace(second=0, microsecond=0)) + (
        dt.timedelta(days=1)
    )


def _due(due: str, at: str, zone: str) -> dt.datetime | None:
    """The form's due time; else :func:`_default_due` of the meeting's window; else
    None (the workflow's default: 24 hours after now).

    Times are the force's (``zone``): one with an offset is converted to it.
    """
    now = local_now(zone)
    if due:
        return _parse_at(due, now, zone=zone)
    if at:
        return _default_due(_parse_at(at, now, zone=zone), zone)
    return None


def _of_item(item: str, reason: str) -> str:
    """``reason`` a "task this" was refused for, naming its item: the meeting lists
    dozens of items, and "Due: ..." alone did not say which one's form to mend.
    (The form's own field, sent with its token, never a link's text; at most 80
    characters of it.)"""
    return f"Task this {delivery.item_key_words(item[:80])}: {reason}"


@router.post("/meeting/task")
@requires("create-tasking")
def task(
    request: Request,
    item: Annotated[str, Form()],
    what: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
) -> Response:
    """Create a tasking from a briefing item; an item already tasked says so.

    Refused (a field too long, a due time not read, an item tasked already or not
    in the store), the meeting comes back with the form as typed and the reason
    above it (:func:`_meeting_page`), nothing saved.
    """
    ctx = _ctx(request)
    typed = {
        "item": item,
        "what": what,
        "assignee": assignee,
        "organisation": organisation,
        "due": due,
    }

    def refused(reason: str) -> Response:
        return _meeting_page(request, at or None, 24, error=reason, typed=typed)

    too_long = _too_long(what=what, who=assignee, organisation=organisation)
    if too_long:
        return refused(_of_item(item, too_long))
    try:
        when = _due(due, at, ctx.settings.timezone)
    except HTTPException as err:
        # the meeting with the reason, as a refused tasking is, rather than an
        # error page that leaves the meeting
        return refused(_of_item(item, f"Due: {err.detail}"))
    try:
        row = delivery.add_tasking(
            ctx.store,
            item,
            what=what or delivery.follow_up_text(item),
            assignee=assignee or None,
            organisation=organisation or None,
            due=when,
            user=current_user(request),
        )
    except ConfigError as err:
        return refused(str(err))
    # saved as typed: a misspelt organisation's partners never see the tasking
    note = delivery.unheld_organisation_note(ctx.store, row["organisation"])
    return _back_to_meeting(
        request, at, f"{row['tasking_id']} saved. {note}" if note else None
    )


@router.post("/meeting/taskings/{tasking_id}")
@requires("record-tasking-result")
def tasking_result(
    request: Request,
    tasking_id: str,
    result: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
) -> Response:
    """Record a tasking's result and mark it done (the tasked: their own only).

    ``version``: the tasking's version the page showed; when another user has
    recorded a result (or changed the tasking) since, nothing is written and the
    meeting says who did and when.
    """
    ctx = _ctx(request)
    if not result.strip():
        # the form's field is required, but spaces pass a browser's check: "Done"
        # marked the tasking done with no result
        return _back_to_meeting(request, at, "Write the result before marking done")
    too_long = _too_long(result=result)
    if too_long:
        return _back_to_meeting(request, at, too_long)
    try:
        delivery.record_tasking_result(
            ctx.store,
            tasking_id,
            result=result,
            user=current_user(request),
            version=_version(version, "tasking"),
            settings=ctx.settings,
        )
    except ConfigError as err:
        return _back_to_meeting(request, at, str(err))
    return _back_to_meeting(request, at)
