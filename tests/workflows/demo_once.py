"""The demo run on a 4,000-person city, once per test session (for test modules).

:func:`demo_folder` runs it (the session fixture ``demo_4000`` of
tests/workflows/conftest.py, through :func:`built_once.built_once`: once however many
xdist workers ask; a run took 15-20 s of CPU); :func:`demo_copy` gives a module its
own copy to read and write.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
from pathlib import Path

from avert.workflows.demo import DemoReport, run_demo

#: The city: seed 3, 4,000 people over 400 days (more than a board's year and a
#: performance baseline before it).
SEED, PEOPLE, DAYS = 3, 4_000, 400


def demo_folder(root: Path) -> None:
    """Run the demo into ``root``: ``demo/`` its report folder, ``demo.db`` its
    store, ``report.pickle`` the :class:`DemoReport` it returned.

    Under umask 022, the usual one, so that files the demo leaves readable by
    others would show as such (tests/workflows/test_demo.py checks they are not).
    """
    old_umask = os.umask(0o022)
    try:
        report = run_demo(
            out_dir=root / "demo",
            database=root / "demo.db",
            seed=SEED,
            people=PEOPLE,
            days=DAYS,
            pdf=False,
        )
    finally:
        os.umask(old_umask)
    (root / "report.pickle").write_bytes(pickle.dumps(report))


def demo_copy(built: Path, root: Path) -> DemoReport:
    """A copy at ``root`` of the demo built in ``built`` (files' modes kept), and
    its report with the copy's paths."""
    shutil.copytree(built, root, dirs_exist_ok=True)
    report: DemoReport = pickle.loads((root / "report.pickle").read_bytes())
    return dataclasses.replace(
        report,
        out_dir=root / "demo",
        database=root / "demo.db",
        index=root / "demo" / report.index.relative_to(report.out_dir),
    )
