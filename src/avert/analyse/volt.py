"""VOLT profiles: victims, offenders, locations and times, and where they overlap.

The seed adopts the victim-offender-location-time (VOLT) model (¶10): find the few
victims, offenders, places and times that carry most harm, and "the victims,
offenders and locations that overlap". Repeat incidence should attract an enhanced
response (¶16), so every profile carries repeats and a trend.

Methods
-------
* **Profiles** (per victim, offender, place): incidents in the window, harm (sum of
  Cambridge Crime Harm Index days, when ``harm_days`` is given), first and last
  date, repeats (``n - 1``), and trend = incidents in the later half of the window
  minus incidents in the earlier half (a month-dated record counts at the middle of
  its month), from the sources that cover both halves (:func:`_source_coverage`):
  a source starting more than a day inside the window, or stopping more than a
  day before the others, is left out of the trend (not of the counts), with a
  note; an entity with only its records, and every entity when no source covers
  both halves, has a null trend.
* **Repeat rate** of a population (Farrell & Pease 1993; Home Office repeat
  victimisation measure): ``(incidents - entities) / incidents``, the share of
  incidents that were repeats against the same entity; and the share of entities
  with two or more incidents.
* **Time**: hour-of-week (Monday 00:00 = 0 ... Sunday 23:00 = 167) only from
  incidents with exact times; calendar months from every incident. data.police.uk
  gives only the month, so hour-of-week is then reported as unavailable, never
  invented.
* **Overlaps**: victim-offender overlap (Jennings, Piquero & Reingle 2012): the
  share of victims who are also offenders in the window and vice versa; places where
  priority offenders (top fraction by harm) and repeat victims meet; the peak
  hour-of-week and month of each priority place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from avert.analyse._window import (
    days_since_period_end,
    incidents_in_window,
    month_edge_notes,
    period_length,
)
from avert.analyse.concentration import FALLBACK_CELL_M, has_values, top_count
from avert.analyse.places import cell_expr
from avert.analyse.result import Result, json_object
from avert.analyse.trend import COVERAGE_KEYS
from avert.errors import ConfigError
from avert.schema import TIME_PRECISIONS, check_frame

__all__ = [
    "CELL_NAME_COLUMNS",
    "VoltResult",
    "person_profiles",
    "place_profiles",
    "time_profiles",
    "volt_overlaps",
    "volt_profiles",
    "window_incidents",
]

_SOURCE: Final = (
    "AVB delivery plan 2010 ¶10 (VOLT, 80/20) and ¶16 (enhanced response to repeats); "
    "Farrell & Pease (1993) repeat victimisation; Jennings, Piquero & Reingle (2012) "
    "victim-offender overlap; Sherman (2007) power few."
)


def _check_window(window_days: int) -> None:
    if not (isinstance(window_days, int) and window_days > 0):
        msg = f"The 'window_days' parameter must be a positive int. Got {window_days!r} instead."
        raise ConfigError(msg)


def window_incidents(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> pl.DataFrame:
    """Return incidents with ``at - window_days < occurred_from <= at``, and, when
    they have ``time_precision``, those dated alone whose day runs past the window's
    start (:func:`avert.analyse._window.in_window` ``by_day``).

    Parameters
    ----------
    incidents
        Needs ``occurred_from``.
    at
        End of the window (inclusive).
    window_days
        Length of the window in days.
    """
    _check_window(window_days)
    check_frame(incidents, ["occurred_from"], name="incidents")
    return incidents.filter(incidents_in_window(incidents, at, window_days))


def _harm(incidents: pl.DataFrame) -> pl.Expr:
    if "harm_days" in incidents.columns:
        return pl.col("harm_days").cast(pl.Float64).fill_null(0.0)
    return pl.lit(None, dtype=pl.Float64)


#: Time precisions, finest first (``avert.schema.TIME_PRECISIONS``).
_PRECISION_RANK: Final = {name: rank for rank, name in enumerate(TIME_PRECISIONS)}
#: Precisions that know the hour of day (the hour-of-week profile counts these).
_KNOWS_HOUR: Final = ("exact", "hour")


def _precision(incidents: pl.DataFrame) -> pl.Expr:
    """The rank of each incident's time precision (0 exact, 1 hour, 2 day, 3 month)."""
    if "time_precision" not in incidents.columns:
        return pl.lit(0, dtype=pl.Int64).alias("precision")
    return (
        pl.col("time_precision")
        .replace_strict(_PRECISION_RANK, default=0, return_dtype=pl.Int64)
        .alias("precision")
    )


def _half_time() -> pl.Expr:
    """When an incident counts for the trend's halves: a month-dated record
    (data.police.uk, dated the first instant of its month) at the middle of its
    month, so a window of whole months splits into equal halves (January to June
    against July to December) rather than seven months against five; one dated
    alone (stored at 00:00) at its day's noon (:func:`_day_in_trend`)."""
    t = pl.col("occurred_from")
    return (
        pl.when(pl.col("precision") == _PRECISION_RANK["month"])
        .then(t + (t.dt.offset_by("1mo") - t) / 2)
        .when(pl.col("precision") == _PRECISION_RANK["day"])
        .then(t + dt.timedelta(hours=12))
        .otherwise(t)
    )


def _day_in_trend(*, at: dt.datetime, window_days: int) -> pl.Expr:
    """False for a record dated alone whose day's noon lies outside the window
    ``(at - window_days, at]``. The window holds a record dated alone by its day
    (:func:`window_incidents`): one of its first day and one of its last, so
    ``n + 1`` days of them for ``n`` days; the trend counts those whose noon is
    in it (``n`` days, half in each half when ``n`` is even), so its halves
    balance; the other is in ``n_left_out_of_trend``."""
    half = _half_time()
    start = at - dt.timedelta(days=window_days)
    return (pl.col("precision") != _PRECISION_RANK["day"]) | (
        (half > start) & (half <= at)
    )


def _profile(
    keyed: pl.DataFrame, key: str, *, at: dt.datetime, window_days: int
) -> pl.DataFrame:
    """Aggregate (key, incident_id, occurred_from, harm, precision[, in_trend])
    rows into a profile. The halves and the trend count the rows ``in_trend``
    (all when the column is absent); none of them: null; ``n_left_out_of_trend``
    counts the others. ``last_at``: the stored time of the record whose period
    (:func:`avert.analyse._window.period_length`) ends last, as the risk lists
    choose it (one dated alone on a day after an exact time of that day: its day
    ends later), the one ``days_since_last`` counts from; ``last_precision``: how
    precise it is (``exact``, ``hour``, ``day`` or ``month``, the finest among the
    events of that time and end): a police.uk record is dated the first of its
    month and says no more."""
    mid = at - dt.timedelta(days=window_days / 2)
    if "precision" not in keyed.columns:
        keyed = keyed.with_columns(pl.lit(0, dtype=pl.Int64).alias("precision"))
    if "in_trend" not in keyed.columns:
        keyed = keyed.with_columns(pl.lit(value=True).alias("in_trend"))
    keyed = keyed.with_columns(
        pl.col("in_trend") & _day_in_trend(at=at, window_days=window_days)
    )
    names = {rank: name for name, rank in _PRECISION_RANK.items()}
    keyed = keyed.with_columns(  # by name, for the period's length
        pl.col("precision")
        .replace_strict(names, default="exact", return_dtype=pl.String)
        .alias("_precision")
    )
    # the last record: the one whose period ends last, then the later stored time
    # (risk's _last_record), then the finer precision; days_since_last counts
    # from its period's end
    keyed = keyed.with_columns(
        (pl.col("occurred_from") + period_length("_precision")).alias("_end")
    )
    ends_last = pl.col("_end") == pl.col("_end").max()
    last_at = pl.col("occurred_from").filter(ends_last).max()
    return (
        keyed.group_by(key)
        .agg(
            pl.col("precision")
            .filter(ends_last & (pl.col("occurred_from") == last_at))
            .min()
            .replace_strict(names, default="exact", return_dtype=pl.String)
            .alias("last_precision"),
            pl.len().cast(pl.Int64).alias("n_incidents"),
            pl.col("harm").sum().alias("harm_days"),
            pl.col("harm").is_null().all().alias("_no_harm"),
            pl.col("occurred_from").min().alias("first_at"),
            last_at.alias("last_at"),
            ((_half_time() > mid) & pl.col("in_trend"))
            .sum()
            .cast(pl.Int64)
            .alias("n_later_half"),
            pl.col("in_trend").sum().cast(pl.Int64).alias("_n_trend"),
            days_since_period_end(at, precision="_precision").alias("_days_since"),
        )
        .with_columns(
            pl.when(pl.col("_no_harm"))
            .then(None)
            .otherwise(pl.col("harm_days"))
            .alias("harm_days"),
            (pl.col("n_incidents") - 1).alias("n_repeats"),
            # halves of the records the trend compares (every record, unless a
            # source is left out of it: volt_profiles); none of them: null
            pl.when(pl.col("_n_trend") > 0).then(pl.col("n_later_half")),
            pl.when(pl.col("_n_trend") > 0)
            .then(pl.col("_n_trend") - pl.col("n_later_half"))
            .alias("n_earlier_half"),
            # a month-dated last record (police.uk) has no day: its days since
            # are unknown (they read 30 for a record of any day of March); one
            # dated alone counts from its day's end, as the risk lists do
            pl.when(pl.col("last_precision") != "month")
            .then(pl.col("_days_since"))
            .cast(pl.Int64)
            .alias("days_since_last"),
        )
        .with_columns(
            (pl.col("n_later_half") - pl.col("n_earlier_half")).alias("trend"),
            # records of the window the trend leaves out (their source does not
            # cover both halves): a trend of 19 of 136 records is not the place's
            (pl.col("n_incidents") - pl.col("_n_trend")).alias("n_left_out_of_trend"),
        )
        .drop("_no_harm", "_n_trend", "_days_since")
        .sort(
            [pl.col("harm_days").fill_null(0.0), "n_incidents", key],
            descending=[True, True, False],
        )
    )


