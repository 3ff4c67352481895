"""``avert plan ...``, ``avert task ...``, ``avert board pack``: the delivery plan.

Thin commands over :mod:`avert.workflows.delivery`. The CLI has no accounts: changes
are recorded under the operating-system user (role analyst) in the history and the
audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from avert.cli._common import (
    area_list,
    check_out_dir,
    check_out_file,
    console,
    existing_file,
    get_settings,
    get_store,
    print_json,
    print_notes,
)
from avert.cli._options import (
    JsonOutputOpt,
    OverwriteOpt,
    PdfOpt,
    police_force_option,
)
from avert.cli._table import Col, print_frame, print_table
from avert.cli._time import TIME_HELP, when

__all__ = ["register"]

plan_app = typer.Typer(
    help="The delivery plan: import and export its YAML file, its status.",
    no_args_is_help=True,
)
task_app = typer.Typer(
    help="Taskings from the daily meeting: add, list, done, result.",
    no_args_is_help=True,
)
board_app = typer.Typer(help="The board: monthly board pack.", no_args_is_help=True)

#: TASKING_ID of ``avert task done`` and ``avert task result``
TaskingIdArg = Annotated[str, typer.Argument(help="Tasking id.")]


@plan_app.command("import")
def plan_import(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="Plan file (YAML, docs/delivery.md).", callback=existing_file
        ),
    ],
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Where the file and a change made in avert since the last import "
            "disagree, take the file's value (default: refuse, naming each).",
        ),
    ] = False,
) -> None:
    """Validate and store a plan file (every error with its line; idempotent).

    A re-import keeps the changes made in avert since the last import (the web,
    the CLI) where the file leaves those fields as they were imported.
    """
    from avert.workflows import delivery

    store = get_store(ctx)
    result = delivery.import_plan(store, path, overwrite=overwrite)
    console.print(result.line())


@plan_app.command("export")
def plan_export(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Where to write the plan file.")],
    plan_id: Annotated[
        str | None, typer.Option("--plan", help="Plan id (default: the first).")
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write the stored plan as a plan file."""
    from avert.workflows import delivery

    check_out_file(path, overwrite=overwrite, option="PATH")
    store = get_store(ctx)
    delivery.export_plan(store, path, plan_id=plan_id)
    console.print(f"wrote {path}")


def _value(value: float | None) -> str:
    if value is None:
        return "-"
    return (
        f"{value:.2f}" if abs(value) < 10 and value != round(value) else f"{value:,.0f}"
    )


def _path(path: float | None, current: float | None) -> str:
    """The path now as ``_value`` prints it, with the decimals that keep it apart
    from the current value it is judged against (355 against 354.6 printed "355"
    twice beside "off track")."""
    from avert.report.render import measure_path_text

    return _value(path) if path is None else measure_path_text(path, current)


def _now(current: float | None, path: float | None) -> str:
    """The current value as ``_value`` prints it, to the decimals of its path where
    that needs more and the value is not whole (a harm of 12,345.75 printed
    "12,346" beside a path of "12,345.9" and "on track")."""
    from avert.report.render import measure_now_text

    return _value(current) if current is None else measure_now_text(current, path)


