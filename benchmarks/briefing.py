"""Benchmark: one day's briefing on a SQLite store of 1 M incidents (target < 2 s).

Builds the store in a temporary folder with the Store API (seeded synthetic frames of
tests/briefing/factory.py: 1,000,000 incidents over three years, their
classifications, involvements, people, ASB, intelligence), then times
``run_briefing`` for one day without the PDF, and the PDF separately. Prints the
measured figures; nothing is hard-coded.

    .venv/bin/python benchmarks/briefing.py [--incidents N] [--repeat K]

``--db URL --at ISO`` measures instead the *Today* page's rebuild on a loaded store
(e.g. London's police.uk months of 2022 Q1, ``--at 2022-04-01T06:00``: March 2022 as
a whole, what *Today* opens by default): the briefing built and converted to JSON as
:func:`avert.workflows.views.briefing_view` does, the least CPU time of ``--repeat``
runs in this process (imports and the first run's lazy set-up excluded), with the
SHA-256 of the JSON, which must not change when only the speed does.

``--db URL --minutes N`` measures a live store's *Today* refreshed every minute:
the chair's briefing (:func:`avert.workflows.views.briefing_view`, audited, no
briefing cache: each minute is a new window) at the store's default window end,
then at each of the ``N`` next minutes in the same process (what the process
keeps per data generation and day is kept, as in a served app); prints the
median, least and most CPU time of the process per next minute and of its
retaliation alerts (``_retaliation_alerts``: the alerts, their groups and reads),
how many of the minutes made the alerts again, and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from avert.report.render import render_briefing_html, render_pdf  # noqa: E402
from avert.store import Store  # noqa: E402
from avert.workflows.briefing import build_briefing, run_briefing  # noqa: E402
from briefing.factory import make_frames, write_store  # noqa: E402


def rebuild(db: str, at: dt.datetime, repeat: int) -> None:
    """The least CPU of ``repeat`` rebuilds of *Today*'s briefing on store ``db``."""
    store = Store(db)
    build_briefing(store, at=at).to_json()  # lazy imports, templates, caches
    best: dict[str, float] = {}
    digests = set()
    for _ in range(repeat):
        c0 = time.process_time()
        briefing = build_briefing(store, at=at)
        c1 = time.process_time()
        data = briefing.to_json()
        c2 = time.process_time()
        for step, cpu in (("build", c1 - c0), ("json", c2 - c1), ("total", c2 - c0)):
            best[step] = min(best.get(step, cpu), cpu)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        digests.add(hashlib.sha256(text.encode()).hexdigest())
    print(
        f"Today's rebuild at {at:%Y-%m-%d %H:%M} ({len(briefing.incidents):,} "
        f"incidents listed), least CPU of {repeat}: build {best['build']:.2f} s, "
        f"JSON {best['json']:.2f} s, total {best['total']:.2f} s"
    )
    print(f"  briefing JSON sha256 {' '.join(sorted(digests))}")
    store.close()