def person_profiles(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    roles: Sequence[str],
    at: dt.datetime,
    window_days: int = 365,
) -> pl.DataFrame:
    """Profile every person with at least one incident in ``roles`` in the window.

    Parameters
    ----------
    incidents
        ``incident_id``, ``occurred_from``; optional ``harm_days``.
    involvements
        ``incident_id``, ``person_id``, ``role``.
    roles
        Involvement roles that count (e.g. ``("victim",)``).
    at, window_days
        The window ``(at - window_days, at]``.

    Returns
    -------
    pl.DataFrame
        ``person_id``, ``n_incidents``, ``harm_days``, ``first_at``, ``last_at``,
        ``last_precision`` (``exact``, ``hour``, ``day`` or ``month``: how precise
        ``last_at`` is), ``n_later_half``, ``n_repeats``, ``n_earlier_half``,
        ``days_since_last`` (whole days from the end of the latest record's
        period, :func:`avert.analyse._window.days_since_period_end`: a date alone
        from its day's end), ``trend``; sorted by harm, then incidents, then
        ``person_id``.
    """
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    joined = _window_involvements(
        incidents, involvements, at=at, window_days=window_days, cell_size_m=None
    )
    return _people_profile(joined, roles, at=at, window_days=window_days)


def _window_involvements(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    at: dt.datetime,
    window_days: int,
    cell_size_m: float | None,
    with_place: bool = False,
) -> pl.DataFrame:
    """Involvements of the window joined once to time, harm (and place) of the incident.

    Every person-level profile and overlap reads this one join instead of joining
    the string ``incident_id`` again for each role (the costly step at 1 M rows).
    """
    cols = [
        pl.col("incident_id"),
        pl.col("occurred_from"),
        _harm(incidents).alias("harm"),
        _precision(incidents),
        *_trend_mark(incidents),
    ]
    if with_place:
        cols.append(_place_col(incidents, cell_size_m))
    inc = window_incidents(incidents, at=at, window_days=window_days).select(cols)
    return (
        involvements.lazy()
        .select("incident_id", "person_id", "role")
        .join(inc.lazy(), on="incident_id", how="inner")
        .collect()
    )


def _people_keyed(joined: pl.DataFrame, roles: Sequence[str]) -> pl.DataFrame:
    """One row per (person, incident) in ``roles``."""
    keyed = joined.filter(pl.col("role").is_in(list(roles))).select(
        "incident_id",
        "person_id",
        "occurred_from",
        "harm",
        "precision",
        *_trend_mark(joined),
    )
    if len(set(roles)) > 1:  # (incident, person, role) is the key: one role is unique
        keyed = keyed.unique(["incident_id", "person_id"])
    return keyed


def _people_profile(
    joined: pl.DataFrame, roles: Sequence[str], *, at: dt.datetime, window_days: int
) -> pl.DataFrame:
    return _profile(
        _people_keyed(joined, roles), "person_id", at=at, window_days=window_days
    )


def _place_col(incidents: pl.DataFrame, cell_size_m: float | None) -> pl.Expr:
    if cell_size_m is None:
        if "lsoa" not in incidents.columns:
            return pl.lit(None, dtype=pl.String).alias("place_id")
        return pl.col("lsoa").alias("place_id")
    if "x" not in incidents.columns or "y" not in incidents.columns:
        return pl.lit(None, dtype=pl.String).alias("place_id")
    return cell_expr(cell_size_m, alias="place_id")


def place_profiles(
    incidents: pl.DataFrame,
    *,
    at: dt.datetime,
    window_days: int = 365,
    cell_size_m: float | None = None,
) -> pl.DataFrame:
    """Profile every place (LSOA, or grid cell of ``cell_size_m``) with an incident.

    Returns the columns of :func:`person_profiles` keyed by ``place_id``.
    """
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    inc = window_incidents(incidents, at=at, window_days=window_days)
    return _profile(
        _place_keyed(inc, cell_size_m), "place_id", at=at, window_days=window_days
    )


def _place_keyed(inc: pl.DataFrame, cell_size_m: float | None) -> pl.DataFrame:
    """One row per incident with a place: incident_id, occurred_from, harm,
    precision, place_id."""
    return inc.select(
        "incident_id",
        "occurred_from",
        _harm(inc).alias("harm"),
        _precision(inc),
        _place_col(inc, cell_size_m),
        *_trend_mark(inc),
    ).filter(pl.col("place_id").is_not_null())


def _trend_mark(frame: pl.DataFrame) -> list[pl.Expr]:
    """``in_trend`` when ``frame`` has it (:func:`_mark_trend_records`), else none."""
    return [pl.col("in_trend")] if "in_trend" in frame.columns else []


#: What names a grid cell, in the order tried (the briefing's places name cells by
#: the same: LSOA name, else ward or neighbourhood, else borough)
CELL_NAME_COLUMNS: Final = ("lsoa_name", "ward", "borough")


def _place_names(inc: pl.DataFrame, cell_size_m: float | None) -> pl.DataFrame:
    """Per ``place_id``, the ``name`` its incidents give it: the most frequent
    non-empty name, ties by the name, so every run says the same. An LSOA is named
    by its ``lsoa_name`` (police.uk's "LSOA name", the name the briefing shows); a
    grid cell (``cell_size_m``) by its incidents' LSOA name, else ward or
    neighbourhood, else borough (:data:`CELL_NAME_COLUMNS`). A bare code
    (E01032739, 250m:E2522:N19339) is a place no one at a meeting can find.
    Records without those columns give no rows: their ``name`` stays null.
    ``n_names`` counts the distinct names of the place's incidents (a cell across
    two LSOAs has 2: its name is the commonest, :func:`_shared_cells_note`)."""
    empty = pl.DataFrame(
        schema={"place_id": pl.String, "name": pl.String, "n_names": pl.UInt32}
    )
    columns = ("lsoa_name",) if cell_size_m is None else CELL_NAME_COLUMNS
    present = [c for c in columns if c in inc.columns]
    if not present or (cell_size_m is None and "lsoa" not in inc.columns):
        return empty
    texts = [pl.col(c).cast(pl.String).str.strip_chars() for c in present]
    name = pl.coalesce([pl.when(t != "").then(t) for t in texts])
    return (
        inc.select(_place_col(inc, cell_size_m), name.alias("name"))
        .filter(pl.col("place_id").is_not_null() & pl.col("name").is_not_null())
        .group_by("place_id", "name")
        .len()
        .sort(["place_id", "len", "name"], descending=[False, True, False])
        .group_by("place_id", maintain_order=True)
        .agg(pl.col("name").first(), n_names=pl.len())
    )


