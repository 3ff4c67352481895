"""Options that several commands share, declared once (name, help, flags).

A command uses the alias as its parameter's type and gives the default itself
(``as_json: JsonOpt = False``), so ``--help`` reads the same wherever an option appears.
An option whose help differs between commands (``--out``, ``--no-pdf``) is
not one option: it stays with its command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from avert.cli._common import existing_file
from avert.cli._time import TIME_HELP, TO_TIME_HELP

__all__ = [
    "OVERWRITE_NAMES",
    "POLICE_FORCE_NAMES",
    "AllIncidentsOpt",
    "CellOpt",
    "CsvOutArg",
    "EventsCsvOpt",
    "FromOpt",
    "JsonOpt",
    "JsonOutputOpt",
    "LoadJsonOpt",
    "OldNamesHiddenCommand",
    "OldNamesHiddenGroup",
    "OverwriteOpt",
    "PdfOpt",
    "PoliceForceNamedOpt",
    "PoliceForceOpt",
    "ProfileOpt",
    "StableJsonOpt",
    "StrictOpt",
    "ToOpt",
    "hide_old_option_names",
    "overwrite_option",
    "police_force_option",
]

#: ``--json`` of most listing commands
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: ``--json`` whose object other tools read (documented in the module's docstring)
StableJsonOpt = Annotated[bool, typer.Option("--json", help="Print stable JSON.")]
#: ``--json`` of the commands that load incident files (one object per file)
LoadJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON object per file instead of a table (a refused file "
        "has an 'error' field).",
    ),
]
#: ``--json`` of the delivery plan's commands
JsonOutputOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]

#: The names of an option that replaces an existing output file: ``--overwrite``,
#: then ``--force``, its name before 2026-12 (kept working, hidden from ``--help``).
OVERWRITE_NAMES: tuple[str, str] = ("--overwrite", "--force")
#: The names of an option choosing one police force: ``--police-force``, then
#: ``--force``, its name before 2026-12 (kept working, hidden from ``--help``).
POLICE_FORCE_NAMES: tuple[str, str] = ("--police-force", "--force")


def overwrite_option(help_text: str) -> Any:
    """An option replacing an existing output file, named :data:`OVERWRITE_NAMES`.

    ``--force`` replaced a file in some commands and chose a police force in
    others (``forecast evaluate`` had both, the force as ``--police-force``): each
    meaning now has a name of its own, the old one still accepted where it meant
    this."""
    return typer.Option(*OVERWRITE_NAMES, help=help_text)


def police_force_option(help_text: str) -> Any:
    """An option choosing one police force, named :data:`POLICE_FORCE_NAMES`
    (:func:`overwrite_option` says why)."""
    return typer.Option(*POLICE_FORCE_NAMES, help=help_text)


#: ``--overwrite`` of the commands that write one file named by the argument PATH
OverwriteOpt = Annotated[bool, overwrite_option("Replace PATH if it exists.")]

#: ``--police-force F`` of the place analyses and forecasts: one police force's events
_POLICE_FORCE_HELP = (
    "Only the events of this force (an id such as west-yorkshire, or its "
    "name as stored: West Yorkshire Police; for records naming no force, "
    "their source). Default: every force's, named in a note when several; "
    "far-apart forces' are refused as one grid."
)
PoliceForceOpt = Annotated[str | None, police_force_option(_POLICE_FORCE_HELP)]
#: ``--police-force`` alone, where ``--force`` is the old name of ``--overwrite``
#: (``forecast evaluate``)
PoliceForceNamedOpt = Annotated[
    str | None, typer.Option("--police-force", help=_POLICE_FORCE_HELP)
]
#: PATH of the commands that export rows to a CSV file
CsvOutArg = Annotated[Path, typer.Argument(help="CSV file to write.")]

#: every incident instead of the violence of the definition profile
AllIncidentsOpt = Annotated[
    bool, typer.Option("--all-incidents", help="Every incident, not only violence.")
]
#: start and end of an analysis window (local time, :mod:`avert.cli._time`)
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Start of the window (inclusive; default: no start). " + TIME_HELP,
    ),
]
ToOpt = Annotated[
    str | None,
    typer.Option(
        "--to", help="End of the window (exclusive; default: no end). " + TO_TIME_HELP
    ),
]
#: events of the place statistics and forecasts from a file instead of the store
EventsCsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--events-file",
        "--csv",
        callback=existing_file,
        help="Read events from this CSV/Parquet (columns x, y in metres, occurred_at) "
        "instead of the store.",
    ),
]
#: the definition profile whose classifications an analysis reads
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--definition",
        help="Definition profile of the classifications (default: settings).",
    ),
]
#: grid cell size of the place statistics and forecasts
CellOpt = Annotated[float, typer.Option("--cell", min=1, help="Cell size in metres.")]
#: grid cell size of the place forecasts: the ``places_cell_m`` setting unless given
PlacesCellOpt = Annotated[
    float | None,
    typer.Option(
        "--cell",
        min=1,
        help="Cell size in metres (default: the places_cell_m setting, 150 m, "
        "which the web Places page and the briefing use too).",
    ),
]

#: ``--strict`` of every loader
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict", help="Fail the whole load (nothing written) on any rejected row."
    ),
]
#: the hidden ``--pdf`` beside ``--no-pdf``: the default, kept for old scripts
PdfOpt = Annotated[
    bool, typer.Option("--pdf", hidden=True, help="The default: write the PDF.")
]


def _format_help_one_name(
    command: TyperCommand | TyperGroup,
    ctx: Any,
    formatter: Any,
    format_help: Callable[[Any, Any], None],
) -> None:
    """Run ``format_help`` with every option of ``command`` showing only its first
    long name (restored after)."""
    shown = [(p, p.opts) for p in command.params]
    try:
        for param, opts in shown:
            param.opts = _first_long_name(opts)
        format_help(ctx, formatter)
    finally:
        for param, opts in shown:
            param.opts = opts


class OldNamesHiddenCommand(TyperCommand):
    """A command whose ``--help`` shows each option by its first long name only.

    An option renamed keeps its old name working as a further name after the new
    one (``typer.Option("--days", "--window-days")``: old scripts still run), and
    the help, hence docs/cli.md, shows the one name to use.
    """

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help with every option's further long names left out."""
        _format_help_one_name(self, ctx, formatter, super().format_help)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Parse ``args``; a usage error about an option names it by its first long
        name ("Missing option '--from'", not "'--from' / '--since'")."""
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as err:  # MissingParameter too
            param = err.param
            if (
                err.param_hint is None
                and param is not None
                and param.param_type_name == "option"
            ):
                err.param_hint = [o for o in param.opts if o.startswith("--")][:1]
            raise


class OldNamesHiddenGroup(TyperGroup):
    """:class:`OldNamesHiddenCommand` of a group whose callback takes options
    (``avert forecast``)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help with every option's further long names left out."""
        _format_help_one_name(self, ctx, formatter, super().format_help)


def _first_long_name(opts: list[str]) -> list[str]:
    """``opts`` without the long names after the first (short names kept)."""
    longs = [o for o in opts if o.startswith("--")]
    return [o for o in opts if not o.startswith("--") or o == longs[0]]


def hide_old_option_names(app: typer.Typer) -> None:
    """Give every command of ``app`` :class:`OldNamesHiddenCommand` and every group
    :class:`OldNamesHiddenGroup` (one that names a class of its own keeps it)."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = OldNamesHiddenCommand
    for group in app.registered_groups:
        if not isinstance(group.cls, type):  # Typer's default
            group.cls = OldNamesHiddenGroup
        if isinstance(group.typer_instance, typer.Typer):
            hide_old_option_names(group.typer_instance)
