"""Targets and trajectories, most similar areas and the confidence measure."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Final

import numpy as np
import polars as pl

from avert.analyse.performance._base import F64, Unit
from avert.analyse.performance._series import _period_expr
from avert.errors import ConfigError


# --- targets -------------------------------------------------------------------------
def trajectory(
    periods: Sequence[dt.date],
    observed: Sequence[float] | F64,
    *,
    baseline_level: float,
    change: float,
    start: dt.date,
    by: dt.date,
    smooth: int = 3,
) -> pl.DataFrame:
    """A straight-line trajectory to a target, and where the series stands against it.

    The target path runs from ``baseline_level`` (counts per period, e.g. the
    baseline mean) at ``start`` to ``baseline_level * (1 + change)`` at ``by`` (e.g.
    ``change=-0.10``: 10 % fewer), flat afterwards and equal to the baseline before.
    A period is ``on_track`` when the mean of the last ``smooth`` observed periods
    is at or below the path.

    Returns
    -------
    pl.DataFrame
        ``period``, ``observed``, ``target``, ``observed_smoothed``, ``on_track``.
    """
    if not (math.isfinite(change) and change >= -1):
        msg = (
            "A target's change is a share of the baseline, -1 or more (-0.10: 10 % "
            f"fewer; -1: none at all); got {change!r}. Is it a percentage?"
        )
        raise ConfigError(msg)
    span = max((by - start).days, 1)
    share = np.clip(
        np.array([(p - start).days / span for p in periods], dtype=np.float64), 0, 1
    )
    target = baseline_level * (1 + change * share)
    obs = pl.Series("observed", np.asarray(observed, dtype=np.float64))
    smoothed = obs.rolling_mean(window_size=smooth, min_samples=1)
    return pl.DataFrame(
        {
            "period": list(periods),
            "observed": obs,
            "target": target,
            "observed_smoothed": smoothed,
            "on_track": (smoothed.to_numpy() <= target + 1e-12),
        },
        schema_overrides={"period": pl.Date},
    )


# --- most similar areas -----------------------------------------------------------------
#: the columns of :func:`most_similar_areas`
_PEER_SCHEMA: Final = {
    "area": pl.String,
    "peer": pl.String,
    "rank": pl.Int64,
    "distance": pl.Float64,
}


def most_similar_areas(
    features: pl.DataFrame, *, area: str = "area", k: int = 5
) -> pl.DataFrame:
    """For every area, its ``k`` most similar areas (iQuanta's "most similar groups").

    Every numeric column of ``features`` (e.g. ``population`` and census shares
    such as ``share_black`` or ``share_16_29``) is standardised to mean 0 and
    standard deviation 1 over the areas (``population`` is taken as its log); the
    distance is Euclidean over the standardised columns (Home Office "Most similar
    groups" methodology, 2012 revision, uses standardised demographic and
    socio-economic variables the same way).

    The areas and the columns are taken in their order by name, so the peers and
    their distances do not depend on the order of the rows or columns (a tie goes
    to the first area by name).

    Returns
    -------
    pl.DataFrame
        ``area``, ``peer``, ``rank`` (1 = most similar) and ``distance``, by area
        and rank.
    """
    # by name: the sums over columns in one order, to the last digit
    numeric = sorted(
        c for c, t in features.schema.items() if c != area and t.is_numeric()
    )
    if not numeric or features.height < 2:
        return pl.DataFrame(schema=_PEER_SCHEMA)
    # the workflow's areas come in the order of Polars' unique(), which varies
    # from run to run: the same store gave its peers in another order each time
    features = features.sort(pl.col(area).cast(pl.String))
    data = features.select(
        [
            (
                pl.col(c).cast(pl.Float64).log1p()
                if c == "population"
                else pl.col(c).cast(pl.Float64)
            )
            for c in numeric
        ]
    ).to_numpy()
    data = (
        np.nan_to_num(data, nan=np.nanmean(data, axis=0))
        if np.isnan(data).any()
        else data
    )
    sd = data.std(axis=0)
    z = (data - data.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    kk = min(k, features.height - 1)
    order = np.argsort(dist, axis=1, kind="stable")[:, :kk]
    names = np.asarray(features[area].cast(pl.String).to_list(), dtype=object)
    rows = np.repeat(np.arange(features.height), kk)
    return pl.DataFrame(
        {
            "area": names[rows].tolist(),
            "peer": names[order.ravel()].tolist(),
            "rank": np.tile(np.arange(1, kk + 1), features.height),
            "distance": dist[rows, order.ravel()],
        },
        schema=_PEER_SCHEMA,
    )


# --- confidence measure ------------------------------------------------------------------
def confidence_beside_crime(
    survey: pl.DataFrame, series: pl.DataFrame, *, unit: Unit = "month"
) -> pl.DataFrame:
    """Join a confidence survey series to the crime series of the same area and period.

    ``survey`` has ``area``, ``period`` (a date in the survey period) and
    ``pct_agree`` (% who agree the police and council deal with what matters);
    ``series`` is :func:`build_series` output (category ``all``, flag ``all`` is
    used). Survey periods are mapped to the crime series' unit (a quarter's survey
    sits on the quarter's first month).

    Returns
    -------
    pl.DataFrame
        ``area``, ``period``, ``pct_agree``, ``count`` (null where no crime series).
    """
    crime = series.filter((pl.col("category") == "all") & (pl.col("flag") == "all"))
    sv = survey.with_columns(
        pl.col("area").cast(pl.String), _period_expr("period", unit).alias("period")
    )
    return (
        sv.select("area", "period", "pct_agree")
        .join(
            crime.select("area", "period", "count"), on=["area", "period"], how="left"
        )
        .sort("area", "period")
    )
