"""``avert forecast``: where to patrol in the next hours, and how well that works.

``avert forecast --at ... --horizon 24h --cells 20`` writes the forecast grid and the
top cells for a patrol budget, with the share of incidents the same budget caught
when backtested on the last 90 days. ``avert forecast evaluate`` runs the
rolling-origin evaluation of ``docs/places.md`` on the store or on a CSV/Parquet file.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, TypeVar

import typer

from avert.cli._common import (
    check_out_dir,
    check_out_file,
    console,
    get_settings,
    print_json,
    print_notes,
    read_events,
    with_cell_names,
)
from avert.cli._options import (
    AllIncidentsOpt,
    EventsCsvOpt,
    JsonOpt,
    PlacesCellOpt,
    PoliceForceNamedOpt,
    PoliceForceOpt,
    overwrite_option,
)
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP
from avert.cli._time import when as time_option
from avert.config.choices import FORECAST_MODELS as MODELS
from avert.errors import ConfigError

if TYPE_CHECKING:
    from avert.analyse.forecast import ForecastPlan
    from avert.workflows.forecast import Evaluation

__all__ = ["register"]

_T = TypeVar("_T")

forecast_app = typer.Typer(
    help=(
        "Place forecasts: the top cells for the next hours with their backtested "
        "share (avert forecast --at ...), and their evaluation (avert forecast evaluate)."
    ),
    invoke_without_command=True,
)


def _cell_size(ctx: typer.Context, cell: float | None) -> float:
    """``--cell`` if given, else the ``places_cell_m`` setting (as the web and briefing)."""
    return cell if cell is not None else get_settings(ctx).places_cell_size()


def _usage(check: Callable[[str], _T], value: str, option: str) -> _T:
    """``check(value)``, its ``ConfigError`` a usage error (exit 2) naming ``option``."""
    try:
        return check(value)
    except ConfigError as err:
        raise typer.BadParameter(str(err), param_hint=option) from err


def _check_budget(cells: int | None, km2: float | None) -> None:
    """Usage error unless the patrol budget is one of --cells or a positive --km2
    (the budget's check against the grid waits for the events)."""
    if cells is not None and km2 is not None:
        msg = "give the patrol budget either in cells or in km², not both"
        raise typer.BadParameter(msg, param_hint="'--cells' / '--km2'")
    if km2 is not None and not 0 < km2 < math.inf:  # NaN too
        msg = f"must be a positive area in km²; got {km2:g}"
        raise typer.BadParameter(msg, param_hint="--km2")


@forecast_app.callback()
def forecast(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Start of the forecast period (required unless a subcommand is "
            "given). " + TIME_HELP,
        ),
    ] = None,
    horizon: Annotated[
        str, typer.Option("--horizon", help="Length of the period: 24h, 7d ...")
    ] = "24h",
    cells: Annotated[
        int | None,
        typer.Option(
            "--cells", min=1, help="Patrol budget in cells (default: 20 unless --km2)."
        ),
    ] = None,
    km2: Annotated[
        float | None,
        typer.Option(
            "--km2",
            help="Patrol budget in square km, instead of --cells (default: none, "
            "the budget is --cells).",
        ),
    ] = None,
    cell: PlacesCellOpt = None,
    model: Annotated[
        str, typer.Option("--model", help=f"One of {', '.join(MODELS)}.")
    ] = "default",
    backtest_days: Annotated[
        int,
        typer.Option(
            "--backtest-days", min=0, help="Days the expected share is measured on."
        ),
    ] = 90,
    history_days: Annotated[
        float,
        typer.Option(
            "--history-days",
            min=0,
            help="Days of events the model learns from before the backtest "
            "(0: every event); 365, as the briefing. The default model adds its "
            "long-memory maps when the events it is given span more than 548 "
            "days (1.5 years) before --at: these are --history-days plus "
            "--backtest-days, so with the 90 backtest days --history-days 459 "
            "and above brings them in (the method printed names them).",
        ),
    ] = 365.0,
    csv: EventsCsvOpt = None,
    all_incidents: AllIncidentsOpt = False,
    force: PoliceForceOpt = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for grid.csv, top_cells.csv, .json.")
    ] = Path("forecast"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the forecast JSON.")
    ] = False,
) -> None:
    """Forecast the next --horizon from --at and list the top cells of a budget."""
    if ctx.invoked_subcommand is not None:
        return
    if at is None:
        raise typer.BadParameter("is required (or use a subcommand)", param_hint="--at")
    if cells is None and km2 is None:
        cells = 20
    from avert.workflows._forces import of_force
    from avert.workflows.forecast import (
        model_name,
        parse_horizon,
        plan_to_dict,
        refuse_month_starts,
        run_forecast,
        write_forecast,
    )

    check_out_dir(out)
    when = time_option(ctx, at, "--at")
    # every option is checked before the store is opened (or a CSV read)
    period_length = _usage(parse_horizon, horizon, "--horizon")
    model = _usage(model_name, model, "--model")
    _check_budget(cells, km2)
    events = of_force(
        read_events(
            ctx, csv, all_incidents=all_incidents, day_resolution=True, forces=True
        ),
        force,
    )
    refuse_month_starts(events)
    plan = run_forecast(
        events,
        at=when,
        horizon=period_length,
        cell_size_m=_cell_size(ctx, cell),
        model=model,
        cells=cells,
        km2=km2,
        backtest_days=backtest_days,
        history_days=history_days or None,
    )
    plan = replace(
        plan, frame=with_cell_names(ctx, csv, plan.frame, end=when)
    )  # what each top cell is near, as the briefing names it
    files = write_forecast(plan, out)
    if as_json:
        print_json(plan_to_dict(plan))
        return
    _print_plan(plan, horizon=horizon, when=when, model=model, cells=cells, km2=km2)
    console.print(f"Wrote {', '.join(str(p) for p in files.values())}")


