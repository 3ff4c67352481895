"""Individual risk: offender RFGH, repeat-victim risk and ASB escalation risk.

Each score is a sum of named parts (``part_*`` columns, each ``weight x points``
from a band table of ``config/defaults/risk.toml``), returned beside the score with
the raw measures behind every part, so that a meeting sees *why* someone is on a
list. Every list states its window and its population.

Methods
-------
* **Offender score: Recency, Frequency, Gravity, Harm** (RFG/RFGH), as UK integrated
  offender management scores its cohort (Home Office & MoJ 2015, *IOM Key
  Principles*): recency = days since the last offence; frequency = offences in the
  window; gravity = the most serious offence, in Cambridge Crime Harm Index days;
  harm = total CCHI days (Sherman, Neyroud & Neyroud 2016).
* **Repeat-victim risk**: victimisations in the last 12 months, time since the last
  (repeats come soon: Polvi et al. 1991; Farrell & Pease 1993), recorded
  vulnerability, domestic abuse (3+ in 12 months is the usual MARAC escalation
  criterion).
* **ASB escalation risk** for callers and places (seed ¶7-8): reports in the window
  (six months by default) with a step at the ASB case review ("community trigger")
  threshold of three reports, recency, a vulnerable caller (the Pilkington lesson),
  personal ASB, and any violence after the first report (the caller as a victim, or
  at the place). ``meets_case_review`` flags the community trigger.

Ranking rule: people are ranked by their own score; because the banded parts saturate
(many people share a score), ties are broken by the continuous figures behind the
score, shown beside it (offenders: total harm days, then recency, offences, gravity;
victims: victimisations, then recency, domestic incidents; ASB: reports, then recency,
violence after), and only then by id — never by any group membership or demographic
attribute (DOMAIN.md, the lesson of the Gangs Violence Matrix).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import polars as pl

from avert.analyse._window import (
    days_since_period_end,
    in_window,
    incidents_in_window,
    period_length,
    window_start,
)
from avert.analyse.places import cell_expr
from avert.analyse.result import Result, json_object
from avert.config.risk import (
    AsbRiskConfig,
    Bands,
    OffenderRiskConfig,
    RiskConfig,
    VictimRiskConfig,
    default_risk_config,
)
from avert.errors import SchemaError
from avert.schema import check_frame

__all__ = [
    "ASB_TIES",
    "OFFENDER_TIES",
    "VICTIM_TIES",
    "RiskResult",
    "asb_escalation_risk",
    "offender_risk",
    "ranking_rule",
    "risk_lists_to_dict",
    "victim_risk",
]

AsbUnit = Literal["caller", "place"]
_TIE_RULE: Final = (
    "ranked by score (highest first), then by the continuous figures behind it, then "
    "by id; never by group membership"
)


@dataclass(frozen=True, kw_only=True)
class RiskResult(Result):
    """A ranked risk list.

    ``frame`` has ``rank``, the id column (``id_column``), ``score``, the
    ``part_*`` columns (which add up to ``score``) and the raw measures behind them.
    """

    kind: str
    id_column: str
    at: dt.datetime
    window_days: int
    population: str
    parts: tuple[str, ...]

    def to_dict(self, *, top: int | None = 50) -> dict[str, Any]:
        """Return one list of the documented JSON contract (``docs/analyses.md``)."""
        frame = self.frame if top is None else self.frame.head(top)
        return json_object(
            {
                "kind": self.kind,
                "id_column": self.id_column,
                "at": self.at,
                "window_days": self.window_days,
                "window": {
                    "from": window_start(self.at, self.window_days),
                    "to": self.at,
                },
                "population": self.population,
                "n_population": self.frame.height,
                "parts": list(self.parts),
                "ranking": self.params.get("ranking", _TIE_RULE),
                "rows": frame,
                "params": dict(self.params),
                "method": self.method,
                "source": self.source,
                "notes": [*self.notes, *self.cut_tie_notes(top)],
            }
        )

    def cut_tie_notes(self, top: int | None) -> list[str]:
        """A note when the first ``top`` rows end inside an exact tie: the same score
        and the same figures behind it (co-offenders of one incident share them all),
        so which of them are listed is decided by id alone."""
        frame = self.frame
        if top is None or top <= 0 or frame.height <= top or not self.parts:
            return []
        cols = frame.columns
        first_part = min(cols.index(p) for p in self.parts)
        keys = frame.select(["score", *cols[cols.index("score") + 1 : first_part]])
        last = keys.slice(top - 1, 1)
        if last.rows() != keys.slice(top, 1).rows():
            return []
        same = pl.all_horizontal(
            pl.col(c).eq_missing(last[c].item()) for c in keys.columns
        )
        n_equal = keys.filter(same).height
        n_in = keys.head(top).filter(same).height
        places = self.id_column == "place_id"
        n_out = n_equal - n_in
        return [
            f"The top {top} end inside an exact tie: {n_in} of the {n_equal:,} "
            f"{'places' if places else 'people'} with score {last['score'].item():g} "
            "and the same figures behind it"
            + ("" if places else " (people of one incident share them all)")
            + f" {'is' if n_in == 1 else 'are'} listed, the other {n_out:,} "
            f"{'is' if n_out == 1 else 'are'} left out by id order alone."
        ]


def _precision(incidents: pl.DataFrame) -> pl.Expr:
    """The incidents' ``time_precision`` (null, an exact time, where it has none)."""
    if "time_precision" in incidents.columns:
        return pl.col("time_precision").cast(pl.String)
    return pl.lit(None, dtype=pl.String).alias("time_precision")


