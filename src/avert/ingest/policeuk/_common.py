"""What every police.uk kind maps alike: the file, months, coordinates, text columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl

from avert.ingest._csv import LINE_COL
from avert.ingest.geo import coordinate_problem, project
from avert.ingest.keys import ContentKeyer
from avert.ingest.policeuk._kinds import REDUCED, STOPS, UNKNOWN, force_from_name
from avert.ingest.result import Parsed, problems_frame

_MONTH_RE: Final = r"^[0-9]{4}-(0[1-9]|1[0-2])$"  # ASCII digits only
#: the located columns :func:`_with_xy` adds (``has_location`` beside them)
_XY: Final = ("lat", "lon", "x", "y")


@dataclass(frozen=True)
class _File:
    """What mapping a file's rows needs beside the rows (the same for every part).

    Attributes
    ----------
    name
        The file as given (stored as ``source_file``).
    crs
        Target CRS of ``x``/``y``.
    keyer
        Keys the rows that carry no id of their own, counting over earlier parts.
    force
        The force of a stop-and-search file (from its name), else None.
    """

    name: str
    crs: str
    keyer: ContentKeyer
    force: str | None

    @classmethod
    def of(
        cls,
        kind: str,
        header: Sequence[str],
        *,
        name: str,
        basename: str,
        crs: str,
        encoding: str = "utf-8",
    ) -> _File:
        """The file ``name`` (``basename``: its file name) of ``kind``, read in
        ``encoding`` (its rows keyed as :class:`ContentKeyer` says for it)."""
        force = force_from_name(basename)
        if kind == STOPS:
            keyer = ContentKeyer(
                header, prefix="pus-", salt=force or "", read_as=encoding
            )
        elif kind == REDUCED:
            keyer = ContentKeyer(header, prefix="pur-", read_as=encoding)
        else:
            keyer = ContentKeyer(header, prefix="puk-", read_as=encoding)
        return cls(name, crs, keyer, force)

    def provenance(self) -> list[pl.Expr]:
        """Where each row came from: ``source_file`` and ``source_line``."""
        return [
            pl.lit(self.name).alias("source_file"),
            pl.col(LINE_COL).alias("source_line"),
        ]


def _not_policeuk(name: str, digest: str, why: str, raw: str | None = None) -> Parsed:
    """A file of no police.uk kind: no rows read, one problem at line 0 saying
    ``why`` (``raw``: the header it had, if any)."""
    return Parsed(
        name,
        digest,
        UNKNOWN,
        0,
        problems=problems_frame([(0, None, why, raw, "rejected", None)]),
    )


def _col(frame: pl.DataFrame, name: str) -> pl.Expr:
    """The column as given, or nulls when the file lacks it (optional columns)."""
    if name in frame.columns:
        return pl.col(name)
    return pl.lit(None, dtype=pl.String)


def _texts(frame: pl.DataFrame, names: Mapping[str, str]) -> list[pl.Expr]:
    """Text columns as given (file column -> canonical name), nulls where absent."""
    return [_col(frame, column).alias(name) for column, name in names.items()]


def _month_bad(column: str) -> pl.Expr:
    """True where the month is blank or not ``YYYY-MM`` (the month check fails)."""
    value = pl.col(column).str.strip_chars()
    return value.is_null() | ~value.str.contains(_MONTH_RE).fill_null(False)


def _month_failing(frame: pl.DataFrame, column: str) -> pl.Expr:
    """:func:`_month_bad` of every row, testing each distinct month once."""
    if column not in frame.columns:
        return _month_bad(column)
    values = frame.get_column(column).unique().to_frame()
    bad = values.filter(_month_bad(column)).to_series().drop_nulls()
    return pl.col(column).is_null() | pl.col(column).is_in(bad)


def _month_check(column: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.lit(column), pl.when(_month_bad(column)).then(
        pl.lit("bad month (want YYYY-MM): ") + pl.col(column).fill_null("<blank>")
    )


def _coord_check(lon: str, lat: str, crs: str) -> tuple[pl.Expr, pl.Expr]:
    column, reason = coordinate_problem(lon, lat, crs=crs)
    return column, reason


def _with_xy(frame: pl.DataFrame, lon: str, lat: str, *, crs: str) -> pl.DataFrame:
    """Add float lat/lon, projected x/y and has_location.

    police.uk coordinates are anonymised snap points, so a file holds far fewer
    distinct points than rows: each distinct pair is projected once and joined back
    (only the coordinate columns are joined, never the whole frame).
    """
    # stripped as :func:`avert.ingest.geo.coordinate_problem` reads them: a value
    # it passed (" 53.5 ") cast as given was a row stored with no place
    coords = (
        frame.lazy()
        .select(
            pl.col(lon).str.strip_chars().cast(pl.Float64, strict=False).alias("lon"),
            pl.col(lat).str.strip_chars().cast(pl.Float64, strict=False).alias("lat"),
        )
        .collect()
    )
    points = coords.drop_nulls().unique()
    lon_a = points["lon"].to_numpy().astype(np.float64, copy=False)
    lat_a = points["lat"].to_numpy().astype(np.float64, copy=False)
    x, y = project(lon_a, lat_a, crs=crs)
    points = points.with_columns(
        pl.Series("x", x).fill_nan(None), pl.Series("y", y).fill_nan(None)
    )
    located = coords.join(points, on=["lon", "lat"], how="left", maintain_order="left")
    return frame.with_columns(
        located["lon"],
        located["lat"],
        located["x"],
        located["y"],
        located["lat"].is_not_null().alias("has_location"),
    )


def _month_span(frame: pl.DataFrame, column: str) -> list[pl.Expr]:
    """occurred_from/to/time_precision of a ``YYYY-MM`` column (checked first).

    A file holds few distinct months, so each distinct value is converted once and
    mapped back (the same values as converting every row, several times faster).
    """

    def span(value: pl.Expr) -> list[pl.Expr]:
        start = (value.str.strip_chars() + "-01").str.to_datetime(
            "%Y-%m-%d", time_unit="us"
        )
        return [
            start.alias("occurred_from"),
            (start.dt.offset_by("1mo") - pl.duration(microseconds=1)).alias(
                "occurred_to"
            ),
        ]

    months = frame.get_column(column)
    if months.is_empty() or months.has_nulls():  # nulls fail the month check
        return [*span(pl.col(column)), pl.lit("month").alias("time_precision")]
    spans = months.unique().to_frame().with_columns(span(pl.col(column)))
    return [
        pl.col(column)
        .replace_strict(spans[column], spans[name], return_dtype=pl.Datetime("us"))
        .alias(name)
        for name in ("occurred_from", "occurred_to")
    ] + [pl.lit("month").alias("time_precision")]
