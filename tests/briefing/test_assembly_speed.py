"""The briefing's assembly with the cyclic garbage collector paused: the same
briefing, cheaper (avert.briefing.daily_briefing, avert.analyse.result)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json

import polars as pl
import pytest

import avert.briefing as briefing_module
from avert.analyse.result import collector_paused
from avert.briefing import daily_briefing
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return make_frames(3000, at=AT, seed=11)


def _json(frames: dict[str, pl.DataFrame]) -> str:
    b = daily_briefing(
        frames["incidents"],
        frames["involvements"],
        at=AT,
        hours=24 * 7,
        tables={
            k: v for k, v in frames.items() if k not in ("incidents", "involvements")
        },
    )
    return json.dumps(b.to_json(), sort_keys=True, ensure_ascii=False)


def test_the_briefing_is_assembled_with_the_collector_paused(
    frames: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cyclic collector scanned the items again and again as they were made
    (a London month: about 1.0 -> 0.75 CPU s of assembly, benchmarks/briefing.py
    --db); now it is paused while they are made, and running again afterwards."""
    seen: list[bool] = []
    real = briefing_module.incidents_section

    def spy(ctx):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(ctx)

    monkeypatch.setattr(briefing_module, "incidents_section", spy)
    assert gc.isenabled()
    _json(frames)
    assert seen == [False]
    assert gc.isenabled()


def test_the_paused_collector_changes_nothing_the_briefing_says(
    frames: dict[str, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte for byte the same briefing JSON with the collector paused or running."""
    paused = _json(frames)
    monkeypatch.setattr(briefing_module, "collector_paused", contextlib.nullcontext)
    running = _json(frames)
    assert '"incidents": [{' in paused  # the window lists incidents
    assert paused == running


def test_only_the_block_that_paused_the_collector_starts_it_again() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested (or another thread's): leaves it paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="x"), collector_paused():
        raise ValueError("x")
    assert gc.isenabled()  # started again after an error too
