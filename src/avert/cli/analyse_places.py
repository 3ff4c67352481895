"""``avert analyse near-repeat|gistar|hotspots``: place statistics over the store or a
CSV/Parquet file (x, y in metres and occurred_at)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

from avert.cli._common import (
    console,
    get_settings,
    print_json,
    print_notes,
    read_events,
    with_cell_names,
)
from avert.cli._options import (
    AllIncidentsOpt,
    CellOpt,
    EventsCsvOpt,
    FromOpt,
    JsonOpt,
    PoliceForceOpt,
    ToOpt,
    police_force_option,
)
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP, period, when

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl

    from avert.config.places import DomesticZones
    from avert.workflows.places import StudyArea

__all__ = ["register"]

_RADIUS = Annotated[
    int, typer.Option("--radius", min=1, help="Neighbours within r cells.")
]


def _false_discovery_rate(value: float) -> float:
    """``--alpha``: a usage error naming it outside (0, 1), not the engine's
    "'alpha' parameter of gi_star" the user never typed."""
    if not 0 < value < 1:  # NaN too
        msg = f"must be between 0 and 1, e.g. 0.05 for 5 %; got {value:g}"
        raise typer.BadParameter(msg)
    return value


_ALPHA = Annotated[
    float,
    typer.Option(
        "--alpha", callback=_false_discovery_rate, help="False discovery rate."
    ),
]
_STUDY_AREA = Annotated[
    str,
    typer.Option(
        "--study-area",
        help="active: only the cells with an event in the data read (the "
        "store or --events-file) before the window's end, so a cell is hot against the places where "
        "events happen, and a cell where events happen but none did in the "
        "window can be cold; grid: every cell of the box around the window's "
        "events, mostly empty ground on a force's data, against which most "
        "cells near a few events read hot and none can be cold.",
    ),
]
_FORCE = PoliceForceOpt
_NEAR_REPEAT_FORCE = Annotated[
    str | None,
    police_force_option(
        "Only the events of this force (an id such as west-yorkshire, or its "
        "name as stored: West Yorkshire Police; for records naming no force, "
        "their source). Default: every force's, named in a note when several "
        "(their pairs counted and their times permuted together).",
    ),
]
_LIMIT = Annotated[
    int,
    typer.Option("--limit", min=0, help="Cells shown in the table (0: every cell)."),
]


def _edges(text: str, name: str) -> list[float]:
    """``--space``/``--time`` band edges: a usage error naming the option unless
    they are numbers increasing from 0 (the rule of
    :func:`avert.analyse.nearrepeat.knox_test`, which named its parameters)."""
    try:
        edges = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        msg = f"must be comma-separated numbers; got {text!r}"
        raise typer.BadParameter(msg, param_hint=f"'{name}'") from err
    if (
        len(edges) < 2
        or edges[0] != 0
        or not all(math.isfinite(e) for e in edges)
        or any(b <= a for a, b in pairwise(edges))
    ):
        msg = f"must be increasing edges starting at 0, e.g. 0,100,200; got {text!r}"
        raise typer.BadParameter(msg, param_hint=f"'{name}'")
    return edges


class _Statistic(Protocol):
    """What every place statistic's result names beside its figures."""

    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def method(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def notes(self) -> tuple[str, ...]: ...


def _print_result(result: _Statistic, **figures: object) -> None:
    """A place statistic as JSON: its parameters, ``figures``, method, source, notes."""
    from avert.report.payload import json_object

    print_json(
        json_object(
            {
                "params": dict(result.params),
                **figures,
                "method": result.method,
                "source": result.source,
                "notes": list(result.notes),
            }
        )
    )


def _table(frame: pl.DataFrame, limit: int = 30) -> None:
    """The first column is an id (a cell, a band): kept whole; ``near`` (what a
    cell is near) is text, wrapped, left out first when the terminal is narrow;
    the others are figures. A missing figure or name shows as "-"; a ``near``
    with no name at all (events from a file) is left out."""
    if "near" in frame.columns and frame.get_column("near").null_count() == len(frame):
        frame = frame.drop("near")
    last = len(frame.columns)
    print_table(
        [
            Col(c, "text", "left", drop=last)
            if c == "near"
            else Col(
                c, "id" if k == 0 else "fixed", "left" if k == 0 else "right", drop=k
            )
            for k, c in enumerate(frame.columns)
        ],
        [
            ["-" if v is None else _figure(v) for v in row]
            for row in frame.head(limit).iter_rows()
        ],
    )


def _figure(v: object) -> str:
    """A figure as the table shows it: a count whole (12345, not 1.234e+04),
    other floats to 4 significant digits."""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.4g}"
    return str(v)