def _print_plan(
    plan: ForecastPlan,
    *,
    horizon: str,
    when: dt.datetime,
    model: str,
    cells: int | None,
    km2: float | None,
) -> None:
    """The forecast's budget line with its backtested share, its notes, the top
    cells and what the risk column means."""
    from avert.workflows.forecast import budget_note, grid_notes

    share = (
        "n/a (no events in the backtest days)"
        if plan.backtest_share is None
        else f"{100 * plan.backtest_share:.1f} % of incidents"
    )
    console.print(
        f"{plan.k} cells of {plan.grid.cell_size_m:g} m ({plan.area_km2:.2f} km²) "
        f"for {horizon} from {when:%Y-%m-%d %H:%M}; "
        f"expected share, backtested on the last {plan.backtest_days} days: {share}"
    )
    note = budget_note(plan, cells=cells, km2=km2)
    notes = [*grid_notes(plan), *([note] if note else [])]
    if notes:
        print_notes(notes)
    own = "part_own" in plan.frame.columns  # a model made of parts (the default)
    # what a cell is near: none for events from a file (no place names)
    named = plan.frame.get_column("near").drop_nulls().len() > 0
    print_table(
        [
            Col("rank", "fixed", "right"),
            Col("cell", "id"),
            *([Col("near", "text", drop=2)] if named else []),
            Col("x", "fixed", "right", drop=4),
            Col("y", "fixed", "right", drop=4),
            Col("risk", "fixed", "right", drop=1),
            *([Col("own record", "fixed", "right", drop=3)] if own else []),
        ],
        [
            [
                str(r["rank"]),
                str(r.get("cell_id", f"{r['row']},{r['col']}")),
                *([r["near"] or "-"] if named else []),
                f"{r['x']:.0f}",
                f"{r['y']:.0f}",
                f"{r['risk']:.4g}",
                *([f"{100 * r['part_own']:.0f} %"] if own else []),
            ]
            for r in plan.frame.head(20).iter_rows(named=True)
        ],
    )
    # the column's unit depends on the model: the default's grid is a share of the
    # forecast (sums to 1), counting's a count, sepp's expected events
    total = float(plan.risk.sum())
    console.print(
        "risk: each cell's share of the whole forecast (all cells sum to 1)"
        if abs(total - 1.0) < 1e-6
        else f"risk: the {model} model's score per cell (all cells sum to "
        f"{total:,.4g}), for ranking cells; not a probability"
    )
    if own:
        console.print(
            "own record: the share of a cell's risk from its own incidents; the rest "
            "from its neighbours', a floor every cell has and the last few days' "
            "incidents nearby (top_cells.csv: part_own, part_near, part_floor, "
            "part_recent)."
        )
    # the method of this forecast: the default's maps depend on the history given
    # (past 1.5 years, two long-memory maps join; docs/places.md)
    console.print(f"method ({model}): {plan.method}")
    if plan.maps:
        weighed = "; ".join(f"{name} {w:.2f}" for name, w in plan.maps)
        console.print(f"maps and their weights: {weighed} (forecast.json: maps)")


