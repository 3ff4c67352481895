"""The briefing's JSON contract in code: typed items, sections and the frozen Briefing.

Every item has ``rank``, ``reasons`` (why it is on the page, with the machine keys:
rule ids, harm sources, group ids), ``reasons_words`` (the same reasons in words,
:mod:`avert.briefing.reason_words`) and ``links``
(the record ids it came from). The same shapes are documented in docs/briefing.md;
:meth:`Briefing.to_json` is the ``briefing.json`` file.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import (
    Any,
    Final,
    Generic,
    Literal,
    NotRequired,
    Required,
    TypedDict,
    TypeVar,
)

from avert.access import Audience
from avert.analyse.coverage import CHANCE_BELOW, CoverageBreak
from avert.analyse.result import jsonable
from avert.analyse.trend import Trend

__all__ = [
    "GROUP_SIZE",
    "JSON_SIGNIFICANT_DIGITS",
    "LOOKBACK_DAYS",
    "REPEAT_WINDOW_DAYS",
    "YEAR_DAYS",
    "ActionItem",
    "AsbCallerItem",
    "AsbEscalationItem",
    "Boundary",
    "Briefing",
    "DashAssessmentTold",
    "DashHighRisk",
    "DashItem",
    "IncidentItem",
    "IncidentPerson",
    "Intelligence",
    "IntelligenceItem",
    "Links",
    "MapPoint",
    "PersonItem",
    "PlaceItem",
    "PlacesSection",
    "PlacesSummary",
    "Precision",
    "RepeatVictimItem",
    "RetaliationItem",
    "ScoredPersonItem",
    "Section",
    "Summary",
    "TaskedMark",
    "TaskingItem",
    "TooFewItem",
]

#: One area outline: (name, rings), each ring a list of (x, y) metres.
Boundary = tuple[str, list[list[tuple[float, float]]]]
Precision = Literal["exact", "month"]

LOOKBACK_DAYS: Final = 28
YEAR_DAYS: Final = 364  # 52 weeks: the same weekdays a year earlier
REPEAT_WINDOW_DAYS: Final = 365
GROUP_SIZE: Final = 3  # DESIGN.md: group offending = 3 or more suspects/offenders
#: Significant digits of every float in ``briefing.json`` (docs/briefing.md): a
#: coordinate in metres to 0.1-1 m (eastings to 0.1 m, northings above 1,000 km to
#: 1 m; a degree to about 1 m), harm days to 0.01 day or finer, shares, ratios and
#: probabilities to 1 part in a million. Unrounded, London's February 2022 wrote
#: 1.2 MB of digits beyond any source's precision (benchmarks/briefing_json_size.py).
JSON_SIGNIFICANT_DIGITS: Final = 7


_T = TypeVar("_T")


@dataclass(frozen=True)
class Section(Generic[_T]):
    """One section's ranked items and its notes for the notes box."""

    items: list[_T]
    notes: list[str] = field(default_factory=list)
    #: how many items there were before the section kept its top ones (None: all kept)
    n_before_cap: int | None = None


class Links(TypedDict, total=False):
    """Record ids an item came from, by kind (each list sorted, no duplicates)."""

    incident_id: Required[list[str]]
    person_id: Required[list[str]]
    group_id: Required[list[str]]
    asb_id: list[str]
    intel_id: list[str]
    action_id: list[str]
    cell_id: list[str]


class IncidentPerson(TypedDict):
    """A person linked to an incident (``name`` for the police audience only)."""

    person_id: str
    role: str
    name: NotRequired[str | None]
    groups: list[str]


class IncidentItem(TypedDict, total=False):
    """A violent incident of the window. Optional fields appear when the store has them."""

    rank: Required[int]
    incident_id: Required[str]
    occurred_from: Required[dt.datetime]
    time_precision: str | None
    category: Required[str | None]
    label: Required[str | None]  # as CategoryCount.label
    harm_days: Required[float | None]
    offence_code: str | None
    crime_type: str | None
    weapon: str | None  # None: not recorded by the source (police.uk)
    domestic: bool | None
    hate: str | None
    gang_related: bool | None
    injury: str | None
    force: str | None
    borough: str | None
    ward: str | None
    lsoa: str | None
    lsoa_name: str | None
    location: str | None  # police only
    outcome: str | None  # police only
    x: float | None  # police only
    y: float | None  # police only
    group: Required[bool]
    people: Required[list[IncidentPerson]]
    groups: Required[list[str]]
    reasons: Required[list[str]]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Required[Links]
    group_names: dict[str, str | None]  # police only
    tasked: TaskedMark


