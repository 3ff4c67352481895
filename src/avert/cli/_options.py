"""Options that several commands share, declared once (name, help, flags).

A command uses the alias as its parameter's type and gives the default itself
(``as_json: JsonOpt = False``), so ``--help`` reads the same wherever an option appears.
An option whose help differs between commands (``--out``, ``--no-pdf``) is
not one option: it stays with its command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from avert.cli._time import TIME_HELP

__all__ = [
    "AllIncidentsOpt",
    "CellOpt",
    "CsvOutArg",
    "EventsCsvOpt",
    "ForceOpt",
    "FromOpt",
    "JsonOpt",
    "JsonOutputOpt",
    "LoadJsonOpt",
    "PdfOpt",
    "ProfileOpt",
    "StableJsonOpt",
    "StrictOpt",
    "ToOpt",
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

#: ``--force`` of the commands that write one file named by the argument PATH
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace PATH if it exists.")]
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
        "--to", help="End of the window (exclusive; default: no end). " + TIME_HELP
    ),
]
#: events of the place statistics and forecasts from a file instead of the store
EventsCsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--csv",
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