@forecast_app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated models to evaluate.")
    ] = "counting,default",
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            "--start",
            help="First test day, an ISO date or a month YYYY-MM (its first "
            "day; default: the last --days days).",
        ),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, help="Number of test days.")
    ] = 90,
    train_days: Annotated[
        float | None,
        typer.Option(
            "--train-days", min=0, help="Training window in days (0: all history)."
        ),
    ] = 365.0,
    coverages: Annotated[
        str, typer.Option("--coverages", help="Coverages in percent, comma-separated.")
    ] = "1,2,5,10",
    cell: PlacesCellOpt = None,
    csv: EventsCsvOpt = None,
    all_incidents: AllIncidentsOpt = False,
    per_day: Annotated[
        Path | None, typer.Option("--per-day", help="Write per-day hits to this CSV.")
    ] = None,
    overwrite: Annotated[
        bool, overwrite_option("Replace the --per-day file if it exists.")
    ] = False,
    police_force: PoliceForceNamedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rolling-origin evaluation: hit rate and PAI per coverage, bbox and active cells."""
    import polars as pl

    from avert.workflows._forces import of_force
    from avert.workflows.forecast import model_name, run_forecast_evaluation

    # every option is checked before the store is opened (or a CSV read)
    covs = _coverages(coverages)
    try:
        first = _first_day(start) if start else None
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--from") from err
    names = [
        _usage(model_name, m.strip(), "--models")
        for m in models.split(",")
        if m.strip()
    ]
    if per_day is not None:
        # an existing file is replaced only with --overwrite (docs/command-line.md);
        # it was written over, and a folder given failed after the whole evaluation
        check_out_file(per_day, overwrite=overwrite, option="--per-day")
    events = of_force(
        read_events(
            ctx, csv, all_incidents=all_incidents, day_resolution=True, forces=True
        ),
        police_force,
    )
    ev = run_forecast_evaluation(
        events,
        force_option="--police-force",
        models=names,
        cell_size_m=_cell_size(ctx, cell),
        start=first,
        days=days,
        train_days=train_days or None,
        coverages=covs,
    )
    if per_day is not None:
        pl.concat(
            [f.with_columns(model=pl.lit(m)) for m, f in ev.per_day.items()]
        ).write_csv(per_day)
    if as_json:
        print_json(ev.to_dict())
        return
    _print_evaluation(ev)


def _print_evaluation(ev: Evaluation) -> None:
    """The evaluation's table: hit rate, PAI and mean daily hit rate per model,
    basis (bbox or active cells) and coverage, after its test days and grid;
    then its notes."""
    rows = [
        [
            r["model"],
            r["basis"],
            f"{100 * r['coverage']:g} %",
            f"{r['hit_rate']:.3f}",
            f"{r['pai']:.2f}",
            "n/a"
            if r["mean_daily_hit_rate"] is None
            else f"{r['mean_daily_hit_rate']:.3f}",
        ]
        for r in ev.summary.iter_rows(named=True)
    ]
    console.print(
        f"{len(ev.days)} test days from {ev.days[0]}; grid {ev.grid.shape[0]} x "
        f"{ev.grid.shape[1]} cells of {ev.grid.cell_size_m:g} m"
    )
    print_table(
        [
            Col("model", "id"),
            Col("basis", "fixed"),
            Col("coverage", "fixed", "right"),
            Col("hit rate", "fixed", "right"),
            Col("PAI", "fixed", "right"),
            Col("mean daily", "fixed", "right", drop=1),
        ],
        rows,
        caption=_BASES_CAPTION.format(cells=ev.grid.shape[0] * ev.grid.shape[1]),
    )
    print_notes(ev.notes)


#: What the two bases of coverage mean (docs/places.md): without it, Toronto's
#: "counting bbox 1 %: hit rate 0.457, PAI 45.67" (30 days to 2021-12-31) read as
#: the forecast's own figure, beside "active 1 %: 0.187, 18.66"; the rectangle
#: holds Lake Ontario
_BASES_CAPTION: Final = (
    "coverage: the share of cells selected, highest risk first; bbox: of all {cells:,} "
    "cells of the rectangle around every event, many where nothing happens (water, "
    "parks), so its hit rates and PAI read high; active: of the cells with an event "
    "in the data, the fairer basis for a patrol plan"
)


def _first_day(text: str) -> dt.date:
    """``evaluate --from``: an ISO date, or a month alone (``2019-06``) as its
    first day, as every other ``--from`` reads it (:mod:`avert.cli._time`)."""
    text = text.strip()
    if len(text) == 7 and text[4] == "-":
        return dt.date.fromisoformat(f"{text}-01")
    return dt.date.fromisoformat(text)


def _coverages(text: str) -> list[float]:
    """``--coverages`` as shares: a usage error unless percents in (0, 100]."""
    try:
        covs = [float(c) / 100 for c in text.split(",") if c.strip()]
    except ValueError:
        covs = []
    if not covs or not all(0 < c <= 1 for c in covs):  # NaN too
        msg = f"must be percents in (0, 100], e.g. 1,2,5,10; got {text!r}"
        raise typer.BadParameter(msg, param_hint="--coverages")
    return covs


def register(app: typer.Typer) -> None:
    """Add ``avert forecast`` to the root app."""
    app.add_typer(forecast_app, name="forecast")
