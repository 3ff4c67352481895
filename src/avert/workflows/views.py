"""What each page and API answer of the web app shows, audited, per signed-in user.

The web app is a thin edge: every route calls one function here, which reads the
store, calls the pure analyses and the briefing, applies the user's audience
(partners and the board see pseudonyms only, :func:`avert.policy.audience_of`) and
writes the audit row *before* returning person-level data. The same functions serve
the HTML pages and the JSON API, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import polars as pl

from avert.access import (
    POLICE_ONLY,
    Audience,
    audience_of,
    names_id,
    names_person,
)
from avert.analyse.dash import CRITERIA, CRITERION_NAMES, criterion_rules
from avert.analyse.networks import GroupsResult, match_groups
from avert.analyse.result import jsonable
from avert.analyse.trend import month_window
from avert.areas import in_area
from avert.briefing import Briefing, records_missing
from avert.briefing.context import OFFENDING_ROLES
from avert.briefing.makeup import make_up
from avert.classify.labels import category_name
from avert.config.places import load_places_config
from avert.config.risk import RiskConfig, load_risk_config
from avert.config.settings import Settings
from avert.config.timezone import local_now
from avert.delivery import subject_type
from avert.errors import NotFound, PermissionDenied
from avert.files import neutralise_cells
from avert.report import briefing_page_context
from avert.report.render import LIST_LIMITS
from avert.store import Store, audit, queries
from avert.store.loads import has_rows
from avert.store.summary import (
    ethnic_group_years,
    held_rows_by_load,
    incident_span,
    incident_spans,
    latest_incident_at,
    latest_stop_at,
    status_summary,
    stop_span,
)
from avert.workflows import audit as audit_workflow
from avert.workflows._key_locks import KeyLocks
from avert.workflows.briefing import (
    build_briefing,
    free_texts,
    people_shown,
    read_residents,
    unknown_area,
)
from avert.workflows.definition_words import category_titles, rule_words
from avert.workflows.delivery import (
    board_actions,
    objective_measures,
    partner_pseudonymiser,
    partner_scope,
    people_written,
    taskings_for_briefing,
    with_accounts_spelling,
)
from avert.workflows.marac import latest_as_of, person_dash, run_marac, warm_marac
from avert.workflows.networks import (
    PERSON_NOT_FOUND,
    PersonNetworkContext,
    audit_groups,
    audit_person_view,
    group_analysis,
    person_context,
    person_report,
)
from avert.workflows.performance import source_category_names
from avert.workflows.staleness import staleness_notes
from avert.workflows.users import User, audit_as, check_allowed

__all__ = [
    "INCIDENTS_ORDER",
    "INCIDENTS_ORDER_PARTNER",
    "INCIDENT_FLAGS",
    "BriefingCache",
    "BriefingView",
    "as_json",
    "audience_badge",
    "audit_csv",
    "audit_rows",
    "briefing_page",
    "briefing_view",
    "category_tally",
    "data_view",
    "default_equality_month_end",
    "default_window_end",
    "default_window_start",
    "ethnic_group_years",
    "groups_view",
    "incident_categories",
    "incidents_by_harm",
    "incidents_view",
    "list_makeup",
    "loads_by_kind",
    "person_view",
    "plan_makeup",
    "record_export",
    "rule_words",
    "taskings_makeup",
    "today_lists",
    "warm_up_views",
]

#: Rows an incidents list shows at most (the rest are counted, not listed).
MAX_LIST_ROWS = 500
#: Items of a long briefing list (incidents, map points ...) one API answer gives
#: by default, and at most (``briefing_page``): a London month is 21,961
#: incidents, 24 MB of JSON, which a web client should not have to pull at once.
BRIEFING_PAGE_DEFAULT: Final = 500
BRIEFING_PAGE_MAX: Final = 5_000
#: The briefing's lists that can be long, paged by the API (``map_points`` is
#: ``map.points``); the others are capped by their section or keyed by kind.
BRIEFING_PAGED: Final = (
    "incidents",
    "retaliation",
    "repeat_victims",
    "asb_callers",
    "asb_escalating",
    "people",
    "map_points",
)
#: the flags an incidents search filters on (``incidents_view(flag=...)``)
INCIDENT_FLAGS: Final = ("weapon", "domestic", "hate", "gang_related")
#: Days after which the Data page warns that a source is stale.
STALE_AFTER_DAYS = 7
#: Days after which the Data page warns that the latest record itself is old (a
#: store loaded today from an archive): police.uk publishes about two months late.
RECORDS_STALE_AFTER_DAYS = 90
#: Days of offending the group members' make-up is compared with (the year before).
GROUP_POOL_DAYS = 365


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (caches)
class BriefingView:
    """A briefing as one user may see it: the object (to render) and its JSON.

    ``page`` is what the briefing templates need (map, legend, list limits), made
    once per cached briefing, not per request. The make-up of every list of people
    is in the briefing itself (``data["make_up"]``, :mod:`avert.briefing.makeup`).
    """

    briefing: Briefing
    data: dict[str, Any]
    page: dict[str, Any] = field(default_factory=dict)


T = TypeVar("T")


class ResultCache(Generic[T]):
    """Results computed for a key, kept a short while for everyone who asks.

    An entry is used for ``ttl_s`` seconds; callers put the store's data generation
    (:meth:`avert.store.Store.generation`, raised by every write to the analysed
    data: a load, one that only replaces rows, a classification, a population, an
    edit) in the key, so fresh data shows at once in every worker process; the time
    is a backstop (a write from outside avert). One lock per key: concurrent
    requests for the same key wait for one computation instead of repeating it.
    At most ``max_entries`` are kept (the oldest goes first), and an entry older
    than ``ttl_s``, which would be computed again anyway, is dropped when the next
    one is stored rather than held until the cache is full.
    """

    def __init__(self, ttl_s: float = 60.0, max_entries: int = 64) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[tuple[object, ...], tuple[float, T]] = {}
        #: a lock per key while requests for it are in flight (:class:`KeyLocks`)
        self._locks = KeyLocks()
        self._guard = threading.Lock()

    def get(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The cached result for ``key``, computing it (once) when absent or old."""
        with self._locks.held(key):
            hit = self._entries.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
            value = compute()
            with self._guard:
                now = time.monotonic()
                stale = [
                    k for k, (t, _) in self._entries.items() if now - t >= self.ttl_s
                ]
                for old in stale:
                    self._drop(old)
                while self._entries and len(self._entries) >= self.max_entries:
                    self._drop(min(self._entries, key=lambda k: self._entries[k][0]))
                self._entries[key] = (now, value)
            return value

    def _drop(self, key: tuple[object, ...]) -> None:
        """Forget ``key``'s entry (the caller holds the guard)."""
        self._entries.pop(key, None)


#: How long the web app keeps a briefing (seconds). Its key holds the store's data
#: generation, so a load, a classification, a tasking or plan edit shows on the next
#: request whatever this is; the time is a backstop for writes from outside avert
#: and for what the generation does not count (an account's organisation spelling,
#: :data:`avert.store.database.QUIET_TABLES`), as for the board's statistics. A
#: minute (before) made a meeting pay a rebuild of the same window every minute:
#: on London's month of March 2022 about 4 CPU seconds each (docs/web.md).
BRIEFING_CACHE_TTL_S: Final = 600.0
#: Briefings the web app keeps (:class:`BriefingCache`). A meeting needs one window
#: at a time, once per audience (police, each partner organisation, the board) and
#: per area of area-scoped users: a handful within a minute. Each kept briefing
#: holds its frames, lists, map and HTML: on the demo city 0.5 MiB for a day's
#: window, 3.5 MiB for a month's; on a city of 400,000 people about 22 MiB for a
#: month's, where 64 kept (the bound before) took the process from 290 MiB to
#: 1,760 MiB and 12 keep it at 700 MiB (``benchmarks/web_memory.py``, docs/web.md).
BRIEFING_CACHE_ENTRIES: Final = 12


