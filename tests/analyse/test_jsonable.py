"""``jsonable``: JSON types for briefing.json and the API (nulls, dates, NaN), made
with the garbage collector paused (it took half the time of a London month)."""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
from typing import Any, ClassVar

import numpy as np
import polars as pl

from avert.analyse.result import jsonable


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _incidents() -> list[dict[str, Any]]:
    """Items as a briefing's: nulls, dates, NaN and infinities, nested lists."""
    return [
        {
            "rank": i + 1,
            "occurred_from": dt.datetime(2022, 2, 1, 0, 0, i, 5 * i),
            "day": dt.date(2022, 2, 1 + i) if i % 2 else None,
            "harm_days": [365.0, math.nan, math.inf, None][i % 4],
            "weapon": None,
            "domestic": [True, False, None, True][i % 4],
            "x": np.float64(1.5) if i == 3 else 2.0,
            "reasons": [f"reason {i}", "harm"],
            "people": [{"person_id": f"p{i}", "at": dt.date(2022, 1, 1)}] * (i % 3),
            "links": {"incident_id": [f"i{i}"], "person_id": [], 1: (i, None)},
        }
        for i in range(8)
    ]


class _Stamp:
    """A value that records, when converted, whether the collector was running."""

    seen: ClassVar[list[bool]] = []

    def isoformat(self) -> str:
        self.seen.append(gc.isenabled())
        return "stamp"


def test_the_collector_is_paused_while_converting() -> None:
    _Stamp.seen.clear()
    assert jsonable([{"at": _Stamp()}, {"at": _Stamp()}]) == [
        {"at": "stamp"},
        {"at": "stamp"},
    ]
    assert _Stamp.seen == [False, False]
    assert gc.isenabled()


def test_the_text_is_strict_json() -> None:
    _text(jsonable(_incidents()))  # no NaN or Infinity: allow_nan=False refuses


def test_the_converted_values_are_json_types() -> None:
    out = jsonable(_incidents())
    first, second = out[0], out[1]
    assert first["occurred_from"] == "2022-02-01T00:00:00"
    assert second["occurred_from"] == "2022-02-01T00:00:01.000005"
    assert first["day"] is None
    assert second["day"] == "2022-02-02"
    # NaN and infinities become null, as one value does
    assert [r["harm_days"] for r in out[:4]] == [365.0, None, None, None]
    assert out[3]["x"] == 1.5
    assert out[1]["people"] == [{"person_id": "p1", "at": "2022-01-01"}]
    assert first["links"] == {"incident_id": ["i0"], "person_id": [], "1": [0, None]}


def test_the_converted_items_are_new_lists_and_dicts() -> None:
    items = _incidents()
    out = jsonable(items)
    out[0]["reasons"].append("changed")
    out[0]["links"]["incident_id"].append("changed")
    assert items[0]["reasons"] == ["reason 0", "harm"]
    assert items[0]["links"]["incident_id"] == ["i0"]


def test_items_with_other_keys_keep_their_own() -> None:
    items: list[Any] = [
        {"a": 1, "b": dt.date(2022, 1, 1)},
        {"b": math.nan, "a": 2},
        {"a": 3},
        {},
        "not a dict",
    ]
    assert jsonable(items) == [
        {"a": 1, "b": "2022-01-01"},
        {"b": None, "a": 2},
        {"a": 3},
        {},
        "not a dict",
    ]
    assert list(jsonable(items)[1]) == ["b", "a"]  # each item's own key order
    assert jsonable([{}, {}]) == [{}, {}]


def test_a_frame_converts_row_by_row() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "b", None],
            "at": [dt.datetime(2022, 2, 1, 6), None, dt.datetime(2022, 2, 2)],
            "day": [dt.date(2022, 2, 1), dt.date(2022, 2, 2), None],
            "harm": [1.5, float("nan"), None],
            "n": [1, None, 3],
            "tags": [["x"], [], None],
        }
    )
    out = jsonable(frame)
    assert out[0] == {
        "id": "a",
        "at": "2022-02-01T06:00:00",
        "day": "2022-02-01",
        "harm": 1.5,
        "n": 1,
        "tags": ["x"],
    }
    assert out[1]["harm"] is None
    # the very bytes of before the pause (briefing.json, the API): keys in order
    assert _text(out) == (
        '[{"id": "a", "at": "2022-02-01T06:00:00", "day": "2022-02-01", '
        '"harm": 1.5, "n": 1, "tags": ["x"]}, {"id": "b", "at": null, '
        '"day": "2022-02-02", "harm": null, "n": null, "tags": []}, '
        '{"id": null, "at": "2022-02-02T00:00:00", "day": null, "harm": null, '
        '"n": 3, "tags": null}]'
    )


def test_the_collector_runs_again_after_a_conversion() -> None:
    jsonable(_incidents())
    assert gc.isenabled()
    gc.disable()
    try:
        jsonable(_incidents())
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_floats_rounded_to_significant_digits_only_when_asked() -> None:
    """briefing.json's floats (JSON_SIGNIFICANT_DIGITS): a coordinate in metres
    took 17 characters for a precision no source has."""
    value = {
        "x": 526719.2589387622,
        "y": np.float64(1170215.25213805627),
        "harm_days": [165.64950980392157, math.nan, 365.0, 7],
        "p": 1.23456789e-12,
        "pair": (0.1 + 0.2, True),
        "frame": pl.DataFrame({"share": [0.123456789]}),
    }
    assert jsonable(value)["x"] == 526719.2589387622  # unchanged by default
    out = jsonable(value, significant_digits=7)
    assert out == {
        "x": 526719.3,
        "y": 1170215.0,
        "harm_days": [165.6495, None, 365.0, 7],
        "p": 1.234568e-12,
        "pair": [0.3, True],
        "frame": [{"share": 0.1234568}],
    }
    assert type(out["harm_days"][3]) is int
    assert out["pair"][1] is True
    assert _text(out["x"]) == "526719.3"