def _last_record(at: dt.datetime) -> list[pl.Expr]:
    """Per person (in a ``group_by``): the last record, ``last_at`` (its stored
    time) and ``last_precision`` (its ``time_precision``), and ``days_since_last``
    from the end of its period (:func:`avert.analyse._window.period_length`): a
    record dated alone (stored at 00:00) may have happened late in its day, so it
    is as recent as its day's end, and no later than ``at`` (never below 0). The
    last is the one whose period ends last (then the later stored time).
    Before, a date alone counted from 00:00: up to a day more than it may be."""
    order = [pl.col("occurred_from") + period_length(), pl.col("occurred_from")]
    return [
        pl.col("occurred_from").sort_by(order).last().alias("last_at"),
        pl.col("time_precision").sort_by(order).last().alias("last_precision"),
        days_since_period_end(at).alias("days_since_last"),
    ]


def _part(
    frame: pl.DataFrame, bands: Bands, weight: float, value_col: str
) -> pl.Series:
    values = frame[value_col].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return pl.Series(weight * bands.points_for(values), dtype=pl.Float64)


#: Tie-breaks after the score, per list: the continuous figures behind the banded parts
#: (bands saturate, so many people share a score), as (column, highest first).
OFFENDER_TIES: Final[tuple[tuple[str, bool], ...]] = (
    ("harm_days", True),
    ("days_since_last", False),
    ("n_offences", True),
    ("max_harm_days", True),
)
VICTIM_TIES: Final[tuple[tuple[str, bool], ...]] = (
    ("n_victimisations", True),
    ("days_since_last", False),
    ("n_domestic", True),
)
ASB_TIES: Final[tuple[tuple[str, bool], ...]] = (
    ("n_reports", True),
    ("days_since_last", False),
    ("n_violence_after", True),
)
_TIE_NAMES: Final[dict[str, str]] = {
    "harm_days": "harm days",
    "days_since_last": "recency (most recent first)",
    "n_offences": "offences",
    "max_harm_days": "gravity",
    "n_victimisations": "victimisations",
    "n_domestic": "domestic incidents",
    "n_reports": "reports",
    "n_violence_after": "violence after the first report",
}


