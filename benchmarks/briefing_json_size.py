"""Benchmark: where the bytes of ``briefing.json`` go, before and after its compaction.

Briefs one window and measures the record ``avert brief`` writes (``briefing.json``):

- before: as avert wrote it before the compaction (every float in full, ``", "``
  and ``": "`` between tokens, indented up to 2,000 incidents), and after: floats
  to :data:`avert.briefing.model.JSON_SIGNIFICANT_DIGITS` significant digits and
  no whitespace (``--pretty``: indented, also measured). Each: bytes, bytes
  gzip-compressed (level 6, as the web sends JSON to a client that accepts gzip),
  and the time to convert, encode and write it (least of ``--repeat``);
- the web API's first page (``GET /api/v1/briefing``: ``views.briefing_page``,
  500 items a list), before (default separators, floats in full) and after
  (compact, rounded), each as sent and gzip-compressed;
- where the bytes go (after): per top-level key, and per field of each list of
  items (the field's key, value and separators summed over the items) or key of
  each nested object;
- what changes of the record's shape (a version 2) would save on top, each alone,
  measured on this briefing: each distinct ``reasons``/``reasons_words`` list
  written once and referenced by number; map points as references to the
  incidents they repeat; null fields left out; the incidents as columns (each key
  once).

The data (``--source``):

- ``london`` (default): the London police.uk street months of 2022 Q1 (reduced
  copy, ../shared/data) loaded into a fresh SQLite store with the CLI (``avert db
  init``, ``avert ingest policeuk``, ``avert classify``) and briefed at
  2022-03-15 06:00: February 2022, a month-precision window;
- ``synth``: a synthetic city (``avert synth --people P --days 400``, ``avert
  ingest bundle``) briefed over the ``--hours`` to its last day's 06:00;
- ``--db URL --at ISO``: a store loaded already (either of the above, kept).

    .venv/bin/python benchmarks/briefing_json_size.py [--source london|synth]
        [--people P] [--hours H] [--db URL --at ISO] [--repeat K] [--top N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import avert.briefing.model as model
from avert.briefing.model import Briefing
from avert.store import Store
from avert.workflows.briefing import build_briefing
from avert.workflows.views import briefing_page

REPO = Path(__file__).resolve().parents[1]
LONDON = REPO.parent / "shared" / "data" / "police-uk-street-london-2022-q1-reduced"
LONDON_AT = "2022-03-15T06:00"
AVERT = [sys.executable, "-m", "avert"]
#: the indentation threshold of the record before the compaction
BEFORE_INDENT_MAX_ITEMS = 2_000


def _cli(db: str, *args: str) -> None:
    subprocess.run([*AVERT, "--db", db, *args], check=True, capture_output=True)


def _load(args: argparse.Namespace, tmp: Path) -> tuple[str, str]:
    """A loaded store's URL and the as-of time to brief it at."""
    if args.db:
        return args.db, args.at
    db = f"sqlite:///{tmp / 'avert.db'}"
    t = time.perf_counter()
    _cli(db, "db", "init")
    if args.source == "london":
        _cli(db, "ingest", "policeuk", str(LONDON))
        _cli(db, "classify")
        at = LONDON_AT
    else:
        city = tmp / "city"
        synth = ["synth", "--people", str(args.people), "--days", "400"]
        subprocess.run(
            [*AVERT, *synth, "--out", str(city)],
            check=True,
            capture_output=True,
        )
        _cli(db, "ingest", "bundle", str(city))
        at = "2026-11-24T06:00"  # avert synth's default last day
    print(f"loaded {args.source} in {time.perf_counter() - t:.0f} s")
    return db, at


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _before_data(briefing: Briefing) -> dict[str, Any]:
    """``to_json`` as before: every float in full."""
    digits = model.JSON_SIGNIFICANT_DIGITS
    model.JSON_SIGNIFICANT_DIGITS = None  # type: ignore[misc,assignment]  # to_json reads it
    try:
        return briefing.to_json()
    finally:
        model.JSON_SIGNIFICANT_DIGITS = digits  # type: ignore[misc]


def _before_text(briefing: Briefing) -> str:
    """The record as avert wrote it before: floats in full, default separators,
    indented up to 2,000 incidents."""
    data = _before_data(briefing)
    big = len(briefing.incidents) > BEFORE_INDENT_MAX_ITEMS
    return json.dumps(data, indent=None if big else 2, ensure_ascii=False)


