"""``avert analyse near-repeat|gistar|hotspots``: place statistics over the store or a
CSV/Parquet file (x, y in metres and occurred_at)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from avert.cli._common import console, get_settings, get_store, print_json
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP, when
from avert.errors import ConfigError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["register"]

_CSV = Annotated[
    Path | None,
    typer.Option("--csv", help="Events from this CSV/Parquet instead of the store."),
]
_FROM = Annotated[
    str | None,
    typer.Option("--from", help="Start of the window (inclusive). " + TIME_HELP),
]
_TO = Annotated[
    str | None,
    typer.Option("--to", help="End of the window (exclusive). " + TIME_HELP),
]
_ALL = Annotated[
    bool, typer.Option("--all-incidents", help="Every incident, not only violence.")
]
_JSON = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_CELL = Annotated[float, typer.Option("--cell", help="Cell size in metres.")]


def _events(
    ctx: typer.Context, csv: Path | None, *, all_incidents: bool
) -> pl.DataFrame:
    from avert.workflows.forecast import events_from_csv, events_from_store

    if csv is not None:
        return events_from_csv(csv)
    ev, _ = events_from_store(
        get_store(ctx),
        profile=get_settings(ctx).definition,
        violence_only=not all_incidents,
    )
    return ev


def _floats(text: str, name: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError as err:
        msg = f"{name} must be comma-separated numbers; got {text!r}."
        raise ConfigError(msg) from err


def _table(frame: pl.DataFrame, limit: int = 30) -> None:
    """The first column is an id (a cell, a band): kept whole; the others are figures."""
    print_table(
        [
            Col(c, "id" if k == 0 else "fixed", "left" if k == 0 else "right", drop=k)
            for k, c in enumerate(frame.columns)
        ],
        [
            [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
            for row in frame.head(limit).iter_rows()
        ],
    )


def near_repeat(
    ctx: typer.Context,
    space: Annotated[
        str, typer.Option("--space", help="Space band edges in metres.")
    ] = "0,100,200,300,400,500",
    time: Annotated[
        str, typer.Option("--time", help="Time band edges in days.")
    ] = "0,7,14,21,28",
    sims: Annotated[int, typer.Option("--sims", help="Permutations (99 or 999).")] = 99,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the permutations.")] = 0,
    date_from: _FROM = None,
    date_to: _TO = None,
    csv: _CSV = None,
    all_incidents: _ALL = False,
    as_json: _JSON = False,
) -> None:
    """Knox near-repeat test: observed/expected pairs and p-values per band."""
    from avert.report.payload import json_object
    from avert.workflows.places import run_near_repeat

    res = run_near_repeat(
        _events(ctx, csv, all_incidents=all_incidents),
        date_from=when(ctx, date_from, "--from"),
        date_to=when(ctx, date_to, "--to"),
        space_bands_m=_floats(space, "--space"),
        time_bands_days=_floats(time, "--time"),
        n_sims=sims,
        seed=seed,
    )
    if as_json:
        print_json(
            json_object(
                {
                    "params": dict(res.params),
                    "n_events": res.n_events,
                    "n_pairs": res.n_pairs,
                    "bands": res.frame,
                    "method": res.method,
                    "source": res.source,
                    "notes": list(res.notes),
                }
            )
        )
        return
    console.print(
        f"{res.n_events} events, {res.n_pairs} pairs in range, {sims} permutations"
    )
    _table(res.frame, limit=200)


def gistar(
    ctx: typer.Context,
    cell: _CELL = 150.0,
    radius: Annotated[
        int, typer.Option("--radius", help="Neighbours within r cells.")
    ] = 1,
    alpha: Annotated[
        float, typer.Option("--alpha", help="False discovery rate.")
    ] = 0.05,
    date_from: _FROM = None,
    date_to: _TO = None,
    csv: _CSV = None,
    all_incidents: _ALL = False,
    as_json: _JSON = False,
) -> None:
    """Getis-Ord Gi* per cell with a false-discovery-rate correction: hot and cold spots."""
    import polars as pl

    from avert.report.payload import json_object
    from avert.workflows.places import run_gistar

    res = run_gistar(
        _events(ctx, csv, all_incidents=all_incidents),
        cell_size_m=cell,
        date_from=when(ctx, date_from, "--from"),
        date_to=when(ctx, date_to, "--to"),
        radius=radius,
        alpha=alpha,
    )
    spots = res.frame.filter(pl.col("spot") != "none").sort("z", descending=True)
    if as_json:
        print_json(
            json_object(
                {
                    "params": dict(res.params),
                    "spots": spots,
                    "method": res.method,
                    "source": res.source,
                    "notes": list(res.notes),
                }
            )
        )
        return
    console.print(res.notes[0])
    _table(spots.select("cell_id", "spot", "value", "z", "q_value"))


def hotspots(
    ctx: typer.Context,
    at: Annotated[
        str, typer.Option("--at", help="End of the last slice. " + TIME_HELP)
    ],
    slices: Annotated[int, typer.Option("--slices", help="Number of slices.")] = 12,
    slice_days: Annotated[
        float, typer.Option("--slice-days", help="Days per slice.")
    ] = 7.0,
    cell: _CELL = 150.0,
    radius: Annotated[
        int, typer.Option("--radius", help="Neighbours within r cells.")
    ] = 1,
    alpha: Annotated[
        float, typer.Option("--alpha", help="False discovery rate.")
    ] = 0.05,
    csv: _CSV = None,
    all_incidents: _ALL = False,
    as_json: _JSON = False,
) -> None:
    """Emerging hot spots: new, intensifying, persistent, diminishing, sporadic ... cells."""
    from avert.report.payload import json_object
    from avert.workflows.places import run_emerging

    end = when(ctx, at, "--at")
    assert end is not None
    frame = run_emerging(
        _events(ctx, csv, all_incidents=all_incidents),
        at=end,
        slices=slices,
        slice_days=slice_days,
        cell_size_m=cell,
        radius=radius,
        alpha=alpha,
    )
    if as_json:
        print_json(json_object({"cells": frame}))
        return
    _table(
        frame.select("cell_id", "pattern", "hot_slices", "trend_z", "trend_p"), limit=50
    )


def register(app: typer.Typer) -> None:
    """Add the place statistics to ``avert analyse``."""
    app.command("near-repeat")(near_repeat)
    app.command("gistar")(gistar)
    app.command("hotspots")(hotspots)
