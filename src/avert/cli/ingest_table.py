"""``avert ingest table PATH --mapping MAP.toml``: any incident CSV/Parquet extract.

Registered on the ``avert ingest`` group; the load is the same one transaction,
quarantine and idempotent re-load as ``avert ingest policeuk|bundle``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from avert.cli._common import get_settings, get_store
from avert.cli._options import StrictOpt
from avert.cli.ingest import JsonOpt, _show, ingest_app

__all__ = ["register"]


def table(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="CSV or Parquet files (or folders of them).")
    ],
    mapping: Annotated[
        Path,
        typer.Option(
            "--mapping",
            help="TOML mapping of the file's columns (docs/formats.md, 'Any incident table').",
        ),
    ],
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs", help="Projected CRS of x/y in the store (default: settings)."
        ),
    ] = None,
) -> None:
    """Load any incident table through a column mapping (id, time, offence, place)."""
    from avert.workflows.load import load_files

    report = load_files(
        get_store(ctx),
        paths,
        kind="table",
        strict=strict,
        crs=crs or get_settings(ctx).crs,
        mapping=mapping,
    )
    _show(report, as_json=as_json)


def register(app: typer.Typer) -> None:
    """Add ``table`` to the ``avert ingest`` group (``app`` is unused)."""
    del app
    ingest_app.command("table")(table)
