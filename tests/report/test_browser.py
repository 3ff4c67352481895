"""Visual check: the briefing HTML renders in headless Chromium (screenshot saved)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from avert.access import Pseudonymiser
from avert.briefing import daily_briefing
from avert.report import render_briefing_html
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.browser
def test_briefing_renders_in_headless_chromium(tmp_path: Path, chromium: str) -> None:
    f = make_frames(4000, at=AT, seed=5)
    b = daily_briefing(
        f["incidents"],
        f["involvements"],
        at=AT,
        tables={
            k: f[k]
            for k in (
                "people",
                "identities",
                "groups",
                "group_members",
                "asb",
                "intelligence",
                "actions",
            )
        },
        boundaries=[
            (
                "Northfield",
                [
                    [
                        (405000.0, 285000.0),
                        (408000.0, 285000.0),
                        (408000.0, 291000.0),
                        (405000.0, 291000.0),
                        (405000.0, 285000.0),
                    ]
                ],
            ),
        ],
    )
    page = tmp_path / "briefing.html"
    page.write_text(render_briefing_html(b), encoding="utf-8")
    png = tmp_path / "briefing.png"
    out = REPO / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    _screenshot(chromium, page, png, tmp_path / "profile", "1280,2400")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # a blank page compresses to a few kB
    shutil.copyfile(png, out / "briefing.png")
    # the partner page, tall enough to show the places map
    partner = tmp_path / "partner.html"
    partner.write_text(
        render_briefing_html(
            daily_briefing(
                f["incidents"],
                f["involvements"],
                at=AT,
                audience="partner",
                pseudonymiser=Pseudonymiser("test-key"),
            )
        ),
        encoding="utf-8",
    )
    tall = tmp_path / "partner.png"
    _screenshot(chromium, partner, tall, tmp_path / "profile2", "1280,3600")
    assert tall.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.copyfile(tall, out / "briefing-partner.png")


def _screenshot(chromium: str, page: Path, png: Path, profile: Path, size: str) -> None:
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        f"--window-size={size}",
        page.as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
