"""Benchmark: the web app's *Today* page and ``GET /api/v1/briefing`` under load.

Builds a SQLite store of N incidents (default 1,000,000, the seeded synthetic frames
of tests/briefing/factory.py), adds a chair account and an API token, serves the app
with uvicorn in a separate process on 127.0.0.1 (a free port), then runs 20
concurrent clients (threads, each with its own connection) against one endpoint at a
time: every client sends requests until the endpoint's total is reached or the time
bound passes. Prints the first (cold) request's time, then p50/p95/max latency and
throughput per endpoint. Requests go only to loopback and stop by themselves.

    .venv/bin/python benchmarks/web.py [--incidents N] [--clients 20] [--requests 400]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import secrets
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2 as httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from harness import free_port, signed_in_client, wait_up  # noqa: E402

from avert.config.settings import load_settings  # noqa: E402
from avert.store import Store  # noqa: E402
from avert.workflows.users import add_user, issue_token  # noqa: E402
from briefing.factory import make_frames, write_store  # noqa: E402

PASSWORD = "benchmark-password-0123"
SECRET = "benchmark-secret-key-0123456789-abcdefghij"
AT = dt.datetime(2025, 3, 10, 8)
TIME_BOUND_S = 300.0


def _serve(url: str, port: int) -> None:
    import uvicorn

    from avert.web import create_app

    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    app = create_app(settings, Store(url))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _load(
    clients: list[httpx.Client], path: str, total: int
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    left = [total]
    stop = time.monotonic() + TIME_BOUND_S

    def worker(client: httpx.Client) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            t = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                errors += response.status_code != 200

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, time.perf_counter() - start, errors


def _report(name: str, latencies: list[float], wall_s: float, errors: int) -> None:
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"{name}: {len(ordered)} requests in {wall_s:.1f} s = "
        f"{len(ordered) / wall_s:.1f} req/s; p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; non-200: {errors} "
        f"(target p95 < 500 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="avert-web-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'avert.db'}"
        t = time.perf_counter()
        store = Store(url)
        store.upgrade()
        write_store(store, make_frames(args.incidents, at=AT, days=1095, seed=1))
        add_user(store, "chair", password=PASSWORD, role="chair")
        token = issue_token(store, "chair")
        print(
            f"store: {store.count('incidents'):,} incidents, built in {time.perf_counter() - t:.1f} s"
        )
        port = free_port()
        server = mp.get_context("spawn").Process(target=_serve, args=(url, port))
        server.start()
        base = f"http://127.0.0.1:{port}"
        try:
            wait_up(base)
            at = f"{AT:%Y-%m-%dT%H:%M}"
            cold = signed_in_client(base, "chair", PASSWORD)
            t = time.perf_counter()
            assert cold.get(f"/today?at={at}").status_code == 200
            print(
                f"Today, first request (computes the briefing): {time.perf_counter() - t:.2f} s"
            )
            sessions = [
                signed_in_client(base, "chair", PASSWORD) for _ in range(args.clients)
            ]
            _report(
                "Today (HTML, session)",
                *_load(sessions, f"/today?at={at}", args.requests),
            )
            api = [
                httpx.Client(
                    base_url=base,
                    timeout=60,
                    headers={"Authorization": f"Bearer {token}"},
                )
                for _ in range(args.clients)
            ]
            _report(
                "GET /api/v1/briefing (bearer)",
                *_load(api, f"/api/v1/briefing?at={at}&hours=24", args.requests),
            )
            for c in [cold, *sessions, *api]:
                c.close()
        finally:
            server.terminate()
            server.join(timeout=10)


if __name__ == "__main__":
    main()
