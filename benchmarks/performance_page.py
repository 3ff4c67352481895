"""Benchmark: the performance verdicts by area, on the command line and the web page.

Each measurement runs in a fresh process (its imports counted, as a user's first
request pays them), best of ``--repeat`` (3) by CPU seconds, the machine being
shared; wall seconds beside them:

- ``avert analyse performance --by BY --baseline-from .. --json`` (the baseline's
  24 or 36 months and the recent 12, ``--baseline-from/--from/--to``);
- the web page ``/performance?by=BY&month=MONTH``: the app built, an analyst's
  first request (the board's statistics computed), then a board member's (from
  the app's cache), through FastAPI's TestClient.

``--save FILE`` writes every figure of the command's JSON (each series' verdict,
rate ratio, interval, p-value, dispersion, chart...); ``--compare FILE`` checks
this code's against it: text identical, numbers to 1e-12 relative, or exits 1
naming the first that differs. Run ``--save`` at one commit and ``--compare`` at
another: no verdict or figure may change with a speed-up.

Toronto's incidents (``../shared/data/incidents-toronto-major-crime-indicators-
2017-2021``, ``avert ingest table`` with the shipped ``toronto-mci`` mapping,
docs/formats.md) are loaded into a store of ``--work`` (default a temporary
folder) unless ``--store`` names one already loaded; without the data the
benchmark says so and stops::

    .venv/bin/python benchmarks/performance_page.py [--store toronto.db]
        [--save before.json | --compare before.json] [--repeat 3]

Measured (2 shared cores, 420 ward series, CPU-s best of 3, wall beside): see
docs/performance.md ("Speed of avert at force scale").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TORONTO = (
    REPO.parent
    / "shared"
    / "data"
    / "incidents-toronto-major-crime-indicators-2017-2021"
)
ENV = {"AVERT_CRS": "EPSG:32617", "AVERT_TIMEZONE": "America/Toronto"}
#: relative difference two runs' numbers may show (none is expected)
RTOL = 1e-12

_WEB = """
import sys, time
sys.path.insert(0, {tests!r})
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user, list_users
from web.helpers import PASSWORD, SECRET, signed_in
url = {url!r}
store = Store(url)
known = set(list_users(store)["username"].to_list())
for name in ("analyst", "board"):
    if name not in known:
        add_user(store, name, password=PASSWORD, role=name)
settings = load_settings({{}}).with_overrides(
    database_url=url, secret_key=SECRET, pseudonym_key="b" * 43
)
app = create_app(settings, store)
for who in ("analyst", "board"):
    client = signed_in(app, who)
    wall, cpu = time.perf_counter(), time.process_time()
    page = client.get("/performance", params={{"by": {by!r}, "month": {month!r}}})
    assert page.status_code == 200, page.text[:500]
    print(who, time.perf_counter() - wall, time.process_time() - cpu, flush=True)
"""


def _env(url: str) -> dict[str, str]:
    return {**os.environ, **ENV, "AVERT_DATABASE_URL": url}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(
    cmd: list[str], env: dict[str, str], out: Path | None
) -> tuple[float, float, str]:
    """(wall s, CPU s, standard output) of one fresh process."""
    cpu, wall = _child_cpu(), time.perf_counter()
    with Path(out or os.devnull).open("w") as sink:
        done = subprocess.run(
            cmd, env=env, stdout=sink if out else subprocess.PIPE, text=True, check=True
        )
    return time.perf_counter() - wall, _child_cpu() - cpu, done.stdout or ""


def _load_toronto(work: Path) -> str:
    url = f"sqlite:///{work / 'toronto.db'}"
    csv = TORONTO / "toronto-mci-2017-2021.csv"
    print(f"loading {csv.name} into {work / 'toronto.db'} ...", flush=True)
    avert = [sys.executable, "-m", "avert"]
    for args in (
        ["db", "init"],  # a load needs a store made first
        ["ingest", "table", str(csv), "--mapping", "toronto-mci"],
    ):
        subprocess.run(
            [*avert, *args], env=_env(url), check=True, stdout=subprocess.DEVNULL
        )
    return url


def _differences(a: Any, b: Any, path: str = "") -> str | None:
    """The first place ``a`` and ``b`` differ (numbers beyond :data:`RTOL`)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            found = _differences(a[k], b[k], f"{path}.{k}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _differences(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        if a == b or abs(a - b) <= RTOL * max(abs(a), abs(b)):
            return None
        return f"{path}: {a!r} != {b!r}"
    return None if a == b else f"{path}: {a!r} != {b!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a SQLite store already loaded")
    parser.add_argument("--work", type=Path, help="folder for the store loaded here")
    parser.add_argument("--by", default="ward")
    parser.add_argument("--baseline-from", default="2018-01-01")
    parser.add_argument("--baseline-to", default="2020-12-31")
    parser.add_argument("--from", dest="date_from", default="2021-01-01")
    parser.add_argument("--to", dest="date_to", default="2021-12-31")
    parser.add_argument("--month", default="2021-12", help="the web page's month")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--no-web", action="store_true")
    args = parser.parse_args()
    if args.store is not None:
        url = f"sqlite:///{args.store.resolve()}"
    elif TORONTO.is_dir():
        work = args.work or Path(tempfile.mkdtemp(prefix="avert-perf-page-"))
        work.mkdir(parents=True, exist_ok=True)
        url = _load_toronto(work)
    else:
        print(f"skipped: no {TORONTO} (give --store)")
        return
    out = Path(tempfile.mkdtemp(prefix="avert-perf-json-")) / "performance.json"
    command = [sys.executable, "-m", "avert", "analyse", "performance", "--by", args.by]
    command += [
        "--baseline-from",
        args.baseline_from,
        "--baseline-to",
        args.baseline_to,
    ]
    command += ["--from", args.date_from, "--to", args.date_to, "--json"]
    runs = [_timed(command, _env(url), out)[:2] for _ in range(args.repeat)]
    wall, cpu = min(runs, key=lambda r: r[1])
    figures = json.loads(out.read_text())
    print(
        f"CLI analyse performance --by {args.by}: {len(figures['verdicts'])} series, "
        f"{cpu:.1f} CPU-s ({wall:.1f} s wall), best of {args.repeat}",
        flush=True,
    )
    if not args.no_web:
        script = _WEB.format(
            tests=str(REPO / "tests"), url=url, by=args.by, month=args.month
        )
        pages = []
        for _ in range(args.repeat):
            _, process_cpu, text = _timed(
                [sys.executable, "-c", script], _env(url), None
            )
            first, second = (line.split() for line in text.strip().splitlines())
            pages.append((process_cpu, first, second))
        process_cpu, first, second = min(pages, key=lambda p: float(p[1][2]))
        print(
            f"web /performance?by={args.by}&month={args.month}: first request (analyst) "
            f"{float(first[2]):.1f} CPU-s ({float(first[1]):.1f} s wall); second "
            f"(board) {float(second[2]):.2f} CPU-s; the whole process with its "
            f"imports {process_cpu:.1f} CPU-s; best of {args.repeat}",
            flush=True,
        )
    if args.save:
        args.save.write_text(json.dumps(figures))
        print(f"figures saved to {args.save}")
    if args.compare:
        found = _differences(json.loads(args.compare.read_text()), figures)
        if found:
            print(f"DIFFERENT from {args.compare}: {found}")
            sys.exit(1)
        print(f"every figure as in {args.compare} (numbers to {RTOL:g} relative)")


if __name__ == "__main__":
    main()
