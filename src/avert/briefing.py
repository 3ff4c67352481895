"""The daily risk briefing: the page the daily risk meeting chair opens at 8 a.m.

The seed's daily risk management meeting (MPA 2010 delivery plan, ¶ on daily risk
management and footnote 2: Operation Verano "reviews violent incident and
intelligence from the last 24 hours and informs Operation Blunt deployments") needs,
highest harm first and each with its reasons:

1. the violent incidents of the window (the AVB definition), with harm, weapon,
   domestic / hate / group flags, linked people and groups;
2. retaliation alerts, repeat victims hit again, vulnerable ASB callers at
   escalation risk;
3. people of concern: the top offender-risk people linked to the window's
   incidents, with their score parts (RFGH, :func:`avert.analyse.risk.offender_risk`);
4. places for today: the top cells of a recency- and harm-weighted kernel density of
   the last 28 days (:func:`avert.analyse.hotspots.recent_hotspots`);
5. intelligence in the window by grading, and open actions due;
6. a one-line trend: violence in the last 7 / 28 days against the same days a year
   (52 weeks, so weekdays align) earlier.

:func:`daily_briefing` is pure assembly: frames in, a frozen :class:`Briefing` out;
no I/O, no database, no clock. Every item carries ``links`` (the record ids it came
from) and ``reasons`` (why it is on the page).

Partner audience: every identifier (person, incident, group, intelligence, ASB,
action target) is replaced with a stable keyed pseudonym
(:class:`avert.pseudonymise.Pseudonymiser`) *before* anything is assembled, so no
later step can see a police id; names, exact locations, outcomes and intelligence
subjects are dropped. Month-precision sources (data.police.uk) cannot show a
24-hour window: the briefing then covers the latest month and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import polars as pl

from avert.analyse.hotspots import HotspotResult, recent_hotspots
from avert.analyse.result import jsonable
from avert.analyse.risk import asb_escalation_risk, offender_risk, victim_risk
from avert.config.risk import RiskConfig
from avert.errors import ConfigError
from avert.pseudonymise import Pseudonymiser
from avert.schema import check_frame

__all__ = [
    "Audience",
    "Boundary",
    "Briefing",
    "daily_briefing",
    "month_window",
]

Audience = Literal["police", "partner"]
#: One area outline: (name, rings), each ring a list of (x, y) metres.
Boundary = tuple[str, list[list[tuple[float, float]]]]

LOOKBACK_DAYS: Final = 28
YEAR_DAYS: Final = 364  # 52 weeks: the same weekdays a year earlier
REPEAT_WINDOW_DAYS: Final = 365
GROUP_SIZE: Final = 3  # DESIGN.md: group offending = 3 or more suspects/offenders
_OFFENDING_ROLES: Final = ("suspect", "offender")
_PARTNER_DROPPED: Final = (
    "names, dates of birth and addresses (person_identity)",
    "exact locations (lat, lon, x, y, location text) of incidents",
    "outcomes and free context text",
    "group names",
    "intelligence items and subjects (counts by grading only)",
    "titles of actions that target a person, group or incident",
)
_INCIDENT_REQUIRED: Final = (
    "incident_id",
    "occurred_from",
    "in_definition",
    "category",
    "harm_days",
)


@dataclass(frozen=True)
class Briefing:
    """A daily risk briefing, ready to render (HTML/PDF) or export (JSON).

    Every item (a ``dict``) has ``rank``, ``reasons`` (list of strings) and
    ``links`` (``{"incident_id": [...], "person_id": [...], "group_id": [...]}``).
    """

    at: dt.datetime
    window_from: dt.datetime
    window_to: dt.datetime
    hours: int
    area: str | None
    audience: Audience
    precision: Literal["exact", "month"]
    profile: str
    incidents: tuple[dict[str, Any], ...]
    retaliation: tuple[dict[str, Any], ...]
    repeat_victims: tuple[dict[str, Any], ...]
    asb_callers: tuple[dict[str, Any], ...]
    people: tuple[dict[str, Any], ...]
    places: tuple[dict[str, Any], ...]
    places_summary: dict[str, Any]
    intelligence: dict[str, Any]
    actions: tuple[dict[str, Any], ...]
    trend: dict[str, Any]
    summary: dict[str, Any]
    map_points: tuple[dict[str, Any], ...] = ()
    boundaries: tuple[Boundary, ...] = ()
    notes: tuple[str, ...] = ()
    pseudonyms: dict[str, Any] | None = None
    methods: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the briefing as JSON-ready data (the ``briefing.json`` contract).

        Keys: ``window`` (``from``, ``to``), ``at``, ``hours``, ``area``,
        ``audience``, ``precision``, ``profile``, ``summary``, ``trend``,
        ``incidents``, ``retaliation``, ``repeat_victims``, ``asb_callers``,
        ``people``, ``places`` (cells with ``x``, ``y``, ``score``),
        ``places_summary``, ``intelligence``, ``actions``, ``map``, ``notes``,
        ``pseudonyms``, ``methods``.
        """
        out: dict[str, Any] = jsonable(
            {
                "briefing": "avert daily risk briefing",
                "version": 1,
                "window": {"from": self.window_from, "to": self.window_to},
                "at": self.at,
                "hours": self.hours,
                "area": self.area,
                "audience": self.audience,
                "precision": self.precision,
                "profile": self.profile,
                "summary": self.summary,
                "trend": self.trend,
                "incidents": list(self.incidents),
                "retaliation": list(self.retaliation),
                "repeat_victims": list(self.repeat_victims),
                "asb_callers": list(self.asb_callers),
                "people": list(self.people),
                "places": list(self.places),
                "places_summary": self.places_summary,
                "intelligence": self.intelligence,
                "actions": list(self.actions),
                "map": {
                    "points": list(self.map_points),
                    "boundaries": [name for name, _ in self.boundaries],
                },
                "notes": list(self.notes),
                "pseudonyms": self.pseudonyms,
                "methods": self.methods,
            }
        )
        return out


