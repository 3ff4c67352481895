"""Harm days as text, one format for every reason that states them."""

from __future__ import annotations

import polars as pl

__all__ = ["harm_days_text"]


def harm_days_text(harm_days: pl.Expr) -> pl.Expr:
    """Harm days as the briefing's other reasons write them: to one decimal, with
    thousands separators, no ".0" when whole ("1,460", "2.3", "12,345.6").

    An incident's reason read "harm 1460.0 days" beside "1,460 d" in its row, and
    a group's "harm: 10488.0 crime harm days" beside "10,488 d" on the groups page.
    Vectorised (no Python per row); Polars' rounding to one decimal, as before;
    up to 999,999,999.9 days (no incident's harm is near it).
    """
    tenths_total = (harm_days * 10).round(0).cast(pl.Int64)
    whole, tenths = tenths_total // 10, tenths_total % 10

    def three(e: pl.Expr) -> pl.Expr:
        return e.cast(pl.String).str.zfill(3)

    grouped = (
        pl.when(whole >= 1_000_000)
        .then(
            pl.format(
                "{},{},{}",
                whole // 1_000_000,
                three((whole // 1000) % 1000),
                three(whole % 1000),
            )
        )
        .when(whole >= 1000)
        .then(pl.format("{},{}", whole // 1000, three(whole % 1000)))
        .otherwise(whole.cast(pl.String))
    )
    return (
        pl.when(tenths > 0).then(pl.format("{}.{}", grouped, tenths)).otherwise(grouped)
    )
