"""Workflow of the daily risk briefing: read the store by time window, assemble, write.

The store is read by :mod:`avert.workflows.briefing_reads` (only what the day needs,
filtered in SQL by time and id); beside the reads, the located violence of the last
365 + 90 days for the places forecast, backtested on those 90 days, and the
near-repeat zones (:func:`avert.workflows.forecast.briefing_places`). Then
:func:`avert.briefing.daily_briefing` assembles the page, and :mod:`avert.report`
writes ``briefing.html``, ``briefing.pdf`` and ``briefing.json``. Each export is
recorded in the ``audit`` table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from avert.access import (
    Audience,
    Pseudonymiser,
    authors_json,
    check_audience,
    period_start,
    pseudonymiser_for,
)
from avert.analyse._window import started_by
from avert.areas import AREA_COLUMNS, area_key, area_key_expr
from avert.briefing import (
    NO_INCIDENTS_STORED,
    NOTHING_LOADED_NOTE,
    NOTHING_LOADED_PARTNER_NOTE,
    Boundary,
    Briefing,
    BriefingOptions,
    PlacesForecast,
    daily_briefing,
    records_gap,
    records_missing,
)
from avert.briefing.dash import none_made_yet
from avert.briefing.dated_alone import day_start
from avert.config.places import PlacesConfig
from avert.config.risk import RiskConfig, default_risk_config
from avert.config.settings import DEFAULT_PLACES_CELL_M
from avert.config.timezone import window_hours
from avert.delivery.model import TASKING_TEXTS
from avert.errors import MonthStartsError, NotFound, TooEarlyError
from avert.files import private_mkdir, private_write_text, read_csv_input
from avert.report.render import render_briefing_html, render_pdf
from avert.schema import DETECTED_GROUP_PREFIX, ITEM_KINDS
from avert.store import Store, audit, queries
from avert.store.loads import has_rows
from avert.store.summary import (
    area_incident_span,
    incident_span,
    incidents_between,
    latest_record_end,
)
from avert.workflows.analysis import NO_PEOPLE_NOTE
from avert.workflows.briefing_reads import (
    briefing_window_from,
    read_briefing_frames,
    read_residents,
)
from avert.workflows.definition_words import category_titles, reason_words_of
from avert.workflows.delivery import (
    SCOPE_OF_SETTINGS,
    account_orgs,
    accounts_spelling,
    output_scope,
    people_written,
    pseudonymise_stored_ids,
    subject_people,
    taskings_in_area,
    with_accounts_spelling,
    with_action_ids_shown,
)
from avert.workflows.forecast import briefing_places
from avert.workflows.marac import incident_places
from avert.workflows.performance import source_category_names

__all__ = [
    "BriefingFiles",
    "people_shown",
    "read_boundaries",
    "read_briefing_frames",
    "read_residents",
    "run_briefing",
]

#: Indentation of ``briefing.json`` written with ``pretty_json`` (default: none).
_PRETTY_INDENT: Final = 2


@dataclass(frozen=True)
class BriefingFiles:
    """What :func:`run_briefing` wrote, and how long each step took (seconds)."""

    briefing: Briefing
    html: Path
    json: Path
    pdf: Path | None
    timings: dict[str, float] = field(default_factory=dict)


_RING = re.compile(r"\(([^()]+)\)")


def read_boundaries(
    path: str | Path, *, name_column: str | None = None, area: str | None = None
) -> list[Boundary]:
    """Read area outlines from a CSV with a WKT column (projected CRS, e.g. EPSG:27700).

    The geometry column is the first whose name starts with ``geometry``; the name
    column is ``name_column`` or the first column ending in ``NM`` / named ``name``.
    With ``area``, only the outline of that name is kept (case-insensitive).
    """
    frame = read_csv_input(path, infer_schema=False)
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
    partners), sorted: what its audit row counts and digests. A detected group's
    id names a person too (``net-`` and its smallest member's id,
    :data:`avert.schema.DETECTED_GROUP_PREFIX`: a retaliation alert's rival
    network, shown to the police), as ``analyse groups`` audits it; a partner's
    group pseudonym names no one."""
    items: list[dict[str, Any]] = []
    for section in (
        "incidents",
        "retaliation",
        "repeat_victims",
        "asb_callers",
        "asb_escalating",
        "people",
        "actions",
    ):
        items += data.get(section) or []
    items += (data.get("dash_high_risk") or {}).get("items") or []
    items += data.get("intelligence", {}).get("items") or []
    for listed in (data.get("taskings") or {}).values():
        items += listed
    ids: set[str] = set()
    for item in items:
        links = item.get("links", {})
        ids.update(links.get("person_id") or [])
        ids.update(
            g.removeprefix(DETECTED_GROUP_PREFIX)
            for g in links.get("group_id") or []
            if g and g.startswith(DETECTED_GROUP_PREFIX)
        )
    return sorted(ids)


def free_texts(data: dict[str, Any]) -> list[str | None]:
    """The free text the briefing JSON ``data`` shows as written (partners:
    with their pseudonyms): its taskings' what, who and result, its plan
    actions' titles, and the what of each item's "already tasked"; the people
    it names are counted apart
    (:func:`avert.workflows.delivery.people_written`)."""
    taskings = [t for rows in (data.get("taskings") or {}).values() for t in rows]
    texts: list[str | None] = [t.get(c) for t in taskings for c in TASKING_TEXTS]
    texts += [a.get("title") for a in data.get("actions") or []]
    for value in data.values():
        rows = value.get("items") if isinstance(value, dict) else value
        if isinstance(rows, list):
            texts += [
                (r.get("tasked") or {}).get("what") for r in rows if isinstance(r, dict)
            ]
    return texts


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