@plan_app.command("status")
def plan_status(
    ctx: typer.Context,
    as_json: JsonOutputOpt = False,
) -> None:
    """Plan status by strand, the checks, and each objective's measure against its
    target (on track, off track, insufficient data, not measured)."""
    from avert.workflows import delivery

    found = delivery.plan_status(get_store(ctx), get_settings(ctx))
    if as_json:
        print_json(found)
        return
    console.print(f"Plan status as at {found['today']}")
    print_table(
        [
            Col("strand", "id"),
            *(Col(s.replace("_", " "), "fixed", "right") for s in found["statuses"]),
        ],
        [
            [strand, *(str(row[s]) for s in found["statuses"])]
            for strand, row in found["grid"].items()
        ],
    )
    c = found["checks"]
    print_table(
        [
            Col("check", "text"),
            Col("count", "fixed", "right"),
        ],
        [
            ["actions", str(c["actions"])],
            ["overdue", str(c["overdue"])],
            ["without an owner", str(c["no_owner"])],
            ["without a measure", str(c["no_measure"])],
            ["without a review date", str(c["no_review_date"])],
            [
                "top-harm subjects with no action",
                _checked(found, "top_subjects", c["top_subjects_without_action"]),
            ],
            [
                "repeat victims with no enhanced response",
                _checked(found, "repeat_victims", c["repeat_victims_without_response"]),
            ],
            ["subjects under two or more boards", str(c["duplicated_subjects"])],
        ],
    )
    for check, why in found["not_checked"].items():
        if why:
            console.print(f"{check.replace('_', ' ')}: {why}")
    print_notes(found["notes"])
    print_table(
        [
            Col("objective", "text"),
            Col("baseline", "fixed", "right", drop=3),
            Col("target", "fixed", "right"),
            Col("now", "fixed", "right"),
            Col("path", "fixed", "right", drop=2),
            Col("status", "text"),
        ],
        [
            [
                # an indicator avert does not compute by its words, not its key
                f"{m['objective_id']} "
                f"{m['series'] or (m['indicator'] or '-').replace('_', ' ')}",
                _value(m["baseline"]),
                _value(m["target"]),
                _now(m["current"], m["path"]),
                _path(m["path"], m["current"]),
                m["status"].replace("_", " ")
                + (f" ({m['verdict'].replace('_', ' ')})" if m["verdict"] else ""),
            ]
            for m in found["measures"]
        ],
    )
    for m in found["measures"]:
        if m["reason"]:
            console.print(f"{m['objective_id']}: {m['reason']}")
        # why the verdict is what it is, as the Plan page says under it ("on track
        # (insufficient data)" said nothing of what was missing)
        if m.get("verdict") and m.get("verdict_reason"):
            console.print(
                f"{m['objective_id']} verdict {m['verdict'].replace('_', ' ')}: "
                f"{m['verdict_reason']}"
            )


def _checked(found: dict[str, Any], check: str, without: int) -> str:
    """``WITHOUT of ALL`` of a check, or "–" when it had nothing to look at (its
    reason is printed below the table): "0 of 0" reads as everything in hand."""
    if found["not_checked"].get(check):
        return "–"
    return f"{without} of {found['checks'][check]}"


@task_app.command("add")
def task_add(
    ctx: typer.Context,
    item: Annotated[
        str,
        typer.Option(
            "--item",
            "--from",
            help="Briefing item KIND:ID, e.g. incident:I123, person:P1.",
        ),
    ],
    what: Annotated[
        str | None,
        typer.Option("--what", help="What is to be done (default: follow up ITEM)."),
    ] = None,
    who: Annotated[str | None, typer.Option("--who", help="Who does it.")] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Their organisation.")
    ] = None,
    due: Annotated[
        str | None,
        typer.Option(
            "--due",
            help="By when (default: in 24 hours; a date means 00:00). " + TIME_HELP,
        ),
    ] = None,
    anyway: Annotated[
        bool, typer.Option("--anyway", help="Task it even if it is already tasked.")
    ] = False,
) -> None:
    """Task a briefing item; an item already tasked says so (no double visits)."""
    from avert.workflows import delivery

    store = get_store(ctx)
    row = delivery.add_tasking(
        store,
        item,
        what=what or delivery.follow_up_text(item),
        assignee=who,
        organisation=org,
        due=when(ctx, due, "--due"),
        anyway=anyway,
    )
    console.print(f"{row['tasking_id']}: {item} due {row['due']:%Y-%m-%d %H:%M}")
    # saved as typed: a misspelt organisation's partners never see the tasking
    if note := delivery.unheld_organisation_note(store, row["organisation"]):
        console.print(note)


@task_app.command("list")
def task_list(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="open | done | cancelled (default: every status)."
        ),
    ] = None,
    as_json: JsonOutputOpt = False,
) -> None:
    """Taskings, newest first."""
    from avert.errors import ConfigError
    from avert.workflows import delivery

    try:
        taskings = delivery.read_taskings(get_store(ctx), status=status)
    except ConfigError as err:  # a misspelt status: a usage error, as any bad value
        raise typer.BadParameter(str(err), param_hint="--status") from err
    print_frame(
        taskings,
        [
            Col("id", "id"),
            Col("item", "id"),
            Col("what", "text"),
            Col("who", "text", drop=2),
            Col("due", "fixed", drop=3),
            Col("status", "fixed"),
            Col("result", "text", drop=1),
        ],
        lambda r: [
            r["tasking_id"],
            f"{r['item_kind']}:{r['item_id']}",
            r["what"],
            r["assignee"] or r["organisation"] or "",
            f"{r['due']:%Y-%m-%d %H:%M}" if r["due"] else "",
            r["status"],
            r["result"] or "",
        ],
        as_json=as_json,
    )


