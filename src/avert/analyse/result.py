"""The result convention of :mod:`avert.analyse`: results that explain themselves.

Every analysis returns a frozen dataclass (a subclass of :class:`Result`) holding a
tidy per-entity ``frame``, scalar summaries as attributes, the parameters echoed back
in ``params``, and ``explain()`` rows that name the method, its source and any
caveat (what population the list was drawn from, what was unavailable). The
convention follows the estimator/result objects of scikit-learn and PySAL esda
(``STYLE.md`` §3.3, "Results explain themselves").
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["Result", "collector_paused", "json_object", "jsonable"]


def jsonable(value: Any, *, significant_digits: int | None = None) -> Any:
    """Return ``value`` converted to plain JSON types (NaN and infinities become None).

    Dates and datetimes become ISO strings, tuples become lists, mappings become
    dicts with string keys, and numpy scalars become Python numbers. With
    ``significant_digits`` every float is rounded to that many significant digits
    (``float(f"{v:.{n}g}")``, so the shortest text of the rounded value is
    written): a coordinate in metres computed as ``526719.2589387622`` takes 17
    characters of JSON for a precision no source has (``briefing.json``:
    :data:`avert.briefing.model.JSON_SIGNIFICANT_DIGITS`).

    The cyclic garbage collector is paused meanwhile: a briefing of a London month
    (21,961 incidents) makes about 10^6 new lists, dicts and strings, none in a
    cycle, and the collector scanning them again and again took about half the
    time (0.82 s down to 0.45 s, least of seven; ``benchmarks/briefing_json.py``).
    Converting a column at a time instead measured no faster once the collector
    was paused (0.40 s either way): building the output's dicts is the cost.
    """
    with collector_paused():
        if significant_digits is None:
            return _convert(value)
        return _convert_rounded(value, f".{significant_digits}g")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (reference counting
    still frees everything that is not in a cycle).

    For code that makes hundreds of thousands of short-lived lists and dicts, none
    in a cycle (a briefing's items, their JSON): each collection scans every young
    object again, and on a London month that was about a third to a half of the
    time (:func:`jsonable`; :func:`avert.briefing.daily_briefing`,
    ``benchmarks/briefing.py --db``). Only the block that paused the collector
    starts it again, so nested or concurrent blocks (the web's threads) leave it
    running once the first ends; a cycle made meanwhile is collected afterwards.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
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
        return [_convert(v) for v in value]
    if isinstance(value, pl.DataFrame):
        return [_convert(row) for row in value.to_dicts()]
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    item = getattr(value, "item", None)  # numpy scalar
    if callable(item):
        return _convert(item())
    return str(value)


def _convert_rounded(value: Any, spec: str) -> Any:
    """:func:`_convert` with every float rounded by the format ``spec`` (``.7g``).

    A twin of its fast paths (the plain types of a briefing's items); anything
    else is converted by :func:`_convert` and then rounded."""
    t = type(value)
    if t is str or t is bool or t is int or value is None:
        return value
    if t is float:  # about 1.5 us: a London month's 132,000 floats, 0.2-0.4 s
        return float(format(value, spec)) if math.isfinite(value) else None
    if t is dict:
        return {
            k if type(k) is str else str(k): _convert_rounded(v, spec)
            for k, v in value.items()
        }
    if t is list:
        return [_convert_rounded(v, spec) for v in value]
    converted = _convert(value)
    if isinstance(converted, float):  # a numpy float is one, and stays one
        return float(format(converted, spec)) if math.isfinite(converted) else None
    if type(converted) is dict or type(converted) is list:
        return _convert_rounded(converted, spec)
    return converted


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