def near_repeat(
    ctx: typer.Context,
    space: Annotated[
        str, typer.Option("--space", help="Space band edges in metres.")
    ] = "0,100,200,300,400,500",
    time: Annotated[
        str, typer.Option("--time", help="Time band edges in days.")
    ] = "0,7,14,21,28",
    sims: Annotated[
        int, typer.Option("--sims", min=1, help="Permutations (99 or 999).")
    ] = 99,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the permutations.")
    ] = 0,
    distance: Annotated[
        str,
        typer.Option(
            "--distance",
            help="euclidean (straight line) or manhattan (|dx| + |dy|, along a "
            "street grid; the Near Repeat Calculator's other setting).",
        ),
    ] = "euclidean",
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    csv: EventsCsvOpt = None,
    all_incidents: AllIncidentsOpt = False,
    domestic: Annotated[
        bool,
        typer.Option(
            "--domestic",
            help="Keep the incidents flagged domestic in the test. Default: "
            "near_repeat.domestic of the places configuration (setting "
            "places_config; packaged: leave them out), as the briefing's zones.",
        ),
    ] = False,
    no_domestic: Annotated[
        bool,
        typer.Option(
            "--no-domestic",
            help="Leave the incidents flagged domestic out of the test (a repeat "
            "at a victim's home is repeat victimisation). Events without the flag "
            "(an events file) are all tested either way.",
        ),
    ] = False,
    force: _NEAR_REPEAT_FORCE = None,
    as_json: JsonOpt = False,
) -> None:
    """Knox near-repeat test: observed/expected pairs and p-values per band."""
    start, end = period(ctx, date_from, date_to)
    # every option is checked before the store is opened (or a CSV read)
    space_edges, time_edges = _edges(space, "--space"), _edges(time, "--time")
    metric = distance.strip().lower()
    if metric not in ("euclidean", "manhattan"):
        msg = f"--distance must be euclidean or manhattan; got {distance!r}."
        raise typer.BadParameter(msg, param_hint="'--distance'")
    domestic_zones = _domestic_choice(ctx, keep=domestic, leave_out=no_domestic)
    # read first: month-only data is refused before the analyses are imported
    events = read_events(
        ctx, csv, all_incidents=all_incidents, day_resolution=True, forces=True
    )
    from avert.workflows._forces import of_force
    from avert.workflows.places import run_near_repeat

    res = run_near_repeat(
        of_force(events, force),
        date_from=start,
        date_to=end,
        space_bands_m=space_edges,
        time_bands_days=time_edges,
        n_sims=sims,
        seed=seed,
        distance=metric,  # type: ignore[arg-type]
        domestic=domestic_zones,
    )
    if as_json:
        _print_result(res, n_events=res.n_events, n_pairs=res.n_pairs, bands=res.frame)
        return
    console.print(
        f"{res.n_events:,} events, {res.n_pairs:,} pairs in range, {sims:,} permutations"
    )
    _knox_table(res.frame)
    print_notes(res.notes)  # the smallest p the permutations allow, rows left out


def _domestic_choice(
    ctx: typer.Context, *, keep: bool, leave_out: bool
) -> DomesticZones:
    """``--domestic`` or ``--no-domestic`` (a usage error for both), else
    ``near_repeat.domestic`` of the places configuration the briefing reads (a bad
    file stops here, naming the file and the key, before the store is opened)."""
    if keep and leave_out:
        msg = "give --domestic or --no-domestic, not both."
        raise typer.BadParameter(msg, param_hint="'--domestic'")
    if keep or leave_out:
        return "include" if keep else "exclude"
    from avert.config.places import load_places_config

    places = load_places_config(get_settings(ctx).places_config_file())
    return places.near_repeat.domestic


def _band(lo: float, hi: float) -> str:
    """A band's edges as text: ``0-100``, or ``28+`` for an open upper edge."""
    return f"{lo:g}+" if hi == float("inf") else f"{lo:g}-{hi:g}"


