"""``avert demo``: the synthetic city end to end (what ``make demo`` runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from avert.cli._common import check_out_dir, console, styled
from avert.cli._options import PdfOpt
from avert.cli._table import Col, print_table

__all__ = ["register"]


def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Report folder (replaced).")
    ] = Path("avert-demo"),
    db: Annotated[
        Path, typer.Option("--demo-db", help="SQLite file for the demo (replaced).")
    ] = Path("avert-demo.db"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic city.")] = 0,
    people: Annotated[
        int | None, typer.Option(help="People in the city (default 50,000).")
    ] = None,
    days: Annotated[
        int | None, typer.Option(help="Days of records (default 730).")
    ] = None,
    no_pdf: Annotated[
        bool, typer.Option("--no-pdf", help="Skip the briefing PDF.")
    ] = False,
    _pdf: PdfOpt = False,
) -> None:
    """Generate the synthetic city, load it, run every analysis, write avert-demo/."""
    from avert.workflows.demo import demo_sign_in, run_demo

    check_out_dir(out)

    # a status line reads markup from a str: it is given Text
    with console.status(Text("avert demo")) as status:
        report = run_demo(
            out_dir=out,
            database=db,
            seed=seed,
            people=people,
            days=days,
            pdf=not no_pdf,
            progress=lambda name: status.update(Text(f"avert demo: {name}")),
        )
    print_table(
        [Col("step", "text"), Col("seconds", "fixed", "right"), Col("result", "text")],
        [[name, f"{seconds:.2f}", detail] for name, seconds, detail in report.steps],
        title="avert demo",
    )
    console.print(
        styled(
            "Open ",
            (str(report.index.resolve()), "bold"),
            f" (database: {report.database}).",
        )
    )
    console.print(f"Total {report.seconds:.1f} s.")
    console.print(
        styled(
            "Web app: run ",
            ("avert serve --demo", "bold"),
            f" and open http://127.0.0.1:8000/ {demo_sign_in()}.",
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the root app."""
    app.command("demo")(demo)
