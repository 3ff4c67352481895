"""Benchmark: every daily command and the main web pages on a force-scale store.

Builds (or reuses, ``--db``) a SQLite store as a force would have it: a synthetic
city (``avert synth``, 550,000 residents over three years: about 213,000 incidents
with their people, involvements, ASB, stops and intelligence) and the real London
data.police.uk months of ``../shared/data`` (January to March 2022, about 68,000
incidents a month), each month loaded by its own ``avert ingest policeuk``. Every
step runs as a user would run it, ``python -m avert ...`` in a fresh process; for
each it prints the fastest wall time and the least CPU time of ``--repeat`` runs
and the largest peak resident memory (``os.wait4``'s rusage of the child), so a
machine shared with other work inflates the figures as little as it can. Then it
serves the web app and times the main pages per role: the first request (which
computes) and the fastest of the next ``--repeat``; and a person's page (the two
people with the most involvements: the first's first and fastest repeated request,
then the second's first, which draws on the store's network the first made).

    .venv/bin/python benchmarks/force_scale.py [--people N] [--repeat K] [--db URL]
        [--only NAME ...] [--no-web] [--pages PATH ...]

Nothing is hard-coded: the figures printed are the ones measured.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
LONDON = (
    SHARED
    / "police-uk-street-london-2022-q1-reduced"
    / "london-crimes-2022-01-to-2022-03.csv"
)
#: the Metropolitan Police's searches of January to June 2018 and the 2011 Census
#: residents by ethnic group per LSOA: the equality figures' numerators and
#: denominators (the synthetic city has no census of its own)
STOPS = SHARED / "police-uk-stop-and-search-london-2018-h1"
CENSUS = (
    SHARED
    / "census-2011-ethnicity-lsoa-england-wales"
    / "census-2011-ethnic-group-lsoa.csv"
)
AVERT = [sys.executable, "-m", "avert"]
#: the synthetic city's last day (``avert synth``'s default end date), 06:00
AT = "2026-11-24T06:00"
PASSWORD = "benchmark-password-0123"
#: a fixed key for the partner audience's pseudonyms (benchmark only, not a secret)
PSEUDONYM_KEY = "benchmark-pseudonym-key-0123456789-abcdefghij"
SECRET = "benchmark-secret-key-0123456789-abcdefghij"


@dataclass(frozen=True)
class Measure:
    """One step: fastest wall, least CPU, largest peak RSS over its runs."""

    wall_s: float
    cpu_s: float
    peak_mib: float


def run_measured(args: list[str], *, cwd: str) -> Measure:
    """Run ``args`` in a fresh process; its wall time, CPU time and peak RSS."""
    env = {**os.environ, "AVERT_PSEUDONYM_KEY": PSEUDONYM_KEY}
    # stderr to a file, read once the process has ended: a pipe read only then
    # blocks a command writing more than it holds (64 KiB), and wait4 for ever
    with tempfile.TemporaryFile() as stderr:
        t = time.perf_counter()
        proc = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        err = stderr.read().decode(errors="replace")
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err[-2000:]}")
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best_of(args: list[str], *, cwd: str, repeat: int) -> Measure:
    """The fastest wall, least CPU and largest peak RSS of ``repeat`` runs."""
    runs = [run_measured(args, cwd=cwd) for _ in range(repeat)]
    return Measure(
        min(r.wall_s for r in runs),
        min(r.cpu_s for r in runs),
        max(r.peak_mib for r in runs),
    )


def _print(name: str, m: Measure) -> None:
    print(
        f"  {name:42s} wall {m.wall_s:6.2f} s  CPU {m.cpu_s:6.2f} s  "
        f"peak {m.peak_mib:5.0f} MiB",
        flush=True,
    )


def build_store(db: str, tmp: Path, people: int) -> None:
    """The synthetic city's bundle, then each London month, timed one by one."""
    city = tmp / "city"
    print("build:", flush=True)
    _print(
        f"avert synth --people {people:,} --days 1095",
        run_measured(
            [
                *AVERT,
                "synth",
                "--people",
                str(people),
                "--days",
                "1095",
                "--out",
                str(city),
            ],
            cwd=str(tmp),
        ),
    )
    run_measured([*AVERT, "--db", db, "db", "init"], cwd=str(tmp))
    _print(
        "ingest bundle (load, classify, groups)",
        run_measured([*AVERT, "--db", db, "ingest", "bundle", str(city)], cwd=str(tmp)),
    )
    header, *rows = LONDON.read_text().splitlines()
    for month in sorted({r[:7] for r in rows}):
        path = tmp / f"london-{month}.csv"
        path.write_text("\n".join([header, *(r for r in rows if r[:7] == month)]))
        _print(
            f"ingest policeuk London {month} (one month)",
            run_measured(
                [*AVERT, "--db", db, "ingest", "policeuk", str(path)], cwd=str(tmp)
            ),
        )
    _print(
        "ingest policeuk Met searches 2018 H1",
        run_measured(
            [*AVERT, "--db", db, "ingest", "policeuk", str(STOPS)], cwd=str(tmp)
        ),
    )
    _print(
        "ingest population (2011 Census, LSOAs)",
        run_measured(
            [*AVERT, "--db", db, "ingest", "population", str(CENSUS)], cwd=str(tmp)
        ),
    )


