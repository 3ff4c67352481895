"""How long the period a record's stored time stands for lasts, by its
``time_precision`` (:data:`avert.schema.TIME_PRECISIONS`).

A record dated alone (``day``) is stored at 00:00 of its day and may be of any
time that day; one recorded to the hour (``hour``, e.g. Toronto's table) at
HH:00 and of any time in that hour; an exact time is an instant. The one rule of
the windows and "days since" of :mod:`avert.analyse` (``_window``) and of the ASB
bridge of the violence definition (:func:`avert.classify.asb_escalation`): a
module of its own, pure (no store, files or printing), because classify may not
import analyse (the layers in ``pyproject.toml``).
"""

from __future__ import annotations

import polars as pl

__all__ = ["period_length"]


def period_length(precision: str = "time_precision") -> pl.Expr:
    """How long the period a record's stored time stands for lasts, by its
    ``precision`` column: a day for one dated alone (``day``, stored at 00:00), an
    hour for one recorded to the hour (``hour``, stored at HH:00: e.g. Toronto's
    table), none for an exact time (or no precision). What runs "``n`` days after"
    such a record runs from its period's end, since it may have happened late in
    it (retaliation alerts' ``live_until``, near-repeat zones' ``until``).

    Examples
    --------
    >>> import datetime as dt
    >>> frame = pl.DataFrame(
    ...     {"t": [dt.datetime(2024, 5, 1)] * 3, "time_precision": ["day", "hour", None]}
    ... )
    >>> frame.select(pl.col("t") + period_length())["t"].dt.strftime("%d %H:%M").to_list()
    ['02 00:00', '01 01:00', '01 00:00']
    """
    col = pl.col(precision)
    return (
        pl.when(col == "day")
        .then(pl.duration(days=1))
        .when(col == "hour")
        .then(pl.duration(hours=1))
        .otherwise(pl.duration(days=0))
    )
