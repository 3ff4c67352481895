"""Benchmark: a month-precision briefing of a whole force month, PDF included.

Loads a folder of data.police.uk street files (default: London, January to March
2022, reduced) into a fresh SQLite store with the CLI (``avert db init``,
``avert ingest policeuk``, ``avert classify``), then briefs ``--at`` (default the
15th of the last month: the last complete month is the one before) in a separate
process and prints, measured, the briefing's wall time, CPU time, peak resident
memory, the PDF's page count and the month it covered. Target (issue 12.3): under
a minute and at most about 30 pages. Nothing is hard-coded.

    .venv/bin/python benchmarks/briefing_month.py [--data DIR] [--at ISO] [--db URL]

``--db`` reuses a loaded store (skips the load). On a shared machine the wall time
moves with the load; the CPU time moves less.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (
    REPO.parent / "shared" / "data" / "police-uk-street-london-2022-q1-reduced"
)
AVERT = [sys.executable, "-m", "avert"]


def _pages(pdf: Path) -> int | None:
    """Page count of a PDF (pdfinfo from poppler-utils, if installed)."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        return None
    out = subprocess.run(
        [tool, str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def _child(db: str, at: str, out: str) -> None:
    """Run one briefing (PDF included) and print its measures as JSON."""
    import datetime as dt

    from avert.store import Store
    from avert.workflows.briefing import run_briefing

    t = time.perf_counter()
    files = run_briefing(
        Store(db), at=dt.datetime.fromisoformat(at), out_dir=out, pdf=True
    )
    wall = time.perf_counter() - t
    usage = resource.getrusage(resource.RUSAGE_SELF)
    b = files.briefing
    print(
        json.dumps(
            {
                "wall_s": wall,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "steps": files.timings,
                "window": [b.window_from.isoformat(), b.window_to.isoformat()],
                "precision": b.precision,
                "n_incidents": len(b.incidents),
                "trend": b.trend["line"],
                "pdf": str(files.pdf),
            }
        )
    )


def _load(data: Path, db: str) -> float:
    t = time.perf_counter()
    for args in (
        ["db", "init"],
        ["ingest", "policeuk", str(data)],
        ["classify"],
    ):
        subprocess.run(
            [*AVERT, "--db", db, *args], check=True, capture_output=True, text=True
        )
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--at", default="2022-03-15T06:00")
    parser.add_argument("--db", default=None, help="reuse a loaded store")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="avert-month-") as tmp:
        db = args.db or f"sqlite:///{Path(tmp) / 'avert.db'}"
        if args.db is None:
            load_s = _load(args.data, db)
            print(f"loaded and classified {args.data.name} in {load_s:.1f} s")
        out = Path(tmp) / "briefing"
        proc = subprocess.run(
            [sys.executable, __file__, "--child", db, args.at, str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        pages = _pages(Path(m["pdf"]))
        print(
            f"month briefing at {args.at}: window {m['window'][0]} to {m['window'][1]} "
            f"({m['precision']}), {m['n_incidents']:,} violent incidents"
        )
        print(
            f"  wall {m['wall_s']:.1f} s (target < 60 s), CPU {m['cpu_s']:.1f} s, "
            f"peak RSS {m['peak_rss_mb']:.0f} MB, PDF pages "
            f"{pages if pages is not None else 'n/a (no pdfinfo)'} (target <= 30)"
        )
        print("  steps: " + ", ".join(f"{k} {v:.1f}" for k, v in m["steps"].items()))
        print(f"  {m['trend']}")


if __name__ == "__main__":
    main()
