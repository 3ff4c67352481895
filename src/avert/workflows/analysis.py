"""Workflows of the VOLT analyses: read the store, call the pure analyses.

The only place where :mod:`avert.store` and :mod:`avert.analyse` (concentration,
VOLT, risk) meet. Incidents get ``in_definition`` and ``harm_days`` from the
classifications table of the chosen definition profile (filled by ``avert
classify``); when that table is empty the analyses say so: counts run over every
incident, and harm-based measures stop with a message to run ``avert classify``.

Every result that names people (concentration over offenders, victims or groups, VOLT,
the risk lists) is written to the audit log before it is returned (DESIGN.md: every
view of a person), with the people it holds as a count and a digest
(:func:`avert.store.audit.describe`), so the CLI, the web app and the Python API are
all audited here. ``user`` defaults to the operating-system user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

import polars as pl

from avert.analyse._window import (
    day_start,
    default_as_of,
    incidents_in_window,
    month_edge_notes,
    period_length,
    started_by,
)
from avert.analyse.concentration import (
    NO_MEASURE_NOTE,
    ConcentrationResult,
    Entity,
    Measure,
    measure_concentration,
)
from avert.analyse.risk import (
    RiskResult,
    asb_escalation_risk,
    offender_risk,
    victim_risk,
)
from avert.analyse.trend import COVERAGE_KEYS, month_window
from avert.analyse.volt import CELL_NAME_COLUMNS, VoltResult, volt_profiles
from avert.classify.harm import expected_harm_origin
from avert.config.definitions import PROFILES
from avert.config.risk import (
    OffenderRiskConfig,
    VictimRiskConfig,
    load_risk_config,
)
from avert.errors import NotFound, SchemaError
from avert.store import Store, audit, queries
from avert.store.summary import incident_span
from avert.workflows._forces import mixed_forces_note
from avert.workflows.staleness import staleness_notes

__all__ = [
    "INCIDENT_COLUMNS",
    "AnalysisFrames",
    "Entity",
    "Measure",
    "RiskKind",
    "RiskResult",
    "audit_view",
    "classification_policy",
    "classify_advice",
    "expected_harm_note",
    "load_analysis_incidents",
    "run_concentration",
    "run_risk",
    "run_volt",
]

RiskKind = Literal["offender", "victim", "asb"]
#: The incident columns :func:`load_analysis_incidents` reads by default
INCIDENT_COLUMNS: Final = (
    "incident_id",
    "crime_type",
    "offence_code",
    "occurred_from",
    "time_precision",
    "x",
    "y",
    "lsoa",
    "domestic",
)


class AnalysisFrames:
    """Incidents of a window with classification columns, and what was done to them."""

    def __init__(
        self,
        incidents: pl.DataFrame,
        area: pl.DataFrame,
        *,
        profile: str,
        classified: bool,
        notes: Sequence[str],
    ) -> None:
        self.incidents = incidents
        self.area = area
        self.profile = profile
        self.classified = classified
        self.notes = tuple(notes)


def load_analysis_incidents(
    store: Store,
    *,
    profile: str,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    violence_only: bool = True,
    columns: Sequence[str] = INCIDENT_COLUMNS,
    require: bool = False,
    by_day: bool = False,
) -> AnalysisFrames:
    """Read incidents of the window and attach ``in_definition``, ``category``, ``harm_days``.

    The one reader of classified incidents (VOLT, risk, concentration, places,
    forecasts, performance, equality, the network analyses), with the one policy of
    :func:`classification_policy` when classifications are missing (the daily
    briefing reads its time spans joined in SQL and applies the same policy).

    Parameters
    ----------
    store
        The database.
    profile
        Definition profile of the classifications (e.g. ``avb-2010``).
    date_from, date_to
        Window on ``occurred_from`` (``date_from <= t < date_to``); open when None.
    violence_only
        Keep only incidents inside the definition (when classified).
    columns
        Incident columns to read (the classification columns are added).
    require
        The caller cannot work without the definition (the network analyses; the
        briefing applies :func:`classification_policy` to its own reads the same
        way): no stored classification at all is an error.
    by_day
        A record dated alone (stored at 00:00) is in the window when its day runs
        past ``date_from`` (:func:`avert.analyse._window.started_by`, the
        briefing's rule): one dated the day of ``--from 2024-04-01T06:00`` may have
        happened after it (``columns`` must hold ``time_precision``).

    Returns
    -------
    AnalysisFrames
        ``incidents`` (analysed), ``area`` (every incident of the window, for place
        populations) and notes saying what happened.
    """
    where: list[tuple[str, str, object]] = []
    if date_from is not None:
        first = day_start(date_from) if by_day else date_from
        where.append(("occurred_from", ">=", first))
    if date_to is not None:
        where.append(("occurred_from", "<", date_to))
    area = store.read_frame("incidents", columns=list(columns), where=where)
    if by_day and date_from is not None:
        area = area.filter(started_by("occurred_from", date_from))
    classes = store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition", "category", "harm_days"],
        where=[("profile", "=", profile)],
    )
    joined = (
        area
        if classes.height == 0
        else area.join(classes, on="incident_id", how="left")
    )
    return classification_policy(
        joined,
        area,
        profile=profile,
        stored=classes.height > 0,
        violence_only=violence_only,
        require=require,
        stale=staleness_notes(store, profile) if classes.height else (),
    )


def known_definitions(store: Store) -> list[str]:
    """The definition profiles an analysis can read: the built-in ones, then those
    classified in ``store`` under an id of their own (from a violence TOML file)."""
    from avert.store.summary import classified_profiles

    return [*PROFILES, *(p for p in classified_profiles(store) if p not in PROFILES)]


def classify_advice(profile: str) -> str:
    """What to run when nothing is classified under ``profile``, naming it.

    ``avert classify`` alone classifies the profile in force, not necessarily
    ``profile`` (``--definition who-broad`` was answered "Run 'avert classify'
    first"); a profile neither built in nor ever classified (``--definition
    nope``) is called unknown, with the built-in ones.
    """
    if profile in PROFILES:
        return f"run 'avert classify --definition {profile}' first"
    return (
        f"'{profile}' is an unknown definition profile (not built in: "
        f"{', '.join(PROFILES)}; nothing is classified under it): give one of "
        "those, or classify under your violence TOML file first ('avert classify "
        "--definition FILE.toml')"
    )


def classification_policy(
    incidents: pl.DataFrame,
    area: pl.DataFrame,
    *,
    profile: str,
    stored: bool,
    violence_only: bool,
    require: bool = False,
    stale: Sequence[str] = (),
) -> AnalysisFrames:
    """What avert does when classifications are missing or stale: the one policy.

    ``incidents`` are the window's incidents left-joined to their classification
    under ``profile`` (null where an incident has none); ``stored`` says whether the
    definition has any stored classification. Nothing is ever classified on the fly
    (``avert ingest`` and ``avert classify`` classify):

    * the definition has no stored classifications at all: with ``require`` (the
      caller ranks by the definition and its harm: the daily briefing, the network
      analyses) and incidents to read, :class:`~avert.errors.NotFound` says to run
      ``avert classify``; else every incident of the window is analysed, without
      classification columns (the analyses then say harm is unavailable),
      ``classified`` is False and a note says to run ``avert classify``;
    * some incidents have none (loaded with ``--no-classify`` since): a note counts
      them; they are left out under ``violence_only``, else kept with nulls (which
      the ``require`` callers read as outside the definition, and the note says so);
    * they were made under another definition or harm table than the one in force
      (``stale``: the note of :func:`avert.workflows.staleness.staleness_notes`):
      the stored ones are read all the same (old figures may be wanted), the note
      leads the others.
    """
    notes: list[str] = [*stale] if stored else []
    if not stored:
        if require and incidents.height:
            msg = (
                f"No classifications for definition '{profile}' of these incidents: "
                f"{classify_advice(profile)}."
            )
            raise NotFound(msg)
        notes.append(
            f"No classifications for definition '{profile}': every incident is analysed "
            f"and harm is unavailable ({classify_advice(profile)})."
        )
        return AnalysisFrames(
            area, area, profile=profile, classified=False, notes=notes
        )
    n_unclassified = int(incidents["in_definition"].null_count())
    if n_unclassified:
        if violence_only:
            fate = "are left out"
        elif require:  # ranked by the definition: outside it, as the readers treat them
            fate = "are kept outside the definition"
        else:
            fate = "count in no category"
        notes.append(
            f"{n_unclassified:,} incidents have no classification under '{profile}' "
            f"and {fate}. Run 'avert classify' to classify them."
        )
    if violence_only:
        incidents = incidents.filter(pl.col("in_definition").fill_null(value=False))
        notes.append(f"Incidents inside the '{profile}' definition of violence only.")
    return AnalysisFrames(
        incidents, area, profile=profile, classified=True, notes=notes
    )


def _require_harm(frames: AnalysisFrames, *, instead: str = "") -> None:
    """Stop when harm is unavailable: no incident at all, or none classified.

    ``instead`` names what the caller can do without harm (``--measure count``).
    """
    if frames.classified:
        return
    if frames.incidents.height == 0:
        msg = "No incidents to analyse: the store holds none in this window."
    else:
        msg = (
            f"Harm is unavailable: the classifications table has no rows for "
            f"definition '{frames.profile}': {classify_advice(frames.profile)}"
            f"{instead}."
        )
    raise SchemaError(msg)


def _with_notes(
    result: ConcentrationResult, notes: Sequence[str]
) -> ConcentrationResult:
    from dataclasses import replace

    return replace(result, notes=(*notes, *result.notes))


def run_concentration(
    store: Store,
    *,
    entity: Entity,
    measure: Measure = "count",
    cell_size_m: float | None = None,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    profile: str = "avb-2010",
    violence_only: bool = True,
    user: str | None = None,
    reason: str = "concentration of violence (avert analyse concentration)",
    shown: int | None = None,
) -> ConcentrationResult:
    """Concentration of violence (or all incidents when unclassified) over an entity.

    Over offenders, victims or groups the result names people (or groups of them):
    it is audited (``user``, ``reason``) before it is returned: the people of the
    first ``shown`` ranked entities the caller shows or exports (the CLI's table
    names none: 0; its ``--json``, the top ten), every one when None.
    """
    frames = load_analysis_incidents(
        store,
        profile=profile,
        date_from=date_from,
        date_to=date_to,
        violence_only=violence_only,
        by_day=True,  # a date alone of --from's day (at 06:00) may be after it
        columns=(*INCIDENT_COLUMNS, *COVERAGE_KEYS),  # to name several forces
    )
    if measure == "harm":
        _require_harm(frames, instead=", or use --measure count")
    involvements = None
    group_members = None
    if entity in ("offender", "victim", "group"):
        involvements = store.read_frame(
            "involvements", columns=["incident_id", "person_id", "role"]
        )
    if entity == "group":
        group_members = store.read_frame(
            "group_members", columns=["group_id", "person_id"]
        )
    result = measure_concentration(
        frames.incidents,
        involvements,
        entity=entity,
        measure=measure,
        cell_size_m=cell_size_m,
        area=frames.area if entity == "place" else None,
        group_members=group_members,
        date_from=date_from,
        date_to=date_to,
    )
    if entity in ("offender", "victim"):
        audit_view(
            store,
            f"analysis:concentration:{entity}",
            people=first_rows(result.frame["entity_id"], shown),
            reason=reason,
            user=user,
        )
    elif entity == "group":
        audit_view(
            store,
            "analysis:concentration:group",
            people=None,
            reason=reason,
            user=user,
            groups=len(first_rows(result.frame["entity_id"], shown)),
        )
    if involvements is not None and involvements.height == 0:
        from dataclasses import replace

        # no one is named: say so, not that the window has no measure
        kept = tuple(n for n in result.notes if n != NO_MEASURE_NOTE)
        result = replace(result, notes=(NO_PEOPLE_NOTE, *kept))
    edges = _month_edges(
        store,
        frames,
        profile=profile,
        date_from=date_from,
        date_to=date_to,
        violence_only=violence_only,
    )
    harm_note = (
        expected_harm_note(store, frames.incidents, profile=profile)
        if measure == "harm"
        else []
    )
    forces = mixed_forces_note(frames.incidents)
    return _with_notes(result, [*frames.notes, *forces, *edges, *harm_note])


def _month_edges(
    store: Store,
    frames: AnalysisFrames,
    *,
    profile: str,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    violence_only: bool,
) -> list[str]:
    """Notes on the month-dated (police.uk) incidents a ``--from``/``--to`` window
    cuts: ``--from 2022-02-01 --to 2022-02-15`` held all of February's records as
    if they were of its first half, ``--from 2022-02-15`` none, without a word."""
    if date_from is None and date_to is None:
        return []
    cols = ["occurred_from", "time_precision"]
    seen = (
        [frames.incidents.select(cols)]
        if "time_precision" in frames.incidents.columns
        else []
    )
    month_start = (
        None
        if date_from is None
        else month_window(date_from)[0].replace(tzinfo=date_from.tzinfo)
    )
    if date_from is not None and month_start is not None and month_start < date_from:
        # the month running at --from starts before it: its records dated before
        # --from, in one indexed read joined in SQL (not every classification again)
        before = queries.classified_between(
            store,
            month_start,
            date_from,
            columns=cols,
            profile=profile,
            class_columns=["in_definition"],
        )
        if violence_only and frames.classified:
            before = before.filter(pl.col("in_definition").fill_null(value=False))
        seen.append(before.select(cols))
    if not seen:
        return []
    return month_edge_notes(
        pl.concat(seen), start=date_from, end=date_to, closed="left"
    )


def _asb_default_at(asb: pl.DataFrame) -> dt.datetime | None:
    """The latest ASB report's time; the last instant of its day when it is
    dated alone (of its hour, recorded to the hour): a window ending at its
    00:00 leaves it out (its day is after the window,
    :func:`avert.analyse._window.in_window` ``by_day``). None: no time."""
    latest = asb.select(
        pl.col("occurred_at").max().alias("t"),
        (pl.col("occurred_at") + period_length()).max().alias("end"),
    ).row(0)
    t, end = (v if isinstance(v, dt.datetime) else None for v in latest)
    if t is None or end is None:
        return None
    return max(t, end - dt.timedelta(microseconds=1))


def _default_at(frames: AnalysisFrames) -> dt.datetime:
    """The latest incident; the last instant of its month when it is month-dated,
    of its day when it is dated alone (:func:`avert.analyse._window.default_as_of`,
    the MARAC list's rule too).

    A month-dated record (data.police.uk) is dated the first instant of its month
    but stands for all of it: a window ending there would hold the month's records
    while "ending" on its first day, and a year of data (January to December) would
    not reach back to the window's start, so VOLT's trend would be unavailable.
    """
    area = frames.area
    month = (
        pl.col("time_precision") == "month"
        if "time_precision" in area.columns
        else pl.lit(value=False)
    )
    timed = area.filter(~month.fill_null(value=False))
    latest = area.select(
        pl.col("occurred_from").filter(month).max().alias("month"),
    ).row(0)[0]
    latest_timed = timed["occurred_from"].max() if timed.height else None
    dated_alone_last = (
        latest_timed is not None
        and "time_precision" in timed.columns
        and timed.filter(
            (pl.col("occurred_from") == latest_timed)
            & (pl.col("time_precision") == "day")
        ).height
        > 0
    )
    when = default_as_of(
        latest if isinstance(latest, dt.datetime) else None,
        latest_timed if isinstance(latest_timed, dt.datetime) else None,
        timed_dated_alone=dated_alone_last,
    )
    if when is None:
        msg = "There are no incidents in the store (or in the window): nothing to analyse."
        raise NotFound(msg)
    return when


def run_volt(
    store: Store,
    *,
    at: dt.datetime | None = None,
    window_days: int = 365,
    cell_size_m: float | None = None,
    profile: str = "avb-2010",
    violence_only: bool = True,
    user: str | None = None,
    reason: str = "VOLT profiles (avert analyse volt)",
    shown: int | None = None,
) -> VoltResult:
    """VOLT profiles of the window ending at ``at`` (default: the latest incident).

    The victim and offender profiles name people: audited before they are returned,
    the people of the first ``shown`` rows of each that the caller shows or exports
    (the CLI's table lists neither: 0; its ``--json``, ``--top``), every one when
    None.
    """
    frames = load_analysis_incidents(
        store,
        profile=profile,
        date_to=None if at is None else at + dt.timedelta(microseconds=1),
        violence_only=violence_only,
        # the LSOA's name beside its code in the place profile
        columns=(*INCIDENT_COLUMNS, *CELL_NAME_COLUMNS, *COVERAGE_KEYS),
    )
    when = at or _default_at(frames)
    involvements = store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    result = volt_profiles(
        frames.incidents,
        involvements if involvements.height else None,
        at=when,
        window_days=window_days,
        cell_size_m=cell_size_m,
    )
    audit_view(
        store,
        "analysis:volt",
        people=pl.concat(
            [
                first_rows(result.victims["person_id"], shown),
                first_rows(result.offenders["person_id"], shown),
            ]
        ),
        reason=reason,
        user=user,
    )
    from dataclasses import replace

    harm_note = expected_harm_note(store, frames.incidents, profile=profile)
    forces = mixed_forces_note(
        frames.incidents.filter(
            incidents_in_window(frames.incidents, when, window_days)
        )
    )
    return replace(result, notes=(*frames.notes, *forces, *result.notes, *harm_note))


def expected_harm_note(
    store: Store, incidents: pl.DataFrame, *, profile: str
) -> list[str]:
    """A note when analysed incidents weigh their category's expected harm (no
    offence code: police.uk, or a mapped table such as Toronto's): their harm days
    are an estimate, and the note names where the weights come from."""
    if not incidents.height:
        return []
    expected = store.read_frame(
        "classifications",
        columns=["incident_id"],
        # "expected:<category>" (";" follows ":" in byte order)
        where=[
            ("profile", "=", profile),
            ("harm_source", ">=", "expected:"),
            ("harm_source", "<", "expected;"),
        ],
    )
    hit = incidents.select("incident_id").join(expected, on="incident_id", how="semi")
    if not hit.height:
        return []
    hit = hit.join(
        store.read_frame("incidents", columns=["incident_id", "source"]),
        on="incident_id",
        how="left",
    )
    which = (
        "every incident"
        if hit.height == incidents.height
        else "the incidents with no offence code"
    )
    return [
        f"Harm of {which} is the expected weight of "
        f"{expected_harm_origin(hit['source'].unique())}, not a harm of their own: "
        "harm days are an estimate (docs/definitions.md)."
    ]


def run_risk(
    store: Store,
    *,
    kind: RiskKind,
    at: dt.datetime | None = None,
    config_path: str | Path | None = None,
    profile: str = "avb-2010",
    user: str | None = None,
    reason: str = "risk lists (avert analyse risk)",
    shown: int | None = None,
) -> list[RiskResult]:
    """Risk lists: offender (RFGH), victim, or ASB (callers and places).

    The lists name people (offenders, victims, callers): audited before returned,
    the people of the first ``shown`` rows of each list that the caller shows or
    exports (the CLI's ``--top``, table and ``--json`` alike), every one when None.
    """
    config = load_risk_config(config_path)
    frames = load_analysis_incidents(
        store,
        profile=profile,
        date_to=None if at is None else at + dt.timedelta(microseconds=1),
    )
    involvements = store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    from dataclasses import replace

    if kind == "offender":
        _require_harm(frames)
        when = at or _default_at(frames)
        results = [
            offender_risk(
                frames.incidents,
                involvements,
                at=when,
                config=config,
                records_span=_empty_window_span(store, frames, when, config.offender),
            )
        ]
    elif kind == "victim":
        when = at or _default_at(frames)
        people = store.read_frame("people", columns=["person_id", "vulnerable"])
        results = [
            victim_risk(
                frames.incidents,
                involvements,
                people,
                at=when,
                config=config,
                records_span=_empty_window_span(store, frames, when, config.victim),
            )
        ]
    else:
        asb = store.read_frame(
            "asb",
            columns=[
                "asb_id",
                "occurred_at",
                "time_precision",
                "category",
                "x",
                "y",
                "caller_id",
                "vulnerable_caller",
            ],
        )
        if asb.height == 0:
            msg = "The asb table is empty: load a bundle with an asb file first."
            raise NotFound(msg)
        when = at or _asb_default_at(asb) or _default_at(frames)
        results = [
            asb_escalation_risk(
                asb, frames.incidents, involvements, at=when, unit=unit, config=config
            )
            for unit in ("caller", "place")
        ]
    listed = [
        first_rows(r.frame[r.id_column], shown)
        for r in results
        if r.id_column in _PERSON_ID_COLUMNS
    ]
    audit_view(
        store,
        f"analysis:risk:{kind}",
        people=pl.concat(listed) if listed else None,
        reason=reason,
        user=user,
    )
    no_people = (NO_PEOPLE_NOTE,) if kind != "asb" and involvements.height == 0 else ()
    return [replace(r, notes=(*no_people, *frames.notes, *r.notes)) for r in results]


def _empty_window_span(
    store: Store,
    frames: AnalysisFrames,
    at: dt.datetime,
    config: OffenderRiskConfig | VictimRiskConfig,
) -> tuple[dt.datetime, dt.datetime] | None:
    """Where the store's incidents run (:func:`incident_span`) when a risk list's
    window ``(at - window_days, at]`` holds none of the incidents read (those up to
    ``at``): its note then says where the records are, though none of them were read
    (a window before the first record), or some were read after it (one between
    two runs of records). None when the window holds some: no query."""
    if frames.incidents.filter(
        incidents_in_window(frames.incidents, at, config.window_days)
    ).height:
        return None
    return incident_span(store)


#: Why a person-level list is empty on a store of open data.
NO_PEOPLE_NOTE: Final = (
    "The store holds no involvements (no victims, suspects or offenders): "
    "data.police.uk and other open incident data name no one. Load a record bundle "
    "(docs/bundle.md) for person-level lists."
)

#: Id columns of risk lists that hold people (an ASB place list holds cells).
_PERSON_ID_COLUMNS: Final = frozenset({"person_id", "caller_id"})


def first_rows(ids: pl.Series, shown: int | None) -> pl.Series:
    """The ids of a list's first ``shown`` rows (every row when None): those a
    caller that shows or exports only the top of the list hands out, whose
    people the audit row counts (docs/audit.md)."""
    return ids if shown is None else ids.head(shown)


def audit_view(
    store: Store,
    obj: str,
    *,
    people: pl.Series | None,
    reason: str,
    user: str | None,
    role: str = "police",
    groups: int | None = None,
) -> None:
    """Record that a result naming ``people`` (or ``groups`` of them) was handed to
    the caller: ``user`` under ``role`` (the analyses and the network workflows)."""
    audit.record(
        store,
        action="view",
        obj=obj,
        reason=reason,
        role=role,
        user=user,
        detail=audit.describe(people=people, groups=groups),
    )


def risk_make_ups(
    store: Store, results: Sequence[RiskResult], *, top: int | None = 50
) -> list[dict[str, object] | None]:
    """The make-up of each risk list's top ``top`` people against its whole population.

    A risk list is drawn from its population (every offender, victim or caller the
    list scored, :attr:`RiskResult.population`); the people shown are the first
    ``top`` rows. Each make-up counts them by sex, age band and ethnicity against
    that population, with the ratio and its 95 % interval
    (:func:`avert.briefing.makeup.make_up` over
    :func:`avert.analyse.equality.list_make_up`, the one make-up of avert). Lists of
    places have none (None at their position).
    """
    from avert.briefing.makeup import make_up

    out: list[dict[str, object] | None] = []
    for result in results:
        if result.id_column != "person_id" or result.frame.height == 0:
            out.append(None)
            continue
        pool = result.frame["person_id"].cast(pl.String).to_list()
        listed = pool if top is None else pool[:top]
        people = queries.read_in(
            store,
            "people",
            "person_id",
            pool,
            columns=("person_id", "sex", "birth_year", "ethnicity"),
        )
        out.append(
            make_up(
                listed,
                pool,
                people,
                at_year=result.at.year,
                key=result.kind,
                label=f"the top {len(listed):,} of the {result.kind} risk list",
                pool_label=result.population,
            )
        )
    return out
