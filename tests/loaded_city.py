"""A small synthetic city loaded and classified in a SQLite store (for test modules).

Test modules that read every table the commands read build this once per module.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import polars as pl

from avert.store import Store
from avert.synth import CityConfig, make_city, write_bundle
from avert.workflows.definitions import classify_store
from avert.workflows.load import load_files


def loaded_city(
    root: Path, *, quarantined: dict[str, object], template: Path | None = None
) -> Store:
    """2,000 people over 120 days (seed 1), loaded from a bundle and classified.

    The store (``root/avert.db``, the bundle beside it) also holds one quarantined
    line with the given columns (``quarantine_id`` and ``kind`` are set here). It
    starts as a copy of ``template`` (a SQLite file at the head, the session's
    ``template_db``) when given, else as an empty database migrated here.
    """
    world = make_city(dataclasses.replace(CityConfig(), people=2_000, days=120), seed=1)
    write_bundle(world, root / "bundle")
    if template is not None:
        shutil.copyfile(template, root / "avert.db")
    store = Store(f"sqlite:///{root / 'avert.db'}")
    store.upgrade()  # at the head already when copied: a check, no migration
    load_files(store, [root / "bundle"], kind="bundle")
    classify_store(store, profile="avb-2010")
    row = {"quarantine_id": "q1", "kind": "rejected", **quarantined}
    with store.transaction() as tx:
        tx.append("quarantine", pl.DataFrame({k: [v] for k, v in row.items()}))
    return store