class RetaliationItem(TypedDict, total=False):
    """A live retaliation alert (columns of ``retaliation_alerts`` plus harm)."""

    rank: Required[int]
    incident_id: Required[str]
    victim_id: Required[str]
    occurred_from: dt.datetime
    live_until: dt.datetime | None
    victim_groups: list[str]
    rival_groups: list[str]
    at_risk_of_retaliation_from: list[str]
    possible_targets: list[str]  # ranked: the incident's suspects, then rival members
    n_possible_targets: Required[int]  # all of them (the list is capped)
    strength: Required[str]  # "strong": victim in a known group; "weak": by the attack
    harm_days: float
    category: str | None
    reasons: Required[list[str]]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Required[Links]
    tasked: TaskedMark


class ScoredPersonItem(TypedDict, total=False):
    """What every ranked list of people carries: rank, the person, the score with its
    parts, reasons, links and the tasked mark."""

    rank: Required[int]
    person_id: Required[str]
    name: str | None  # police only
    score: Required[float]
    parts: Required[dict[str, float]]
    reasons: Required[list[str]]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Required[Links]
    tasked: TaskedMark


class RepeatVictimItem(ScoredPersonItem, total=False):
    """A repeat victim hit again in the window (``victim_risk`` columns)."""

    today: Required[list[str]]
    harm_today: Required[float]
    n_victimisations: Required[int]
    n_domestic: int
    vulnerable: bool | None
    last_at: dt.datetime
    days_since_last: float


class AsbCallerItem(ScoredPersonItem, total=False):
    """A vulnerable ASB caller at escalation risk (``asb_escalation_risk`` columns)."""

    n_reports: Required[int]
    first_at: dt.datetime
    last_at: dt.datetime
    days_since_last: float
    any_vulnerable: bool
    any_personal: bool
    meets_case_review: bool
    n_violence_after: int


class AsbEscalationItem(TypedDict):
    """An ASB report of the window that escalates under the definition's ASB bridge
    (seed paragraph 8; :mod:`avert.briefing.asb_escalating`): an ASB report, not a
    crime, with no harm weight. ``person_id`` is its caller (null: none recorded)."""

    rank: int
    asb_id: str
    occurred_at: dt.datetime
    time_precision: str | None
    category: str | None
    person_id: str | None
    name: NotRequired[str | None]  # police only
    vulnerable_caller: bool
    rule_ids: list[str]
    n_caller_reports: int | None
    n_place_reports: int | None
    reasons: list[str]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Links


class PersonItem(ScoredPersonItem, total=False):
    """A person of concern: offending in the window, ranked by own RFGH score."""

    today: Required[list[str]]
    roles_today: Required[list[str]]
    harm_today: Required[float]
    n_offences: int | None
    harm_days: float | None
    max_harm_days: float | None
    last_at: dt.datetime | None
    days_since_last: float | None
    groups: Required[list[str]]
    group_names: dict[str, str | None]  # police only


class PlaceItem(TypedDict):
    """A grid cell for the coming day (cell centre ``x``, ``y`` in metres)."""

    rank: int
    cell_id: str
    #: what the cell is near: its incidents' most frequent location text and area
    #: name ("Station Road · Leeds 111B"; partners: the area only); a cell with no
    #: incident of its own in the days read (it ranks for its neighbours'): the
    #: name of the nearest cell that has some
    near: str | None
    #: metres from the cell's centre to the centre of the cell ``near`` names:
    #: 0 when named by its own incidents, None without a name
    near_m: float | None
    x: float
    y: float
    score: float
    n_events: int
    harm_days: float
    reasons: list[str]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: dict[str, list[str]]
    tasked: NotRequired[TaskedMark]
    #: of forces far apart, each planned on its own grid: the cell's force (a
    #: record naming none: its source); ranks run within each force
    force: NotRequired[str]


class NearRepeatZone(TypedDict):
    """A disc of raised near-repeat risk around an incident of the briefing's
    window (its ``--hours``, 24 by default), live until ``until``.

    Partners get the centre of the incident's cell, not its exact place.
    """

    x: float
    y: float
    occurred_at: dt.datetime
    #: ``day``: the incident is dated alone (its zone runs from its day's end)
    time_precision: str | None
    #: dated alone on a day the window shares with the briefing before or after,
    #: which lists the zone too (:func:`avert.briefing.dated_alone.shares_day`)
    shared_day: bool
    radius_m: float
    until: dt.datetime
    #: the name of the incident's cell, as a place's ``near`` (partners: the area
    #: alone); None when its incidents name nothing
    near: str | None


