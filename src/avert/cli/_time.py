"""Time options of the command line: one rule for every ``--at``, ``--from``, ``--as-of``...

A value with an offset or ``Z`` is converted to the configured zone (setting
``timezone``, default Europe/London); a value without one is local time
(:mod:`avert.config.timezone`). A month alone (``2019-06``, the precision of
data.police.uk) is its first day, or its end for an end such as ``--to``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from typing import Final, Literal, overload

import typer

from avert.cli._common import get_settings
from avert.errors import ConfigError

__all__ = ["TIME_HELP", "TO_TIME_HELP", "day_or_month", "period", "when"]

#: Appended to the help of every time option.
TIME_HELP = (
    "ISO date or date-time, or a month YYYY-MM (its first day); local time "
    "unless it has an offset or Z."
)
#: Appended to the help of a time option that ends a window (``--to``).
TO_TIME_HELP = (
    "ISO date or date-time, or a month YYYY-MM (to its end); local time "
    "unless it has an offset or Z."
)

#: A month alone, as data.police.uk dates its records: ``2019-06``.
_MONTH: Final = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def _month(value: str, *, end: bool) -> dt.datetime | None:
    """``value`` as a month's first day (``end``: the next month's first day, the
    exclusive end of the month); None unless it is ``YYYY-MM`` of a real month."""
    found = _MONTH.match(value)
    if found is None or not 1 <= int(found[2]) <= 12:
        return None
    year, month = int(found[1]), int(found[2])
    if end:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return dt.datetime(year, month, 1)
    except ValueError:  # past the year 9999
        return None


@overload
def when(
    ctx: typer.Context, value: str, option: str, *, end: bool = False
) -> dt.datetime: ...
@overload
def when(
    ctx: typer.Context, value: str | None, option: str, *, end: bool = False
) -> dt.datetime | None: ...
def when(
    ctx: typer.Context, value: str | None, option: str, *, end: bool = False
) -> dt.datetime | None:
    """The local time of a time option (``None`` when not given); usage error if bad.

    A month alone (``2019-06``) is midnight of its first day, or with ``end`` (a
    window's exclusive end) of the next month's first day: ``--from 2019-06 --to
    2019-08`` is June to August."""
    if value is None:
        return None
    month = _month(value, end=end)
    if month is not None:
        return month
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
    begin, until = when(ctx, start, "--from"), when(ctx, end, "--to", end=True)
    if begin is not None and until is not None and until <= begin:
        msg = f"--to ({end}) must be after --from ({start})"
        raise typer.BadParameter(msg, param_hint="--to")
    return begin, until


#: The forms click's DateTime took before a month was accepted too.
_DATE_FORMATS: Final = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def day_or_month(
    month_as: Literal["first", "last", "end"],
) -> Callable[[str | dt.datetime], dt.datetime]:
    """A ``parser=`` for the date options of ``analyse performance``, ``analyse
    equality`` and ``audit``, which took only dates (click's DateTime) where every
    other command took a month too: ``YYYY-MM`` is the month's first day
    (``first``: a ``--from``), its last day (``last``: an inclusive ``--to``, the
    last day counted) or the next month's first day (``end``: an exclusive
    ``--to``, "before this time"); any other value is read as before."""

    def parse(value: str | dt.datetime) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        month = _month(value, end=month_as == "end")
        if month is not None:
            if month_as == "last":
                days = calendar.monthrange(month.year, month.month)[1]
                return month.replace(day=days)
            return month
        for form in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(value.strip(), form)
            except ValueError:
                continue
        msg = (
            f"{value!r} is not a date (YYYY-MM-DD), a date-time "
            "(YYYY-MM-DDTHH:MM:SS) or a month (YYYY-MM)."
        )
        raise ValueError(msg)

    return parse