#: Tasking items that name no one (not pseudonymised, as in the briefing).
_UNNAMED: Final = ("cell", "area")


def _partner_tasking_texts(
    store: Store, p: Pseudonymiser, taskings: pl.DataFrame, organisation: str | None
) -> pl.DataFrame:
    """The taskings' what, who and result as partner ``organisation`` reads them: the
    subject and every stored id and name by its pseudonym, except the words of a
    result the organisation wrote, which it reads as written
    (:func:`avert.workflows.delivery.pseudonymise_stored_ids`). Its results are
    then marked its own whole (``authors``), so the briefing's redaction
    (:func:`avert.access.redact_frames`) leaves them as they now are."""
    if taskings.height == 0:
        return taskings
    subjects = [
        (i, p(ITEM_KINDS[k], i) if i and k in ITEM_KINDS and k not in _UNNAMED else i)
        for k, i in zip(
            taskings["item_kind"].to_list(), taskings["item_id"].to_list(), strict=True
        )
    ]
    out = pseudonymise_stored_ids(
        store,
        p,
        taskings,
        TASKING_TEXTS,
        org=organisation,
        targets=dict.fromkeys(TASKING_TEXTS, subjects),
        subjects=subject_people(
            store,
            list(
                zip(
                    taskings["item_kind"].to_list(),
                    taskings["item_id"].to_list(),
                    strict=True,
                )
            ),
        ),
    )
    if "authors" not in out.columns:
        return out
    if not organisation:  # a reader who wrote none of it (the board)
        return out.with_columns(pl.lit(None, pl.String).alias("authors"))
    return out.with_columns(
        pl.Series(
            "authors",
            [
                authors_json({"result": (r, [(0, len(r), o)])})
                if r and o == organisation
                else None
                for r, o in zip(
                    out["result"].to_list(), out["organisation"].to_list(), strict=True
                )
            ],
            dtype=pl.String,
        )
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
    TooEarlyError
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
        raise TooEarlyError(msg)
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
    near-repeat zones (around the window's incidents). Counts stay.

    Before ``since`` by the window's rule (:func:`avert.analyse._window.started_by`):
    an incident dated alone (stored at 00:00) whose day runs past ``since`` stays,
    as the window lists it. ``since`` is up to 59 minutes after the key period's
    start (00:00, whole hours), so that day is the period's own: compared plainly,
    the window listed such an incident and dropped its alert and zone."""
    out = dict(frames)
    retaliation = frames.get("retaliation")
    if retaliation is not None and "occurred_from" in retaliation.columns:
        out["retaliation"] = _started_by(
            retaliation, "occurred_from", since, frames.get("incidents")
        )
    if places is None:
        return out, None

    def kept(zones: pl.DataFrame) -> pl.DataFrame:
        if "occurred_at" not in zones.columns:
            return zones
        return _started_by(zones, "occurred_at", since, None)

    return out, places.with_zones(kept)  # each force's zones too


def _started_by(
    items: pl.DataFrame,
    column: str,
    since: dt.datetime,
    incidents: pl.DataFrame | None,
) -> pl.DataFrame:
    """The ``items`` started by ``since`` (:func:`started_by`), by their own
    ``time_precision`` or, without it, their incident's (from ``incidents``); with
    neither, by ``column`` alone."""
    if "time_precision" in items.columns:
        return items.filter(started_by(column, since))
    if (
        incidents is None
        or "incident_id" not in items.columns
        or "time_precision" not in incidents.columns
    ):
        return items.filter(pl.col(column) >= since)
    precision = incidents.select("incident_id", "time_precision").unique("incident_id")
    return (
        items.join(precision, on="incident_id", how="left")
        .filter(started_by(column, since))
        .drop("time_precision")
    )


#: the dates of a person's earlier records that the people lists quote
_PERSON_DATES: Final = ("first_at", "last_at")


def _undated(item: Any, since: dt.datetime) -> Any:
    """``item`` without the dates before ``since`` (and ``days_since_last``, which
    gives ``last_at`` away): exact times that another period's briefing shows too."""
    gone = {k for k in _PERSON_DATES if (item.get(k) or since) < since}
    if "last_at" in gone:
        gone.update(("days_since_last", "last_precision"))
    return {k: v for k, v in item.items() if k not in gone}


def _undate_before(briefing: Briefing, *, since: dt.datetime) -> Briefing:
    """The briefing whose people lists quote no record time from before ``since``."""
    return dataclasses.replace(
        briefing,
        repeat_victims=tuple(_undated(i, since) for i in briefing.repeat_victims),
        asb_callers=tuple(_undated(i, since) for i in briefing.asb_callers),
        people=tuple(_undated(i, since) for i in briefing.people),
    )


def _dash_placed(
    store: Store, dash: pl.DataFrame, *, since: dt.datetime
) -> pl.DataFrame:
    """``dash`` with the ``borough`` and ``lsoa`` of the incident that prompted each
    assessment made from ``since`` (null for the others, and for one naming no
    stored incident): an assessment names no place, its incident does, and an
    area's briefing lists the high-risk assessments of its area
    (:mod:`avert.briefing.dash`). The places are the MARAC list's read
    (:func:`avert.workflows.marac.incident_places`)."""
    if "incident_id" not in dash.columns:
        return dash
    ids = (
        dash.filter(pl.col("assessed_at") >= since)["incident_id"].to_list()
        if dash.height
        else []
    )
    return dash.drop([c for c in AREA_COLUMNS if c in dash.columns]).join(
        incident_places(store, ids), on="incident_id", how="left"
    )


def _with_dash_names(
    store: Store, identities: pl.DataFrame, dash: pl.DataFrame, *, since: dt.datetime
) -> pl.DataFrame:
    """``identities`` with the names of the victims of the assessments made from
    ``since`` that it lacks (the reads name the window's incidents' people only):
    the high-risk DASH section names its victims as the other lists do."""
    wanted = set(dash.filter(pl.col("assessed_at") >= since)["person_id"].to_list())
    missing = sorted(wanted - set(identities["person_id"].to_list()))
    if not missing:
        return identities
    named = queries.read_in(
        store, "person_identity", "person_id", missing, columns=("person_id", "name")
    )
    return pl.concat([identities, named], how="diagonal_relaxed")


def _dash_victim_incidents(
    store: Store,
    dash: pl.DataFrame,
    *,
    since: dt.datetime,
    days: int,
    profile: str,
) -> pl.DataFrame:
    """The victim involvements of the victims of the assessments made from
    ``since``, in the ``days`` (the MARAC escalation window) before it, with each
    incident's ``occurred_from`` and ``domestic``: whether a victim was already on
    the MARAC list by potential escalation before the window
    (:mod:`avert.briefing.dash`). One indexed read of these few people's year
    (:func:`queries.person_history`)."""
    victims = sorted(
        set(dash.filter(pl.col("assessed_at") >= since)["person_id"].to_list())
    )
    involvements, incidents = queries.person_history(
        store,
        victims,
        since=since - dt.timedelta(days=days + 1),
        until=since,
        profile=profile,
    )
    return (
        involvements.select(
            pl.col(c).cast(pl.String) for c in ("incident_id", "person_id", "role")
        )
        .filter(pl.col("role") == "victim")
        .join(
            incidents.select(
                pl.col("incident_id").cast(pl.String),
                pl.col("occurred_from").cast(pl.Datetime("us")),
                pl.col("time_precision").cast(pl.String),
                pl.col("domestic").cast(pl.Boolean),
            ).unique("incident_id"),
            on="incident_id",
        )
    )


def _read_dash_context(
    store: Store,
    frames: dict[str, pl.DataFrame],
    *,
    since: dt.datetime,
    escalation_days: int,
    profile: str,
    names: bool,
) -> None:
    """Add to ``frames`` what the high-risk DASH section needs beyond the window's
    reads (:mod:`avert.briefing.dash`): each assessment's place (its incident's),
    its victims' year of victim incidents (already on the MARAC list by potential
    escalation?) and, when ``names``, the victims' names."""
    frames["dash"] = _dash_placed(store, frames["dash"], since=since)
    frames["dash_victim_incidents"] = _dash_victim_incidents(
        store, frames["dash"], since=since, days=escalation_days, profile=profile
    )
    if names:
        frames["identities"] = _with_dash_names(
            store, frames["identities"], frames["dash"], since=since
        )


def _mapped_category_names(incidents: pl.DataFrame) -> dict[tuple[str, str], str]:
    """Names of the ``police.uk: <category>`` labels of in-definition incidents of
    a mapped source, per source (:func:`source_category_names`: "toronto-mci:
    Assault"), so that the briefing names them as the other pages do."""
    if not {"crime_type", "source"} <= set(incidents.columns):
        return {}
    return source_category_names(
        incidents.filter(pl.col("in_definition").fill_null(value=False))
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
    own_words: bool = True,
    pseudonym_scope: str | None = SCOPE_OF_SETTINGS,
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    risk_config: RiskConfig | None = None,
    places_config: PlacesConfig | None = None,
) -> Briefing:
    """Read the store and assemble the briefing for a window (no files, no audit).

    The one place a briefing is built: :func:`run_briefing` writes it to files and
    the web app shows it; each caller records its own audit row. Parameters as in
    :func:`run_briefing`; ``timings`` (when given) receives ``read_s`` and
    ``assemble_s``.
    ``organisation``: a partner briefing lists that organisation's taskings only;
    an ``area``'s briefing lists the taskings whose subject is in it
    (:func:`avert.workflows.delivery.taskings_in_area`).
    ``own_words``: the reader is a partner of ``organisation``, and reads the
    words of the results it wrote as written; False (a board member who belongs
    to it): every stored id and name in them as a pseudonym.
    ``pseudonym_scope``: whose key a partner briefing's pseudonyms are of, as
    :func:`avert.workflows.delivery.output_scope` chooses it for ``organisation``
    (the board's key when not ``own_words``): by default the reader's under the
    setting ``pseudonym_scope``; under its default, ``organisation``, a ConfigError
    refuses a partner briefing that names no organisation.
    ``cell_size_m``: the places grid (setting ``places_cell_m``), the same as
    ``avert forecast``'s. ``risk_config``: the risk scores' configuration (setting
    ``risk_config``; ``None``: the packaged one), as ``avert analyse risk`` uses it.
    ``places_config``: the near-repeat zones' configuration (setting
    ``places_config``; ``None``: the packaged ``places.toml``): whether domestic
    incidents are left out.

    Steps: who reads and which window (:func:`_reader`), the reads and the
    workflow's own frames (:func:`_read_all`), then the assembly with what only
    the whole store can say (:func:`_assemble`).
    """
    t0 = time.perf_counter()
    area = area_as_stored(store, area)
    scope = _partner_scope(
        store, audience, pseudonym_scope, organisation=organisation, own_words=own_words
    )
    reader = _reader(
        at,
        hours,
        audience=audience,
        pseudonym_key=pseudonym_key,
        pseudonym_rotation=pseudonym_rotation,
        allow_demo_key=allow_demo_key,
        organisation=organisation,
        own_words=own_words,
        scope=scope,
    )
    opts = BriefingOptions(cell_size_m=cell_size_m)
    frames, notes, places = _read_all(
        store,
        reader,
        at=at,
        area=area,
        profile=profile,
        opts=opts,
        risk_config=risk_config,
        places_config=places_config,
    )
    t1 = time.perf_counter()
    briefing = _assemble(
        store,
        frames,
        notes,
        places,
        reader,
        at=at,
        area=area,
        profile=profile,
        opts=opts,
        boundaries=boundaries,
        risk_config=risk_config,
    )
    if timings is not None:
        timings["read_s"] = t1 - t0
        timings["assemble_s"] = time.perf_counter() - t1
    return briefing


def _partner_scope(
    store: Store,
    audience: Audience,
    pseudonym_scope: str | None,
    *,
    organisation: str | None,
    own_words: bool,
) -> str | None:
    """Whose key a partner briefing's pseudonyms are of (None for the police):
    :func:`avert.workflows.delivery.output_scope` of a partner of ``organisation``,
    or of the board when not ``own_words``."""
    if audience != "partner":
        return None
    return output_scope(
        store,
        pseudonym_scope,
        organisation=organisation,
        role="partner" if own_words else "board",
    )


def _read_all(
    store: Store,
    reader: _Reader,
    *,
    at: dt.datetime,
    area: str | None,
    profile: str,
    opts: BriefingOptions,
    risk_config: RiskConfig | None,
    places_config: PlacesConfig | None,
) -> tuple[dict[str, pl.DataFrame], list[str], PlacesForecast | None]:
    """Everything :func:`build_briefing` reads: the window's frames, notes and
    places (:func:`_read_window`), then the workflow's own frames
    (:func:`_add_store_frames`). The MARAC escalation window (the DASH
    assessments read, and their victims' year) and the ASB one are
    ``risk_config``'s (``None``: the packaged one)."""
    # the MARAC escalation window: the DASH assessments read, and their victims' year
    days = (risk_config or default_risk_config()).marac.escalation_window_days
    frames, notes, places = _read_window(
        store,
        reader,
        at=at,
        area=area,
        profile=profile,
        opts=opts,
        days=days,
        asb_days=(risk_config or default_risk_config()).asb.window_days,
        places_config=places_config,
    )
    _add_store_frames(
        store, frames, reader, at=at, area=area, profile=profile, escalation_days=days
    )
    return frames, notes, places


def _assemble(
    store: Store,
    frames: dict[str, pl.DataFrame],
    notes: list[str],
    places: PlacesForecast | None,
    reader: _Reader,
    *,
    at: dt.datetime,
    area: str | None,
    profile: str,
    opts: BriefingOptions,
    boundaries: Sequence[Boundary],
    risk_config: RiskConfig | None,
) -> Briefing:
    """The briefing of what :func:`_read_all` read, for ``reader``: assembled
    (:func:`avert.briefing.daily_briefing`, pure), then with what only the whole
    store can say (:func:`_with_store_facts`) and, for a partner organisation,
    whose taskings it lists."""
    briefing = daily_briefing(
        frames["incidents"],
        frames["involvements"],
        at=at,
        hours=reader.hours,
        area=area,
        audience=reader.audience,
        tables={
            k: v for k, v in frames.items() if k not in ("incidents", "involvements")
        },
        boundaries=boundaries,
        pseudonymiser=reader.pseudonymiser,
        profile=profile,
        notes=notes,
        options=opts,
        places_forecast=places,
        risk_config=risk_config,
        category_names=_mapped_category_names(frames["incidents"]),
        category_titles=category_titles(profile),
        reason_words=reason_words_of(profile),
    )
    briefing = _with_store_facts(store, briefing, reader, at=at, area=area, notes=notes)
    if reader.organisation:  # whose taskings a partner briefing lists
        briefing = dataclasses.replace(
            briefing, taskings_organisation=reader.organisation
        )
    return briefing


@dataclass(frozen=True)
class _Reader:
    """Who a briefing is for and the hours of its window: ``hours`` clipped to
    the pseudonym key period (``period_note`` then says so,
    :func:`_clip_to_key_period`); ``organisation`` as the accounts spell it once
    :func:`_add_store_frames` has looked (as asked until then)."""

    audience: Audience
    pseudonymiser: Pseudonymiser | None
    hours: int
    period_note: str | None
    organisation: str | None
    own_words: bool

    def since(self, at: dt.datetime) -> dt.datetime:
        """The window's start on the clock: ``hours`` before ``at``."""
        return at - dt.timedelta(hours=self.hours)


def _reader(
    at: dt.datetime,
    hours: int,
    *,
    audience: Audience,
    pseudonym_key: str | None,
    pseudonym_rotation: str,
    allow_demo_key: bool,
    organisation: str | None,
    own_words: bool,
    scope: str | None = None,
) -> _Reader:
    """The reader of a briefing: the audience, a partner's pseudonymiser (a
    missing or weak key refused first; of ``scope``'s key,
    :func:`avert.access.reader_scope`) and the window's hours under its key."""
    aud = check_audience(audience)
    pseudonymiser = (
        pseudonymiser_for(
            pseudonym_key,
            rotation=pseudonym_rotation,
            at=at,
            allow_demo=allow_demo_key,
            scope=scope,
        )
        if aud == "partner"
        else None
    )
    starts = period_start(at, pseudonym_rotation) if pseudonymiser is not None else None
    hours, period_note = _clip_to_key_period(
        at, hours, starts=starts, rotation=pseudonym_rotation
    )
    return _Reader(aud, pseudonymiser, hours, period_note, organisation, own_words)


def _read_window(
    store: Store,
    reader: _Reader,
    *,
    at: dt.datetime,
    area: str | None,
    profile: str,
    opts: BriefingOptions,
    days: int,
    asb_days: int | None = None,
    places_config: PlacesConfig | None = None,
) -> tuple[dict[str, pl.DataFrame], list[str], PlacesForecast | None]:
    """The window's frames and notes (:func:`read_briefing_frames`), with the
    backtested places forecast and the Knox test run beside the reads; under a
    rotating key, what falls before the key period dropped (:func:`_drop_before`)
    and the period's note added. ``days``: the MARAC escalation window, the DASH
    assessments read before the window; ``asb_days``: the ASB escalation window
    (the callers' reports read); ``places_config``: the near-repeat zones'
    (``None``: the packaged ``places.toml``)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the backtested forecast and the Knox test run beside the reads
        f_places = pool.submit(
            briefing_places,
            store,
            at=at,
            profile=profile,
            area=area,
            audience=reader.audience,  # whose: a partner's never reuses the police's
            cells=opts.n_cells,
            cell_size_m=opts.cell_size_m,
            zone_hours=reader.hours,  # the zones of the window's incidents
            near_repeat=None if places_config is None else places_config.near_repeat,
        )
        frames, notes = read_briefing_frames(
            store,
            at=at,
            hours=reader.hours,
            profile=profile,
            audience=reader.audience,
            escalation_days=days,
            asb_days=asb_days,
        )
        try:
            places = f_places.result()
        except MonthStartsError as exc:  # the other sections still hold
            places = None  # the places section: the hotspots of the window
            notes.append(f"No places forecast: {exc}")
    if reader.period_note is not None:
        frames, places = _drop_before(frames, places, since=reader.since(at))
        notes.append(reader.period_note)
    return frames, notes, places


def _add_store_frames(
    store: Store,
    frames: dict[str, pl.DataFrame],
    reader: _Reader,
    *,
    at: dt.datetime,
    area: str | None,
    profile: str,
    escalation_days: int,
) -> None:
    """Add to ``frames`` what the workflow reads beyond the window's reads: the
    residents of the briefing's areas, the high-risk DASH section's context
    (:func:`_read_dash_context`), and the taskings and actions as the reader
    reads them (:func:`_taskings_as_read`)."""
    if area:
        areas = [area]
    else:  # the boroughs of the window: the force area the briefing covers
        recent = frames["incidents"].filter(pl.col("occurred_from") >= reader.since(at))
        areas = recent["borough"].drop_nulls().unique().to_list()
    frames["residents"] = read_residents(store, areas)
    if "dash" in frames:
        _read_dash_context(
            store,
            frames,
            # the briefing's window: a month-precision briefing's is its month
            # (the last 24 hours left the month's other assessments unplaced,
            # unnamed and without their victims' year of incidents), from the
            # start of its first day: an assessment dated alone is at 00:00
            # (avert.briefing.dash.made_in_window)
            since=day_start(briefing_window_from(store, at=at, hours=reader.hours)),
            escalation_days=escalation_days,
            profile=profile,
            names=reader.audience
            == "police",  # partners never get names: not even read
        )
    _taskings_as_read(store, frames, reader, area=area)


def _taskings_as_read(
    store: Store, frames: dict[str, pl.DataFrame], reader: _Reader, *, area: str | None
) -> None:
    """``frames``' taskings and actions as ``reader`` reads them: each tasking's
    organisation and each action's lead as the accounts spell them now, the
    taskings listed for the reader (:func:`_listed_taskings`; an area's: those
    whose subject is in it), and for a partner the police free text with every
    stored id as its pseudonym."""
    # each tasking's organisation as the accounts spell it now (an account made
    # since it was given reads it as its own), and so the organisation asked for
    # ('avert brief --org' as typed lists the taskings saved under its spelling)
    organisation = reader.organisation
    if organisation:
        organisation = accounts_spelling(account_orgs(store), organisation)
    frames["taskings"] = _listed_taskings(
        with_accounts_spelling(store, frames["taskings"]), reader.audience, organisation
    )
    if "actions" in frames:  # each action's lead likewise (as the plan board reads it)
        frames["actions"] = with_accounts_spelling(
            store, frames["actions"], "lead_organisation"
        )
    if area and frames["taskings"].height:
        # an area's briefing lists that area's taskings (the others mark items only)
        placed = taskings_in_area(store, frames["taskings"], area)
        frames["taskings"] = frames["taskings"].with_columns(pl.col("listed") & placed)
    pseudonymiser = reader.pseudonymiser
    if pseudonymiser is not None:
        # police free text a partner reads names no stored record by its id
        if "actions" in frames:
            frames["actions"] = with_action_ids_shown(
                store,
                pseudonymiser,
                pseudonymise_stored_ids(
                    store, pseudonymiser, frames["actions"], ("title",)
                ),
            )
        if "taskings" in frames:
            frames["taskings"] = _partner_tasking_texts(
                store,
                pseudonymiser,
                frames["taskings"],
                organisation if reader.own_words else None,
            )


def _with_store_facts(
    store: Store,
    briefing: Briefing,
    reader: _Reader,
    *,
    at: dt.datetime,
    area: str | None,
    notes: list[str],
) -> Briefing:
    """``briefing`` with what only the whole store can say: under a rotating key
    no person's date from before the window; "none made yet", not "no DASH data",
    when the store holds later assessments; that the store names no one; why it
    lists no incident (:func:`_with_records_missing`); and the clock change."""
    if reader.period_note is not None:
        briefing = _undate_before(briefing, since=reader.since(at))
    dash = briefing.dash_high_risk
    if dash is not None and not dash["recorded"] and has_rows(store, "dash"):
        briefing = dataclasses.replace(briefing, dash_high_risk=none_made_yet(dash))
    # the store names no one: the pages say so (also where the reads chose a month
    # of month-only records but the area's window holds none: then no month's
    # note says people cannot be shown, and the tiles counted 0)
    if NO_PEOPLE_NOTE in notes or not has_rows(store, "involvements"):
        briefing = dataclasses.replace(briefing, people_recorded=False)
    briefing = _with_records_missing(store, briefing, area)
    return _with_clock_change(briefing, reader.hours, store.timezone)


def _records_gap(store: Store, briefing: Briefing, area: str | None) -> str | None:
    """Why a window inside the span of the store's (or the area's, every spelling
    of it) records that holds no record of any kind is a gap in what was loaded
    (:func:`avert.briefing.records_gap`: a missing month of police.uk data read
    "0 violent incidents"), or None. Runs only when the window lists no incident.
    As of the window's end: the run is from the end of the latest record before
    the window to the window's end, the rate that of the records before it; no
    record loaded for later days is read (a past ``--at`` is briefed as then)."""
    names = stored_spellings(store, area) if area else None
    span = incident_span(store) if names is None else area_incident_span(store, names)
    wf, wt = briefing.window_from, briefing.window_to
    if span is None or incidents_between(store, wf, wt, areas=names):
        return None
    last = latest_record_end(store, wf, areas=names)
    if last is None:
        return None
    n_before = incidents_between(store, span[0], wf, areas=names)
    return records_gap((span[0], last), n_before, (last, wt), area=area)


def _with_clock_change(briefing: Briefing, hours: int, timezone: str) -> Briefing:
    """``briefing`` with a note when the clocks changed in its window: the window is
    ``hours`` of wall-clock time (since the same time yesterday, docs/briefing.md),
    which is then one hour more or less of elapsed time, while its header still
    reads "24 hours"; the meeting should know why it holds more (or fewer) hours
    of incidents than usual. Counted by :func:`avert.config.timezone.window_hours`:
    a window starting or ending inside the repeated hour holds half of it twice
    (24.5 hours, not the 25 or 24 of reading its edges as one instant each).
    Month-precision briefings have no hours to count."""
    if briefing.precision != "exact":
        return briefing
    elapsed = window_hours(briefing.window_from, briefing.window_to, timezone)
    if abs(elapsed - hours) < 1e-9:
        return briefing
    went = "back" if elapsed > hours else "forward"
    # not always an hour (Lord Howe Island moves its clocks by half an hour), and
    # a window of --hours 12 is no "day"
    shift_h = abs(elapsed - hours)
    shift = {1.0: "one hour", 0.5: "half an hour"}.get(shift_h, f"{shift_h:g} hours")
    note = (
        f"The clocks went {went} in this window ({timezone}): "
        f"{briefing.window_from:%d %b %H:%M} to {briefing.window_to:%d %b %H:%M} is "
        f"{hours} hours on the clock but {elapsed:g} elapsed hours, so it holds "
        f"{shift} {'more' if went == 'back' else 'less'} of incidents than "
        f"{hours} hours usually do."
    )
    return dataclasses.replace(briefing, notes=(*briefing.notes, note))


def _with_records_missing(
    store: Store, briefing: Briefing, area: str | None
) -> Briefing:
    """``briefing`` saying why it lists no incident when the store holds no record
    of its window (nothing loaded then: 0 violence would read as a finding) or no
    record names its ``area``, or none of the area's records covers the window
    (:func:`avert.store.summary.area_incident_span`); its trend then counts
    nothing either. The store-wide reads run only when the window lists no
    incident. The window is the store's (an area's month-only records name the
    area's nearest month loaded, :func:`avert.briefing.records_missing`). A
    window after every record loaded reads "none loaded yet" whatever their
    rate; once a later load reaches past it, the gap rule decides as of its end
    (:func:`_records_gap`; docs/briefing.md: why)."""
    missing = (
        None
        if briefing.incidents
        else records_missing(
            incident_span(store), briefing.window_from, briefing.window_to
        )
    )
    if missing is None and not briefing.incidents:
        missing = unknown_area(store, area)
    if missing is None and not briefing.incidents and area:
        # a store of two forces covers one's days, not the other's: City of
        # London briefed on West Yorkshire's July 2018 read "last 28 days 0"
        missing = records_missing(
            area_incident_span(store, stored_spellings(store, area)),
            briefing.window_from,
            briefing.window_to,
            area=area,
            month=briefing.precision == "month",
        )
    if missing is None and not briefing.incidents:
        missing = _records_gap(store, briefing, area)
    notes = briefing.notes
    if missing == NO_INCIDENTS_STORED:
        # nothing loaded at all: say so and what loads data, not that "open
        # incident data name no one" (there are none)
        notes = (
            NOTHING_LOADED_NOTE
            if briefing.audience == "police"
            else NOTHING_LOADED_PARTNER_NOTE,
            *(n for n in notes if n != NO_PEOPLE_NOTE),
        )
    if missing is not None and not briefing.incidents:
        # nothing loaded for the window: 0 violence would read as a finding
        briefing = dataclasses.replace(
            briefing,
            records_missing=missing,
            notes=notes,
            trend={
                **briefing.trend,
                "line": f"Violence: not counted ({missing}).",
                # as the line: none of them counted (the month data's rule)
                "periods": [
                    {**p, "count": None, "year_earlier": None, "change": None}
                    for p in briefing.trend["periods"]
                ],
            },
        )
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
    places_config: PlacesConfig | None = None,
    progress: Callable[[str], None] | None = None,
    pseudonym_scope: str | None = SCOPE_OF_SETTINGS,
    pretty_json: bool = False,
) -> BriefingFiles:
    """Brief on the window ending at ``at`` and write HTML, PDF and JSON to ``out_dir``.

    The export is recorded in the audit log *before* any file is written (output
    folder, audience, the number and digest of the people shown), so an export without
    its audit row cannot exist; each file appears whole (a temporary name, renamed).

    Parameters
    ----------
    store, at, out_dir, pdf
        The database; the end of the window (e.g. 08:00 on the meeting's day); the
        folder for ``briefing.html``, ``briefing.json`` and, with ``pdf``,
        ``briefing.pdf`` (WeasyPrint; the slowest step).
    hours, area, audience, profile, boundaries
        See :func:`avert.briefing.daily_briefing`; boundaries: :func:`read_boundaries`.
    pseudonym_key, pseudonym_rotation, allow_demo_key
        The deployment's pseudonym secret and rotation (settings ``pseudonym_key``,
        ``pseudonym_rotation``); a partner briefing without a fit key is refused,
        a :class:`~avert.errors.ConfigError` (:func:`avert.access.check_key`), but
        with ``allow_demo_key`` (``avert demo`` only) a missing key is the demo key.
    user
        Who exported, for the audit log (default: the operating-system user).
    organisation
        The partner organisation a partner briefing is for: its taskings are
        listed; other organisations' taskings only mark their items as tasked.
    pseudonym_scope, cell_size_m, risk_config, places_config
        Whose key the pseudonyms are of (by default the setting's reader's:
        ``organisation``'s key under ``pseudonym_scope`` ``organisation``, and
        refused without one), the places grid, and the risk scores' and
        near-repeat zones' configurations: as :func:`build_briefing`.
    progress
        Told each step's name as it starts (reading, writing, the PDF), for a
        status line: a briefing takes seconds to a minute, the PDF most of it.
    pretty_json
        Write ``briefing.json`` indented, one field a line, for reading by eye;
        by default it is compact (no whitespace between tokens: the same data,
        a fifth smaller, docs/briefing.md).
    """
    say = progress or (lambda _step: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    aud = check_audience(audience)
    say("reading the store")
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
        pseudonym_scope=pseudonym_scope,
        cell_size_m=cell_size_m,
        risk_config=risk_config,
        places_config=places_config,
    )
    html_path, json_path, pdf_path = _write_briefing(
        store,
        briefing,
        out_dir,
        at=at,
        audience=aud,
        area=area,
        user=user,
        pdf=pdf,
        say=say,
        timings=timings,
        pretty_json=pretty_json,
    )
    timings["total_s"] = time.perf_counter() - t0
    return BriefingFiles(briefing, html_path, json_path, pdf_path, timings)


#: The files a briefing writes in its folder, in this order (the PDF last, optional).
_BRIEFING_FILES: Final = ("briefing.json", "briefing.html", "briefing.pdf")


def _write_briefing(
    store: Store,
    briefing: Briefing,
    out_dir: str | Path,
    *,
    at: dt.datetime,
    audience: Audience,
    area: str | None,
    user: str | None,
    pdf: bool,
    say: Callable[[str], None],
    timings: dict[str, float],
    pretty_json: bool = False,
) -> tuple[Path, Path, Path | None]:
    """Write ``briefing`` into ``out_dir`` (made owner-only): its audit row first
    (:func:`_audit`, the people the JSON shows), then ``briefing.json`` and
    ``briefing.html``, each whole (:func:`_write_atomic`), then with ``pdf``
    ``briefing.pdf`` (:func:`_write_pdf`); the paths written. ``timings``
    receives ``write_html_json_s`` (and ``pdf_s``). ``briefing.json`` is compact
    unless ``pretty_json`` (indented)."""
    out = private_mkdir(out_dir)  # personal data: owner-only files and folders
    t2 = time.perf_counter()
    say("writing the HTML and JSON")
    data = briefing.to_json()
    _audit(
        store,
        at=at,
        audience=audience,
        area=area,
        out=out,
        # and the people its taskings' and actions' free text names, as Today's
        people=sorted(
            {
                *people_shown(data),
                *people_written(store, free_texts(data), police=audience == "police"),
            }
        ),
        user=user,
        files=_BRIEFING_FILES[: 3 if pdf else 2],
    )
    html = render_briefing_html(briefing, data=data)
    json_path, html_path = (out / name for name in _BRIEFING_FILES[:2])
    # compact: no whitespace between tokens (the C encoder, ~10x faster than the
    # indented one); indented only when asked, for reading by eye
    if pretty_json:
        text = json.dumps(data, indent=_PRETTY_INDENT, ensure_ascii=False)
    else:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    _write_atomic(json_path, text)
    _write_atomic(html_path, html)
    timings["write_html_json_s"] = time.perf_counter() - t2
    if not pdf:
        return html_path, json_path, None
    return html_path, json_path, _write_pdf(html, out, say=say, timings=timings)


def _write_pdf(
    html: str, out: Path, *, say: Callable[[str], None], timings: dict[str, float]
) -> Path:
    """``briefing.pdf`` in ``out`` from the briefing's ``html`` (WeasyPrint, the
    slowest step), laid out under a temporary name and then renamed, so it appears
    whole; ``timings`` receives ``pdf_s``."""
    t3 = time.perf_counter()
    say("laying out the PDF")
    tmp_pdf = render_pdf(html, out / ".briefing.pdf.tmp")
    pdf_path = out / _BRIEFING_FILES[2]
    tmp_pdf.replace(pdf_path)
    timings["pdf_s"] = time.perf_counter() - t3
    return pdf_path


def _audit(
    store: Store,
    *,
    at: dt.datetime,
    audience: str,
    area: str | None,
    out: Path,
    people: Sequence[str],
    user: str | None,
    files: Sequence[str],
) -> None:
    """Record the export in the audit log (DESIGN.md: every export is audited).

    The object names the briefing and where it was written; the reason names the
    audience and the people shown: their number and a SHA-256 digest of their
    sorted ids as shown (pseudonyms for partners), so the data protection officer
    can check a list against the row; the detail, the ``files`` about to be
    written in ``out`` (their number and names).
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
            people=people, location=str(out.resolve()), files=files, audience=audience
        ),
    )


