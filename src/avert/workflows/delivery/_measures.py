"""Objectives' measures against their targets, through the performance engine."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from avert.access import audience_of
from avert.analyse.performance import PerformanceResult, SeriesResult
from avert.config.definitions import load_profile
from avert.config.settings import Settings
from avert.config.timezone import local_today
from avert.delivery.measures import MeasureSpec, judge, parse_measure, path_value
from avert.delivery.model import STATUSES
from avert.errors import ConfigError, NotFound, SchemaError
from avert.store import Store, audit, queries
from avert.store.summary import classified_profiles
from avert.workflows.board import first_of_month, run_performance
from avert.workflows.definition_words import category_titles
from avert.workflows.delivery._actions import (
    board_actions,
    plan_grid,
    plan_rag,
    read_actions,
)
from avert.workflows.delivery._asof import read_delivery
from avert.workflows.delivery._checks import checks_view
from avert.workflows.delivery._common import (
    _system_user,
    objectives_shown,
    partner_pseudonymiser,
    people_written,
)
from avert.workflows.delivery._runs_kept import kept_run
from avert.workflows.users import User, audit_as

# --- objective measures --------------------------------------------------------------
#: Months of history before the recent period behind a measure's performance verdict.
VERDICT_BASELINE_MONTHS = 36


def _categories_of(definition: str) -> frozenset[str] | None:
    """The categories of a definition profile, an id or a violence TOML file (None
    when it cannot be loaded)."""
    try:
        return frozenset(load_profile(definition).precedence)
    except (ConfigError, OSError):
        return None


def _measure_window_end(store: Store, today: dt.date) -> dt.date | None:
    """The last day of the last complete month with data, on or before ``today``.

    Month-precision data (police.uk) covers its whole latest month; exact data
    covers up to the day of its latest incident.
    """
    before = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    ends = []
    month = queries.latest_time(store, before=before, precision="month")
    if month is not None:
        ends.append(first_of_month(month.date(), 1) - dt.timedelta(days=1))
    exact = queries.latest_time(store, before=before, precision="exact")
    if exact is not None:
        ends.append(exact.date())
    if not ends:
        return None
    data_to = min(max(ends), today)
    if (data_to + dt.timedelta(days=1)).day == 1:
        return data_to
    return data_to.replace(day=1) - dt.timedelta(days=1)


def _series_of(result: PerformanceResult, spec: MeasureSpec) -> SeriesResult | None:
    """The series of ``result`` the measure names (area, category, flag), if any."""
    area = spec.area.lower() if spec.area_field else "all"
    return next(
        (
            s
            for s in result.series
            if s.area.lower() == area
            and s.category == spec.category
            and s.flag == spec.flag
        ),
        None,
    )


NO_MONTH_MEASURED = (
    "no month of these data can be measured: every month of the series' span is "
    "left out, not loaded or only part covered (a source with no record in it while "
    "another has some), as on the Performance page"
)


def _has_totals(result: PerformanceResult) -> bool:
    """Whether the performance result holds a total series (every category and
    flag): none when every month of its span was left out as without data."""
    return any(s.category == "all" and s.flag == "all" for s in result.series)


def _monthly(
    result: PerformanceResult, spec: MeasureSpec, *, defined: bool
) -> pl.DataFrame | None:
    """``period``, ``value`` of the measure's series in a performance result.

    Zeros when the area, flag or category simply had no event; None when the
    category is neither a series of the result nor ``defined`` (a category of the
    definition: one with no event in the months is a series of zeros).
    """
    column = "harm" if spec.measure == "harm" else "count"
    totals = [s for s in result.series if s.category == "all" and s.flag == "all"]
    if not totals:
        return None
    found = _series_of(result, spec)
    if found is not None:
        return found.chart.select(
            "period", pl.col(column).fill_null(0).cast(pl.Float64).alias("value")
        )
    if (
        spec.category != "all"
        and not defined
        and not any(s.category == spec.category for s in result.series)
    ):
        return None
    return totals[0].chart.select("period", pl.lit(0.0).alias("value"))


def _first_full_month(store: Store, result: PerformanceResult) -> dt.date | None:
    """The first month the data cover whole: the first month with any incident when
    the data start on its first day, else the month after."""
    totals = [
        s.chart.select("period", "count")
        for s in result.series
        if s.category == "all" and s.flag == "all"
    ]
    if not totals:
        return None
    counts = pl.concat(totals).group_by("period").agg(pl.col("count").sum())
    first = counts.filter(pl.col("count") > 0)["period"].min()
    if not isinstance(first, dt.date):
        return None
    day_one = dt.datetime.combine(first, dt.time())
    on_day_one = store.read_frame(
        "incidents",
        columns=["incident_id"],
        where=[
            ("occurred_from", ">=", day_one),
            ("occurred_from", "<", day_one + dt.timedelta(days=1)),
        ],
    )
    return first if on_day_one.height else first_of_month(first, 1)


def _measure_run(
    store: Store,
    spec: MeasureSpec,
    *,
    profile: str,
    recent_from: dt.date,
    to: dt.date,
) -> tuple[PerformanceResult, dt.date | None]:
    """The performance run behind a measure, and the first full month of data.

    Up to 36 months of baseline before ``recent_from``, from the first full month
    of data (no zero-filled months before the data start).
    """

    def run(
        baseline_from: dt.date, baseline_to: dt.date, date_from: dt.date
    ) -> PerformanceResult:
        return run_performance(
            store,
            by=spec.area_field,
            baseline_from=baseline_from,
            baseline_to=baseline_to,
            date_from=date_from,
            date_to=to,
            profile=profile,
            peers=0,
            measure=spec.measure,
        )

    before_recent = recent_from - dt.timedelta(days=1)
    baseline_from = first_of_month(recent_from, -VERDICT_BASELINE_MONTHS)
    try:
        result = run(baseline_from, before_recent, recent_from)
        first = _first_full_month(store, result)
        if first is not None and baseline_from < first < recent_from:
            result = run(first, before_recent, recent_from)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        # the seasonal model failed on these counts: the values without a verdict
        # (one baseline month is too few to fit a model)
        result = run(
            first_of_month(baseline_from, -1),
            baseline_from - dt.timedelta(days=1),
            baseline_from,
        )
        result = dataclasses.replace(
            result,
            series=tuple(dataclasses.replace(x, verdict="") for x in result.series),
        )
        first = _first_full_month(store, result)
    return result, first


def _sum_between(monthly: pl.DataFrame, start: dt.date, end: dt.date) -> float:
    return float(monthly.filter(pl.col("period").is_between(start, end))["value"].sum())


def _taskings_share(
    taskings: pl.DataFrame, start: dt.date, end: dt.date
) -> float | None:
    """Share of the taskings due in ``start``..``end`` that have a result."""
    due = taskings.filter(
        (pl.col("status") != "cancelled")
        & pl.col("due").dt.date().is_between(start, end)
    )
    if due.height == 0:
        return None
    return float(due["result"].is_not_null().sum()) / due.height


def objective_measures(
    store: Store,
    settings: Settings,
    *,
    today: dt.date | None = None,
    user: User | None = None,
    names: queries.StoredNames | None = None,
) -> list[dict[str, Any]]:
    """Every objective's measure against its baseline and target, as at ``today``.

    For a partner or board ``user``, a stored record id or name written in an
    objective's title or id is shown as its pseudonym
    (:func:`avert.workflows.delivery._common.objectives_shown`, with
    ``names`` if an output of several parts keeps them).

    The measure (``avert.delivery.measures.parse_measure``) names a series of the
    performance engine (:func:`avert.workflows.board.run_performance`) or a store
    figure. Its *current value* is the last ``per`` (default 12) complete months of
    data up to ``today``; the *path* runs in a straight line from the baseline at
    the plan's start to the target at its end; the status is on or off track
    against the path (or insufficient data, or not measured: see
    ``MEASURE_STATUSES``). The performance *verdict* of the same series compares
    the months since the plan started (or the current months) with the seasonal
    expectation of the up to 36 months before. A plan without a baseline gets the
    measured value of the ``per`` before its start.
    """
    today = today or local_today(settings.timezone)
    objectives = read_delivery(store, "objective", today=today).sort(
        "plan_id", "objective_id"
    )
    if objectives.height == 0:
        return []
    plans = {
        p["plan_id"]: p for p in read_delivery(store, "plan", today=today).to_dicts()
    }
    if user is not None and audience_of(user.role) != "police":
        objectives = objectives_shown(
            store, partner_pseudonymiser(settings, reader=user), objectives, names
        )
    window_end = _measure_window_end(store, today)
    figures = _Figures(store)
    out: list[dict[str, Any]] = []
    for obj in objectives.to_dicts():
        spec = parse_measure(obj["indicator"], obj["indicator_filter"])
        plan = plans.get(obj["plan_id"]) or {}
        profile = spec.definition or settings.definition_id()
        row = _measure_row(obj, spec, category_titles(profile))
        out.append(row)
        # the setting may name a TOML file: its categories are the file's
        known = _categories_of(spec.definition or settings.definition)
        if _not_measurable(row, obj, spec, profile, known):
            continue
        if window_end is None:
            row.update(status="insufficient_data", reason="no incidents in the store")
            continue
        start = plan.get("period_start")
        measured = figures.measure(
            row, spec, profile, known, start=start, to=window_end
        )
        if measured is not None:
            _judge(row, spec, measured, plan, window_end)
    return out


def _category_said(category: str, profile: str) -> str:
    """A category as the plan says it: its name in the definition ``profile``, else
    its id in words."""
    return category_titles(profile).get(category) or category.replace("_", " ")


def _measure_row(
    obj: dict[str, Any], spec: MeasureSpec, category_names: dict[str, str]
) -> dict[str, Any]:
    """An objective's row before it is measured (status ``not_measured``); its
    series names its category as the definition does (``category_names``)."""
    return {
        "objective_id": obj["objective_id"],
        "plan_id": obj["plan_id"],
        "strand": obj["strand"],
        "title": obj["title"],
        "indicator": obj["indicator"],
        "filter": obj["indicator_filter"],
        "series": spec.label(category_names) if spec.kind != "unknown" else None,
        "per": spec.per,
        "baseline": obj["baseline"],
        "baseline_source": "plan" if obj["baseline"] is not None else None,
        "measured_baseline": None,
        "target": obj["target"],
        "current": None,
        "path": None,
        "window_from": None,
        "window_to": None,
        "status": "not_measured",
        "verdict": None,
        "verdict_reason": None,
        # the months the verdict judges and its baseline (None: no verdict)
        "verdict_from": None,
        "verdict_to": None,
        "verdict_baseline_from": None,
        "verdict_baseline_to": None,
        "verdict_months_missing": None,
        "rate_ratio": None,
        "p_value": None,
        "reason": spec.problem,
    }


def _not_measurable(
    row: dict[str, Any],
    obj: dict[str, Any],
    spec: MeasureSpec,
    profile: str,
    known: frozenset[str] | None,
) -> bool:
    """Whether avert cannot measure the objective (``row`` then says why);
    ``known`` are the categories of the definition ``profile``."""
    if spec.kind == "unknown":
        if spec.problem is None or spec.problem == "no indicator":
            row["reason"] = "no indicator" if not obj["indicator"] else None
        if row["reason"] is None:
            row["reason"] = f"avert does not compute {obj['indicator']!r}"
        return True
    if (
        spec.kind == "series"
        and spec.category != "all"
        and known is not None
        and spec.category not in known
    ):
        row.update(
            series=None,
            reason=f"reported by hand (not a series of avert nor a "
            f"category of {profile})",
        )
        return True
    return False


@dataclass(frozen=True)
class _Measured:
    """A measure's current value, its value before the plan and the first full month."""

    current: float | None
    measured_base: float | None
    first_full: dt.date | None