class BriefingCache(ResultCache[BriefingView]):
    """Briefings computed for a window, kept a short while for everyone who asks.

    The meeting's chair, twenty officers and the partners all open *Today* within a
    few minutes; each audience's briefing for one window is computed once. An entry
    is used for ``ttl_s`` seconds (:data:`BRIEFING_CACHE_TTL_S`, ten minutes) and
    only while the store's data are unchanged (its data generation is part of the
    key): a load, a re-classification or a tasking made or done shows at once. At most
    :data:`BRIEFING_CACHE_ENTRIES` are kept: someone paging back through many
    windows holds no more memory than a meeting does.
    """

    def __init__(
        self,
        ttl_s: float = BRIEFING_CACHE_TTL_S,
        max_entries: int = BRIEFING_CACHE_ENTRIES,
    ) -> None:
        super().__init__(ttl_s=ttl_s, max_entries=max_entries)


def board_statistics_view(
    store: Store, cache: ResultCache[Any] | None = None, **options: Any
) -> Any:
    """:func:`avert.workflows.board.board_statistics`, shared for ten minutes.

    The board pages fit a seasonal GLM per series (seconds on a force's data); a
    board meeting opens the same month many times. The key is the options and the
    store's data generation, so a load, a classification or a population load is
    seen at once.
    """
    from avert.workflows.board import board_statistics

    def compute() -> Any:
        return board_statistics(store, **options)

    if cache is None:
        return compute()
    key = (
        tuple(sorted((k, repr(v)) for k, v in options.items())),
        store.generation(),
    )
    return cache.get(key, compute)


def area_fields_view(
    store: Store, cache: ResultCache[Any] | None = None
) -> tuple[str, ...]:
    """:func:`avert.workflows.board.area_fields_with_data`, kept while the data are
    unchanged (a store without a column reads its incidents through to say so)."""
    from avert.workflows.board import area_fields_with_data

    if cache is None:
        return area_fields_with_data(store)
    key = ("area-fields", store.generation())
    return tuple(cache.get(key, lambda: area_fields_with_data(store)))


def default_window_end(
    store: Store, *, now: dt.datetime | None = None
) -> tuple[dt.datetime, str | None]:
    """Where a briefing window ends by default, and a note when it is not now.

    Now, unless the store holds no incident in the last two days (a demo city, or
    a store loaded from an archive): then the first 06:00 after the latest incident,
    so the page shows the most recent day (the 24 hours holding that incident)
    rather than an empty one, and says so. When the latest records are month-only
    (data.police.uk dates a month's records on its first day) and their month is
    over, the end of that month (00:00 on the first of the next): the month briefed
    as a whole, the window the page's header shows (06:00, the daily briefing's
    hour, put the form and the note six hours after the header's window end).

    "Now" is the force's wall-clock time (the store's zone, settings ``timezone``),
    as the stored incident times, not the machine's clock.
    """
    now = now or local_now(store.timezone).replace(second=0, microsecond=0)
    latest = latest_incident_at(store)
    if latest is None or now - latest <= dt.timedelta(days=2):
        return now, None
    month = queries.latest_time(store, before=now, precision="month")
    exact = queries.latest_time(store, before=now, precision="exact")
    if month is not None and (exact is None or exact < month):
        month_end = month_window(month)[1]
        if month_end > now:  # the month is not over: the last complete one
            return now, None
        end = month_end
        note = (
            "The latest records are month-only (data.police.uk); showing "
            f"{month:%B %Y} as a whole (the window {month:%d %b %Y %H:%M} to "
            f"{end:%d %b %Y %H:%M})."
        )
        return end, note
    day_end = dt.datetime.combine(latest.date(), dt.time(6))
    if day_end <= latest:
        day_end += dt.timedelta(days=1)
    note = (
        "No incidents recorded in the last two days; showing the window ending "
        f"{day_end:%d %b %Y %H:%M}, which holds the latest incident "
        f"({latest:%d %b %Y %H:%M})."
    )
    return day_end, note


def default_equality_month_end(
    store: Store, *, today: dt.date | None = None
) -> dt.date | None:
    """The last day of the last whole month with stops and searches (None: no stops).

    The equality page's default month: its figures are of stops, whose latest
    month need not be the incidents' (police.uk publishes them as separate files).
    The month of the latest stop when it is over, else the month before.
    """
    latest = latest_stop_at(store)
    if latest is None:
        return None
    today = today or local_now(store.timezone).date()
    first, nxt = (d.date() for d in month_window(latest))
    return nxt - dt.timedelta(days=1) if nxt <= today else first - dt.timedelta(days=1)


def default_window_start(
    store: Store, end: dt.datetime, *, days: int = 7
) -> tuple[dt.datetime, str | None]:
    """Where a listing window ending at ``end`` starts by default, and a note when it
    is not ``days`` before ``end``.

    ``days`` before, unless the latest records before ``end`` are month-only
    (data.police.uk dates a month's records on its first day) and their month
    reaches into those days while its first day lies before them: then that first
    day, so the month is listed rather than an empty week (the default window of a
    police.uk store ends at 06:00 on the first of the next month).
    """
    start = end - dt.timedelta(days=days)
    month = queries.latest_time(store, before=end, precision="month")
    if month is None or month >= start or month_window(month)[1] <= start:
        return start, None
    exact = queries.latest_time(store, before=end, precision="exact")
    if exact is not None and exact >= month:
        return start, None
    note = (
        "The latest records are month-only (data.police.uk), dated the first of "
        f"their month: the window starts on {month:%d %b %Y} to list {month:%B %Y}."
    )
    return month, note


def briefing_view(
    store: Store,
    settings: Settings,
    *,
    user: User,
    at: dt.datetime,
    hours: int = 24,
    area: str | None = None,
    cache: BriefingCache | None = None,
    allow_demo_key: bool = False,
    pages: Mapping[str, tuple[int, int]] | None = None,
    audited: bool = True,
) -> BriefingView:
    """The daily briefing for the window ending at ``at``, under the user's audience.

    A police-audience briefing lists people, so it is audited as a view before it
    is returned; a partner briefing holds pseudonyms only and is audited too (it is
    still a disclosure of the shared picture). The row counts the people the
    caller receives (docs/audit.md): with ``pages`` (the API's paging, given to
    :func:`briefing_page` with the same ``pages``), those of that page only, so a
    client paging through a month is not recorded as shown everyone on every page
    and the digest is that of the ids the answer holds; without (the *Today*
    page and its htmx fragment), those of the items the page lists
    (:func:`today_lists`), not of the whole briefing; both with the people
    their free text writes (:func:`free_texts`: a tasking's "Speak to Amy
    Doe"). ``audited=False``: for a page that reuses the briefing and does not
    show it (Places, which shows no one; the Meeting, whose
    :func:`avert.workflows.delivery.meeting_view` audits the people it shows):
    no briefing row (such a page wrote one, as if it showed the briefing's
    lists).
    """
    area = area or user.area
    check_allowed(user, "view-today", area=area)
    audience = audience_of(user.role)
    # a partner's briefing lists their own organisation's taskings (a board
    # member's too), whose results only a partner reads as its own words
    organisation = user.org if audience == "partner" else None
    own_words = user.role == "partner"
    view = _kept_briefing(
        store,
        settings,
        cache,
        at=at,
        hours=hours,
        area=area,
        audience=audience,
        organisation=organisation,
        own_words=own_words,
        allow_demo_key=allow_demo_key,
        # whose pseudonyms a partner reader reads (pseudonym_scope)
        scope=partner_scope(settings, user) if audience == "partner" else None,
    )
    if not audited:
        return view
    police = audience == "police"
    listed = (
        today_lists(
            view.data,
            target_names=_target_names(store, view.data) if police else None,
        )
        if pages is None
        else briefing_page(view.data, pages)
    )
    # every person id the answer holds (pseudonyms for partners), as avert brief,
    # and those its taskings' and actions' free text names
    written = people_written(store, free_texts(listed), police=police)
    shown = sorted({*people_shown(listed), *written})
    audit_as(
        store,
        user,
        action="view",
        obj=f"briefing:{at:%Y-%m-%dT%H:%M}" + (f":{area}" if area else ""),
        reason=f"web briefing, shows {len(shown)} people",
        detail=audit.describe(people=shown, audience=audience),
    )
    return view