class NearRepeat(TypedDict):
    """Near-repeat zones, marked only where a Knox test on the user's own last
    year of violence finds contagion in the first band (0 m, 0 days)."""

    contagion: bool
    radius_m: float
    days: float
    first_band_ratio: float | None
    first_band_p: float | None
    history_days: float
    n_sims: int
    zones: list[NearRepeatZone]
    line: str


class TooFewItem(TypedDict):
    """A force given no places among forces far apart: too few located events
    (:class:`avert.analyse.forces.TooFewEvents`), ``min_events`` the fewest its
    own places need, ``line`` the note saying so."""

    force: str
    n_events: int
    min_events: int
    line: str


class PlacesSummary(TypedDict, total=False):
    """What the listed cells hold of the lookback's violence, or (forecast) the
    share the same number of cells caught when backtested on the last days."""

    n_events: int
    share_events: float
    share_harm: float
    area_km2: float
    cell_size_m: float
    bandwidth_m: float
    lookback_days: int
    line: str
    #: what a cell's ``score`` is (:data:`avert.briefing.places.SCORE_UNITS`)
    score_unit: str
    #: hotspots: too few incidents for ``share_events`` to be a finding (the
    #: line gives no share; :func:`avert.briefing.places.few_events_min`)
    few_events: bool
    method: str
    source: str
    kind: str  # "forecast" (backtested) or "recent_hotspots" (month data)
    model: str
    horizon_hours: float
    expected_share: float | None
    backtest_days: int
    backtest_events: int
    backtest_from: dt.datetime
    backtest_to: dt.datetime
    near_repeat: NearRepeat
    #: a forecast or hotspot map over several forces (a record naming none: its
    #: source): their names, sorted, and the note naming them with their counts;
    #: absent for one
    forces: list[str]
    forces_line: str
    #: the note as data: its finding without advice, and the advice's kind
    #: (``brief_area``; None: none needed), which each edge words itself
    forces_text: str
    forces_advice: str | None
    #: of forces far apart: each force's own summary (with its ``force``), the
    #: places of a grid of its own, and the patrol budget's scope ("per_force")
    by_force: list[PlacesSummary]
    force: str
    budget: str
    #: of forces far apart: those given no places, too few located events
    #: (absent when none)
    too_few: list[TooFewItem]


class MapPoint(TypedDict):
    """An incident of the window on the map (partners: snapped to cell centres)."""

    incident_id: str
    category: str | None
    #: how the page names the category (see :class:`CategoryCount`)
    label: str | None
    harm_days: float | None
    x: float
    y: float


@dataclass(frozen=True)
class PlacesSection:
    """The places section: ranked cells, their summary, the window's map points.

    Any method (the recent-hotspot KDE today, a forecast tomorrow) returns this.
    """

    items: list[PlaceItem]
    summary: PlacesSummary
    map_points: list[MapPoint]
    method: str = ""
    notes: list[str] = field(default_factory=list)


class IntelligenceItem(TypedDict):
    """An intelligence report of the window (police audience only)."""

    rank: int
    intel_id: str
    recorded_at: dt.datetime
    subject_type: str | None
    subject_id: str | None
    grading: str | None
    topic: str | None
    linked_today: bool | None
    reasons: list[str]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Links


class Intelligence(TypedDict):
    """Intelligence in the window: counts by grading, items for the police.

    ``available`` is False when the store holds no intelligence at all (open incident
    data carry none): ``n`` is then 0 by absence, not a count that found none, and
    ``line`` says so."""

    available: bool
    n: int
    by_grading: dict[str, int]
    items: list[IntelligenceItem]
    line: str


class DashAssessmentTold(TypedDict, total=False):
    """Another assessment of a :class:`DashItem`'s victim in the window: an
    earlier high-risk one (``criteria``) or the later one not judged high risk
    that the MARAC list counts (``risk_level``)."""

    assessment_id: Required[str | None]  # police only (null for partners)
    assessed_at: Required[dt.datetime]
    #: "day": ``assessed_at`` is a date alone (00:00, no time known), shown so
    time_precision: str | None
    agency: Required[str | None]
    n_yes: Required[int]
    n_asked: Required[int]
    criteria: list[str]  # an earlier high-risk one: the criteria it met
    risk_level: str | None  # the later one: its recorded level


