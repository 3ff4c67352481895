"""Shared pieces of the command line: the store from ``--db``, events, JSON output, errors."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from avert.config.settings import Settings, load_settings
from avert.errors import NotFound

if TYPE_CHECKING:
    import polars as pl

    from avert.workflows.admin import Store

__all__ = [
    "area_list",
    "check_choice",
    "check_out_dir",
    "check_out_file",
    "console",
    "definition_to_read",
    "definitions_to_read",
    "err_console",
    "existing_file",
    "existing_file_or_folder",
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
    stored under.

    A usage error (exit 2) when ``--definition`` names a file that does not exist,
    or an id neither built in nor classified in the store, listing the known ones
    (an unknown id analysed every incident, with a note, or exited 1);
    :class:`~avert.errors.NotFound` (exit 1) naming ``avert classify`` for a file
    whose profile is not classified yet.
    """
    if definition is None:
        return get_settings(ctx).definition_id()
    from avert.config.definitions import PROFILES, profile_id

    _check_definition_file(definition)
    profile = profile_id(definition)
    if profile in PROFILES:
        return profile
    from avert.workflows.analysis import known_definitions

    known = known_definitions(get_store(ctx))
    if profile not in known and _looks_like_file(definition):
        # a violence TOML file the reader gave, not yet classified: not "unknown
        # definition ...; or give a violence TOML file"
        msg = (
            f"Nothing is classified under {definition} (its profile id "
            f"{profile!r}): run 'avert classify --definition {definition}' first."
        )
        raise NotFound(msg)
    if profile not in known:
        msg = (
            f"unknown definition {definition!r}: known: {', '.join(known)}; or give "
            "a violence TOML file"
        )
        raise typer.BadParameter(msg, param_hint="--definition")
    return profile


def _looks_like_file(definition: str) -> bool:
    """Whether ``definition`` names a file rather than a profile id."""
    return definition.lower().endswith(".toml") or any(
        sep in definition for sep in ("/", os.sep)
    )


def _check_definition_file(definition: str) -> None:
    """Usage error "no such file: PATH" for a definition file that does not exist."""
    if _looks_like_file(definition) and not Path(definition).exists():
        msg = f"no such file: {definition}"
        raise typer.BadParameter(msg, param_hint="--definition")


def definition_to_read(value: str | None) -> str | None:
    """Typer callback of a ``--definition`` whose rules are read (``classify``,
    ``definition show|explain``): a usage error (exit 2) unless it is a built-in
    profile or a file, naming the built-in ones (it exited 1)."""
    if value is not None:
        _check_definition_to_read(value, "--definition")
    return value


def _check_definition_to_read(value: str, hint: str) -> None:
    """Usage error (exit 2) unless ``value`` is a built-in profile or an existing
    file ("no such file" for a missing file, else "unknown definition" naming the
    built-in ones)."""
    from avert.config.definitions import PROFILES

    if value in PROFILES:
        return
    if _looks_like_file(value) and not Path(value).exists():
        raise typer.BadParameter(f"no such file: {value}", param_hint=hint)
    if not Path(value).exists():
        msg = (
            f"unknown definition {value!r}: give a built-in one "
            f"({', '.join(PROFILES)}) or a violence TOML file"
        )
        raise typer.BadParameter(msg, param_hint=hint)


def read_events(
    ctx: typer.Context,
    csv: Path | None,
    *,
    all_incidents: bool,
    day_resolution: bool = False,
    forces: bool = False,
) -> pl.DataFrame:
    """Events with ``x``, ``y``, ``occurred_at``: from ``--events-file`` if given, else the store.

    From the store, the violence of the configured definition profile, or every
    incident with ``--all-incidents``; ``day_resolution`` leaves month-only rows out
    and says so on standard error, as it says how many rows of a CSV were left out.
    ``forces``: the store's events also carry their ``source`` and ``force``.
    A store whose every incident is month-only is refused with ``day_resolution``
    before anything else is read or the analyses imported
    (:mod:`avert.workflows.month_only`).
    """
    if day_resolution and csv is None:
        from avert.workflows.month_only import refuse_all_month_only

        refuse_all_month_only(get_store(ctx))
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
            forces=forces,
        )
        from avert.workflows.staleness import STALE_NOTE_PREFIX

        notes = tuple(
            n for n in notes if MONTH_ONLY_NOTE in n or n.startswith(STALE_NOTE_PREFIX)
        )
    for note in notes:
        err_console.print(styled(("note:", "yellow"), " ", note))
    return events


