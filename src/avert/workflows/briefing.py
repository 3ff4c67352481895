"""Workflow of the daily risk briefing: read the store by time window, assemble, write.

Reads only what the day needs (so a store of a million incidents briefs in well under
two seconds): the incidents of the last 28 days (window, places, retaliation), the
same 28 days a year earlier (trend), the involvements of the recent incidents, the
last year of incidents of the people linked to the window (risk scores), the ASB
history of the window's callers, the window's intelligence, open actions, groups.
Classification columns come from the ``classifications`` table of the definition
profile (``avert classify``). Then :func:`avert.briefing.daily_briefing` assembles
the page, and :mod:`avert.report` writes ``briefing.html``, ``briefing.pdf`` and
``briefing.json``. Each export is recorded in the ``audit`` table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from avert.access import Audience, Pseudonymiser
from avert.analyse.networks import group_membership, retaliation_alerts
from avert.analyse.trend import YEAR_DAYS, month_window
from avert.briefing import (
    LOOKBACK_DAYS,
    REPEAT_WINDOW_DAYS,
    Boundary,
    Briefing,
    daily_briefing,
)
from avert.config.networks import default_networks_config
from avert.errors import NotFound
from avert.report.render import render_briefing_html, render_pdf
from avert.schema import TABLES
from avert.store import Store, audit

__all__ = [
    "BriefingFiles",
    "read_boundaries",
    "read_briefing_frames",
    "run_briefing",
]

_INCIDENT_COLUMNS: Final = (
    "incident_id",
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
    "borough",
    "domestic",
    "weapon",
    "hate",
    "gang_related",
    "injury",
    "outcome",
)
_CLASS_COLUMNS: Final = (
    "incident_id",
    "in_definition",
    "category",
    "rule_ids",
    "harm_days",
    "harm_source",
)
#: columns enough for places, trend and risk (incidents outside the window)
_LIGHT_COLUMNS: Final = (
    "incident_id",
    "occurred_from",
    "time_precision",
    "x",
    "y",
    "borough",
    "domestic",
    "weapon",
)
_CHUNK: Final = 20_000
_READ_THREADS: Final = 4
_INTEL_COLUMNS: Final = (
    "intel_id",
    "recorded_at",
    "subject_type",
    "subject_id",
    "grading",
    "topic",
)
_ACTION_COLUMNS: Final = (
    "action_id",
    "strand",
    "title",
    "lead_organisation",
    "owner",
    "target_type",
    "target_id",
    "due",
    "status",
)
_ASB_WINDOW_DAYS: Final = 182


@dataclass(frozen=True)
class BriefingFiles:
    """What :func:`run_briefing` wrote, and how long each step took (seconds)."""

    briefing: Briefing
    html: Path
    json: Path
    pdf: Path | None
    timings: dict[str, float] = field(default_factory=dict)


def _chunked_in(
    store: Store,
    table: str,
    column: str,
    values: Sequence[str],
    *,
    columns: Sequence[str],
    where: Sequence[tuple[str, str, object]] = (),
) -> pl.DataFrame:
    """``read_frame`` with ``column IN values``, in chunks (SQL parameter limits)."""
    uniq = sorted(set(values))
    parts = [
        store.read_frame(
            table,
            columns=list(columns),
            where=[*where, (column, "in", uniq[i : i + _CHUNK])],
        )
        for i in range(0, len(uniq), _CHUNK)
    ]
    if not parts:
        return _empty(table, columns)
    return pl.concat(parts, how="vertical")


def _empty(table: str, columns: Sequence[str]) -> pl.DataFrame:
    spec = TABLES[table]
    return pl.DataFrame(schema={c: spec.schema[c] for c in columns})


def _incidents_between(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    columns: Sequence[str] = _INCIDENT_COLUMNS,
) -> pl.DataFrame:
    return store.read_frame(
        "incidents",
        columns=list(columns),
        where=[("occurred_from", ">=", start), ("occurred_from", "<", end)],
    )


def _classify(store: Store, incidents: pl.DataFrame, profile: str) -> pl.DataFrame:
    classes = _chunked_in(
        store,
        "classifications",
        "incident_id",
        incidents["incident_id"].to_list(),
        columns=_CLASS_COLUMNS,
        where=[("profile", "=", profile)],
    )
    return incidents.join(classes, on="incident_id", how="left")


def _latest_month_start(store: Store, at: dt.datetime) -> dt.datetime | None:
    """First instant of the latest month-precision month starting before ``at``."""
    value: object = (
        at.strftime("%Y-%m-%dT%H:%M:%S.%f") if store.dialect == "sqlite" else at
    )
    frame = store.query(
        'SELECT MAX("occurred_from") AS m FROM "incidents" '
        'WHERE "time_precision" = \'month\' AND "occurred_from" < ?',
        [value],
    )
    raw = frame["m"][0] if frame.height else None
    if raw is None:
        return None
    if isinstance(raw, str):
        return dt.datetime.fromisoformat(raw[:19])
    assert isinstance(raw, dt.datetime)
    return raw


_JSON_VALUES: Final = {
    "sqlite": "SELECT value FROM json_each(?)",
    "postgresql": "SELECT json_array_elements_text(?::json)",
}


def _sql_time(store: Store, value: dt.datetime) -> object:
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.%f") if store.dialect == "sqlite" else value
    )


def _person_history(
    store: Store,
    person_ids: Sequence[str],
    *,
    since: dt.datetime,
    until: dt.datetime,
    profile: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Involvements and classified incidents of ``person_ids`` in ``[since, until)``.

    One query joins involvements (index on person_id) to incidents and their
    classification, so a store of millions of rows returns only these people's year.
    """
    inv_schema: dict[str, pl.DataType] = {
        "incident_id": pl.String(),
        "person_id": pl.String(),
        "role": pl.String(),
    }
    inc_schema: dict[str, pl.DataType] = {
        "incident_id": pl.String(),
        "occurred_from": pl.Datetime("us"),
        "domestic": pl.Boolean(),
        "in_definition": pl.Boolean(),
        "category": pl.String(),
        "harm_days": pl.Float64(),
    }
    if not person_ids:
        return pl.DataFrame(schema=inv_schema), pl.DataFrame(schema=inc_schema)
    sql = (
        'SELECT v."incident_id", v."person_id", v."role", i."occurred_from", '
        'i."domestic", c."in_definition", c."category", c."harm_days" '
        'FROM "involvements" v JOIN "incidents" i ON i."incident_id" = v."incident_id" '
        'LEFT JOIN "classifications" c ON c."incident_id" = v."incident_id" '
        'AND c."profile" = ? '
        f'WHERE v."person_id" IN ({_JSON_VALUES[store.dialect]}) '
        'AND i."occurred_from" >= ? AND i."occurred_from" < ?'
    )
    raw = store.query(
        sql,
        [
            profile,
            json.dumps(sorted(set(person_ids))),
            _sql_time(store, since),
            _sql_time(store, until),
        ],
    )
    if raw.height == 0:
        return pl.DataFrame(schema=inv_schema), pl.DataFrame(schema=inc_schema)
    when = pl.col("occurred_from")
    if raw.schema["occurred_from"] == pl.String:
        when = when.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False)
    frame = raw.with_columns(
        when.cast(pl.Datetime("us")).alias("occurred_from"),
        pl.col("domestic").cast(pl.Boolean),
        pl.col("in_definition").cast(pl.Boolean),
        pl.col("harm_days").cast(pl.Float64),
        pl.col("incident_id", "person_id", "role", "category").cast(pl.String),
    )
    inv = frame.select(list(inv_schema)).unique()
    inc = frame.select(list(inc_schema)).unique("incident_id", keep="first")
    return inv, inc


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
    # Independent reads run on a few threads: each read has its own connection and
    # the drivers release the GIL while SQLite / PostgreSQL work.
    with ThreadPoolExecutor(max_workers=_READ_THREADS) as pool:
        f_window = pool.submit(_incidents_between, store, window_from, at)
        f_recent = pool.submit(
            _incidents_between, store, recent_from, window_from, _LIGHT_COLUMNS
        )
        f_year = pool.submit(
            _incidents_between,
            store,
            at - year - dt.timedelta(days=LOOKBACK_DAYS),
            at - year,
            _LIGHT_COLUMNS,
        )
        f_groups = pool.submit(
            store.read_frame, "groups", columns=["group_id", "name", "continuum"]
        )
        f_members = pool.submit(
            store.read_frame, "group_members", columns=["group_id", "person_id"]
        )
        f_callers = pool.submit(
            store.read_frame,
            "asb",
            columns=["caller_id"],
            where=[("occurred_at", ">=", window_from), ("occurred_at", "<", at)],
        )
        f_intel = pool.submit(
            store.read_frame,
            "intelligence",
            columns=list(_INTEL_COLUMNS),
            where=[("recorded_at", ">=", window_from), ("recorded_at", "<", at)],
        )
        f_actions = pool.submit(
            store.read_frame,
            "actions",
            columns=list(_ACTION_COLUMNS),
            where=[("status", "in", ["open", "in_progress"])],
        )
        recent = pl.concat(
            [f_window.result(), f_recent.result()], how="diagonal_relaxed"
        )
        parts = [recent, f_year.result()]
        precise = recent.filter(
            pl.col("time_precision").fill_null("exact") != "month"
        ).height
        if precise == 0:
            month = _latest_month_start(store, at)
            if month is not None:
                m_from, m_to = month_window(month)
                prev_from, _ = month_window(m_from - dt.timedelta(days=1))
                ly_from, ly_to = month_window(
                    dt.datetime(m_from.year - 1, m_from.month, 1)
                )
                parts += [
                    _incidents_between(store, prev_from, m_to),
                    _incidents_between(store, ly_from, ly_to),
                ]
        incidents = pl.concat(parts, how="diagonal_relaxed").unique(
            "incident_id", keep="first"
        )
        f_classified = pool.submit(_classify, store, incidents, profile)
        involvements = _chunked_in(
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
        # the last year of the linked people (risk scores): one indexed join in SQL
        f_history = pool.submit(
            _person_history,
            store,
            linked,
            since=at - dt.timedelta(days=REPEAT_WINDOW_DAYS),
            until=at,
            profile=profile,
        )
        f_people = pool.submit(
            _chunked_in,
            store,
            "people",
            "person_id",
            linked,
            columns=("person_id", "vulnerable"),
        )
        f_identities = (
            pool.submit(
                _chunked_in,
                store,
                "person_identity",
                "person_id",
                linked,
                columns=("person_id", "name"),
            )
            if audience == "police"
            else None
        )
        f_asb = pool.submit(
            _chunked_in,
            store,
            "asb",
            "caller_id",
            f_callers.result()["caller_id"].drop_nulls().to_list(),
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
        )
        classified = f_classified.result()
        if incidents.height and classified["in_definition"].null_count() == (
            classified.height
        ):
            msg = (
                f"No classifications for definition '{profile}' of these incidents: "
                "run 'avert classify' first."
            )
            raise NotFound(msg)
        history_inv, history = f_history.result()
        history = history.join(
            incidents.select("incident_id"), on="incident_id", how="anti"
        )
        incidents = pl.concat([classified, history], how="diagonal_relaxed")
        involvements = pl.concat([involvements, history_inv], how="vertical").unique()
        people = f_people.result()
        identities = (
            f_identities.result()
            if f_identities is not None
            else _empty("person_identity", ("person_id", "name"))
        )
        groups, group_members = f_groups.result(), f_members.result()
        asb, intelligence = f_asb.result(), f_intel.result()
        actions = f_actions.result()
    retaliation: pl.DataFrame | None = None
    if group_members.height and involvements.height:
        cfg = default_networks_config()
        detected = pl.DataFrame(schema={"group_id": pl.String, "person_id": pl.String})
        membership = group_membership(detected, group_members)
        classified = incidents.with_columns(
            pl.col("in_definition").fill_null(value=False)
        )
        retaliation = retaliation_alerts(
            classified,
            involvements,
            membership,
            since=at - dt.timedelta(days=cfg.retaliation.window_days),
            until=at,
            config=cfg,
        ).frame
        notes.append(
            "Retaliation alerts use declared groups (group_members); groups detected "
            "from co-offending come from 'avert analyse networks'."
        )
    frames = {
        "incidents": incidents,
        "involvements": involvements,
        "people": people,
        "identities": identities,
        "groups": groups,
        "group_members": group_members,
        "asb": asb,
        "intelligence": intelligence,
        "actions": actions,
    }
    if retaliation is not None:
        frames["retaliation"] = retaliation
    return frames, notes


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
    boundaries: Sequence[Boundary] = (),
    pdf: bool = True,
    user: str | None = None,
) -> BriefingFiles:
    """Brief on the window ending at ``at`` and write HTML, PDF and JSON to ``out_dir``.

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
    pseudonym_key
        The deployment's pseudonym key (``AVERT_PSEUDONYM_KEY``); demo key if None.
    boundaries
        Area outlines for the map (:func:`read_boundaries`).
    pdf
        Also write the PDF (WeasyPrint; the slowest step).
    user
        Who exported, for the audit log (default: the operating-system user).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    frames, notes = read_briefing_frames(
        store, at=at, hours=hours, profile=profile, audience=audience
    )
    timings["read_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    briefing = daily_briefing(
        frames["incidents"],
        frames["involvements"],
        at=at,
        hours=hours,
        area=area,
        audience=audience,
        tables={
            k: v for k, v in frames.items() if k not in ("incidents", "involvements")
        },
        boundaries=boundaries,
        pseudonymiser=Pseudonymiser(pseudonym_key),
        profile=profile,
        notes=notes,
    )
    timings["assemble_s"] = time.perf_counter() - t1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t2 = time.perf_counter()
    data = briefing.to_json()
    html = render_briefing_html(briefing, data=data)
    html_path = out / "briefing.html"
    html_path.write_text(html, encoding="utf-8")
    json_path = out / "briefing.json"
    json_path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    timings["write_html_json_s"] = time.perf_counter() - t2
    pdf_path: Path | None = None
    if pdf:
        t3 = time.perf_counter()
        pdf_path = render_pdf(html, out / "briefing.pdf")
        timings["pdf_s"] = time.perf_counter() - t3
    _audit(store, at=at, audience=audience, area=area, user=user)
    timings["total_s"] = time.perf_counter() - t0
    return BriefingFiles(briefing, html_path, json_path, pdf_path, timings)


def _audit(
    store: Store, *, at: dt.datetime, audience: str, area: str | None, user: str | None
) -> None:
    """Record the export in the audit log (DESIGN.md: every export is audited)."""
    audit.record(
        store,
        action="export",
        obj=f"briefing:{at:%Y-%m-%dT%H:%M}" + (f":{area}" if area else ""),
        reason="daily risk briefing",
        role=audience,
        user=user,
    )
