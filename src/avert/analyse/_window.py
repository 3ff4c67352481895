"""The trailing window ``(at - days, at]`` that the risk scores and VOLT count in.

One definition, so that a list and the profile beside it agree on which incidents
are "in the last ``window_days`` days": an incident exactly ``window_days`` before
``at`` is out, one at ``at`` is in.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

__all__ = ["in_window", "window_start"]


def window_start(at: dt.datetime, window_days: int) -> dt.datetime:
    """The open start of the window: ``at - window_days`` (itself outside it)."""
    return at - dt.timedelta(days=window_days)


def in_window(col: str, at: dt.datetime, window_days: int) -> pl.Expr:
    """True where ``at - window_days < col <= at``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> at = dt.datetime(2024, 5, 1)
    >>> days = [at - dt.timedelta(days=d) for d in (-1, 0, 1, 7)]
    >>> frame = pl.DataFrame({"t": days})
    >>> frame.select(in_window("t", at, 7))["t"].to_list()
    [False, True, True, False]
    """
    return (pl.col(col) > window_start(at, window_days)) & (pl.col(col) <= at)
