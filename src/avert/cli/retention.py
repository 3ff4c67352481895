"""``avert retention``: whose records are due for a retention review.

A thin command over :mod:`avert.workflows.retention` (method:
:mod:`avert.analyse.retention`, docs/retention.md). ``--json`` prints::

    {"as_of": ISO, "clear_years": {"1": 10, "2": 10, "3": 6},
     "by_group": [{"retention_group", "people", "due", "due_undated"}],
     "people": [{"person_id", "retention_group", "basis", "last_record_at",
                 "review_due_at", "due"}],
     "notes": [...]}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from avert.cli._common import (
    check_out_file,
    err_console,
    get_settings,
    get_store,
    print_json,
    print_notes,
)
from avert.cli._options import StableJsonOpt, overwrite_option
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP, when

if TYPE_CHECKING:
    from avert.workflows.retention import RetentionReview

__all__ = ["register"]


def _years(group: int, what: str) -> Any:
    """The ``--groupN-years`` option."""
    return typer.Option(
        f"--group{group}-years",
        min=0,
        help=f"Clear period of group {group} ({what}), in years.",
    )


def retention(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Review date (default: now). " + TIME_HELP),
    ] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="List everyone, not only the due.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Rows the table shows.")
    ] = 50,
    group1_years: Annotated[
        int, _years(1, "public protection: serious violence and sexual offending")
    ] = 10,
    group2_years: Annotated[int, _years(2, "other violent offending")] = 10,
    group3_years: Annotated[int, _years(3, "everything else")] = 6,
    reason: Annotated[
        str,
        typer.Option("--reason", help="Why the list is drawn (kept in the audit log)."),
    ] = "retention review (avert retention)",
    csv: Annotated[
        Path | None,
        typer.Option(
            "--write-csv",
            "--csv",
            help="Also write the people listed to this CSV file.",
        ),
    ] = None,
    overwrite: Annotated[
        bool, overwrite_option("Replace the --write-csv file if it exists.")
    ] = False,
    as_json: StableJsonOpt = False,
) -> None:
    """People whose records are due for review (MoPI groups 1-3); audited.

    The clear period runs from a person's latest record of any kind; avert lists,
    it deletes nothing (docs/retention.md).
    """
    from avert.report.payload import jsonable
    from avert.workflows.retention import export_retention, retention_review

    if csv is not None:
        check_out_file(csv, overwrite=overwrite, option="--write-csv")
    settings = get_settings(ctx)
    store = get_store(ctx)
    review = retention_review(
        store,
        profile=settings.definition_id(),
        as_of=when(ctx, as_of, "--as-of"),
        clear_years={1: group1_years, 2: group2_years, 3: group3_years},
        due_only=not everyone,
        timezone=settings.timezone,
        reason=reason,
        shown=None if as_json else limit,  # the people the output holds: audited
    )
    if csv is not None:
        n = export_retention(store, review, csv, reason=reason)
        err_console.print(f"{n:,} people written to {csv}")
    if as_json:
        print_json(jsonable(review.to_json()))
        return
    _print(review, limit)
    print_notes(review.notes)


def _print(review: RetentionReview, limit: int) -> None:
    """The counts by group, then the first ``limit`` people."""
    print_table(
        [
            Col("group", "fixed", "right"),
            Col("people", "fixed", "right"),
            Col("due", "fixed", "right"),
            Col("of them undated", "fixed", "right", drop=1),
            Col("clear period", "fixed", "right"),
        ],
        [
            [str(g), f"{n:,}", f"{d:,}", f"{u:,}", f"{review.clear_years[g]} years"]
            for g, n, d, u in review.by_group.rows()
        ],
        title=f"retention review at {review.as_of:%Y-%m-%d %H:%M}",
    )
    shown = review.people.head(limit)
    print_table(
        [
            Col("person", "id"),
            Col("group", "fixed", "right"),
            Col("last record", "fixed"),
            Col("review due", "fixed"),
            Col("basis", "text", drop=1),
        ],
        [
            [
                r["person_id"],
                str(r["retention_group"]),
                f"{r['last_record_at']:%Y-%m-%d}" if r["last_record_at"] else "none",
                f"{r['review_due_at']:%Y-%m-%d}" if r["review_due_at"] else "now",
                r["basis"],
            ]
            for r in shown.iter_rows(named=True)
        ],
        title=f"people ({shown.height:,} of {review.people.height:,})",
    )


def register(app: typer.Typer) -> None:
    """Add ``avert retention`` to the root app."""
    app.command("retention")(retention)