def known_areas(store: Store) -> list[str]:
    """The areas ``--area`` can name (:func:`avert.areas.in_area`): the distinct
    ``incidents.borough`` places, sorted, then the LSOAs that are not boroughs;
    each place once, however many ways its records spell it (one
    :func:`avert.areas.area_key`: "Leeds", "LEEDS", "Leeds "), by its commonest
    spelling (:func:`area_spellings`)."""
    spellings = area_spellings(store)
    named = [sorted(s[0] for s in spellings[c].values()) for c in AREA_COLUMNS]
    boroughs = {area_key(b) for b in named[0]}
    return [*named[0], *(v for v in named[1] if area_key(v) not in boroughs)]


def area_spellings(store: Store) -> dict[str, dict[str, list[str]]]:
    """Per area column (:data:`avert.areas.AREA_COLUMNS`), each place's stored
    spellings by its :func:`avert.areas.area_key`, commonest first (ties: in
    sorted order). A place spelled two ways was spanned and named by the first
    spelling sorted ("LEEDS" before "Leeds"), so its other records went uncounted
    in its span. One read of the two columns (as before)."""
    frame = store.read_frame("incidents", columns=list(AREA_COLUMNS))
    out: dict[str, dict[str, list[str]]] = {}
    for c in AREA_COLUMNS:
        counts = (
            frame.select(pl.col(c).cast(pl.String))
            .drop_nulls()
            .group_by(c)
            .len()
            .with_columns(area_key_expr(pl.col(c)).alias("_key"))
            .filter(pl.col("_key") != "")
            .sort(["_key", "len", c], descending=[False, True, False])
        )
        by_key: dict[str, list[str]] = {}
        for key, spelling in counts.select("_key", c).iter_rows():
            by_key.setdefault(key, []).append(spelling)
        out[c] = by_key
    return out