@dataclass(frozen=True)
class _Window:
    """A measure's months: the current ``start``..``end``, the same length before the
    plan starts (None without a start), and where the verdict's recent period starts
    (the plan's start when it falls in the current months, else ``start``)."""

    start: dt.date
    end: dt.date
    before_plan: tuple[dt.date, dt.date] | None
    recent_from: dt.date

    @classmethod
    def of(cls, months: int, *, start: dt.date | None, to: dt.date) -> _Window:
        w_from = first_of_month(to, 1 - months)
        if start is None:
            return cls(w_from, to, None, w_from)
        before = (
            first_of_month(start, -months),
            first_of_month(start, 0) - dt.timedelta(days=1),
        )
        recent_from = first_of_month(start, 0)
        if not (w_from <= recent_from <= to):
            recent_from = w_from
        return cls(w_from, to, before, recent_from)


class _Figures:
    """Measures' values from one store, sharing performance runs and the taskings."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._runs: dict[tuple[Any, ...], tuple[PerformanceResult, dt.date | None]] = {}
        self._taskings: pl.DataFrame | None = None
        self._classified: frozenset[str] | None = None

    def _defined(
        self, profile: str, known: frozenset[str] | None, category: str
    ) -> bool:
        """Whether ``category`` is one of the definition's and the store is classified
        under it: only then is a category without events a series of zeros (an
        unclassified run's categories are police.uk crime types); ``known`` are the
        definition's categories."""
        if known is None or category not in known:
            return False
        if self._classified is None:
            self._classified = frozenset(classified_profiles(self.store))
        return profile in self._classified

    def measure(
        self,
        row: dict[str, Any],
        spec: MeasureSpec,
        profile: str,
        known: frozenset[str] | None,
        *,
        start: dt.date | None,
        to: dt.date,
    ) -> _Measured | None:
        """The measure over its ``per`` months to ``to`` (the window is set on
        ``row``); None when it has no value (``row`` then says why)."""
        window = _Window.of(spec.months, start=start, to=to)
        row.update(window_from=window.start, window_to=to)
        if spec.kind == "store":
            return self._taskings_measure(window)
        return self._series_measure(row, spec, profile, known, window)

    def _unseen(
        self,
        result: PerformanceResult,
        spec: MeasureSpec,
        window: _Window,
        profile: str,
    ) -> str | None:
        """Why a category or flag without a single event cannot be read as 0 (None
        when it can): the data hold violence of no category, which may be of this
        one (police.uk's "violence and sexual offences", a table mapped onto
        police.uk categories), or no incident of the months records the flag."""
        if spec.category != "all":
            hidden = {k: n for k, n in _uncategorised(result, spec).items() if n}
            if not hidden:
                return None
            names = ", ".join(
                f"{k.removeprefix('police.uk: ')}: {n:,}" for k, n in hidden.items()
            )
            return (
                # the category by name, as the measure's label reads it ("Most
                # Serious Violence (MSV)", not the key 'most_serious_violence')
                f"no incident in these data is classified as "
                f"{_category_said(spec.category, profile)}, but "
                f"{sum(hidden.values()):,} in the definition carry only their "
                f"police.uk category ({names}), which may hold some: these data "
                "cannot tell this category apart, so 0 is no finding"
            )
        if spec.flag != "all":
            start = dt.datetime.combine(window.start, dt.time())
            end = dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time())
            recorded = self.store.read_frame(
                "incidents",
                columns=["incident_id"],
                where=[
                    ("occurred_from", ">=", start),
                    ("occurred_from", "<", end),
                    (spec.flag, "is not null", None),
                ],
            )
            if recorded.height == 0:
                return (
                    f"no incident of these months records {spec.flag} (blank, not "
                    f"'none': the data do not say), so 0 is no finding"
                )
        return None

    def _taskings_measure(self, window: _Window) -> _Measured:
        if self._taskings is None:
            self._taskings = self.store.read_frame("taskings")
        taskings = self._taskings
        first_due = taskings["due"].min() if taskings.height else None
        before = window.before_plan
        return _Measured(
            current=_taskings_share(taskings, window.start, window.end),
            measured_base=_taskings_share(taskings, *before) if before else None,
            first_full=first_due.date() if isinstance(first_due, dt.datetime) else None,
        )

    def _series_measure(
        self,
        row: dict[str, Any],
        spec: MeasureSpec,
        profile: str,
        known: frozenset[str] | None,
        window: _Window,
    ) -> _Measured | None:
        w_from, window_end = window.start, window.end
        before_start = window.before_plan
        key = (spec.area_field, profile, spec.measure, window.recent_from, window_end)
        if key not in self._runs:
            try:
                # kept for the data generation and shared by every reader: the
                # run does not depend on who reads (a Plan page is made per
                # reader, and each reader's first one ran these again: 1.2 s of
                # CPU of the demo city's first Plan page); under a byte bound,
                # since a run split by ward can hold megabytes
                self._runs[key] = kept_run(
                    self.store,
                    ("plan-measure-run", *key),
                    lambda: _measure_run(
                        self.store,
                        spec,
                        profile=profile,
                        recent_from=window.recent_from,
                        to=window_end,
                    ),
                )
            except (SchemaError, NotFound) as err:  # e.g. harm without classify
                row.update(status="insufficient_data", reason=str(err))
                return None
        result, first_full = self._runs[key]
        monthly = _monthly(
            result, spec, defined=self._defined(profile, known, spec.category)
        )
        if monthly is None and not _has_totals(result):
            row.update(status="insufficient_data", reason=NO_MONTH_MEASURED)
            return None
        if monthly is None:
            row["reason"] = (
                f"{spec.category!r} is not a category of definition {profile!r}"
            )
            return None
        series = _series_of(result, spec)
        unseen = (
            None if series is not None else self._unseen(result, spec, window, profile)
        )
        if unseen is not None:
            row.update(status="insufficient_data", reason=unseen)
            return None
        if series is not None:
            row["verdict"] = series.verdict or None
            row["verdict_reason"] = series.reason if series.verdict else None
            if series.verdict:
                row.update(_verdict_months(result, series, window))
            if series.change is not None:
                row["rate_ratio"] = series.change.rate_ratio
                row["p_value"] = series.change.p_value
        return _Measured(
            current=(
                _sum_between(monthly, w_from, window_end)
                if first_full is not None and first_full <= w_from
                else None
            ),
            measured_base=(
                _sum_between(monthly, *before_start)
                if before_start
                and first_full is not None
                and first_full <= before_start[0]
                else None
            ),
            first_full=first_full,
        )