# --- helpers ------------------------------------------------------------------------


def month_window(month_start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return ``[first instant of the month, first instant of the next month)``."""
    start = dt.datetime(month_start.year, month_start.month, 1)
    nxt = (
        dt.datetime(start.year + 1, 1, 1)
        if start.month == 12
        else dt.datetime(start.year, start.month + 1, 1)
    )
    return start, nxt


def _links(
    incident_ids: Sequence[str] = (),
    person_ids: Sequence[str] = (),
    group_ids: Sequence[str] = (),
) -> dict[str, list[str]]:
    return {
        "incident_id": sorted({i for i in incident_ids if i is not None}),
        "person_id": sorted({p for p in person_ids if p is not None}),
        "group_id": sorted({g for g in group_ids if g is not None}),
    }


def _opt(
    frame: pl.DataFrame | None, columns: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """The frame, or an empty one with the given columns; missing columns as nulls."""
    if frame is None:
        return pl.DataFrame(schema=dict(columns))
    extra = [
        pl.lit(None, dtype=t).alias(c)
        for c, t in columns.items()
        if c not in frame.columns
    ]
    return frame.with_columns(extra) if extra else frame


def _col_or(
    frame: pl.DataFrame, name: str, default: Any, dtype: pl.DataType
) -> pl.Expr:
    if name in frame.columns:
        return pl.col(name).cast(dtype).fill_null(default)
    return pl.lit(default, dtype=dtype).alias(name)


def _pseudonymise_inputs(
    p: Pseudonymiser, frames: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """Replace every identifier by its pseudonym and drop police-only columns."""
    out = dict(frames)
    spec: dict[str, list[tuple[str, str]]] = {
        "incidents": [("incident_id", "incident")],
        "involvements": [("incident_id", "incident"), ("person_id", "person")],
        "people": [("person_id", "person")],
        "group_members": [("group_id", "group"), ("person_id", "person")],
        "groups": [("group_id", "group")],
        "asb": [("asb_id", "asb"), ("caller_id", "person")],
        "intelligence": [("intel_id", "intel")],
        "retaliation": [("incident_id", "incident"), ("victim_id", "person")],
    }
    for name, cols in spec.items():
        frame = out[name]
        for col, kind in cols:
            if col in frame.columns and frame.height:
                frame = p.column(frame, col, kind)
        out[name] = frame
    inc = out["incidents"]
    out["incidents"] = inc.drop(
        [
            c
            for c in ("lat", "lon", "x", "y", "location", "outcome", "context")
            if c in inc.columns
        ]
    )
    out["groups"] = out["groups"].with_columns(
        pl.lit(None, dtype=pl.String).alias("name")
    )
    out["identities"] = out["identities"].clear()
    intel = out["intelligence"]
    out["intelligence"] = intel.with_columns(
        pl.lit(None, dtype=pl.String).alias("subject_id")
    )
    actions = out["actions"]
    if actions.height:
        kinds = {"person": "person", "group": "group", "incident": "incident"}
        mapped = [
            p(kinds[t], i)
            if t in kinds and i is not None
            else (i if t == "area" else None)
            for t, i in zip(
                actions["target_type"].to_list(),
                actions["target_id"].to_list(),
                strict=True,
            )
        ]
        out["actions"] = actions.with_columns(
            pl.Series("target_id", mapped, dtype=pl.String),
            # free text about a person or group may name them: withheld
            pl.when(pl.col("target_type").is_in(["person", "group", "incident"]))
            .then(pl.lit("[title withheld: the action targets a person or group]"))
            .otherwise(pl.col("title"))
            .alias("title"),
            pl.Series(
                "action_id",
                p.many("action", actions["action_id"].cast(pl.String).to_list()),
                dtype=pl.String,
            ),
        )
    ret = out["retaliation"]
    for col in ("at_risk_of_retaliation_from", "possible_targets"):
        if col in ret.columns and ret.height:
            ret = ret.with_columns(
                pl.Series(
                    col,
                    [p.many("person", v or []) for v in ret[col].to_list()],
                    dtype=pl.List(pl.String),
                )
            )
    for col in ("victim_groups", "rival_groups"):
        if col in ret.columns and ret.height:
            ret = ret.with_columns(
                pl.Series(
                    col,
                    [p.many("group", v or []) for v in ret[col].to_list()],
                    dtype=pl.List(pl.String),
                )
            )
    out["retaliation"] = ret
    return out


def _choose_window(
    incidents: pl.DataFrame, *, at: dt.datetime, hours: int
) -> tuple[dt.datetime, dt.datetime, Literal["exact", "month"], list[str]]:
    """The window to brief on: the last ``hours``, or a month for month-only data."""
    start = at - dt.timedelta(hours=hours)
    lookback = incidents.filter(
        (pl.col("occurred_from") >= at - dt.timedelta(days=LOOKBACK_DAYS))
        & (pl.col("occurred_from") < at)
    )
    precision = _col_or(incidents, "time_precision", "exact", pl.String())
    precise = lookback.filter(precision != "month").height
    monthly = incidents.filter((precision == "month") & (pl.col("occurred_from") < at))
    if precise > 0 or monthly.height == 0:
        return start, at, "exact", []
    latest = monthly.get_column("occurred_from").max()
    assert isinstance(latest, dt.datetime)
    m_from, m_to = month_window(latest)
    notes = [
        "Month-precision source (data.police.uk): dates are the month only and places "
        "are snapped to anonymous map points, so this briefing cannot show the last "
        f"{hours} hours, times of day, people, repeat victims, retaliation risks or "
        f"intelligence. It briefs on the latest month available, {m_from:%B %Y}.",
    ]
    return m_from, m_to, "month", notes


def _trend(
    violent: pl.DataFrame,
    *,
    at: dt.datetime,
    precision: Literal["exact", "month"],
    window_from: dt.datetime,
    window_to: dt.datetime,
) -> dict[str, Any]:
    """Counts of violence in recent periods against the same periods a year earlier."""

    def count(a: dt.datetime, b: dt.datetime) -> int:
        return violent.filter(
            (pl.col("occurred_from") >= a) & (pl.col("occurred_from") < b)
        ).height

    def change(now: int, before: int) -> float | None:
        return None if before == 0 else (now - before) / before

    periods: list[dict[str, Any]] = []
    if precision == "month":
        prev_from, _ = month_window(window_from - dt.timedelta(days=1))
        ly_from, ly_to = month_window(
            dt.datetime(window_from.year - 1, window_from.month, 1)
        )
        spans = [
            ("this month", window_from, window_to, ly_from, ly_to),
        ]
        prev = count(prev_from, window_from)
    else:
        year = dt.timedelta(days=YEAR_DAYS)
        spans = [
            (
                f"last {d} days",
                at - dt.timedelta(days=d),
                at,
                at - dt.timedelta(days=d) - year,
                at - year,
            )
            for d in (7, 28)
        ]
        prev = None
    for label, a, b, ya, yb in spans:
        now, before = count(a, b), count(ya, yb)
        periods.append(
            {
                "period": label,
                "from": a,
                "to": b,
                "count": now,
                "year_earlier_from": ya,
                "year_earlier_to": yb,
                "year_earlier": before,
                "change": change(now, before),
            }
        )
    parts = []
    for per in periods:
        ch = per["change"]
        pct = "no baseline" if ch is None else f"{ch * 100:+.0f} %"
        parts.append(
            f"{per['period']} {per['count']} (a year earlier {per['year_earlier']}, {pct})"
        )
    line = "Violence: " + "; ".join(parts)
    if prev is not None:
        line += f"; previous month {prev}"
    return {"line": line + ".", "periods": periods, "previous_month": prev}


# --- the briefing -------------------------------------------------------------------


def daily_briefing(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    at: dt.datetime,
    hours: int = 24,
    area: str | None = None,
    audience: Audience = "police",
    people: pl.DataFrame | None = None,
    identities: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
    group_members: pl.DataFrame | None = None,
    asb: pl.DataFrame | None = None,
    intelligence: pl.DataFrame | None = None,
    actions: pl.DataFrame | None = None,
    retaliation: pl.DataFrame | None = None,
    boundaries: Sequence[Boundary] = (),
    pseudonymiser: Pseudonymiser | None = None,
    risk_config: RiskConfig | None = None,
    profile: str = "avb-2010",
    top_people: int = 10,
    n_cells: int = 10,
    cell_size_m: float = 100.0,
    bandwidth_m: float = 250.0,
    notes: Sequence[str] = (),
) -> Briefing:
    """Assemble the daily risk briefing from canonical frames.

    Parameters
    ----------
    incidents
        Incidents joined to their classification (``avert.classify`` /
        ``classifications`` table): ``incident_id``, ``occurred_from``,
        ``in_definition``, ``category``, ``harm_days``; optional ``rule_ids``,
        ``harm_source``, ``time_precision``, ``x``, ``y``, ``lat``, ``lon``,
        ``borough``, ``lsoa``, ``offence_code``, ``crime_type``, ``weapon``,
        ``domestic``, ``hate``, ``gang_related``, ``injury``, ``outcome``,
        ``location``. It must hold the window, the 28 days before ``at`` (places),
        the same 28 days a year (364 days) earlier (trend) and, for people in the
        window, their incidents of the last 365 days (risk scores).
    involvements
        ``incident_id``, ``person_id``, ``role`` for those incidents.
    at
        End of the window (e.g. 08:00 on the day of the meeting).
    hours
        Length of the window in hours (24 by default).
    area
        Brief on one borough only (matched to ``incidents.borough``,
        case-insensitively). ASB and intelligence carry no borough and stay whole.
    audience
        ``"police"`` or ``"partner"`` (stable pseudonyms, police-only fields
        dropped).
    people, identities, groups, group_members, asb, intelligence, actions
        The canonical tables (``avert.schema``), each optional. ``identities``
        (``person_identity``) is only shown to the police audience.
    retaliation
        Alerts of :func:`avert.analyse.networks.retaliation_alerts` (columns
        ``incident_id``, ``victim_id``, ``victim_groups``, ``rival_groups``,
        ``at_risk_of_retaliation_from``, ``possible_targets``, ``reasons``,
        ``live_until``); without it no alert is shown.
    boundaries
        Area outlines for the map, in the incidents' projected CRS.
    pseudonymiser
        Keyed pseudonyms for the partner audience (default: the demo key).
    risk_config
        Risk score configuration (default ``config/defaults/risk.toml``).
    profile
        Id of the violence definition the classification used.
    top_people, n_cells
        How many people of concern and place cells to list.
    cell_size_m, bandwidth_m
        Grid and kernel of the places map (metres).
    notes
        Notes from the caller (e.g. what the store could not provide).

    Returns
    -------
    Briefing
        Sections ranked highest harm first (people by their own risk score, then
        harm), every item with ``links`` and ``reasons``.

    Raises
    ------
    ConfigError
        Bad ``audience`` or ``hours``.
    SchemaError
        ``incidents`` lacks the classification columns.
    """
    if audience not in ("police", "partner"):
        msg = f"The 'audience' parameter must be 'police' or 'partner'. Got {audience!r} instead."
        raise ConfigError(msg)
    if not (isinstance(hours, int) and 0 < hours <= 24 * 31):
        msg = (
            f"The 'hours' parameter must be an int in (0, 744]. Got {hours!r} instead."
        )
        raise ConfigError(msg)
    check_frame(incidents, list(_INCIDENT_REQUIRED), name="incidents")
    all_notes = list(notes)
    frames = {
        "incidents": incidents,
        "involvements": _opt(
            involvements,
            {"incident_id": pl.String(), "person_id": pl.String(), "role": pl.String()},
        ),
        "people": _opt(people, {"person_id": pl.String(), "vulnerable": pl.Boolean()}),
        "identities": _opt(identities, {"person_id": pl.String(), "name": pl.String()}),
        "groups": _opt(
            groups,
            {"group_id": pl.String(), "name": pl.String(), "continuum": pl.String()},
        ),
        "group_members": _opt(
            group_members, {"group_id": pl.String(), "person_id": pl.String()}
        ),
        "asb": _opt(
            asb,
            {
                "asb_id": pl.String(),
                "occurred_at": pl.Datetime("us"),
                "caller_id": pl.String(),
                "vulnerable_caller": pl.Boolean(),
                "category": pl.String(),
            },
        ),
        "intelligence": _opt(
            intelligence,
            {
                "intel_id": pl.String(),
                "recorded_at": pl.Datetime("us"),
                "subject_type": pl.String(),
                "subject_id": pl.String(),
                "grading": pl.String(),
                "topic": pl.String(),
            },
        ),
        "actions": _opt(
            actions,
            {
                "action_id": pl.String(),
                "strand": pl.String(),
                "title": pl.String(),
                "lead_organisation": pl.String(),
                "owner": pl.String(),
                "target_type": pl.String(),
                "target_id": pl.String(),
                "due": pl.Date(),
                "status": pl.String(),
            },
        ),
        "retaliation": _opt(
            retaliation,
            {
                "incident_id": pl.String(),
                "victim_id": pl.String(),
                "victim_groups": pl.List(pl.String()),
                "rival_groups": pl.List(pl.String()),
                "at_risk_of_retaliation_from": pl.List(pl.String()),
                "possible_targets": pl.List(pl.String()),
                "reasons": pl.List(pl.String()),
                "live_until": pl.Datetime("us"),
            },
        ),
    }
    # Places are computed on exact coordinates before any partner redaction; only the
    # aggregated cells reach the partner.
    pseudonyms: dict[str, Any] | None = None
    partner = audience == "partner"
    p = pseudonymiser or Pseudonymiser()
    if partner:
        pseudonyms = {
            "method": "HMAC-SHA256 keyed hash, 12 hex digits (48 bits), prefixed by kind",
            "key": "DEMO default key (not secret): set AVERT_PSEUDONYM_KEY"
            if p.is_demo_key
            else "deployment key (AVERT_PSEUDONYM_KEY)",
            "dropped": list(_PARTNER_DROPPED),
        }
        if p.is_demo_key:
            all_notes.append(
                "Partner pseudonyms use the published demo key: set AVERT_PSEUDONYM_KEY "
                "for real data."
            )

    inc = frames["incidents"]
    if area is not None:
        if "borough" not in inc.columns:
            msg = "--area needs incidents.borough, which these incidents lack."
            raise ConfigError(msg)
        inc = inc.filter(pl.col("borough").str.to_lowercase() == area.lower())
        all_notes.append(
            f"Area {area}: incidents, places and trend cover this borough only; ASB and "
            "intelligence carry no borough and are shown for the whole force."
        )
    inc = inc.with_columns(
        pl.col("in_definition").cast(pl.Boolean).fill_null(value=False),
        pl.col("harm_days").cast(pl.Float64),
    )
    window_from, window_to, precision, window_notes = _choose_window(
        inc, at=at, hours=hours
    )
    all_notes.extend(window_notes)
    violent = inc.filter(pl.col("in_definition"))

    # --- places (exact coordinates, before redaction) -----------------------------
    places_at = window_to if precision == "month" else at
    lookback = (window_to - window_from).days if precision == "month" else LOOKBACK_DAYS
    hot: HotspotResult | None = None
    places: list[dict[str, Any]] = []
    places_summary: dict[str, Any] = {}
    map_points: list[dict[str, Any]] = []
    if {"x", "y"} <= set(inc.columns):
        hot = recent_hotspots(
            violent,
            at=places_at,
            lookback_days=max(1, lookback),
            cell_size_m=cell_size_m,
            bandwidth_m=bandwidth_m,
            n_cells=n_cells,
        )
        places = [
            {
                **row,
                "reasons": [
                    f"KDE score {row['score']:.1f} (rank {row['rank']})",
                    f"{row['n_events']} violent incidents in this cell in the last "
                    f"{max(1, lookback)} days, harm {row['harm_days']:.0f} days",
                ],
                "links": {"cell_id": [row["cell_id"]]},
            }
            for row in hot.frame.to_dicts()
        ]
        places_summary = {
            "n_events": hot.n_events,
            "share_events": hot.share_events,
            "share_harm": hot.share_harm,
            "area_km2": hot.area_km2,
            "cell_size_m": hot.cell_size_m,
            "bandwidth_m": hot.bandwidth_m,
            "lookback_days": max(1, lookback),
            "line": (
                f"The top {len(places)} cells ({hot.area_km2:.2f} km²) held "
                f"{hot.share_events * 100:.0f} % of the last {max(1, lookback)} days' "
                f"violence ({hot.n_events} incidents with a place) and "
                f"{hot.share_harm * 100:.0f} % of its harm."
            ),
            "method": hot.method,
            "source": hot.source,
        }
        in_win = violent.filter(
            (pl.col("occurred_from") >= window_from)
            & (pl.col("occurred_from") < window_to)
            & pl.col("x").is_finite()
            & pl.col("y").is_finite()
        )
        snap = cell_size_m if partner else None
        pts = in_win.select(
            "incident_id",
            "category",
            "harm_days",
            (
                ((pl.col("x") / snap).floor() + 0.5) * snap if snap else pl.col("x")
            ).alias("x"),
            (
                ((pl.col("y") / snap).floor() + 0.5) * snap if snap else pl.col("y")
            ).alias("y"),
        )
        if partner:
            pts = p.column(pts, "incident_id", "incident")
        map_points = pts.to_dicts()
    else:
        all_notes.append("Incidents have no x/y: no places map.")

    # --- redaction for partners ---------------------------------------------------
    frames["incidents"] = inc
    if partner:
        frames = _pseudonymise_inputs(p, frames)
        inc = frames["incidents"]
        violent = inc.filter(pl.col("in_definition"))
    inv = frames["involvements"].select(
        pl.col("incident_id").cast(pl.String),
        pl.col("person_id").cast(pl.String),
        pl.col("role").cast(pl.String),
    )
    names = (
        frames["identities"]
        .select(pl.col("person_id").cast(pl.String), pl.col("name").cast(pl.String))
        .unique("person_id", keep="first")
    )
    members = frames["group_members"].select(
        pl.col("group_id").cast(pl.String), pl.col("person_id").cast(pl.String)
    )
    group_names = frames["groups"].select(
        pl.col("group_id").cast(pl.String), pl.col("name").cast(pl.String)
    )

    # --- incidents in the window ------------------------------------------------------
    window = violent.filter(
        (pl.col("occurred_from") >= window_from) & (pl.col("occurred_from") < window_to)
    )
    win_inv = inv.join(window.select("incident_id"), on="incident_id", how="semi")
    person_groups = members.group_by("person_id").agg(
        pl.col("group_id").unique().sort().alias("groups")
    )
    linked = (
        win_inv.join(names, on="person_id", how="left")
        .join(person_groups, on="person_id", how="left")
        .sort("incident_id", "role", "person_id")
    )
    per_incident = linked.group_by("incident_id").agg(
        pl.struct("person_id", "role", "name", pl.col("groups").fill_null([])).alias(
            "people"
        ),
        pl.col("role").is_in(list(_OFFENDING_ROLES)).sum().alias("n_offending"),
        pl.col("groups")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique()
        .sort()
        .alias("group_ids"),
    )
    victim_facts = pl.DataFrame(
        schema={"person_id": pl.String, "n_victimisations": pl.Int64}
    )
    if inv.height:
        vr = victim_risk(
            inc.select(
                "incident_id",
                "occurred_from",
                _col_or(inc, "domestic", False, pl.Boolean()),
            ),
            inv,
            frames["people"] if "vulnerable" in frames["people"].columns else None,
            at=window_to,
            config=risk_config,
        )
        victim_facts = vr.frame
    win = window.join(per_incident, on="incident_id", how="left").with_columns(
        pl.col("n_offending").fill_null(0),
        _col_or(window, "weapon", "none", pl.String()),
        _col_or(window, "domestic", False, pl.Boolean()),
        _col_or(window, "hate", "", pl.String()),
        _col_or(window, "gang_related", False, pl.Boolean()),
        _col_or(window, "injury", "", pl.String()),
        _col_or(window, "rule_ids", "", pl.String()),
        _col_or(window, "harm_source", "", pl.String()),
    )
    repeat_victims_in_window = (
        win_inv.filter(pl.col("role") == "victim")
        .join(victim_facts.select("person_id", "n_victimisations"), on="person_id")
        .filter(pl.col("n_victimisations") >= 2)
        .group_by("incident_id")
        .agg(pl.col("n_victimisations").max().alias("max_victimisations"))
    )
    win = win.join(repeat_victims_in_window, on="incident_id", how="left")
    reasons = pl.concat_list(
        [
            pl.format(
                "in definition {}: {} ({})",
                pl.lit(profile),
                pl.col("category"),
                pl.col("rule_ids"),
            ),
            pl.when(pl.col("harm_days").is_not_null()).then(
                pl.format(
                    "harm {} days (Cambridge Crime Harm Index{})",
                    pl.col("harm_days").round(1),
                    pl.when(pl.col("harm_source") != "")
                    .then(pl.format(", {}", pl.col("harm_source")))
                    .otherwise(pl.lit("")),
                )
            ),
            pl.when(~pl.col("weapon").is_in(["none", ""])).then(
                pl.format("weapon: {}", pl.col("weapon"))
            ),
            pl.when(pl.col("injury").is_in(["serious", "fatal"])).then(
                pl.format("injury: {}", pl.col("injury"))
            ),
            pl.when(pl.col("domestic")).then(pl.lit("domestic abuse")),
            pl.when(pl.col("hate") != "").then(
                pl.format("hate crime: {}", pl.col("hate").str.replace_all(";", ", "))
            ),
            pl.when(pl.col("n_offending") >= GROUP_SIZE).then(
                pl.format(
                    "group offending: {} suspects/offenders", pl.col("n_offending")
                )
            ),
            pl.when(pl.col("gang_related")).then(pl.lit("recorded as gang-related")),
            pl.when(pl.col("max_victimisations").is_not_null()).then(
                pl.format(
                    "repeat victim: {} victimisations in {} days",
                    pl.col("max_victimisations"),
                    pl.lit(REPEAT_WINDOW_DAYS),
                )
            ),
            pl.when(pl.col("group_ids").list.len() > 0).then(
                pl.format(
                    "people linked to group(s) {}", pl.col("group_ids").list.join(", ")
                )
            ),
        ]
    ).list.drop_nulls()
    keep = [
        c
        for c in (
            "incident_id",
            "occurred_from",
            "time_precision",
            "category",
            "harm_days",
            "offence_code",
            "crime_type",
            "weapon",
            "domestic",
            "hate",
            "gang_related",
            "injury",
            "borough",
            "lsoa",
            "location",
            "outcome",
            "x",
            "y",
        )
        if c in win.columns
    ]
    win = (
        win.with_columns(
            reasons.alias("reasons"),
            (pl.col("n_offending") >= GROUP_SIZE).alias("group"),
            pl.col("people").fill_null([]),
            pl.col("group_ids").fill_null([]),
        )
        .sort(
            [pl.col("harm_days").fill_null(-1.0), "occurred_from", "incident_id"],
            descending=[True, True, False],
        )
        .with_row_index("rank", offset=1)
    )
    incident_items: list[dict[str, Any]] = []
    for row in win.select(
        "rank", *keep, "group", "people", "group_ids", "reasons"
    ).to_dicts():
        people_rows = row.pop("people") or []
        if partner:
            for person in people_rows:
                person.pop("name", None)
        row["people"] = people_rows
        row["groups"] = row.pop("group_ids")
        row["links"] = _links(
            [row["incident_id"]], [q["person_id"] for q in people_rows], row["groups"]
        )
        incident_items.append(row)

    harm_by_incident = window.select("incident_id", pl.col("harm_days").fill_null(0.0))

    # --- retaliation -------------------------------------------------------------------
    ret = frames["retaliation"]
    retaliation_items: list[dict[str, Any]] = []
    if ret.height:
        live = ret.filter(
            pl.col("live_until").is_null() | (pl.col("live_until") >= window_to)
        ).join(
            inc.select("incident_id", pl.col("harm_days").fill_null(0.0), "category"),
            on="incident_id",
            how="left",
        )
        live = live.sort(
            [pl.col("harm_days").fill_null(0.0), "incident_id", "victim_id"],
            descending=[True, False, False],
        ).with_row_index("rank", offset=1)
        for row in live.to_dicts():
            people_ids = [
                row["victim_id"],
                *(row.get("at_risk_of_retaliation_from") or []),
                *(row.get("possible_targets") or []),
            ]
            row["links"] = _links(
                [row["incident_id"]],
                people_ids,
                [*(row.get("victim_groups") or []), *(row.get("rival_groups") or [])],
            )
            if partner:
                # the analysis wrote police ids into its reasons: rebuild them
                row["reasons"] = [
                    f"victim {row['victim_id']} of violence is linked to group(s) "
                    + ", ".join(row.get("victim_groups") or []),
                    f"{len(row.get('at_risk_of_retaliation_from') or [])} linked people "
                    "may retaliate",
                ]
                if row.get("rival_groups"):
                    row["reasons"].append(
                        "rival group(s): " + ", ".join(row["rival_groups"])
                    )
                if row.get("live_until") is not None:
                    row["reasons"].append(
                        f"alert live until {row['live_until']:%Y-%m-%d %H:%M}"
                    )
            else:
                row["reasons"] = list(row.get("reasons") or [])
            retaliation_items.append(row)
    elif frames["group_members"].height == 0:
        all_notes.append("No groups recorded: no retaliation alerts can be raised.")

    # --- repeat victims hit again --------------------------------------------------
    repeat_items: list[dict[str, Any]] = []
    if victim_facts.height:
        hit = (
            win_inv.filter(pl.col("role") == "victim")
            .join(harm_by_incident, on="incident_id")
            .group_by("person_id")
            .agg(
                pl.col("incident_id").unique().sort().alias("today"),
                pl.col("harm_days").sum().alias("harm_today"),
            )
            .join(victim_facts, on="person_id")
            .filter(pl.col("n_victimisations") >= 2)
            .join(names, on="person_id", how="left")
            .sort(["harm_today", "score", "person_id"], descending=[True, True, False])
            .drop("rank")
            .with_row_index("rank", offset=1)
        )
        for row in hit.to_dicts():
            parts = {k: v for k, v in row.items() if k.startswith("part_")}
            row["parts"] = parts
            for k in parts:
                row.pop(k)
            if partner:
                row.pop("name", None)
            row["reasons"] = [
                f"victim again in the window ({len(row['today'])} incident(s), harm "
                f"{row['harm_today']:.0f} days)",
                f"{row['n_victimisations']} victimisations in {REPEAT_WINDOW_DAYS} days",
                "repeat-victim score "
                f"{row['score']:.1f} = "
                + " + ".join(f"{k[5:]} {v:g}" for k, v in parts.items()),
            ]
            if row.get("vulnerable"):
                row["reasons"].append("recorded as vulnerable")
            if row.get("n_domestic"):
                row["reasons"].append(f"{row['n_domestic']} domestic abuse incident(s)")
            row["links"] = _links(row["today"], [row["person_id"]])
            repeat_items.append(row)

    # --- vulnerable ASB callers at escalation risk --------------------------------
    asb_items: list[dict[str, Any]] = []
    asb_frame = frames["asb"]
    if asb_frame.height:
        ar = asb_escalation_risk(
            asb_frame,
            inc.select("incident_id", "occurred_from", "in_definition"),
            inv,
            at=window_to,
            unit="caller",
            config=risk_config,
        )
        callers = (
            ar.frame.filter(
                pl.col("any_vulnerable") & (pl.col("last_at") >= window_from)
            )
            .join(names, on="person_id", how="left")
            .drop("rank")
            .sort(["score", "person_id"], descending=[True, False])
            .with_row_index("rank", offset=1)
        )
        in_window_ids = asb_frame.filter(
            (pl.col("occurred_at") >= window_from) & (pl.col("occurred_at") < window_to)
        ).select(pl.col("caller_id").alias("person_id"), "asb_id")
        ids_by_caller = in_window_ids.group_by("person_id").agg(
            pl.col("asb_id").sort().alias("asb_ids")
        )
        callers = callers.join(ids_by_caller, on="person_id", how="left")
        for row in callers.to_dicts():
            parts = {k: v for k, v in row.items() if k.startswith("part_")}
            for k in parts:
                row.pop(k)
            row["parts"] = parts
            if partner:
                row.pop("name", None)
            row["reasons"] = [
                "vulnerable caller reporting ASB in the window",
                f"{row['n_reports']} ASB reports in {ar.window_days} days"
                + (
                    " — meets the ASB case review threshold"
                    if row["meets_case_review"]
                    else ""
                ),
                "escalation score "
                f"{row['score']:.1f} = "
                + " + ".join(f"{k[5:]} {v:g}" for k, v in parts.items()),
            ]
            if row["n_violence_after"]:
                row["reasons"].append(
                    f"{row['n_violence_after']} violent incident(s) against the caller after the first report"
                )
            row["links"] = {
                **_links((), [row["person_id"]]),
                "asb_id": list(row.pop("asb_ids") or []),
            }
            asb_items.append(row)

    # --- people of concern -----------------------------------------------------------
    people_items: list[dict[str, Any]] = []
    offending_today = win_inv.filter(pl.col("role").is_in(list(_OFFENDING_ROLES)))
    if offending_today.height:
        orisk = offender_risk(
            inc.select("incident_id", "occurred_from", "harm_days"),
            inv,
            at=window_to,
            config=risk_config,
        )
        today = (
            offending_today.join(harm_by_incident, on="incident_id")
            .group_by("person_id")
            .agg(
                pl.col("incident_id").unique().sort().alias("today"),
                pl.col("role").unique().sort().alias("roles_today"),
                pl.col("harm_days").sum().alias("harm_today"),
            )
        )
        top = (
            today.join(orisk.frame.drop("rank"), on="person_id", how="left")
            .with_columns(pl.col("score").fill_null(0.0))
            .join(names, on="person_id", how="left")
            .join(person_groups, on="person_id", how="left")
            .sort(["score", "harm_today", "person_id"], descending=[True, True, False])
            .head(top_people)
            .with_row_index("rank", offset=1)
        )
        for row in top.to_dicts():
            parts = {
                k: (v if v is not None else 0.0)
                for k, v in row.items()
                if k.startswith("part_")
            }
            for k in parts:
                row.pop(k)
            row["parts"] = parts
            if partner:
                row.pop("name", None)
            row["groups"] = row.get("groups") or []
            row["reasons"] = [
                f"{'/'.join(row['roles_today'])} in {len(row['today'])} incident(s) in "
                f"the window (harm {row['harm_today']:.0f} days)",
                "offender risk (RFGH) "
                f"{row['score']:.1f} = "
                + " + ".join(f"{k[5:]} {v:g}" for k, v in parts.items()),
            ]
            if not row.get("n_offences"):
                row["reasons"].append(
                    "no offender-risk score: no incident in the scored roles "
                    f"({', '.join(orisk.params.get('roles', []))}) in "
                    f"{orisk.window_days} days"
                )
            else:
                row["reasons"].append(
                    f"{row['n_offences']} offences in {orisk.window_days} days, "
                    f"most serious {row['max_harm_days']:.0f} harm days"
                )
            row["links"] = _links(row["today"], [row["person_id"]], row["groups"])
            people_items.append(row)
        if people_items:
            all_notes.append(
                f"People of concern are ranked by their own RFGH score (population: "
                f"{orisk.population}); group links are shown, never used to rank."
            )

    # --- intelligence by grading --------------------------------------------------------
    intel = frames["intelligence"].filter(
        (pl.col("recorded_at") >= window_from) & (pl.col("recorded_at") < window_to)
    )
    by_grading = (
        intel.group_by("grading").agg(pl.len().alias("n")).sort("grading")
        if intel.height
        else pl.DataFrame(schema={"grading": pl.String, "n": pl.UInt32})
    )
    intel_items: list[dict[str, Any]] = []
    if intel.height and not partner:
        today_people = set(win_inv["person_id"].to_list())
        today_groups = set(
            members.filter(pl.col("person_id").is_in(list(today_people)))[
                "group_id"
            ].to_list()
        )
        ranked = (
            intel.with_columns(
                (
                    (pl.col("subject_type") == "person")
                    & pl.col("subject_id").is_in(list(today_people))
                    | (pl.col("subject_type") == "group")
                    & pl.col("subject_id").is_in(list(today_groups))
                ).alias("linked_today")
            )
            .sort(
                ["linked_today", "grading", "recorded_at", "intel_id"],
                descending=[True, False, True, False],
            )
            .with_row_index("rank", offset=1)
        )
        for row in ranked.select(
            "rank",
            "intel_id",
            "recorded_at",
            "subject_type",
            "subject_id",
            "grading",
            "topic",
            "linked_today",
        ).to_dicts():
            row["reasons"] = [f"graded {row['grading']}, topic {row['topic']}"]
            if row["linked_today"]:
                row["reasons"].append(
                    f"subject linked to the window's incidents ({row['subject_type']})"
                )
            st, sid = row["subject_type"], row["subject_id"]
            row["links"] = {
                **_links(
                    (),
                    [sid] if st == "person" else [],
                    [sid] if st == "group" else [],
                ),
                "intel_id": [row["intel_id"]],
            }
            intel_items.append(row)
    intelligence_out = {
        "n": intel.height,
        "by_grading": {str(g): int(n) for g, n in by_grading.iter_rows()},
        "items": intel_items,
        "line": (
            f"{intel.height} intelligence reports in the window"
            + (
                ": " + ", ".join(f"{g} {n}" for g, n in by_grading.iter_rows())
                if intel.height
                else ""
            )
            + (" (partners see counts only)" if partner and intel.height else "")
        ),
    }

    # --- open actions due --------------------------------------------------------------
    acts = frames["actions"]
    action_items: list[dict[str, Any]] = []
    if acts.height:
        due = (
            acts.filter(
                pl.col("status").is_in(["open", "in_progress"])
                & (pl.col("due") <= window_to.date())
            )
            .with_columns(
                (pl.lit(window_to.date()) - pl.col("due"))
                .dt.total_days()
                .alias("overdue_days")
            )
            .sort(["due", "action_id"])
            .with_row_index("rank", offset=1)
        )
        for row in due.select(
            "rank",
            "action_id",
            "strand",
            "title",
            "lead_organisation",
            "owner",
            "target_type",
            "target_id",
            "due",
            "status",
            "overdue_days",
        ).to_dicts():
            row["reasons"] = [
                f"{row['status']} action due {row['due']}"
                + (
                    f", {row['overdue_days']} days overdue"
                    if row["overdue_days"]
                    else ""
                ),
            ]
            tt, tid = row["target_type"], row["target_id"]
            row["links"] = {
                **_links(
                    [tid] if tt == "incident" else [],
                    [tid] if tt == "person" else [],
                    [tid] if tt == "group" else [],
                ),
                "action_id": [row["action_id"]],
            }
            action_items.append(row)
    else:
        all_notes.append("No delivery plan actions recorded yet: no actions due.")

    if not partner and group_names.height:
        gmap = dict(
            zip(
                group_names["group_id"].to_list(),
                group_names["name"].to_list(),
                strict=True,
            )
        )
        for item in incident_items + people_items:
            item["group_names"] = {g: gmap.get(g) for g in item.get("groups", [])}

    trend = _trend(
        violent.filter(pl.col("in_definition")),
        at=at,
        precision=precision,
        window_from=window_from,
        window_to=window_to,
    )
    by_category = (
        window.group_by("category")
        .agg(pl.len().alias("n"), pl.col("harm_days").sum().alias("harm_days"))
        .sort(["harm_days", "category"], descending=[True, False])
    )
    summary = {
        "n_incidents": window.height,
        "harm_days": float(window["harm_days"].fill_null(0.0).sum()),
        "by_category": by_category.to_dicts(),
        "n_retaliation": len(retaliation_items),
        "n_repeat_victims": len(repeat_items),
        "n_asb_callers": len(asb_items),
        "n_people": len(people_items),
        "n_intelligence": intel.height,
        "n_actions_due": len(action_items),
    }
    methods = {
        "incidents": f"violence definition {profile}; harm = Cambridge Crime Harm Index days",
        "people": "offender RFGH score, avert.analyse.risk.offender_risk",
        "repeat_victims": "avert.analyse.risk.victim_risk (365 days)",
        "asb_callers": "avert.analyse.risk.asb_escalation_risk (callers)",
        "retaliation": "avert.analyse.networks.retaliation_alerts",
        "places": hot.method + " — " + hot.source if hot else "",
        "trend": f"counts of in-definition incidents; a year earlier = {YEAR_DAYS} days before",
    }
    return Briefing(
        at=at,
        window_from=window_from,
        window_to=window_to,
        hours=hours,
        area=area,
        audience=audience,
        precision=precision,
        profile=profile,
        incidents=tuple(incident_items),
        retaliation=tuple(retaliation_items),
        repeat_victims=tuple(repeat_items),
        asb_callers=tuple(asb_items),
        people=tuple(people_items),
        places=tuple(places),
        places_summary=places_summary,
        intelligence=intelligence_out,
        actions=tuple(action_items),
        trend=trend,
        summary=summary,
        map_points=tuple(map_points),
        boundaries=tuple(boundaries),
        notes=tuple(all_notes),
        pseudonyms=pseudonyms,
        methods=methods,
    )
