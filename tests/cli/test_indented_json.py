"""``--json`` text is the standard library's indented JSON, character for character.

``json.dumps(..., indent=2)`` runs Python's own encoder, a generator call per
value (1.8 s of CPU for the 11.6 MB of a Toronto ``avert analyse performance --by
ward --json``); :func:`avert.cli._common.indented_json` hands the flat objects and
arrays to the C encoder (0.8 s). Its text must not differ by a character.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pytest

from avert.cli._common import _json_value, indented_json


def _standard(payload: Any) -> str:
    return json.dumps(payload, indent=2, default=_json_value, ensure_ascii=False)


def _chart_rows(n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(3)
    return [
        {
            "period": f"2021-{1 + i % 12:02d}-01",
            "count": int(rng.integers(0, 50)),
            "harm": float(rng.gamma(2.0, 300.0)),
            "expected": float(rng.normal(20, 5)) * 10.0 ** int(rng.integers(-9, 17)),
            "baseline": bool(i % 2),
            "rate_per_1000": None,
            "lcl": -0.0,
        }
        for i in range(n)
    ]


PAYLOADS: list[Any] = [
    {},
    [],
    "text",
    3,
    None,
    1e-7,
    math.nan,
    [math.inf, -math.inf, math.nan, 0.1 + 0.2, 1e16, 123456789012345678901234567890],
    {"a": [], "b": {}, "c": [[]], "d": [{}], "e": [[[1, [2, []]]]]},
    {"when": dt.date(2021, 3, 1), "at": [dt.datetime(2021, 3, 1, 6, 30)]},
    {"tuple": (1, (2, 3)), "mixed": [1, "two", None, {"x": (4,)}]},
    {"quote": 'a "b"\n\t\\', "é": "Élms–Old Rexdale \u2028 <>&", "emoji": "\U0001f600"},
    {1: "a number key", "b": {2.5: True, None: False}},
    {"verdicts": [{"area": "A", "spc": {"run_8": 2}, "chart": _chart_rows(30)}]},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_indented_json_is_the_standard_text(payload: Any) -> None:
    assert indented_json(payload) == _standard(payload)
