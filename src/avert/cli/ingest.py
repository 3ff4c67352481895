"""``avert ingest policeuk|bundle``: load files with nothing lost, one transaction.

Exit codes: 0 every file and row loaded (or was a duplicate); 3 the load committed
but some input was rejected (a file refused or not read as data, or a row
quarantined), unless ``--accept-rejects``; 1 an error, nothing loaded (also
``--strict`` with any rejection); 2 a usage error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn

from avert.cli._common import (
    console,
    err_console,
    existing_file_or_folder,
    get_settings,
    get_store,
    print_json,
    styled,
)
from avert.cli._options import LoadJsonOpt, StrictOpt
from avert.cli._table import Col, print_table

if TYPE_CHECKING:
    from avert.workflows.load import LoadReport, ProgressFn

__all__ = ["EXIT_REJECTED", "register"]

#: exit code of a load that committed but rejected some input (see module docstring)
EXIT_REJECTED = 3
_EXIT_HELP = (
    " Exit codes: 0 all loaded; 3 loaded, but a file was refused or a row "
    "quarantined (0 with --accept-rejects); 1 error, nothing loaded (--strict: "
    "any rejection); 2 a usage error, nothing read (e.g. no such file)."
)

ingest_app = typer.Typer(
    help="Load police.uk files, an avert record bundle or any incident table "
    "(nothing is dropped), and populations, confidence surveys, area centroids and "
    "area boundaries.",
    no_args_is_help=True,
)

AcceptOpt = Annotated[
    bool,
    typer.Option(
        "--accept-rejects",
        help=(
            "Exit 0 even when a file was refused or a row quarantined; with "
            "--replace-file, let a row now quarantined remove the incident stored "
            "from it (refused without)."
        ),
    ),
]
FollowOpt = Annotated[
    bool,
    typer.Option(
        "--follow-links",
        help="Read symbolic links that point outside the input folder (refused by "
        "default).",
    ),
]
NoClassifyOpt = Annotated[
    bool,
    typer.Option(
        "--no-classify",
        help="Do not classify after the load (by default the store is classified "
        "under the configured definition, and every definition already classified, "
        "with harm).",
    ),
]
OldClassifyOpt = Annotated[
    bool,
    typer.Option("--classify", hidden=True, help="The default: classify the load."),
]


def _folder_and_names(files: list[str]) -> tuple[str | None, list[str]]:
    """The files' common folder (said once in the table's title) and their names
    below it, so a long path does not fill an 80-column terminal row by row.

    >>> _folder_and_names(["/d/a/2019-01.csv", "/d/a/2019-02.csv"])
    ('/d/a', ['2019-01.csv', '2019-02.csv'])
    >>> _folder_and_names(["a.csv", "b.csv"])
    (None, ['a.csv', 'b.csv'])

    A zip's members (``archive.zip!2019-01/x.csv``) are below the zip, which is
    said once, as a folder is:

    >>> _folder_and_names(["d/a.zip!2019-01/x.csv", "d/a.zip!2019-02/y.csv"])
    ('d/a.zip', ['2019-01/x.csv', '2019-02/y.csv'])

    Names as typed are read as paths (a folder typed ``./d`` or ``d//`` was titled
    "." and its files "d/a.csv", or its files "/a.csv"):

    >>> _folder_and_names(["./d/a.csv", "./d/b.csv"])
    ('d', ['a.csv', 'b.csv'])
    >>> _folder_and_names(["d//a.csv", "d//b.csv"])
    ('d', ['a.csv', 'b.csv'])
    """
    files = [os.path.normpath(f) for f in files]
    # "!" parts a zip from its member: as a folder separator for the common part
    as_paths = [f.replace("!", os.sep) for f in files]
    try:
        common = os.path.commonpath(as_paths) if files else ""
    except ValueError:  # absolute and relative names mixed
        return None, files
    if common in as_paths:
        common = str(Path(common).parent)
    if common in ("", ".", "/"):
        return None, files
    prefix = files[0][: len(common)]  # as given: "a.zip" keeps its "!" after it
    return prefix, [f[len(prefix) + 1 :] for f in files]


ReplaceMonthOpt = Annotated[
    bool,
    typer.Option(
        "--replace-month",
        help="Each stop-and-search or street file named for a force's month "
        "(YYYY-MM-<force>-stop-and-search.csv, YYYY-MM-<force>-street.csv) replaces "
        "that month: stored stops or crimes of the month it no longer holds "
        "(police.uk revised or withdrew them) are deleted, a crime it revised is "
        "stored as it now reads (one moved in from another month too), in the same "
        "transaction, and counted. For a later, "
        "revised download of a month already loaded. Outcomes files load as always "
        "(nothing deleted).",
    ),
]


def _rows_header(kinds: set[str]) -> str:
    """``rows`` (data rows read), or ``population rows`` for a population load:
    its rows are those the file gives (a wide line is many), which the other
    columns balance; a note says how many data rows were read."""
    if kinds and all(k.startswith("population-") for k in kinds):
        return "population rows"
    return "rows"


def _show(
    report: LoadReport,
    *,
    as_json: bool,
    summaries: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """The load's table and notes; under ``as_json`` its JSON, each file's object
    with its ``summary`` lines (``summaries``, by file) where it has some: the
    terminal prints them as notes under the table."""
    if as_json:
        files = report.as_json()
        for found in files:
            lines = (summaries or {}).get(found["file"])
            if lines:
                found["summary"] = list(lines)
        print_json(files)
        return
    skipped = list(report.skipped)
    folder, all_names = _folder_and_names([f.file for f in report.files] + skipped)
    names, skipped = all_names[: len(report.files)], all_names[len(report.files) :]
    kinds = {f.kind for f in report.files}
    one_kind = len(kinds) == 1  # said once, in the title
    replacing = any(f.replaced is not None for f in report.files)
    rows = [
        [
            name,
            *([] if one_kind else [f.kind]),
            f"{f.rows:,}",
            f"{f.loaded:,}",
            f"{f.quarantined:,}",
            f"{f.duplicates:,}",
            # "–": a file --replace-month does not replace (outcomes, renamed, ...)
            *([_count(f.replaced)] if replacing else []),
        ]
        for f, name in zip(report.files, names, strict=True)
    ]
    if not one_kind:
        blank = ["0"] * (5 if replacing else 4)
        rows += [[name, "skipped", *blank] for name in skipped]
    total = [report.rows, report.loaded, report.quarantined, report.duplicates]
    if replacing:
        total.append(report.replaced)
    rows.append(["total", *([] if one_kind else [""]), *(f"{n:,}" for n in total)])
    title = f"load {report.load_id}"
    if one_kind:
        title += f": {_kind_label(next(iter(kinds)))}"
    if folder:
        title += f", files in {folder}"
    print_table(
        [
            Col("file", "text"),
            # a bundle's file names say their kind: at 80 columns the names stay whole
            *([] if one_kind else [Col("kind", "fixed", drop=1)]),
            Col(_rows_header(kinds), "fixed", "right"),
            Col("loaded", "fixed", "right"),
            Col("quarantined", "fixed", "right"),
            Col("duplicates", "fixed", "right"),
            *([Col("replaced", "fixed", "right")] if replacing else []),
        ],
        rows,
        title=title,
    )
    if one_kind and skipped:
        kind = next(iter(kinds))
        what = "data" if kind == _UNRECOGNISED else kind
        console.print(f"Skipped (not {what} files): {', '.join(skipped)}")
    for f in report.files:
        if f.error:
            console.print(styled((f.file, "red"), f": {f.error}"))
        elif f.note:
            console.print(styled((f.file, "yellow"), f": {f.note}"))
    if replacing:
        console.print(
            _replaced_files_summary(report)
            if any(f.replacement is not None for f in report.files)
            else _replaced_summary(report)
        )
    conflicts = sum(f.conflicts for f in report.files)
    if report.quarantined or conflicts:
        console.print(
            f"{report.quarantined:,} row(s) rejected and {conflicts:,} conflicting "
            "duplicate(s) reported: see 'avert quarantine list'."
        )
    if kinds == {_UNRECOGNISED}:
        console.print(_nothing_recognised(report))


#: the kind the police.uk reader gives a file whose header it does not know
_UNRECOGNISED = "unknown"
_NOTHING_RECOGNISED = (
    "No file here is a data.police.uk file. avert loads records (one row per "
    "crime, stop or person), not counts: an aggregate table (offences per area "
    "and period, e.g. Home Office or MPS recorded crime) is not loaded "
    "(docs/formats.md, 'Aggregate tables'); an incident table of your own loads "
    "with 'avert ingest table', person records with 'avert ingest bundle'."
)


def _nothing_recognised(report: LoadReport) -> str:
    """What a load none of whose files was recognised says: that every file was
    empty when each was (a download cut short: a police.uk file's name and an
    empty body read "No file here is a data.police.uk file", then the advice on
    aggregate tables), else :data:`_NOTHING_RECOGNISED`."""
    if report.files and all(
        not f.rows and (f.error or f.note or "").startswith("empty file")
        for f in report.files
    ):
        return (
            "Every file given is empty (not even a header): nothing to load. "
            "A file cut short by its download? Download it again."
        )
    return _NOTHING_RECOGNISED


def _kind_label(kind: str) -> str:
    """The kind of a load's files as its title names it.

    >>> _kind_label("policeuk-street"), _kind_label("unknown")
    ('policeuk-street', 'no file recognised')
    """
    return "no file recognised" if kind == _UNRECOGNISED else kind


def _count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def _replaced_summary(report: LoadReport) -> str:
    """One line after the table of a load that replaced months: how many of its
    force-months changed (their files are named in the notes), how many held what
    was stored, and that the other files were not replaced ("–").

    >>> from avert.ingest.result import FileReport as F
    >>> from avert.workflows.load import LoadReport
    >>> files = [F("a", "policeuk-stops", 5, replaced=3), F("b", "policeuk-stops", 2,
    ...          replaced=0), F("c", "policeuk-outcomes", 9)]
    >>> _replaced_summary(LoadReport("x", files))
    '--replace-month: 1 force-month replaced (3 stored stops deleted), 1 unchanged; 1 file not replaced (–: only a stop-and-search or street file named for a force-month and holding rows replaces its month).'
    >>> files = [F("a", "policeuk-stops", 5, replaced=1),
    ...          F("b", "policeuk-street", 2, replaced=4)]
    >>> _replaced_summary(LoadReport("x", files))
    '--replace-month: 2 force-months replaced (1 stored stop deleted, 4 stored crimes deleted or revised), 0 unchanged.'
    """
    from avert.workflows.load import STREET_KIND

    replaced = [f for f in report.files if f.replaced]
    same = [f for f in report.files if f.replaced == 0]
    others = [f for f in report.files if f.replaced is None]
    crimes = sum(f.replaced or 0 for f in report.files if f.kind == STREET_KIND)
    stops = report.replaced - crimes
    counted = [
        *(
            [f"{stops:,} stored stop{'' if stops == 1 else 's'} deleted"]
            if stops
            else []
        ),
        *(
            [f"{crimes:,} stored crime{'' if crimes == 1 else 's'} deleted or revised"]
            if crimes
            else []
        ),
    ]
    line = (
        f"--replace-month: {len(replaced):,} force-month"
        f"{'' if len(replaced) == 1 else 's'} replaced"
        f"{' (' + ', '.join(counted) + ')' if counted else ''}, {len(same):,} unchanged"
    )
    if others:
        line += (
            f"; {len(others):,} file{'' if len(others) == 1 else 's'} not replaced "
            "(–: only a stop-and-search or street file named for a force-month and "
            "holding rows replaces its month)"
        )
    return line + "."


def _replaced_files_summary(report: LoadReport) -> str:
    """One line after the table of an incident table load that replaced its files'
    earlier loads: the counts over its files (each file's note gives its own).

    >>> from avert.ingest.result import FileReport as F
    >>> from avert.workflows.load import LoadReport
    >>> counts = dict(replaced=3, added=1, removed=2, unchanged=0)
    >>> f = F("a.csv", "table-incidents", 4, replaced=5, replacement=counts)
    >>> _replaced_files_summary(LoadReport("x", [f]))
    "--replace-file: 1 file's earlier loads replaced: 3 stored incidents replaced, 1 added, 2 removed, 0 unchanged."
    """
    done = [f.replacement for f in report.files if f.replacement is not None]
    n = {k: sum(d.get(k, 0) for d in done) for k in ("replaced", "added", "removed")}
    unchanged = sum(d.get("unchanged", 0) for d in done)
    files = "1 file's" if len(done) == 1 else f"{len(done):,} files'"
    return (
        f"--replace-file: {files} earlier loads replaced: {n['replaced']:,} "
        f"stored incident{'' if n['replaced'] == 1 else 's'} replaced, "
        f"{n['added']:,} added, {n['removed']:,} removed, {unchanged:,} unchanged."
    )


def _run(
    ctx: typer.Context,
    paths: list[str],
    *,
    kind: str,
    strict: bool,
    as_json: bool,
    crs: str | None,
    classify: bool = True,
    accept_rejects: bool,
    follow_links: bool,
    mapping: str | Path | None = None,
    replace_months: bool = False,
    replace_file: bool = False,
    dry_run: bool = False,
) -> None:
    from avert.workflows.load import ingest_limits, load_files, refresh_after_load
    from avert.workflows.pseudonym_lookup import fill_pseudonym_lookup

    settings = get_settings(ctx)
    store = get_store(ctx)
    use_crs = crs or settings.crs
    harm = None
    if classify:
        # the configured harm table, as 'avert classify' uses (checked before loading)
        from avert.cli.definition import harm_table

        harm = harm_table(ctx, None)
    limits = ingest_limits(settings)
    show_bar = sys.stdout.isatty() and not as_json
    with _load_bar(show=show_bar) as progress:
        report = load_files(
            store,
            paths,
            kind=kind,  # type: ignore[arg-type]
            strict=strict,
            crs=use_crs,
            timezone=settings.timezone,
            progress=progress,
            limits=limits,
            follow_links=follow_links,
            mapping=mapping,
            replace_months=replace_months,
            replace_file=replace_file,
            remove_rejected=accept_rejects,
            dry_run=dry_run,
        )
    _show(report, as_json=as_json)
    if report.dry_run:
        (err_console if as_json else console).print(
            "Dry run: the load was done and rolled back; nothing was written "
            "(nor classified, nor audited)."
        )
        if report.rejected_files and not accept_rejects:
            raise typer.Exit(EXIT_REJECTED)
        return
    if classify:
        if show_bar:
            console.print("classifying ...", end="\r")
        refreshed = refresh_after_load(
            store, report, definition=settings.definition, harm=harm
        )
        # standard output stays the JSON document under --json
        (err_console if as_json else console).print(refreshed.summary())
    # the ids of partner pseudonyms typed into partners' texts: found at a save
    # without hashing every stored id then (docs/briefing.md)
    fill_pseudonym_lookup(store, settings)
    if report.rejected_files and not accept_rejects:
        raise typer.Exit(EXIT_REJECTED)


@contextmanager
def _load_bar(*, show: bool) -> Iterator[ProgressFn | None]:
    """A progress bar on the terminal, told each file and step; ``None`` without one."""
    if not show:
        yield None
        return
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        # files done of the files to load; nothing (not "0/?") before it is known
        TextColumn("{task.fields[count]}", markup=False),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("reading the input", total=None, count="")

        def step(name: str, done: int, total: int) -> None:
            bar.update(
                task,
                completed=done,
                total=total,
                description=_bar_label(name),
                count=f"{done}/{total} files",
            )

        yield step


def _bar_label(name: str) -> str:
    """What the progress bar says: the file (and rows so far), then the last step."""
    from avert.workflows.load import FINISHING

    if not name:
        return "done"
    if name == FINISHING:
        return name
    # a long path keeps "loading" and its end (the file's name, size or rows)
    return f"loading {name}" if len(name) <= 62 else f"loading …{name[-61:]}"


@ingest_app.command(
    "policeuk",
    help="Load data.police.uk street, outcomes and stop-and-search files." + _EXIT_HELP,
)
def policeuk(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="data.police.uk CSV files, folders (YYYY-MM/ archive layout) or zips.",
            callback=existing_file_or_folder,
        ),
    ],
    strict: StrictOpt = False,
    as_json: LoadJsonOpt = False,
    no_classify: NoClassifyOpt = False,
    _classify: OldClassifyOpt = False,
    accept_rejects: AcceptOpt = False,
    follow_links: FollowOpt = False,
    replace_month: ReplaceMonthOpt = False,
    crs: Annotated[
        str | None,
        typer.Option(
            "--crs", help="Projected CRS for x/y (default: settings crs, EPSG:27700)."
        ),
    ] = None,
) -> None:
    """Load data.police.uk street, outcomes and stop-and-search files."""
    _run(
        ctx,
        paths,
        kind="policeuk",
        strict=strict,
        as_json=as_json,
        crs=crs,
        classify=not no_classify,
        accept_rejects=accept_rejects,
        follow_links=follow_links,
        replace_months=replace_month,
    )


@ingest_app.command(
    "bundle",
    help="Load an avert record bundle (format v1, docs/bundle.md)." + _EXIT_HELP,
)
def bundle(
    ctx: typer.Context,
    path: Annotated[
        str,
        typer.Argument(
            help="An avert record bundle: folder or zip.",
            callback=existing_file_or_folder,
        ),
    ],
    strict: StrictOpt = False,
    as_json: LoadJsonOpt = False,
    no_classify: NoClassifyOpt = False,
    _classify: OldClassifyOpt = False,
    accept_rejects: AcceptOpt = False,
    follow_links: FollowOpt = False,
) -> None:
    """Load an avert record bundle (format v1, docs/bundle.md)."""
    _run(
        ctx,
        [path],
        kind="bundle",
        strict=strict,
        as_json=as_json,
        crs=None,
        classify=not no_classify,
        accept_rejects=accept_rejects,
        follow_links=follow_links,
    )


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` group to the root app."""
    app.add_typer(ingest_app, name="ingest")