def commands(out: Path) -> dict[str, list[str]]:
    """The daily commands, as a user types them, against the synthetic city's last day."""
    day = ["--at", AT]
    return {
        "brief (24 h, no PDF)": ["brief", *day, "--no-pdf", "--out", f"{out}/b24"],
        "brief (24 h, PDF)": ["brief", *day, "--out", f"{out}/b24p"],
        "brief --hours 72 (no PDF)": [
            "brief", *day, "--hours", "72", "--no-pdf", "--out", f"{out}/b72",
        ],
        "brief --hours 168 (no PDF)": [
            "brief", *day, "--hours", "168", "--no-pdf", "--out", f"{out}/b168",
        ],
        "brief --audience partner (no PDF)": [
            "brief", *day, "--audience", "partner", "--no-pdf", "--out", f"{out}/bp",
        ],
        "analyse volt": ["analyse", "volt", *day],
        "analyse risk --kind offender": ["analyse", "risk", "--kind", "offender", *day],
        "analyse risk --kind victim": ["analyse", "risk", "--kind", "victim", *day],
        "analyse risk --kind asb": ["analyse", "risk", "--kind", "asb", *day],
        "analyse groups": ["analyse", "groups", "--as-of", AT],
        "analyse families": ["analyse", "families"],
        "forecast (24 h)": ["forecast", *day, "--out", f"{out}/fc"],
        "analyse performance (by ward)": [
            "analyse", "performance", "--baseline-from", "2024-01-01",
            "--baseline-to", "2024-12-31", "--from", "2025-01-01",
            "--to", "2025-12-31", "--by", "ward",
        ],
        "analyse equality": ["analyse", "equality", "--force", "metropolitan"],
        "board pack (no PDF)": [
            "board", "pack", "--month", "2026-10", "--no-pdf", "--force", "metropolitan",
            "--out", f"{out}/board",
        ],
        "board pack (PDF)": [
            "board", "pack", "--month", "2026-10", "--force", "metropolitan",
            "--out", f"{out}/boardp",
        ],
    }  # fmt: skip


def time_commands(db: str, tmp: Path, repeat: int, only: list[str]) -> None:
    print(f"commands (fastest wall, least CPU of {repeat} runs):", flush=True)
    for name, args in commands(tmp / "out").items():
        if only and not any(o in name for o in only):
            continue
        _print(name, best_of([*AVERT, "--db", db, *args], cwd=str(tmp), repeat=repeat))


# --- web -------------------------------------------------------------------------------
PAGES = (
    "/today?at={at}",
    "/today?at={at}&hours=72",
    "/places?at={at}",
    "/incidents",
    "/groups",
    "/performance?month=2026-10",
    "/equality?force=metropolitan",
    "/plan",
    "/meeting",
    "/data",
)