def _verdict_months(
    result: PerformanceResult, series: SeriesResult, window: _Window
) -> dict[str, Any]:
    """The months a measure's verdict judges and the baseline it judges them
    against (``verdict_from``/``_to``, ``verdict_baseline_from``/``_to``), for the
    row to name: up to 36 months before, where the board pack's Performance section
    takes the 24 before its last 12. Toronto's 2021 violence read "significant
    sustained reduction" (rate ratio 0.91 against 2018-20) beside "no significant
    change" (0.92 against 2019-20) in the same pack, neither saying its baseline.
    ``verdict_months_missing``: the months of that span the series leaves out as no
    data (a load missing): "against Jan 2024 to Dec 2024" read as a year's baseline
    beside "the baseline has 8 months"."""
    params = result.params
    return {
        "verdict_from": window.recent_from,
        "verdict_to": window.end,
        "verdict_baseline_from": params.get("baseline_from"),
        "verdict_baseline_to": params.get("baseline_to"),
        "verdict_months_missing": len(series.no_data),
    }


def _uncategorised(result: PerformanceResult, spec: MeasureSpec) -> dict[str, int]:
    """In-definition events of the measure's area in ``result`` with no category of
    the definition (a police.uk row on its category alone, e.g. "violence and sexual
    offences"), by label: any category of the definition may be among them."""
    area = spec.area.lower() if spec.area_field else "all"
    return {
        s.category: int(s.chart["count"].fill_null(0).sum())
        for s in result.series
        if s.flag == "all"
        and (s.category.startswith("police.uk: ") or s.category == "(in, no category)")
        and s.area.lower() == area
    }


