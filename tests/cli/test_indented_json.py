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
from hypothesis import given, settings
from hypothesis import strategies as st

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


class _Dict(dict):  # type: ignore[type-arg]
    pass


class _List(list):  # type: ignore[type-arg]
    pass


class _Str(str):
    pass


class _Float(float):
    pass


class _Int(int):
    pass


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
    # what the property below draws at random, each kind here once for certain:
    # numpy scalars (flat, so the C encoder needs the default), bool beside int,
    # subclasses of dict, list, str, float and int, control characters and lone
    # surrogates, times, keys that are not text below the top
    [np.int64(3), np.float32(0.5), np.bool_(True), np.float64(math.nan)],
    {"n": np.float64(0.1), "i": np.int64(-7), "t": dt.time(6), "e": [()]},
    [True, 1, 1.0, False, 0, -0.0, 10**40, -(10**40)],
    _Dict(a=_List([_Str("s\x00"), _Float(1.5), _Int(7), (_Float(-0.0),)])),
    {_Str("k"): 1, "lone": "\ud800 \udfff", "ctl": "\x00\x1f\x7f\u2028"},
    {"x": [{None: 1, 2: [3], 2.5: {"y": (4,)}}]},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_indented_json_is_the_standard_text(payload: Any) -> None:
    assert indented_json(payload) == _standard(payload)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(-0.0),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF)),
    st.text().map(_Str),
    st.floats().map(_Float),
    st.integers().map(_Int),
    st.integers(-100, 100).map(np.int64),
    st.floats(allow_nan=True).map(np.float64),
    st.floats(width=32).map(np.float32),
    st.booleans().map(np.bool_),
    st.sampled_from([dt.date(2021, 3, 1), dt.datetime(2021, 3, 1, 6, 30), dt.time(6)]),
)
_KEYS = st.one_of(st.text(), st.text().map(_Str), st.integers(), st.none())
_PAYLOADS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.lists(inner, max_size=5).map(_List),
        st.dictionaries(st.text(), inner, max_size=5),
        st.dictionaries(st.text(), inner, max_size=5).map(_Dict),
        st.dictionaries(_KEYS, inner, max_size=4),
    ),
    max_leaves=30,
)


# 100 examples, not 300: an example costs about 40 ms of CPU (drawing the
# recursive payload), and every kind it draws is also in PAYLOADS above.
@settings(max_examples=100, deadline=None)
@given(_PAYLOADS)
def test_indented_json_is_the_standard_text_whatever_the_payload(payload: Any) -> None:
    """Nesting, tuples, keys that are not text, nan/inf/-0.0, big integers, bool
    beside int, numpy scalars, times, control characters and lone surrogates,
    empty containers, subclasses of dict, list, str, float and int."""
    assert indented_json(payload) == _standard(payload)