def audience_badge(settings: Settings, user: User) -> str:
    """What the Today page's badge calls the briefing ``user`` reads: its
    audience (``POLICE AUDIENCE``, ``PARTNER AUDIENCE``), but a board member's
    as the board's: it reads the partner view in pseudonyms, under
    ``pseudonym_scope`` ``organisation`` of the board's own key
    (:func:`avert.access.reader_scope`), under ``shared`` of the key every
    partner shares. Its badge said "PARTNER AUDIENCE", as if a partner's."""
    audience = audience_of(user.role)
    if user.role != "board":
        return f"{audience.upper()} AUDIENCE"
    whose = (
        "THE BOARD'S KEY"
        if partner_scope(settings, user) == "board"
        else "THE KEY PARTNERS SHARE"
    )
    return f"BOARD: PSEUDONYMS, {whose}"


def _kept_briefing(
    store: Store,
    settings: Settings,
    cache: BriefingCache | None,
    *,
    at: dt.datetime,
    hours: int,
    area: str | None,
    audience: Audience,
    organisation: str | None,
    own_words: bool,
    allow_demo_key: bool,
    scope: str | None = None,
) -> BriefingView:
    """The briefing of one window and audience (a partner's of ``scope``'s
    pseudonyms: :func:`avert.access.reader_scope`), from ``cache`` when it holds it
    (made and kept there when not; made alone without ``cache``). Not audited:
    the callers audit each showing (:func:`briefing_view`), or show nothing
    (:func:`warm_up_views`)."""
    # read on every request and keyed by what they say, not by their paths: an
    # edited risk.toml or places.toml showed only when the cached briefing expired
    risk_config = load_risk_config(settings.risk_config_file())
    places_config = load_places_config(settings.places_config_file())

    def compute() -> BriefingView:
        briefing = build_briefing(
            store,
            at=at,
            hours=hours,
            area=area,
            audience=audience,
            profile=settings.definition_id(),
            pseudonym_key=settings.pseudonym_key or None,
            pseudonym_rotation=settings.pseudonym_rotation,
            allow_demo_key=allow_demo_key,
            organisation=organisation,
            own_words=own_words,
            pseudonym_scope=scope,
            cell_size_m=settings.places_cell_size(),
            risk_config=risk_config,
            places_config=places_config,
        )
        data = briefing.to_json()
        return BriefingView(
            briefing, data, page=briefing_page_context(briefing, data=data)
        )

    if cache is None:
        return compute()
    key = (
        at,
        hours,
        area,
        audience,
        settings.definition_id(),
        settings.places_cell_m,
        repr(risk_config),  # holds tables: not hashable; its repr is its content
        places_config,
        organisation,
        own_words,
        scope,  # each organisation's pseudonyms are its own
        store.generation(),  # a load, classification, tasking made or done since
        # the definition or harm table edited since its classification (no
        # write to the store): the stale note shows at once, not ten minutes on
        *staleness_notes(store, settings.definition_id(), settings=settings),
    )
    return cache.get(key, compute)