class DashItem(TypedDict, total=False):
    """A victim's latest DASH assessment made in the window and judged high risk
    (:func:`avert.analyse.dash.high_risk_assessments`): one row a victim."""

    rank: Required[int]
    person_id: Required[str]  # the victim (a pseudonym for partners)
    name: str | None  # police only
    assessment_id: Required[str | None]  # police only (null for partners)
    assessed_at: Required[dt.datetime]
    #: "day": ``assessed_at`` is a date alone (00:00, no time known): the pages
    #: show the date only; "exact" or null: the time as recorded
    time_precision: str | None
    agency: Required[str | None]
    n_yes: Required[int]
    n_asked: Required[int]
    #: the criteria met, as a page names them ("visible high risk", ...)
    criteria: Required[list[str]]
    #: the victim was already on the MARAC list before the window, by any of its
    #: criteria (a current assessment, or potential escalation by their domestic
    #: incidents of the year to the window's start)
    on_marac_list_before: Required[bool]
    #: the victim is on the MARAC list at the window's end (as ``avert analyse
    #: marac`` lists them then): False only when ``reassessed`` and no other
    #: criterion (potential escalation) holds
    on_marac_list_at_end: Required[bool]
    #: the victim's earlier high-risk assessments of the window, latest first
    earlier: Required[list[DashAssessmentTold]]
    #: the victim's latest assessment of the window when made after this one and
    #: not judged high risk (the one the MARAC list counts), else None
    reassessed: Required[DashAssessmentTold | None]
    #: the victim is also on this briefing's repeat victims hit again in the window
    repeat_victim: Required[bool]
    reasons: Required[list[str]]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Required[Links]


class DashHighRisk(TypedDict):
    """The section of the high-risk DASH assessments of the window.

    ``recorded`` is False when the data hold no DASH assessment at all (a bundle
    without a dash file): ``items`` is then empty by absence, and ``line`` says
    so. ``n_assessed``: the assessments made in the window (in the area), of
    which ``items`` are those judged high risk."""

    recorded: bool
    n_assessed: int
    items: list[DashItem]
    line: str
    rule: str
    notes: list[str]


class ActionItem(TypedDict):
    """An open delivery-plan action due by the end of the window."""

    rank: int
    action_id: str
    strand: str | None
    title: str | None
    lead_organisation: str | None
    owner: str | None
    target_type: str | None
    target_id: str | None
    due: dt.date
    status: str
    overdue_days: int
    reasons: list[str]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Links


class TaskedMark(TypedDict):
    """On a briefing item whose subject already has a tasking: which, by whom, how far.

    ``what`` is null when the audience may not read the tasking (a partner, another
    organisation's tasking): the item still says it is tasked (no double visits).
    """

    tasking_id: str
    organisation: str | None
    status: str
    due: dt.datetime | None
    what: str | None


class TaskingItem(TypedDict):
    """A tasking of the daily meeting in the briefing (due, overdue or done)."""

    rank: int
    tasking_id: str
    what: str | None
    assignee: str | None
    organisation: str | None
    due: dt.datetime | None
    item: str
    item_kind: str
    item_id: str
    status: str
    result: str | None
    result_at: dt.datetime | None
    reasons: list[str]
    reasons_words: NotRequired[list[str]]  # the reasons in words, in order
    links: Links


class CategoryCount(TypedDict):
    """Incidents and harm of one category in the window.

    ``label`` names the category on the page: ``category`` itself; for an incident
    in the definition on its recorded crime type alone (``category`` null: a
    data.police.uk "Violence and sexual offences" row), ``police.uk: <crime type>``
    in lower case, or a mapped source's own name ("toronto-mci: Assault"); null
    only when no crime type names it either ("no single category").
    """

    category: str | None
    label: str | None
    n: int
    harm_days: float


class Summary(TypedDict):
    """Counts of every section."""

    n_incidents: int
    harm_days: float
    by_category: list[CategoryCount]
    n_retaliation: int
    n_retaliation_strong: int  # of which the victim is in a known group
    n_repeat_victims: int
    n_asb_callers: int
    #: the window's escalating ASB reports listed (ASB, not crimes: in no harm)
    n_asb_escalating: int
    n_people: int
    #: suspects/offenders of the window, of whom the top ``n_people`` are listed
    n_people_linked: int
    n_intelligence: int
    n_actions_due: int


#: Why a briefing counts nothing when the store holds no incident at all
#: (:func:`records_missing`; :attr:`Briefing.nothing_loaded`)
NO_INCIDENTS_STORED: Final = (
    "the store holds no incidents: none were loaded, and stops, "
    "populations and surveys are not incidents"
)

