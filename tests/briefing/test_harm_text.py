"""An incident's harm in its reasons is written as the briefing's other figures are.

The reason read "harm 1460.0 days" beside "1,460 d" in the incident's row (the README
tour's partner briefing); it reads "harm 1,460 days" now.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.briefing.incidents import harm_days_text


def _python_text(tenths: int) -> str:
    whole, tenth = divmod(tenths, 10)
    return f"{whole:,}" + (f".{tenth}" if tenth else "")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=9.9e8), min_size=1, max_size=40))
def test_harm_days_read_with_separators_and_one_decimal(values: list[float]) -> None:
    frame = pl.DataFrame({"h": values}).with_columns(
        harm_days_text(pl.col("h")).alias("text"),
        (pl.col("h") * 10).round(0).cast(pl.Int64).alias("tenths"),
    )
    expected = [_python_text(t) for t in frame["tenths"].to_list()]
    assert frame["text"].to_list() == expected


def test_known_harm_days() -> None:
    values = [1460.0, 0.0, 2.3, 12345.64, 1234567.25, 5475.0, None]
    texts = (
        pl.DataFrame({"h": values}, schema={"h": pl.Float64})
        .select(harm_days_text(pl.col("h")))
        .to_series()
        .to_list()
    )
    assert texts == ["1,460", "0", "2.3", "12,345.6", "1,234,567.2", "5,475", None]
