"""Benchmark: the web process's memory after visiting many briefing windows.

Builds the ``avert demo`` city (50,000 people, 730 days; ``--people``/``--days`` for
another size) in a SQLite store, builds the web app in this process, signs in as the
chair and opens *Today* for ``--windows`` different windows (one a day, going back
from the demo's last day), as a meeting room and analysts paging back through days
would. Each window is a briefing computed and kept by the app's briefing cache
(:class:`avert.workflows.views.BriefingCache`). Prints the process's resident memory
(RSS, after ``malloc_trim`` so freed heap is not counted) before the first visit and
after every ``--every`` visits, with the number of briefings the cache holds.

    .venv/bin/python benchmarks/web_memory.py [--windows 80] [--people N --days N]
    .venv/bin/python benchmarks/web_memory.py --max-entries 64   # the old bound
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gc
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from harness import peak_rss_mib  # noqa: E402

from avert.config.settings import load_settings  # noqa: E402
from avert.store import Store  # noqa: E402
from avert.store.summary import latest_incident_at  # noqa: E402
from avert.web import create_app  # noqa: E402
from web.helpers import PASSWORD, SECRET, signed_in  # noqa: E402

assert PASSWORD  # the demo's accounts, one per role


def rss_mib(*, trim: bool = False) -> float:
    """Resident memory of this process now, MiB; ``trim``: after returning freed
    heap to the system first (glibc keeps it, and RSS counts it)."""
    if trim:
        with contextlib.suppress(OSError):  # not glibc: nothing to trim
            ctypes.CDLL("libc.so.6").malloc_trim(0)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _build_demo(database: Path, people: int | None, days: int | None) -> None:
    """The demo city, built in a child process: the web process starts clean."""
    code = (
        "import sys; from pathlib import Path; from avert.workflows.demo import "
        "run_demo; p, d = (None if a == 'None' else int(a) for a in sys.argv[2:]); "
        "db = Path(sys.argv[1]); run_demo(out_dir=db.parent / 'demo', database=db, "
        "people=p, days=d, pdf=False)"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(database), str(people), str(days)],
        check=True,
    )


def _row(*cells: object) -> str:
    return " ".join(f"{c:>9}" for c in cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=80)
    parser.add_argument("--every", type=int, default=8)
    parser.add_argument(
        "--hours", type=int, default=24, help="each window's length (744: a month)"
    )
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument(
        "--max-entries",
        type=int,
        default=None,
        help="briefings the cache keeps (default: the app's own bound)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="avert-webmem-") as tmp:
        start = time.perf_counter()
        _build_demo(Path(tmp) / "demo.db", args.people, args.days)
        url = f"sqlite:///{tmp}/demo.db"
        store = Store(url)
        print(f"demo city built in {time.perf_counter() - start:.0f} s")
        settings = load_settings({}).with_overrides(
            database_url=url,
            secret_key=SECRET,
            pseudonym_key=secrets.token_urlsafe(32),
        )
        app = create_app(settings, store)
        cache = app.state.avert.briefings
        if args.max_entries is not None:
            cache.max_entries = args.max_entries
        client = signed_in(app, "chair")
        latest = latest_incident_at(store)
        assert latest is not None
        last = latest.replace(hour=6, minute=0, second=0, microsecond=0)
        gc.collect()
        print(
            f"windows of {args.hours} hours; cache bound: {cache.max_entries} "
            "briefings; memory in MiB"
        )
        print(_row("windows", "cached", "RSS", "trimmed", "peak", "s/window"))
        print(_row(0, 0, f"{rss_mib():.0f}", f"{rss_mib(trim=True):.0f}", "", ""))
        began = time.perf_counter()
        for k in range(1, args.windows + 1):
            at = last - dt.timedelta(days=k - 1)
            page = client.get(f"/today?at={at:%Y-%m-%dT%H:%M}&hours={args.hours}")
            assert page.status_code == 200, page.text[:300]
            if k % args.every == 0 or k == args.windows:
                gc.collect()
                took = (time.perf_counter() - began) / k
                rss = rss_mib()
                print(
                    _row(
                        k,
                        len(cache._entries),
                        f"{rss:.0f}",
                        f"{rss_mib(trim=True):.0f}",
                        f"{peak_rss_mib():.0f}",
                        f"{took:.2f}",
                    )
                )
        store.close()


if __name__ == "__main__":
    main()