def with_cell_names(
    ctx: typer.Context,
    csv: Path | None,
    frame: pl.DataFrame,
    *,
    end: dt.datetime | None,
) -> pl.DataFrame:
    """``frame`` (a ``cell_id`` per row) with ``near``: what each cell is near, as
    the briefing names its places (:func:`avert.workflows.place_names.store_cell_names`:
    "Cheapside · City of London 001F"), by the store's violent incidents of the
    year to ``end`` (default: now); null for a cell nothing names and for events
    from ``--events-file``, which carry no place names."""
    import polars as pl

    names: dict[str, tuple[str, float]] = {}
    if csv is None and frame.height and "cell_id" in frame.columns:
        from avert.config.timezone import local_now
        from avert.workflows.place_names import store_cell_names

        settings = get_settings(ctx)
        names = store_cell_names(
            get_store(ctx),
            frame.get_column("cell_id").cast(pl.String).to_list(),
            profile=settings.definition_id(),
            end=end or local_now(settings.timezone),
        )
    near = {cell: name for cell, (name, _) in names.items()}
    return frame.with_columns(
        near=pl.col("cell_id")
        .cast(pl.String)
        .replace_strict(near, default=None, return_dtype=pl.String)
        if "cell_id" in frame.columns
        else pl.lit(None, pl.String)
    )


_Given = TypeVar("_Given", str, Path, list[str], list[Path], None)


def _files_in(folder: Path) -> str:
    """The files of ``folder`` to give instead of it, in words: its CSV files, else
    its other files (a README left out), the first ten by name."""
    files = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and not p.name.upper().startswith("README")
    )
    csv = [name for name in files if name.lower().endswith(".csv")]
    names = csv or files
    if not names:
        return "it holds no file"
    more = f" and {len(names) - 10:,} more" if len(names) > 10 else ""
    return "give a file in it: " + ", ".join(names[:10]) + more


def _check_exists(param: typer.CallbackParam, value: _Given, what: str) -> _Given:
    """Usage error (exit 2) "no such WHAT: PATH" for the first path in ``value``
    (one path, a list of them or None) that does not exist, or, when WHAT is a
    file, "PATH is a folder" naming the files in it; else ``value``."""
    given: list[str | Path] = (
        list(value) if isinstance(value, list) else [] if value is None else [value]
    )
    # the option's name as its help shows it (not "'--new' / '--old'"), or an
    # argument's name as the usage line shows it (PATH, PATHS)
    hint = (
        param.opts[0]
        if param.param_type_name == "option"
        else (param.name or "path").upper()
    )
    for path in given:
        if not Path(path).exists():
            raise typer.BadParameter(f"no such {what}: {path}", param_hint=hint)
        if what == "file" and Path(path).is_dir():
            # 'avert ingest population <data folder>' read nothing and exited 1
            # (an avert error), where a usage error is 2 (docs/command-line.md)
            msg = f"{path} is a folder: {_files_in(Path(path))}"
            raise typer.BadParameter(msg, param_hint=hint)
    return value


def existing_file(param: typer.CallbackParam, value: _Given) -> _Given:
    """Typer callback of an input file option or argument: a usage error (exit 2)
    "no such file: PATH" before anything is opened or read."""
    return _check_exists(param, value, "file")


def existing_file_or_folder(param: typer.CallbackParam, value: _Given) -> _Given:
    """:func:`existing_file` of an input that may be a folder: "no such file or
    folder: PATH"."""
    return _check_exists(param, value, "file or folder")