def _shared_cells_note(places: pl.DataFrame, names: pl.DataFrame) -> list[str]:
    """A note when listed grid cells hold incidents of several named areas: each is
    named by the commonest, which the table would otherwise pass off as the cell's
    only area ("250m:E2522:N19339 Church-Yonge Corridor" across two neighbourhoods).
    """
    shared = places.join(names, on="place_id").filter(pl.col("n_names") > 1).height
    if not shared:
        return []
    return [
        f"{shared:,} of the {places.height:,} cells hold incidents of several areas: "
        "a cell is named by its incidents' commonest area (LSOA name, else ward or "
        "neighbourhood, else borough), not the only one."
    ]


def _with_names(frame: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the place's ``name`` beside its ``place_id`` (null when
    unknown), rows in their order."""
    named = frame.join(
        names.select("place_id", "name"),
        on="place_id",
        how="left",
        maintain_order="left",
    )
    rest = [c for c in frame.columns if c != "place_id"]
    return named.select("place_id", "name", *rest)


def _place_unit(
    inc: pl.DataFrame, cell_size_m: float | None, notes: list[str]
) -> tuple[float | None, bool]:
    """Which places to profile: (cell size or None for LSOA, whether any place is known).

    LSOA when asked and known; grid cells of :data:`FALLBACK_CELL_M` when no incident of
    the window has an LSOA but some have coordinates; a note says which and why.
    """
    if inc.height == 0:
        return cell_size_m, True
    if cell_size_m is not None:
        if has_values(inc, ["x", "y"]):
            return cell_size_m, True
        notes.append(
            "No incident in the window has coordinates (x, y): the place profile is "
            "empty. Give places as areas (leave out --cell) if the records have LSOAs."
        )
        return cell_size_m, False
    if has_values(inc, ["lsoa"]):
        return None, True
    if has_values(inc, ["x", "y"]):
        notes.append(
            "No incident in the window has an area (LSOA): places are grid cells of "
            f"{FALLBACK_CELL_M:g} m from the coordinates instead."
        )
        return FALLBACK_CELL_M, True
    notes.append(
        "No incident in the window has an area (LSOA) or coordinates (x, y): the place "
        "profile is empty."
    )
    return None, False


def _exact(incidents: pl.DataFrame) -> pl.Expr:
    if "time_precision" in incidents.columns:
        return pl.col("time_precision").is_in(_KNOWS_HOUR)
    return pl.lit(value=True)


def time_profiles(
    incidents: pl.DataFrame,
) -> tuple[pl.DataFrame | None, pl.DataFrame, int]:
    """Return (hour-of-week profile or None, monthly profile, incidents without a time).

    Hour-of-week (0 = Monday 00:00-00:59 ... 167 = Sunday 23:00) counts only incidents
    whose ``time_precision`` knows the hour (``exact`` or ``hour``) and is ``None``
    when there are none (e.g. data.police.uk, month precision only). The month profile uses ``occurred_from``
    truncated to the month and counts every incident.
    """
    check_frame(incidents, ["occurred_from"], name="incidents")
    harm = _harm(incidents).alias("harm")
    exact = incidents.filter(_exact(incidents) & pl.col("occurred_from").is_not_null())
    how: pl.DataFrame | None = None
    if exact.height:
        counts = (
            exact.select(
                (
                    (pl.col("occurred_from").dt.weekday().cast(pl.Int32) - 1) * 24
                    + pl.col("occurred_from").dt.hour().cast(pl.Int32)
                ).alias("hour_of_week"),
                harm,
            )
            .group_by("hour_of_week")
            .agg(
                pl.len().cast(pl.Int64).alias("n_incidents"),
                pl.col("harm").sum().alias("harm_days"),
            )
        )
        slots = pl.DataFrame(
            {"hour_of_week": pl.int_range(0, 168, eager=True).cast(pl.Int32)}
        )
        how = (
            slots.join(counts, on="hour_of_week", how="left")
            .with_columns(
                pl.col("n_incidents").fill_null(0),
                pl.col("harm_days").fill_null(0.0)
                if "harm_days" in incidents.columns
                else pl.lit(None, dtype=pl.Float64).alias("harm_days"),
                (pl.col("hour_of_week") // 24).alias("day_of_week"),
                (pl.col("hour_of_week") % 24).alias("hour"),
            )
            .sort("hour_of_week")
        )
    months = (
        incidents.filter(pl.col("occurred_from").is_not_null())
        .select(
            pl.col("occurred_from").dt.truncate("1mo").dt.date().alias("month"), harm
        )
        .group_by("month")
        .agg(
            pl.len().cast(pl.Int64).alias("n_incidents"),
            pl.col("harm").sum().alias("harm_days"),
        )
        .sort("month")
    )
    if "harm_days" not in incidents.columns:
        months = months.with_columns(pl.lit(None, dtype=pl.Float64).alias("harm_days"))
    return how, months, incidents.height - exact.height


def _distinct(keyed: pl.DataFrame) -> tuple[int, float | None]:
    """Distinct incidents of (incident_id, harm) rows and their harm, each counted once."""
    # in the rows' order: the harm is a float sum (a hash order would change it)
    inc = keyed.select("incident_id", "harm").unique("incident_id", maintain_order=True)
    harm = inc["harm"]
    no_harm = inc.height == 0 or harm.null_count() == inc.height
    return inc.height, None if no_harm else float(harm.sum())


def _repeat_summary(
    profile: pl.DataFrame, dimension: str, keyed: pl.DataFrame
) -> dict[str, Any]:
    """One summary row: distinct incidents and their harm, and entity-incident pairs.

    ``keyed`` holds one row per (entity, incident) with ``incident_id`` and ``harm``.
    An incident with two victims is one incident (``n_incidents``, ``harm_days``) and
    two victim-incident pairs (``n_pairs``, ``pair_harm_days``); the repeat rate is
    over pairs (repeats against the same entity).
    """
    n_entities = profile.height
    n_pairs = int(profile["n_incidents"].sum()) if n_entities else 0
    repeats = int((profile["n_incidents"] >= 2).sum()) if n_entities else 0
    pair_harm = profile["harm_days"]
    n_incidents, harm = _distinct(keyed)
    return {
        "dimension": dimension,
        "n_entities": n_entities,
        "n_incidents": n_incidents,
        "harm_days": harm,
        "n_pairs": n_pairs,
        "pair_harm_days": None
        if pair_harm.null_count() == n_entities
        else float(pair_harm.sum()),
        "repeat_rate": (n_pairs - n_entities) / n_pairs if n_pairs else None,
        "share_entities_repeat": repeats / n_entities if n_entities else None,
    }


def _place_counts(
    placed: pl.DataFrame, people: pl.DataFrame, roles: Sequence[str], name: str
) -> pl.DataFrame:
    """Per place: distinct incidents where one of ``people`` had one of ``roles``."""
    return (
        placed.lazy()
        .filter(pl.col("role").is_in(list(roles)))
        .join(people.lazy(), on="person_id", how="semi")
        .select("incident_id", "place_id")
        .unique()
        .group_by("place_id")
        .agg(pl.len().cast(pl.Int64).alias(name))
        .collect()
    )


def _meeting_places(
    placed: pl.DataFrame,
    priority: pl.DataFrame,
    repeat: pl.DataFrame,
    offender_roles: Sequence[str],
) -> pl.DataFrame:
    """Places with both priority-offender and repeat-victim incidents, most first."""
    return (
        _place_counts(placed, priority, offender_roles, "n_priority_offender_incidents")
        .join(
            _place_counts(placed, repeat, ("victim",), "n_repeat_victim_incidents"),
            on="place_id",
        )
        .sort(
            [
                pl.col("n_priority_offender_incidents")
                + pl.col("n_repeat_victim_incidents"),
                "place_id",
            ],
            descending=[True, False],
        )
    )


def _share(part: int, whole: int) -> float | None:
    """``part / whole``, or ``None`` when there is no whole."""
    return part / whole if whole else None


def volt_overlaps(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    at: dt.datetime,
    window_days: int = 365,
    cell_size_m: float | None = None,
    offender_roles: Sequence[str] = ("offender",),
    priority_top: float = 0.05,
    repeat_min: int = 2,
    profiles: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    joined: pl.DataFrame | None = None,
) -> tuple[dict[str, Any], pl.DataFrame]:
    """Victim-offender overlap and the places where priority offenders and repeat victims meet.

    Parameters
    ----------
    incidents, involvements
        Canonical tables (``harm_days`` optional: without it priority is by count).
    at, window_days
        The window.
    cell_size_m
        Places are grid cells of this size; ``None`` means LSOA.
    offender_roles
        Roles that make a person an offender.
    priority_top
        Fraction of offenders, highest harm (then count) first, that are "priority":
        the top ``ceil(priority_top * n)`` of the ``n`` offenders (at least one).
    repeat_min
        Victimisations in the window that make a repeat victim.
    profiles
        Victim and offender profiles already computed by :func:`person_profiles`
        for the same window (saves recomputing them).
    joined
        The window's involvements joined to ``place_id`` (internal, from
        :func:`volt_profiles`; saves the join).

    Returns
    -------
    tuple[dict, pl.DataFrame]
        The overlap shares, and one row per place where both meet:
        ``place_id``, ``n_priority_offender_incidents``, ``n_repeat_victim_incidents``,
        sorted by their sum.
    """
    if profiles is None:
        victims = person_profiles(
            incidents, involvements, roles=("victim",), at=at, window_days=window_days
        )
        offenders = person_profiles(
            incidents,
            involvements,
            roles=offender_roles,
            at=at,
            window_days=window_days,
        )
    else:
        victims, offenders = profiles
    both = (
        victims.select("person_id")
        .join(offenders.select("person_id"), on="person_id")
        .height
    )
    # the top ceil(q * n), as concentration's top sets: round() halves to even, so
    # the top 5 % of 50 offenders was 2 (4 %) and of 70 was 4 (5.7 %)
    n_priority = (
        max(1, top_count(priority_top, offenders.height)) if offenders.height else 0
    )
    priority = offenders.head(n_priority).select("person_id")
    repeat = victims.filter(pl.col("n_incidents") >= repeat_min).select("person_id")
    if joined is None or "place_id" not in joined.columns:
        joined = _window_involvements(
            incidents,
            involvements,
            at=at,
            window_days=window_days,
            cell_size_m=cell_size_m,
            with_place=True,
        )
    placed = joined.filter(pl.col("place_id").is_not_null())
    meet = _meeting_places(placed, priority, repeat, offender_roles)
    summary = {
        "n_victims": victims.height,
        "n_offenders": offenders.height,
        "n_victim_offenders": both,
        "share_victims_also_offenders": _share(both, victims.height),
        "share_offenders_also_victims": _share(both, offenders.height),
        "n_priority_offenders": n_priority,
        "priority_offenders": f"top {priority_top:g} of offenders by harm, then count",
        "n_repeat_victims": repeat.height,
        "repeat_victims": f"victims with {repeat_min}+ incidents in the window",
        "n_places_where_they_meet": meet.height,
    }
    return summary, meet


def cut_tie_note(
    frame: pl.DataFrame, n_listed: int, *, what: str, listed: str
) -> list[str]:
    """Say when the first ``n_listed`` rows of a profile (sorted by harm, then
    incidents, then id) end inside a run of equal harm and incidents: which of those
    rows are in ``listed`` is then decided by id order, not by the measure.

    ``what`` names the rows (``offenders``), ``listed`` the set (``the top 20``).
    """
    if n_listed <= 0 or frame.height <= n_listed:
        return []
    keys = frame.select(
        pl.col("harm_days").fill_null(0.0).alias("h"), pl.col("n_incidents").alias("n")
    )
    last, following = keys.row(n_listed - 1), keys.row(n_listed)
    if last != following:
        return []
    same = (pl.col("h") == last[0]) & (pl.col("n") == last[1])
    n_equal = keys.filter(same).height
    n_in = keys.head(n_listed).filter(same).height
    incidents = "incident" if last[1] == 1 else "incidents"
    return [
        f"The cut of {listed} falls inside a tie: {n_in} of the {n_equal:,} {what} "
        f"with {_tie_harm(frame.filter(_same_tie(last)), last[0])} and "
        f"{last[1]:,} {incidents} "
        f"{'is' if n_in == 1 else 'are'} in it, the other {n_equal - n_in:,} "
        f"{'is' if n_equal - n_in == 1 else 'are'} left out by id order, not by harm "
        "or count."
    ]


def _same_tie(last: tuple[Any, ...]) -> pl.Expr:
    """The rows of a profile with the harm (null as 0, as the profile is sorted) and
    the incidents of ``last``, a ``(harm, incidents)`` pair."""
    harm: float = last[0]
    n_incidents: int = last[1]
    return (pl.col("harm_days").fill_null(0.0) == harm) & (
        pl.col("n_incidents") == n_incidents
    )


def _tie_harm(tied: pl.DataFrame, harm_days: float) -> str:
    """The harm of the ``tied`` rows in words: their days as they are (1,234,567.5,
    not 1.23457e+06), or no known harm where the rows have no harm weight (no
    ``harm_days`` column, or no weighted incident: not "0 harm days")."""
    n_unknown = tied["harm_days"].null_count()
    days = f"{harm_days:,.2f}".rstrip("0").rstrip(".") + " harm days"
    if n_unknown == 0:
        return days
    return "no known harm" if n_unknown == tied.height else f"{days} or no known harm"


def _peak_times(
    incidents: pl.DataFrame, places: pl.DataFrame, *, cell_size_m: float | None
) -> pl.DataFrame:
    keyed = incidents.select(
        _place_col(incidents, cell_size_m),
        pl.col("occurred_from"),
        _exact(incidents).alias("_exact"),
    ).join(places.select("place_id"), on="place_id", how="semi")
    how = _peak(
        keyed.filter(pl.col("_exact")).with_columns(
            (
                (pl.col("occurred_from").dt.weekday().cast(pl.Int32) - 1) * 24
                + pl.col("occurred_from").dt.hour().cast(pl.Int32)
            ).alias("peak_hour_of_week")
        ),
        "peak_hour_of_week",
        count="n_at_peak_hour",
    )
    month = _peak(
        keyed.with_columns(
            pl.col("occurred_from").dt.truncate("1mo").dt.date().alias("peak_month")
        ),
        "peak_month",
        count="n_in_peak_month",
    )
    return (
        places.select("place_id", "n_incidents", "harm_days")
        .join(how, on="place_id", how="left")
        .join(month, on="place_id", how="left")
    )


_PEOPLE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "person_id": pl.String(),
    "n_incidents": pl.Int64(),
    "harm_days": pl.Float64(),
}
_SUMMARY_SCHEMA: Final[dict[str, pl.DataType]] = {
    "dimension": pl.String(),
    "n_entities": pl.Int64(),
    "n_incidents": pl.Int64(),
    "harm_days": pl.Float64(),
    "n_pairs": pl.Int64(),
    "pair_harm_days": pl.Float64(),
    "repeat_rate": pl.Float64(),
    "share_entities_repeat": pl.Float64(),
}


def _peak(keyed: pl.DataFrame, when: str, *, count: str) -> pl.DataFrame:
    """Per place, the value of ``when`` with the most incidents (ties: the earliest)."""
    return (
        keyed.group_by("place_id", when)
        .agg(pl.len().cast(pl.Int64).alias(count))
        .sort(["place_id", count, when], descending=[False, True, False])
        .group_by("place_id", maintain_order=True)
        .first()
    )


@dataclass(frozen=True, kw_only=True)
class VoltResult(Result):
    """VOLT profiles and overlaps.

    ``frame`` is the summary: one row per dimension (victim, offender, place) with
    ``n_entities``; ``n_incidents`` and ``harm_days``: distinct incidents with at least
    one such entity and their harm, each incident once; ``n_pairs`` and
    ``pair_harm_days``: entity-incident pairs (an incident with two victims is two
    victim pairs) and their harm; ``repeat_rate`` (over pairs) and
    ``share_entities_repeat``.
    """

    victims: pl.DataFrame
    offenders: pl.DataFrame
    places: pl.DataFrame
    hour_of_week: pl.DataFrame | None
    months: pl.DataFrame
    overlaps: dict[str, Any]
    meeting_places: pl.DataFrame
    peak_times: pl.DataFrame

    def to_dict(self, *, top: int = 20) -> dict[str, Any]:
        """Return the documented JSON contract (``docs/analyses.md``, version 2)."""
        return json_object(
            {
                "analysis": "volt",
                "version": 2,
                "params": dict(self.params),
                "summary": self.frame,
                "victims": self.victims.head(top),
                "offenders": self.offenders.head(top),
                "places": self.places.head(top),
                "hour_of_week_available": self.hour_of_week is not None,
                "hour_of_week": self.hour_of_week,
                "months": self.months,
                "overlaps": self.overlaps,
                "meeting_places": self.meeting_places.head(top),
                "peak_times": self.peak_times,
                "method": self.method,
                "source": self.source,
                "notes": [*self.notes, *self.cut_tie_notes(top)],
            }
        )

    def cut_tie_notes(
        self, top: int, lists: Sequence[str] = ("victims", "offenders", "places")
    ) -> list[str]:
        """Notes for the ``top`` rows of each of ``lists`` that end inside a tie."""
        return [
            note
            for name in lists
            for note in cut_tie_note(
                getattr(self, name), top, what=name, listed=f"the top {top} {name}"
            )
        ]


def _source_coverage(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> pl.DataFrame:
    """One row per source supplying the window, earliest first record first: its
    :data:`COVERAGE_KEYS` columns, ``label`` ("" when the incidents hold one
    source), ``first`` (its first record), ``end`` (the end of its records up to
    ``at``), ``late``, ``early``, ``cut`` and ``held`` (:func:`_incomplete`: any
    of them leaves the source out of the trend).

    The trend (later half minus earlier half) needs both halves covered, judged per
    source (``source`` and ``force`` when present,
    :data:`avert.analyse.trend.COVERAGE_KEYS`, the keys the briefing's year-on-year
    trend compares on); without them the incidents are one source.

    * ``late``: the first record is more than a day after the window's start, so
      the earlier half is not covered. One month of data.police.uk would show every
      place and person as growing; a store holding West Yorkshire's July 2018
      beside London's first quarter of 2022 does not cover London's 2021 (every
      London place read as growing: +174, +187, ...).
    * ``early``: the records stop more than a day before the others of the window
      (or ``at``, if sooner), so the later half is not covered: a force's months of
      January to June beside another's whole year gave every place of the first a
      trend of minus its count. A month-dated record covers its month, so its
      source runs to the month's end.
    * ``cut``: the months (``2025-12, ...``) of its month-dated records the window
      leaves out at its start although they run more than a day into it
      (:func:`_months_cut_at_start`: the earlier half is short of them).
    * ``held``: the months of its month-dated records of the window that hold the
      window's midpoint (:func:`_months_at_midpoint`: in neither half).
    * ``past``: the months of its month-dated records of the window that run more
      than a day past ``at`` (:func:`_past_end`: the later half holds the whole
      month though the window holds part of it).
    """
    keys = [k for k in COVERAGE_KEYS if k in incidents.columns]
    t = pl.col("occurred_from")
    month = (
        pl.col("time_precision").fill_null("exact") == "month"
        if "time_precision" in incidents.columns
        else pl.lit(value=False)
    )
    record_end = pl.when(month).then(t.dt.offset_by("1mo")).otherwise(t)

    def months(which: pl.Expr, name: str) -> pl.Expr:
        return (
            t.filter(which).dt.strftime("%Y-%m").unique().sort().str.join(", ")
        ).alias(name)

    spans = [
        t.min().alias("first"),
        record_end.filter(t <= at).max().alias("end"),
        months(_cut_at_start(incidents, at=at, window_days=window_days), "cut"),
        months(_at_midpoint(incidents, at=at, window_days=window_days), "held"),
        months(_past_end(incidents, at=at), "past"),
    ]
    if keys:
        supplying = (
            window_incidents(incidents, at=at, window_days=window_days)
            .select(keys)
            .unique()
        )
        every = incidents.group_by(keys).agg(spans)
        name = pl.concat_str(
            [pl.col(k).cast(pl.String) for k in keys], separator="/", ignore_nulls=True
        )
        label = pl.when(name.fill_null("") == "").then(pl.lit("(unnamed source)"))
        per = every.join(supplying, on=keys, nulls_equal=True).with_columns(
            (label.otherwise(name) if every.height > 1 else pl.lit("")).alias("label")
        )
    else:
        per = incidents.select(spans).with_columns(pl.lit("").alias("label"))
    start = at - dt.timedelta(days=window_days)
    latest = per["end"].max() if per.height else None
    data_end = min(at, latest) if isinstance(latest, dt.datetime) else at
    return per.with_columns(
        (pl.col("first") > start + dt.timedelta(days=1))
        .fill_null(value=False)
        .alias("late"),
        (pl.col("end") < data_end - dt.timedelta(days=1))
        .fill_null(value=False)
        .alias("early"),
        pl.col("cut", "held", "past").fill_null(""),
    ).sort("first", "label")


def _incomplete() -> pl.Expr:
    """True for a source of :func:`_source_coverage` that does not cover both halves."""
    return (
        pl.col("late")
        | pl.col("early")
        | (pl.col("cut") != "")
        | (pl.col("held") != "")
        | (pl.col("past") != "")
    )


def _months_cut_at_start(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> str:
    """The months (``2024-01, ...``) of the month-dated incidents the window leaves
    out although their month runs more than a day into it; empty when none.

    Such a month is missing from the trend's earlier half while the later half is
    whole: 365 days to the end of a leap year's December start on 1 January 23:59
    and leave January out, so a flat place reads as growing.
    """
    if incidents.height == 0 or "time_precision" not in incidents.columns:
        return ""
    cut = incidents.filter(_cut_at_start(incidents, at=at, window_days=window_days))
    return ", ".join(
        cut["occurred_from"].dt.strftime("%Y-%m").unique().sort().to_list()
    )


def _cut_at_start(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> pl.Expr:
    """True for a month-dated record the window leaves out although its month runs
    more than a day into it (:func:`_months_cut_at_start`)."""
    if "time_precision" not in incidents.columns:
        return pl.lit(value=False)
    start = at - dt.timedelta(days=window_days)
    t = pl.col("occurred_from")
    return (
        (pl.col("time_precision") == "month")
        & (t <= start)
        & (t.dt.truncate("1mo").dt.offset_by("1mo") > start + dt.timedelta(days=1))
    ).fill_null(value=False)


#: How far the window's midpoint may fall inside a month of month-dated records
#: (from its nearer end) for them still to count in one half, at the month's middle.
MIDPOINT_SLACK: Final = dt.timedelta(days=7)


def _months_at_midpoint(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> str:
    """The months (``2022-02, ...``) of the window's month-dated incidents whose
    month holds the window's midpoint more than :data:`MIDPOINT_SLACK` from both
    its ends; empty when none.

    Their records count at the middle of their month, so a window of about a month
    put a whole month in its later half: ``--at 2022-02-28 --days 28`` on police.uk
    data read every place as growing (+62, +53, ...). 365 days to the end of a
    December hold 1 July 1.5 days before the midpoint: still counted.
    """
    if incidents.height == 0 or "time_precision" not in incidents.columns:
        return ""
    held = incidents.filter(_at_midpoint(incidents, at=at, window_days=window_days))
    return ", ".join(
        held["occurred_from"].dt.strftime("%Y-%m").unique().sort().to_list()
    )


def _past_end(incidents: pl.DataFrame, *, at: dt.datetime) -> pl.Expr:
    """True for a month-dated record of the window whose month runs more than a day
    past ``at``: the window holds the whole month (a record is dated its month's
    first instant) though only part of it is before ``at``, so the later half counts
    a whole month of that source against the days it covers (a 375-day window to
    10 December holds December 2026 whole: a flat 30 records a month read +30)."""
    if "time_precision" not in incidents.columns:
        return pl.lit(value=False)
    t = pl.col("occurred_from")
    return (
        (pl.col("time_precision") == "month")
        & (t <= at)
        & (t.dt.offset_by("1mo") > at + dt.timedelta(days=1))
    ).fill_null(value=False)


def _at_midpoint(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> pl.Expr:
    """True for a month-dated record of the window whose month holds its midpoint
    more than :data:`MIDPOINT_SLACK` from both its ends (:func:`_months_at_midpoint`)."""
    if "time_precision" not in incidents.columns:
        return pl.lit(value=False)
    start = at - dt.timedelta(days=window_days)
    mid = at - dt.timedelta(days=window_days / 2)
    t = pl.col("occurred_from")
    end = t.dt.offset_by("1mo")
    return (
        (pl.col("time_precision") == "month")
        & (t > start)
        & (t <= at)
        & (t + MIDPOINT_SLACK < mid)
        & (end - MIDPOINT_SLACK > mid)
    ).fill_null(value=False)


def _no_trend_note(
    incidents: pl.DataFrame,
    *,
    at: dt.datetime,
    window_days: int,
    coverage: pl.DataFrame,
) -> str | None:
    """Why the window gives no trend (its earlier half is short of records), or None.

    Month-dated incidents left out at the window's start
    (:func:`_months_cut_at_start`), else holding its midpoint
    (:func:`_months_at_midpoint`), else the first source that starts inside the
    window (later minus earlier would read as growth), else the first that stops
    inside it (a fall), else month-dated incidents whose month runs past its end
    (:func:`_past_end`: growth): named when no source of ``coverage``
    (:func:`_source_coverage`) covers both halves. When some do, the trend is
    taken from theirs (None here; :func:`_partial_trend_note`).
    """
    if coverage.filter(~_incomplete()).height:
        return None  # a source covers both halves: the trend is taken from those
    cut = _months_cut_at_start(incidents, at=at, window_days=window_days)
    if cut:
        return (
            f"Trend unavailable: the month-dated incidents of {cut} are left out at "
            "the window's start (their month runs more than a day into it), so its "
            "earlier half is short of them (later minus earlier would read as "
            "growth). A window starting before that month's first instant gives the "
            "trend (it holds only what comes after its start: a year of months to "
            "its end needs 366 days, 367 in a leap year)."
        )
    held = _months_at_midpoint(incidents, at=at, window_days=window_days)
    if held:
        return (
            f"Trend unavailable: the month-dated incidents of {held} have no day and "
            "their month holds the window's midpoint, so they cannot be placed in "
            "its earlier or later half (a window of an even number of whole months, "
            "such as 6 or 12 to a month's end, has its midpoint at a month's turn "
            "and gives the trend)."
        )
    uncovered = coverage.filter("late")
    if uncovered.height:
        row = uncovered.row(0, named=True)
        whose = f"of {row['label']} " if row["label"] else ""
        return (
            f"Trend unavailable: the incidents {whose}start "
            f"{row['first'].date().isoformat()}, inside the {window_days}-day window, "
            "so its earlier half is not covered (later minus earlier would read as "
            "growth)."
        )
    ended = coverage.filter("early").sort("end")
    if ended.height:
        row = ended.row(0, named=True)
        return (
            f"Trend unavailable: the incidents of {row['label']} end "
            f"{_last_day(row['end'])}, inside the {window_days}-day window, so its "
            "later half is not covered for them (later minus earlier would read as "
            "a fall)."
        )
    past = coverage.filter(pl.col("past") != "")
    if past.height:
        return (
            f"Trend unavailable: the month-dated incidents of {past['past'][0]} are "
            "in the window whole although their month runs more than a day past its "
            "end, so its later half holds a whole month against part of one (later "
            "minus earlier would read as growth). A window to that month's end gives "
            "the trend."
        )
    return None


def _last_day(end: dt.datetime) -> str:
    """The day of a source's last instant (``end`` of a month-dated record is the
    next month's first instant: its last day is the month's last)."""
    return (end - dt.timedelta(microseconds=1)).date().isoformat()


def _mark_trend_records(inc: pl.DataFrame, left_out: pl.DataFrame) -> pl.DataFrame:
    """``inc`` with ``in_trend``: False for the records of the ``left_out`` sources
    (their :data:`COVERAGE_KEYS`), True for the rest; rows in their order."""
    keys = [k for k in COVERAGE_KEYS if k in inc.columns]
    out = left_out.select(keys).with_columns(pl.lit(value=False).alias("in_trend"))
    return inc.join(
        out, on=keys, how="left", nulls_equal=True, maintain_order="left"
    ).with_columns(pl.col("in_trend").fill_null(value=True))


def _partial_trend_note(
    coverage: pl.DataFrame,
    *,
    window_days: int,
    no_trend: dict[str, int],
    part_trend: dict[str, int] | None = None,
) -> str:
    """Say which sources the trend leaves out and why, how many places and people
    have no trend for it (``no_trend``: per dimension, those whose records in the
    window all come from the sources left out), and how many have a trend of part
    of their records (``part_trend``: some of theirs are left out; each is marked
    by ``n_left_out_of_trend``, a ``*`` in the table)."""
    incomplete = _incomplete()
    kept = coverage.filter(~incomplete)["label"].to_list()
    whose = ", ".join(kept) if len(kept) <= 3 else f"{len(kept):,} sources"
    reasons = []
    for row in coverage.filter(incomplete).iter_rows(named=True):  # sources: few
        of = f"the incidents of {row['label']}"
        if row["late"]:
            reasons.append(
                f"{of} start {row['first'].date().isoformat()}, inside the "
                f"{window_days}-day window (its earlier half is not covered: later "
                "minus earlier would read as growth)"
            )
        if row["early"]:
            reasons.append(
                f"{of} end {_last_day(row['end'])}, more than a day before the "
                "others (its later half is not covered: later minus earlier would "
                "read as a fall)"
            )
        if row["cut"]:
            reasons.append(
                f"the month-dated {of.removeprefix('the ')} of {row['cut']} are "
                "left out at the window's start, though their month runs more than "
                "a day into it (its earlier half is short of them)"
            )
        if row["held"]:
            reasons.append(
                f"the month-dated {of.removeprefix('the ')} of {row['held']} have "
                "the window's midpoint inside their month (they are in neither half)"
            )
        if row["past"]:
            reasons.append(
                f"the month-dated {of.removeprefix('the ')} of {row['past']} are in "
                "the window whole although their month runs more than a day past its "
                "end (its later half holds a whole month against part of one)"
            )
    missing = [
        f"{n:,} {dimension}{'' if n == 1 else 's'}"
        for dimension, n in no_trend.items()
        if n
    ]
    partial = [
        f"{n:,} {dimension}{'' if n == 1 else 's'}"
        for dimension, n in (part_trend or {}).items()
        if n
    ]
    return (
        f"Trend from the records of {whose} only: "
        + "; ".join(reasons)
        + ". Their records count in the incidents and harm, not in the trend"
        + (
            f"; {_and(missing)} with no other record in the window "
            f"{_has(missing)} no trend (n/a)"
            if missing
            else ""
        )
        + (
            f"; the trend of {_and(partial)} leaves out some of {_their(partial)} "
            "records (marked * in the table, n_left_out_of_trend in JSON)"
            if partial
            else ""
        )
        + "."
    )


def _has(counted: Sequence[str]) -> str:
    """ "has" after one thing counted ("1 place"), else "have"."""
    return "has" if len(counted) == 1 and counted[0].startswith("1 ") else "have"


def _their(counted: Sequence[str]) -> str:
    """ "its" after one thing counted ("1 place"), else "their"."""
    return "its" if len(counted) == 1 and counted[0].startswith("1 ") else "their"


def _and(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _harm_notes(window: pl.DataFrame) -> list[str]:
    """What the window's incidents say of harm: none when every one has a weight."""
    if "harm_days" not in window.columns:
        return [
            "No harm_days column: harm is unavailable (run 'avert classify'); ranked by count."
        ]
    if n_no_harm := window["harm_days"].null_count():
        return [
            f"{n_no_harm:,} incidents of the window have no harm weight: they count as 0 "
            "harm days in the totals and in the highest-harm-first order."
        ]
    return []


