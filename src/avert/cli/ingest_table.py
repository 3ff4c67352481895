"""``avert ingest table PATH --mapping MAP.toml``: any incident CSV/Parquet extract.

Registered on the ``avert ingest`` group; the load is the same one transaction,
quarantine and idempotent re-load as ``avert ingest policeuk|bundle``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from avert.cli._common import existing_file_or_folder
from avert.cli._options import LoadJsonOpt, StrictOpt
from avert.cli.ingest import (
    _EXIT_HELP,
    AcceptOpt,
    FollowOpt,
    NoClassifyOpt,
    _run,
    ingest_app,
)

__all__ = ["register"]


def table(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="CSV or Parquet files (or folders of them).",
            callback=existing_file_or_folder,
        ),
    ],
    mapping: Annotated[
        str,  # as typed: "./toronto-mci" is a path, "toronto-mci" may be shipped
        typer.Option(
            "--mapping",
            help="TOML mapping of the file's columns, or the name of one shipped "
            "with avert: toronto-mci (docs/formats.md, 'Any incident table').",
        ),
    ],
    strict: StrictOpt = False,
    as_json: LoadJsonOpt = False,
    no_classify: NoClassifyOpt = False,
    accept_rejects: AcceptOpt = False,
    follow_links: FollowOpt = False,
    replace_file: Annotated[
        bool,
        typer.Option(
            "--replace-file",
            help="Each file replaces what earlier loads stored from it (a corrected "
            "mapping): the incidents its [table].source stored from a file of this "
            "name, as given then, are replaced by its rows (matched by key, then by "
            "line), those it no longer holds are deleted, and the earlier loads' "
            "quarantine entries removed, in one transaction, counted (replaced, "
            "added, removed, unchanged) and recorded in the audit log. Refused, "
            "nothing loaded, when nothing was stored from the file under that source.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Load, report and roll back: nothing is written (with "
            "--replace-file: what it would replace).",
        ),
    ] = False,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs", help="Projected CRS of x/y in the store (default: settings)."
        ),
    ] = None,
) -> None:
    """Load any incident table through a column mapping (id, time, offence, place)."""
    _run(
        ctx,
        paths,
        kind="table",
        strict=strict,
        as_json=as_json,
        crs=crs,
        classify=not no_classify,
        accept_rejects=accept_rejects,
        follow_links=follow_links,
        mapping=mapping,
        replace_file=replace_file,
        dry_run=dry_run,
    )


def register(app: typer.Typer) -> None:
    """Add ``table`` to the ``avert ingest`` group (``app`` is unused)."""
    del app
    ingest_app.command(
        "table",
        help="Load any incident table through a column mapping (id, time, offence, "
        "place)." + _EXIT_HELP,
    )(table)
