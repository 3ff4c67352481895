"""Row checks shared by the parsers: first failing check per row -> one problem row."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from avert.ingest._csv import LINE_COL
from avert.ingest.keys import row_text
from avert.ingest.result import PROBLEM_SCHEMA

__all__ = ["Check", "split_rows"]

#: (column name expression, reason expression: null when the row passes)
Check = tuple[pl.Expr, pl.Expr]


def split_rows(
    frame: pl.DataFrame,
    header: Sequence[str],
    checks: Sequence[Check],
    *,
    target: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply checks in order; return good rows and one problem per failing row.

    The first failing check names the row's column and reason; ``raw`` is the row's
    fields joined by commas (the header's columns, blank for missing).
    """
    column: pl.Expr = pl.lit(None, dtype=pl.String)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for col_expr, why in reversed(checks):
        column = pl.when(why.is_not_null()).then(col_expr).otherwise(column)
        reason = pl.when(why.is_not_null()).then(why).otherwise(reason)
    marked = frame.with_columns(column.alias("_qcol"), reason.alias("_qwhy"))
    if marked["_qwhy"].null_count() == marked.height:  # all good: no copies
        return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
    bad = marked.filter(pl.col("_qwhy").is_not_null())
    problems = bad.select(
        pl.col(LINE_COL).alias("line"),
        pl.col("_qcol").alias("column"),
        pl.col("_qwhy").alias("reason"),
        row_text(list(header)).alias("raw"),
        pl.lit("rejected").alias("kind"),
        pl.lit(target).alias("target_table"),
    ).cast(PROBLEM_SCHEMA)
    good = marked.filter(pl.col("_qwhy").is_null()).drop("_qcol", "_qwhy")
    return good, problems
