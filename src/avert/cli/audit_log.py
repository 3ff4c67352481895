"""``avert audit verify|list|export``: the audit log for the data protection officer.

Thin commands over :mod:`avert.workflows.audit`. ``verify`` exits 1 when the chain
shows any gap, edit, deletion, insertion or reorder (docs/audit.md). JSON contracts:

* ``verify --json``: ``{"ok", "rows", "head": {"seq", "row_hash"}, "problems": [{"seq", "kind", "message"}]}``
* ``list --json``: ``[{"seq", "at", "user_name", "role", "action", "object", "reason", "detail", ...}]``
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from avert.cli._common import (
    check_out_file,
    console,
    existing_file,
    get_store,
    print_json,
    styled,
)
from avert.cli._options import CsvOutArg, JsonOpt, OverwriteOpt, StableJsonOpt
from avert.cli._table import Col, print_frame
from avert.cli._time import day_or_month

__all__ = ["register"]

audit_app = typer.Typer(
    help="The audit log: verify its hash chain, list and export it.",
    no_args_is_help=True,
)

SinceOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--from",
        "--since",
        parser=day_or_month("first"),
        help="Rows at or after this time (default: no start); a month YYYY-MM is "
        "its first day.",
        show_default=False,
    ),
]
UntilOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--to",
        "--until",
        parser=day_or_month("end"),
        help="Rows before this time (default: no end); a month YYYY-MM is its "
        "end (the next month's first day).",
        show_default=False,
    ),
]
UserOpt = Annotated[
    str | None,
    typer.Option("--user", help="Rows of this user only.", show_default=False),
]
ActionOpt = Annotated[
    str | None,
    typer.Option(
        "--action",
        help="Rows of this action only (view, export, ...).",
        show_default=False,
    ),
]


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="A head noted earlier (SEQ:ROW_HASH, as printed here): it must still "
            "be in the log unchanged. Catches a cut tail and a rebuilt chain.",
            show_default=False,
        ),
    ] = None,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--export-file",
            "--csv",
            callback=existing_file,
            help="Check an unfiltered 'avert audit export' file instead of the database.",
            show_default=False,
        ),
    ] = None,
    as_json: StableJsonOpt = False,
) -> None:
    """Recompute the hash chain; exit 1 on any gap, edit, deletion, insertion or reorder."""
    from avert.workflows.audit import verify_audit

    store = None if csv is not None else get_store(ctx)
    result = verify_audit(store, head=head, csv=csv)
    if as_json:
        print_json(result.to_dict())
    else:
        for problem in result.problems:
            console.print(styled((problem.kind, "bold red"), " ", problem.message))
        state = ("intact", "green") if result.ok else ("BROKEN", "bold red")
        console.print(
            styled("audit chain ", state, f": {result.rows:,} row(s) checked")
        )
        if result.head_seq is not None:
            console.print(
                f"head {result.head_seq}:{result.head_hash} "
                "(note it outside the database; check it later with --head)"
            )
    if not result.ok:
        raise typer.Exit(1)


def _window(
    since: dt.datetime | None, until: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``--from``/``--to`` as given; a usage error when ``--to`` is not after
    ``--from`` (a reversed window read as an empty log)."""
    if since is not None and until is not None and until <= since:
        shown = [t.isoformat(sep=" ").removesuffix(" 00:00:00") for t in (until, since)]
        msg = f"--to ({shown[0]}) must be after --from ({shown[1]})"
        raise typer.BadParameter(msg, param_hint="--to")
    return since, until


@audit_app.command("list")
def list_rows(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    user: UserOpt = None,
    action: ActionOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show the last N matching rows.")
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Audit rows (newest last): when, who, role, action, object, reason, detail."""
    from avert.workflows.audit import audit_rows

    since, until = _window(since, until)
    frame = audit_rows(
        get_store(ctx), since=since, until=until, user_name=user, action=action
    ).tail(limit)
    print_frame(
        frame,
        [
            Col("seq", "fixed", "right"),
            Col("at", "fixed"),
            Col("user", "id"),
            Col("role", "fixed", drop=2),
            Col("action", "fixed"),
            Col("object", "text"),
            Col("reason", "text", drop=3),
            Col("detail", "text", drop=1),
        ],
        lambda row: [
            str(row["seq"]),
            str(row["at"])[:19],
            row["user_name"],
            row["role"],
            row["action"],
            row["object"],
            row["reason"],
            row["detail"] or "",
        ],
        as_json=as_json,
        title=f"audit log (last {frame.height})",
    )


@audit_app.command("export")
def export(
    ctx: typer.Context,
    path: CsvOutArg,
    since: SinceOpt = None,
    until: UntilOpt = None,
    user: UserOpt = None,
    action: ActionOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write the audit rows (with seq and hashes) to a private, spreadsheet-safe CSV."""
    from avert.workflows.audit import export_audit

    since, until = _window(since, until)
    check_out_file(path, overwrite=overwrite, option="PATH")
    n = export_audit(
        get_store(ctx), path, since=since, until=until, user_name=user, action=action
    )
    console.print(f"{n:,} audit row(s) written to {path}")


def register(app: typer.Typer) -> None:
    """Add the ``audit`` group to the root app."""
    app.add_typer(audit_app, name="audit")
