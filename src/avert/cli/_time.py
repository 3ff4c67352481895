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

__all__ = ["TIME_HELP", "when"]

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