#: The briefing's note when the store holds no incident: nothing was loaded, and
#: who loads data and how (not "open incident data name no one": there are none).
#: Only an administrator or analyst runs avert on its server, so it says who does
#: (the partner's note: :data:`NOTHING_LOADED_PARTNER_NOTE`).
NOTHING_LOADED_NOTE: Final = (
    "No incidents are loaded yet (stops, populations and surveys are not "
    "incidents): the briefing has no incident, person, place or group to list. "
    "An administrator or analyst loads data on avert's server "
    "with 'avert ingest' (police.uk files, a record bundle or any incident "
    "table: docs/cli.md)."
)
#: :data:`NOTHING_LOADED_NOTE` as partners and the board read it: they do not
#: run avert, so it says whom to ask, not a command they cannot run
NOTHING_LOADED_PARTNER_NOTE: Final = (
    "No incidents are loaded yet (stops, populations and surveys are not "
    "incidents): the briefing has no incident, person, place or group to list. "
    "The police force's avert administrator or analyst loads "
    "the data: ask them."
)
#: How the notes saying why there are no top cells begin (the Places page shows
#: them where the cells would be: :func:`avert.briefing.places.no_places_notes`)
NO_PLACES_NOTE_STARTS: Final = (
    "No violent incident with",
    "Incidents have no x/y",
)
#: The note of a store that holds no groups (:mod:`avert.briefing.retaliation`)
NO_GROUPS_NOTE: Final = "No groups recorded: no retaliation alerts can be raised."


def records_missing(
    span: tuple[dt.datetime, dt.datetime] | None,
    window_from: dt.datetime,
    window_to: dt.datetime,
    *,
    area: str | None = None,
    month: bool = False,
) -> str | None:
    """Why a window's incidents cannot be counted from a store whose incidents
    span ``span`` (first, latest; None: it holds none), or None when they can.

    A window wholly before the first record or after the latest holds no record
    because nothing was loaded for it, not because nothing happened. ``area``:
    ``span`` is that area's records' (a store of two forces of different spans
    covers one's days and not the other's), and the reason names it; ``month``:
    the window is a month (month-only data), and the reason names it and the
    area's nearest month loaded: the area is briefed on the store's month, as
    every other area is, not moved to a month of its own.
    """
    if area is not None:
        return _area_records_missing(span, window_from, window_to, area, month=month)
    if span is None:
        return NO_INCIDENTS_STORED
    first, last = span
    if window_to <= first:
        return (
            f"the store's incidents start on {first:%d %b %Y}, after this window: "
            "none were loaded for it"
        )
    if window_from > last:
        return (
            f"the store's latest incident is of {last:%d %b %Y %H:%M}, before this "
            "window: none were loaded for it yet"
        )
    return None


def _area_records_missing(
    span: tuple[dt.datetime, dt.datetime] | None,
    window_from: dt.datetime,
    window_to: dt.datetime,
    area: str,
    *,
    month: bool = False,
) -> str | None:
    """:func:`records_missing` of ``area``'s records spanning ``span``: "no records
    of City of London are loaded before 2019-01-01" (its first record's day); of
    a ``month`` window "no records of Leeds are loaded for July 2019: its latest
    are of July 2018" (its latest record's month)."""
    if span is None:
        return f"no records of {area} are loaded"
    first, last = span
    if month and (window_to <= first or window_from > last):
        nearest = ("latest", last) if window_from > last else ("first", first)
        return (
            f"no records of {area} are loaded for {window_from:%B %Y}: its "
            f"{nearest[0]} are of {nearest[1]:%B %Y}"
        )
    if window_to <= first:
        return f"no records of {area} are loaded before {first:%Y-%m-%d}"
    if window_from > last:
        return f"no records of {area} are loaded after {last:%Y-%m-%d}"
    return None


def window_breaks(
    trend: Trend, window_from: dt.datetime, window_to: dt.datetime
) -> list[CoverageBreak]:
    """The breaks in the records of the trend's periods (their ``coverage``:
    :mod:`avert.analyse.coverage`) whose empty run overlaps the window
    ``[window_from, window_to)``: the window's own counts are short by them. Each
    once (the 7- and the 28-day period can find the same run, each with its own
    usual count, and a gap of the 28 days is a start of the 7 when it holds their
    start: one source's run ends at its first record after, or at the period's
    end after its last; the first period's is kept)."""
    out: list[CoverageBreak] = []
    seen: set[tuple[object, ...]] = set()
    for p in trend["periods"]:
        for b in p.get("coverage") or []:
            run_from = b["after"] or p["from"]
            run_to = b["before"] or p["to"]
            same = (b["source"], b["before"] or b["after"], b["before"] is None)
            if run_from < window_to and run_to > window_from and same not in seen:
                seen.add(same)
                out.append(b)
    return out


#: A window the records' span covers but that holds none of them is a gap in what
#: was loaded when a Poisson count of the span's mean rate would be empty so long
#: less often than this (:func:`records_gap`; the bar of
#: :data:`avert.analyse.coverage.CHANCE_BELOW`)
GAP_CHANCE_BELOW: Final = CHANCE_BELOW


