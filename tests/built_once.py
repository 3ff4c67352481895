"""A folder built once per test run and shared by every pytest-xdist worker.

A session fixture is built once per worker process: under ``-n 2`` an expensive
one (a demo city, a loaded store) is built twice, on the two cores at once. Here
the first worker to ask builds it under a lock file (:func:`fcntl.flock`) in the
run's own temporary folder, the parent of each worker's (the master's
``basetemp``); the other waits for it, then finds it built. The folder is the
same for every test of the run: copy it before writing to it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

_DONE = ".built"


def built_once(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``name`` of this test run, made by ``build(folder)`` (given an
    empty folder) the first time any worker asks for it; a build that raised is
    started again from an empty folder by the next to ask."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers
    folder = root / f"built-once-{name}"
    with (root / f"built-once-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / _DONE).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / _DONE).touch()
    return folder


def copy_built(built: Path, to: Path) -> Path:
    """A copy at ``to`` (made, or existing and empty) of the folder ``built`` of
    :func:`built_once`, for a worker or a test to write to; ``to``."""
    shutil.copytree(built, to, dirs_exist_ok=True, ignore=shutil.ignore_patterns(_DONE))
    return to
