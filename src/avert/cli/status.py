"""``avert status`` and ``avert quarantine list|export``: what is in the database.

``avert status --json`` prints a stable object that other tools read::

    {"tables": {"incidents": N, "stops": N, "quarantine": N, ...},
     "incidents": {"by_source": {...}, "by_force": {...}, "by_month": {...}},
     "stops": {...same...},
     "quarantine": {"rejected": N, "duplicate": N, "by_file": {...}},
     "loads": {"files": N, "loads": N, "last_loaded_at": "..."},
     "classifications": {"avb-2010": {"state": "current" | "stale" | "unknown",
                                      "changed": "definition" | "harm table" | ...,
                                      "classified_at": "...",
                                      "unclassified": N,
                                      "asb_unbridged": N}}}
"""

from __future__ import annotations

import itertools
from typing import Annotated

import typer

from avert.cli._common import (
    check_out_file,
    console,
    err_console,
    get_settings,
    get_store,
    print_json,
    styled,
)
from avert.cli._options import CsvOutArg, JsonOpt, OverwriteOpt, StableJsonOpt
from avert.cli._table import Col, print_frame, print_table

__all__ = ["register"]

quarantine_app = typer.Typer(
    help="Rows that were rejected or reported as conflicting duplicates.",
    no_args_is_help=True,
)


def status(
    ctx: typer.Context,
    as_json: StableJsonOpt = False,
) -> None:
    """Row counts per table; incidents and stops per source, force and month.

    An organisation the accounts write in two spellings (differing only in case
    or spaces: two organisations, two pseudonym keys) is warned of on standard
    error, as by 'avert users list'.
    """
    from avert.workflows.admin import classify_commands, store_status
    from avert.workflows.users import organisation_spellings_note

    store, settings = get_store(ctx), get_settings(ctx)
    summary = store_status(store, settings=settings)
    note = organisation_spellings_note(store)
    if note is not None:  # standard error: a --json answer stays whole
        err_console.print(styled(("warning:", "yellow"), " ", note))
    if as_json:
        print_json(summary)
        return
    print_table(
        [Col("table", "id"), Col("rows", "fixed", "right")],
        [[name, f"{n:,}"] for name, n in summary["tables"].items()],
        title="tables",
    )
    for name in ("incidents", "stops"):
        for key in ("by_source", "by_force"):
            groups = summary[name][key]
            if groups:
                console.print(
                    f"{name} {key.replace('_', ' ')}: "
                    + ", ".join(
                        f"{_group_name(name, key, k)} {v:,}" for k, v in groups.items()
                    )
                )
        months = dict(summary[name]["by_month"])
        # rows with no date (a hand-edited or partly migrated store) group as
        # "(none)": counted on a line of their own, not a month (a traceback)
        undated = months.pop("(none)", 0)
        if months:
            console.print(f"{name} months: {_month_span(sorted(months))}")
        if undated:
            console.print(
                f"{name} with no date: {undated:,} (in no month above, nor in "
                "any window of dates: the briefing, forecasts and performance "
                "leave them out)"
            )
    q = summary["quarantine"]
    console.print(
        f"quarantine: {q['rejected']:,} rejected, {q['duplicate']:,} duplicate"
    )
    profiles = summary["classifications"]
    commands = classify_commands(store, list(profiles), settings=settings)
    for profile, currency in profiles.items():
        command = commands[profile]
        console.print(
            f"classifications {profile}: {_currency_line(currency, command)}"
            + _unclassified_words(int(currency.get("unclassified") or 0), command)
            + _unbridged_words(int(currency.get("asb_unbridged") or 0), command)
        )
    if not profiles and summary["tables"].get("asb"):
        console.print(_never_bridged_line(int(summary["tables"]["asb"])))


def _group_name(table: str, key: str, group: str) -> str:
    """A group of a status line as the rest of avert names it: a stop's force by
    its name, then the id ``stops.force`` holds (the one ``--police-force`` takes), as
    ``avert analyse equality`` and the board pack name it; any other as stored.

    >>> _group_name("stops", "by_force", "south-yorkshire")
    'South Yorkshire Police (south-yorkshire)'
    >>> _group_name("incidents", "by_force", "West Yorkshire Police")
    'West Yorkshire Police'
    """
    if table != "stops" or key != "by_force":
        return group
    from avert.workflows.equality import force_name

    name = force_name(group)
    return group if name == group else f"{name} ({group})"


def _unclassified_words(count: int, command: str) -> str:
    """What the line of a profile adds when incidents have no classification under
    it; ``command`` classifies them (:func:`avert.workflows.admin.classify_commands`).

    >>> _unclassified_words(0, "avert classify")
    ''
    >>> _unclassified_words(1, "avert classify")
    "; 1 incident is not classified under it (loaded since): run 'avert classify'"
    """
    if not count:
        return ""
    many = count != 1
    return (
        f"; {count:,} incident{'s' * many} {'are' if many else 'is'} not classified "
        f"under it (loaded since): run '{command}'"
    )


