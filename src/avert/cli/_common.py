"""Shared pieces of the command line: the store from ``--db``, events, JSON output, errors."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.text import Text

from avert.config.settings import Settings, load_settings

if TYPE_CHECKING:
    import polars as pl

    from avert.workflows.admin import Store

__all__ = [
    "area_list",
    "check_choice",
    "check_out_dir",
    "check_out_file",
    "console",
    "err_console",
    "get_settings",
    "get_store",
    "print_json",
    "print_notes",
    "profile_name",
    "read_events",
    "styled",
]

# The consoles read no markup: text in square brackets (a file name, a raw quarantined
# line, a crime type, an error message) prints as given. Styling is asked for
# explicitly, with ``styled`` or a ``style=`` argument.
console = Console(markup=False)
err_console = Console(stderr=True, markup=False)


def styled(*parts: str | tuple[str, str]) -> Text:
    """One line of plain ``str`` and ``(text, style)`` parts: ``("note:", "yellow")``.

    Highlighted (numbers, paths) as a plain string printed on the console is.
    """
    return console.highlighter(Text.assemble(*parts))


def area_list(text: str | None, option: str) -> list[str] | None:
    """The area names of an ``--areas`` option; None for no option; a usage error
    when it names none. Separated by semicolons when it holds one, since a name
    may hold a comma (``"Bristol, City of; Mendip"``, as avert's notes list
    them), else by commas (:func:`avert.workflows.equality.split_area_names`)."""
    if text is None:
        return None
    from avert.workflows.equality import split_area_names

    items = list(split_area_names(text))
    if not items:
        raise typer.BadParameter("names no area", param_hint=option)
    return items


def get_settings(ctx: typer.Context) -> Settings:
    """Settings resolved by the root callback (defaults < environment < --db)."""
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    return load_settings()


def get_store(ctx: typer.Context, *, check: bool = True) -> Store:
    """The store named by ``--db`` / ``AVERT_DATABASE_URL``; checked to be at head.

    The store's pooled connections are released when the command's context closes
    (a PostgreSQL connection left to the garbage collector is a leak).
    """
    from avert.workflows.admin import open_store

    store = open_store(get_settings(ctx), check=check)
    ctx.call_on_close(store.close)
    return store


def profile_name(ctx: typer.Context, definition: str | None) -> str:
    """The id of the definition profile of ``--definition`` if given, else of the
    setting's: a path to a violence TOML file gives the id its classifications are
    stored under."""
    if definition is None:
        return get_settings(ctx).definition_id()
    from avert.config.definitions import profile_id

    return profile_id(definition)


def read_events(
    ctx: typer.Context,
    csv: Path | None,
    *,
    all_incidents: bool,
    day_resolution: bool = False,
) -> pl.DataFrame:
    """Events with ``x``, ``y``, ``occurred_at``: from ``--csv`` if given, else the store.

    From the store, the violence of the configured definition profile, or every
    incident with ``--all-incidents``; ``day_resolution`` leaves month-only rows out
    and says so on standard error, as it says how many rows of a CSV were left out.
    """
    from avert.workflows.forecast import (
        MONTH_ONLY_NOTE,
        events_from_csv,
        events_from_store,
    )

    if csv is not None:
        events, notes = events_from_csv(csv, timezone=get_settings(ctx).timezone)
    else:
        events, notes = events_from_store(
            get_store(ctx),
            profile=get_settings(ctx).definition_id(),
            violence_only=not all_incidents,
            day_resolution=day_resolution,
        )
        notes = tuple(n for n in notes if MONTH_ONLY_NOTE in n)
    for note in notes:
        err_console.print(styled(("note:", "yellow"), " ", note))
    return events


def check_choice(value: str, choices: Sequence[str], option: str) -> None:
    """Usage error (exit 2) unless ``value`` is one of ``choices``: "must be a, b or c"."""
    if value not in choices:
        listed = ", ".join(choices[:-1]) + f" or {choices[-1]}"
        raise typer.BadParameter(f"must be {listed}", param_hint=option)


def _writable_folder(path: Path, option: str) -> None:
    """Usage error unless files can be created in folder ``path`` (or where it would go)."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        msg = f"{path}: {probe} is a file, not a folder"
        raise typer.BadParameter(msg, param_hint=option)
    if not os.access(probe, os.W_OK | os.X_OK):
        msg = f"cannot write to {path}: {probe} is not writable"
        raise typer.BadParameter(msg, param_hint=option)


def check_out_dir(path: Path, option: str = "--out") -> None:
    """Usage error (exit 2) unless ``path`` is a folder that can be written (or made).

    A folder's own files (briefing.html, ...) are replaced: that is what the command
    is for; a *file* where the folder should be is refused.
    """
    if path.exists() and not path.is_dir():
        msg = f"{path} exists and is a file: give a folder"
        raise typer.BadParameter(msg, param_hint=option)
    _writable_folder(path, option)


def check_out_file(path: Path, *, force: bool, option: str = "--out") -> None:
    """Usage error (exit 2) unless file ``path`` can be written.

    An existing file is replaced only with ``force`` (``--force``); a folder never.
    """
    if path.is_dir():
        msg = f"{path} is a folder: give a file name"
        raise typer.BadParameter(msg, param_hint=option)
    if path.exists() and not force:
        msg = f"{path} exists: give --force to replace it, or another name"
        raise typer.BadParameter(msg, param_hint=option)
    _writable_folder(path.parent, option)


def print_notes(notes: Iterable[str]) -> None:
    """A result's notes, one line each, after its table."""
    for note in notes:
        console.print(styled(("note:", "yellow"), " ", note))


def _json_value(value: Any) -> str:
    """A value JSON has no type for: times in ISO 8601, anything else as text."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON to standard output (stable key order, UTF-8); times
    as ISO 8601 (``2026-12-03T07:50:03``), as every other JSON of avert."""
    sys.stdout.write(
        json.dumps(payload, indent=2, default=_json_value, ensure_ascii=False)
    )
    sys.stdout.write("\n")