def records_gap(
    span: tuple[dt.datetime, dt.datetime],
    n_span: int,
    run: tuple[dt.datetime, dt.datetime],
    *,
    area: str | None = None,
) -> str | None:
    """Why an empty window inside the span of its records (``span``, holding
    ``n_span`` records of any kind) is no finding, or None when it may well be
    one: ``run`` is the time without a record that holds the window (the end of
    the latest record before it to the window's end, never a record after it: a
    past ``--at`` is briefed as then; a missing week or month of police.uk data
    between loads read "0 violent incidents"). Rule: the span's
    mean rate per day ``n_span / days``; under a Poisson count of it, the chance
    of the run's days without a record is ``exp(-rate * days)``, a gap below
    :data:`GAP_CHANCE_BELOW` (a quiet area of a few records a month keeps its 0).
    ``area``: the records are that area's."""
    first, last = span
    span_days = (last - first) / dt.timedelta(days=1)
    run_days = (run[1] - run[0]) / dt.timedelta(days=1)
    if span_days <= 0 or run_days <= 0 or n_span <= 0:
        return None
    per_day = n_span / span_days
    if math.exp(-per_day * run_days) >= GAP_CHANCE_BELOW:
        return None
    of = "" if area is None else f" of {area}"
    usual = f"{per_day:,.0f}" if per_day >= 1.5 else f"{per_day:.1f}"
    return (
        f"no records{of} are loaded from {run[0]:%Y-%m-%d %H:%M} to "
        f"{run[1]:%Y-%m-%d %H:%M} ({run_days:,.0f} days without one, where about "
        f"{usual} a day are usual): a gap in what was loaded, not a quiet window"
    )


