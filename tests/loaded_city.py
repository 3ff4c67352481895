"""A small synthetic city loaded and classified in a SQLite store (for test modules).

Test modules that read every table the commands read build this once per module.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl

from avert.store import Store
from avert.synth import CityConfig, make_city, write_bundle
from avert.workflows.definitions import classify_store
from avert.workflows.load import load_files


def loaded_city(root: Path, *, quarantined: dict[str, object]) -> Store:
    """2,000 people over 120 days (seed 1), loaded from a bundle and classified.

    The store (``root/avert.db``, the bundle beside it) also holds one quarantined
    line with the given columns (``quarantine_id`` and ``kind`` are set here).
    """
    world = make_city(dataclasses.replace(CityConfig(), people=2_000, days=120), seed=1)
    write_bundle(world, root / "bundle")
    store = Store(f"sqlite:///{root / 'avert.db'}")
    store.upgrade()
    load_files(store, [root / "bundle"], kind="bundle")
    classify_store(store, profile="avb-2010")
    row = {"quarantine_id": "q1", "kind": "rejected", **quarantined}
    with store.transaction() as tx:
        tx.append("quarantine", pl.DataFrame({k: [v] for k, v in row.items()}))
    return store
