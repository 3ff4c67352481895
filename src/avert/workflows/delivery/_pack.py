"""The board pack: plan status, actions, checks, measures and statistics (HTML, PDF)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from avert.access import KEY_ENV, Pseudonymiser, pseudonyms_named
from avert.config.settings import Settings
from avert.config.timezone import local_today
from avert.delivery.model import (
    STATUSES,
)
from avert.errors import ConfigError
from avert.files import private_mkdir, private_write_text
from avert.store import Store, audit, queries
from avert.store.loads import has_rows
from avert.store.summary import incident_span
from avert.workflows.delivery._actions import (
    _shown,
    board_actions,
    plan_grid,
    read_actions,
)
from avert.workflows.delivery._asof import read_delivery
from avert.workflows.delivery._checks import board_checks, checks_force, checks_view
from avert.workflows.delivery._common import (
    first_recorded_after,
    objectives_shown,
    partner_pseudonymiser,
)
from avert.workflows.delivery._measures import objective_measures
from avert.workflows.users import User


# --- board pack ----------------------------------------------------------------------
def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError as err:
        msg = f"--month {month!r} is not YYYY-MM"
        raise ConfigError(msg) from err
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def _month_data_notes(store: Store, first: dt.date) -> list[str]:
    """A note when the store's incidents end before the month ``first`` begins: its
    performance and principle checks then describe earlier months, which a pack
    headed with this month would pass off as its own."""
    span = incident_span(store)
    if span is None:
        return [
            "The store holds no incidents: the performance section and the "
            "principle checks have nothing to describe."
        ]
    if span[1].date() >= first:
        return []
    return [
        f"No incident in the store falls in {first:%B %Y}: its latest is of "
        f"{span[1]:%d %B %Y}. The performance section and the principle checks "
        "describe the data up to then, not this month (load its months first)."
    ]


def _later_note(later: int, actions: int, today: dt.date, *, plans: int = 1) -> str:
    """The note that ``later`` of the ``actions`` were first recorded in avert after
    ``today`` (a plan of one action read "All 1 actions were"). ``actions`` counts
    the actions of every plan the pack shows; with ``plans`` above 1 the note says
    so ("across the 2 plans"), where "the plan's one action" named one plan."""
    across = f" across the {plans} plans" if plans > 1 else ""
    if later == actions:
        which = (
            (
                "The plan's one action was"
                if not across
                else f"The one action{across} was"
            )
            if later == 1
            else f"All {later} actions{across} were"
        )
    else:
        which = (
            f"{later} of {actions} actions{across} {'was' if later == 1 else 'were'}"
        )
    shown = "it is" if later == 1 else "they are"
    rest = "" if later == actions else ", the others as they stood then"
    return (
        f"{which} first recorded in avert after {today:%d %B %Y}: {shown} "
        f"shown as first recorded{rest}."
    )


def _board_pseudonymiser(settings: Settings, board_user: User) -> Pseudonymiser:
    """The board's pseudonymiser (:func:`partner_pseudonymiser`); refused without
    a key fit for it with the refusal's reason, why a board pack needs a key and
    where the setting is set.

    The reason alone ("Partner outputs need a pseudonym key") left an analyst
    making a board pack, no partner output, asking what partners had to do with
    it and how to give avert a setting.
    """
    try:
        return partner_pseudonymiser(settings, reader=board_user)
    except ConfigError as err:
        msg = (
            "A board pack shows the board the people it names (in plan actions, "
            "taskings and their evidence) by pseudonym, never by name or record "
            f"id, so it needs the pseudonym key. {err} It is the setting "
            "pseudonym_key, which avert reads, as every setting, from its "
            f"environment variable ({KEY_ENV}; docs/settings.md): set it in the "
            "environment avert runs in (the service's environment file, from a "
            "secrets manager), never on the command line, where shell history and "
            "the process list keep it."
        )
        raise ConfigError(msg) from err


def board_pack_data(
    store: Store, settings: Settings, *, month: str, force: str | None = None
) -> dict[str, Any]:
    """What the board pack of ``month`` shows (:func:`_board_pack_contents`),
    audited: one ``view`` row of ``board-pack:<month>`` naming the people (by
    pseudonym) it holds, as the workflows' other views of people
    (:func:`avert.workflows.views.briefing_view`). It wrote none, and a Python
    caller read the pack's people unaudited; :func:`board_pack` audits its
    export instead."""
    data = _board_pack_contents(store, settings, month=month, force=force)
    shown = pseudonyms_named(json.dumps(data, default=str), "person")
    audit.record(
        store,
        action="view",
        obj=f"board-pack:{month}",
        reason=f"board pack data, shows {len(shown)} people",
        role="board",
        detail=audit.describe(people=shown, audience="board"),
    )
    return data


def _board_pack_contents(
    store: Store, settings: Settings, *, month: str, force: str | None = None
) -> dict[str, Any]:
    """What the board pack of ``month`` shows (persons pseudonymised: board audience);
    not audited (:func:`board_pack_data` and :func:`board_pack` are).

    Status is as at the end of the month (or today, if earlier): plan status by
    strand and by lead partner, overdue actions, actions completed in the month
    with their evidence, objectives with measure, baseline and target, and the
    principle checks. A past month's plans, objectives and actions are as they stood
    at its end (rebuilt from the change history); those avert first recorded later
    are shown as first recorded, and ``notes`` says how many. ``force`` (the
    pack's ``--police-force``) keeps the top-harm subjects to that force's incidents
    (:func:`avert.workflows.delivery._checks.board_checks`), and a note says so.

    The board reads persons as pseudonyms: without a key fit for them
    (:func:`partner_pseudonymiser`) the pack is refused before the store is read
    (it read the plan and the checks first: 4 to 15 s at force scale), even for
    a store with no plan. The stored names the free text is looked up in are read
    once for the whole pack (:class:`avert.store.queries.StoredNames`).
    """
    board_user = User(username=audit.current_user(), role="board")
    # the board's key (pseudonym_scope organisation); no key: refused before any read
    pseudo = _board_pseudonymiser(settings, board_user)
    first, nxt = _month_bounds(month)
    now = local_today(settings.timezone)
    if first > now:
        msg = (
            f"--month {month} has not begun (today is {now:%d %B %Y}): a board pack "
            "is of the current month or one past"
        )
        raise ConfigError(msg)
    today = min(nxt - dt.timedelta(days=1), now)
    names = queries.StoredNames(store)
    actions = read_actions(store, today=today)
    shown = _shown(store, actions, board_user, settings, names=names)
    # the plan board's counts, not its audited list: the pack names no action's
    # target (its audit row counts the people the pack shows, board_pack)
    grid = plan_grid(board_actions(actions, board_user))
    done_ids = _done_in_month(store, first, nxt)
    force, force_note = checks_force(store, settings, today, force)
    checks = board_checks(store, settings, today=today, force=force)
    later = first_recorded_after(actions, today)
    notes = _month_data_notes(store, first)
    plans, objectives = (
        read_delivery(store, entity, today=today) for entity in ("plan", "objective")
    )
    if later:  # the actions of every plan: the note says "across" several
        notes.append(_later_note(later, actions.height, today, plans=plans.height))
    view = checks_view(
        store, settings, user=board_user, today=today, names=names, force=force
    )
    if force_note:
        notes.append(force_note)
    # the titles the police wrote name no stored record or person (board audience)
    plans, objectives = (
        objectives_shown(store, pseudo, frame, names) for frame in (plans, objectives)
    )
    return {
        "month": month,
        "today": today,
        # the principle checks' top subjects are by the classifications' harm
        "notes": [*view["notes"], *notes],
        "plans": plans.to_dicts(),
        "grid": grid,
        "statuses": [*STATUSES, "overdue"],
        "by_org": checks.overdue_by_org.to_dicts(),
        "overdue": shown.filter(pl.col("overdue"))
        .sort("overdue_days", descending=True)
        .to_dicts(),
        # by the ids as stored (the board reads an id that writes one pseudonymised)
        "completed": shown.filter(
            actions["action_id"].is_in(sorted(done_ids)) & (pl.col("status") == "done")
        ).to_dicts(),
        "objectives": objectives.sort("strand", maintain_order=True).to_dicts(),
        "measures": objective_measures(
            store, settings, today=today, user=board_user, names=names
        ),
        "checks": checks.summary,
        "missing": checks.missing.to_dicts(),
        "duplicates": view["duplicates"],
        "not_checked": view["not_checked"],
        "approaches": checks.approaches.to_dicts(),
        # open data (data.police.uk) name no one: the footer says so, not that
        # people are shown as pseudonyms
        "names_people": has_rows(store, "people"),
    }


def _done_in_month(store: Store, first: dt.date, nxt: dt.date) -> set[str]:
    """The ids of the actions moved to done from ``first`` to before ``nxt``; an
    action first recorded as done (a plan file of work finished months ago,
    imported now) was not completed in the month. Reads the month's action
    history (its changes, not its rows of every action)."""
    completed = store.read_frame(
        "delivery_history",
        where=[
            ("entity", "=", "action"),
            ("at", ">=", dt.datetime.combine(first, dt.time())),
            ("at", "<", dt.datetime.combine(nxt, dt.time())),
        ],
    )
    return {
        h["entity_id"]
        for h in completed.to_dicts()
        if h["before_json"] is not None
        and json.loads(h["after_json"] or "{}").get("status") == "done"
        and json.loads(h["before_json"]).get("status") != "done"
    }


def board_pack(
    store: Store,
    settings: Settings,
    *,
    month: str,
    out_dir: str | Path,
    pdf: bool = True,
    force: str | None = None,
    areas: Sequence[str] | None = None,
    population_year: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write ``board-pack-YYYY-MM.html`` (and ``.pdf``) in ``out_dir``; audited.

    ``force``, ``areas`` and ``population_year`` choose the stops and the
    residents of the equality section, as in :func:`avert.workflows.board.run_equality`. ``progress`` is
    told the name of each step as it starts, for a status line: a pack takes
    seconds (a 72-action plan over a 20,000-resident city: 6 to 12 s, most of it
    the PDF).
    """
    from avert.report import render_html, render_pdf
    from avert.workflows.board import board_statistics

    say = progress or (lambda _step: None)
    say("reading the plan and its checks")
    # audited: _audit_pack
    data = _board_pack_contents(store, settings, month=month, force=force)
    out = private_mkdir(out_dir)  # pseudonyms, evidence: owner-only, as the PDF
    _first, nxt = _month_bounds(month)
    say("performance and equality")
    stats = board_statistics(
        store,
        end=nxt - dt.timedelta(days=1),
        profile=settings.definition_id(),
        force=force,
        areas=areas,
        population_year=population_year,
        audience="partner",  # the board's: a force's own searches under the rule
    )
    html = render_html(
        "board_pack.html", d=data, stats=stats, title=f"Board pack {month}"
    )
    html_path = out / f"board-pack-{month}.html"
    pdf_path = out / f"board-pack-{month}.pdf"
    # audited before any file is written (it was after both): a PDF that failed
    # left the HTML, which names people, unaudited
    _audit_pack(store, month, data, html, out, [html_path, pdf_path][: 1 + pdf])
    private_write_text(html_path, html)
    written = [html_path]
    if pdf:
        say("laying out the PDF")
        written.append(render_pdf(html, pdf_path))
    return written


def _audit_pack(
    store: Store,
    month: str,
    data: dict[str, Any],
    html: str,
    out: Path,
    files: Sequence[Path],
) -> None:
    """The pack's export row: the people its ``html`` names (the board's
    pseudonyms), the folder ``out`` and the ``files`` it is about to write there."""
    audit.record(
        store,
        action="export",
        obj=f"board-pack:{month}",
        reason=f"board pack, {len(data['overdue'])} overdue, "
        f"{len(data['completed'])} completed",
        role="board",
        detail=audit.describe(
            people=pseudonyms_named(html, "person"),
            location=str(out.resolve()),
            files=files,
            audience="board",
        ),
    )