def ranking_rule(ties: Sequence[tuple[str, bool]]) -> str:
    """The ranking rule of a list in words, e.g. for ``params["ranking"]``."""
    steps = ", then ".join(_TIE_NAMES.get(c, c) for c, _ in ties)
    return (
        f"ranked by score (highest first); ties by {steps}"
        + (", then " if steps else "")
        + "by id; never by group membership"
    )


def _rank(
    frame: pl.DataFrame,
    id_col: str,
    parts: Sequence[str],
    ties: Sequence[tuple[str, bool]] = (),
) -> pl.DataFrame:
    """Score = sum of parts; rank by score, then the continuous ``ties``, then id.

    The tie columns are placed beside the score so that a reader sees why two people
    with the same score are in this order.
    """
    scored = frame.with_columns(
        pl.sum_horizontal([pl.col(p) for p in parts]).alias("score")
    )
    tie_cols = [c for c, _ in ties if c in scored.columns]
    desc = [d for c, d in ties if c in scored.columns]
    scored = scored.sort(
        ["score", *tie_cols, id_col],
        descending=[True, *desc, False],
        nulls_last=True,
    )
    scored = scored.with_columns(
        pl.int_range(1, scored.height + 1, dtype=pl.Int64).alias("rank")
    )
    first = ["rank", id_col, "score", *tie_cols, *parts]
    return scored.select(first + [c for c in scored.columns if c not in first])


def _empty_list_note(
    per: pl.DataFrame,
    records: pl.DataFrame,
    when: str,
    *,
    at: dt.datetime,
    window_days: int,
    n_in_window: int,
    who: str,
    what: str = "incident",
    records_span: tuple[dt.datetime, dt.datetime] | None = None,
) -> list[str]:
    """Why a list is empty: no record in its window at all (say where the records
    run, so an empty window does not read as "no one at risk"), or records that
    name no one in the role scored.

    ``records_span``: the first and last time of all the records, when ``records``
    are only some of them (a workflow reads the incidents up to ``at`` only: a
    window before the first of them would otherwise say nothing of where they run,
    and one between two runs of records would seem to end the records)."""
    if per.height:
        return []
    span = f"the {window_days} days to {at:%Y-%m-%d %H:%M}"
    if n_in_window:
        return [
            f"None of the {n_in_window:,} {what}s of {span} records {who}: the list "
            "is empty because no one was scored, not because no one is at risk."
        ]
    times = records[when].drop_nulls() if when in records.columns else None
    first = times.min() if times is not None else None
    last = times.max() if times is not None else None
    if records_span is not None:
        first, last = records_span
        where = f"the store's {what}s run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    elif isinstance(first, dt.date) and isinstance(last, dt.date):
        where = f"the {what}s run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    else:
        where = f"there is no {what} on or before {at:%Y-%m-%d}"
    return [
        f"No {what} in the window ({span}): the list is empty because nothing was "
        f"recorded then, not because no one is at risk; {where}."
    ]


def _config(config: RiskConfig | None) -> RiskConfig:
    return default_risk_config() if config is None else config


