"""Crawl of the web app: every role, every page it reaches, a desk and a phone.

Builds the test suite's demo city (seed 2, 3,000 people, 120 days) in a temporary
folder, with one account per role and an officer of one area (``officer-e``), serves
it with uvicorn on a free port and, for each account at 1280x800 and at 390x844,
follows every link breadth first from Today in Debian's headless Chromium
(``tests/web/crawl.py`` says what each page is checked for). Prints each finding,
the slowest pages (time to the first byte, measured by the browser) and the wall
time; screenshots of every page go to ``--shots`` (look at them).

    PYTHONPATH=src .venv/bin/python benchmarks/web_crawl.py [--shots /tmp/webcrawl]

Exits 1 when anything was found. ``tests/web/test_crawl.py`` runs the same crawl
at the phone's width only, without screenshots, as a browser test.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from avert.config.settings import load_settings
from avert.policy import ROLES
from avert.store import Store
from avert.web import create_app
from avert.workflows.demo import DEMO_PASSWORD, run_demo
from avert.workflows.users import add_user
from web.crawl import crawl
from web.helpers import CHROMIUM_ARGS

SIZES = [(1280, 800), (390, 844)]


def _serve(root: Path) -> tuple[uvicorn.Server, str]:
    """The demo city's app, served in a thread on a free port."""
    run_demo(
        out_dir=root / "demo",
        database=root / "web.db",
        seed=2,
        people=3_000,
        days=120,
        pdf=False,
    )
    url = f"sqlite:///{root / 'web.db'}"
    store = Store(url)
    add_user(store, "officer-e", password=DEMO_PASSWORD, role="officer", area="AREA-E")
    settings = load_settings({}).with_overrides(
        database_url=url,
        secret_key=secrets.token_urlsafe(32),
        pseudonym_key=secrets.token_urlsafe(32),
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shots", type=Path, default=None, help="folder for screenshots"
    )
    parser.add_argument(
        "--per-kind", type=int, default=2, help="pages of one kind of address"
    )
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    root = Path(tempfile.mkdtemp(prefix="avert-crawl-"))
    try:
        server, base_url = _serve(root)
        started = time.perf_counter()
        findings: list[str] = []
        timings: list[tuple[float, str]] = []
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for username in [*ROLES, "officer-e"]:
                for width, height in SIZES:
                    done = crawl(
                        browser,
                        base_url,
                        username,
                        DEMO_PASSWORD,
                        width_px=width,
                        height_px=height,
                        per_kind=args.per_kind,
                        shots=args.shots,
                    )
                    findings += done.findings
                    timings += [
                        (s, f"{username} {width}px {p}") for p, s in done.pages.items()
                    ]
                    print(
                        f"{username} at {width}px: {len(done.pages)} pages", flush=True
                    )
            browser.close()
        server.should_exit = True
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{len(timings)} page views in {time.perf_counter() - started:.0f} s")
    for seconds, where in sorted(timings, reverse=True)[:10]:
        print(f"  {seconds:6.3f} s  {where}")
    print(f"\n{len(findings)} findings")
    for line in findings:
        print(" ", line)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
