"""Benchmark: the briefing JSON at force scale, time and bytes, before and after.

Builds one briefing of a big window and measures, each the least of ``--repeat``
runs in this process:

- the conversion to JSON types (``Briefing.to_json``) with the ``jsonable``
  avert had before (copied below as ``_jsonable_before``: the garbage collector
  running) and with today's (the collector paused), their outputs compared byte
  for byte; the heap is collected before each run, so each starts alike;
- the bytes of the complete record (``briefing.json``, compact as written above
  2,000 incidents), of the indented text ``avert brief --json`` printed before,
  and what the incidents spend on keys, null fields, reasons and links;
- the API's answer: the whole briefing encoded (before) against its first page
  (``views.briefing_page``, 500 incidents and 500 map points; after).

The store is the seeded synthetic one of ``benchmarks/briefing.py``
(tests/briefing/factory.py: ``--incidents`` over ``--days``, briefed over the last
``--hours``), or a loaded store given by ``--db`` (e.g. the London police.uk months
of 2022 Q1, ``--at 2022-03-15T06:00``: February 2022, 21,961 violent incidents).

    .venv/bin/python benchmarks/briefing_json.py [--incidents N] [--days D]
        [--hours H] [--db URL --at ISO] [--repeat K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import avert.briefing.model as model  # noqa: E402
from avert.analyse.result import jsonable  # noqa: E402
from avert.briefing.model import Briefing  # noqa: E402
from avert.store import Store  # noqa: E402
from avert.workflows.briefing import build_briefing  # noqa: E402
from avert.workflows.views import briefing_page  # noqa: E402
from briefing.factory import make_frames, write_store  # noqa: E402

AT = dt.datetime(2025, 3, 10, 8)


def _jsonable_before(value: Any) -> Any:
    """avert's ``jsonable`` before this benchmark's change (collector running)."""
    t = type(value)
    if t is str or t is bool or value is None:
        return value
    if t is float:
        return value if math.isfinite(value) else None
    if t is dict:
        return {
            k if type(k) is str else str(k): _jsonable_before(v)
            for k, v in value.items()
        }
    if t is list:
        return [_jsonable_before(v) for v in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable_before(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable_before(v) for v in value]
    if isinstance(value, pl.DataFrame):
        return [_jsonable_before(row) for row in value.to_dicts()]
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    item = getattr(value, "item", None)
    if callable(item):
        return _jsonable_before(item())
    return str(value)


def _least(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def _to_json(briefing: Briefing, convert: Callable[[Any], Any]) -> dict[str, Any]:
    """``to_json`` converting with ``convert``, its floats in full (unrounded:
    briefing_json_size.py measures the rounding)."""
    model.jsonable = lambda value, **_: convert(value)  # the function to_json calls
    try:
        return briefing.to_json()
    finally:
        model.jsonable = jsonable


def _mb(text: str) -> str:
    return f"{len(text.encode()) / 1e6:.1f} MB"


def _briefing(args: argparse.Namespace, tmp: str) -> Briefing:
    if args.db:
        store = Store(args.db)
        at = dt.datetime.fromisoformat(args.at)
    else:
        store = Store(f"sqlite:///{Path(tmp) / 'avert.db'}")
        store.upgrade()
        write_store(store, make_frames(args.incidents, at=AT, days=args.days, seed=3))
        at = AT
    return build_briefing(
        store, at=at, hours=args.hours, profile="avb-2010", allow_demo_key=True
    )


def _incident_bytes(data: dict[str, Any]) -> str:
    items = data["incidents"]
    keys = sum(len(json.dumps(k)) + 2 for i in items for k in i)
    nulls = sum(
        len(json.dumps(k)) + 6 for i in items for k, v in i.items() if v is None
    )
    reasons = sum(len(json.dumps(i["reasons"], ensure_ascii=False)) for i in items)
    links = sum(len(json.dumps(i["links"])) for i in items)
    whole = len(json.dumps(items, ensure_ascii=False).encode())
    return (
        f"incidents {whole / 1e6:.1f} MB of it: keys {keys / 1e6:.1f} MB, "
        f"null fields (key and null) {nulls / 1e6:.1f} MB, reasons "
        f"{reasons / 1e6:.1f} MB, links {links / 1e6:.1f} MB; map points "
        f"{_mb(json.dumps(data['map'], ensure_ascii=False))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=120_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--hours", type=int, default=720)
    parser.add_argument("--db", default=None, help="a loaded store instead")
    parser.add_argument("--at", default="2022-03-15T06:00", help="with --db")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="avert-json-") as tmp:
        briefing = _briefing(args, tmp)
    print(
        f"briefing {briefing.window_from:%Y-%m-%d %H:%M} to "
        f"{briefing.window_to:%Y-%m-%d %H:%M} ({briefing.precision}): "
        f"{len(briefing.incidents):,} incidents, {len(briefing.map_points):,} "
        "map points"
    )
    before = _to_json(briefing, _jsonable_before)
    after = _to_json(briefing, jsonable)
    same = json.dumps(before, ensure_ascii=False) == json.dumps(
        after, ensure_ascii=False
    )
    t_before = _least(lambda: _to_json(briefing, _jsonable_before), args.repeat)
    t_after = _least(lambda: _to_json(briefing, jsonable), args.repeat)
    print(
        f"to_json: before {t_before:.2f} s (collector running), after "
        f"{t_after:.2f} s (collector paused); same bytes: {same}"
    )
    compact = json.dumps(after, ensure_ascii=False)
    indented = json.dumps(after, indent=2, ensure_ascii=False)
    print(
        f"briefing.json (compact above 2,000 incidents) {_mb(compact)}; "
        f"avert brief --json printed it indented before: {_mb(indented)} "
        f"(encoding {_least(lambda: json.dumps(after, indent=2), 1):.2f} s, "
        "after a second to_json)"
    )
    print("  " + _incident_bytes(after))
    page = briefing_page(after)
    t_api_before = _least(lambda: json.dumps(after, ensure_ascii=False), args.repeat)
    t_api_after = _least(
        lambda: json.dumps(briefing_page(after), ensure_ascii=False), args.repeat
    )
    print(
        f"API /api/v1/briefing: before the whole briefing {_mb(compact)} "
        f"(encoded in {t_api_before:.2f} s), after its first page "
        f"{_mb(json.dumps(page, ensure_ascii=False))} (encoded in "
        f"{t_api_after:.3f} s; {page['pages']['incidents']['total']:,} incidents "
        "in all, 500 a page)"
    )


if __name__ == "__main__":
    main()
