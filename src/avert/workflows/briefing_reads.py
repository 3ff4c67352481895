"""Reads of the daily risk briefing: the frames a day needs, filtered in SQL.

Reads only what the day needs (so a store of a million incidents briefs in well under
two seconds): the incidents of the last 28 days (window, places, retaliation), the
same 28 days a year earlier (trend), the involvements of the recent incidents, the
last year of incidents of the people linked to the window (risk scores), the ASB
history of the window's callers, the window's intelligence, the DASH assessments of
the window and of the MARAC escalation window before it, open actions, groups;
and the residents of the briefing's areas by sex, age and ethnicity (make-up).
Classification columns come from the ``classifications`` table of the definition
profile (``avert classify``). :mod:`avert.workflows.briefing` assembles and writes
the briefing from them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final

import polars as pl

from avert.access import Audience
from avert.analyse.denominators import residents_by_dimension
from avert.analyse.networks import group_membership
from avert.analyse.trend import YEAR_DAYS, month_window
from avert.areas import area_key
from avert.briefing import LOOKBACK_DAYS, REPEAT_WINDOW_DAYS, dated_alone
from avert.briefing.actions import ACTION_COLUMNS
from avert.briefing.context import month_start, window_for
from avert.briefing.dated_alone import day_start
from avert.briefing.intelligence import INTEL_COLUMNS
from avert.config.risk import default_risk_config
from avert.schema import ITEM_KINDS
from avert.store import Store, queries
from avert.store.detected import groups_detected_at
from avert.store.loads import has_rows
from avert.store.summary import classified_profiles
from avert.workflows.analysis import NO_PEOPLE_NOTE, classification_policy
from avert.workflows.networks import briefing_retaliation, read_detected_groups
from avert.workflows.staleness import staleness_notes

__all__ = ["briefing_window_from", "read_briefing_frames", "read_residents"]

_INCIDENT_COLUMNS: Final = (
    "incident_id",
    "source",
    "force",
    "offence_code",
    "crime_type",
    "occurred_from",
    "time_precision",
    "lat",
    "lon",
    "x",
    "y",
    "location",
    "lsoa",
    "lsoa_name",
    "ward",
    "borough",
    "domestic",
    "weapon",
    "hate",
    "gang_related",
    "injury",
    "outcome",
)
#: columns enough for places, trend and risk (incidents outside the window)
_LIGHT_COLUMNS: Final = (
    "incident_id",
    "source",
    "force",
    "occurred_from",
    "time_precision",
    "x",
    "y",
    # both area columns: a briefing of one LSOA (an area is a borough or an LSOA,
    # avert.areas.in_area) lost every record before its window without it
    "borough",
    "lsoa",
    "domestic",
    "weapon",
)
#: the 28 days before the window (exact times): the light columns and the texts a
#: place is named by (its "near", avert.briefing.places): without them a place
#: counted from those days was named by its borough alone, as "Northfield"
_RECENT_COLUMNS: Final = (*_LIGHT_COLUMNS, "location", "lsoa_name", "ward")
_READ_THREADS: Final = 4
#: people columns the briefing reads: flags, and sex, age and ethnicity (make-up)
_PEOPLE_COLUMNS: Final = ("person_id", "vulnerable", "sex", "birth_year", "ethnicity")
_TASKING_COLUMNS: Final = (
    "tasking_id",
    "what",
    "assignee",
    "organisation",
    "due",
    "item_kind",
    "item_id",
    "status",
    "result",
    "created_at",
    "result_at",
    "updated_at",
    "authors",
)
#: Taskings older than this (created) neither show nor mark items as tasked.
_TASKING_DAYS: Final = 365


def _choose_month(
    store: Store, *, at: dt.datetime, hours: int
) -> tuple[dt.datetime, dt.datetime] | None:
    """The month to brief on when only month-precision data reaches ``at``; else None.

    The rule of :func:`avert.briefing.context.window_for`, from indexed queries
    instead of the whole table: exact-time data in the last 28 days means an exact
    window, without asking for months.
    """
    latest_exact = queries.latest_time(store, before=at, precision="exact")
    if latest_exact is not None and latest_exact >= at - dt.timedelta(
        days=LOOKBACK_DAYS
    ):
        return None
    latest_month = queries.latest_time(store, before=month_start(at), precision="month")
    if latest_month is None:
        return None
    m_from, m_to, precision, _ = window_for(
        at, hours, latest_exact=latest_exact, latest_month=month_start(latest_month)
    )
    return (m_from, m_to) if precision == "month" else None


def briefing_window_from(
    store: Store, *, at: dt.datetime, hours: int = 24
) -> dt.datetime:
    """The start of the window a briefing at ``at`` covers, as
    :func:`read_briefing_frames` chooses it: the first instant of the last complete
    month when only month-precision data reach ``at`` (:func:`_choose_month`),
    else ``hours`` before ``at``. Two indexed MAX queries."""
    month = _choose_month(store, at=at, hours=hours)
    return at - dt.timedelta(hours=hours) if month is None else month[0]


def _month_spans(
    m_from: dt.datetime, m_to: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime, tuple[str, ...]]]:
    """The month (every column), the month before and the same month a year before."""
    prev_from, _ = month_window(m_from - dt.timedelta(days=1))
    ly_from, ly_to = month_window(dt.datetime(m_from.year - 1, m_from.month, 1))
    return [
        (m_from, m_to, _INCIDENT_COLUMNS),
        (prev_from, m_from, _LIGHT_COLUMNS),
        (ly_from, ly_to, _LIGHT_COLUMNS),
    ]


def _exact_sources(incidents: pl.DataFrame) -> pl.DataFrame:
    """The distinct ``source``, ``force`` of the incidents that are not month-only."""
    exact = pl.col("time_precision").fill_null("exact") != "month"
    return incidents.filter(exact).select("source", "force").unique()


def _submit_table_reads(
    pool: ThreadPoolExecutor,
    store: Store,
    *,
    window_from: dt.datetime,
    at: dt.datetime,
    dash_from: dt.datetime,
    profile: str,
) -> dict[str, Future[pl.DataFrame]]:
    """Start the reads that do not depend on the incidents (groups, intel, actions,
    the DASH assessments from ``dash_from``, the window's ASB reports that escalate
    under ``profile``'s ASB bridge)."""
    return {
        "groups": pool.submit(
            store.read_frame, "groups", columns=["group_id", "name", "continuum"]
        ),
        "group_members": pool.submit(
            store.read_frame, "group_members", columns=["group_id", "person_id"]
        ),
        # from the first day's 00:00: a report dated alone that day is in the
        # window by its day (avert.briefing.dated_alone)
        "callers": pool.submit(
            store.read_frame,
            "asb",
            columns=["caller_id"],
            where=[
                ("occurred_at", ">=", day_start(window_from)),
                ("occurred_at", "<", at),
            ],
        ),
        # the window's escalating ASB reports (stored by 'avert classify'), from the
        # first day's 00:00 as the callers'
        "asb_escalating": pool.submit(
            queries.escalating_asb_between,
            store,
            day_start(window_from),
            at,
            profile=profile,
        ),
        "intelligence": pool.submit(
            store.read_frame,
            "intelligence",
            columns=list(INTEL_COLUMNS),
            where=[("recorded_at", ">=", window_from), ("recorded_at", "<", at)],
        ),
        # DASH assessments known at ``at`` that can count: the window's, and
        # those of the MARAC escalation window before it (an older one is no
        # victim's current assessment then nor at ``at``: it meets no criterion
        # of the repeat victims' nor of the list before the window)
        "dash": pool.submit(queries.assessments_between, store, dash_from, at),
        "actions": pool.submit(
            store.read_frame,
            "actions",
            columns=list(ACTION_COLUMNS),
            where=[("status", "in", ["open", "in_progress"])],
        ),
        # the meeting's taskings of the last year that existed at ``at``
        "taskings": pool.submit(
            store.read_frame,
            "taskings",
            columns=list(_TASKING_COLUMNS),
            where=[
                ("created_at", ">=", at - dt.timedelta(days=_TASKING_DAYS)),
                ("created_at", "<=", at),
            ],
        ),
    }


def _submit_person_reads(
    pool: ThreadPoolExecutor,
    store: Store,
    linked: Sequence[str],
    *,
    callers: Sequence[str],
    at: dt.datetime,
    profile: str,
    audience: Audience,
    history_days: int = REPEAT_WINDOW_DAYS,
    asb_days: int = 182,
) -> dict[str, Future[Any]]:
    """Start the reads about the window's people: their ``history_days`` (a year,
    or the MARAC escalation window when longer), flags, names, ASB of the
    ``asb_days`` (the ASB escalation window; it was 182 whatever the risk
    configuration said)."""
    out: dict[str, Future[Any]] = {
        # the linked people's history (risk scores, MARAC escalation): one indexed
        # join in SQL
        "history": pool.submit(
            queries.person_history,
            store,
            linked,
            # from the first day's 00:00: one dated alone that day is in the risk
            # scores' window by its day (avert.analyse._window.in_window by_day)
            since=dated_alone.day_start(at - dt.timedelta(days=history_days)),
            until=at,
            profile=profile,
        ),
        "people": pool.submit(
            queries.read_in,
            store,
            "people",
            "person_id",
            sorted({*linked, *callers}),
            columns=_PEOPLE_COLUMNS,
        ),
        "asb": pool.submit(
            queries.read_in,
            store,
            "asb",
            "caller_id",
            callers,
            columns=(
                "asb_id",
                "occurred_at",
                "time_precision",
                "category",
                "caller_id",
                "vulnerable_caller",
            ),
            # from the first day's 00:00: a report dated alone that day is in
            # the escalation window by its day (avert.analyse.risk)
            where=[
                (
                    "occurred_at",
                    ">=",
                    day_start(at - dt.timedelta(days=asb_days)),
                ),
                ("occurred_at", "<", at),
            ],
        ),
    }
    if audience == "police":  # partners never get names: not even read
        out["identities"] = pool.submit(
            queries.read_in,
            store,
            "person_identity",
            "person_id",
            linked,
            columns=("person_id", "name"),
        )
    return out


def read_briefing_frames(
    store: Store,
    *,
    at: dt.datetime,
    hours: int = 24,
    profile: str = "avb-2010",
    audience: Audience = "police",
    escalation_days: int | None = None,
    asb_days: int | None = None,
) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """Read the frames a day's briefing needs, filtered in SQL by time and id.

    ``escalation_days``: the MARAC escalation window of the risk configuration
    (None: the packaged one's); the DASH assessments read are those of the window
    and of these days before it, the ones a MARAC criterion can count, and the
    window's people's incidents of these days when longer than a year.
    ``asb_days``: the ASB escalation window of the risk configuration (None: the
    packaged one's): the window's callers' reports of these days are read.

    Returns
    -------
    tuple
        Frames by canonical table name (``incidents`` joined to classifications,
        plus ``retaliation``), and notes on what the store could not provide.
    """
    notes: list[str] = []
    if escalation_days is None:
        escalation_days = default_risk_config().marac.escalation_window_days
    if asb_days is None:
        asb_days = default_risk_config().asb.window_days
    month = _choose_month(store, at=at, hours=hours)
    window_from = at - dt.timedelta(hours=hours) if month is None else month[0]
    # Independent reads run on a few threads: each read has its own connection and
    # the drivers release the GIL while SQLite / PostgreSQL work.
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        f_parts = _submit_incident_reads(
            pool, store, at=at, hours=hours, month=month, profile=profile
        )
        # a day more than the escalation window: the list before the window is
        # taken as of a microsecond before it (avert.briefing.dash)
        dash_from = window_from - dt.timedelta(days=escalation_days + 1)
        f_other = _submit_table_reads(
            pool,
            store,
            window_from=window_from,
            at=at,
            dash_from=dash_from,
            profile=profile,
        )
        parts = [f.result() for f in f_parts]
        recent, incidents = _recent_and_all(parts, by_month=month is not None)
        if month is None:
            f_other["baseline_sources"] = _submit_baseline_sources(
                pool, store, year_earlier=parts[2], at=at
            )
        involvements = _involvements_of(store, recent)
        f_people = _submit_person_reads(
            pool,
            store,
            _linked_to_window(recent, involvements, window_from=window_from),
            callers=f_other["callers"].result()["caller_id"].drop_nulls().to_list(),
            at=at,
            profile=profile,
            audience=audience,
            # MARAC escalation counts the victims' domestic incidents of its
            # window: a longer one than a year read only a year of them
            history_days=max(REPEAT_WINDOW_DAYS, escalation_days),
            asb_days=asb_days,
        )
        _classification_notes(store, incidents, profile=profile, notes=notes)
        # an exact-time store of open incident data names no one: say so, or "no
        # repeat victim was hit again" reads as a finding (month data's own note
        # already says people cannot be shown)
        if (
            month is None
            and not involvements.height
            and not has_rows(store, "involvements")
        ):
            notes.append(NO_PEOPLE_NOTE)
        frames = _gather_frames(incidents, involvements, f_people, f_other)
    retaliation, note = _retaliation_alerts(store, frames, at=at, profile=profile)
    if retaliation is not None:
        frames["retaliation"] = retaliation
        notes.append(note)
    frames["people"] = _more_people(store, frames, retaliation)
    if not frames["intelligence"].height and not has_rows(store, "intelligence"):
        # no intelligence in the store at all: the briefing says so, not "0"
        del frames["intelligence"]
    return frames, notes


def _submit_incident_reads(
    pool: ThreadPoolExecutor,
    store: Store,
    *,
    at: dt.datetime,
    hours: int,
    month: tuple[dt.datetime, dt.datetime] | None,
    profile: str,
) -> list[Future[pl.DataFrame]]:
    """Start the classified incident reads, in this order: exact times (``month``
    None) the window (every column), the 28 days before it, the same 28 days a
    year earlier (light columns) and the month-only records dated before those 28
    days whose month overlaps them (:func:`_overlapping_months`); month data the
    month, the month before and the same month a year before
    (:func:`_month_spans`)."""

    def between(a: dt.datetime, b: dt.datetime, columns: Sequence[str]) -> pl.DataFrame:
        # kept per data generation: the next minute's window reads none again
        return queries.classified_between(
            store, a, b, columns=columns, profile=profile, keep=True
        )

    if month is not None:
        return [pool.submit(between, a, b, cols) for a, b, cols in _month_spans(*month)]
    # from the start of the window's first day: an incident dated alone (00:00)
    # that day is in the window (avert.briefing.dated_alone), with every column
    window_from = day_start(at - dt.timedelta(hours=hours))
    recent_from = min(window_from, at - dt.timedelta(days=LOOKBACK_DAYS))
    year_earlier = at - dt.timedelta(days=YEAR_DAYS)
    reads = [
        pool.submit(between, window_from, at, _INCIDENT_COLUMNS),
        pool.submit(between, recent_from, window_from, _RECENT_COLUMNS),
        pool.submit(
            between,
            year_earlier - dt.timedelta(days=LOOKBACK_DAYS),
            year_earlier,
            _LIGHT_COLUMNS,
        ),
    ]
    first_month = month_start(recent_from)
    if first_month < recent_from:
        reads.append(
            pool.submit(
                _overlapping_months, store, first_month, recent_from, profile=profile
            )
        )
    return reads


def _overlapping_months(
    store: Store, first_month: dt.datetime, recent_from: dt.datetime, *, profile: str
) -> pl.DataFrame:
    """The month-only records (data.police.uk) dated from ``first_month``, the first
    of the month running at ``recent_from``, to it: stored on their month's first
    day, before the 28 days read though their month overlaps them. From the 29th of
    a month that is the running month's (without them a briefing of the month's last
    days read "0 violent incidents" and "last 28 days 0": West Yorkshire, July 2018,
    briefed on 31 July: 10,911); before it the month before's, which the trend names
    beside the running month's (on 3 March February's too). Filtered in SQL: the
    exact-time incidents of those days are not read."""
    return queries.classified_between(
        store,
        first_month,
        recent_from,
        columns=_RECENT_COLUMNS,
        profile=profile,
        month_only=True,
        keep=True,
    )


def _recent_and_all(
    parts: list[pl.DataFrame], *, by_month: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The recent incidents (exact times: the window and the 28 days before it; month
    data: the month) and every incident read (exact times: each once, with the
    month-only records of the months overlapping the 28 days)."""
    recent = parts[0] if by_month else pl.concat(parts[:2], how="diagonal_relaxed")
    incidents = pl.concat(parts, how="diagonal_relaxed")
    if not by_month:
        incidents = incidents.unique("incident_id", keep="first", maintain_order=True)
    return recent, incidents


def _submit_baseline_sources(
    pool: ThreadPoolExecutor,
    store: Store,
    *,
    year_earlier: pl.DataFrame,
    at: dt.datetime,
) -> Future[Any]:
    """Start the read of the trend's baseline: the year-earlier sources already
    supplying records in the 28 days before it (analyse.trend.year_on_year)."""
    before_year = at - dt.timedelta(days=YEAR_DAYS) - dt.timedelta(days=LOOKBACK_DAYS)
    return pool.submit(
        queries.sources_supplying,
        store,
        _exact_sources(year_earlier),
        before_year - dt.timedelta(days=LOOKBACK_DAYS),
        before_year,
    )


def _involvements_of(store: Store, recent: pl.DataFrame) -> pl.DataFrame:
    """Who was involved in the recent incidents, and how. A store that records no
    one (open data) is asked whether it holds any involvement (one row), not for
    those of each incident: London's month went as 64,315 ids (four reads, 0.06 s
    of CPU) to find none."""
    columns = ("incident_id", "person_id", "role")
    if not has_rows(store, "involvements") or not recent.height:
        return queries.empty("involvements", columns)
    # the involvements of the recent incidents' days (kept for the data
    # generation), then of those incidents: the same rows as asking by their ids
    first, last = recent["occurred_from"].min(), recent["occurred_from"].max()
    if not (isinstance(first, dt.datetime) and isinstance(last, dt.datetime)):
        return queries.read_in(
            store,
            "involvements",
            "incident_id",
            recent["incident_id"].to_list(),
            columns=columns,
        )
    rows = queries.involvements_between(
        store, first, last + dt.timedelta(microseconds=1)
    )
    return rows.join(recent.select("incident_id"), on="incident_id", how="semi")


def _linked_to_window(
    recent: pl.DataFrame, involvements: pl.DataFrame, *, window_from: dt.datetime
) -> list[str]:
    """The people involved in the incidents from ``window_from`` on (one dated
    alone when its day overlaps the window, as the briefing places it:
    :func:`avert.briefing.dated_alone.in_window`)."""
    inside = (
        dated_alone.in_window("occurred_from", window_from, dt.datetime.max)
        if "time_precision" in recent.columns
        else pl.col("occurred_from") >= window_from
    )
    window_ids = recent.filter(inside)["incident_id"]
    in_window = pl.col("incident_id").is_in(window_ids.implode())
    linked: list[str] = involvements.filter(in_window)["person_id"].unique().to_list()
    return linked


def _gather_frames(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    f_people: dict[str, Future[Any]],
    f_other: dict[str, Future[pl.DataFrame]],
) -> dict[str, pl.DataFrame]:
    """The frames by table name once the reads are done: the incidents and
    involvements with the linked people's year of history (each incident once), the
    people and table reads (the callers only served to read the people), and an
    empty ``identities`` where they were not read (partners)."""
    history_inv, history = f_people["history"].result()
    history = history.join(
        incidents.select("incident_id"), on="incident_id", how="anti"
    )
    frames = {
        "incidents": pl.concat([incidents, history], how="diagonal_relaxed"),
        "involvements": pl.concat([involvements, history_inv], how="vertical").unique(),
        **{name: f.result() for name, f in f_people.items() if name != "history"},
        **{name: f.result() for name, f in f_other.items() if name != "callers"},
    }
    if "identities" not in frames:
        frames["identities"] = queries.empty("person_identity", ("person_id", "name"))
    return frames


def _retaliation_alerts(
    store: Store, frames: dict[str, pl.DataFrame], *, at: dt.datetime, profile: str
) -> tuple[pl.DataFrame | None, str]:
    """Retaliation alerts (None without), strong ones (the victim is in a known
    group) first, then by harm; and the note on which groups they use."""
    detected, note = _stored_groups(store, at=at)
    retaliation = _retaliation(
        store,
        frames["incidents"],
        frames["involvements"],
        frames["group_members"],
        detected,
        at=at,
        profile=profile,
    )
    if retaliation is not None and "strength" in retaliation.columns:
        retaliation = retaliation.sort(
            pl.col("strength") != "strong", maintain_order=True
        )
    return retaliation, note


def _classification_notes(
    store: Store, incidents: pl.DataFrame, *, profile: str, notes: list[str]
) -> None:
    """The one policy when classifications are missing, on the briefing's reads.

    :func:`avert.workflows.analysis.classification_policy`: no stored classification
    for the definition stops the briefing (it ranks by the definition's harm);
    incidents left unclassified since are counted in a note.
    """
    some = incidents["in_definition"].null_count() < incidents.height
    stored = some or profile in classified_profiles(store)
    read = classification_policy(
        incidents,
        incidents,
        profile=profile,
        stored=stored,
        violence_only=False,
        require=True,
        stale=staleness_notes(store, profile) if stored else (),
    )
    if stored:  # (an empty window of an unclassified store says nothing)
        notes.extend(read.notes)


def _more_people(
    store: Store, frames: dict[str, pl.DataFrame], retaliation: pl.DataFrame | None
) -> pl.DataFrame:
    """``people`` rows also for group members, possible targets and the people
    the meeting tasked (make-up lists: without their rows they count as unknown)."""
    people = frames["people"]
    wanted = set(frames["group_members"]["person_id"].drop_nulls().to_list())
    taskings = frames.get("taskings")
    if taskings is not None and taskings.height:
        person_kinds = [k for k, subject in ITEM_KINDS.items() if subject == "person"]
        wanted |= set(
            taskings.filter(pl.col("item_kind").is_in(person_kinds))["item_id"]
            .drop_nulls()
            .cast(pl.String)
            .to_list()
        )
    if retaliation is not None and "possible_targets" in retaliation.columns:
        wanted |= set(
            retaliation["possible_targets"].explode().drop_nulls().cast(pl.String)
        )
    missing = sorted(wanted - set(people["person_id"].to_list()))
    if not missing:
        return people
    more = queries.read_in(
        store, "people", "person_id", missing, columns=_PEOPLE_COLUMNS
    )
    return pl.concat([people, more], how="diagonal_relaxed")


def read_residents(store: Store, areas: Sequence[str]) -> pl.DataFrame:
    """Residents of ``areas`` by sex, police age range and ethnic group (make-up).

    Rows of the areas by code or name, or whose parent they are (an LSOA file gives
    a borough's residents): :func:`avert.analyse.denominators.residents_by_dimension`.
    Empty when the store holds no population for them (``avert ingest population``).
    """
    names = sorted({a for a in areas if a})
    if not names:
        return residents_by_dimension(pl.DataFrame(), [])
    rows = _population_rows(store, names)
    if rows.height == 0:
        # an area as the pages match it (any case, no surrounding spaces): the
        # populations' own spelling of it, read only when the exact one finds none
        names = _population_spellings(store, names)
        if not names:
            return residents_by_dimension(pl.DataFrame(), [])
        rows = _population_rows(store, names)
    return residents_by_dimension(rows, names)


_POPULATION_AREA_COLUMNS: Final = ("area", "area_name", "parent_area")


def _population_rows(store: Store, names: Sequence[str]) -> pl.DataFrame:
    """The populations rows of ``names`` by code, name or parent area."""
    parts = [
        store.read_frame("populations", where=[(column, "in", list(names))])
        for column in _POPULATION_AREA_COLUMNS
    ]
    return pl.concat(parts, how="vertical").unique()


def _population_spellings(store: Store, names: Sequence[str]) -> list[str]:
    """The stored area codes and names that are ``names`` by
    :func:`avert.areas.area_key`."""
    keys = [area_key(n) for n in names]
    stored = (
        pl.concat(
            [
                store.read_frame("populations", columns=[c])[c]
                for c in _POPULATION_AREA_COLUMNS
            ]
        )
        .drop_nulls()
        .unique()
    )
    matched = stored.filter(stored.str.strip_chars().str.to_lowercase().is_in(keys))
    return sorted(matched.to_list())


def _stored_groups(store: Store, *, at: dt.datetime) -> tuple[pl.DataFrame, str]:
    """Detected groups stored by the last refresh, when they are not from after ``at``.

    Groups are detected once per load (:func:`avert.workflows.networks.
    refresh_detected_groups`) and only read here, so the briefing stays fast; groups
    found in a history later than the briefing's window are not used (they would
    let later records into a past briefing). None stored after a recorded detection
    run (``detection_runs``) is said as such: the store's people form no group.
    """
    stored = read_detected_groups(store)
    empty = pl.DataFrame(schema={"group_id": pl.String, "person_id": pl.String})
    detected_at = None if stored.as_of else groups_detected_at(store)
    if detected_at is not None:
        return empty, (
            "Retaliation alerts use declared groups only: the latest group detection "
            f"({detected_at:%d %b %Y %H:%M}) found no group of co-offenders."
        )
    if stored.as_of is None:
        return empty, (
            "Retaliation alerts use declared groups only: no detected groups are "
            "stored yet (they are stored by each 'avert ingest')."
        )
    if stored.as_of > at:
        return empty, (
            f"Retaliation alerts use declared groups only: the stored detected "
            f"groups are as of {stored.as_of:%d %b %Y %H:%M}, after this window."
        )
    age_days = (at - stored.as_of).total_seconds() / 86400
    return stored.membership.select("group_id", "person_id"), (
        f"Retaliation alerts use declared groups and {stored.groups.height:,} groups "
        f"detected from co-offending as of {stored.as_of:%d %b %Y %H:%M} "
        f"({age_days:.0f} days before the window ends)."
    )


def _retaliation(
    store: Store,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    group_members: pl.DataFrame,
    detected: pl.DataFrame,
    *,
    at: dt.datetime,
    profile: str,
) -> pl.DataFrame | None:
    """Retaliation alerts from declared and stored detected groups (None without),
    with the co-offenders and kin of the people they name
    (:func:`avert.workflows.networks.briefing_retaliation`)."""
    if not ((group_members.height or detected.height) and involvements.height):
        return None
    classified = incidents.with_columns(pl.col("in_definition").fill_null(value=False))
    return briefing_retaliation(
        store,
        classified,
        involvements,
        group_membership(detected, group_members),
        at=at,
        profile=profile,
    )
