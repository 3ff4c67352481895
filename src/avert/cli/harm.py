"""``avert harm import``: the Cambridge CCHI spreadsheet as a harm table.

A thin command over :func:`avert.config.harm_import.import_cchi_workbook`. The table it
writes is used by setting ``harm_table`` (``AVERT_HARM_TABLE``) or ``--harm FILE``;
``avert definition explain`` then names it as the source of each weight.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from avert.cli._common import console, existing_file, print_json
from avert.cli._options import JsonOpt
from avert.config.choices import CCHI_SHEET

__all__ = ["register"]

harm_app = typer.Typer(
    help="Harm tables (Cambridge Crime Harm Index).", no_args_is_help=True
)


@harm_app.command("import")
def import_cmd(
    path: Annotated[
        Path,
        typer.Argument(
            help="The Cambridge CCHI workbook (xlsx).",
            callback=existing_file,
            dir_okay=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Harm TOML to write (must not exist).")
    ] = Path("harm-cchi.toml"),
    sheet: Annotated[
        str, typer.Option("--sheet", help="Sheet with one row per classification.")
    ] = CCHI_SHEET,
    code_column: Annotated[
        str | None,
        typer.Option(
            "--code-column",
            help="Header of the Home Office classification code column (default: guessed).",
            show_default=False,
        ),
    ] = None,
    days_column: Annotated[
        str | None,
        typer.Option(
            "--days-column",
            help="Header of the CCHI days column (default: guessed).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a harm TOML from the official CCHI spreadsheet (file name and sha256 recorded)."""
    from avert.config.harm_import import import_cchi_workbook

    report = import_cchi_workbook(
        path, out, sheet=sheet, code_column=code_column, days_column=days_column
    )
    if as_json:
        print_json(
            {
                "path": str(report.path),
                "source_file": report.source_file,
                "sha256": report.sha256,
                "rows": report.rows,
                "matched_codes": report.matched_codes,
                "own_codes": report.own_codes,
                "unmatched_packaged": list(report.unmatched_packaged),
            }
        )
        return
    console.print(
        f"wrote {report.path}: {report.rows:,} rows of {report.source_file} "
        f"(sha256 {report.sha256[:12]}...), {report.matched_codes} packaged codes "
        f"matched, {report.own_codes} codes of its own"
    )
    if report.unmatched_packaged:
        console.print(
            f"{len(report.unmatched_packaged)} packaged codes not in the workbook keep "
            "their packaged weight: " + ", ".join(report.unmatched_packaged[:20])
        )
    console.print(
        f"use it: AVERT_HARM_TABLE={report.path} avert classify  (or --harm {report.path})"
    )


def register(app: typer.Typer) -> None:
    """Add the ``harm`` group to the root app."""
    app.add_typer(harm_app, name="harm")