def area_named_otherwise(store: Store, area: str) -> str | None:
    """What ``area`` names in the store when it is not a borough or LSOA code, or
    None: an LSOA's name (the briefing prints places as "Boar Lane · Leeds 111B"),
    given with its code and borough, or a ward (Toronto's neighbourhoods), which no
    briefing is of. Matched as :func:`avert.areas.area_key` matches areas."""
    key = area_key(area)
    frame = store.read_frame(
        "incidents", columns=["borough", "lsoa", "lsoa_name", "ward"]
    )
    named = frame.filter(
        pl.col("lsoa_name").str.strip_chars().str.to_lowercase().eq(key)
    ).drop_nulls("lsoa")
    if named.height:
        row = named.sort("lsoa").row(0, named=True)
        borough = f" or its borough ({row['borough']})" if row["borough"] else ""
        return (
            f"{area.strip()!r} is the name of the LSOA {row['lsoa']}: an area is named "
            f"by its code (--area {row['lsoa']}){borough}"
        )
    if frame.filter(pl.col("ward").str.strip_chars().str.to_lowercase().eq(key)).height:
        return (
            f"{area.strip()!r} is a ward or neighbourhood of the incidents: a briefing "
            "is of a borough or an LSOA only"
        )
    return None


#: why a briefing or an incidents search of an area no record names lists nothing
UNKNOWN_AREA: Final = (
    "no incident in the store names this area as its borough or LSOA, "
    "the areas a briefing can be of"
)