def definitions_to_read(param: typer.CallbackParam, value: _Given) -> _Given:
    """:func:`definition_to_read` of the profile arguments of ``definition
    validate|diff`` (one or a list; None: the built-in ones), the argument named as
    the usage line names it (FILES, A): "no such file: x.toml" or "unknown
    definition" was an avert error, exit 1, after the harm table was read."""
    given: list[str | Path] = (
        list(value) if isinstance(value, list) else [] if value is None else [value]
    )
    for each in given:
        _check_definition_to_read(str(each), (param.name or "profile").upper())
    return value


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


def check_out_file(path: Path, *, overwrite: bool, option: str = "--out") -> None:
    """Usage error (exit 2) unless file ``path`` can be written.

    An existing file is replaced only with ``overwrite`` (``--overwrite``); a folder
    never.
    """
    if path.is_dir():
        msg = f"{path} is a folder: give a file name"
        raise typer.BadParameter(msg, param_hint=option)
    if path.exists() and not overwrite:
        msg = f"{path} exists: give --overwrite to replace it, or another name"
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
    sys.stdout.write(indented_json(payload))
    sys.stdout.write("\n")


class _UnusualKeyError(Exception):
    """A mapping key that is not text: :func:`indented_json` leaves it to ``json``."""


#: the types a flat object or array may hold to go to the C encoder whole
_PLAIN = frozenset({str, int, float, bool, type(None)})


def indented_json(payload: Any) -> str:
    """``json.dumps(payload, indent=2, default=_json_value, ensure_ascii=False)``,
    the very same text, faster.

    The standard library writes indented JSON with its Python encoder, a generator
    call per value: 3.5 s of CPU for the 11.6 MB of ``avert analyse performance
    --by ward --json`` on Toronto (420 series of 48 months). Here the objects and
    arrays of plain values (most of a payload: a chart's rows) go whole to its C
    encoder, the item separator carrying the newline and indentation, and only
    the nesting above them is walked in Python. A mapping with a key that is not
    text (``json`` would convert it) is left to ``json.dumps`` whole.
    """
    try:
        parts: list[str] = []
        _indented(payload, 0, parts)
        return "".join(parts)
    except _UnusualKeyError:
        return json.dumps(payload, indent=2, default=_json_value, ensure_ascii=False)


@functools.cache
def _encoder(level: int | None) -> Callable[[Any], str]:
    """The C encoder of one value (``level`` None), or of a flat object or array
    at nesting ``level`` (its items on lines of their own): made once, as
    ``json.dumps`` would make one for every call."""
    if level is None:
        return json.JSONEncoder(ensure_ascii=False, default=_json_value).encode
    inner = "\n" + "  " * level
    return json.JSONEncoder(ensure_ascii=False, separators=("," + inner, ": ")).encode


def _indented(value: Any, level: int, parts: list[str]) -> None:
    """Append ``value`` as :func:`indented_json` writes it at nesting ``level``."""
    is_dict = isinstance(value, dict)
    if not is_dict and not isinstance(value, list | tuple):
        parts.append(_encoder(None)(value))
        return
    if not value:
        parts.append("{}" if is_dict else "[]")
        return
    inner = "\n" + "  " * (level + 1)
    items = value.values() if is_dict else value
    if is_dict and any(type(k) is not str for k in value):
        raise _UnusualKeyError
    if all(type(v) in _PLAIN for v in items):
        flat = _encoder(level + 1)(value)
        parts.extend(("{" if is_dict else "[", inner, flat[1:-1]))
    else:
        parts.append("{" if is_dict else "[")
        for i, (key, item) in enumerate(value.items() if is_dict else enumerate(value)):
            parts.append(inner if i == 0 else "," + inner)
            if is_dict:
                parts.append(_encoder(None)(key) + ": ")
            _indented(item, level + 1, parts)
    parts.extend(("\n", "  " * level, "}" if is_dict else "]"))
