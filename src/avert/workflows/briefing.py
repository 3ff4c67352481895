"""Workflow of the daily risk briefing: read the store by time window, assemble, write.

Reads only what the day needs (so a store of a million incidents briefs in well under
two seconds): the incidents of the last 28 days (window, places, retaliation), the
same 28 days a year earlier (trend), the involvements of the recent incidents, the
last year of incidents of the people linked to the window (risk scores), the ASB
history of the window's callers, the window's intelligence, open actions, groups;
beside them, the located violence of the last 365 + 90 days for the places
forecast, backtested on those 90 days, and the near-repeat zones
(:func:`avert.workflows.forecast.briefing_places`). Classification columns come from the ``classifications`` table of the definition
profile (``avert classify``). Then :func:`avert.briefing.daily_briefing` assembles
the page, and :mod:`avert.report` writes ``briefing.html``, ``briefing.pdf`` and
``briefing.json``. Each export is recorded in the ``audit`` table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from avert.access import Audience, check_audience, period_start, pseudonymiser_for
from avert.analyse.denominators import residents_by_dimension
from avert.analyse.networks import group_membership
from avert.analyse.trend import YEAR_DAYS, month_window
from avert.areas import AREA_COLUMNS, area_key
from avert.briefing import (
    LOOKBACK_DAYS,
    REPEAT_WINDOW_DAYS,
    Boundary,
    Briefing,
    BriefingOptions,
    PlacesForecast,
    daily_briefing,
)
from avert.briefing.actions import ACTION_COLUMNS
from avert.briefing.context import month_start, window_for
from avert.briefing.intelligence import INTEL_COLUMNS
from avert.config.risk import RiskConfig
from avert.config.settings import DEFAULT_PLACES_CELL_M
from avert.delivery.model import subject_type
from avert.errors import ConfigError, NotFound
from avert.files import private_mkdir, private_write_text
from avert.report.render import render_briefing_html, render_pdf
from avert.store import Store, audit, queries
from avert.store.loads import has_rows
from avert.store.summary import classified_profiles
from avert.workflows.analysis import NO_PEOPLE_NOTE, classification_policy
from avert.workflows.delivery import taskings_in_area
from avert.workflows.forecast import briefing_places
from avert.workflows.networks import briefing_retaliation, read_detected_groups

__all__ = [
    "BriefingFiles",
    "people_shown",
    "read_boundaries",
    "read_briefing_frames",
    "read_residents",
    "run_briefing",
]

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
)
#: Taskings older than this (created) neither show nor mark items as tasked.
_TASKING_DAYS: Final = 365
_ASB_WINDOW_DAYS: Final = 182
_INDENT_MAX_ITEMS: Final = 2_000


@dataclass(frozen=True)
class BriefingFiles:
    """What :func:`run_briefing` wrote, and how long each step took (seconds)."""

    briefing: Briefing
    html: Path
    json: Path
    pdf: Path | None
    timings: dict[str, float] = field(default_factory=dict)


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
    pool: ThreadPoolExecutor, store: Store, *, window_from: dt.datetime, at: dt.datetime
) -> dict[str, Future[pl.DataFrame]]:
    """Start the reads that do not depend on the incidents (groups, intel, actions)."""
    return {
        "groups": pool.submit(
            store.read_frame, "groups", columns=["group_id", "name", "continuum"]
        ),
        "group_members": pool.submit(
            store.read_frame, "group_members", columns=["group_id", "person_id"]
        ),
        "callers": pool.submit(
            store.read_frame,
            "asb",
            columns=["caller_id"],
            where=[("occurred_at", ">=", window_from), ("occurred_at", "<", at)],
        ),
        "intelligence": pool.submit(
            store.read_frame,
            "intelligence",
            columns=list(INTEL_COLUMNS),
            where=[("recorded_at", ">=", window_from), ("recorded_at", "<", at)],
        ),
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
) -> dict[str, Future[Any]]:
    """Start the reads about the window's people: their year, flags, names, ASB."""
    out: dict[str, Future[Any]] = {
        # the last year of the linked people (risk scores): one indexed join in SQL
        "history": pool.submit(
            queries.person_history,
            store,
            linked,
            since=at - dt.timedelta(days=REPEAT_WINDOW_DAYS),
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
                "category",
                "caller_id",
                "vulnerable_caller",
            ),
            where=[
                ("occurred_at", ">=", at - dt.timedelta(days=_ASB_WINDOW_DAYS)),
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
) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """Read the frames a day's briefing needs, filtered in SQL by time and id.

    Returns
    -------
    tuple
        Frames by canonical table name (``incidents`` joined to classifications,
        plus ``retaliation``), and notes on what the store could not provide.
    """
    notes: list[str] = []
    window_from = at - dt.timedelta(hours=hours)
    recent_from = min(window_from, at - dt.timedelta(days=LOOKBACK_DAYS))
    year = dt.timedelta(days=YEAR_DAYS)

    def between(a: dt.datetime, b: dt.datetime, columns: Sequence[str]) -> pl.DataFrame:
        return queries.classified_between(store, a, b, columns=columns, profile=profile)

    # Independent reads run on a few threads: each read has its own connection and
    # the drivers release the GIL while SQLite / PostgreSQL work.
    month = _choose_month(store, at=at, hours=hours)
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        if month is None:
            f_parts = [
                pool.submit(between, window_from, at, _INCIDENT_COLUMNS),
                pool.submit(between, recent_from, window_from, _LIGHT_COLUMNS),
                pool.submit(
                    between,
                    at - year - dt.timedelta(days=LOOKBACK_DAYS),
                    at - year,
                    _LIGHT_COLUMNS,
                ),
            ]
        else:
            # month data: the month (every column), the month before, a year before
            window_from, window_to = month
            f_parts = [
                pool.submit(between, a, b, cols)
                for a, b, cols in _month_spans(window_from, window_to)
            ]
        f_other = _submit_table_reads(pool, store, window_from=window_from, at=at)

        parts = [f.result() for f in f_parts]
        # the window and the 28 days before it (exact), or the month
        recent = (
            pl.concat(parts[:2], how="diagonal_relaxed") if month is None else parts[0]
        )
        incidents = pl.concat(parts, how="diagonal_relaxed")
        if month is None:
            incidents = incidents.unique(
                "incident_id", keep="first", maintain_order=True
            )
            # the trend's baseline: the year-earlier sources already supplying
            # records in the 28 days before it (analyse.trend.year_on_year)
            before_year = at - year - dt.timedelta(days=LOOKBACK_DAYS)
            f_other["baseline_sources"] = pool.submit(
                queries.sources_supplying,
                store,
                _exact_sources(parts[2]),
                before_year - dt.timedelta(days=LOOKBACK_DAYS),
                before_year,
            )
        involvements = queries.read_in(
            store,
            "involvements",
            "incident_id",
            recent["incident_id"].to_list(),
            columns=("incident_id", "person_id", "role"),
        )
        window_ids = recent.filter(pl.col("occurred_from") >= window_from)[
            "incident_id"
        ]
        linked = (
            involvements.filter(pl.col("incident_id").is_in(window_ids.implode()))[
                "person_id"
            ]
            .unique()
            .to_list()
        )
        f_people = _submit_person_reads(
            pool,
            store,
            linked,
            callers=f_other["callers"].result()["caller_id"].drop_nulls().to_list(),
            at=at,
            profile=profile,
            audience=audience,
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
        history_inv, history = f_people["history"].result()
        history = history.join(
            incidents.select("incident_id"), on="incident_id", how="anti"
        )
        frames = {
            "incidents": pl.concat([incidents, history], how="diagonal_relaxed"),
            "involvements": pl.concat(
                [involvements, history_inv], how="vertical"
            ).unique(),
            **{name: f.result() for name, f in f_people.items() if name != "history"},
            **{name: f.result() for name, f in f_other.items() if name != "callers"},
        }
    if "identities" not in frames:
        frames["identities"] = queries.empty("person_identity", ("person_id", "name"))
    incidents, involvements = frames["incidents"], frames["involvements"]
    detected, note = _stored_groups(store, at=at)
    retaliation = _retaliation(
        store,
        incidents,
        involvements,
        frames["group_members"],
        detected,
        at=at,
        profile=profile,
    )
    if retaliation is not None:
        # strong alerts (the victim is in a known group) first, then harm
        if "strength" in retaliation.columns:
            retaliation = retaliation.sort(
                pl.col("strength") != "strong", maintain_order=True
            )
        frames["retaliation"] = retaliation
        notes.append(note)
    frames["people"] = _more_people(store, frames, retaliation)
    return frames, notes


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
        wanted |= {
            str(row["item_id"])
            for row in taskings.select("item_kind", "item_id").iter_rows(named=True)
            if row["item_id"] is not None
            and subject_type(str(row["item_kind"])) == "person"
        }
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
    let later records into a past briefing).
    """
    stored = read_detected_groups(store)
    empty = pl.DataFrame(schema={"group_id": pl.String, "person_id": pl.String})
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


_RING = re.compile(r"\(([^()]+)\)")


def read_boundaries(
    path: str | Path, *, name_column: str | None = None, area: str | None = None
) -> list[Boundary]:
    """Read area outlines from a CSV with a WKT column (projected CRS, e.g. EPSG:27700).

    The geometry column is the first whose name starts with ``geometry``; the name
    column is ``name_column`` or the first column ending in ``NM`` / named ``name``.
    With ``area``, only the outline of that name is kept (case-insensitive).
    """
    frame = pl.read_csv(path, infer_schema=False)
    geom = next((c for c in frame.columns if c.lower().startswith("geometry")), None)
    if geom is None:
        msg = f"{path}: no geometry column (a WKT column named geometry*)"
        raise NotFound(msg)
    name = name_column or next(
        (c for c in frame.columns if c.upper().endswith("NM") or c.lower() == "name"),
        frame.columns[0],
    )
    out: list[Boundary] = []
    for label, wkt in frame.select(name, geom).iter_rows():
        if area is not None and str(label).lower() != area.lower():
            continue
        rings = [
            [
                (float(a), float(b))
                for a, b in (pt.split()[:2] for pt in ring.split(",") if pt.strip())
            ]
            for ring in _RING.findall(wkt or "")
        ]
        out.append((str(label), rings))
    return out


def people_shown(data: dict[str, Any]) -> list[str]:
    """Every person id the briefing JSON ``data`` shows (as shown: pseudonyms for
    partners), sorted: what its audit row counts and digests."""
    ids: set[str] = set()
    for section in (
        "incidents",
        "retaliation",
        "repeat_victims",
        "asb_callers",
        "people",
    ):
        for item in data.get(section) or []:
            ids.update(item.get("links", {}).get("person_id") or [])
    for item in data.get("intelligence", {}).get("items") or []:
        ids.update(item.get("links", {}).get("person_id") or [])
    for item in data.get("actions") or []:
        ids.update(item.get("links", {}).get("person_id") or [])
    for items in (data.get("taskings") or {}).values():
        for item in items:
            ids.update(item.get("links", {}).get("person_id") or [])
    return sorted(ids)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole and owner-only (temporary file, rename)."""
    private_write_text(path, text)


def _listed_taskings(
    taskings: pl.DataFrame, audience: Audience, organisation: str | None
) -> pl.DataFrame:
    """``listed``: the police read every tasking; a partner only their own
    organisation's (the others only mark their items as tasked)."""
    if audience == "police":
        return taskings.with_columns(pl.lit(value=True).alias("listed"))
    return taskings.with_columns(
        (pl.col("organisation") == (organisation or ""))
        .fill_null(value=False)
        .alias("listed")
    )


def _clip_to_key_period(
    at: dt.datetime, hours: int, *, starts: dt.datetime | None, rotation: str
) -> tuple[int, str | None]:
    """The window's hours clipped to start no earlier than the key period, and a note.

    Under a rotating pseudonym key (``starts``: :func:`avert.access.period_start`
    of ``at``; None for the police or without rotation) a partner window reaching
    into the previous period would show that period's incidents again under this
    period's key, linking the two periods' pseudonyms; so it starts at the period
    start at the earliest (whole hours, so at most 59 minutes later).

    Raises
    ------
    ConfigError
        ``at`` is less than an hour into its key period (no whole hour to show).
    """
    if starts is None or at - dt.timedelta(hours=hours) >= starts:
        return hours, None
    clipped = int((at - starts).total_seconds() // 3600)
    if clipped < 1:
        msg = (
            f"Pseudonyms rotate {rotation}: a partner briefing starts at the key "
            f"period's start ({starts:%Y-%m-%d %H:%M}) at the earliest, so it needs "
            f"'at' an hour after it or later (got {at:%Y-%m-%d %H:%M})."
        )
        raise ConfigError(msg)
    window_from = at - dt.timedelta(hours=clipped)
    where = (
        "the key period's start"
        if window_from == starts
        else f"within the key period (from {starts:%Y-%m-%d %H:%M})"
    )
    return clipped, (
        f"Pseudonyms rotate {rotation}: this briefing starts at "
        f"{window_from:%Y-%m-%d %H:%M}, {where}, not {hours} hours before, so that "
        "no incident appears under two keys."
    )


def _drop_before(
    frames: dict[str, pl.DataFrame],
    places: PlacesForecast | None,
    *,
    since: dt.datetime,
) -> tuple[dict[str, pl.DataFrame], PlacesForecast | None]:
    """Drop the per-incident items from before ``since`` that the window does not
    already exclude: retaliation alerts (live for days after their incident) and
    near-repeat zones (around the last 24 hours' incidents). Counts stay."""
    out = dict(frames)
    retaliation = frames.get("retaliation")
    if retaliation is not None and "occurred_from" in retaliation.columns:
        out["retaliation"] = retaliation.filter(pl.col("occurred_from") >= since)
    if places is None:
        return out, None
    zones = places.zones
    if "occurred_at" in zones.columns:
        zones = zones.filter(pl.col("occurred_at") >= since)
    return out, dataclasses.replace(places, zones=zones)


#: the dates of a person's earlier records that the people lists quote
_PERSON_DATES: Final = ("first_at", "last_at")


def _undated(item: Any, since: dt.datetime) -> Any:
    """``item`` without the dates before ``since`` (and ``days_since_last``, which
    gives ``last_at`` away): exact times that another period's briefing shows too."""
    gone = {k for k in _PERSON_DATES if (item.get(k) or since) < since}
    if "last_at" in gone:
        gone.add("days_since_last")
    return {k: v for k, v in item.items() if k not in gone}


def _undate_before(briefing: Briefing, *, since: dt.datetime) -> Briefing:
    """The briefing whose people lists quote no record time from before ``since``."""
    return dataclasses.replace(
        briefing,
        repeat_victims=tuple(_undated(i, since) for i in briefing.repeat_victims),
        asb_callers=tuple(_undated(i, since) for i in briefing.asb_callers),
        people=tuple(_undated(i, since) for i in briefing.people),
    )


def build_briefing(
    store: Store,
    *,
    at: dt.datetime,
    hours: int = 24,
    area: str | None = None,
    audience: Audience = "police",
    profile: str = "avb-2010",
    pseudonym_key: str | None = None,
    pseudonym_rotation: str = "none",
    allow_demo_key: bool = False,
    boundaries: Sequence[Boundary] = (),
    timings: dict[str, float] | None = None,
    organisation: str | None = None,
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    risk_config: RiskConfig | None = None,
) -> Briefing:
    """Read the store and assemble the briefing for a window (no files, no audit).

    The one place a briefing is built: :func:`run_briefing` writes it to files and
    the web app shows it; each caller records its own audit row. Parameters as in
    :func:`run_briefing`; ``timings`` (when given) receives ``read_s`` and
    ``assemble_s``.
    ``organisation``: a partner briefing lists that organisation's taskings only;
    an ``area``'s briefing lists the taskings whose subject is in it
    (:func:`avert.workflows.delivery.taskings_in_area`).
    ``cell_size_m``: the places grid (setting ``places_cell_m``), the same as
    ``avert forecast``'s. ``risk_config``: the risk scores' configuration (setting
    ``risk_config``; ``None``: the packaged one), as ``avert analyse risk`` uses it.
    """
    t0 = time.perf_counter()
    aud = check_audience(audience)
    pseudonymiser = (
        pseudonymiser_for(
            pseudonym_key, rotation=pseudonym_rotation, at=at, allow_demo=allow_demo_key
        )
        if aud == "partner"
        else None
    )
    starts = period_start(at, pseudonym_rotation) if pseudonymiser is not None else None
    hours, period_note = _clip_to_key_period(
        at, hours, starts=starts, rotation=pseudonym_rotation
    )
    opts = BriefingOptions(cell_size_m=cell_size_m)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the backtested forecast and the Knox test run beside the reads
        f_places = pool.submit(
            briefing_places,
            store,
            at=at,
            profile=profile,
            area=area,
            cells=opts.n_cells,
            cell_size_m=opts.cell_size_m,
        )
        frames, notes = read_briefing_frames(
            store, at=at, hours=hours, profile=profile, audience=aud
        )
        places = f_places.result()
    if period_note is not None:
        frames, places = _drop_before(
            frames, places, since=at - dt.timedelta(hours=hours)
        )
        notes.append(period_note)
    if area:
        areas = [area]
    else:  # the boroughs of the window: the force area the briefing covers
        recent = frames["incidents"].filter(
            pl.col("occurred_from") >= at - dt.timedelta(hours=hours)
        )
        areas = recent["borough"].drop_nulls().unique().to_list()
    frames["residents"] = read_residents(store, areas)
    frames["taskings"] = _listed_taskings(frames["taskings"], aud, organisation)
    if area and frames["taskings"].height:
        # an area's briefing lists that area's taskings (the others mark items only)
        placed = taskings_in_area(store, frames["taskings"], area)
        frames["taskings"] = frames["taskings"].with_columns(pl.col("listed") & placed)
    t1 = time.perf_counter()
    briefing = daily_briefing(
        frames["incidents"],
        frames["involvements"],
        at=at,
        hours=hours,
        area=area,
        audience=aud,
        tables={
            k: v for k, v in frames.items() if k not in ("incidents", "involvements")
        },
        boundaries=boundaries,
        pseudonymiser=pseudonymiser,
        profile=profile,
        notes=notes,
        options=opts,
        places_forecast=places,
        risk_config=risk_config,
    )
    if period_note is not None:
        briefing = _undate_before(briefing, since=at - dt.timedelta(hours=hours))
    if timings is not None:
        timings["read_s"] = t1 - t0
        timings["assemble_s"] = time.perf_counter() - t1
    return briefing


def run_briefing(
    store: Store,
    *,
    at: dt.datetime,
    out_dir: str | Path,
    hours: int = 24,
    area: str | None = None,
    audience: Audience = "police",
    profile: str = "avb-2010",
    pseudonym_key: str | None = None,
    pseudonym_rotation: str = "none",
    allow_demo_key: bool = False,
    boundaries: Sequence[Boundary] = (),
    pdf: bool = True,
    user: str | None = None,
    organisation: str | None = None,
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    risk_config: RiskConfig | None = None,
) -> BriefingFiles:
    """Brief on the window ending at ``at`` and write HTML, PDF and JSON to ``out_dir``.

    The export is recorded in the audit log *before* any file is written (output
    folder, audience, the number and digest of the people shown), so an export
    without its audit row cannot exist; each file appears whole (written to a
    temporary name, then renamed).

    Parameters
    ----------
    store
        The database.
    at
        End of the window (e.g. 08:00 on the meeting's day).
    out_dir
        Folder for ``briefing.html``, ``briefing.pdf`` and ``briefing.json``.
    hours, area, audience, profile
        See :func:`avert.briefing.daily_briefing`.
    pseudonym_key, pseudonym_rotation
        The deployment's pseudonym secret and rotation (settings ``pseudonym_key``,
        ``pseudonym_rotation``); a partner briefing is refused without a real key.
    allow_demo_key
        Accept a missing key and use the published demo key (``avert demo`` only).
    boundaries
        Area outlines for the map (:func:`read_boundaries`).
    pdf
        Also write the PDF (WeasyPrint; the slowest step).
    user
        Who exported, for the audit log (default: the operating-system user).
    organisation
        The partner organisation a partner briefing is for: its taskings are
        listed; other organisations' taskings only mark their items as tasked.
    cell_size_m
        Cell size of the places forecast in metres (setting ``places_cell_m``).
    risk_config
        The risk scores' configuration (setting ``risk_config``; ``None``: the
        packaged one), the same as ``avert analyse risk`` and person pages use.

    Raises
    ------
    ConfigError
        A partner briefing without a fit pseudonym key (:func:`avert.access.check_key`).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    aud = check_audience(audience)
    briefing = build_briefing(
        store,
        at=at,
        hours=hours,
        area=area,
        audience=aud,
        profile=profile,
        pseudonym_key=pseudonym_key,
        pseudonym_rotation=pseudonym_rotation,
        allow_demo_key=allow_demo_key,
        boundaries=boundaries,
        timings=timings,
        organisation=organisation,
        cell_size_m=cell_size_m,
        risk_config=risk_config,
    )
    out = private_mkdir(out_dir)  # personal data: owner-only files and folders
    t2 = time.perf_counter()
    data = briefing.to_json()
    _audit(
        store,
        at=at,
        audience=aud,
        area=area,
        out=out,
        people=people_shown(data),
        user=user,
    )
    html = render_briefing_html(briefing, data=data)
    html_path = out / "briefing.html"
    json_path = out / "briefing.json"
    # indented for reading when small; compact (the C encoder, ~10x faster) when big
    indent = 2 if len(briefing.incidents) <= _INDENT_MAX_ITEMS else None
    _write_atomic(json_path, json.dumps(data, indent=indent, ensure_ascii=False))
    _write_atomic(html_path, html)
    timings["write_html_json_s"] = time.perf_counter() - t2
    pdf_path: Path | None = None
    if pdf:
        t3 = time.perf_counter()
        tmp_pdf = render_pdf(html, out / ".briefing.pdf.tmp")
        pdf_path = out / "briefing.pdf"
        tmp_pdf.replace(pdf_path)
        timings["pdf_s"] = time.perf_counter() - t3
    timings["total_s"] = time.perf_counter() - t0
    return BriefingFiles(briefing, html_path, json_path, pdf_path, timings)


def _audit(
    store: Store,
    *,
    at: dt.datetime,
    audience: str,
    area: str | None,
    out: Path,
    people: Sequence[str],
    user: str | None,
) -> None:
    """Record the export in the audit log (DESIGN.md: every export is audited).

    The object names the briefing and where it was written; the reason names the
    audience and the people shown: their number and a SHA-256 digest of their
    sorted ids as shown (pseudonyms for partners), so the data protection officer
    can check a list against the row.
    """
    _, digest = audit.people_digest(people)
    audit.record(
        store,
        action="export",
        obj=f"briefing:{at:%Y-%m-%dT%H:%M}"
        + (f":{area}" if area else "")
        + f" -> {out.resolve()}",
        reason=(
            f"daily risk briefing for the {audience} audience; shows "
            f"{len(people)} people (sha256 of sorted ids {digest[:16]})"
        ),
        role=audience,
        user=user,
        detail=audit.describe(
            people=people, location=str(out.resolve()), audience=audience
        ),
    )


def known_areas(store: Store) -> list[str]:
    """The areas ``--area`` can name (:func:`avert.areas.in_area`): the distinct
    ``incidents.borough`` values, sorted, then the LSOAs that are not boroughs."""
    frame = store.read_frame("incidents", columns=list(AREA_COLUMNS))
    named = [
        sorted(str(v) for v in frame[c].drop_nulls().unique().to_list())
        for c in AREA_COLUMNS
    ]
    boroughs = set(named[0])
    return [*named[0], *(v for v in named[1] if v not in boroughs)]


def names_known_area(area: str, known: Sequence[str]) -> bool:
    """Whether ``area`` is one of ``known`` (:func:`known_areas`) as the briefing
    matches areas (:func:`avert.areas.area_key`: any case, no surrounding spaces)."""
    return area_key(area) in {area_key(a) for a in known}
