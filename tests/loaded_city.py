"""A small synthetic city loaded and classified in a SQLite store (for test modules).

Test modules that read every table the commands read take a copy of it each: the
city is made, loaded and classified once per test process
(:func:`loaded_city_folder`, the session fixture ``loaded_city_template`` of
tests/conftest.py) and copied for each module (:func:`loaded_city`), so that one
module's writes reach no other.
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


def loaded_city_folder(root: Path, template: Path) -> Path:
    """``root`` holding 2,000 people over 120 days (seed 1) as a bundle
    (``root/bundle``) and loaded from it and classified in ``root/avert.db``
    (a copy of ``template``, a SQLite file at the head: the session's
    ``template_db``); ``root``. Copy it (:func:`loaded_city`), never write it."""
    world = make_city(dataclasses.replace(CityConfig(), people=2_000, days=120), seed=1)
    write_bundle(world, root / "bundle")
    shutil.copyfile(template, root / "avert.db")
    store = Store(f"sqlite:///{root / 'avert.db'}")
    store.check()  # at the head: copied, no migration to run
    load_files(store, [root / "bundle"], kind="bundle")
    classify_store(store, profile="avb-2010")
    store.close()  # the write-ahead log checkpointed into the file copied
    return root


def loaded_city(root: Path, *, quarantined: dict[str, object], prepared: Path) -> Store:
    """A copy at ``root`` of the city of ``prepared`` (:func:`loaded_city_folder`):
    ``root/avert.db``, the bundle beside it.

    The store also holds one quarantined line with the given columns
    (``quarantine_id`` and ``kind`` are set here).
    """
    shutil.copytree(prepared / "bundle", root / "bundle")
    shutil.copyfile(prepared / "avert.db", root / "avert.db")
    store = Store(f"sqlite:///{root / 'avert.db'}")
    store.check()
    row = {"quarantine_id": "q1", "kind": "rejected", **quarantined}
    with store.transaction() as tx:
        tx.append("quarantine", pl.DataFrame({k: [v] for k, v in row.items()}))
    return store