def today_lists(
    data: dict[str, Any], *, target_names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The briefing JSON ``data`` with each list cut to the items the *Today*
    page lists (``_briefing_sections.html``: the first
    :data:`avert.report.render.LIST_LIMITS` of each capped list, every person
    of concern and tasking): what its audit row counts, the page showing each
    listed item's records whole, but a weak retaliation alert, one line of its
    victim and first targets (its people cut to those), and a plan action, its
    title and id (its target counted when they write it, or its stored name
    in ``target_names``: :func:`_target_names`). ``data`` is not changed (the
    cached briefing every caller shares)."""
    out = {**data}
    for name, limit in LIST_LIMITS.items():
        if name in out and isinstance(out[name], list):
            out[name] = out[name][:limit]
    if isinstance(out.get("retaliation"), list):
        out["retaliation"] = [_as_listed(a) for a in out["retaliation"]]
    if isinstance(out.get("actions"), list):
        names = target_names or {}
        out["actions"] = [_action_as_listed(a, names) for a in out["actions"]]
    intelligence = out.get("intelligence")
    if isinstance(intelligence, dict) and "items" in intelligence:
        out["intelligence"] = {
            **intelligence,
            "items": intelligence["items"][: LIST_LIMITS["intelligence"]],
        }
    return out


def _as_listed(alert: dict[str, Any]) -> dict[str, Any]:
    """A retaliation ``alert`` with the people the *Today* page shows of it as
    its linked people: a weak one's victim and first
    ``LIST_LIMITS["weak_alert_targets"]`` targets (its line shows no other
    record); a strong one as it is (its row lists every linked record)."""
    if alert.get("strength") != "weak":
        return alert
    targets = alert.get("possible_targets") or []
    listed = [alert.get("victim_id"), *targets[: LIST_LIMITS["weak_alert_targets"]]]
    links = {**(alert.get("links") or {}), "person_id": [p for p in listed if p]}
    return {**alert, "links": links}


def _action_as_listed(
    action: dict[str, Any], names: Mapping[str, str]
) -> dict[str, Any]:
    """A plan ``action`` with, as its linked people, those its *Today* row names:
    the row shows the action's title and id, not its target, so a target is
    shown (and counted) only when the title or the id writes it (a partner's:
    the target's pseudonym, which replaces their name too) or the title writes
    the stored name ``names`` holds of it (the police read titles as written).
    Counting every target audited people the page did not show (the default
    demo's Today: 89 for the 87 its HTML named)."""
    links = action.get("links") or {}
    text = f"{action.get('title') or ''} {action.get('action_id') or ''}"
    named = [
        p
        for p in links.get("person_id") or []
        if p
        and (
            names_id(text, str(p))
            or (str(p) in names and names_person(text, names[str(p)]))
        )
    ]
    return {**action, "links": {**links, "person_id": named}}


def _target_names(store: Store, data: dict[str, Any]) -> dict[str, str]:
    """The stored name of each person a plan action *Today* lists targets
    (:data:`avert.report.render.LIST_LIMITS`), by id: a police title may write
    its target by name (a partner's names none: its pseudonyms replaced them,
    and its target ids are pseudonyms no identity is stored under)."""
    actions = (data.get("actions") or [])[: LIST_LIMITS["actions"]]
    ids = sorted(
        {
            str(a["target_id"])
            for a in actions
            if a.get("target_type") == "person" and a.get("target_id")
        }
    )
    if not ids:
        return {}
    rows = queries.read_in(
        store, "person_identity", "person_id", ids, columns=("person_id", "name")
    )
    return {str(p): str(n) for p, n in rows.iter_rows() if n}


def _page(
    items: list[Any], offset: int, limit: int, param: str, at: str | None
) -> dict[str, Any]:
    """Where a page of a list lies in it: offset, limit, returned, total, next.

    ``next`` names the window's end ``at`` beside the next offset: a query that
    left ``at`` out has a window ending now, which moves from one request to the
    next, and the next page of another window would skip or repeat items."""
    total = len(items)
    returned = max(0, min(limit, total - offset))
    after = offset + returned
    next_offset = after if after < total else None
    return {
        "offset": offset,
        "limit": limit,
        "returned": returned,
        "total": total,
        "next_offset": next_offset,
        "next": None
        if next_offset is None
        else f"the same query with {'' if at is None else f'at={at}&'}"
        f"{param}={next_offset}",
    }


def briefing_page(
    data: dict[str, Any], pages: Mapping[str, tuple[int, int]] | None = None
) -> dict[str, Any]:
    """The briefing JSON ``data`` with each of its long lists cut to one page.

    ``pages`` gives (offset, limit) per list of :data:`BRIEFING_PAGED` (a list
    not named: its first :data:`BRIEFING_PAGE_DEFAULT` items); ``map_points`` is
    ``data["map"]["points"]``. The lists keep their ranking. The answer says under
    ``pages``, per list, where the page lies, how many there are in all and the
    offset of the next page (None on the last). ``data`` is not changed: it is
    the cached briefing every caller shares, and the complete record
    (``briefing.json``).
    """
    wanted = dict(pages or {})
    out = {**data, "map": dict(data["map"]), "pages": {}}
    for name in BRIEFING_PAGED:
        offset, limit = wanted.get(name, (0, BRIEFING_PAGE_DEFAULT))
        holder, key = (out["map"], "points") if name == "map_points" else (out, name)
        items = holder[key]
        holder[key] = items[offset : offset + limit]
        out["pages"][name] = _page(
            items, offset, limit, f"{name}_offset", data.get("at")
        )
    return out


#: How the Incidents page and ``GET /api/v1/incidents`` order their list
#: (:func:`incidents_by_harm`), ties included: police.uk's months give hundreds of
#: incidents one harm ("Personal robbery 365 d") and one time.
INCIDENTS_ORDER: Final = (
    "highest harm first; equal harm: the latest first, then by incident id"
)
#: :data:`INCIDENTS_ORDER` as a partner reads it: the ids they see are pseudonyms,
#: listed in the police's order (the same list), not in the pseudonyms' order.
INCIDENTS_ORDER_PARTNER: Final = (
    "highest harm first; equal harm: the latest first, then by the police's "
    "incident id (the police's order; the ids shown are pseudonyms)"
)


def incidents_by_harm(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` highest ``harm_days`` first, then latest, then by ``incident_id``.

    The id settles ties (police.uk months share a time and often a harm), so the
    list, and which rows make its first :data:`MAX_LIST_ROWS`, do not depend on the
    order the store returned them in (SQLite and PostgreSQL differ).
    """
    return rows.sort(
        ["harm_days", "occurred_from", "incident_id"],
        descending=[True, True, False],
        nulls_last=True,
    )


def category_tally(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """``{category, label, len}`` per ``category`` (and its ``label``, how the page
    names it, when ``rows`` have one) of ``rows``: most numerous first, ties by name
    (a group-by returns its groups in any order)."""
    keys = [c for c in ("category", "label") if c in rows.columns]
    return (
        rows.group_by(keys)
        .len()
        .sort(["len", *keys], descending=[True, *[False] * len(keys)], nulls_last=True)
        .to_dicts()
    )


def _partner_incident_ids(
    rows: pl.DataFrame, settings: Settings, *, user: User, allow_demo_key: bool
) -> pl.DataFrame:
    """``rows`` with pseudonymous incident ids. Under a rotating key each incident
    has the key of the period it occurred in: the one its period's briefings use
    (they start no earlier than their key period), so no incident shows under two
    periods' keys (the current period's key showed every earlier incident again)."""
    if settings.pseudonym_rotation == "none" or rows.height == 0:
        return partner_pseudonymiser(
            settings, reader=user, allow_demo_key=allow_demo_key
        ).column(rows, "incident_id", "incident")
    every = "1mo" if settings.pseudonym_rotation == "monthly" else "1q"
    parts = (
        rows.with_row_index("_row")
        .with_columns(pl.col("occurred_from").dt.truncate(every).alias("_period"))
        .partition_by("_period", maintain_order=True)
    )
    return (
        pl.concat(
            partner_pseudonymiser(
                settings,
                reader=user,
                allow_demo_key=allow_demo_key,
                at=part["_period"][0],
            ).column(part, "incident_id", "incident")
            for part in parts
        )
        .sort("_row")
        .drop("_row", "_period")
    )


def incidents_view(
    store: Store,
    settings: Settings,
    *,
    user: User,
    date_from: dt.datetime,
    date_to: dt.datetime,
    area: str | None = None,
    category: str | None = None,
    flag: str | None = None,
    allow_demo_key: bool = False,
) -> dict[str, Any]:
    """Classified incidents in ``[date_from, date_to)``, filtered, highest harm first
    (:func:`incidents_by_harm`; ``order`` says how, ties included).

    Each row says why it is in the definition (the matching rule ids). The search is
    audited (``search`` with its filters). Partners get pseudonymised incident ids
    and none of the police-only columns (:data:`avert.access.POLICE_ONLY`: the
    location text).
    """
    area = area or user.area
    check_allowed(user, "view-incidents", area=area)
    in_window = _classified_incidents(store, settings, date_from, date_to)
    rows = _filtered_incidents(in_window, area=area, category=category, flag=flag)
    rows = incidents_by_harm(rows)
    total = rows.height
    partner = audience_of(user.role) == "partner"
    shown = _where_missing(rows.head(MAX_LIST_ROWS), partner=partner)
    order = INCIDENTS_ORDER
    if partner:
        order = INCIDENTS_ORDER_PARTNER
        # partners: pseudonymous ids, and no police-only column (the location text)
        shown = _partner_incident_ids(
            shown, settings, user=user, allow_demo_key=allow_demo_key
        )
        shown = shown.drop(POLICE_ONLY["incidents"], strict=False)
    audit_as(
        store,
        user,
        action="search",
        obj="incidents",
        reason=(
            f"from {date_from:%Y-%m-%d} to {date_to:%Y-%m-%d}; area={area or 'all'}; "
            f"category={category or 'all'}; flag={flag or 'any'}; {total} found"
        ),
    )
    categories = category_tally(rows)
    out: dict[str, Any] = jsonable(
        {
            "total": total,
            "shown": shown.height,
            "order": order,
            "incidents": shown.to_dicts(),
            "by_category": categories,
            # made under another definition or harm table than the one in force
            "notes": [
                *staleness_notes(store, settings.definition_id(), settings=settings),
                *_where_missing_notes(shown),
            ],
            # nothing loaded for the window, or an area no record names: "0
            # found" is then no finding (as the briefing of that area says)
            "records_missing": (
                None
                if total
                else records_missing(incident_span(store), date_from, date_to)
                or unknown_area(store, area)
                or _category_unknown(in_window, category, settings.definition_id())
                or _flag_unrecorded(in_window, flag)
            ),
        }
    )
    return out


#: the incident columns the Incidents page lists (with the classification's)
_INCIDENT_LIST_COLUMNS: Final = (
    "incident_id",
    "source",
    "crime_type",
    "offence_code",
    "occurred_from",
    "time_precision",
    "location",
    "lsoa",
    "ward",
    "borough",
    "domestic",
    "weapon",
    "hate",
    "gang_related",
    "has_location",
)

#: the place columns the Incidents page's "Where" shows (``location``: police only)
_WHERE_COLUMNS: Final = ("location", "ward", "borough", "lsoa")


def _where_missing(rows: pl.DataFrame, *, partner: bool) -> pl.DataFrame:
    """``rows`` with ``where_missing``: why the "Where" column is empty, null when
    it is not. ``point``: the record gives a map point only (data.police.uk's
    reduced London copy: no street, LSOA or borough, 158,208 of 203,519 crimes);
    ``none``: not even a point; ``withheld``: (partners) only the location text,
    which is police-only. The column was empty with no reason given."""
    present = [c for c in _WHERE_COLUMNS if c in rows.columns]
    areas = [c for c in present if c != "location"]

    def named(columns: Sequence[str]) -> pl.Expr:
        return pl.any_horizontal(
            *(pl.col(c).cast(pl.String).str.strip_chars().ne("") for c in columns),
            pl.lit(value=False),
        ).fill_null(value=False)

    point = (
        pl.col("has_location").fill_null(value=False)
        if "has_location" in rows.columns
        else pl.lit(value=False)
    )
    reason = pl.when(point).then(pl.lit("point")).otherwise(pl.lit("none"))
    if partner and "location" in present:
        reason = pl.when(named(["location"])).then(pl.lit("withheld")).otherwise(reason)
    return rows.with_columns(
        pl.when(named(areas if partner else present))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(reason)
        .alias("where_missing")
    )


def _where_missing_notes(shown: pl.DataFrame) -> list[str]:
    """Why some listed incidents' "Where" is empty (:func:`_where_missing`)."""
    if "where_missing" not in shown.columns:
        return []
    counts = dict(shown["where_missing"].value_counts().iter_rows())
    notes = []
    if counts.get("point"):
        notes.append(
            f"{counts['point']:,} of the {shown.height:,} listed incidents name no "
            'street, ward, borough or LSOA ("map point only"): their records give '
            "a point alone (data.police.uk moves each crime to an anonymous map "
            "point near it; a copy without the LSOA column names no area). The "
            "Places page maps them."
        )
    if counts.get("none"):
        notes.append(
            f"{counts['none']:,} of the {shown.height:,} listed incidents have no "
            'place at all ("not recorded"): their source gave neither an area nor '
            "coordinates."
        )
    if counts.get("withheld"):
        notes.append(
            f"{counts['withheld']:,} of the {shown.height:,} listed incidents are "
            "placed only by a location text, which the police alone read "
            '("withheld").'
        )
    return notes


def _classified_incidents(
    store: Store, settings: Settings, date_from: dt.datetime, date_to: dt.datetime
) -> pl.DataFrame:
    """The incidents of ``[date_from, date_to)`` in the definition in force, with
    their classification (``category``, ``harm_days``, ``rule_ids``) and the
    category's name (``label``) as the briefing gives it."""
    # the window's incidents joined to their classification in one indexed read;
    # reading every classification of the definition to join a week's incidents
    # took 0.26 s of CPU a request on a force's 420,000 incidents (0.023 s now)
    rows = queries.classified_between(
        store,
        date_from,
        date_to,
        columns=_INCIDENT_LIST_COLUMNS,
        profile=settings.definition_id(),
        class_columns=("in_definition", "category", "harm_days", "rule_ids"),
        in_definition_only=True,
        # kept for the store's data generation: the page asked again (another
        # filter, the next page, the next minute) reads the window no more; a
        # month of London's 24,333 cost 0.5-1.0 s a request, almost all the join
        keep=True,
    )
    # "police.uk: violence and sexual offences", and a category by the
    # definition's name ("Violence with a weapon", not "violence weapon"), as the
    # briefing and the Places page's map name them
    names = source_category_names(rows)
    titles = category_titles(settings.definition_id())
    return rows.with_columns(category_name(rows.columns, names, titles))


def incident_categories(
    store: Store, settings: Settings, date_from: dt.datetime, date_to: dt.datetime
) -> list[dict[str, str]]:
    """The categories of the in-definition incidents of ``[date_from, date_to)``,
    each as ``{value, name}``: ``value`` what the Incidents page's ``category``
    filter takes (the category's key, or the name a source's category is shown
    by: "police.uk: violence and sexual offences"), ``name`` how the page names it
    ("Violence with a weapon"); by name. The window's incidents are those the page
    lists (read once and kept: :func:`_classified_incidents`); nothing audited, no
    incident shown. The page's filter was free text: a key typed as the page
    shows it, or misspelt, found nothing."""
    rows = _classified_incidents(store, settings, date_from, date_to)
    return _category_choices(rows)


def _category_choices(rows: pl.DataFrame) -> list[dict[str, str]]:
    """``{value, name}`` of each category of ``rows`` (``category``, ``label``)."""
    value = pl.coalesce(pl.col("category"), pl.col("label")).alias("value")
    name = pl.coalesce(pl.col("label"), pl.col("category")).alias("name")
    return (
        rows.select(value, name).drop_nulls().unique().sort("name", "value").to_dicts()
    )


def _category_unknown(
    incidents: pl.DataFrame, category: str | None, profile: str
) -> str | None:
    """Why a search for ``category`` finds nothing when it is no category of the
    definition ``profile`` (by key or name) nor of the window's ``incidents``,
    else None: the page listed "0 found" for a misspelt category, as if none
    of that category had happened."""
    if not category:
        return None
    titles = category_titles(profile)
    choices = _category_choices(incidents)
    known = {*titles, *titles.values()} | {
        v for c in choices for v in (c["value"], c["name"])
    }
    if category in known:
        return None
    names = [c["name"] for c in choices]
    shown = ", ".join(names[:12]) + (
        f" (+{len(names) - 12})" if len(names) > 12 else ""
    )
    return (
        f"the category {category!r} is not one of the definition's nor of the "
        "window's incidents, so none can match"
        + (f"; the window's categories are {shown}" if names else "")
    )


def _flag_unrecorded(incidents: pl.DataFrame, flag: str | None) -> str | None:
    """Why a search for ``flag`` finds nothing when no incident of the window
    records it (every value null: data.police.uk carries no weapon, domestic, hate
    or gang flag), else None. West Yorkshire's July 2018 listed "0 found" domestic
    incidents of its 10,911, which read as a finding."""
    if not flag or flag not in incidents.columns or incidents.height == 0:
        return None
    if incidents[flag].null_count() < incidents.height:
        return None
    what = {
        "weapon": "a weapon",
        "domestic": "whether it is domestic",
        "hate": "a hate motive",
        "gang_related": "whether it is gang-related",
    }.get(flag, flag)
    return (
        f"none of the window's {incidents.height:,} incidents records {what} (its "
        "source does not carry the flag, as data.police.uk's does not), so none "
        "can match"
    )


def _filtered_incidents(
    rows: pl.DataFrame, *, area: str | None, category: str | None, flag: str | None
) -> pl.DataFrame:
    """The Incidents page's filters: ``area`` (borough or LSOA, any case, as the
    briefing's), ``category`` (its key or the name the page shows) and ``flag``
    (one of :data:`INCIDENT_FLAGS`: a weapon other than none, a hate motive
    given, domestic or gang-related true); each left out when None."""
    if area:  # borough or LSOA, any case, as the briefing's area
        rows = rows.filter(in_area(area, rows.columns))
    if category:  # the key, or the name the page shows ("police.uk: ...")
        rows = rows.filter(
            (pl.col("category") == category) | (pl.col("label") == category)
        )
    if flag == "weapon":
        rows = rows.filter(
            pl.col("weapon").is_not_null() & (pl.col("weapon") != "none")
        )
    elif flag in ("domestic", "gang_related"):
        rows = rows.filter(pl.col(flag).fill_null(value=False))
    elif flag == "hate":
        rows = rows.filter(pl.col("hate").is_not_null() & (pl.col("hate") != ""))
    return rows


def person_view(
    store: Store,
    settings: Settings,
    *,
    user: User,
    person_id: str,
    purpose: str,
    cache: ResultCache[Any] | None = None,
) -> dict[str, Any]:
    """One person's page: own risk, history, links and groups (police roles only).

    The view is audited with the stated ``purpose`` before the page is returned,
    with every person its network picture names (a look-up that fails, with no
    one: :func:`avert.workflows.networks.person_report`; an id not in the store,
    with no one and ``outcome=not-found``, as ``avert analyse person`` writes it);
    so is a refused one (``view-refused``,
    :func:`avert.workflows.users.check_allowed`), before anything is read.
    With ``cache``, the store's network the picture is drawn from
    (:func:`avert.workflows.networks.person_context`: every incident read, the
    groups detected, everyone's risk scored; 2.2 s of CPU on a city of 386,000
    incidents) is made once per definition, risk configuration and data
    generation of the store (and again when the definition or harm table in force
    is edited: the stale note shows at once), and kept for the cache's time, as the
    groups page's analysis is; each person's view is still audited, and their own
    record read.
    """
    check_allowed(
        user, "view-person", store=store, obj=f"person:{person_id}", purpose=purpose
    )
    purpose = purpose.strip()
    if len(purpose) < 4:
        msg = "State the purpose of viewing this person (a few words)."
        raise PermissionDenied(msg)
    people = store.read_frame("people", where=[("person_id", "=", person_id)])
    if people.height == 0:
        # as avert analyse person writes it: no one shown, the id not found
        audit_person_view(
            store,
            person_id,
            [],
            reason=purpose,
            user=user.username,
            role=user.role,
            outcome=PERSON_NOT_FOUND,
        )
        # the id is not repeated: it comes from the link (content spoofing)
        msg = "No such person (the id opened is not in the store)"
        raise NotFound(msg)
    risk_config = load_risk_config(settings.risk_config_file())
    report = person_report(
        store,
        person_id,
        profile=settings.definition_id(),
        risk_config=risk_config,
        reason=purpose,
        user=user.username,
        role=user.role,
        # made once per data generation; the view audited each time
        made=None
        if cache is None
        else lambda: _kept_person_context(store, settings, risk_config, cache),
    )
    history = _person_history(store, settings, person_id)
    offender = risk_config.offender
    try:
        dash_at: dt.datetime | None = latest_as_of(store)
    except NotFound:  # no incident nor assessment: nothing for the section
        dash_at = None
    out: dict[str, Any] = jsonable(
        {
            "person": people.row(0, named=True),
            "network": report,
            "history": history.to_dicts(),
            # the latest DASH assessment and the MARAC criteria, as of the MARAC
            # page's default (the latest incident or assessment): the two agree
            "dash": None
            if dash_at is None
            else person_dash(store, person_id, at=dash_at, config=risk_config),
            "dash_at": dash_at,
            # what the own-risk counts cover: its window and the roles it scores
            "risk_window": {
                "days": offender.window_days,
                "roles": offender.roles,
                "definition": settings.definition_id(),
            },
        }
    )
    return out


def _person_history(store: Store, settings: Settings, person_id: str) -> pl.DataFrame:
    """The person's incidents, newest first: when, what, their role, and whether
    the definition in force counts it (the rows the own-risk score can count)."""
    involvements = store.read_frame(
        "involvements", where=[("person_id", "=", person_id)]
    )
    ids = involvements["incident_id"].unique().to_list()
    return (
        store.read_frame(
            "incidents",
            columns=[
                "incident_id",
                "occurred_from",
                "time_precision",  # a date alone is shown as its date, not 00:00
                "crime_type",
                "offence_code",
            ],
            where=[("incident_id", "in", ids)],
        )
        .join(involvements.select("incident_id", "role"), on="incident_id")
        # which rows the own-risk score can count: the violence of the definition
        .join(
            store.read_frame(
                "classifications",
                columns=["incident_id", "in_definition", "category"],
                where=[
                    ("profile", "=", settings.definition_id()),
                    ("incident_id", "in", ids),
                ],
            ),
            on="incident_id",
            how="left",
        )
        .with_columns(pl.col("in_definition").fill_null(value=False))
        .sort("occurred_from", descending=True)
    )


def _kept_person_context(
    store: Store, settings: Settings, risk_config: RiskConfig, cache: ResultCache[Any]
) -> PersonNetworkContext:
    """:func:`avert.workflows.networks.person_context` of the store, kept in
    ``cache`` per definition, risk configuration, data generation and staleness."""
    profile = settings.definition_id()
    key = (
        "person-network",
        profile,
        # the risk configuration is a file the settings name: its values, not its
        # path, are the key (an edit to it shows at once)
        repr(risk_config),
        store.generation(),
        # the definition or harm table edited since the classification (no write
        # to the store): the network's stale note shows at once, as Today's does
        *staleness_notes(store, profile, settings=settings),
    )
    kept: PersonNetworkContext = cache.get(
        key, lambda: person_context(store, profile=profile, risk_config=risk_config)
    )
    return kept


def warm_up_views(
    store: Store,
    settings: Settings,
    *,
    person_networks: ResultCache[Any],
    briefings: BriefingCache,
    allow_demo_key: bool = False,
) -> None:
    """Make what the slowest first views of the web app need, before anyone asks.

    Into the caches the pages read, under the keys they use: the store's network
    of the person pages (:func:`_kept_person_context`: 2.2 s of CPU on a synthetic
    city of 386,460 incidents) with its largest co-offending component's
    betweenness (1.1 s there: its people's pages), and *Today*'s police briefing
    of the default window (:func:`default_window_end`, 24 hours, no area; found by
    a first view that asks for the same window, e.g. of a store whose latest
    records are days old; a first view of another window still finds the
    modules the briefing loads on first use imported, 0.7 s of CPU there); the
    Incidents page's default window and the MARAC list's year of incidents, read
    and kept for the data generation (:mod:`avert.store.kept`: 0.5-0.8 s of a
    first view each on London's 2022 Q1); the Plan page's objectives' performance
    runs, which every reader's Plan page shares (1.0-1.4 s of CPU of each first
    Plan page on the demo city before).
    Nothing is shown, so nothing is audited: each view is audited as before.
    The figures are those a view makes: the same functions on the same data.
    """
    risk_config = load_risk_config(settings.risk_config_file())
    context = _kept_person_context(store, settings, risk_config, person_networks)
    context.betweenness.largest()
    at, _ = default_window_end(store)
    _kept_briefing(
        store,
        settings,
        briefings,
        at=at,
        hours=24,
        area=None,
        audience="police",
        organisation=None,
        own_words=False,
        allow_demo_key=allow_demo_key,
    )
    # the Incidents page's default window and the MARAC list's year: read and
    # kept for the data generation (avert.store.kept), nothing shown or audited
    start, _ = default_window_start(store, at)
    _classified_incidents(store, settings, start, at)
    warm_marac(store, config_path=settings.risk_config_file())
    # the Plan page's measures: their performance runs are kept for the data
    # generation and shared by every reader (avert.workflows.delivery._measures)
    objective_measures(store, settings)


def groups_view(
    store: Store,
    settings: Settings,
    *,
    user: User,
    allow_demo_key: bool = False,
    cache: ResultCache[Any] | None = None,
) -> dict[str, Any]:
    """Groups with continuum level, matrix band and reasons (partners: pseudonyms),
    and the analysis' notes (why there are none, on open data).

    The analysis reads every incident and person of the store and detects the
    communities again (1.9 s of CPU on a force's 420,000 incidents): with
    ``cache`` it is made once per definition, audience, data generation of the
    store and staleness of its classifications (a load is seen at once, and again once the load's classification is
    done: a page opened between the two saw the new incidents unclassified; so is a
    load that only replaces rows or a re-classification) and kept for
    the cache's time, as the board's statistics are; every showing is audited."""
    check_allowed(user, "view-groups")
    audience = audience_of(user.role)
    profile = settings.definition_id()

    def analyse() -> Any:
        return group_analysis(store, profile=profile, audience=audience, areas=True)

    result = (
        analyse()
        if cache is None
        else cache.get(
            (
                "groups",
                profile,
                audience,
                store.generation(),
                # the definition or harm table edited (no write to the store):
                # the stale note shows at once
                *staleness_notes(store, profile, settings=settings),
            ),
            analyse,
        )
    )
    # one audit row, under the signed-in account and role, written before the
    # members are read (partners are then shown sizes only)
    audit_groups(
        store,
        result,
        user=user.username,
        role=user.role,
        reason="web groups page"
        + (" (sizes only, no members)" if audience == "partner" else ""),
        # the page lists no member: a police row counts the people the groups'
        # ids name (net- and a member's id), a partner's (pseudonyms) no one; it
        # counted every member of every group, none of them listed
        members_shown=False,
        audience=audience,
    )
    report = result.to_json()
    groups: list[dict[str, Any]] = report["groups"]
    _describe_groups(store, result, groups, audience=audience)
    members = [str(m) for g in groups for m in g.get("members") or []]
    until, _ = default_window_end(store)
    made = list_makeup(
        store,
        settings,
        members,
        since=until - dt.timedelta(days=GROUP_POOL_DAYS),
        until=until,
        audience=audience,
        key="group_members",
        label="members of the groups listed",
    )
    if audience == "partner":
        pseudo = partner_pseudonymiser(
            settings, reader=user, allow_demo_key=allow_demo_key
        )
        for g in groups:
            g["group_id"] = pseudo("group", str(g["group_id"]))
            g["rivals"] = [pseudo("group", str(r)) for r in g.get("rivals") or []]
            g["same_as"] = [pseudo("group", r) for r in g["same_as"]]
            g["members"] = []  # partners see the size, never who
    return {"groups": groups, "make_up": made, "notes": list(report.get("notes") or [])}


def _describe_groups(
    store: Store,
    result: GroupsResult,
    groups: list[dict[str, Any]],
    *,
    audience: str,
) -> None:
    """Add to each of the Groups page's ``groups`` (in place) what its words say:
    the groups it is the same as (with their sizes and, for police, names), its
    declared name (police only), and where and since when it offends."""
    # a declared group and the community detected holding most of its members are
    # two views of one group, each listed: say so beside each (docs/networks.md)
    same: dict[str, list[str]] = {}
    if result.membership.height:
        for row in match_groups(result.membership).iter_rows(named=True):
            same.setdefault(str(row["group_id"]), []).append(
                str(row["linked_group_id"])
            )
    # each group, and the one it is the same as, said with its size on the page
    # ("network of 11 people found by co-offending (net-P0014505)"): the
    # page read "net-P0014505" alone
    size_of = {str(g["group_id"]): g.get("size") for g in groups}
    # a declared group's name before its words, police only ("Moor Mandem,
    # declared group of 8 people (G003)"), as the briefing's Rivals column
    names = _declared_group_names(store) if audience == "police" else {}
    # where and since when each offends, for its words ("mostly in Camden, active
    # since Mar 2026"): the page led with an id and a size
    where = _group_places(result.frame)
    for g in groups:
        g.update(where.get(str(g["group_id"]), {}))
        g["same_as"] = sorted(same.get(str(g["group_id"]), []))
        g["same_as_sizes"] = [size_of.get(o) for o in g["same_as"]]
        g["name"] = names.get(str(g["group_id"]))
        g["same_as_names"] = [names.get(o) for o in g["same_as"]]


def _group_places(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per group id of a groups analysis' ``frame`` (made with ``areas``): its
    ``area_level``, ``main_area``, ``main_area_share``, ``n_areas``, ``first_at`` (its first
    incident in the window) and ``window_start``; none where the frame has none."""
    keep = [
        c
        for c in (
            "area_level",
            "main_area",
            "main_area_share",
            "n_areas",
            "first_at",
            "window_start",
        )
        if c in frame.columns
    ]
    if not keep:
        return {}
    rows = frame.select("group_id", *keep).to_dicts()
    return {str(r.pop("group_id")): r for r in rows}


def _declared_group_names(store: Store) -> dict[str, str]:
    """The declared groups' names by id (the ``groups`` table; unnamed left out)."""
    rows = store.read_frame("groups", columns=["group_id", "name"]).filter(
        pl.col("name").is_not_null() & (pl.col("name").str.strip_chars() != "")
    )
    return dict(zip(rows["group_id"].cast(pl.String), rows["name"], strict=True))


def marac_view(
    store: Store,
    settings: Settings,
    *,
    user: User,
    at: dt.datetime | None = None,
    allow_demo_key: bool = False,
) -> dict[str, Any]:
    """The victims meeting a MARAC referral criterion as of ``at`` (default: the
    latest incident or assessment, as ``avert analyse marac``), highest first:
    :func:`avert.workflows.marac.run_marac` under the user's audience (a partner:
    pseudonyms, no assessment ids, no questions answered yes), audited by it as
    the signed-in user and role; a refused view is audited too
    (:func:`avert.workflows.users.check_allowed`). A user with an area sees its
    victims only, with a note counting those of the force's list in no area
    (``run_marac``'s ``area``), as the briefing and the incidents page are theirs."""
    check_allowed(user, "view-marac", store=store, obj="analysis:marac")
    audience = audience_of(user.role)
    result = run_marac(
        store,
        at=at,
        config_path=settings.risk_config_file(),
        audience=audience,
        pseudonym_key=settings.pseudonym_key or None,
        pseudonym_rotation=settings.pseudonym_rotation,
        user=user.username,
        reason="MARAC referral criteria (web: MARAC page)",
        allow_demo_key=allow_demo_key,
        role=user.role,
        area=user.area,
        pseudonym_scope=partner_scope(settings, user)
        if audience == "partner"
        else None,
    )
    rules = criterion_rules(result.params)
    return {
        "result": result,
        "rows": result.frame.to_dicts(),
        "criteria": [(c, CRITERION_NAMES[c], rules[c]) for c in CRITERIA],
        "audience": audience,
        "area": user.area,
    }


def holds_incidents(store: Store) -> bool:
    """Whether the store holds any incident (one row read): the pages that are
    empty without one say why and what to do when it holds none."""
    return has_rows(store, "incidents")


def loads_by_kind(
    loads: pl.DataFrame, held: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per source kind: ``files``, the distinct files loaded (a name and digest
    each: a file loaded again counts once); ``loads``, the times files' rows were
    stored (a ``loads`` row each: a file whose rows were deleted or replaced, a
    police.uk month switched back, is stored again); ``rows``, ``loaded``,
    ``quarantined`` and ``duplicates`` of each file as it was last loaded; and
    ``last_loaded_at``. With ``held`` (:func:`avert.store.summary.held_rows_by_load`:
    the rows each load's file holds now), ``held``: the rows the kind's files hold
    now, after later loads replaced or deleted some (a file's rows that a later
    load of it skipped as already stored are held under the earlier load).

    The Data page summed every ``loads`` row, so a file loaded twice counted as
    two files of twice its rows; its "Loaded" was the rows added when last loaded,
    whatever was deleted or replaced since (read as what the store holds)."""
    latest = loads.sort("loaded_at", "load_id").unique(
        ["source_file", "file_sha256"], keep="last", maintain_order=True
    )
    made = loads.group_by("kind").agg(
        pl.len().alias("loads"), pl.col("loaded_at").max().alias("last_loaded_at")
    )
    out = (
        latest.group_by("kind")
        .agg(
            pl.len().alias("files"),
            pl.col("rows").sum(),
            pl.col("loaded").sum(),
            pl.col("quarantined").sum(),
            pl.col("duplicates").sum(),
        )
        .join(made, on="kind")
    )
    if held is not None:
        now = (
            loads.select("load_id", "source_file", "kind")
            .unique()
            .join(held, on=["load_id", "source_file"])
            .group_by("kind")
            .agg(pl.col("held").sum())
        )
        out = out.join(now, on="kind", how="left").with_columns(
            pl.col("held").fill_null(0)
        )
    return out.sort("kind")


def data_view(store: Store) -> dict[str, Any]:
    """Loads, quarantine counts, last load per source, and stale-data warnings."""
    summary = status_summary(store)
    last = loads_by_kind(
        store.read_frame("loads", order_by=["loaded_at"]), held_rows_by_load(store)
    )
    now = local_now(store.timezone)  # loaded_at is force-local
    stale = [
        f"{row['kind']}: last loaded {row['last_loaded_at']:%Y-%m-%d %H:%M}, over "
        f"{STALE_AFTER_DAYS} days ago"
        for row in last.iter_rows(named=True)
        if row["last_loaded_at"] is not None
        and now - row["last_loaded_at"] > dt.timedelta(days=STALE_AFTER_DAYS)
    ]
    # how old the records are, not only the loads: a load of today can hold 2022
    span = incident_span(store)
    stops = stop_span(store)
    records: list[dict[str, Any]] = []
    if span is not None:
        first, latest = _span_precisions(span, incident_span(store, timed=True))
        records.append(
            {
                "table": "incidents",
                "first": span[0],
                "latest": span[1],
                "first_precision": first,
                "latest_precision": latest,
            }
        )
    if stops is not None:
        records.append(
            {
                "table": "stops",
                "first": stops[0],
                "latest": stops[1],
                "first_precision": "exact",
                "latest_precision": "exact",
            }
        )
    stale += _stale_incident_sources(store, now)
    stale += [
        f"{r['table']}: the latest record is of {r['latest']:%d %b %Y}, "
        f"{(now - r['latest']).days:,} days ago, whenever it was loaded"
        for r in records
        if r["table"] != "incidents"
        and now - r["latest"] > dt.timedelta(days=RECORDS_STALE_AFTER_DAYS)
    ]
    return {
        "summary": summary,
        "sources": last.to_dicts(),
        "stale": stale,
        "records": records,
    }


def _span_precisions(
    span: tuple[dt.datetime, dt.datetime],
    timed: tuple[dt.datetime, dt.datetime] | None,
) -> tuple[str, str]:
    """How precisely the Data page can name each end of the incidents' ``span``:
    ``month`` for an end that is a month-only month's (data.police.uk: its start
    at 00:00 on the first day, its end at the month's last instant, which the page
    showed as "1 Jan 2022" and "31 Mar 2022 23:59", times no record has), else
    ``exact``: the incidents with more than a month (``timed``, their span) reach
    it.

    >>> jan, mar = dt.datetime(2022, 1, 1), dt.datetime(2022, 3, 31, 23, 59)
    >>> _span_precisions((jan, mar), None)
    ('month', 'month')
    >>> _span_precisions((jan, mar), (jan, dt.datetime(2022, 2, 1)))
    ('exact', 'month')
    """
    if timed is None:
        return "month", "month"
    return (
        "exact" if timed[0] <= span[0] else "month",
        "exact" if timed[1] >= span[1] else "month",
    )


def _stale_incident_sources(store: Store, now: dt.datetime) -> list[str]:
    """A warning for each source (and force) of the incidents whose latest record
    is over :data:`RECORDS_STALE_AFTER_DAYS` days before ``now``
    (:func:`avert.store.summary.incident_spans`: a month-only month to its end).

    Judged per source, not per table: London's police.uk quarter ending March
    2022 was not warned of beside a synthetic city of this year in the store.
    """
    spans = incident_spans(store).filter(
        pl.col("last") < now - dt.timedelta(days=RECORDS_STALE_AFTER_DAYS)
    )
    out = []
    for row in spans.sort(["source", "force"], nulls_last=True).iter_rows(named=True):
        # one row per source and force: a handful, not the incidents
        force = f" ({row['force']})" if row["force"] else ""
        out.append(
            f"incidents of {row['source'] or 'no named source'}{force}: the latest "
            f"record is of {row['last']:%d %b %Y}, {(now - row['last']).days:,} "
            "days ago, whenever it was loaded"
        )
    return out


def audit_rows(
    store: Store,
    *,
    user: User,
    user_name: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = 1000,
    export: bool = False,
) -> pl.DataFrame:
    """Audit rows, newest first, filtered (for the data protection officer); the
    newest ``limit`` of them (None: every row).

    The look is audited first, under the signed-in ``user``: ``view audit:list``
    with the filters (:func:`avert.workflows.audit.audit_rows`, as ``avert audit
    list``), or, with ``export``, one ``export audit.csv`` row with the number of
    rows instead.
    """
    if export:
        rows = audit.read(
            store, since=since, until=until, user=user_name, action=action
        )
        # the filters too, as 'avert audit export' names them: the row said
        # only "web export, N rows", not whose or which rows were exported
        filters = audit.describe(
            since=since and since.isoformat(),
            until=until and until.isoformat(),
            user_name=user_name,
            action=action,
        )
        record_export(
            store,
            user=user,
            what="audit.csv",
            n_rows=rows.height,
            detail=filters or None,
        )
    else:
        rows = audit_workflow.audit_rows(
            store,
            since=since,
            until=until,
            user_name=user_name,
            action=action,
            user=user.username,
            role=user.role,
            reason="audit log review (web)",
        )
    newest_first = rows.reverse()
    return newest_first if limit is None else newest_first.head(limit)


def as_json(value: Any) -> Any:
    """``value`` with dates, frames and numpy values made JSON-ready."""
    return jsonable(value)


def record_export(
    store: Store, *, user: User, what: str, n_rows: int, detail: str | None = None
) -> None:
    """Audit an export made from the web app (before its bytes are sent);
    ``detail``: what was asked for (:func:`avert.store.audit.describe`)."""
    audit_as(
        store,
        user,
        action="export",
        obj=what,
        reason=f"web export, {n_rows} rows",
        detail=detail,
    )


def audit_csv(rows: pl.DataFrame) -> str:
    """Audit rows as CSV text, cells neutralised against formula injection.

    The one rule of :func:`avert.files.neutralise_cells` (reversible: a leading
    quote is added to cells a spreadsheet would run, and to cells that start with one).
    """
    return neutralise_cells(rows.cast(pl.String)).write_csv()


def list_makeup(
    store: Store,
    settings: Settings,
    person_ids: Sequence[str],
    *,
    since: dt.datetime,
    until: dt.datetime,
    audience: Audience,
    key: str,
    label: str,
    area: str | None = None,
) -> dict[str, Any] | None:
    """The make-up of a list of people shown by the web app (None for an empty list).

    By sex, age band and ethnicity against the suspects and offenders of the
    violent incidents from ``since`` to ``until`` (the population lists are drawn
    from) and against the residents of ``area`` (or of the boroughs of those
    incidents) where the store has them: :func:`avert.briefing.makeup.make_up`
    over :func:`avert.analyse.equality.list_make_up`, the one make-up of avert.
    Counts only; for partners the small-cell rule applies
    (:data:`avert.access.SMALL_CELL_RULE`), so no person can be singled out.
    """
    listed = sorted({str(p) for p in person_ids if p is not None})
    if not listed:
        return None
    offenders = queries.offenders_between(
        store, since, until, profile=settings.definition_id(), roles=OFFENDING_ROLES
    )
    pool = offenders["person_id"].unique().to_list()
    people = queries.read_in(
        store,
        "people",
        "person_id",
        sorted({*pool, *listed}),
        columns=("person_id", "sex", "birth_year", "ethnicity"),
    )
    areas = [area] if area else offenders["borough"].drop_nulls().unique().to_list()
    return make_up(
        listed,
        pool,
        people,
        at_year=until.year,
        key=key,
        label=label,
        pool_label=(
            "suspects and offenders of violent incidents from "
            f"{since:%d %b %Y} to {until:%d %b %Y}"
        ),
        audience=audience,
        residents=read_residents(store, areas),
    )


def taskings_makeup(
    store: Store,
    settings: Settings,
    *,
    user: User,
    at: dt.datetime,
    hours: int = 24,
) -> dict[str, Any] | None:
    """The make-up of the people tasked in the meeting's window (person subjects).

    Taskings overdue, due or done for the window ending ``at``
    (:func:`avert.workflows.delivery.taskings_for_briefing`) whose subject is a
    person, of those the meeting lists the user (an area-scoped user's area and
    own, a partner's organisation's); compared with the window's suspects and
    offenders (:func:`list_makeup`).
    """
    check_allowed(user, "view-meeting")
    # the taskings the meeting lists the user: an area's and their own; a
    # partner's organisation's (:func:`avert.workflows.delivery.meeting_view`)
    window = taskings_for_briefing(
        store,
        at=at,
        hours=hours,
        as_at=False,  # as the meeting lists them (as they stand now)
        area=user.area,
        assignee=user.username,
    )
    people = [
        str(row["item_id"])
        for rows in window.values()
        for row in rows
        if subject_type(row["item_kind"]) == "person"
        and (user.role != "partner" or row["organisation"] == (user.org or ""))
    ]
    return list_makeup(
        store,
        settings,
        people,
        since=at - dt.timedelta(hours=hours),
        until=at,
        audience=audience_of(user.role),
        key="taskings",
        label="people tasked (overdue, due or done)",
    )


def plan_makeup(
    store: Store,
    settings: Settings,
    *,
    user: User,
    lead: str | None = None,
    area: str | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any] | None:
    """The make-up of the people the delivery plan's open actions target.

    The actions of the plan board as the user sees it (partners: their
    organisation's; the same ``lead`` and ``area`` filters) whose subject is a
    person and which are not done or cancelled, against the suspects and offenders
    of the :data:`GROUP_POOL_DAYS` days to ``until`` (:func:`list_makeup`; default:
    :func:`default_window_end`).
    """
    check_allowed(user, "view-plan")
    actions = store.read_frame(
        "actions",
        columns=["target_type", "target_id", "status", "lead_organisation", "area"],
        where=[("target_type", "=", "person")],
    ).filter(~pl.col("status").is_in(["done", "cancelled"]))
    # each lead as the accounts spell it now, as the plan board reads it
    actions = with_accounts_spelling(store, actions, "lead_organisation")
    actions = board_actions(actions, user, lead=lead, area=area)
    if until is None:
        until, _ = default_window_end(store)
    return list_makeup(
        store,
        settings,
        actions["target_id"].drop_nulls().to_list(),
        since=until - dt.timedelta(days=GROUP_POOL_DAYS),
        until=until,
        audience=audience_of(user.role),
        key="plan_people",
        label="people targeted by open actions of the plan",
    )
