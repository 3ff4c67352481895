"""One key for an area in Python and in a column: :func:`avert.areas.area_key`
(the web policy's comparison of a user's area with the asked one) and
:func:`avert.areas.area_key_expr` (the stored spellings :func:`in_area` keeps).

Before: ``str.split`` parts on the information separators U+001C..U+001F, which
the column's regex ``\\s`` does not, so "Leeds\\x1c" was the key "leeds" asked
and "leeds\\x1c" stored: a record so spelled was another area, unseen by the
user scoped to Leeds.
"""

from __future__ import annotations

import polars as pl
import pytest

from avert.areas import area_key, area_key_expr, in_area

SPELLINGS = [
    " Leeds ",
    "LEEDS",
    "Tower\t\tHamlets",
    "Leeds\x1c",
    "Leeds\x1dTown",
    "Leeds\x1e\x1f",
    "Leeds\xa0",
    "Leeds\x85",
    "A\u2028B",
    "\u0130stanbul",
    "Stra\u00dfe",
    "\u1e9e",
    "\u039f\u0394\u039f\u03a3",
    "Leeds\u200b",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_column_s_key_is_area_key(spelling: str) -> None:
    frame = pl.DataFrame({"borough": [spelling]})
    got = frame.select(area_key_expr(pl.col("borough")))["borough"][0]
    assert got == area_key(spelling)
    assert frame.filter(in_area(area_key(spelling), frame.columns)).height == 1