def unknown_area(store: Store, area: str | None) -> str | None:
    """:data:`UNKNOWN_AREA` when ``area`` is given and no incident of the store
    names it (:func:`names_known_area`), else None: an area no record names (a
    typo, or a neighbourhood where the store's areas are boroughs and LSOAs)
    counted 0 everywhere under its name, which read as a finding."""
    if not area or names_known_area(area, known_areas(store)):
        return None
    return UNKNOWN_AREA


def area_as_stored(store: Store, area: str | None) -> str | None:
    """``area`` as the store's incidents spell it most often (:func:`known_areas`),
    matched as the briefing matches areas (:func:`avert.areas.area_key`: any case,
    any spaces); as given when none does. `avert brief --area leeds` on West
    Yorkshire's July 2018 was headed "Daily risk briefing: leeds"."""
    if not area:
        return area
    key = area_key(area)
    return next((a for a in known_areas(store) if area_key(a) == key), area)


def stored_spellings(store: Store, area: str) -> list[str]:
    """Every spelling of ``area``'s key (:func:`avert.areas.area_key`) the store's
    borough or LSOA column holds (:func:`area_spellings`): the area's records are
    those of all of them ([``area``] when none)."""
    key = area_key(area)
    found = [
        s for by_key in area_spellings(store).values() for s in by_key.get(key, [])
    ]
    return list(dict.fromkeys(found)) or [area]


def names_known_area(area: str, known: Sequence[str]) -> bool:
    """Whether ``area`` is one of ``known`` (:func:`known_areas`) as the briefing
    matches areas (:func:`avert.areas.area_key`: any case, no surrounding spaces)."""
    return area_key(area) in {area_key(a) for a in known}
