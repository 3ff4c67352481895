"""Benchmark: the web app's first views after a start, with and without the warm-up.

In a daily meeting the first view is the one that counts. Each run is a fresh
process (imports, caches and the database connection all cold), serving the app over
a store with FastAPI's test client, signed in as a chair. It times, in this order: a
person's page (the 500th person by involvements: the store's network is made), the
same page again, the page of the person with the most involvements (the largest
co-offending component's betweenness), that page again, *Today* of its default
window, again, *Today* of another window (the day before), and *Today* of the
window ending a minute after the default one (a live store's next minute: the same
data generation, whose people's histories are kept, :mod:`avert.store.kept`). With
``--warm-up``
the app is made as ``avert serve`` makes it (:mod:`avert.web.warm`): its start is
waited for until the warm-up is done (timed apart), then the same views are timed.
The app's build and the sign-in (its first request that reads the store: the
database driver's import, unless the build paid it) are timed too.
Prints the median wall time and CPU time (the process's) of ``--runs`` runs per view
(and the least and most), and the machine's load average before and after (a
shared machine: the CPU time is the figure to compare when it is loaded).

    .venv/bin/python benchmarks/first_views.py --db sqlite:///city.db [--runs 5]
    .venv/bin/python benchmarks/first_views.py --people 200000 [--runs 5]

Without ``--db`` a city of ``--people`` residents over three years is made (``avert
synth``, ``avert ingest bundle``) in a temporary folder. Requests stay in process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password-0123"
SECRET = "benchmark-secret-key-0123456789-abcdefghij"
#: a fixed key for the partner audience's pseudonyms (benchmark only, not a secret)
PSEUDONYM_KEY = "benchmark-pseudonym-key-0123456789-abcdefghij"
AVERT = [sys.executable, "-m", "avert"]
VIEWS = (
    "person first",
    "person again",
    "most involved first",
    "most involved again",
    "today first",
    "today again",
    "today other window",
    "today next minute",
)


def _people(url: str) -> list[str]:
    """The person with the most involvements and the 500th (ties by id)."""
    from avert.store import Store

    store = Store(url)
    try:
        involved = store.read_frame("involvements", columns=["person_id"])
    finally:
        store.close()
    ranked = (
        involved.group_by("person_id")
        .len()
        .sort(["len", "person_id"], descending=[True, False])["person_id"]
        .to_list()
    )
    return [str(ranked[min(500, len(ranked) - 1)]), str(ranked[0])]


def run_once(url: str, people: list[str], *, warm_up: bool) -> dict[str, float]:
    """One cold process's timings (seconds, wall) of :data:`VIEWS`, after the app
    built and the sign-in (the app's first request that reads the store), each
    timed too. ``people``: the two people whose pages are opened (found by the
    parent process: a read here would import the database driver before the
    app, which the app's build and first request are timed to pay)."""
    from fastapi.testclient import TestClient

    from avert.config.settings import load_settings
    from avert.store import Store
    from avert.web import create_app
    from avert.workflows.views import default_window_end

    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=PSEUDONYM_KEY
    )
    mid, top = people
    store = Store(url)
    out: dict[str, float] = {}
    t, cpu = time.perf_counter(), time.process_time()
    # without the warm-up as before it existed (the benchmark runs on older code)
    app = (
        create_app(settings, store, warm_up=True)
        if warm_up
        else create_app(settings, store)
    )
    out["app built"] = time.perf_counter() - t
    out["app built (CPU)"] = time.process_time() - cpu
    with TestClient(app) as client:
        if warm_up:
            t, cpu = time.perf_counter(), time.process_time()
            while not app.state.warm_up.warmed:
                time.sleep(0.05)
            out["warm-up (background)"] = time.perf_counter() - t
            out["warm-up (background) (CPU)"] = time.process_time() - cpu
        form = client.get("/login")
        t, cpu = time.perf_counter(), time.process_time()
        client.post(  # not followed to Today: that is timed below
            "/login",
            data={
                "username": "bench-chair",
                "password": PASSWORD,
                "csrf_token": _csrf(form.text),
            },
            follow_redirects=False,
        )
        out["sign-in"] = time.perf_counter() - t
        out["sign-in (CPU)"] = time.process_time() - cpu
        at, _ = default_window_end(store)
        other = f"{at - dt.timedelta(days=1):%Y-%m-%dT%H:%M}"
        minute = f"{at + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"
        steps = (
            (f"/people/{mid}", True),
            (f"/people/{mid}", False),
            (f"/people/{top}", True),
            (f"/people/{top}", False),
            ("/today", False),
            ("/today", False),
            (f"/today?at={other}", False),
            (f"/today?at={minute}", False),
        )
        for name, (path, opens) in zip(VIEWS, steps, strict=True):
            if opens:  # the purpose stated (its form and post are not timed)
                form = client.get(path)
                client.post(
                    path,
                    data={
                        "purpose": "benchmark timing",
                        "csrf_token": _csrf(form.text),
                    },
                    follow_redirects=False,
                )
            t, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            out[name] = time.perf_counter() - t
            # the whole process's CPU (the warm-up's thread is done by then)
            out[f"{name} (CPU)"] = time.process_time() - cpu
            assert response.status_code == 200, (path, response.status_code)
            assert "purpose" not in response.url.path, path
    store.close()
    return out


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token"
    return found.group(1)


def _build(tmp: Path, people: int) -> str:
    """A synthetic city of ``people`` residents over three years, loaded."""
    url = f"sqlite:///{tmp / 'city.db'}"
    env = {**os.environ, "AVERT_DATABASE_URL": url}
    steps = (
        [
            "synth",
            "--people",
            str(people),
            "--days",
            "1095",
            "--format",
            "parquet",
            "--out",
            str(tmp / "city"),
        ],
        ["db", "init"],
        ["ingest", "bundle", str(tmp / "city"), "--accept-rejects"],
    )
    for step in steps:
        subprocess.run([*AVERT, *step], env=env, check=True, capture_output=True)
    return url


def _account(url: str) -> None:
    from avert.store import Store
    from avert.workflows.users import add_user, list_users

    store = Store(url)
    try:
        if "bench-chair" not in set(list_users(store)["username"].to_list()):
            add_user(store, "bench-chair", password=PASSWORD, role="chair")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=None, help="a loaded store (else one is made)")
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", choices=("cold", "warm"), default=None)
    parser.add_argument("--person-ids", default="", help="(with --one) mid,top")
    parser.add_argument(
        "--modes", nargs="+", choices=("cold", "warm"), default=["cold", "warm"]
    )
    args = parser.parse_args()
    if args.one:  # a run in this fresh process: one JSON line
        people = args.person_ids.split(",")
        print(json.dumps(run_once(args.db, people, warm_up=args.one == "warm")))
        return
    with tempfile.TemporaryDirectory(prefix="avert-first-views-") as tmp:
        url = args.db or _build(Path(tmp), args.people)
        _account(url)
        people = ",".join(_people(url))
        print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
        for mode in args.modes:
            runs = []
            for _ in range(args.runs):
                done = subprocess.run(
                    [
                        *(sys.executable, __file__, "--db", url, "--one", mode),
                        *("--person-ids", people),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(
                f"{'with' if mode == 'warm' else 'without'} warm-up "
                f"(median of {args.runs} fresh processes; least-most):"
            )
            for name in runs[0]:
                values = [r[name] for r in runs]
                print(
                    f"  {name:22s} {statistics.median(values):6.2f} s "
                    f"({min(values):.2f}-{max(values):.2f})",
                    flush=True,
                )
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