def offender_risk(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    at: dt.datetime,
    config: RiskConfig | OffenderRiskConfig | None = None,
    records_span: tuple[dt.datetime, dt.datetime] | None = None,
) -> RiskResult:
    """Score offenders by Recency, Frequency, Gravity and Harm (RFGH).

    Parameters
    ----------
    incidents
        ``incident_id``, ``occurred_from``, ``harm_days`` (CCHI days; null counts 0);
        optional ``time_precision`` (a date alone counts from its day's end).
    involvements
        ``incident_id``, ``person_id``, ``role``.
    at
        Date and time of scoring; the window is ``(at - window_days, at]``.
    config
        Risk configuration (default: ``config/defaults/risk.toml``).
    records_span
        First and last time of all the incidents, when ``incidents`` are only
        some of them (those up to ``at``): an empty list's note says where
        they run.

    Returns
    -------
    RiskResult
        ``rank``, ``person_id``, ``score``, ``part_recency``, ``part_frequency``,
        ``part_gravity``, ``part_harm``, and ``days_since_last``, ``n_offences``,
        ``max_harm_days``, ``harm_days``, ``last_at``, ``last_precision`` (``day``: a
        date alone; ``days_since_last`` runs from its day's end). Population: every
        person with at least one offence (configured roles) in the window.
    """
    cfg = config.offender if isinstance(config, RiskConfig) else config
    cfg = cfg or _config(None).offender
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    if "harm_days" not in incidents.columns:
        msg = (
            "offender risk needs incidents.harm_days (gravity and harm): run "
            "'avert classify' or join the classifications table first."
        )
        raise SchemaError(msg)
    inc = incidents.filter(incidents_in_window(incidents, at, cfg.window_days)).select(
        "incident_id",
        "occurred_from",
        _precision(incidents),
        pl.col("harm_days").cast(pl.Float64),
    )
    offences = _person_incidents(
        involvements, pl.col("role").is_in(list(cfg.roles)), inc
    )
    notes: list[str] = []
    n_no_harm = offences.filter(pl.col("harm_days").is_null())["incident_id"].n_unique()
    if n_no_harm:
        notes.append(
            f"{n_no_harm:,} offences of the window have no harm weight: they count as 0 "
            "days in gravity and harm (the parts and the order understate them)."
        )
    per = _offender_measures(offences, at)
    notes += _empty_list_note(
        per,
        incidents,
        "occurred_from",
        at=at,
        window_days=cfg.window_days,
        n_in_window=inc.height,
        who=f"anyone as {' or '.join(cfg.roles)}",
        records_span=records_span,
    )
    per = _offender_parts(per, cfg)
    parts = ("part_recency", "part_frequency", "part_gravity", "part_harm")
    return RiskResult(
        frame=_rank(per, "person_id", parts, OFFENDER_TIES),
        params={
            "roles": list(cfg.roles),
            "weights": dict(cfg.weights),
            "ranking": ranking_rule(OFFENDER_TIES),
        },
        method="Recency-Frequency-Gravity-Harm (RFGH) banded score, sum of named parts",
        source=cfg.source,
        notes=tuple(notes),
        kind="offender",
        id_column="person_id",
        at=at,
        window_days=cfg.window_days,
        population=(
            f"every person with at least one incident as {'/'.join(cfg.roles)} in the "
            f"{cfg.window_days} days to {at:%Y-%m-%d %H:%M}"
        ),
        parts=parts,
    )


def _person_incidents(
    involvements: pl.DataFrame, role: pl.Expr, incidents: pl.DataFrame
) -> pl.DataFrame:
    """The (incident, person) pairs of ``role`` once each, joined to ``incidents``."""
    return (
        involvements.lazy()
        .filter(role)
        .select("incident_id", "person_id")
        .unique()
        .join(incidents.lazy(), on="incident_id", how="inner")
        .collect()
    )


def _offender_measures(offences: pl.DataFrame, at: dt.datetime) -> pl.DataFrame:
    """Per person: offences, last time, gravity and total harm (null harm counts 0)."""
    return (
        offences.with_columns(pl.col("harm_days").fill_null(0.0))
        .group_by("person_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_offences"),
            *_last_record(at),
            pl.col("harm_days").max().alias("max_harm_days"),
            pl.col("harm_days").sum().alias("harm_days"),
        )
    )


def _offender_parts(per: pl.DataFrame, cfg: OffenderRiskConfig) -> pl.DataFrame:
    """The four weighted score parts of the RFGH offender score."""
    w = cfg.weights
    return per.with_columns(
        _part(per, cfg.recency, w["recency"], "days_since_last").alias("part_recency"),
        _part(per, cfg.frequency, w["frequency"], "n_offences").alias("part_frequency"),
        _part(per, cfg.gravity, w["gravity"], "max_harm_days").alias("part_gravity"),
        _part(per, cfg.harm, w["harm"], "harm_days").alias("part_harm"),
    )


