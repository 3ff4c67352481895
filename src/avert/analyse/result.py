"""The result convention of :mod:`avert.analyse`: results that explain themselves.

Every analysis returns a frozen dataclass (a subclass of :class:`Result`) holding a
tidy per-entity ``frame``, scalar summaries as attributes, the parameters echoed back
in ``params``, and ``explain()`` rows that name the method, its source and any
caveat (what population the list was drawn from, what was unavailable). The
convention follows the estimator/result objects of scikit-learn and PySAL esda
(``STYLE.md`` §3.3, "Results explain themselves").
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any, Final

import polars as pl

__all__ = ["Result", "json_object", "jsonable"]


#: The element types JSON takes as they are (no conversion, no copy needed).
_PLAIN: Final = frozenset({str, bool, int, type(None)})


def jsonable(value: Any) -> Any:
    """Return ``value`` converted to plain JSON types (NaN and infinities become None).

    Dates and datetimes become ISO strings, tuples become lists, mappings become
    dicts with string keys, and numpy scalars become Python numbers. A list of
    dicts that share their keys (a briefing's 21,961 incidents of a London month)
    is converted a column at a time (:func:`_rows`), not value by value. The
    cyclic garbage collector is paused meanwhile: the conversion makes ~10^5 new
    lists and dicts, none in a cycle, and the collector scanning them again and
    again took half its time.
    """
    if not gc.isenabled():
        return _convert(value)
    gc.disable()
    try:
        return _convert(value)
    finally:
        gc.enable()


def _convert(value: Any) -> Any:
    """:func:`jsonable` without the pause of the collector (it recurses)."""
    t = type(value)  # fast paths for the plain types that make most of a payload
    if t is str or t is bool or value is None:
        return value
    if t is float:
        return value if math.isfinite(value) else None
    if t is dict:
        return {k if type(k) is str else str(k): _convert(v) for k, v in value.items()}
    if t is list:
        if len(value) > 1 and type(value[0]) is dict:
            return _rows(value)
        return [_convert(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _convert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return _convert(list(value))
    if isinstance(value, pl.DataFrame):
        return _rows(value.to_dicts())
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        return _convert(item())
    return str(value)


def _rows(rows: list[Any]) -> list[Any]:
    """A list of dicts converted a column at a time, key order kept.

    When every item is a dict with the same keys in the same order (rows of one
    frame, items of one briefing list), each column is converted once
    (:func:`_column`) and the rows rebuilt from the columns: the same values as
    :func:`_convert` item by item, in a few passes over flat lists. Anything else
    (mixed keys, an item that is no dict) is converted item by item.
    """
    keys = tuple(rows[0]) if type(rows[0]) is dict else ()
    if not keys or set(map(type, rows)) != {dict} or set(map(tuple, rows)) != {keys}:
        return [_convert(r) for r in rows]
    names = [k if type(k) is str else str(k) for k in keys]
    if len(keys) == 1:
        columns = [_column([r[keys[0]] for r in rows])]
    else:  # the transpose in C: each row's values, then the columns
        columns = [
            _column(list(c)) for c in zip(*map(itemgetter(*keys), rows), strict=True)
        ]
    return list(map(dict, map(zip, repeat(names), zip(*columns, strict=True))))


def _column(values: list[Any]) -> list[Any]:
    """One column converted as :func:`_convert` would each value, by its types.

    Plain values are kept, floats checked for NaN and infinities, dates written
    in ISO; lists of plain values are copied and lists of dicts converted as
    rows of their own; any other column value by value.
    """
    types = set(map(type, values))
    if types <= _PLAIN:
        return values
    if types <= _PLAIN | {float}:
        return [
            None if type(v) is float and not math.isfinite(v) else v for v in values
        ]
    if types <= {dt.datetime, dt.date, type(None)}:
        return [None if v is None else v.isoformat() for v in values]
    if types == {list}:
        flat = [x for v in values for x in v]
        inner = set(map(type, flat))
        if inner <= _PLAIN:
            return [list(v) for v in values]
        if inner == {dict}:
            items = iter(_rows(flat))
            return [[next(items) for _ in v] for v in values]
    if types == {dict}:
        return _rows(values)
    return [_convert(v) for v in values]


def json_object(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``mapping`` as a JSON-ready dict (see :func:`jsonable`)."""
    return {str(k): jsonable(v) for k, v in mapping.items()}


@dataclass(frozen=True, kw_only=True)
class Result:
    """Base of every analysis result.

    Attributes
    ----------
    frame
        The tidy per-entity table (one row per person, place, time slot ...).
    params
        The parameters the analysis ran with, echoed back (window, population ...).
    method
        One line naming the method.
    source
        The paper, guideline or seed paragraph the method follows.
    notes
        Caveats the reader must see: population, unavailable measures, fallbacks.
    """

    frame: pl.DataFrame
    params: Mapping[str, Any] = field(default_factory=dict)
    method: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()

    def explain(self) -> pl.DataFrame:
        """Return rows (``item``, ``text``) naming the method, source, parameters and notes."""
        items: list[tuple[str, str]] = [
            ("method", self.method),
            ("source", self.source),
        ]
        items += [(f"param:{k}", str(jsonable(v))) for k, v in self.params.items()]
        items += [("note", n) for n in self.notes]
        return pl.DataFrame(items, schema=["item", "text"], orient="row")