def _unbridged_words(count: int, command: str) -> str:
    """What the line of a profile adds when ASB reports have not been put through
    its ASB bridge (seed paragraph 8; ``command`` applies it with the
    classification).

    >>> _unbridged_words(0, "avert classify")
    ''
    >>> _unbridged_words(2, "avert classify")
    "; 2 ASB reports are not bridged under it (not checked for escalation): run 'avert classify'"
    """
    if not count:
        return ""
    many = count != 1
    return (
        f"; {count:,} ASB report{'s' * many} {'are' if many else 'is'} not bridged "
        f"under it (not checked for escalation): run '{command}'"
    )


def _never_bridged_line(reports: int) -> str:
    """The line of a store holding ASB reports and classified under no definition
    (an ingest of ASB alone classifies nothing): none is checked for escalation.

    >>> _never_bridged_line(4)
    "ASB reports: 4 stored, none checked for escalation (no definition classified yet): run 'avert classify'"
    """
    return (
        f"ASB reports: {reports:,} stored, none checked for escalation (no "
        "definition classified yet): run 'avert classify'"
    )


def _currency_line(currency: dict[str, object], command: str) -> str:
    """Whether a profile's classifications are current, in words; ``command``
    brings stale ones up to date."""
    at = f" (classified {currency['classified_at']})" * bool(currency["classified_at"])
    if currency["state"] == "stale":
        return (
            f"stale: made under another {currency['changed']} than the one in "
            f"force{at}; run '{command}'"
        )
    if currency["state"] == "current":
        return f"current{at}"
    return (
        "unknown: no record of the definition and harm table they were made "
        "under (classified before avert kept one), or a file in force cannot be read"
    )


def _month_span(months: list[str]) -> str:
    """The first and last month holding records, and the months between with none.

    A store of July 2018 and of 2019 printed "2018-07 .. 2019-12 (13)", which reads
    as thirteen months in a row; a month never loaded is no data, not a quiet month
    (docs/performance.md), so the gaps are named, at most three runs of them.

    >>> _month_span(["2019-01", "2019-02", "2019-03"])
    '2019-01 .. 2019-03 (3 months)'
    >>> _month_span(["2018-07", "2019-01", "2019-02"])
    '2018-07 .. 2019-02: 3 of its 8 months hold records; none in 2018-08 .. 2018-12'
    >>> _month_span(["2020-01", "2020-03", "2020-05", "2020-07", "2020-09"])
    '2020-01 .. 2020-09: 5 of its 9 months hold records; none in 2020-02, 2020-04, 2020-06 and 1 more month'
    """
    first, last = months[0], months[-1]
    index = [int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months]
    span = index[-1] - index[0] + 1
    if span == len(months):
        return f"{first} .. {last} ({len(months)} month{'s' * (len(months) != 1)})"
    runs = [(a + 1, b - 1) for a, b in itertools.pairwise(index) if b - a > 1]

    def name(i: int) -> str:
        return f"{i // 12}-{i % 12 + 1:02d}"

    shown = [name(a) if a == b else f"{name(a)} .. {name(b)}" for a, b in runs[:3]]
    rest = sum(b - a + 1 for a, b in runs[3:])
    gaps = ", ".join(shown)
    if rest:
        gaps += f" and {rest} more month{'s' * (rest != 1)}"
    return (
        f"{first} .. {last}: {len(months)} of its {span} months hold records; "
        f"none in {gaps}"
    )


@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows to show.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Show quarantined rows: file, line, column, reason."""
    from avert.workflows.quarantine import quarantine_rows

    frame = quarantine_rows(get_store(ctx), limit=limit)
    print_frame(
        frame,
        [
            Col("kind", "fixed"),
            Col("source_file", "text"),
            Col("line", "fixed", "right"),
            Col("column", "text", drop=1),
            Col("reason", "text"),
        ],
        lambda row: [
            row["kind"],
            row["source_file"],
            str(row["line"]),
            row["column"] or "",
            row["reason"],
        ],
        as_json=as_json,
        title=f"quarantine (first {limit})",
    )


@quarantine_app.command("export")
def quarantine_export(
    ctx: typer.Context,
    path: CsvOutArg,
    overwrite: OverwriteOpt = False,
) -> None:
    """Write every quarantined row (with its raw text) to a private CSV file.

    Cells that a spreadsheet would run as a formula get a leading quote.
    """
    from avert.workflows.quarantine import export_quarantine

    check_out_file(path, overwrite=overwrite, option="PATH")
    n = export_quarantine(get_store(ctx), path)
    console.print(f"{n:,} quarantined row(s) written to {path}")


def register(app: typer.Typer) -> None:
    """Add ``status`` and the ``quarantine`` group to the root app."""
    app.command("status")(status)
    app.add_typer(quarantine_app, name="quarantine")
