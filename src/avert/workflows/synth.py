"""Workflow of ``avert synth``: generate the synthetic city and write its record bundle.

The generator itself is :mod:`avert.synth` (``docs/synth.md``); this module is the
one way an edge reaches it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from avert.synth import City, CityConfig, make_city, write_bundle

__all__ = ["City", "synthetic_city"]


def synthetic_city(
    out: str | Path,
    *,
    seed: int,
    people: int,
    days: int,
    end_date: dt.date | None = None,
    fmt: Literal["csv", "parquet"] = "csv",
    progress: Callable[[str], None] | None = None,
) -> City:
    """Generate a city of ``people`` residents over ``days`` and write it to ``out``.

    The same seed gives a byte-identical bundle. ``progress(step)`` is told each
    generator step, then ``"writing bundle"``.
    """
    config = (
        CityConfig(people=people, days=days)
        if end_date is None
        else CityConfig(people=people, days=days, end_date=end_date)
    )
    city = make_city(config, seed=seed, progress=progress)
    if progress is not None:
        progress("writing bundle")
    write_bundle(city, out, fmt=fmt)
    return city
