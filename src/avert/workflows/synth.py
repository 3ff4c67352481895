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
from avert.synth.residents import CENTROIDS_FILE, RESIDENTS_FILE, write_residents

__all__ = [
    "CENTROIDS_FILE",
    "RESIDENTS_FILE",
    "RESIDENTS_FOLDER",
    "City",
    "synthetic_city",
]

#: the folder of ``out`` the city's residents are written to (population file and
#: centroids: :func:`avert.synth.residents.write_residents`), as ``avert demo``
#: writes them; the bundle's ingest reads the files of ``out`` alone, not this
RESIDENTS_FOLDER = "residents"


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
    generator step, then ``"writing bundle"``. The city's residents per synthetic
    LSOA and their centroids go to ``out/residents/`` (:data:`RESIDENTS_FOLDER`),
    for ``avert ingest population`` and ``avert ingest centroids``: the equality
    figures' denominators, which the bundle does not carry.
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
    write_residents(city, Path(out) / RESIDENTS_FOLDER)
    return city
