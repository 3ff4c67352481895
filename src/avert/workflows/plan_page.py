"""The Plan page's content (:func:`plan_page`): made once per data generation and
reader, audited at every showing.

The page shows the plan board, the principle checks, the make-up of the people the
open actions target and every objective's measure. The measures run the
performance engine over the store's incidents (0.34 s of CPU of the 0.46 s a
request took on the demo city, every request: ``avert demo``, 5 requests after
warm-up); the checks and the make-up read incidents too. With a cache they are
made once per key (:func:`_key`) and kept for the cache's time; the plan board's
audit row, naming the people shown, is written at every showing
(:func:`avert.workflows.delivery.audit_plan_board`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from avert.config.settings import Settings
from avert.config.timezone import local_today
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.delivery import (
    PlanBoardMade,
    audit_plan_board,
    plan_board_made,
)
from avert.workflows.staleness import staleness_notes
from avert.workflows.users import User, check_allowed
from avert.workflows.views import ResultCache, default_window_end, plan_makeup

__all__ = ["PLAN_CACHE_ENTRIES", "PLAN_CACHE_TTL_S", "plan_page"]

#: How long the web app keeps a Plan page's content (seconds). Its key holds the
#: store's data generation (raised by a plan import, an action's or objective's
#: edit, a tasking, a load, a classification), so any of those shows on the next
#: request whatever this is; the time is a backstop for writes from outside avert,
#: as for the briefings (:data:`avert.workflows.views.BRIEFING_CACHE_TTL_S`).
PLAN_CACHE_TTL_S = 600.0
#: Plan pages kept: one per audience, organisation, area and filter in use.
PLAN_CACHE_ENTRIES = 32


@dataclass(frozen=True)
class _PlanMade:
    """What a Plan page shows, made once for a key."""

    board: PlanBoardMade
    checks: dict[str, Any]
    makeup: dict[str, Any] | None
    measures: list[dict[str, Any]]


def _key(
    store: Store,
    settings: Settings,
    user: User,
    lead: str | None,
    area: str | None,
    until: dt.datetime,
) -> tuple[object, ...]:
    """What the page's content depends on besides the settings.

    The store's data generation; the day (overdue actions, RAG, measures' windows
    are as at today); the make-up's window end (:func:`default_window_end`: the
    minute, on live data); the reader's role, organisation and area (which actions
    they see, and the pseudonyms, which are per organisation); the filters; the
    accounts (:func:`_accounts`: the users table raises no generation); the
    staleness notes (the definition or harm table edited since the classification:
    no write to the store)."""
    return (
        "plan",
        store.generation(),
        # the board's day is the store's, the measures' and checks' the settings'
        local_today(store.timezone),
        local_today(settings.timezone),
        until,
        user.role,
        user.org,
        user.area,
        lead,
        area,
        _accounts(store),
        *staleness_notes(store, settings.definition_id(), settings=settings),
    )


def _accounts(store: Store) -> tuple[tuple[str, str | None, bool], ...]:
    """Every account's role, organisation and whether it is enabled, sorted: the
    page spells leads as the accounts spell them (:func:`delivery.account_orgs`)
    and its checks flag a lead no enabled account holds
    (:func:`delivery.unheld_leads`: an account disabled or enabled, a police
    account's role changed), and none of it raises the data generation."""
    users = store.read_frame("users", columns=["role", "org", "disabled"])
    rows = users.with_columns(pl.col("disabled").fill_null(value=False)).rows()
    return tuple(sorted(rows, key=lambda row: (row[0], row[1] or "", row[2])))


def _make(
    store: Store,
    settings: Settings,
    user: User,
    lead: str | None,
    area: str | None,
    until: dt.datetime,
) -> _PlanMade:
    """The page's content for ``user`` (nothing audited)."""
    measures = delivery.objective_measures(store, settings, user=user)
    board = plan_board_made(
        store,
        settings,
        user=user,
        lead=lead,
        area=area,
        # the people the measures' objectives name are on the page too
        texts=[m.get(k) for m in measures for k in ("objective_id", "title")],
    )
    checks = delivery.checks_view(store, settings, user=user)
    makeup = plan_makeup(store, settings, user=user, lead=lead, area=area, until=until)
    return _PlanMade(board=board, checks=checks, makeup=makeup, measures=measures)


def plan_page(
    store: Store,
    settings: Settings,
    *,
    user: User,
    lead: str | None = None,
    area: str | None = None,
    cache: ResultCache[Any] | None = None,
) -> dict[str, Any]:
    """The Plan page's content: ``board``, ``checks`` (the checks' view),
    ``plan_makeup`` and ``measures``; with ``cache``, made once per :func:`_key`.

    Every call writes the plan board's audit row (the people the page shows);
    a refused reader is refused (and audited) before anything is read.
    """
    check_allowed(user, "view-plan")
    until, _ = default_window_end(store)

    def make() -> _PlanMade:
        return _make(store, settings, user, lead, area, until)

    made: _PlanMade = (
        make()
        if cache is None
        else cache.get(_key(store, settings, user, lead, area, until), make)
    )
    audit_plan_board(store, user, made.board)
    return {
        "board": made.board.board,
        "checks": made.checks,
        "plan_makeup": made.makeup,
        "measures": made.measures,
    }
