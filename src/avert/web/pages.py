"""HTML pages: Today, Incidents, Person, Places, Groups, Data, Audit, sign-in.

Each route declares its policy action (:func:`avert.web.auth.requires`) and calls one
workflow in :mod:`avert.workflows.views`; templates only render what they are given.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from avert.access import audience_of
from avert.config.timezone import to_local
from avert.errors import PermissionDenied, TooManyAttempts
from avert.policy import decide
from avert.web.advice import forecast_command
from avert.web.auth import (
    authorize,
    csrf_token,
    current_user,
    keep_sealed,
    requires,
    sealed_value,
    sign_in,
    take_flash,
)
from avert.web.auth import sign_out as end_session
from avert.web.dates import DATE_TIME_EXAMPLE, parse_datetime_words
from avert.workflows import places as places_workflow
from avert.workflows import views
from avert.workflows.briefing import known_areas, names_known_area
from avert.workflows.users import User, authenticate

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from avert.web.app import WebContext

__all__ = [
    "NAV",
    "IncidentFilters",
    "find_incidents",
    "header_context",
    "incident_filters",
    "router",
]

router = APIRouter(dependencies=[Depends(authorize)])

#: The navigation bar: (label, path, action); each user sees what the policy allows.
NAV: tuple[tuple[str, str, str], ...] = (
    ("Today", "/today", "view-today"),
    ("Incidents", "/incidents", "view-incidents"),
    ("Places", "/places", "view-places"),
    ("Groups", "/groups", "view-groups"),
    ("Meeting", "/meeting", "view-meeting"),
    ("MARAC", "/marac", "view-marac"),
    ("Plan", "/plan", "view-plan"),
    ("Performance", "/performance", "view-performance"),
    ("Equality", "/equality", "view-equality"),
    ("Data", "/data", "view-data"),
    ("Audit", "/audit", "view-audit"),
    ("Users", "/admin/users", "manage-users"),
)

MAX_HOURS = 24 * 31
#: Rows the Audit page shows, newest first (the CSV export holds more).
AUDIT_PAGE_ROWS = 1000
#: Rows the audit CSV export holds at most, newest first: when more match, the
#: file's name and its response headers say so (it had been cut without a word
#: while the page said the CSV "holds every one").
AUDIT_CSV_ROWS = 1_000_000
#: Dates outside these years are refused (400), not computed with.
MIN_YEAR, MAX_YEAR = 1900, 2200


def _ctx(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.avert
    return ctx


def header_context(request: Request, user: User | None) -> dict[str, Any]:
    """What ``base.html``'s header needs: the user, the navigation the policy gives
    them, the session's CSRF token (the sign-out form) and their audience.

    Every page and every error page (:func:`avert.web.app._error`) takes it from
    here, so an error page keeps the header of the page it replaced. Without a
    session (the app's last-resort 500 handler runs outside it) there is no token,
    and the header has no sign-out form to need one.
    """
    nav = [
        (label, path)
        for label, path, action in NAV
        if user is not None and decide(user.role, action).allowed
    ]
    return {
        "user": user,
        "nav": nav,
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "audience": audience_of(user.role) if user else None,
    }


#: The pages that, on a store holding no incident, say so and what to do
#: (:func:`nothing_loaded`), not only that their list is empty
SAY_WHEN_NOTHING_LOADED: frozenset[str] = frozenset(
    {"today.html", "places.html", "meeting.html", "my_actions.html", "performance.html"}
)


def nothing_loaded(role: str) -> str:
    """What a page says on a store that holds no incident: why it is empty, and
    what its reader can do, in the terms of their ``role``. Data are loaded on the
    server with ``avert ingest`` (docs/cli.md), not through the web app, so only
    those who run avert (administrators, analysts) can load them; the others are
    told whom to ask."""
    said = "No incidents are loaded yet: the store holds none, so there is nothing to show."
    if role in ("admin", "analyst"):
        return (
            f"{said} Load data on the server with 'avert ingest' (police.uk files, "
            "a record bundle or any incident table: docs/cli.md); "
            "'avert demo' builds a synthetic city to try avert on."
        )
    if role == "partner":
        return (
            f"{said} The police force's avert administrator or analyst loads the "
            "data: ask them."
        )
    return (
        f"{said} Your avert administrator or analyst loads the data "
        "('avert ingest', docs/cli.md): ask them."
    )


def _page(
    request: Request, template: str, status: int = 200, **context: Any
) -> Response:
    user: User | None = getattr(request.state, "user", None)
    header = header_context(request, user)
    if (
        template in SAY_WHEN_NOTHING_LOADED
        and user is not None
        and status == 200
        and not views.holds_incidents(_ctx(request).store)
    ):
        context["nothing_loaded"] = nothing_loaded(user.role)
    return (
        _ctx(request)
        .templates_for(header["audience"])
        .TemplateResponse(request, template, {**header, **context}, status_code=status)
    )


def _parse_at(value: str | None, default: dt.datetime, *, zone: str) -> dt.datetime:
    """A time of a request: ``default`` when empty; else naive local time of ``zone``.

    As at every edge (:mod:`avert.config.timezone`): a time with an offset or ``Z``
    is converted to the force's zone, one without is local already.
    """
    if not value:
        return default
    # the messages do not repeat the value: a link's text shown on avert's own
    # error page would be content spoofing
    try:
        # the fields' words ("24 Nov 2026 06:00", :mod:`avert.web.dates`) or ISO
        # 8601, which links and the API send
        parsed = parse_datetime_words(value)
    except ValueError as err:
        msg = f"Not a date and time (use e.g. {DATE_TIME_EXAMPLE})"
        raise HTTPException(400, msg) from err
    _check_year(parsed.year)
    return to_local(parsed, zone)


def _check_year(year: int) -> None:
    """Refuse (400) a date outside the years :data:`MIN_YEAR` to :data:`MAX_YEAR`."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        msg = f"The year {year} is outside the years {MIN_YEAR}-{MAX_YEAR}"
        raise HTTPException(400, msg)


def default_at(request: Request) -> tuple[dt.datetime, str | None]:
    """Now, or the end of the last day with data when the store has none recently."""
    return views.default_window_end(_ctx(request).store)


@dataclass(frozen=True)
class IncidentFilters:
    """The incidents search of a page or API call, parsed once (one parser for both).

    ``date_to`` defaults to :func:`default_at`, ``date_from`` to seven days before
    it (or the first of the month of month-only records that reach into those days,
    :func:`avert.workflows.views.default_window_start`, said in ``note``); empty
    strings mean "no filter".
    """

    date_from: dt.datetime
    date_to: dt.datetime
    area: str | None
    category: str | None
    flag: str | None
    #: why the default window is not the seven days before its end
    note: str | None = None

    def as_form(self) -> dict[str, str]:
        """The filters as the form's values (``from``, ``to``, ...)."""
        return {
            "from": f"{self.date_from:%Y-%m-%dT%H:%M}",
            "to": f"{self.date_to:%Y-%m-%dT%H:%M}",
            "area": self.area or "",
            "category": self.category or "",
            "flag": self.flag or "",
        }


def incident_filters(
    request: Request,
    date_from: Annotated[
        str | None, Query(alias="from", description="Start, ISO 8601.")
    ] = None,
    to: Annotated[str | None, Query(description="End (excluded), ISO 8601.")] = None,
    area: str | None = None,
    category: str | None = None,
    flag: str | None = None,
) -> IncidentFilters:
    """Parse the incidents filters of a request (a FastAPI dependency)."""
    end, _ = default_at(request)
    zone = _ctx(request).settings.timezone
    date_to = _parse_at(to, end, zone=zone)
    start, note = (
        views.default_window_start(_ctx(request).store, date_to)
        if not date_from
        else (date_to - dt.timedelta(days=7), None)
    )
    begin = _parse_at(date_from, start, zone=zone)
    if begin >= date_to:
        # an empty window found nothing and said only "No incidents match"
        raise HTTPException(400, "From must be before To")
    if flag and flag not in views.INCIDENT_FLAGS:
        # a flag the search does not know filtered nothing, silently: every
        # incident was listed as if none were asked for (what was sent is not shown)
        msg = f"Flag: unknown; the flags are {', '.join(views.INCIDENT_FLAGS)}"
        raise HTTPException(400, msg)
    return IncidentFilters(
        date_from=begin,
        date_to=date_to,
        note=note,
        area=area or None,
        category=category or None,
        flag=flag or None,
    )


def find_incidents(request: Request, filters: IncidentFilters) -> dict[str, Any]:
    """The incidents the signed-in user may see for ``filters`` (audited search)."""
    ctx = _ctx(request)
    return views.incidents_view(
        ctx.store,
        ctx.settings,
        user=current_user(request),
        date_from=filters.date_from,
        date_to=filters.date_to,
        area=filters.area,
        category=filters.category,
        flag=filters.flag,
        allow_demo_key=ctx.demo,
    )


def find_person(request: Request, person_id: str, purpose: str) -> dict[str, Any]:
    """One person's record for the signed-in user, viewed for ``purpose`` (audited)."""
    ctx = _ctx(request)
    return views.person_view(
        ctx.store,
        ctx.settings,
        user=current_user(request),
        person_id=person_id,
        purpose=purpose,
        cache=ctx.person_networks,
    )


# --- sign in and out ------------------------------------------------------------------
@router.get("/login")
@requires("public")
def login_form(request: Request) -> Response:
    """The sign-in form, with why it is shown when a session just ended."""
    return _page(request, "login.html", error=None, note=take_flash(request))


@router.post("/login")
@requires("public")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    """Check the password (account lockout, client throttle), start a session."""
    ctx = _ctx(request)
    try:
        user = authenticate(
            ctx.store,
            username,
            password,
            settings=ctx.settings,
            client=request.client.host if request.client else None,
            throttle=ctx.sign_ins,
        )
    except TooManyAttempts as err:
        page = _page(
            request, "login.html", status=429, error=str(err), username=username
        )
        page.headers["Retry-After"] = str(math.ceil(err.retry_after_s))
        return page
    except PermissionDenied as err:
        # the name typed is kept (the form's token is the session's: no other
        # site can post it), so only the password is typed again
        return _page(
            request, "login.html", status=401, error=str(err), username=username
        )
    sign_in(request, user)
    return RedirectResponse("/today", status_code=303)


@router.post("/logout")
@requires("sign-out")
def logout(request: Request) -> Response:
    """End the session."""
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/")
@requires("view-today")
def home(request: Request) -> Response:
    """The start page is Today."""
    return RedirectResponse("/today", status_code=303)


# --- Today ----------------------------------------------------------------------------
def find_briefing(
    request: Request,
    at: str | None,
    hours: int,
    area: str | None,
    pages: Mapping[str, tuple[int, int]] | None = None,
    *,
    audited: bool = True,
) -> tuple[views.BriefingView, dt.datetime, str | None]:
    """The briefing the signed-in user may see of the ``hours`` ending ``at`` (else
    :func:`default_at`), with that end and the default's note (page and API;
    ``pages``: the API's page of each long list, audited as such; ``audited``
    False: a page that does not show the briefing's lists and audits what it
    shows itself, :func:`avert.workflows.views.briefing_view`)."""
    ctx = _ctx(request)
    fallback, note = default_at(request)
    when = _parse_at(at, fallback, zone=ctx.settings.timezone)
    view = views.briefing_view(
        ctx.store,
        ctx.settings,
        user=current_user(request),
        at=when,
        hours=hours,
        area=area or None,
        cache=ctx.briefings,
        allow_demo_key=ctx.demo,
        pages=pages,
        audited=audited,
    )
    return view, when, note


def _briefing_context(
    request: Request,
    at: str | None,
    hours: int,
    area: str | None,
    *,
    audited: bool = True,
) -> dict[str, Any]:
    """What a page built on the briefing renders (Today; Places and the Meeting
    with ``audited`` False: they show their own part of it, audited apart)."""
    ctx = _ctx(request)
    user = current_user(request)
    hours_note = _hours_bounded_note(hours)
    hours = max(1, min(hours, MAX_HOURS))
    view, when, note = find_briefing(request, at, hours, area, audited=audited)
    context = {
        **view.page,
        "at_value": f"{when:%Y-%m-%dT%H:%M}",
        "hours": hours,
        "area": area or "",
        "area_named": _area_named(ctx, view, area),
        "default_note": note if not at else None,
        "hours_note": hours_note,
        "full_lists": _full_lists_link(f"{when:%Y-%m-%dT%H:%M}", hours, area),
    }
    context["briefing_html"] = _briefing_html(ctx, view, user, context)
    return context


def _hours_bounded_note(hours: int) -> str | None:
    """What the page says when the window's ``hours`` (a hand-edited link) lies
    outside 1 to :data:`MAX_HOURS`, which the page then uses the nearest of.

    The page changed ``/today?hours=0`` to 1 hour and ``hours=100000`` to 744
    without a word, while the API refuses the same values (422).
    """
    if 1 <= hours <= MAX_HOURS:
        return None
    used = max(1, min(hours, MAX_HOURS))
    return (
        f"Hours {hours} is out of range (1 to {MAX_HOURS}): "
        f"showing {used} hour{'s' if used != 1 else ''} instead."
    )


def _full_lists_link(at: str, hours: int, area: str | None) -> Markup:
    """Where a web user reads the lists the page cuts: a link to the briefing's
    JSON answer of the same window, which the signed-in user may open.

    The page said "the JSON of this briefing (GET /api/v1/briefing, same window,
    ...)": an HTTP request a partner or a board member has no way to send, without
    the window the page shows.
    """
    query = urlencode(
        {
            k: v
            for k, v in (("at", at), ("hours", str(hours)), ("area", area or ""))
            if v
        }
    )
    return Markup(
        '<a href="/api/v1/briefing?{query}">this briefing as data (JSON)</a>, its '
        "long lists {size} items a page"
    ).format(query=query, size=views.BRIEFING_PAGE_DEFAULT)


def _area_named(ctx: WebContext, view: views.BriefingView, area: str | None) -> bool:
    """Whether the briefing's heading may name ``area``: an incident of the store
    names it (:func:`avert.workflows.briefing.known_areas`). Any other text came
    from the link (``/today?area=TEXT`` headed "Daily risk briefing: TEXT", content
    spoofing); the Area field still holds it as typed. The store is read only when
    the window lists no incident (one listed names the area)."""
    if not area or view.page["data"].get("incidents"):
        return True
    return names_known_area(area, known_areas(ctx.store))


def _briefing_html(
    ctx: WebContext, view: views.BriefingView, user: User, context: dict[str, Any]
) -> Markup:
    """The briefing's HTML (``_today_briefing.html``), rendered once per briefing.

    Everyone of one audience who opens the same window shares the cached briefing
    (:class:`avert.workflows.views.BriefingCache`), so its HTML is rendered once
    too; only the page around it (navigation, the user, the form's token) is
    rendered per request. Autoescaped like every template.
    """
    audience = audience_of(user.role)
    badge = views.audience_badge(ctx.settings, user)
    template = ctx.templates_for(audience).get_template("_today_briefing.html")
    html = ctx.fragment(
        view,
        ("html", audience, badge, context["default_note"], context["hours_note"]),
        lambda: template.render(**context, audience=audience, audience_badge=badge),
    )
    return Markup(html)


@router.get("/today")
@requires("view-today")
def today(
    request: Request, at: str | None = None, hours: int = 24, area: str | None = None
) -> Response:
    """The daily briefing for the window ending now (or at a chosen time)."""
    return _page(request, "today.html", **_briefing_context(request, at, hours, area))


@router.get("/today/briefing")
@requires("view-today")
def today_fragment(
    request: Request, at: str | None = None, hours: int = 24, area: str | None = None
) -> Response:
    """The briefing alone (htmx swaps it in when the window changes).

    ``HX-Push-Url`` puts the page of the same window in the address bar, so a
    reload, Back or a copied link shows the window shown (not the default one).
    Opened otherwise (no ``HX-Request`` header: a link, a bookmark, a new tab) it
    is the whole page of Today, not a bare fragment without header or style.
    """
    context = _briefing_context(request, at, hours, area)
    if not request.headers.get("hx-request"):
        return _page(request, "today.html", **context)
    query = {"at": at or "", "hours": str(context["hours"]), "area": area or ""}
    link = "/today?" + urlencode({k: v for k, v in query.items() if v})
    return HTMLResponse(context["briefing_html"], headers={"HX-Push-Url": link})


# --- Incidents ------------------------------------------------------------------------
@router.get("/incidents")
@requires("view-incidents")
def incidents(
    request: Request, filters: Annotated[IncidentFilters, Depends(incident_filters)]
) -> Response:
    """Incidents in the definition, filtered by time, area, category and flag."""
    found = find_incidents(request, filters)
    # the filter's choices: the categories of the window's incidents (it was free
    # text: a key typed as the page shows it, or misspelt, found nothing)
    categories = views.incident_categories(
        _ctx(request).store, _ctx(request).settings, filters.date_from, filters.date_to
    )
    return _page(
        request,
        "incidents.html",
        found=found,
        filters=filters.as_form(),
        note=filters.note,
        categories=categories,
        # the rules that put an incident in, in the definition's words (the ids on
        # hover): the page read "msv.gbh_with_intent; ext.repeat_victim"
        rule_words=views.rule_words(_ctx(request).settings.definition_id()),
    )


# --- Person ---------------------------------------------------------------------------
#: Longest purpose the session keeps for the record it opened last (the session is
#: a cookie: browsers keep 4 KB); a longer one is kept to this, with "...".
OPENED_PURPOSE_CHARS = 1000
#: ... and the most characters the record and purpose take sealed in the cookie
#: (base64 of their UTF-8, 4 for 3 bytes: two for a character of most scripts
#: outside ASCII), so that the cookie stays under 4 KB whatever the language
OPENED_SEALED_CHARS = 2000


@router.get("/people/{person_id}")
@requires("view-person", audit_refusal="person:{person_id}")
def person_purpose(request: Request, person_id: str) -> Response:
    """Ask for the purpose before a person's record is opened; the record this
    session opened last is shown again (audited with its purpose, each time)."""
    # sealed: the cookie's holder can read neither the person nor the purpose
    opened = sealed_value(request, "opened") or {}
    purpose = opened.get("purpose")
    if opened.get("person") == person_id and isinstance(purpose, str):
        found = find_person(request, person_id, purpose)
        return _page(request, "person.html", person_id=person_id, found=found)
    return _page(
        request,
        "person_purpose.html",
        person_id=person_id,
        error=None,
    )


@router.post("/people/{person_id}")
@requires("view-person", audit_refusal="person:{person_id}")
def person(
    request: Request, person_id: str, purpose: Annotated[str, Form()] = ""
) -> Response:
    """Open one person's record for the stated purpose: to its page, which shows it
    (audited); the answer of a form would ask to be sent again on Back or reload."""
    purpose = purpose.strip()
    if len(purpose) < 4:
        return _page(
            request,
            "person_purpose.html",
            status=400,
            person_id=person_id,
            purpose=purpose,
            error="State the purpose of viewing this person (a few words).",
        )
    # whole, or cut with "..." to fit the session cookie (a refused cookie kept
    # the old session, and the record's page asked for the purpose again);
    # sealed, so that the cookie's holder reads neither the person nor the purpose
    keep_sealed(
        request,
        "opened",
        {"person": person_id},
        ("purpose", purpose),
        max_chars=OPENED_PURPOSE_CHARS,
        max_sealed_chars=OPENED_SEALED_CHARS,
    )
    return RedirectResponse(f"/people/{quote(person_id, safe='')}", status_code=303)


# --- Places, Groups, Data, Audit -------------------------------------------------------
#: How the briefing's note on a patrol budget larger than its grid starts
#: (:func:`avert.workflows.forecast.budget_note`)
BUDGET_NOTE_START = "The patrol budget ("
#: The roles that run avert and set its files: pages name a setting or a command
#: line to them only (the others have no command line)
RUNS_AVERT = frozenset({"admin", "analyst"})


@router.get("/places")
@requires("view-places")
def places(request: Request, at: str | None = None) -> Response:
    """Where to deploy: the places map and cells of the briefing.

    With the briefing's note that the patrol budget is larger than the cells the
    events span (:func:`avert.workflows.forecast.budget_note`): Today said it, and
    Places showed "Expected share 100 %" without it (an area's six cells). The
    note on the incidents' forces is data (``forces_text``, ``forces_advice``),
    its advice worded here with no command (:data:`avert.web.advice.WEB_ADVICE`).
    Of forces far apart, each force's own places (``force_plans``: its summary,
    near-repeat line, the briefing's notes of that force, its map and cells),
    as the briefing plans them, and no map over them all (its cells were
    smaller than a pixel, between them mostly empty ground); ``too_few``: the
    forces given no places, too few events (their name, count and minimum).
    """
    # the page lists places and cells, no person: no briefing row (as
    # 'avert analyse concentration --entity place' writes none)
    context = _briefing_context(request, at, 24, None, audited=False)
    runs_avert = current_user(request).role in RUNS_AVERT
    data = context.get("data") or {}
    summary = data.get("places_summary") or {}
    force_plans = _force_plans(
        data,
        context["b"].notes,
        runs_avert=runs_avert,
        at=context["at_value"] if summary.get("kind") == "forecast" else None,
    )
    # a force's own note, of forces far apart, is "Its Name: The patrol budget (":
    # under its name
    of_forces = {n for f in force_plans for n in f["said"]}
    budget = [
        n for n in context["b"].notes if BUDGET_NOTE_START in n and n not in of_forces
    ]
    return _page(
        request,
        "places.html",
        **context,
        forces_text=str(summary.get("forces_text") or ""),
        forces_advice=summary.get("forces_advice"),
        force_plans=force_plans,
        too_few=list(summary.get("too_few") or ()),
        budget_notes=budget,
        runs_avert=runs_avert,
        near_repeat_line=_near_repeat_line(summary, runs_avert=runs_avert),
    )


def _force_plans(
    data: Mapping[str, Any],
    notes: Sequence[str],
    *,
    runs_avert: bool,
    at: str | None,
) -> list[dict[str, Any]]:
    """Of forces far apart (``places_summary.by_force``), what the Places page
    shows of each force: its summary, near-repeat line and cells; ``notes``,
    the briefing's notes of that force ("Its Name: ..."), without its name,
    which the section heads (``said``: as the briefing says them); to those who
    run avert, with a forecast's ``at``, the shell-safe ``avert forecast
    --police-force`` line listing the same cells (``command``)."""
    plans = []
    for own in (data.get("places_summary") or {}).get("by_force") or ():
        name = str(own["force"])
        cells = [c for c in data.get("places") or () if c.get("force") == name]
        said = [n for n in notes if n.startswith(f"{name}: ")]
        command = (
            forecast_command(name, at=at, cells=len(cells))
            if runs_avert and at is not None
            else None
        )
        plans.append(
            {
                **own,
                "near_repeat_line": _near_repeat_line(own, runs_avert=runs_avert),
                "cells": cells,
                "said": said,
                "notes": [n.removeprefix(f"{name}: ") for n in said],
                "command": command,
            }
        )
    return plans


def _near_repeat_line(summary: Mapping[str, Any], *, runs_avert: bool) -> str:
    """The near-repeat note of a places ``summary`` (the briefing's, or one
    force's): the setting that left domestic incidents out is named to those who
    set it (an administrator, an analyst) only; an officer, a partner and the
    board read "(near_repeat.domestic in places.toml)" about a file they never
    see."""
    line = str((summary.get("near_repeat") or {}).get("line") or "")
    if runs_avert:
        return line
    return line.replace(places_workflow.DOMESTIC_SETTING_SAID, "")


@router.get("/groups")
@requires("view-groups")
def groups(request: Request) -> Response:
    """Groups with continuum level, matrix band and reasons."""
    ctx = _ctx(request)
    found = views.groups_view(
        ctx.store,
        ctx.settings,
        user=current_user(request),
        allow_demo_key=ctx.demo,
        cache=ctx.groups,
    )
    return _page(request, "groups.html", found=found)


@router.get("/data")
@requires("view-data")
def data(request: Request) -> Response:
    """Loads, quarantine counts, last load per source, stale-data warnings."""
    return _page(request, "data.html", found=views.data_view(_ctx(request).store))


@dataclass(frozen=True)
class AuditFilters:
    """The audit log's filters of the page and its CSV export (one parser for both)."""

    user_name: str | None = None
    action: str | None = None
    since: str | None = None
    until: str | None = None

    def as_filters(self, zone: str) -> dict[str, Any]:
        """The filters of :func:`avert.workflows.views.audit_rows` (times parsed).

        ``zone``: the force's (settings ``timezone``), that times with an offset
        are converted to.
        """
        since = (
            _parse_at(self.since, dt.datetime.min, zone=zone) if self.since else None
        )
        until = (
            _parse_at(self.until, dt.datetime.max, zone=zone) if self.until else None
        )
        return {
            "user_name": self.user_name or None,
            "action": self.action or None,
            "since": since,
            "until": until,
        }

    def as_form(self) -> dict[str, str]:
        """The filters as the form's values."""
        return {
            "user_name": self.user_name or "",
            "action": self.action or "",
            "since": self.since or "",
            "until": self.until or "",
        }


@router.get("/audit")
@requires("view-audit")
def audit_page(
    request: Request, filters: Annotated[AuditFilters, Depends()]
) -> Response:
    """The audit log, newest first, with filters and CSV export: the newest
    :data:`AUDIT_PAGE_ROWS` rows that match, and how many match (until 2026-12 it
    cut at 1,000 rows without saying so)."""
    rows = views.audit_rows(
        _ctx(request).store,
        user=current_user(request),
        limit=None,
        **filters.as_filters(_ctx(request).settings.timezone),
    )
    return _page(
        request,
        "audit.html",
        rows=rows.head(AUDIT_PAGE_ROWS).to_dicts(),
        matching=rows.height,
        csv_rows=AUDIT_CSV_ROWS,
        filters=filters.as_form(),
    )


@router.get("/audit.csv")
@requires("export-audit")
def audit_export(
    request: Request, filters: Annotated[AuditFilters, Depends()]
) -> Response:
    """The filtered audit log as CSV (cells neutralised for spreadsheets); audited.

    The newest :data:`AUDIT_CSV_ROWS` rows that match: the headers
    ``X-Avert-Rows-Matching`` and ``X-Avert-Rows-Sent`` count both, and a cut
    file is named ``avert-audit-newest-N-of-M.csv`` (it had the same name
    whether whole or cut)."""
    ctx = _ctx(request)
    user = current_user(request)
    matching = views.audit_rows(
        ctx.store,
        user=user,
        limit=None,
        export=True,
        **filters.as_filters(_ctx(request).settings.timezone),
    )
    rows = matching.head(AUDIT_CSV_ROWS)
    name = (
        "avert-audit.csv"
        if rows.height == matching.height
        else f"avert-audit-newest-{rows.height}-of-{matching.height}.csv"
    )
    return Response(
        views.audit_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "x-avert-rows-matching": str(matching.height),
            "x-avert-rows-sent": str(rows.height),
        },
    )
