"""A folder built once per test session, however many pytest-xdist workers ask.

A session fixture runs once per worker process: under ``-n 2`` an expensive one (a
demo run on a synthetic city) is built twice, once on each core. :func:`built_once`
builds it once, under a lock file (:func:`fcntl.flock`) in the folder the workers
share (the parent of each worker's base temporary folder): the first worker to ask
builds it, the others wait for it and take the same folder. Treat that folder as
read-only and copy what a test writes to (every worker reads it).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def _session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base temporary folder of the whole session: under xdist, the parent
    of the worker's own (``.../popen-gw0``), which pytest makes afresh each run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder ``name`` filled by ``build(folder)`` once per test session.

    ``build`` gets an empty folder; the folder is renamed to its final name only
    when ``build`` returns, so a build that fails leaves nothing a later caller
    would take (it builds again, and fails as loudly).
    """
    session = _session_folder(tmp_path_factory)
    done = session / f"built-once-{name}"
    with (session / f"built-once-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.is_dir():
            partial = session / f"built-once-{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            build(partial)
            partial.rename(done)
    return done
