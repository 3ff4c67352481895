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


def test_an_incidents_reason_gives_its_harm_as_written() -> None:
    """The reason of the incident's row, through the briefing's reasons expression."""
    from avert.briefing.incidents import _reasons

    frame = pl.DataFrame(
        {
            "category": ["most_serious_violence", "common_assault"],
            "rule_ids": ["msv.gbh", "ca.common"],
            "crime_type": [None, None],
            "harm_days": [1460.0, 1.0],
            "harm_source": ["derived:5D", "derived:105A"],
            "weapon": ["none", "none"],
            "injury": ["serious", "none"],
            "domestic": [False, False],
            "hate": ["", ""],
            "gang_related": [False, False],
            "group_ids": [[], []],
            "max_victimisations": [1, 1],
            "n_offending": [1, 1],
            "in_definition": [True, True],
        },
        schema_overrides={"crime_type": pl.String, "group_ids": pl.List(pl.String)},
    )
    reasons = frame.select(_reasons("avb-2010", frame.columns).alias("r"))[
        "r"
    ].to_list()
    assert "harm 1,460 days (Cambridge Crime Harm Index, derived:5D)" in reasons[0]
    assert "harm 1 day (Cambridge Crime Harm Index, derived:105A)" in reasons[1]
