"""``avert synth``: generate the synthetic city as a record bundle with ``truth.json``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from avert.cli._common import check_out_dir, console
from avert.cli._table import Col, print_table
from avert.errors import ConfigError

__all__ = ["register", "synth"]


def synth(
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            min=0,
            help="Random seed: the same seed gives a byte-identical bundle.",
        ),
    ] = 0,
    people: Annotated[
        int, typer.Option("--people", min=500, help="Residents of the city.")
    ] = 50_000,
    days: Annotated[
        int, typer.Option("--days", min=30, help="Length of the period in days.")
    ] = 730,
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the bundle to.")
    ] = Path("synthetic-city"),
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    end_date: Annotated[
        str | None,
        typer.Option(
            "--end-date",
            help="The city's last day, YYYY-MM-DD (extract at 06:00). Default 2026-11-24.",
        ),
    ] = None,
) -> None:
    """Generate a synthetic city with planted truth and write it as a record bundle,
    with its residents per LSOA in residents/ (for avert ingest population and
    avert ingest centroids: the equality figures' denominators)."""
    from avert.workflows.synth import (
        CENTROIDS_FILE,
        RESIDENTS_FILE,
        RESIDENTS_FOLDER,
        synthetic_city,
    )

    check_out_dir(out)
    if fmt not in ("csv", "parquet"):
        msg = f"--format must be csv or parquet, got {fmt!r}"
        raise ConfigError(msg)
    last_day = None
    if end_date is not None:
        try:
            last_day = date.fromisoformat(end_date)
        except ValueError as err:
            msg = f"--end-date must be YYYY-MM-DD, got {end_date!r}"
            raise ConfigError(msg) from err
    started = datetime.now()
    with _spinner() as progress:
        city = synthetic_city(
            out,
            seed=seed,
            people=people,
            days=days,
            end_date=last_day,
            fmt="parquet" if fmt == "parquet" else "csv",
            progress=progress,
        )
    seconds = (datetime.now() - started).total_seconds()
    truth = city.truth.fields
    rows = [[name, f"{frame.height:,}"] for name, frame in city.frames().items()]
    rows += [
        ["truth: groups", str(len(truth["groups"]))],
        ["truth: reprisal pairs", str(len(truth["reprisal_pairs"]))],
        ["truth: escalation chains", str(len(truth["escalation_chains"]))],
        ["truth: high-rate offenders", str(len(truth["high_rate_offenders"]))],
        [
            "truth: top-20 % offender harm share",
            f"{truth['top20_offender_harm_share']:.3f}",
        ],
    ]
    print_table(
        [Col("table", "text"), Col("rows", "fixed", "right")],
        rows,
        title=f"Synthetic city (seed {seed}) written to {out}",
    )
    console.print(
        f"{city.config.people:,} residents, {city.config.days} days to {city.extracted_at.isoformat()}; {seconds:.1f} s"
    )
    residents = out / RESIDENTS_FOLDER
    console.print(
        f"The city's residents (equality denominators) are in {residents}: load "
        f"them with 'avert ingest population {residents / RESIDENTS_FILE}' and "
        f"'avert ingest centroids {residents / CENTROIDS_FILE}'."
    )


@contextmanager
def _spinner() -> Iterator[Callable[[str], None] | None]:
    """On a terminal, a spinner told each step of the city; ``None`` elsewhere."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("synthetic city", total=None)
        yield lambda step: bar.update(task, description=f"synthetic city: {step}")


def register(app: typer.Typer) -> None:
    """Add ``synth`` to the root app."""
    app.command("synth")(synth)