def next_minutes(db: str, minutes: int) -> None:
    """CPU of *Today* at each of ``minutes`` next minutes of the default window."""
    import os

    import avert.workflows.briefing_reads as reads
    import avert.workflows.networks as networks
    from avert.config.settings import load_settings
    from avert.workflows.users import User
    from avert.workflows.views import briefing_view, default_window_end

    store = Store(db)
    settings = load_settings({}).with_overrides(
        database_url=db, secret_key=secrets.token_hex(24)
    )
    chair = User("bench-chair", "chair")
    part: list[float] = []
    made: list[int] = []
    real_part, real_alerts = reads._retaliation_alerts, networks.retaliation_alerts

    def timed_part(*args: object, **kwargs: object) -> object:
        c = time.process_time()
        try:
            return real_part(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            part.append(time.process_time() - c)

    def counted(*args: object, **kwargs: object) -> object:
        made.append(1)
        return real_alerts(*args, **kwargs)  # type: ignore[arg-type]

    reads._retaliation_alerts = timed_part  # type: ignore[assignment]
    networks.retaliation_alerts = counted  # type: ignore[assignment]
    at, _ = default_window_end(store)
    load = os.getloadavg()[0]
    briefing_view(store, settings, user=chair, at=at)  # the meeting opens
    total: list[float] = []
    part.clear()
    made.clear()
    remade = 0
    for minute in range(1, minutes + 1):
        before = len(made)
        c = time.process_time()
        briefing_view(store, settings, user=chair, at=at + dt.timedelta(minutes=minute))
        total.append(time.process_time() - c)
        remade += len(made) > before
    print(
        f"Today's next {minutes} minutes after {at:%Y-%m-%d %H:%M} (load average "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after), CPU per minute: median "
        f"{statistics.median(total):.3f} s ({min(total):.3f}-{max(total):.3f}); its "
        f"retaliation alerts median {statistics.median(part):.3f} s "
        f"({min(part):.3f}-{max(part):.3f}), made again in {remade} of {minutes}"
    )
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default=None, help="a loaded store: Today's rebuild")
    parser.add_argument("--at", default="2022-04-01T06:00")
    parser.add_argument(
        "--minutes", type=int, default=0, help="with --db: Today's next minutes"
    )
    args = parser.parse_args()
    if args.db and args.minutes:
        next_minutes(args.db, args.minutes)
        return
    if args.db:
        rebuild(args.db, dt.datetime.fromisoformat(args.at), args.repeat)
        return
    at = dt.datetime(2025, 3, 10, 8)
    with tempfile.TemporaryDirectory(prefix="avert-bench-") as tmp:
        t = time.perf_counter()
        frames = make_frames(args.incidents, at=at, days=args.days, seed=1)
        store = Store(f"sqlite:///{Path(tmp) / 'avert.db'}")
        store.upgrade()
        write_store(store, frames)
        build_s = time.perf_counter() - t
        print(
            f"store: {store.count('incidents'):,} incidents, "
            f"{store.count('involvements'):,} involvements, "
            f"{store.count('asb'):,} ASB, built in {build_s:.1f} s"
        )
        times: list[float] = []
        cpus: list[float] = []
        files = None
        for i in range(args.repeat):
            c0 = time.process_time()
            files = run_briefing(
                store,
                at=at - dt.timedelta(days=i),
                out_dir=Path(tmp) / f"d{i}",
                pdf=False,
            )
            times.append(files.timings["total_s"])
            cpus.append(time.process_time() - c0)
        assert files is not None
        b = files.briefing
        print(
            f"briefing, one day, HTML + JSON (no PDF): median {statistics.median(times):.3f} s, "
            f"min {min(times):.3f} s, max {max(times):.3f} s over {len(times)} days "
            f"(target < 2 s); median CPU {statistics.median(cpus):.3f} s"
        )
        print(
            "  last run steps: "
            + ", ".join(f"{k} {v:.3f}" for k, v in files.timings.items())
        )
        print(
            f"  content: {b.summary['n_incidents']} violent incidents, "
            f"{len(b.people)} people, {len(b.repeat_victims)} repeat victims, "
            f"{len(b.retaliation)} retaliation alerts, {len(b.places)} places "
            f"(expected share {b.places_summary.get('expected_share')}, backtested on "
            f"{b.places_summary.get('backtest_events')} events of 90 days)"
        )
        html = render_briefing_html(b)
        t = time.perf_counter()
        render_pdf(html, Path(tmp) / "briefing.pdf")
        pdf_s = time.perf_counter() - t
        size = (Path(tmp) / "briefing.pdf").stat().st_size
        print(f"PDF (WeasyPrint) of that day: {pdf_s:.2f} s, {size / 1024:.0f} kB")
        partner = run_briefing(
            store,
            at=at,
            out_dir=Path(tmp) / "p",
            audience="partner",
            pdf=False,
            pseudonym_key=secrets.token_urlsafe(32),
            organisation="council",
        )
        print(f"partner audience, one day: {partner.timings['total_s']:.3f} s")
        # the places forecast's share of the cost: the same days without it (the
        # 28-day hotspots), then again with it (as-of times already memoised)
        import avert.workflows.briefing as wb

        real = wb.briefing_places
        for label, fn in (
            ("without the places forecast", None),
            ("with the places forecast, memoised as-of", real),
        ):
            wb.briefing_places = (lambda *a, **k: None) if fn is None else fn  # type: ignore[assignment]
            cpu: list[float] = []
            for i in range(args.repeat):
                c = time.process_time()
                run_briefing(
                    store,
                    at=at - dt.timedelta(days=i),
                    out_dir=Path(tmp) / f"c{i}",
                    pdf=False,
                )
                cpu.append(time.process_time() - c)
            print(f"{label}: median CPU {statistics.median(cpu):.3f} s per day")
        wb.briefing_places = real
        store.close()


if __name__ == "__main__":
    main()