def _serve(url: str, port: int) -> None:
    import secrets

    import uvicorn

    from avert.config.settings import load_settings
    from avert.store import Store
    from avert.web import create_app

    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    app = create_app(settings, Store(url))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def time_web(db: str, repeat: int, pages: list[str]) -> None:
    """Each role's main pages (those whose path holds one of ``pages``, all when
    empty): first request, then the fastest of ``repeat``; a person's page."""
    from harness import free_port, signed_in_client, wait_up

    from avert.config.choices import ROLES
    from avert.store import Store
    from avert.workflows.users import add_user, list_users

    store = Store(db)
    existing = set(list_users(store)["username"].to_list())
    for role in ROLES:
        if f"bench-{role}" not in existing:
            # a partner's account belongs to an organisation (add_user asks)
            org = {"org": "council"} if role == "partner" else {}
            add_user(store, f"bench-{role}", password=PASSWORD, role=role, **org)
    store.close()
    port = free_port()
    server = mp.get_context("spawn").Process(target=_serve, args=(db, port))
    server.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base)
        people = _people_to_open(store_url=db)
        print(f"web pages (first request; fastest of {repeat} more):", flush=True)
        for role in ROLES:
            client = signed_in_client(base, f"bench-{role}", PASSWORD, timeout_s=120.0)
            for path in PAGES:
                if pages and not any(p in path for p in pages):
                    continue
                url = path.format(at=AT)
                times = []
                status = 0
                for _ in range(repeat + 1):
                    t = time.perf_counter()
                    status = client.get(url).status_code
                    times.append(time.perf_counter() - t)
                    if status != 200:
                        break
                if status != 200:
                    continue  # a page the role may not see
                print(
                    f"  {role:8s} {url:40s} first {times[0]:6.2f} s  "
                    f"then {min(times[1:]):6.2f} s",
                    flush=True,
                )
            if not pages or any("/people" in p for p in pages):
                _time_person_pages(client, role, people, repeat)
            client.close()
    finally:
        server.terminate()
        server.join(timeout=10)


def _people_to_open(*, store_url: str) -> list[str]:
    """The two people with the most involvements (ties by id): pages to open."""
    from avert.store import Store

    store = Store(store_url)
    try:
        involved = store.read_frame("involvements", columns=["person_id"])
    finally:
        store.close()
    top = (
        involved.group_by("person_id")
        .len()
        .sort(["len", "person_id"], descending=[True, False])
    )
    return [str(p) for p in top["person_id"].head(2).to_list()]


def _time_person_pages(client: Any, role: str, people: list[str], repeat: int) -> None:
    """A person's page (its purpose given once), first and fastest of ``repeat``,
    then a second person's first: the store's network is made once for both."""
    for n, person in enumerate(people):
        form = client.get(f"/people/{person}")
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if form.status_code != 200 or found is None:
            return  # a role that may not open a person's record
        client.post(
            f"/people/{person}",
            data={"purpose": "benchmark timing", "csrf_token": found.group(1)},
            follow_redirects=False,
        )
        times = []
        for _ in range(repeat + 1 if n == 0 else 1):
            t = time.perf_counter()
            status = client.get(f"/people/{person}").status_code
            times.append(time.perf_counter() - t)
            if status != 200:
                return
        label = f"/people/{{id}} ({'first' if n == 0 else 'second'} person)"
        print(
            f"  {role:8s} {label:40s} first {times[0]:6.2f} s"
            + (f"  then {min(times[1:]):6.2f} s" if len(times) > 1 else ""),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=550_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default=None, help="reuse a built store")
    parser.add_argument("--only", nargs="*", default=[], help="commands to time")
    parser.add_argument("--no-web", action="store_true")
    parser.add_argument(
        "--pages", nargs="*", default=[], help="web pages to time (/today, /people)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more (the least of that many runs)")
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()}"
    )
    with tempfile.TemporaryDirectory(prefix="avert-force-") as name:
        tmp = Path(name)
        db = args.db or f"sqlite:///{tmp / 'force.db'}"
        if args.db is None:
            build_store(db, tmp, args.people)
        time_commands(db, tmp, args.repeat, args.only)
        if not args.no_web:
            time_web(db, args.repeat, args.pages)


if __name__ == "__main__":
    main()