@dataclass(frozen=True)
class Briefing:
    """A daily risk briefing, ready to render (HTML/PDF) or export (JSON).

    Every item has ``rank``, ``reasons`` (list of strings) and ``links``
    (:class:`Links`).
    """

    at: dt.datetime
    window_from: dt.datetime
    window_to: dt.datetime
    hours: int
    area: str | None
    audience: Audience
    precision: Precision
    profile: str
    incidents: tuple[IncidentItem, ...]
    retaliation: tuple[RetaliationItem, ...]
    repeat_victims: tuple[RepeatVictimItem, ...]
    asb_callers: tuple[AsbCallerItem, ...]
    people: tuple[PersonItem, ...]
    places: tuple[PlaceItem, ...]
    places_summary: PlacesSummary
    intelligence: Intelligence
    actions: tuple[ActionItem, ...]
    trend: Trend
    summary: Summary
    map_points: tuple[MapPoint, ...] = ()
    boundaries: tuple[Boundary, ...] = ()
    notes: tuple[str, ...] = ()
    pseudonyms: dict[str, Any] | None = None
    methods: dict[str, str] = field(default_factory=dict)
    #: make-up of each list of people by sex, age band and ethnicity
    #: (:mod:`avert.briefing.makeup`), keyed by list
    make_up: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the daily meeting's taskings: ``overdue``, ``due``, ``done`` (lists of items)
    taskings: dict[str, list[TaskingItem]] = field(default_factory=dict)
    #: False when the store holds no involvements at all (open incident data): the
    #: lists of people are then empty because no one is named, not because no one
    #: is of concern (set by the workflow, which can see the whole store)
    people_recorded: bool = True
    #: violent month-only records (data.police.uk) of the month running at ``at``
    #: that may fall in this exact window (no record with a time reaches that
    #: month): an empty window then means "day unknown", not "no violence"
    undated_in_window: int = 0
    #: True when incidents of the window carry their category's expected harm
    #: (data.police.uk): highest harm first then ranks categories, so the map
    #: draws a sample in proportion to the categories, not the highest harm
    harm_expected: bool = False
    #: why the store cannot count this window's incidents (None when it can): it
    #: holds no incidents at all, or the window lies wholly before its first
    #: record or after its latest, so 0 would read as a finding (set by the
    #: workflow, which can see the whole store: :func:`records_missing`)
    records_missing: str | None = None
    #: the high-risk DASH assessments of the window (:mod:`avert.briefing.dash`);
    #: None for a briefing made without them
    dash_high_risk: DashHighRisk | None = None
    #: the window's ASB reports that escalate under the definition's ASB bridge
    #: (:mod:`avert.briefing.asb_escalating`): ASB, not crimes, no harm weight
    asb_escalating: tuple[AsbEscalationItem, ...] = ()
    #: the organisation whose taskings a partner briefing lists (set by the
    #: workflow); None on a partner briefing: none named, so none are listed, and
    #: the section says so rather than "no taskings overdue, due or done"
    taskings_organisation: str | None = None

    @property
    def people_not_shown(self) -> str | None:
        """Why the lists of people cannot be shown (None when they can): the pages
        say so instead of counting 0 or saying "no one", which read as findings."""
        if self.precision == "month":
            return (
                "month-precision data (data.police.uk) name no victims, suspects "
                "or offenders"
            )
        if self.nothing_loaded:
            return "no incidents are loaded yet (the store holds no incidents and no people)"
        if not self.people_recorded:
            return (
                "the store holds no victims, suspects or offenders (no involvements: "
                "open incident data name no one)"
            )
        return None

    @property
    def nothing_loaded(self) -> bool:
        """Whether the store held no incident at all (nothing loaded): the pages
        then say so and what loads data, not why open data name no one."""
        return self.records_missing == NO_INCIDENTS_STORED

    @property
    def nothing_loaded_note(self) -> str | None:
        """:data:`NOTHING_LOADED_NOTE` when :attr:`nothing_loaded` (the command
        line prints it as the pages show it; partners and the board read
        :data:`NOTHING_LOADED_PARTNER_NOTE`), else None."""
        if not self.nothing_loaded:
            return None
        return (
            NOTHING_LOADED_NOTE
            if self.audience == "police"
            else (NOTHING_LOADED_PARTNER_NOTE)
        )

    @property
    def notes_shown(self) -> tuple[str, ...]:
        """The notes a page lists: all of them, but on a store that holds nothing
        those that only follow from it (no groups, no located violence for top
        cells: the sections say "no incidents are loaded yet"), the nothing-loaded note
        first. The Places page still reads :attr:`notes` for why it has no cells.
        """
        if not self.nothing_loaded:
            return tuple(self.notes)
        return tuple(
            n
            for n in self.notes
            if n != NO_GROUPS_NOTE and not n.startswith(NO_PLACES_NOTE_STARTS)
        )

    @property
    def notes_advised(self) -> tuple[tuple[str, str | None], ...]:
        """:attr:`notes_shown` with their advice as data: the note on the places'
        forces as its finding without advice (``forces_text``) and the advice's
        kind (``forces_advice``: ``brief_area``), which the web's pages word with
        no command; every other note as it is, with None. The briefing's own
        words are :attr:`notes_shown` (``forces_line``)."""
        ps = self.places_summary
        line, text = ps.get("forces_line"), ps.get("forces_text")
        return tuple(
            (text, ps.get("forces_advice"))
            if text is not None and line and n == line
            else (n, None)
            for n in self.notes_shown
        )

    @property
    def retaliation_not_shown(self) -> str | None:
        """Why no retaliation alert can be raised (None when alerts were looked
        for): the store records no groups (:data:`NO_GROUPS_NOTE`), so "0
        alerts" is no finding. briefing.json gives ``summary.n_retaliation``
        null with this reason (:meth:`not_computable`), where a briefing whose
        groups raised none gives 0: a consumer tells the two apart."""
        if self.retaliation or NO_GROUPS_NOTE not in self.notes:
            return None
        return "no groups recorded"

    @property
    def people_not_shown_short(self) -> str | None:
        """The few words of :attr:`people_not_shown` the summary tiles and the
        command line give (None when the people can be shown); month data show
        no intelligence either, for the same reason."""
        if self.precision == "month":
            return "not in month-precision data"
        if self.nothing_loaded:
            return "no incidents loaded yet"
        if not self.people_recorded:
            return "no one is named in these data"
        return None

    @property
    def incidents_not_shown_short(self) -> str | None:
        """The few words of :attr:`incidents_not_shown` the summary tile and the
        command line give (None when the incidents are shown)."""
        if self.incidents_not_shown is None:
            return None
        if self.nothing_loaded:
            return "no incidents loaded yet"
        if self.undated_in_window:
            return "day unknown in month-precision data"
        return "no records for this window"

    @property
    def incidents_not_shown(self) -> str | None:
        """Why an empty exact window is no finding (None when it is one): every
        violent record of its month is month-only, so none can be placed in it."""
        if self.incidents:
            return None
        if self.records_missing is not None:
            return self.records_missing
        if not self.undated_in_window:
            return None
        n = self.undated_in_window
        return (
            f"{n:,} violent month-only record{'s' if n != 1 else ''} "
            f"(data.police.uk) of {self.at:%B %Y} may fall in this window, but "
            f"{'their' if n != 1 else 'its'} day is unknown"
        )

    def not_computable(self) -> dict[str, str]:
        """The summary counts these data cannot tell, each with why (as the pages'
        "–" tiles): a count of people (retaliation alerts, repeat victims, ASB
        callers, escalating ASB, people of concern) of 0 where the data name no
        one; retaliation alerts where the store records no groups
        (:attr:`retaliation_not_shown`) (:attr:`people_not_shown_short`: month-precision data.police.uk, a
        store of open incident data or of nothing), and intelligence of 0 on
        month data or a store that holds none; the window's incidents and harm
        where no record is loaded for it (:attr:`records_missing`) or its
        month's records are month-only (:attr:`incidents_not_shown`), and then
        the people drawn from them (repeat victims, people of concern). 0 there would
        read as a finding ("no retaliation", "no violence"); a count above 0 is
        one and stays.
        """
        s = self.summary
        out: dict[str, str] = {}
        if self.incidents_not_shown is not None:
            # nothing loaded for the window (of the area), or only month-only
            # records that may fall in it: 0 is no quiet day (the tiles' "–")
            out["n_incidents"] = out["harm_days"] = self.incidents_not_shown
        unseen = self.people_not_shown_short
        if unseen is not None:
            people = ("n_retaliation", "n_repeat_victims", "n_asb_callers")
            for key in (*people, "n_asb_escalating", "n_people"):
                if not s[key]:  # type: ignore[literal-required]
                    out[key] = unseen
            if "n_retaliation" in out:
                out["n_retaliation_strong"] = unseen
            if "n_people" in out and not s["n_people_linked"]:
                out["n_people_linked"] = unseen
        no_groups = self.retaliation_not_shown
        if no_groups is not None:
            # no groups to raise an alert from: 0 would read as "none found"
            out.setdefault("n_retaliation", no_groups)
            out.setdefault("n_retaliation_strong", no_groups)
        window = self.incidents_not_shown_short
        if window is not None:
            # drawn from the window's incidents (docs/briefing.md), which are not
            # known: "0 people of concern" would read as a finding
            for key in ("n_repeat_victims", "n_people", "n_people_linked"):
                if not s[key]:  # type: ignore[literal-required]
                    out.setdefault(key, window)
        if not s["n_intelligence"]:
            if self.precision == "month":
                out["n_intelligence"] = "not in month-precision data"
            elif not self.intelligence.get("available", True):
                out["n_intelligence"] = "the store holds none"
        return out

    def summary_json(self) -> dict[str, Any]:
        """:attr:`summary` as ``briefing.json`` gives it: each count of
        :meth:`not_computable` null (not 0, a finding), and ``not_computable``
        naming those counts with why."""
        unknown = self.not_computable()
        out: dict[str, Any] = {
            k: (None if k in unknown else v) for k, v in self.summary.items()
        }
        out["not_computable"] = unknown
        # the breaks in the sources' records that overlap the window: its counts
        # are short by them (the trend's periods carry their own)
        out["window_coverage"] = window_breaks(
            self.trend, self.window_from, self.window_to
        )
        return out

    def to_json(self) -> dict[str, Any]:
        """Return the briefing as JSON-ready data (the ``briefing.json`` contract).

        Keys: ``window`` (``from``, ``to``), ``at``, ``hours``, ``area``,
        ``audience``, ``precision``, ``profile``, ``summary``, ``trend``,
        ``incidents``, ``retaliation``, ``repeat_victims``, ``dash_high_risk``
        (the high-risk DASH assessments of the window), ``asb_callers``,
        ``asb_escalating`` (the window's escalating ASB reports: ASB, not crimes),
        ``people``, ``places`` (cells with ``x``, ``y``, ``score``),
        ``places_summary``, ``intelligence``, ``actions``, ``make_up`` (each list
        of people by sex, age band and ethnicity), ``taskings``, ``map``, ``notes``,
        ``pseudonyms``, ``methods``. Every float is rounded to
        :data:`JSON_SIGNIFICANT_DIGITS` significant digits.
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
                "summary": self.summary_json(),
                "trend": self.trend,
                "incidents": list(self.incidents),
                "retaliation": list(self.retaliation),
                "repeat_victims": list(self.repeat_victims),
                "dash_high_risk": self.dash_high_risk,
                "asb_callers": list(self.asb_callers),
                "asb_escalating": list(self.asb_escalating),
                "people": list(self.people),
                "places": list(self.places),
                "places_summary": self.places_summary,
                "intelligence": self.intelligence,
                "actions": list(self.actions),
                "make_up": self.make_up,
                "taskings": {k: list(v) for k, v in self.taskings.items()},
                "map": {
                    "points": list(self.map_points),
                    "boundaries": [name for name, _ in self.boundaries],
                },
                "notes": list(self.notes),
                "pseudonyms": self.pseudonyms,
                "methods": self.methods,
            },
            significant_digits=JSON_SIGNIFICANT_DIGITS,
        )
        return out
