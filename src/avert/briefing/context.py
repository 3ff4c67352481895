"""The checked, normalised and (for partners) redacted inputs every section reads.

:func:`prepare` validates the options, fills missing optional tables with empty
frames of the right columns, filters to one area, chooses the window (the last
``hours``, or the last complete month for month-precision data) and applies the
partner rules of :mod:`avert.access` *before* any section runs, so no section of a
partner briefing can see a police id. Each section function takes the resulting
:class:`BriefingContext` and can be called alone (the web app renders one at a time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final

import polars as pl

from avert.access import (
    PARTNER_DROPPED,
    POLICE_ONLY,
    Audience,
    Pseudonymiser,
    check_audience,
    redact_frames,
)
from avert.analyse.dash import marac_referrals
from avert.analyse.risk import victim_risk
from avert.analyse.trend import month_window
from avert.areas import AREA_COLUMNS, in_area
from avert.briefing import dated_alone
from avert.briefing.model import Precision
from avert.classify.labels import category_name
from avert.config.risk import RiskConfig, default_risk_config
from avert.errors import ConfigError
from avert.schema import DASH_QUESTIONS, check_frame, column_or

__all__ = [
    "BriefingContext",
    "choose_window",
    "counted",
    "links",
    "month_start",
    "prepare",
    "window_for",
]

_INCIDENT_REQUIRED: Final = (
    "incident_id",
    "occurred_from",
    "in_definition",
    "category",
    "harm_days",
)
OFFENDING_ROLES: Final = ("suspect", "offender")
#: Column of an incident's place in the police order (time, then police id): the
#: last tie-break of ranked lists, the same under pseudonyms.
SEQ: Final = "police_seq"
#: Column of a person's place in the police order (police id): the last tie-break of
#: lists of people, the same under pseudonyms; never shown.
PERSON_SEQ: Final = "police_person_seq"
#: Column of an escalating ASB report's place in the police order (time, then
#: ``asb_id``): the last tie-break of their list, the same under pseudonyms.
ASB_SEQ: Final = "police_asb_seq"
#: Columns of each optional input, filled with nulls when absent.
_OPTIONAL: Final[Mapping[str, Mapping[str, pl.DataType]]] = {
    "involvements": {
        "incident_id": pl.String(),
        "person_id": pl.String(),
        "role": pl.String(),
    },
    "people": {
        "person_id": pl.String(),
        "vulnerable": pl.Boolean(),
        "sex": pl.String(),
        "birth_year": pl.Int32(),
        "ethnicity": pl.String(),
    },
    "identities": {"person_id": pl.String(), "name": pl.String()},
    "groups": {"group_id": pl.String(), "name": pl.String(), "continuum": pl.String()},
    "group_members": {"group_id": pl.String(), "person_id": pl.String()},
    "asb": {
        "asb_id": pl.String(),
        "occurred_at": pl.Datetime("us"),
        "time_precision": pl.String(),
        "caller_id": pl.String(),
        "vulnerable_caller": pl.Boolean(),
        "category": pl.String(),
    },
    # the window's ASB reports that escalate under the definition's ASB bridge
    # (asb_escalations, stored by 'avert classify'; seed paragraph 8)
    "asb_escalating": {
        "asb_id": pl.String(),
        "occurred_at": pl.Datetime("us"),
        "time_precision": pl.String(),
        "category": pl.String(),
        "caller_id": pl.String(),
        "vulnerable_caller": pl.Boolean(),
        "rule_ids": pl.String(),
        "n_caller_reports": pl.Int64(),
        "n_place_reports": pl.Int64(),
    },
    "intelligence": {
        "intel_id": pl.String(),
        "recorded_at": pl.Datetime("us"),
        "subject_type": pl.String(),
        "subject_id": pl.String(),
        "grading": pl.String(),
        "topic": pl.String(),
    },
    "actions": {
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
    # the sources of exact-time records in the 28 days before the trend's year-earlier
    # 28 days (only those are a baseline there: :func:`avert.analyse.trend.year_on_year`)
    "baseline_sources": {"source": pl.String(), "force": pl.String()},
    # residents of the area by dimension (sex, age_band, ethnicity) and category
    "residents": {
        "dimension": pl.String(),
        "category": pl.String(),
        "population": pl.Int64(),
    },
    # the daily meeting's taskings (table taskings); ``listed``: the audience may
    # read it (partners: their organisation's), else only that its subject is tasked
    "taskings": {
        "tasking_id": pl.String(),
        "what": pl.String(),
        "assignee": pl.String(),
        "organisation": pl.String(),
        "due": pl.Datetime("us"),
        "item_kind": pl.String(),
        "item_id": pl.String(),
        "status": pl.String(),
        "result": pl.String(),
        "created_at": pl.Datetime("us"),
        "result_at": pl.Datetime("us"),
        "updated_at": pl.Datetime("us"),
        "listed": pl.Boolean(),
    },
    # DASH risk assessments made up to ``at`` (a bundle's dash file): the MARAC
    # referral criteria of the repeat victims (:attr:`BriefingContext.marac`) and
    # the window's high-risk assessments (:mod:`avert.briefing.dash`)
    "dash": {
        "assessment_id": pl.String(),
        "person_id": pl.String(),
        "assessed_at": pl.Datetime("us"),
        "time_precision": pl.String(),
        "incident_id": pl.String(),
        "agency": pl.String(),
        "risk_level": pl.String(),
        **{f"q{n}": pl.String() for n in range(1, DASH_QUESTIONS + 1)},
        "professional_judgement": pl.Boolean(),
    },
    # the victim involvements of the DASH victims of the window in the year before
    # it, with each incident's time and domestic flag (read by the workflow):
    # whether a victim was already on the MARAC list by potential escalation
    # before the window (:mod:`avert.briefing.dash`)
    "dash_victim_incidents": {
        "incident_id": pl.String(),
        "person_id": pl.String(),
        "role": pl.String(),
        "occurred_from": pl.Datetime("us"),
        "time_precision": pl.String(),
        "domestic": pl.Boolean(),
    },
    "retaliation": {
        "incident_id": pl.String(),
        "victim_id": pl.String(),
        "victim_groups": pl.List(pl.String()),
        "rival_groups": pl.List(pl.String()),
        "at_risk_of_retaliation_from": pl.List(pl.String()),
        "possible_targets": pl.List(pl.String()),
        "n_possible_targets": pl.Int64(),
        "strength": pl.String(),
        "reasons": pl.List(pl.String()),
        "live_until": pl.Datetime("us"),
    },
}


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun, singular for one: ``1 offence``, ``2 offences``.

    >>> counted(1, "offence"), counted(3, "ASB report"), counted(2, "person", "people")
    ('1 offence', '3 ASB reports', '2 people')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def assessed_when(at: dt.datetime, precision: object = None) -> str:
    """When an assessment was made, as a briefing tells it: ``24 Oct 19:00``, or
    the date alone (``24 Oct``) when ``precision`` is ``day`` (a date alone, stored
    at 00:00: "00:00" would say a time was known).

    >>> t = dt.datetime(2026, 10, 24)
    >>> assessed_when(t), assessed_when(t, "day")
    ('24 Oct 00:00', '24 Oct')
    """
    return f"{at:%d %b}" if precision == "day" else f"{at:%d %b %H:%M}"


def links(
    incident_ids: Sequence[str | None] = (),
    person_ids: Sequence[str | None] = (),
    group_ids: Sequence[str | None] = (),
) -> dict[str, list[str]]:
    """The ``links`` of an item: sorted distinct ids by kind (None dropped)."""
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


def month_start(at: dt.datetime) -> dt.datetime:
    """First instant of the month holding ``at``; months before it are complete."""
    return dt.datetime(at.year, at.month, 1)


def window_for(
    at: dt.datetime,
    hours: int,
    *,
    latest_exact: dt.datetime | None,
    latest_month: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime, Precision, list[str]]:
    """The window to brief on, from what the data holds before ``at``.

    ``latest_exact``: the latest incident before ``at`` whose time is not month-only;
    ``latest_month``: the latest month-precision month that is complete before ``at``
    (starts before :func:`month_start` of ``at``). Exact-time sources win: the window
    is the last ``hours`` unless only month-precision data reaches that late, in
    which case it is the last complete month (data.police.uk publishes months).
    """
    start = at - dt.timedelta(hours=hours)
    if latest_month is None or (
        latest_exact is not None and latest_exact >= latest_month
    ):
        notes = []
        if latest_exact is not None and latest_exact < start:
            notes.append(
                f"No incident with an exact time in the window: the latest is from "
                f"{latest_exact:%d %b %Y %H:%M}."
            )
        return start, at, "exact", notes
    m_from, m_to = month_window(latest_month)
    notes = [
        "Month-precision source (data.police.uk): dates are the month only and places "
        "are snapped to anonymous map points, so this briefing cannot show the last "
        f"{hours} hours, times of day, people, repeat victims, retaliation risks or "
        f"intelligence. It briefs on {m_from:%B %Y}, the last complete month with data "
        f"before {at:%d %b %Y %H:%M}."
    ]
    return m_from, m_to, "month", notes


def unfinished_month(incidents: pl.DataFrame, *, at: dt.datetime) -> int:
    """Violent month-only records (data.police.uk) of the month running at ``at``,
    dated before ``at``: their month is not over, so they are briefed on with it
    later, and an exact window of these days cannot say whether they fall in it."""
    if "time_precision" not in incidents.columns:
        return 0
    violent = (
        pl.col("in_definition").fill_null(value=False)
        if "in_definition" in incidents.columns
        else pl.lit(value=True)
    )
    return incidents.filter(
        (pl.col("time_precision") == "month")
        & violent
        & (pl.col("occurred_from") >= month_start(at))
        & (pl.col("occurred_from") < at)
    ).height


def choose_window(
    incidents: pl.DataFrame,
    *,
    at: dt.datetime,
    hours: int,
    listed: pl.DataFrame | None = None,
) -> tuple[dt.datetime, dt.datetime, Precision, list[str]]:
    """The window to brief on: the last ``hours``, or a month for month-only data.

    See :func:`window_for`; the latest times are taken from ``incidents``, every
    incident read (the store's, not one area's: each area of one store is briefed
    on the same window). ``listed``: those the briefing lists (an area's; None:
    ``incidents``), whose month-only records of the running month a note counts.
    """
    precision = column_or(incidents, "time_precision", "exact", pl.String())
    is_month = precision == "month"
    latest_exact = incidents.filter(~is_month & (pl.col("occurred_from") < at))[
        "occurred_from"
    ].max()
    latest_month = incidents.filter(
        is_month & (pl.col("occurred_from") < month_start(at))
    )["occurred_from"].max()
    assert latest_exact is None or isinstance(latest_exact, dt.datetime)
    assert latest_month is None or isinstance(latest_month, dt.datetime)
    chosen = window_for(
        at,
        hours,
        latest_exact=latest_exact,
        latest_month=None if latest_month is None else month_start(latest_month),
    )
    this_month = month_start(at)
    unfinished = unfinished_month(incidents if listed is None else listed, at=at)
    if chosen[2] == "exact" and unfinished:
        note = (
            f"{counted(unfinished, 'violent month-only record')} (data.police.uk) "
            f"of {this_month:%B %Y} {'is' if unfinished == 1 else 'are'} not listed, "
            f"mapped or counted: {'its' if unfinished == 1 else 'their'} day is "
            "unknown"
        )
        if latest_exact is None or latest_exact < this_month:
            # only month-only records of this month: it can be briefed whole later
            nxt = month_start(this_month + dt.timedelta(days=32))
            note += (
                f" and the month is not over at {at:%d %b %Y %H:%M}; brief at "
                f"{nxt:%Y-%m-%d} or later for {this_month:%B %Y} as a whole."
            )
        else:  # exact-time sources go on: the briefing stays on their days
            note += "; the briefing is on the sources with times."
        chosen[3].append(note)
    return chosen


@dataclass(frozen=True)
class BriefingContext:
    """Everything a section needs: the window, the audience and the (redacted) frames.

    ``frames`` holds canonical tables by name (``incidents`` filtered to the area,
    with ``in_definition`` boolean and ``harm_days`` float); for the partner
    audience every id in them is a pseudonym and police-only columns are gone.
    ``located`` is the violent incidents with exact ``x``, ``y`` (ids pseudonymised
    for partners) for the places section, or None when incidents have no place.
    """

    at: dt.datetime
    hours: int
    area: str | None
    audience: Audience
    profile: str
    window_from: dt.datetime
    window_to: dt.datetime
    precision: Precision
    frames: Mapping[str, pl.DataFrame]
    located: pl.DataFrame | None
    pseudonymiser: Pseudonymiser
    risk_config: RiskConfig | None = None
    notes: tuple[str, ...] = ()
    pseudonyms: dict[str, Any] | None = field(default=None)
    #: False when the store holds no intelligence at all (open incident data): a
    #: count of 0 would be no finding
    intelligence_recorded: bool = True

    @property
    def partner(self) -> bool:
        """True for the partner audience."""
        return self.audience == "partner"

    @property
    def incidents(self) -> pl.DataFrame:
        """All incidents given (area-filtered, redacted for partners)."""
        return self.frames["incidents"]

    @cached_property
    def violent(self) -> pl.DataFrame:
        """In-definition incidents."""
        return self.incidents.filter(pl.col("in_definition"))

    @cached_property
    def window(self) -> pl.DataFrame:
        """In-definition incidents of the window (exact windows: no month-only rows);
        one dated alone (``time_precision`` ``day``, stored at 00:00) when its day
        overlaps the window, as a DASH assessment (:mod:`avert.briefing.dated_alone`):
        at 00:00, one dated the day a morning window starts fell before it, after
        that morning's briefing had run, and no briefing listed it."""
        inside = (pl.col("occurred_from") >= self.window_from) & (
            pl.col("occurred_from") < self.window_to
        )
        if "time_precision" in self.violent.columns:
            inside = dated_alone.in_window(
                "occurred_from", self.window_from, self.window_to
            )
        if self.precision == "exact" and "time_precision" in self.violent.columns:
            inside = inside & (pl.col("time_precision").fill_null("exact") != "month")
        return self.violent.filter(inside)

    @cached_property
    def undated_in_window(self) -> int:
        """Violent month-only records that may fall in an exact window, when no
        record with a time reaches their month (a police.uk store briefed on the
        15th): the window's count of 0 is then no finding. 0 otherwise."""
        n = unfinished_month(self.incidents, at=self.at)
        if self.precision != "exact" or not n:
            return 0
        exact = self.incidents.filter(
            (pl.col("time_precision").fill_null("exact") != "month")
            & (pl.col("occurred_from") >= month_start(self.at))
            & (pl.col("occurred_from") < self.at)
        )
        return 0 if exact.height else n

    @cached_property
    def involvements(self) -> pl.DataFrame:
        """``incident_id``, ``person_id``, ``role`` as strings."""
        return self.frames["involvements"].select(
            pl.col("incident_id").cast(pl.String),
            pl.col("person_id").cast(pl.String),
            pl.col("role").cast(pl.String),
        )

    @cached_property
    def window_involvements(self) -> pl.DataFrame:
        """Involvements in the window's incidents."""
        return self.involvements.join(
            self.window.select("incident_id"), on="incident_id", how="semi"
        )

    def in_police_order(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with :data:`PERSON_SEQ` of its ``person_id`` (police order) for
        the last tie-break of a list of people; drop the column before showing."""
        return frame.join(self.frames["person_order"], on="person_id", how="left")

    @cached_property
    def names(self) -> pl.DataFrame:
        """``person_id``, ``name`` (empty for partners)."""
        return (
            self.frames["identities"]
            .select(pl.col("person_id").cast(pl.String), pl.col("name").cast(pl.String))
            .unique("person_id", keep="first")
        )

    @cached_property
    def members(self) -> pl.DataFrame:
        """``group_id``, ``person_id`` of declared group membership."""
        return self.frames["group_members"].select(
            pl.col("group_id").cast(pl.String), pl.col("person_id").cast(pl.String)
        )

    @cached_property
    def group_names(self) -> pl.DataFrame:
        """``group_id``, ``name`` (names null for partners)."""
        return self.frames["groups"].select(
            pl.col("group_id").cast(pl.String), pl.col("name").cast(pl.String)
        )

    @cached_property
    def person_groups(self) -> pl.DataFrame:
        """``person_id``, ``groups`` (sorted list of group ids)."""
        return self.members.group_by("person_id").agg(
            pl.col("group_id").unique().sort().alias("groups")
        )

    @cached_property
    def harm_by_incident(self) -> pl.DataFrame:
        """``incident_id``, ``harm_days`` (0 for null) of the window."""
        return self.window.select("incident_id", pl.col("harm_days").fill_null(0.0))

    @cached_property
    def victim_facts(self) -> pl.DataFrame:
        """The repeat-victim risk frame (:func:`avert.analyse.risk.victim_risk`) on
        the violence of the definition, as ``avert analyse risk --kind victim``
        scores it: one victim score wherever it is shown."""
        if self.involvements.height == 0:
            return pl.DataFrame(
                schema={"person_id": pl.String, "n_victimisations": pl.Int64}
            )
        inc = self.violent
        people = self.frames["people"]
        return victim_risk(
            inc.select(
                "incident_id",
                "occurred_from",
                # a date alone counts from its day's end
                *[c for c in ("time_precision",) if c in inc.columns],
                column_or(inc, "domestic", False, pl.Boolean()),
            ),
            self.involvements,
            people if "vulnerable" in people.columns else None,
            at=self.window_to,
            config=self.risk_config,
        ).frame

    @property
    def marac_window_days(self) -> int:
        """The MARAC escalation window in days (the risk configuration's)."""
        return (self.risk_config or default_risk_config()).marac.escalation_window_days

    @cached_property
    def marac(self) -> pl.DataFrame:
        """The victims meeting a MARAC referral criterion at the window's end
        (:func:`avert.analyse.dash.marac_referrals`, as ``avert analyse marac``
        lists them): ``person_id`` (pseudonyms for partners), the criteria,
        ``n_yes``, ``n_domestic``. Escalation counts the domestic incidents the
        briefing holds: the window's and its people's history (a year, or the
        escalation window when longer: avert.workflows.briefing_reads)."""
        inc = self.frames["incidents"]
        columns = [  # time_precision: a date alone of the first day counts by its day
            c
            for c in ("incident_id", "occurred_from", "time_precision", "domestic")
            if c in inc
        ]
        return marac_referrals(
            inc.select(columns),
            self.involvements,
            self.frames["dash"],
            at=self.window_to,
            config=self.risk_config,
        ).frame


def _person_order(frames: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``person_id`` and :data:`PERSON_SEQ`, its rank among the police ids of the
    involvements and ASB callers."""
    ids = pl.concat(
        [
            frames["involvements"]["person_id"].cast(pl.String),
            frames["asb"]["caller_id"].cast(pl.String),
        ]
    )
    return (
        pl.DataFrame({"person_id": ids})
        .drop_nulls()
        .unique()
        .sort("person_id")
        .with_row_index(PERSON_SEQ)
        .select("person_id", PERSON_SEQ)
    )


def _check_hours(hours: int) -> None:
    if not (isinstance(hours, int) and 0 < hours <= 24 * 31):
        msg = (
            f"The 'hours' parameter must be an int in (0, 744]. Got {hours!r} instead."
        )
        raise ConfigError(msg)


def _pseudonym_note(p: Pseudonymiser) -> dict[str, Any]:
    """What the partner briefing says of its pseudonyms: the method and whose
    key (the deployment's, or derived from it for the reader's organisation or
    the board: setting ``pseudonym_scope``), stable or of which period."""
    scope = p.scope or ""
    whose = (
        ", the board's key derived from it"
        if scope == "board"
        else f", the key of {scope.removeprefix('organisation:')} derived from it"
        if scope
        else ""
    )
    return {
        "method": "HMAC-SHA256 keyed hash, 12 hex digits (48 bits), prefixed by kind",
        "key": "DEMO default key (not secret): set AVERT_PSEUDONYM_KEY"
        if p.is_demo_key
        else "deployment key (AVERT_PSEUDONYM_KEY)"
        + whose
        + (f", rotated: key of {p.period}" if p.period else ", stable across outputs"),
        "dropped": list(PARTNER_DROPPED),
    }


def _located(
    inc: pl.DataFrame, p: Pseudonymiser | None, *, precision: Precision
) -> pl.DataFrame | None:
    """Violent incidents with exact x, y (before redaction; ids pseudonymised).

    For an exact-time window month-only rows are left out: dated the first of
    their month, they would count as the last days' violence.
    """
    if not {"x", "y"} <= set(inc.columns):
        return None
    violent = pl.col("in_definition")
    if precision == "exact" and "time_precision" in inc.columns:
        violent = violent & (pl.col("time_precision").fill_null("exact") != "month")
    # the texts a place is named by ("near"): the location text is police-only
    # (access.POLICE_ONLY), so a partner's frame (p given) never holds it
    names = [
        c
        for c in ("location", "lsoa_name", "ward", "borough")
        if c in inc.columns and not (p and c in POLICE_ONLY["incidents"])
    ]
    out = inc.filter(violent).select(
        "incident_id",
        "occurred_from",
        "category",
        "label",
        "harm_days",
        "x",
        "y",
        # a date alone: in the window by its day (BriefingContext.window's rule)
        *(["time_precision"] if "time_precision" in inc.columns else []),
        # whose records one hotspot map holds (avert.briefing.places)
        *[c for c in ("source", "force") if c in inc.columns],
        *names,
    )
    return p.column(out, "incident_id", "incident") if p and out.height else out


def prepare(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    at: dt.datetime,
    hours: int = 24,
    area: str | None = None,
    audience: str = "police",
    tables: Mapping[str, pl.DataFrame | None] | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    risk_config: RiskConfig | None = None,
    profile: str = "avb-2010",
    notes: Sequence[str] = (),
    category_names: Mapping[tuple[str, str], str] | None = None,
    category_titles: Mapping[str, str] | None = None,
) -> BriefingContext:
    """Check and normalise the inputs of a briefing; see :func:`daily_briefing`.

    ``tables`` holds the optional canonical frames by name (``people``,
    ``identities``, ``groups``, ``group_members``, ``asb``, ``intelligence``,
    ``actions``, ``residents``, ``retaliation``, ``baseline_sources``).
    """
    aud = check_audience(audience)
    _check_hours(hours)
    check_frame(incidents, list(_INCIDENT_REQUIRED), name="incidents")
    given = dict(tables or {})
    all_notes = list(notes)
    frames = _optional_frames(involvements, given)
    # not given: the store records no intelligence (the reads leave it out then)
    intelligence_recorded = given.get("intelligence") is not None
    partner = aud == "partner"
    p = _briefing_pseudonymiser(pseudonymiser, partner=partner)
    pseudonyms: dict[str, Any] | None = None
    if partner:
        pseudonyms = _pseudonym_note(p)
        if p.is_demo_key:
            all_notes.append(
                "Partner pseudonyms use the published demo key: set AVERT_PSEUDONYM_KEY "
                "for real data."
            )
    # the window of every incident given (the store's), then the area's of it: an
    # area's own latest month moved its briefing ("Leeds, July 2018" beside the
    # other areas' July 2019), or its empty month to the last 24 hours
    inc = incidents if area is None else _in_briefing_area(incidents, area)
    window_from, window_to, precision, window_notes = choose_window(
        incidents, at=at, hours=hours, listed=inc
    )
    if area is not None:
        # the area is not repeated: the heading names it where an incident does
        # (on the web it may be a link's text: content spoofing)
        all_notes.append(
            "Incidents, retaliation alerts, places, trend and taskings cover the "
            "briefing's area (borough or LSOA) only; ASB and "
            "intelligence carry no borough and are shown for the whole force, and "
            "so are the delivery plan's actions due (the plan is force-wide)."
        )
    inc = _in_police_order(inc, category_names or {}, category_titles or {})
    all_notes.extend(window_notes)
    # places are computed on exact coordinates; only cells reach the partner
    located = _located(inc, p if partner else None, precision=precision)
    frames["incidents"] = inc
    # the police order of people, kept through the pseudonyms as the incidents' is:
    # equal scores at a list's cut once put other people before the partners
    order = _person_order(frames)
    frames["asb_escalating"] = (
        frames["asb_escalating"]
        .sort("occurred_at", "asb_id", nulls_last=True)
        .with_row_index(ASB_SEQ)
    )
    if partner:
        frames = redact_frames(p, frames)
        if order.height:
            order = p.column(order, "person_id", "person")
    frames["person_order"] = order
    return BriefingContext(
        at=at,
        hours=hours,
        area=area,
        audience=aud,
        profile=profile,
        window_from=window_from,
        window_to=window_to,
        precision=precision,
        frames=frames,
        located=located,
        pseudonymiser=p,
        risk_config=risk_config,
        notes=tuple(all_notes),
        pseudonyms=pseudonyms,
        intelligence_recorded=intelligence_recorded,
    )


def _optional_frames(
    involvements: pl.DataFrame | None, given: Mapping[str, pl.DataFrame | None]
) -> dict[str, pl.DataFrame]:
    """The optional tables by name, each with its expected columns (an empty
    frame when not given; ``baseline_sources`` left out then, so the trend does
    not check them). Refuses a table name the briefing does not know."""
    unknown = set(given) - set(_OPTIONAL)
    if unknown:
        msg = f"Unknown briefing tables: {', '.join(sorted(unknown))}."
        raise ConfigError(msg)
    frames: dict[str, pl.DataFrame] = {
        "involvements": _opt(involvements, _OPTIONAL["involvements"]),
        **{
            name: _opt(given.get(name), cols)
            for name, cols in _OPTIONAL.items()
            if name != "involvements"
        },
    }
    if given.get("baseline_sources") is None:
        del frames["baseline_sources"]  # not given: the trend does not check
    return frames


def _briefing_pseudonymiser(
    pseudonymiser: Pseudonymiser | None, *, partner: bool
) -> Pseudonymiser:
    """The pseudonymiser given, else the demo key's (for the police, who see no
    pseudonyms); a partner briefing without one is refused."""
    if partner and pseudonymiser is None:
        # the published demo key by default would make every partner pseudonym
        # recomputable from a guessed id (docs/briefing.md: refused without a key)
        # made with its reader's scope: pseudonymiser_for(key) alone is the key
        # every partner shares, which no organisation's reader reads under the
        # default pseudonym_scope (docs/briefing.md, "Partner audience")
        msg = (
            "A partner briefing needs a pseudonymiser made with the deployment's "
            "secret (setting pseudonym_key) in its reader's key: "
            "pseudonymiser=avert.access.pseudonymiser_for(key, "
            "scope='organisation:ORG') (ORG as stored on its accounts; 'board' "
            "for the board; scope=None is the key every partner shares, under "
            "pseudonym_scope 'shared' only: avert.access.reader_scope). For the "
            "synthetic demo city only, pass avert.access.Pseudonymiser() to use "
            "the published demo key."
        )
        raise ConfigError(msg)
    return pseudonymiser or Pseudonymiser()


def _in_briefing_area(incidents: pl.DataFrame, area: str) -> pl.DataFrame:
    """The incidents in ``area`` (a borough or an LSOA); refused when the
    incidents carry neither column."""
    if not set(AREA_COLUMNS) & set(incidents.columns):
        msg = "--area needs incidents.borough or incidents.lsoa; these incidents have neither."
        raise ConfigError(msg)
    return incidents.filter(in_area(area, incidents.columns))


def _in_police_order(
    incidents: pl.DataFrame,
    category_names: Mapping[tuple[str, str], str],
    category_titles: Mapping[str, str],
) -> pl.DataFrame:
    """The incidents typed, named by category and in one order (time, then id),
    numbered in it (``SEQ``).

    One order whatever order the rows came in: SQLite and PostgreSQL return rows
    of equal times (a month-only month) differently, and the map points, the
    places' scores and every float sum would follow it. The police order is kept
    through the pseudonyms: lists break ties by it, so the police and the
    partners at one meeting see the same incidents in the same order (by
    pseudonym, a partner's first 15 of 132 equal-harm incidents were others than
    the police's).
    """
    inc = incidents.with_columns(
        pl.col("in_definition").cast(pl.Boolean).fill_null(value=False),
        pl.col("harm_days").cast(pl.Float64),
    ).sort("occurred_from", "incident_id", nulls_last=True)
    inc = inc.with_columns(category_name(inc.columns, category_names, category_titles))
    return inc.with_columns(pl.int_range(pl.len()).alias(SEQ))