def _after_text(briefing: Briefing, *, pretty: bool = False) -> str:
    """The record as ``run_briefing`` writes it now (``pretty``: ``--pretty``)."""
    data = briefing.to_json()
    if pretty:
        return json.dumps(data, indent=2, ensure_ascii=False)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _least_write(make: Callable[[], str], path: Path, repeat: int) -> float:
    """Least time of ``repeat`` conversions, encodings and writes to ``path``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        path.write_text(make(), encoding="utf-8")
        times.append(time.perf_counter() - t)
    return min(times)


def _mb(n: int) -> str:
    return f"{n / 1e6:6.2f} MB"


def _fields(items: list[Any]) -> Counter[str]:
    """Bytes per field of a list of objects: key, value and separators."""
    out: Counter[str] = Counter()
    for item in items:
        for key, value in item.items():
            out[key] += _size(key) + 2 + _size(value)
    return out


def _breakdown(data: dict[str, Any], top: int) -> None:
    total = _size(data)
    print(f"where the bytes go (after, compact: {_mb(total)}):")
    for key, value in sorted(data.items(), key=lambda kv: -_size(kv[1])):
        n = _size(value)
        if n < total / 1000:
            continue
        print(f"  {key:24s} {_mb(n)} {100 * n / total:5.1f} %")
        holders = {key: value}
        if isinstance(value, dict):
            holders = {f"{key}.{k}": v for k, v in value.items()}
        for name, held in holders.items():
            if isinstance(held, list) and held and isinstance(held[0], dict):
                parts = _fields(held)
                print(f"    {name}: {len(held):,} items")
            elif isinstance(held, dict) and name != key:
                parts = Counter({k: _size(v) for k, v in held.items()})
                print(f"    {name}:")
            else:
                continue
            for field, b in parts.most_common(top):
                if b >= total / 1000:
                    print(f"      {field:28s} {_mb(b)} {100 * b / total:5.1f} %")


def _reasons_once(data: dict[str, Any]) -> dict[str, Any]:
    """Each distinct reasons list written once, items naming it by number."""
    table: dict[str, int] = {}
    out = {**data}
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [
                {
                    k: (
                        table.setdefault(json.dumps(v), len(table))
                        if k in ("reasons", "reasons_words")
                        else v
                    )
                    for k, v in item.items()
                }
                for item in value
            ]
    out["reason_lists"] = [json.loads(t) for t in table]
    return out


def _map_by_reference(data: dict[str, Any]) -> dict[str, Any]:
    """Map points that repeat an incident as the incident's index."""
    index = {i["incident_id"]: n for n, i in enumerate(data["incidents"])}
    points = [index.get(p["incident_id"], p) for p in data["map"]["points"]]
    return {**data, "map": {**data["map"], "points": points}}


def _no_nulls(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "incidents": [
            {k: v for k, v in i.items() if v is not None} for i in data["incidents"]
        ],
    }


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    items = data["incidents"]
    keys = list(dict.fromkeys(k for i in items for k in i))
    return {**data, "incidents": {k: [i.get(k) for i in items] for k in keys}}


def _shape_changes(data: dict[str, Any]) -> None:
    total = _size(data)
    print("a change of shape (version 2) would save, each alone:")
    for name, change in (
        ("reasons lists written once", _reasons_once),
        ("map points by reference", _map_by_reference),
        ("incidents' null fields left out", _no_nulls),
        ("incidents as columns", _columns),
    ):
        n = _size(change(data))
        print(f"  {name:34s} {_mb(total - n)} ({100 * (total - n) / total:4.1f} %)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", choices=("london", "synth"), default="london")
    parser.add_argument("--people", type=int, default=200_000, help="synth")
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--db", default=None, help="a loaded store instead")
    parser.add_argument("--at", default=LONDON_AT, help="with --db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=8, help="fields listed per list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="avert-json-size-") as tmp_dir:
        tmp = Path(tmp_dir)
        db, at = _load(args, tmp)
        briefing = build_briefing(
            Store(db),
            at=dt.datetime.fromisoformat(at),
            hours=args.hours,
            profile="avb-2010",
            allow_demo_key=True,
        )
        print(
            f"briefing {briefing.window_from:%Y-%m-%d %H:%M} to "
            f"{briefing.window_to:%Y-%m-%d %H:%M} ({briefing.precision}): "
            f"{len(briefing.incidents):,} incidents, "
            f"{len(briefing.map_points):,} map points"
        )
        path = tmp / "briefing.json"
        rows = []
        for name, make in (
            ("before", lambda: _before_text(briefing)),
            ("after", lambda: _after_text(briefing)),
            ("after --pretty", lambda: _after_text(briefing, pretty=True)),
        ):
            seconds = _least_write(make, path, args.repeat)
            raw = path.read_bytes()
            rows.append((name, len(raw), len(gzip.compress(raw, 6)), seconds))
        for name, raw_b, gz_b, seconds in rows:
            print(
                f"{name:15s} {_mb(raw_b)}, gzip {_mb(gz_b)}, convert, encode "
                f"and write {seconds:.2f} s (least of {args.repeat})"
            )
        before_page = json.dumps(
            briefing_page(_before_data(briefing)), ensure_ascii=False
        ).encode()
        after_page = json.dumps(
            briefing_page(briefing.to_json()), separators=(",", ":"), ensure_ascii=False
        ).encode()
        for name, page in (("before", before_page), ("after", after_page)):
            print(
                f"API first page {name:6s} {_mb(len(page))}, gzip "
                f"{_mb(len(gzip.compress(page, 6)))}"
            )
        data = json.loads(_after_text(briefing))
    _breakdown(data, args.top)
    _shape_changes(data)


if __name__ == "__main__":
    main()