@task_app.command("done")
def task_done(
    ctx: typer.Context,
    tasking_id: TaskingIdArg,
    result: Annotated[
        str | None, typer.Option("--result", help="What was done / found.")
    ] = None,
) -> None:
    """Mark a tasking done (with its result)."""
    from avert.workflows import delivery

    with _named_tasking(tasking_id):
        row = delivery.record_tasking_result(get_store(ctx), tasking_id, result=result)
    console.print(f"{row['tasking_id']}: {row['status']}")


@task_app.command("result")
def task_result(
    ctx: typer.Context,
    tasking_id: TaskingIdArg,
    result: Annotated[str, typer.Argument(help="The result, recorded the next day.")],
) -> None:
    """Record a tasking's result without changing its status."""
    from avert.workflows import delivery

    with _named_tasking(tasking_id):
        row = delivery.record_tasking_result(
            get_store(ctx), tasking_id, result=result, status=None
        )
    console.print(f"{row['tasking_id']}: result recorded ({row['status']})")


def _check_month(month: str) -> None:
    """Usage error (exit 2) unless ``month`` is a month YYYY-MM; it was exit 1, and
    only after the pseudonym key was checked (a pack needs one)."""
    import datetime as dt

    try:
        dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        msg = f"{month!r} is not a month YYYY-MM, e.g. 2026-10"
        raise typer.BadParameter(msg, param_hint="--month") from None


@contextmanager
def _named_tasking(tasking_id: str) -> Iterator[None]:
    """An unknown tasking id as one line that names it and where the ids are.

    The workflow's message points at the web meeting page; on the command line the
    ids come from ``avert task list``."""
    from avert.errors import NotFound

    try:
        yield
    except NotFound as err:
        msg = f"No tasking {tasking_id!r}: 'avert task list' lists the taskings' ids"
        raise NotFound(msg) from err


@board_app.command("pack")
def board_pack(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path(
        "board-pack"
    ),
    no_pdf: Annotated[
        bool, typer.Option("--no-pdf", help="Skip the PDF (HTML only).")
    ] = False,
    force: Annotated[
        str | None,
        police_force_option(
            "Force of the equality section's stops (stops.force; needed when "
            "the store holds several forces' stops; default: the one force there "
            "is); the principle checks' top-harm subjects are then of its "
            "incidents alone (default, or when none of the year's is of it: "
            "every force's).",
        ),
    ] = None,
    areas: Annotated[
        str | None,
        typer.Option(
            "--areas",
            help="Local authorities making up the force area of the equality "
            "section, separated by commas, or by semicolons when a name holds a "
            "comma ('Bristol, City of; Mendip') (default: the police force area of "
            "a data.police.uk force, else inferred from where the stops fall). "
            "The board reads the rates by area only for that default: with a "
            "force's own searches, other areas give the pack no table by area "
            "(docs/equality.md, 'Differencing by areas').",
        ),
    ] = None,
    population_year: Annotated[
        int | None,
        typer.Option(
            "--population-year",
            help="Census year of the equality section's denominators (default, as "
            "'avert analyse equality': the latest with ethnic groups taken by the "
            "first day counted, else the earliest; for a force area inferred from "
            "the stops, the latest with ethnic groups by LSOA).",
        ),
    ] = None,
    _pdf: PdfOpt = False,
) -> None:
    """Write the month's board pack (HTML and PDF).

    Plan status, overdue and completed actions with evidence, the principle
    checks, performance verdicts and stop and search equality (as 'avert
    analyse equality'). People are shown as pseudonyms, so every pack needs
    AVERT_PSEUDONYM_KEY set (docs/delivery.md), as a partner briefing does.
    """
    from avert.workflows import delivery

    _check_month(month)
    check_out_dir(out)
    force_areas = area_list(areas, "--areas")  # before the store is opened
    settings = get_settings(ctx)
    store = get_store(ctx)
    # a status line while it works (seconds, the PDF most of it)
    with console.status(Text("avert board pack")) as status:
        written = delivery.board_pack(
            store,
            settings,
            month=month,
            out_dir=out,
            pdf=not no_pdf,
            force=force,
            areas=force_areas,
            population_year=population_year,
            progress=lambda step: status.update(Text(f"avert board pack: {step}")),
        )
    for path in written:
        console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add ``plan``, ``task`` and ``board`` to the root app."""
    app.add_typer(plan_app, name="plan")
    app.add_typer(task_app, name="task")
    app.add_typer(board_app, name="board")
