"""Time options of the command line: one rule for every ``--at``, ``--from``, ``--as-of``...

A value with an offset or ``Z`` is converted to the configured zone (setting
``timezone``, default Europe/London); a value without one is local time
(:mod:`avert.config.timezone`).
"""

from __future__ import annotations

import datetime as dt
from typing import overload

import typer

from avert.cli._common import get_settings
from avert.errors import ConfigError

__all__ = ["TIME_HELP", "period", "when"]

#: Appended to the help of every time option.
TIME_HELP = "ISO date or date-time; local time unless it has an offset or Z."


@overload
def when(ctx: typer.Context, value: str, option: str) -> dt.datetime: ...
@overload
def when(ctx: typer.Context, value: str | None, option: str) -> dt.datetime | None: ...
def when(ctx: typer.Context, value: str | None, option: str) -> dt.datetime | None:
    """The local time of a time option (``None`` when not given); usage error if bad."""
    if value is None:
        return None
    from avert.config.timezone import parse_local

    try:
        return parse_local(value, get_settings(ctx).timezone, option=option)
    except ConfigError as err:
        raise typer.BadParameter(str(err), param_hint=option) from err


def period(
    ctx: typer.Context, start: str | None, end: str | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``--from`` and ``--to`` as local times; a usage error when ``--to`` is not
    after ``--from`` (a reversed window would read as "nothing in the window")."""
    begin, until = when(ctx, start, "--from"), when(ctx, end, "--to")
    if begin is not None and until is not None and until <= begin:
        msg = f"--to ({end}) must be after --from ({start})"
        raise typer.BadParameter(msg, param_hint="--to")
    return begin, until