def victim_risk(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    people: pl.DataFrame | None = None,
    *,
    at: dt.datetime,
    config: RiskConfig | VictimRiskConfig | None = None,
    records_span: tuple[dt.datetime, dt.datetime] | None = None,
) -> RiskResult:
    """Score victims by repeats, recency, vulnerability and domestic abuse.

    Parameters
    ----------
    incidents
        ``incident_id``, ``occurred_from``; optional ``domestic``,
        ``time_precision`` (a date alone counts from its day's end).
    involvements
        ``incident_id``, ``person_id``, ``role``.
    people
        ``person_id``, ``vulnerable`` (optional; without it vulnerability scores 0).
    at
        Date and time of scoring; the window is ``(at - window_days, at]``.
    config
        Risk configuration.
    records_span
        First and last time of all the incidents, when ``incidents`` are only
        some of them (those up to ``at``): an empty list's note says where
        they run.

    Returns
    -------
    RiskResult
        ``rank``, ``person_id``, ``score``, ``part_repeats``, ``part_recency``,
        ``part_vulnerability``, ``part_domestic``, with ``n_victimisations``,
        ``days_since_last``, ``vulnerable``, ``n_domestic``, ``last_at``,
        ``last_precision`` (as the offender list's).
        Population: every person victimised at least once in the window.
    """
    cfg = config.victim if isinstance(config, RiskConfig) else config
    cfg = cfg or _config(None).victim
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    notes: list[str] = []
    inc = _victim_window(incidents, at=at, window_days=cfg.window_days, notes=notes)
    # a person is victimised once per incident, however often a row says so
    # (as an offender offends once per incident in the offender score)
    victimisations = _person_incidents(involvements, pl.col("role") == "victim", inc)
    n_unknown = victimisations.filter(pl.col("_unknown_domestic")).height
    if n_unknown:
        notes.append(
            f"{n_unknown:,} victimisations of the window have no domestic flag: they "
            "count as not domestic in the domestic part."
        )
    per = _victim_measures(victimisations, at)
    per = _with_vulnerability(per, people, notes)
    notes += _empty_list_note(
        per,
        incidents,
        "occurred_from",
        at=at,
        window_days=cfg.window_days,
        n_in_window=inc.height,
        who="anyone as victim",
        records_span=records_span,
    )
    per = _victim_parts(per, cfg)
    parts = ("part_repeats", "part_recency", "part_vulnerability", "part_domestic")
    return RiskResult(
        frame=_rank(per, "person_id", parts, VICTIM_TIES),
        params={"weights": dict(cfg.weights), "ranking": ranking_rule(VICTIM_TIES)},
        method="repeat-victim risk: banded repeats, recency, vulnerability, domestic abuse",
        source=cfg.source,
        notes=tuple(notes),
        kind="victim",
        id_column="person_id",
        at=at,
        window_days=cfg.window_days,
        population=(
            f"every person victimised at least once in the {cfg.window_days} days to "
            f"{at:%Y-%m-%d %H:%M}"
        ),
        parts=parts,
    )


def _victim_window(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int, notes: list[str]
) -> pl.DataFrame:
    """Incidents of the window with a filled ``domestic`` flag and whether it was unknown."""
    domestic = (
        pl.col("domestic").cast(pl.Boolean).fill_null(value=False)
        if "domestic" in incidents.columns
        else pl.lit(value=False)
    )
    if "domestic" not in incidents.columns:
        notes.append("incidents has no 'domestic' flag: the domestic part scores 0.")
    unknown_domestic = (
        pl.col("domestic").is_null()
        if "domestic" in incidents.columns
        else pl.lit(value=False)
    )
    return incidents.filter(incidents_in_window(incidents, at, window_days)).select(
        "incident_id",
        "occurred_from",
        _precision(incidents),
        domestic.alias("domestic"),
        unknown_domestic.alias("_unknown_domestic"),
    )


