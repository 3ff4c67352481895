"""Domestic abuse risk: DASH answers and the MARAC referral criteria.

Method
------
The DASH 2009 risk checklist (Domestic Abuse, Stalking and Harassment and
Honour-based violence; Laura Richards for ACPO with CAADA, now SafeLives) asks a
victim 27 questions. A victim is referred to a MARAC (multi-agency risk assessment
conference) when any of three criteria holds (SafeLives' recommended referral
criteria; DOMAIN.md, "Risk and prioritisation"):

* **visible high risk**: the victim's latest current assessment has at least
  ``visible_high_risk_yes`` (14) "yes" answers;
* **professional judgement**: the assessor judged the risk high whatever the count
  (the assessment's ``professional_judgement``, or a recorded ``risk_level`` of
  ``high`` with fewer yes answers than visible high risk needs: the grade can then
  only be the assessor's judgement; many force systems record the grade, not a
  separate flag);
* **potential escalation**: at least ``escalation_incidents`` (3) domestic
  incidents with the person as victim in the ``escalation_window_days`` (365) to
  the as-of time, counted from the incidents, so a victim with no DASH at all is
  found too.

An assessment is *current* when made within the escalation window to the as-of
time (``(at - window, at]``); an older one is shown but its answers and judgement
count for no criterion, and the result's notes say how many victims that
concerns. Risk is dynamic (SafeLives asks for a new checklist after each new
incident): a note also counts the victims with a domestic incident after their
current assessment, whose answers predate it. The
thresholds and their sources are in ``config/defaults/risk.toml`` (``[marac]``).

Ranking: by the number of criteria met, then the yes count of the current
assessment, then the domestic incidents of the window, then the latest domestic
incident, then the person id; never by a group or a demographic attribute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from avert.analyse._window import in_window, incidents_in_window, window_start
from avert.analyse.result import Result, json_object
from avert.config.risk import MaracConfig, RiskConfig, default_risk_config
from avert.schema import DASH_QUESTIONS, check_frame

__all__ = [
    "CRITERIA",
    "CRITERION_NAMES",
    "DASH_QUESTION_LABELS",
    "MaracResult",
    "criterion_params",
    "criterion_rules",
    "dash_answers",
    "high_risk_assessments",
    "marac_referrals",
    "person_domestic_risk",
]

#: Short labels of the 27 DASH 2009 questions, in the checklist's order
#: (paraphrased, not its wording). 1-11 checked against the ACPO/CAADA DASH 2009
#: risk form; 12-27 follow its published order as avert's authors know it:
#: check them against the form your force uses.
DASH_QUESTION_LABELS: Final = (
    "current incident resulted in injury",
    "victim very frightened",
    "afraid of further injury, violence or being killed",
    "isolated from family or friends",
    "depressed or having suicidal thoughts",
    "separated or tried to separate in the past year",
    "conflict over child contact",
    "constant texting, calling, following, stalking or harassing",
    "pregnant or a baby in the past 18 months",
    "children or dependants in the household not the abuser's",
    "abuser has hurt the children or dependants",
    "abuser has threatened to hurt or kill the children or dependants",
    "abuse happening more often",
    "abuse getting worse",
    "abuser controls everything or is excessively jealous",
    "abuser has used weapons or objects to hurt",
    "abuser has threatened to kill and was believed",
    "abuser has strangled, choked, suffocated or drowned",
    "abuser does or says sexual things that hurt or degrade",
    "another person has threatened the victim or is feared",
    "abuser has hurt anyone else",
    "abuser has mistreated an animal or pet",
    "financial issues",
    "abuser has problems with drugs, alcohol or mental health",
    "abuser has threatened or attempted suicide",
    "abuser has broken bail, an injunction or an agreement",
    "abuser has been in trouble with the police or has a criminal history",
)
assert len(DASH_QUESTION_LABELS) == DASH_QUESTIONS

#: the referral criteria, each a boolean column of the result
CRITERIA: Final = (
    "visible_high_risk",
    "professional_judgement",
    "potential_escalation",
)
#: the criteria as a page names them
CRITERION_NAMES: Final = {
    "visible_high_risk": "visible high risk",
    "professional_judgement": "professional judgement",
    "potential_escalation": "potential escalation",
}
_QUESTIONS: Final = tuple(f"q{n}" for n in range(1, DASH_QUESTIONS + 1))
_RANKING: Final = (
    "ranked by the criteria met (most first), then the yes answers of the current "
    "assessment, then the domestic incidents of the window, then the latest of "
    "them, then by id; never by group membership or a demographic attribute"
)


@dataclass(frozen=True, kw_only=True)
class MaracResult(Result):
    """Victims meeting a MARAC referral criterion, highest first.

    ``frame``: ``rank``, ``person_id``, ``criteria_met``, one boolean column per
    criterion (:data:`CRITERIA`), ``n_yes``, ``n_not_known``, ``n_asked``,
    ``yes_questions`` (the labels of the questions answered yes, ``;``-separated),
    ``assessment_id``, ``assessed_at``, ``assessment_current``, ``risk_level``,
    ``agency``, ``n_domestic`` (in the window), ``last_domestic_at``.
    """

    at: dt.datetime
    window_days: int
    n_population: int
    #: the ``person_id`` of every victim of the population the list is drawn from
    population_ids: pl.Series = field(
        default_factory=lambda: pl.Series("person_id", [], dtype=pl.String)
    )
    #: the list's make-up against its population (set by the workflow:
    #: :func:`avert.briefing.makeup.make_up`), or None
    make_up: dict[str, Any] | None = None
    #: False when the window's incidents carry no domestic flag (a note says so):
    #: a victim's 0 domestic incidents and no last one are then not known
    domestic_recorded: bool = True

    def to_dict(self, *, top: int | None = None) -> dict[str, Any]:
        """The list as JSON (``docs/analyses.md``, ``avert analyse marac --json``)."""
        frame = self.frame if top is None else self.frame.head(top)
        return json_object(
            {
                "kind": "marac",
                "id_column": "person_id",
                "at": self.at,
                "window_days": self.window_days,
                "window": {
                    "from": window_start(self.at, self.window_days),
                    "to": self.at,
                },
                "population": self.params.get("population", ""),
                "n_population": self.n_population,
                "n_meeting": self.frame.height,
                "criteria": list(CRITERIA),
                "ranking": _RANKING,
                "rows": frame,
                "params": dict(self.params),
                "method": self.method,
                "source": self.source,
                "notes": list(self.notes),
                "make_up": self.make_up,
                # false: the incidents carry no domestic flag, so the rows'
                # n_domestic (0) and last_domestic_at (null) are not known
                "domestic_recorded": self.domestic_recorded,
            }
        )


def dash_answers(assessments: pl.DataFrame) -> pl.DataFrame:
    """Per assessment: ``n_yes``, ``n_not_known``, ``n_asked`` (a blank answer is a
    question not asked) and ``yes_questions`` (the labels of the yes answers,
    ``;``-separated, in the checklist's order); a question column the frame lacks
    counts as not asked."""
    given = [q for q in _QUESTIONS if q in assessments.columns]

    def count(answer: str) -> pl.Expr:
        if not given:
            return pl.lit(0, dtype=pl.Int64)
        return pl.sum_horizontal(
            (pl.col(q) == answer).fill_null(value=False).cast(pl.Int64) for q in given
        )

    labels = [
        pl.when(pl.col(q) == "yes").then(pl.lit(f"{q} {DASH_QUESTION_LABELS[i]}"))
        for i, q in enumerate(_QUESTIONS)
        if q in given
    ]
    asked = (
        pl.sum_horizontal(pl.col(q).is_not_null().cast(pl.Int64) for q in given)
        if given
        else pl.lit(0, dtype=pl.Int64)
    )
    yes_questions = (
        pl.concat_str(labels, separator="; ", ignore_nulls=True)
        if labels
        else pl.lit(None, dtype=pl.String)
    )
    return assessments.with_columns(
        count("yes").alias("n_yes"),
        count("not_known").alias("n_not_known"),
        asked.alias("n_asked"),
        pl.when(count("yes") > 0).then(yes_questions).alias("yes_questions"),
    )


def _latest_assessments(
    assessments: pl.DataFrame, at: dt.datetime, window_days: int
) -> pl.DataFrame:
    """Each victim's latest assessment made up to ``at``, with its answers counted
    and whether it is current (made in the window ``(at - window_days, at]``)."""
    check_frame(assessments, ["assessment_id", "person_id", "assessed_at"], name="dash")
    for col, dtype in (
        ("professional_judgement", pl.Boolean),
        ("risk_level", pl.String),
        ("agency", pl.String),
    ):
        if col not in assessments.columns:
            assessments = assessments.with_columns(pl.lit(None, dtype=dtype).alias(col))
    latest = (
        assessments.filter(pl.col("assessed_at") <= at)
        .sort("person_id", "assessed_at", "assessment_id")
        .group_by("person_id", maintain_order=True)
        .last()
    )
    return dash_answers(latest).select(
        "person_id",
        "assessment_id",
        "assessed_at",
        in_window("assessed_at", at, window_days).alias("assessment_current"),
        "n_yes",
        "n_not_known",
        "n_asked",
        "yes_questions",
        pl.col("professional_judgement").cast(pl.Boolean).fill_null(value=False),
        "risk_level",
        "agency",
    )


def _domestic_victimisations(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    at: dt.datetime,
    window_days: int,
    notes: list[str],
) -> pl.DataFrame:
    """Per person: domestic incidents as a victim in ``(at - window_days, at]``
    (:func:`avert.analyse._window.incidents_in_window`: one dated alone on the
    window's first day is in by its day)."""
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    schema = pl.Schema(
        {
            "person_id": pl.String(),
            "n_domestic": pl.Int64(),
            "last_domestic_at": pl.Datetime("us"),
        }
    )
    if "domestic" not in incidents.columns:
        notes.append(
            "The incidents have no 'domestic' flag: potential escalation cannot be "
            "counted and is met by no one."
        )
        return pl.DataFrame(schema=schema)
    window = incidents.filter(incidents_in_window(incidents, at, window_days))
    unknown = window.filter(pl.col("domestic").is_null()).height
    if unknown and unknown == window.height:
        # a store whose records never carry the flag (a bundle without the
        # column): "counted as not domestic" would read as "no one is escalating"
        which = (
            "The window's one incident has no domestic flag"
            if unknown == 1
            else f"None of the window's {unknown:,} incidents has a domestic flag"
        )
        notes.append(
            f"{which} (the records do not carry it): potential escalation cannot be "
            "counted and is met by no one."
        )
    elif unknown:
        notes.append(
            (
                "1 incident of the window has no domestic flag: it counts"
                if unknown == 1
                else f"{unknown:,} incidents of the window have no domestic flag: "
                "they count"
            )
            + " as not domestic for potential escalation."
        )
    domestic = window.filter(pl.col("domestic").cast(pl.Boolean).fill_null(False))
    return (
        involvements.lazy()
        .filter(pl.col("role") == "victim")
        .select("incident_id", "person_id")
        .unique()  # a victim once per incident, however often a row says so
        .join(domestic.lazy().select("incident_id", "occurred_from"), on="incident_id")
        .group_by("person_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_domestic"),
            pl.col("occurred_from")
            .max()
            .cast(pl.Datetime("us"))
            .alias("last_domestic_at"),
        )
        .collect()
        .cast(schema)
    )


def marac_referrals(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    assessments: pl.DataFrame,
    *,
    at: dt.datetime,
    config: RiskConfig | MaracConfig | None = None,
) -> MaracResult:
    """Victims meeting a MARAC referral criterion as of ``at`` (module docstring).

    Parameters
    ----------
    incidents
        ``incident_id``, ``occurred_from``, ``domestic`` (without it potential
        escalation is met by no one, and a note says so).
    involvements
        ``incident_id``, ``person_id``, ``role``.
    assessments
        The ``dash`` table: ``assessment_id``, ``person_id``, ``assessed_at``,
        ``q1``..``q27``, ``professional_judgement``, ``risk_level``, ``agency``
        (optional columns may be missing). Assessments after ``at`` are ignored.
    at
        The as-of time; the window is ``(at - escalation_window_days, at]``.
    config
        The risk configuration (its ``marac`` table) or a :class:`MaracConfig`.
    """
    cfg = _marac_config(config)
    days = cfg.escalation_window_days
    notes: list[str] = []
    latest = _latest_assessments(assessments, at, days)
    victims = _domestic_victimisations(incidents, involvements, at, days, notes)
    per = _criteria(
        latest.join(victims, on="person_id", how="full", coalesce=True), cfg
    )
    notes.extend(_assessment_notes(per, at, days))
    meeting = _ranked(per.filter(pl.col("criteria_met") > 0))
    population = (
        f"every person with a DASH assessment up to {at:%Y-%m-%d %H:%M}, or a "
        f"domestic incident as a victim in the {days} days to it"
    )
    return MaracResult(
        frame=meeting,
        params={
            **_params(cfg),
            "population": population,
            "ranking": _RANKING,
            "n_assessed": latest.height,
        },
        method=(
            "MARAC referral criteria: visible high risk (DASH yes answers), "
            "professional judgement, potential escalation (domestic incidents)"
        ),
        source=_source(cfg),
        notes=tuple(notes),
        at=at,
        window_days=days,
        n_population=per.height,
        population_ids=per["person_id"],
        domestic_recorded=_domestic_recorded(incidents, at, days),
    )


def _domestic_recorded(
    incidents: pl.DataFrame, at: dt.datetime, window_days: int
) -> bool:
    """Whether the incidents of ``(at - window_days, at]`` carry a domestic flag:
    the column is there and some incident of the window has it (a window with no
    incident has none to miss); as :func:`_domestic_victimisations` notes."""
    if "domestic" not in incidents.columns:
        return False
    window = incidents.filter(incidents_in_window(incidents, at, window_days))
    return window.height == 0 or window["domestic"].null_count() < window.height


def _marac_config(config: RiskConfig | MaracConfig | None) -> MaracConfig:
    cfg = config.marac if isinstance(config, RiskConfig) else config
    return cfg or default_risk_config().marac


def criterion_params(config: RiskConfig | MaracConfig | None = None) -> dict[str, int]:
    """The thresholds of the criteria (a :class:`MaracResult`'s ``params``), for
    :func:`criterion_rules`."""
    return _params(_marac_config(config))


def _params(cfg: MaracConfig) -> dict[str, int]:
    return {
        "visible_high_risk_yes": cfg.visible_high_risk_yes,
        "escalation_incidents": cfg.escalation_incidents,
        "escalation_window_days": cfg.escalation_window_days,
    }


def _source(cfg: MaracConfig) -> str:
    return " ".join(
        s
        for s in (cfg.source, cfg.visible_high_risk_source, cfg.escalation_source)
        if s
    )


def _criteria(per: pl.DataFrame, cfg: MaracConfig) -> pl.DataFrame:
    """``per`` (latest assessment joined with the window's domestic incidents)
    with one boolean column per criterion and ``criteria_met``."""
    current = pl.col("assessment_current").fill_null(value=False)
    return per.with_columns(
        (current & (pl.col("n_yes") >= cfg.visible_high_risk_yes)).alias(
            "visible_high_risk"
        ),
        (current & _judged_high(cfg.visible_high_risk_yes)).alias(
            "professional_judgement"
        ),
        (pl.col("n_domestic").fill_null(0) >= cfg.escalation_incidents).alias(
            "potential_escalation"
        ),
        pl.col("n_domestic").fill_null(0),
    ).with_columns(
        pl.sum_horizontal(pl.col(c).cast(pl.Int64) for c in CRITERIA).alias(
            "criteria_met"
        )
    )


def _assessment_notes(per: pl.DataFrame, at: dt.datetime, days: int) -> list[str]:
    """Notes on the victims whose latest assessment is not current, and on those
    hit again after their current one (its answers predate the new incident)."""
    notes = []
    current = pl.col("assessment_current").fill_null(value=False)
    stale = per.filter(pl.col("assessment_id").is_not_null() & ~current).height
    if stale:
        whose, its = (
            ("victim's latest DASH assessment is", "its")
            if stale == 1
            else ("victims' latest DASH assessments are", "their")
        )
        notes.append(
            f"{stale:,} {whose} older than {days} days (made on or before "
            f"{window_start(at, days):%Y-%m-%d}): not current, so {its} answers "
            "and judgement meet no criterion; reassess."
        )
    since = per.filter(
        current & (pl.col("last_domestic_at") > pl.col("assessed_at")).fill_null(False)
    ).height
    if since:
        notes.append(
            f"{since:,} victim(s) had a domestic incident after their latest DASH "
            "assessment: its answers predate it (SafeLives asks for a new checklist "
            "after each new incident); reassess."
        )
    return notes


def _judged_high(visible_high_risk_yes: int) -> pl.Expr:
    """True where the assessor judged the risk high whatever the count: the
    ``professional_judgement`` flag, or a recorded ``risk_level`` of ``high`` on
    an assessment with fewer than ``visible_high_risk_yes`` yes answers (a grade
    the count does not give is the assessor's judgement)."""
    graded = (pl.col("risk_level") == "high") & (
        pl.col("n_yes") < visible_high_risk_yes
    )
    return pl.col("professional_judgement").fill_null(value=False) | graded.fill_null(
        value=False
    )


def _ranked(per: pl.DataFrame) -> pl.DataFrame:
    """Highest first (:data:`_RANKING`), with ``rank`` 1, 2, ..."""
    current_yes = pl.when(pl.col("assessment_current")).then(pl.col("n_yes"))
    ordered = per.sort(
        [
            pl.col("criteria_met"),
            current_yes,
            pl.col("n_domestic"),
            pl.col("last_domestic_at"),
            pl.col("person_id"),
        ],
        descending=[True, True, True, True, False],
        nulls_last=True,
    )
    return ordered.with_row_index("rank", offset=1).select(
        pl.col("rank").cast(pl.Int64),
        "person_id",
        "criteria_met",
        *CRITERIA,
        "n_yes",
        "n_not_known",
        "n_asked",
        "yes_questions",
        "assessment_id",
        "assessed_at",
        "assessment_current",
        "risk_level",
        "agency",
        "n_domestic",
        "last_domestic_at",
    )


def high_risk_assessments(
    assessments: pl.DataFrame,
    *,
    since: dt.datetime,
    until: dt.datetime,
    config: RiskConfig | MaracConfig | None = None,
) -> pl.DataFrame:
    """The assessments made in ``[since, until)`` that are judged high risk by the
    assessment criteria of :func:`marac_referrals` (one rule: its ``_criteria``):
    visible high risk (``visible_high_risk_yes`` or more yes answers) or
    professional judgement (:func:`_judged_high`). Every assessment counts, not only
    each victim's latest: a victim assessed twice in the span is listed twice.
    Potential escalation is a criterion of the victim's incidents, not of an
    assessment, and is not tested here.

    Returns ``assessment_id``, ``person_id``, ``assessed_at``,
    ``time_precision`` (``day``: a date alone; null when not given),
    ``incident_id``, ``agency``, ``risk_level``, ``n_yes``, ``n_asked``,
    ``visible_high_risk``, ``professional_judgement``, latest first (then the
    larger ``assessment_id`` first, as :func:`marac_referrals` takes the latest).
    """
    cfg = _marac_config(config)
    check_frame(assessments, ["assessment_id", "person_id", "assessed_at"], name="dash")
    for col, dtype in (
        ("incident_id", pl.String),
        ("time_precision", pl.String),
        ("professional_judgement", pl.Boolean),
        ("risk_level", pl.String),
        ("agency", pl.String),
    ):
        if col not in assessments.columns:
            assessments = assessments.with_columns(pl.lit(None, dtype=dtype).alias(col))
    made = assessments.filter(
        (pl.col("assessed_at") >= since) & (pl.col("assessed_at") < until)
    )
    judged = _criteria(
        dash_answers(made).with_columns(
            pl.lit(value=True).alias("assessment_current"),
            pl.col("professional_judgement").cast(pl.Boolean).fill_null(value=False),
            pl.lit(0, dtype=pl.Int64).alias("n_domestic"),
        ),
        cfg,
    )
    return (
        judged.filter(pl.col("visible_high_risk") | pl.col("professional_judgement"))
        # latest first, as the MARAC list takes a victim's latest (the time, then
        # the id: of two made at one time, the larger id, as _latest_assessments)
        .sort(["assessed_at", "assessment_id"], descending=[True, True])
        .select(
            "assessment_id",
            "person_id",
            "assessed_at",
            "time_precision",
            "incident_id",
            "agency",
            "risk_level",
            "n_yes",
            "n_asked",
            "visible_high_risk",
            "professional_judgement",
        )
    )


def criterion_rules(params: Mapping[str, Any]) -> dict[str, str]:
    """Each criterion's rule with its threshold, in the words of the table caption
    of ``avert analyse marac`` (``params``: a :class:`MaracResult`'s)."""
    return {
        "visible_high_risk": f"{params['visible_high_risk_yes']}+ yes",
        "professional_judgement": (
            "the assessor judged the risk high (the judgement flag, or a recorded "
            f"level of high with fewer than {params['visible_high_risk_yes']} yes)"
        ),
        "potential_escalation": (
            f"{params['escalation_incidents']}+ domestic incidents as a victim in "
            f"{params['escalation_window_days']} days"
        ),
    }


def person_domestic_risk(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    assessments: pl.DataFrame,
    *,
    person_id: str,
    at: dt.datetime,
    config: RiskConfig | MaracConfig | None = None,
) -> dict[str, Any] | None:
    """One person's domestic abuse risk as of ``at``: the latest DASH assessment up
    to ``at``, each MARAC criterion met or not with its rule and the person's
    value, the notes (an assessment older than the window; a domestic incident
    after it: reassess) and the answers with their labels
    (:data:`DASH_QUESTION_LABELS`). The criteria are those of
    :func:`marac_referrals` (one computation: its ``_criteria``), on the person's
    rows only. None when the person has neither an assessment up to ``at`` nor a
    domestic incident as a victim in the window, their incidents of the window
    carrying the domestic flag. ``domestic_recorded`` is the MARAC list's
    (:attr:`MaracResult.domestic_recorded`) on ``incidents`` (the person's): False
    when none of them carries the flag, so their domestic incidents are not known
    (not 0) and the section is there to say so, assessment or not.
    """
    cfg = _marac_config(config)
    days = cfg.escalation_window_days
    notes: list[str] = []
    mine = assessments.filter(pl.col("person_id") == person_id)
    latest = _latest_assessments(mine, at, days)
    victims = _domestic_victimisations(
        incidents,
        involvements.filter(pl.col("person_id") == person_id),
        at,
        days,
        notes,
    )
    recorded = _domestic_recorded(incidents, at, days)
    if not recorded and not victims.height:
        victims = pl.DataFrame(
            {"person_id": [person_id], "n_domestic": [0], "last_domestic_at": [None]},
            schema=victims.schema,
        )
    per = _criteria(
        latest.join(victims, on="person_id", how="full", coalesce=True), cfg
    )
    if per.height == 0:
        return None
    row = per.row(0, named=True)
    assessment = None if latest.height == 0 else latest.row(0, named=True)
    params = _params(cfg)
    rules = criterion_rules(params)
    values = _criterion_values(row, assessment)
    if not recorded:
        values["potential_escalation"] = (
            "not recorded: none of their incidents of the window carries a "
            "domestic flag"
        )
    notes.extend(_person_notes(row, assessment, at, days))
    return {
        "at": at,
        "window_days": days,
        "params": params,
        "source": _source(cfg),
        "assessment": assessment,
        "criteria": [
            {
                "criterion": c,
                "name": CRITERION_NAMES[c],
                "rule": rules[c],
                "met": bool(row[c]),
                "value": values[c],
            }
            for c in CRITERIA
        ],
        "criteria_met": int(row["criteria_met"]),
        "n_domestic": int(row["n_domestic"]),
        "domestic_recorded": recorded,
        "last_domestic_at": row["last_domestic_at"],
        "notes": notes,
        "answers": _answers(mine, assessment),
    }


def _criterion_values(
    row: dict[str, Any], assessment: dict[str, Any] | None
) -> dict[str, str]:
    """What the person has, per criterion, in words."""
    stale = "" if row["assessment_current"] else " (not current)"
    if assessment is None:
        yes = judged = "no DASH assessment"
    else:
        yes = f"{row['n_yes']} yes of {row['n_asked']} asked{stale}"
        if assessment["professional_judgement"]:
            judged = f"judged high by the assessor{stale}"
        elif assessment["risk_level"] == "high":
            judged = f"recorded level high{stale}"
        else:
            level = assessment["risk_level"] or "none"
            judged = f"not judged high (recorded level: {level})"
    n = row["n_domestic"]
    return {
        "visible_high_risk": yes,
        "professional_judgement": judged,
        "potential_escalation": f"{n} domestic incident{'' if n == 1 else 's'}",
    }


def _person_notes(
    row: dict[str, Any],
    assessment: dict[str, Any] | None,
    at: dt.datetime,
    days: int,
) -> list[str]:
    """The conditions of :func:`_assessment_notes`, said of one person."""
    if assessment is None:
        return [
            f"No DASH assessment recorded up to {at:%Y-%m-%d}: only potential "
            "escalation can be met; assess."
        ]
    if not assessment["assessment_current"]:
        return [
            f"The latest DASH assessment is older than {days} days (made on or "
            f"before {window_start(at, days):%Y-%m-%d}): not current, so its "
            "answers and judgement meet no criterion; reassess."
        ]
    last = row["last_domestic_at"]
    if last is not None and last > assessment["assessed_at"]:
        return [
            f"A domestic incident as a victim on {last:%Y-%m-%d} came after the "
            "latest DASH assessment: its answers predate it (SafeLives asks for a "
            "new checklist after each new incident); reassess."
        ]
    return []


def _answers(
    mine: pl.DataFrame, assessment: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The questions of the latest assessment with their labels and answers
    (``None``: not asked)."""
    if assessment is None:
        return []
    answered = mine.filter(pl.col("assessment_id") == assessment["assessment_id"])
    got = answered.row(0, named=True)
    return [
        {"question": i + 1, "label": label, "answer": got.get(f"q{i + 1}")}
        for i, label in enumerate(DASH_QUESTION_LABELS)
    ]