def _knox_table(bands: pl.DataFrame) -> None:
    """The Knox bands as Ratcliffe's calculator reads them: distance, days, the
    observed and expected pairs, their ratio and p-value, ``*`` where the ratio is
    above 1 at p <= 0.05 (the ratio and p are kept when the console is narrow)."""
    rows = [
        [
            _band(r["space_lo_m"], r["space_hi_m"]),
            _band(r["time_lo_days"], r["time_hi_days"]),
            "n/a"  # no pair expected in the band: no ratio
            if r["ratio"] is None or math.isnan(r["ratio"])
            else f"{r['ratio']:.2f}"
            + (" *" if r["ratio"] > 1 and r["p_value"] <= 0.05 else ""),
            f"{r['p_value']:.3f}",
            str(r["observed"]),
            f"{r['expected']:.4g}",
        ]
        for r in bands.iter_rows(named=True)
    ]
    print_table(
        [
            Col("metres", "id", "left"),
            Col("days", "id", "left"),
            Col("ratio", "fixed", "right"),
            Col("p", "fixed", "right"),
            Col("observed", "fixed", "right", drop=2),
            Col("expected", "fixed", "right", drop=1),
        ],
        rows,
        caption="ratio: observed / expected pairs of events this close in space and "
        "time; p: Monte Carlo p-value over copies with the times permuted; "
        "* near-repeat (ratio > 1, p <= 0.05)" + _edges_note(bands),
    )


def _edges_note(bands: pl.DataFrame) -> str:
    """Which band an edge belongs to, with the table's own second time band: a
    band holds its lower edge (``[lo, hi)``, the calculator's computation)."""
    if bands.height < 2:
        return ""
    second = bands.row(1, named=True)  # first distance band, second time band
    lo = second["time_lo_days"]
    return (
        f"; a band holds its lower edge, not its upper: a gap of exactly {lo:g} "
        f"day{'' if lo == 1 else 's'} is in {_band(lo, second['time_hi_days'])}"
    )


def gistar(
    ctx: typer.Context,
    cell: CellOpt = 150.0,
    radius: _RADIUS = 1,
    alpha: _ALPHA = 0.05,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    csv: EventsCsvOpt = None,
    all_incidents: AllIncidentsOpt = False,
    limit: _LIMIT = 50,
    as_json: JsonOpt = False,
    study_area: _STUDY_AREA = "active",
    force: _FORCE = None,
) -> None:
    """Getis-Ord Gi* per cell with a false-discovery-rate correction: hot and cold spots.

    The table lists the hot and cold cells by z (hot first); when it is cut, a
    line below it says how many it shows.
    """
    import polars as pl

    from avert.workflows._forces import of_force
    from avert.workflows.places import run_gistar

    start, end = period(ctx, date_from, date_to)
    res = run_gistar(
        of_force(
            read_events(ctx, csv, all_incidents=all_incidents, forces=True), force
        ),
        cell_size_m=cell,
        date_from=start,
        date_to=end,
        radius=radius,
        alpha=alpha,
        study_area=_study_area(study_area),
    )
    spots = with_cell_names(
        ctx,
        csv,
        res.frame.filter(pl.col("spot") != "none").sort("z", descending=True),
        end=end,
    )
    if as_json:
        _print_result(res, spots=spots)
        return
    shown = _shown(limit, spots.height)
    console.print(res.notes[0])
    print_notes(res.notes[1:])  # events left out of the grid, far from the bulk
    _table(
        spots.select("cell_id", "near", "spot", "value", "z", "q_value"), limit=shown
    )
    if shown < spots.height:
        console.print(
            f"First {shown:,} of {spots.height:,} cells (by z; --limit 0 or --json "
            "shows every cell)."
        )


def _study_area(value: str) -> StudyArea:
    """``--study-area`` checked (grid or active)."""
    from avert.workflows.places import STUDY_AREAS

    for name in STUDY_AREAS:
        if value == name:
            return name
    msg = f"--study-area must be one of {', '.join(STUDY_AREAS)}; got {value!r}."
    raise typer.BadParameter(msg)


def _shown(limit: int, rows: int) -> int:
    """Rows a table shows for ``--limit`` (0: every row)."""
    return rows if limit == 0 else min(limit, rows)


def _slice_days(value: float | None) -> float | None:
    """``--slice-days``: a usage error naming it unless positive and finite."""
    if value is not None and not 0 < value < math.inf:  # NaN too
        raise typer.BadParameter(f"must be more than 0 days; got {value:g}")
    return value