def _victim_measures(victimisations: pl.DataFrame, at: dt.datetime) -> pl.DataFrame:
    """Per person: victimisations, last time and domestic incidents."""
    return victimisations.group_by("person_id").agg(
        pl.len().cast(pl.Int64).alias("n_victimisations"),
        *_last_record(at),
        pl.col("domestic").sum().cast(pl.Int64).alias("n_domestic"),
    )


def _with_vulnerability(
    per: pl.DataFrame, people: pl.DataFrame | None, notes: list[str]
) -> pl.DataFrame:
    """``per`` plus ``vulnerable`` from ``people`` (unknown counts as not vulnerable)."""
    if people is not None and "vulnerable" in people.columns:
        check_frame(people, ["person_id"], name="people")
        vul = people.select("person_id", pl.col("vulnerable").cast(pl.Boolean)).unique(
            "person_id", keep="first"
        )
        per = per.join(vul, on="person_id", how="left")
        n_unknown = int(per["vulnerable"].null_count())
        if n_unknown:
            notes.append(
                f"{n_unknown} of {per.height} victims have no recorded vulnerability "
                "(no people row, or an empty flag): they score 0 for vulnerability."
            )
        return per.with_columns(pl.col("vulnerable").fill_null(value=False))
    notes.append("No people.vulnerable: the vulnerability part scores 0.")
    return per.with_columns(pl.lit(value=False).alias("vulnerable"))


def _victim_parts(per: pl.DataFrame, cfg: VictimRiskConfig) -> pl.DataFrame:
    """The four weighted score parts of the repeat-victim score."""
    w = cfg.weights
    return per.with_columns(
        _part(per, cfg.repeats, w["repeats"], "n_victimisations").alias("part_repeats"),
        _part(per, cfg.recency, w["recency"], "days_since_last").alias("part_recency"),
        (
            pl.col("vulnerable").cast(pl.Float64)
            * cfg.vulnerability.points
            * w["vulnerability"]
        ).alias("part_vulnerability"),
        _part(per, cfg.domestic, w["domestic"], "n_domestic").alias("part_domestic"),
    )


def _violence(incidents: pl.DataFrame) -> pl.DataFrame:
    if "in_definition" in incidents.columns:
        return incidents.filter(pl.col("in_definition").fill_null(value=False))
    return incidents