def _volt_params(
    *,
    at: dt.datetime,
    window_days: int,
    cell_size_m: float | None,
    offender_roles: Sequence[str],
    priority_top: float,
    n_incidents: int,
) -> dict[str, Any]:
    """The ``params`` of a VOLT result."""
    return {
        "at": at,
        "window_days": window_days,
        "from": at - dt.timedelta(days=window_days),
        "place_unit": "lsoa" if cell_size_m is None else "cell",
        "cell_size_m": cell_size_m,
        "offender_roles": list(offender_roles),
        "priority_top": priority_top,
        "population": "every victim, offender and place with at least one incident in the window",
        "n_incidents": n_incidents,
    }


def _trend_sources(
    inc: pl.DataFrame, incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> tuple[pl.DataFrame, pl.DataFrame, str | None]:
    """Source coverage of the window, the note when no trend can be given, and the
    window's incidents marked for the trend when only some sources cover it."""
    coverage = _source_coverage(incidents, at=at, window_days=window_days)
    no_trend_note = _no_trend_note(
        incidents, at=at, window_days=window_days, coverage=coverage
    )
    partial = no_trend_note is None and bool(coverage.filter(_incomplete()).height)
    if partial:  # the trend from the sources covering both halves only
        inc = _mark_trend_records(inc, coverage.filter(_incomplete()))
    return inc, coverage, no_trend_note


def _volt_places(
    inc: pl.DataFrame,
    cell_size_m: float | None,
    *,
    at: dt.datetime,
    window_days: int,
    notes: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The placed incidents and the place profile; a note on the unplaced ones."""
    place_keyed = _place_keyed(inc, cell_size_m)
    places = _profile(place_keyed, "place_id", at=at, window_days=window_days)
    n_unplaced = inc.height - place_keyed.height
    if n_unplaced and place_keyed.height:
        notes.append(
            f"{n_unplaced:,} incidents of the window have no "
            f"{'area (LSOA)' if cell_size_m is None else 'coordinates'} and are not in "
            "the place profile."
        )
    return place_keyed, places


def _volt_people(
    inc: pl.DataFrame,
    involvements: pl.DataFrame | None,
    *,
    at: dt.datetime,
    window_days: int,
    cell_size_m: float | None,
    offender_roles: Sequence[str],
    priority_top: float,
    notes: list[str],
) -> tuple[
    pl.DataFrame, pl.DataFrame, list[dict[str, Any]], dict[str, Any], pl.DataFrame
]:
    """Victim and offender profiles, their summary rows, overlaps and meeting places."""
    if involvements is None:
        notes.append(
            "No involvements (open data): victim and offender profiles are unavailable."
        )
        empty = pl.DataFrame(schema=_PEOPLE_SCHEMA)
        return empty, empty, [], {}, pl.DataFrame(schema={"place_id": pl.String})
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    joined = _window_involvements(
        inc,
        involvements,
        at=at,
        window_days=window_days,
        cell_size_m=cell_size_m,
        with_place=True,
    )
    victims, offenders, people_rows = _people_profiles(
        joined, offender_roles, at=at, window_days=window_days
    )
    overlaps, meet = volt_overlaps(
        inc,
        involvements,
        at=at,
        window_days=window_days,
        cell_size_m=cell_size_m,
        offender_roles=offender_roles,
        priority_top=priority_top,
        profiles=(victims, offenders),
        joined=joined,
    )
    notes += cut_tie_note(
        offenders,
        overlaps["n_priority_offenders"],
        what="offenders",
        listed=(
            f"the set of priority offenders (top {priority_top:g}: "
            f"{overlaps['n_priority_offenders']:,} of {offenders.height:,})"
        ),
    )
    return victims, offenders, people_rows, overlaps, meet


def volt_profiles(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    at: dt.datetime,
    window_days: int = 365,
    cell_size_m: float | None = None,
    offender_roles: Sequence[str] = ("offender",),
    priority_top: float = 0.05,
    n_priority_places: int = 20,
) -> VoltResult:
    """Victim, offender, location and time profiles with their overlaps.

    Parameters
    ----------
    incidents
        ``incident_id``, ``occurred_from``, ``time_precision``, ``lsoa`` or ``x``/``y``;
        optional ``harm_days``. Restrict to the definition (e.g. violence) first.
    involvements
        ``incident_id``, ``person_id``, ``role``; ``None`` (open data) gives place and
        time profiles only.
    at, window_days
        Profiles cover ``(at - window_days, at]``.
    cell_size_m
        Places are grid cells of this size; ``None`` means LSOA.
    offender_roles
        Roles that make a person an offender.
    priority_top
        Fraction of offenders that are priority (overlaps).
    n_priority_places
        How many of the highest-harm places get peak times.

    Returns
    -------
    VoltResult
    """
    inc = _ordered_window(incidents, at=at, window_days=window_days)
    notes = _harm_notes(inc)
    cell_size_m, _ = _place_unit(inc, cell_size_m, notes)
    inc, coverage, no_trend_note = _trend_sources(
        inc, incidents, at=at, window_days=window_days
    )
    place_keyed, places = _volt_places(
        inc, cell_size_m, at=at, window_days=window_days, notes=notes
    )
    how, months, n_inexact = time_profiles(inc)
    notes += _window_time_notes(
        inc, incidents, how, n_inexact, at=at, window_days=window_days
    )
    victims, offenders, people_rows, overlaps, meet = _volt_people(
        inc,
        involvements,
        at=at,
        window_days=window_days,
        cell_size_m=cell_size_m,
        offender_roles=offender_roles,
        priority_top=priority_top,
        notes=notes,
    )
    summaries = [*people_rows, _repeat_summary(places, "place", place_keyed)]
    places, victims, offenders = _trend_coverage_notes(
        (places, victims, offenders),
        coverage,
        no_trend_note=no_trend_note,
        window_days=window_days,
        notes=notes,
    )
    peaks = _peak_times(inc, places.head(n_priority_places), cell_size_m=cell_size_m)
    places, peaks, meet = _named_places(
        inc, (places, peaks, meet), cell_size_m=cell_size_m, notes=notes
    )
    return VoltResult(
        frame=pl.DataFrame(summaries, schema=_SUMMARY_SCHEMA),
        params=_volt_params(
            at=at,
            window_days=window_days,
            cell_size_m=cell_size_m,
            offender_roles=offender_roles,
            priority_top=priority_top,
            n_incidents=inc.height,
        ),
        method="VOLT profiles (counts, harm, repeats, trend), time profiles, overlaps",
        source=_SOURCE,
        notes=tuple(notes),
        victims=victims,
        offenders=offenders,
        places=places,
        hour_of_week=how,
        months=months,
        overlaps=overlaps,
        meeting_places=meet,
        peak_times=peaks,
    )


def _ordered_window(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> pl.DataFrame:
    """The incidents of ``(at - window_days, at]`` (:func:`window_incidents`), the
    window and the columns checked first, in one order whatever order the rows
    came in (SQLite and PostgreSQL return equal times differently): the harm sums
    are float sums and would follow it."""
    _check_window(window_days)
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    return window_incidents(incidents, at=at, window_days=window_days).sort(
        "occurred_from", "incident_id"
    )


def _window_time_notes(
    inc: pl.DataFrame,
    incidents: pl.DataFrame,
    how: pl.DataFrame | None,
    n_inexact: int,
    *,
    at: dt.datetime,
    window_days: int,
) -> list[str]:
    """The notes on the window's times: how the time profile counts inexact times
    (:func:`_time_notes`; an empty window says why, :func:`_empty_window_note`),
    then months cut by the window's edges (:func:`_month_edge_notes`) and dates
    alone on its edge days (:func:`_edge_day_notes`). ``inc``: the window's
    incidents; ``incidents``: all given."""
    first = (
        _time_notes(how, n_inexact, inc)
        if inc.height
        else _empty_window_note(incidents, at=at, window_days=window_days)
    )
    return [
        *first,
        *_month_edge_notes(incidents, at=at, window_days=window_days),
        *_edge_day_notes(inc, at=at, window_days=window_days),
    ]


def _named_places(
    inc: pl.DataFrame,
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    *,
    cell_size_m: float | None,
    notes: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The places, peak times and meeting places (``frames``) with their places'
    names (:func:`_place_names` of the window's incidents ``inc``); on a grid, a
    note appended to ``notes`` for cells shared by several named areas
    (:func:`_shared_cells_note`)."""
    places, peaks, meet = frames
    names = _place_names(inc, cell_size_m)
    if cell_size_m is not None:
        notes += _shared_cells_note(places, names)
    return (
        _with_names(places, names),
        _with_names(peaks, names),
        _with_names(meet, names),
    )


def _trend_coverage_notes(
    profiles: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    coverage: pl.DataFrame,
    *,
    no_trend_note: str | None,
    window_days: int,
    notes: list[str],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The place, victim and offender profiles with the trend's coverage applied,
    and its note added to ``notes``: every trend null with ``no_trend_note``; else,
    when sources were left out of the trend (:func:`_mark_trend_records`), the note
    that names them and counts the entities left without a trend."""
    if no_trend_note is not None:
        notes.append(no_trend_note)
        null_trend = pl.lit(None, pl.Int64).alias("trend")
        every_left_out = pl.col("n_incidents").alias("n_left_out_of_trend")
        places, victims, offenders = (
            p.with_columns(null_trend, every_left_out) for p in profiles
        )
        return places, victims, offenders
    if coverage.filter(_incomplete()).height:
        names = ("place", "victim", "offender")
        no_trend = {
            name: frame["trend"].null_count()
            for name, frame in zip(names, profiles, strict=True)
            if "trend" in frame.columns  # no people: open data
        }
        part_trend = {
            name: frame.filter(
                pl.col("trend").is_not_null() & (pl.col("n_left_out_of_trend") > 0)
            ).height
            for name, frame in zip(names, profiles, strict=True)
            if "trend" in frame.columns
        }
        notes.append(
            _partial_trend_note(
                coverage,
                window_days=window_days,
                no_trend=no_trend,
                part_trend=part_trend,
            )
        )
    return profiles


def _month_edge_notes(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> list[str]:
    """Month-dated incidents whose month crosses an end of the window ``(start, at]``.

    A month-precision record (data.police.uk) is dated the first instant of its
    month, so a window starting inside (or at the start of) a month leaves that
    month out, and one ending inside a month holds the whole of it: ``--at
    2018-07-31 --days 30`` holds no July record, ``--at 2019-07-01 --days 30`` holds
    July and no June. The window is kept as documented; the notes say so (a month
    that runs less than a day past ``at``, as with ``--at 2019-07-31``, is not named).
    """
    return month_edge_notes(
        incidents, start=at - dt.timedelta(days=window_days), end=at, closed="right"
    )


def _empty_window_note(
    incidents: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> list[str]:
    """Say that the window holds no incident, and when those given fall (an empty
    window said only "Time of day is unavailable ... data.police.uk gives the month
    only", of no incident at all)."""
    when = incidents["occurred_from"].drop_nulls()
    first, last = when.min(), when.max()
    span = (
        f"; the incidents read run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        if isinstance(first, dt.date) and isinstance(last, dt.date)
        else ""
    )
    return [
        f"No incident in the window ({window_days:,} days to {at:%Y-%m-%d %H:%M}): "
        f"every profile is empty{span}."
    ]


def _edge_day_notes(
    inc: pl.DataFrame, *, at: dt.datetime, window_days: int
) -> list[str]:
    """The window's records dated alone left out of the trend by
    :func:`_day_in_trend` (the noon of their day, the window's first or last, is
    outside it), counted; none when there are none."""
    if inc.height == 0 or "time_precision" not in inc.columns:
        return []
    out = inc.select(_precision(inc), "occurred_from").filter(
        ~_day_in_trend(at=at, window_days=window_days)
    )
    if not out.height:
        return []
    days = ", ".join(out["occurred_from"].dt.strftime("%Y-%m-%d").unique().sort())
    one = out.height == 1
    return [
        f"{out.height:,} incident{'' if one else 's'} dated alone "
        f"({days}) {'is' if one else 'are'} in the window, {'its' if one else 'their'}"
        " day overlapping its start or end, but not in the trend: it counts a record "
        "dated alone at its day's noon, and that noon is outside the window (so the "
        "halves compare as many days of them each; marked * in the table)."
    ]


def _time_notes(
    how: pl.DataFrame | None, n_inexact: int, incidents: pl.DataFrame
) -> list[str]:
    """What the time profiles leave out (no known hour, or some), and why: the
    records dated by the day alone and by the month only counted apart (a window
    of dates alone was said to lack times because "data.police.uk gives the month
    only")."""
    by = (
        incidents.get_column("time_precision").value_counts()
        if "time_precision" in incidents.columns
        else pl.DataFrame({"time_precision": [], "count": []})
    )
    n = dict(zip(by["time_precision"].to_list(), by["count"].to_list(), strict=True))
    day, month = n.get("day", 0), n.get("month", 0)
    parts = [
        *([f"{day:,} dated by the day alone, stored at 00:00"] if day else []),
        *([_month_only(month, incidents)] if month else []),
    ]
    why = f" ({'; '.join(parts)})" if parts else ""
    if how is None:
        return [
            "Time of day is unavailable: no incident in the window has a known hour"
            f"{why}. Months are reported."
        ]
    if n_inexact:
        return [
            f"Hour-of-week leaves out {n_inexact:,} incidents whose hour is not "
            f"known{why}."
        ]
    return []


def _month_only(month: int, incidents: pl.DataFrame) -> str:
    """The ``month`` month-only records of ``incidents`` in words, naming
    data.police.uk only for those its loads gave (``source`` ``policeuk…``): a
    table mapped with ``avert ingest table`` may give months only too, and was
    said to be "as data.police.uk gives"."""
    n_policeuk = (
        incidents.filter(
            (pl.col("time_precision") == "month")
            & pl.col("source").cast(pl.String).str.starts_with("policeuk")
        ).height
        if "source" in incidents.columns
        else 0
    )
    words = f"{month:,} by the month only"
    if n_policeuk == month:
        return f"{words}, as data.police.uk gives"
    if n_policeuk:
        return f"{words}, {n_policeuk:,} of them from data.police.uk"
    return words


def _people_profiles(
    joined: pl.DataFrame,
    offender_roles: Sequence[str],
    *,
    at: dt.datetime,
    window_days: int,
) -> tuple[pl.DataFrame, pl.DataFrame, list[dict[str, Any]]]:
    """Victim and offender profiles and their summary rows (victim first)."""
    victim_keyed = _people_keyed(joined, ("victim",))
    offender_keyed = _people_keyed(joined, offender_roles)
    victims = _profile(victim_keyed, "person_id", at=at, window_days=window_days)
    offenders = _profile(offender_keyed, "person_id", at=at, window_days=window_days)
    summaries = [
        _repeat_summary(victims, "victim", victim_keyed),
        _repeat_summary(offenders, "offender", offender_keyed),
    ]
    return victims, offenders, summaries