def hotspots(
    ctx: typer.Context,
    at: Annotated[
        str, typer.Option("--at", help="End of the last slice. " + TIME_HELP)
    ],
    slices: Annotated[
        int, typer.Option("--slices", min=3, help="Number of slices.")
    ] = 12,
    slice_days: Annotated[
        float | None,
        typer.Option(
            "--slice-days",
            callback=_slice_days,
            help="Days per slice (default 7).",
            show_default=False,
        ),
    ] = None,
    slice_months: Annotated[
        int | None,
        typer.Option(
            "--slice-months",
            min=1,
            help="Calendar months per slice instead of days, for data that gives "
            "the month only (data.police.uk); --at the first of a month.",
        ),
    ] = None,
    cell: CellOpt = 150.0,
    radius: _RADIUS = 1,
    alpha: _ALPHA = 0.05,
    csv: EventsCsvOpt = None,
    all_incidents: AllIncidentsOpt = False,
    limit: _LIMIT = 50,
    as_json: JsonOpt = False,
    study_area: _STUDY_AREA = "active",
    force: _FORCE = None,
) -> None:
    """Emerging hot spots: new, intensifying, persistent, diminishing, sporadic ... cells.

    The table lists the cells by pattern (new first) and, within one, by trend z;
    a line above it gives the cells of each pattern and, when the table is cut,
    how many of them it shows.
    """
    from avert.report.payload import json_object
    from avert.workflows._forces import of_force
    from avert.workflows.places import emerging_counts, run_emerging

    end = when(ctx, at, "--at")
    if slice_months is not None and slice_days is not None:
        msg = "give --slice-days or --slice-months, not both"
        raise typer.BadParameter(msg, param_hint="'--slice-months'")
    days = 7.0 if slice_days is None else slice_days
    try:
        end - dt.timedelta(days=slices * days)
    except OverflowError as err:  # a crash before
        msg = f"{slices} slices of {days:g} days reach before the year 1"
        raise typer.BadParameter(msg, param_hint="'--slices' / '--slice-days'") from err
    res = run_emerging(
        of_force(
            _hotspot_events(
                ctx, csv, all_incidents=all_incidents, monthly=bool(slice_months)
            ),
            force,
        ),
        at=end,
        slices=slices,
        slice_days=days,
        cell_size_m=cell,
        radius=radius,
        alpha=alpha,
        slice_months=slice_months,
        study_area=_study_area(study_area),
    )
    frame = with_cell_names(ctx, csv, res.frame, end=end)
    counts = emerging_counts(frame)
    if as_json:
        notes = {"notes": list(res.notes)} if res.notes else {}
        payload = {"study_area": study_area, "counts": counts, "cells": frame}
        print_json(json_object({**payload, **notes}))
        return
    shown = _shown(limit, frame.height)
    console.print(
        f"{frame.height:,} cells with a pattern"
        + (": " + ", ".join(f"{n:,} {p}" for p, n in counts.items()) if counts else "")
        + "."
    )
    print_notes(res.notes)  # events left out of the grid, far from the bulk
    _table(
        frame.select("cell_id", "near", "pattern", "hot_slices", "trend_z", "trend_p"),
        limit=shown,
    )
    if shown < frame.height:
        console.print(
            f"First {shown:,} of {frame.height:,} cells (by pattern, then trend z; "
            "--limit 0 or --json shows every cell)."
        )


def _hotspot_events(
    ctx: typer.Context, csv: Path | None, *, all_incidents: bool, monthly: bool
) -> pl.DataFrame:
    """The events of ``analyse hotspots``: month-only records (data.police.uk) kept
    for monthly slices, left out of slices of days; a store holding nothing else is
    refused, saying that monthly slices can read it."""
    from avert.errors import ConfigError

    if monthly:
        return read_events(ctx, csv, all_incidents=all_incidents, forces=True)
    try:
        return read_events(
            ctx, csv, all_incidents=all_incidents, day_resolution=True, forces=True
        )
    except ConfigError as err:
        if "month-only" not in str(err):
            raise
        msg = (
            f"{err} Emerging hot spots can still compare months: 'avert analyse "
            "hotspots --slice-months 1 --at' the first of the month after the last."
        )
        raise ConfigError(msg) from err


def register(app: typer.Typer) -> None:
    """Add the place statistics to ``avert analyse``."""
    app.command("near-repeat")(near_repeat)
    app.command("gistar")(gistar)
    app.command("hotspots")(hotspots)
