"""Row checks shared by the parsers: first failing check per row -> one problem row."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from avert.ingest._csv import LINE_COL
from avert.ingest.result import PROBLEM_SCHEMA

__all__ = ["Check", "csv_row_text", "join_text", "rejected_lines", "split_rows"]

#: (column name expression, reason expression: null when the row passes)
Check = tuple[pl.Expr, pl.Expr]


def join_text(*parts: pl.Expr | str) -> pl.Expr:
    """Text of ``parts`` (literal text or text expressions); null where one is null.

    Used instead of ``pl.format``: Polars 2.1 ``format`` panics (``assertion
    failed: i < self.len()``) on a text column read by its CSV reader that holds a
    long value (tens of KiB) and was then filtered, as problem rows are;
    ``concat_str`` reads the same column correctly.
    """
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in parts])


def csv_row_text(columns: Sequence[str]) -> pl.Expr:
    """The row's fields as one CSV line (RFC 4180): joined by commas, a field
    holding a comma, a double quote or a line break quoted (its quotes doubled),
    blank for missing.

    A quarantined row's ``raw`` is what the user reads to see and correct it:
    joined bare, a field ``"FR,9"`` read back as two fields and a row as one
    field more than its header. Content keys join fields bare
    (:func:`avert.ingest.keys.row_text`), which must never change; this is for
    display only.
    """
    fields = []
    for c in columns:
        text = pl.col(c).cast(pl.String).fill_null("")
        fields.append(
            pl.when(text.str.contains(r'[,"\r\n]'))
            .then(
                pl.concat_str(
                    [
                        pl.lit('"'),
                        text.str.replace_all('"', '""', literal=True),
                        pl.lit('"'),
                    ]
                )
            )
            .otherwise(text)
        )
    return pl.concat_str(fields, separator=",")


def rejected_lines(bad: pl.DataFrame, target: str | None) -> pl.DataFrame:
    """Lines rejected whole (``line``, ``reason``, ``raw``) as problems of ``target``.

    ``bad`` holds a read CSV's malformed lines (:attr:`CsvTable.bad`), or any lines
    quarantined with their reason; ``target`` is the table they were meant for
    (None: not known).
    """
    return bad.select(
        "line",
        pl.lit(None, dtype=pl.String).alias("column"),
        "reason",
        "raw",
        pl.lit("rejected").alias("kind"),
        pl.lit(target, dtype=pl.String).alias("target_table"),
    )


def split_rows(
    frame: pl.DataFrame,
    header: Sequence[str],
    checks: Sequence[Check],
    *,
    target: str,
    failing: pl.Expr | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply checks in order; return good rows and one problem per failing row.

    The first failing check names the row's column and reason; ``raw`` is the row's
    fields as one CSV line (the header's columns, blank for missing, quoted as
    RFC 4180 quotes them: :func:`csv_row_text`).

    ``failing`` (optional) is a cheap boolean expression that is true on every row
    some check fails on (true on more rows is allowed, never on fewer): the checks'
    reasons, which build text, are then evaluated on those few rows only, instead
    of on every row.
    """
    if frame.height == 0:  # no row to fail (the checks cost milliseconds to run)
        return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
    column: pl.Expr = pl.lit(None, dtype=pl.String)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for col_expr, why in reversed(checks):
        column = pl.when(why.is_not_null()).then(col_expr).otherwise(column)
        reason = pl.when(why.is_not_null()).then(why).otherwise(reason)
    if failing is None:
        # lazy: common subexpressions of the checks (casts, strips) are computed once
        marked = (
            frame.lazy()
            .with_columns(column.alias("_qcol"), reason.alias("_qwhy"))
            .collect()
        )
        if marked["_qwhy"].null_count() == marked.height:  # all good: no copies
            return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
        bad = marked.filter(pl.col("_qwhy").is_not_null())
        good = marked.filter(pl.col("_qwhy").is_null()).drop("_qcol", "_qwhy")
    else:
        maybe = (
            frame.lazy()
            .with_columns(failing.fill_null(False).alias("_qbad"))
            .select("_qbad")
            .collect()
            .to_series()
        )
        if not maybe.any():  # all good: no copies
            return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
        marked = (
            frame.filter(maybe)
            .lazy()
            .with_columns(column.alias("_qcol"), reason.alias("_qwhy"))
            .collect()
        )
        passed = marked["_qwhy"].is_null()
        if passed.all():
            return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
        bad = marked.filter(~passed)
        # rows the cheap test flagged but every check passes are good rows
        maybe = maybe.scatter(maybe.arg_true().filter(passed), False)
        good = frame.filter(~maybe)
    problems = bad.select(
        pl.col(LINE_COL).alias("line"),
        pl.col("_qcol").alias("column"),
        pl.col("_qwhy").alias("reason"),
        csv_row_text(list(header)).alias("raw"),
        pl.lit("rejected").alias("kind"),
        pl.lit(target).alias("target_table"),
    ).cast(PROBLEM_SCHEMA)
    return good, problems