def _judge(
    row: dict[str, Any],
    spec: MeasureSpec,
    measured: _Measured,
    plan: dict[str, Any],
    window_end: dt.date,
) -> None:
    """Set the baseline (the plan's, else the measured one), the current value, the
    path and the status on ``row``."""
    current, first_full = measured.current, measured.first_full
    row["measured_baseline"] = measured.measured_base
    if row["baseline"] is None and measured.measured_base is not None:
        row.update(baseline=measured.measured_base, baseline_source="measured")
    row["current"] = current
    if row["target"] is None:
        row["reason"] = "no target"
        return
    if current is None or row["baseline"] is None:
        row.update(
            status="insufficient_data",
            reason=(
                f"data cover {first_full:%b %Y} onwards, not the "
                f"{spec.months} months to {window_end:%b %Y}"
                if current is None and first_full is not None
                else "no data for the current months"
                if current is None
                else "no baseline: the plan states none and the data do not "
                "cover the months before its start"
            ),
        )
        return
    path = path_value(
        row["baseline"],
        row["target"],
        start=plan.get("period_start"),
        end=plan.get("period_end"),
        at=window_end,
    )
    row.update(
        path=path,
        status=judge(current, path, baseline=row["baseline"], target=row["target"]),
        reason=None,
    )


def plan_status(
    store: Store, settings: Settings, *, today: dt.date | None = None
) -> dict[str, Any]:
    """What ``avert plan status`` prints: the strand x status grid, the summary of
    the checks and each objective's measure against its target (audited view).

    ``not_checked``: why a check had nothing to look at (None when it had), as
    the plan board and the board pack say it rather than "0 of 0", which reads
    as everything in hand (:func:`avert.workflows.delivery.checks_view`).
    """
    user = _system_user()
    today = today or local_today(store.timezone)
    actions = board_actions(read_actions(store, today=today), user)
    checks = checks_view(store, settings, user=user, today=today)
    found = {
        "today": today,
        "grid": plan_grid(actions),
        "statuses": [*STATUSES, "overdue"],
        "rag": plan_rag(actions),
        "checks": checks["summary"],
        "not_checked": checks["not_checked"],
        "notes": checks["notes"],
        "measures": objective_measures(store, settings, today=today),
    }
    _audit_status(store, user, found, actions=actions.height)
    return found


def _audit_status(
    store: Store, user: User, found: dict[str, Any], *, actions: int
) -> None:
    """The ``view`` row of ``plan status``'s ``found``: the people it shows
    (an objective's id or title naming one: :func:`people_written` of its
    words, as the police read them). It wrote the plan board's row, of the
    people the actions listed there target and their titles name, which the
    status lists none of."""
    words = json.dumps(found, default=str, ensure_ascii=False)
    audit_as(
        store,
        user,
        action="view",
        obj="plan-status",
        reason=f"plan status, {actions} actions, {len(found['measures'])} measures",
        detail=audit.describe(
            people=people_written(store, [words], police=True), audience="police"
        ),
    )