def asb_escalation_risk(
    asb: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    at: dt.datetime,
    unit: AsbUnit = "caller",
    config: RiskConfig | AsbRiskConfig | None = None,
) -> RiskResult:
    """Score ASB callers or places for escalation to violence.

    Parameters
    ----------
    asb
        ``asb_id``, ``occurred_at``, ``caller_id`` (callers) or ``x``/``y`` (places);
        optional ``vulnerable_caller``, ``category``.
    incidents
        Violent incidents (rows with ``in_definition`` false are left out when that
        column is present): ``incident_id``, ``occurred_from``, and ``x``/``y`` for
        places.
    involvements
        ``incident_id``, ``person_id``, ``role`` (callers: violence against the caller
        is an incident where the caller is a victim). Without it the violence part
        of callers scores 0.
    at
        Date and time of scoring; the window is ``(at - window_days, at]``.
    unit
        ``caller`` (person reporting) or ``place`` (grid cell of ``cell_size_m``).
    config
        Risk configuration.

    Returns
    -------
    RiskResult
        ``rank``, id (``person_id`` or ``place_id``), ``score``, ``part_repeats``,
        ``part_recency``, ``part_vulnerable``, ``part_personal``,
        ``part_violence_after``, with ``n_reports``, ``days_since_last``,
        ``first_at``, ``last_at``, ``any_vulnerable``, ``any_personal``,
        ``n_violence_after`` and ``meets_case_review`` (``n_reports`` at or above the
        community trigger). Population: every caller (place) with at least one ASB
        report in the window.
    """
    cfg = config.asb if isinstance(config, RiskConfig) else config
    cfg = cfg or _config(None).asb
    check_frame(asb, ["occurred_at"], name="asb")
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    notes: list[str] = []
    id_col = "person_id" if unit == "caller" else "place_id"
    per = _asb_reports(asb, at=at, unit=unit, cfg=cfg, id_col=id_col)
    notes += _empty_list_note(
        per,
        asb,
        "occurred_at",
        at=at,
        window_days=cfg.window_days,
        n_in_window=asb.filter(_asb_in_window(asb, at, cfg.window_days)).height,
        who="a caller" if unit == "caller" else "a place (x, y)",
        what="ASB report",
    )
    per = _asb_violence_after(
        per,
        incidents,
        involvements,
        at=at,
        unit=unit,
        cfg=cfg,
        id_col=id_col,
        notes=notes,
    )
    per = _asb_parts(per, cfg)
    parts = (
        "part_repeats",
        "part_recency",
        "part_vulnerable",
        "part_personal",
        "part_violence_after",
    )
    what = "caller" if unit == "caller" else f"{cfg.cell_size_m:g} m grid cell"
    return RiskResult(
        frame=_rank(per, id_col, parts, ASB_TIES),
        params=_asb_params(unit, cfg, incidents),
        method="ASB escalation risk: repeats (community trigger step), recency, vulnerable caller, personal ASB, violence after ASB",
        source=cfg.source,
        notes=tuple(notes),
        kind=f"asb_{unit}",
        id_column=id_col,
        at=at,
        window_days=cfg.window_days,
        population=(
            f"every {what} with at least one ASB report in the {cfg.window_days} days to "
            f"{at:%Y-%m-%d %H:%M}"
        ),
        parts=parts,
    )


def _asb_params(
    unit: AsbUnit, cfg: AsbRiskConfig, incidents: pl.DataFrame
) -> dict[str, Any]:
    """The ``params`` of an ASB escalation list."""
    return {
        "unit": unit,
        "cell_size_m": cfg.cell_size_m if unit == "place" else None,
        "trigger_reports": cfg.trigger_reports,
        "weights": dict(cfg.weights),
        "violence": "incidents with in_definition true"
        if "in_definition" in incidents.columns
        else "every incident given",
        "ranking": ranking_rule(ASB_TIES),
    }


def _asb_reports(
    asb: pl.DataFrame,
    *,
    at: dt.datetime,
    unit: AsbUnit,
    cfg: AsbRiskConfig,
    id_col: str,
) -> pl.DataFrame:
    """Per caller (place): reports in the window, first and last, vulnerable, personal."""
    if unit == "caller":
        check_frame(asb, ["caller_id"], name="asb")
        key = pl.col("caller_id").alias(id_col)
    else:
        check_frame(asb, ["x", "y"], name="asb")
        key = cell_expr(cfg.cell_size_m, alias=id_col)
    vulnerable = (
        pl.col("vulnerable_caller").cast(pl.Boolean).fill_null(value=False)
        if "vulnerable_caller" in asb.columns
        else pl.lit(value=False)
    )
    personal = (
        (pl.col("category") == "personal").fill_null(value=False)
        if "category" in asb.columns
        else pl.lit(value=False)
    )
    reports = (
        asb.filter(_asb_in_window(asb, at, cfg.window_days))
        .select(
            key,
            pl.col("occurred_at").alias("occurred_from"),
            _precision(asb),
            vulnerable.alias("_v"),
            personal.alias("_p"),
        )
        .filter(pl.col(id_col).is_not_null())
    )
    return (
        reports.group_by(id_col)
        .agg(
            pl.len().cast(pl.Int64).alias("n_reports"),
            pl.col("occurred_from").min().alias("first_at"),
            pl.col("_v").any().alias("any_vulnerable"),
            pl.col("_p").any().alias("any_personal"),
            *_last_record(at),
        )
        .drop("last_precision")
    )


def _asb_in_window(asb: pl.DataFrame, at: dt.datetime, days: int) -> pl.Expr:
    """The ASB reports of the window ``(at - days, at]``, one dated alone
    (``time_precision`` ``day``) by its day when the frame has the column
    (:func:`avert.analyse._window.in_window` ``by_day``, the incidents' rule):
    a report dated the window's first day alone, before a start at 06:00, was
    left out of the escalation lists."""
    by_day = "time_precision" in asb.columns
    return in_window("occurred_at", at, days, by_day=by_day)


def _asb_violence_after(
    per: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None,
    *,
    at: dt.datetime,
    unit: AsbUnit,
    cfg: AsbRiskConfig,
    id_col: str,
    notes: list[str],
) -> pl.DataFrame:
    """``per`` plus violence against the caller (in the place) after its first
    report: violence that may be after it, whose period
    (:func:`avert.analyse._window.period_length`) ends after the report's stored
    time. Violence and a first report of one day, one of them dated alone, are
    of unknown order and count (the ASB bridge's rule for reports of one day);
    by the stored times violence dated alone on the day of a report at 09:00
    was before it, and at 10:00 after a report dated alone that day."""
    violent = (
        _violence(incidents)
        .filter(incidents_in_window(incidents, at, cfg.window_days))
        .with_columns(_precision(incidents))
        .with_columns((pl.col("occurred_from") + period_length()).alias("_end"))
    )
    if unit == "caller":
        if involvements is None:
            notes.append(
                "No involvements: violence against callers cannot be seen (part scores 0)."
            )
            events = pl.DataFrame(schema={id_col: pl.String, "_end": pl.Datetime("us")})
        else:
            events = (
                involvements.filter(pl.col("role") == "victim")
                .select("incident_id", pl.col("person_id").alias(id_col))
                .unique()
                .join(violent.select("incident_id", "_end"), on="incident_id")
                .select(id_col, "_end")
            )
    else:
        check_frame(incidents, ["x", "y"], name="incidents")
        events = violent.select(cell_expr(cfg.cell_size_m, alias=id_col), "_end")
    after = (
        events.join(per.select(id_col, "first_at"), on=id_col, how="inner")
        .filter(pl.col("_end") > pl.col("first_at"))
        .group_by(id_col)
        .agg(pl.len().cast(pl.Int64).alias("n_violence_after"))
    )
    per = per.join(after, on=id_col, how="left").with_columns(
        pl.col("n_violence_after").fill_null(0),
        (pl.col("n_reports") >= cfg.trigger_reports).alias("meets_case_review"),
    )
    return per


def _asb_parts(per: pl.DataFrame, cfg: AsbRiskConfig) -> pl.DataFrame:
    """The five weighted score parts of the ASB escalation score."""
    w = cfg.weights
    return per.with_columns(
        _part(per, cfg.repeats, w["repeats"], "n_reports").alias("part_repeats"),
        _part(per, cfg.recency, w["recency"], "days_since_last").alias("part_recency"),
        (
            pl.col("any_vulnerable").cast(pl.Float64)
            * cfg.vulnerable.points
            * w["vulnerable"]
        ).alias("part_vulnerable"),
        (
            pl.col("any_personal").cast(pl.Float64)
            * cfg.personal.points
            * w["personal"]
        ).alias("part_personal"),
        (
            (pl.col("n_violence_after") > 0).cast(pl.Float64)
            * cfg.violence_after.points
            * w["violence_after"]
        ).alias("part_violence_after"),
    )


def risk_lists_to_dict(
    results: Sequence[RiskResult],
    *,
    top: int | None = 50,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Wrap risk lists in the documented ``avert analyse risk --json`` envelope."""
    return json_object(
        {
            "analysis": "risk",
            "version": 1,
            "kind": results[0].kind.split("_")[0] if results else None,
            "top": top,
            **dict(extra or {}),
            "lists": [r.to_dict(top=top) for r in results],
        }
    )
