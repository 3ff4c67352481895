"""Workflows of the place statistics: near repeat (Knox), Gi* and emerging hotspots.

Events come from the store (violence of the definition profile when classified, else
every incident) or from a CSV/Parquet file with ``x``, ``y`` and ``occurred_at``
(:func:`avert.workflows.forecast.events_from_csv`). Grids are anchored at the CRS
origin, so cells carry avert's stable cell ids, and cover the bulk of the events: a
few far from it (a mis-geocoded place) are left out with a note
(:func:`avert.analyse.forecast.bulk_events`), as the patrol grid's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse._window import month_edge_notes, period_length, started_by
from avert.analyse.forecast import Events, Grid, bulk_events, to_days
from avert.analyse.gistar import (
    EMERGING_PATTERNS,
    NO_COLD_SPOT,
    GiStarResult,
    emerging_hotspots,
    gi_star,
    mann_kendall,
)
from avert.analyse.nearrepeat import (
    MONTH_ONLY_MIN_EVENTS,
    Distance,
    KnoxResult,
    knox_test,
)
from avert.config.places import NEAR_REPEAT_DOMESTIC, DomesticZones
from avert.errors import ConfigError
from avert.workflows._forces import mixed_forces_note, refuse_far_forces

__all__ = [
    "STUDY_AREAS",
    "EmergingResult",
    "NearRepeatTest",
    "NearRepeatZones",
    "StudyArea",
    "count_grid",
    "near_repeat_test",
    "near_repeat_zones",
    "run_emerging",
    "run_gistar",
    "run_near_repeat",
    "zones_of_window",
]


def _window(
    events: pl.DataFrame, date_from: dt.datetime | None, date_to: dt.datetime | None
) -> pl.DataFrame:
    if date_from is not None:
        events = events.filter(pl.col("occurred_at") >= date_from)
    if date_to is not None:
        events = events.filter(pl.col("occurred_at") < date_to)
    if events.height == 0:
        msg = "No events with coordinates and a time in the window."
        raise ConfigError(msg)
    return events


def count_grid(
    events: pl.DataFrame, cell_size_m: float
) -> tuple[Grid, npt.NDArray[np.float64], Events]:
    """Return the anchored grid over ``events``, counts per cell ``(ny, nx)`` and events."""
    grid = Grid.anchored(
        events["x"].to_numpy().astype(np.float64),
        events["y"].to_numpy().astype(np.float64),
        cell_size_m,
    )
    ev = Events.from_frame(events, grid)
    counts = np.bincount(ev.cell, minlength=grid.n_cells).astype(np.float64)
    return grid, counts.reshape(grid.shape), ev


def _cell_ids(frame: pl.DataFrame, grid: Grid) -> pl.DataFrame:
    s = grid.cell_size_m
    label = f"{int(s)}m" if float(s).is_integer() else f"{s}m"
    i0 = round(grid.origin_xy[0] / s)
    j0 = round(grid.origin_xy[1] / s)
    return frame.with_columns(
        cell_id=pl.format(
            "{}:E{}:N{}", pl.lit(label), pl.col("col") + i0, pl.col("row") + j0
        ),
        x=grid.origin_xy[0] + (pl.col("col") + 0.5) * s,
        y=grid.origin_xy[1] + (pl.col("row") + 0.5) * s,
    )


def run_near_repeat(
    events: pl.DataFrame,
    *,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    space_bands_m: Sequence[float] = (0, 100, 200, 300, 400, 500),
    time_bands_days: Sequence[float] = (0, 7, 14, 21, 28),
    n_sims: int = 99,
    seed: int = 0,
    max_pairs: int | None = None,
    distance: Distance = "euclidean",
    domestic: DomesticZones | None = None,
) -> KnoxResult:
    """Knox test of the window's events (see :func:`avert.analyse.nearrepeat.knox_test`).

    ``domestic``: ``"exclude"`` leaves the events flagged ``domestic`` out of the
    test, as the briefing's zones do (``near_repeat.domestic`` in places.toml,
    :func:`_without_domestic`), ``"include"`` keeps them; either is echoed in
    ``params`` with a note counting them. ``None``: the events as given (a caller
    that chose them already, :func:`near_repeat_zones`). Events carrying their
    force (``force`` and ``source``) of several forces are named in a note
    (:func:`avert.workflows._forces.mixed_forces_note`): their pairs are counted
    and their times permuted together, as one place and period.
    """
    window = _window(events, date_from, date_to)
    tested = window if domestic is None else _without_domestic(window, domestic)[0]
    if tested.height == 0:  # as an empty window: not a table of p = 1.0
        msg = (
            f"Nothing to test: all {window.height:,} events of the window are "
            'flagged domestic and left out (near_repeat.domestic = "exclude" or '
            "--no-domestic); --domestic keeps them."
        )
        raise ConfigError(msg)
    knox = knox_test(
        tested,
        space_bands_m=space_bands_m,
        time_bands_days=time_bands_days,
        n_sims=n_sims,
        seed=seed,
        max_pairs=max_pairs,
        distance=distance,
    )
    forces = tuple(mixed_forces_note(tested, advice="police_force"))
    if domestic is None:
        return replace(knox, notes=(*knox.notes, *forces)) if forces else knox
    return replace(
        knox,
        params={**knox.params, "domestic": domestic},
        notes=(*knox.notes, *forces, _knox_domestic_note(window, domestic)),
    )


def _knox_domestic_note(window: pl.DataFrame, domestic: DomesticZones) -> str:
    """What the Knox test did with the window's domestic incidents: how many it
    left out or kept, or that the events carry no flag to tell them apart."""
    if "domestic" not in window.columns or window["domestic"].null_count() == len(
        window
    ):
        return (
            "The events carry no domestic flag: domestic incidents, if any, are in "
            "the test (none could be told apart)."
        )
    n = int(window.select(pl.col("domestic").fill_null(value=False).sum()).item())
    if domestic == "include":
        return (
            f"{n:,} domestic incidents kept in the test (--domestic, or "
            'near_repeat.domestic = "include" in places.toml).'
        )
    return (
        f"{n:,} domestic incidents left out of the test (--no-domestic, or "
        'near_repeat.domestic = "exclude" in places.toml, the default; --domestic '
        "keeps them): a repeat at a victim's home is repeat victimisation, not a "
        "near repeat around it."
    )


def _check_cells(n_cells: int, cell_size_m: float) -> None:
    """Gi* compares a cell with the whole grid: refuse a grid under 3 cells, saying
    which options give more of them."""
    if n_cells < 3:
        msg = (
            f"Gi* needs a grid of at least 3 cells: the window's events lie in "
            f"{n_cells} cell(s) of {cell_size_m:g} m. Give a smaller --cell or "
            "a longer window."
        )
        raise ConfigError(msg)


#: Gi*'s study area: ``grid``, every cell of the box around the window's events;
#: ``active``, the cells of that box with an event anywhere in the data given
StudyArea = Literal["grid", "active"]
STUDY_AREAS: tuple[StudyArea, ...] = ("grid", "active")


def run_gistar(
    events: pl.DataFrame,
    *,
    cell_size_m: float = 150.0,
    date_from: dt.datetime | None = None,
    date_to: dt.datetime | None = None,
    radius: int = 1,
    alpha: float = 0.05,
    study_area: StudyArea = "grid",
) -> GiStarResult:
    """Gi* of the window's counts per cell; the frame gains ``cell_id``, ``x``, ``y``.

    The grid covers the bulk of the window's events; those left out far from it
    are counted in a last note (:func:`avert.analyse.forecast.bulk_events`).
    Events of several forces or sources (``force`` and ``source`` columns, when
    given) are named in a note (:func:`avert.workflows._forces.mixed_forces_note`):
    West Yorkshire's July 2018, City of London's 2019 and the synthetic city were
    tested as one grid with no word. ``study_area="active"`` tests only the cells where events happen: those with an
    event in ``events`` before ``date_to`` (the whole history of the store or file
    up to the window's end, not only the window, and nothing after it, so later
    records do not change a past window's answer); the others are outside the
    study area (:func:`_active_cells`).
    """
    if study_area not in STUDY_AREAS:
        msg = f"study_area must be one of {', '.join(STUDY_AREAS)}; got {study_area!r}."
        raise ConfigError(msg)
    bulk, stray = bulk_events(_window(events, date_from, date_to), grid="Gi* grid")
    refuse_far_forces(bulk, cell_size_m, what="Gi* grid")
    grid, counts, _ = count_grid(bulk, cell_size_m)
    _check_cells(counts.size, cell_size_m)
    if study_area == "active":
        counts = _active_cells(_window_end(events, date_to), grid, counts)
    res = gi_star(counts, radius=radius, alpha=alpha)
    # over the active cells the box's empty ground is out of the study area
    sparse = (
        _sparse_grid_note(bulk, counts, res.spot, cell_size_m)
        if study_area == "grid"
        else None
    )
    hint = (
        (
            "study_area='active' (analyse gistar --study-area active) tests only the "
            "cells with an event in the data read before the window's end.",
        )
        if study_area == "grid" and any(n.startswith(NO_COLD_SPOT) for n in res.notes)
        else ()
    )
    empty_hot = _empty_hot_note(counts, res) if study_area == "grid" else None
    own = tuple(
        _active_note(n, counts) if study_area == "active" else n for n in res.notes
    )
    if study_area == "active":
        own = (*own, *_no_history_note(counts))
    notes = (
        *own,
        *mixed_forces_note(bulk, advice="police_force"),
        *hint,
        *(n for n in (empty_hot, stray, sparse) if n),
        *_month_edges(events, date_from, date_to),
    )
    return replace(
        res,
        frame=_cell_ids(res.frame, grid),
        notes=notes,
        params={**res.params, "study_area": study_area},
    )


def _month_edges(
    events: pl.DataFrame, date_from: dt.datetime | None, date_to: dt.datetime | None
) -> list[str]:
    """Month-only records (data.police.uk) that a ``--from``/``--to`` inside their
    month leaves out or takes in whole (:func:`avert.analyse._window.month_edge_notes`):
    ``--from 2019-03-15`` on police.uk months silently dropped all of March's."""
    if "time_precision" not in events.columns:
        return []
    return month_edge_notes(
        events.rename({"occurred_at": "occurred_from"}),
        start=date_from,
        end=date_to,
        closed="left",
    )


def _active_note(note: str, counts: npt.NDArray[np.float64]) -> str:
    """Gi*'s count of the cells outside the study area, said of the active cells
    (the API's "NaN or masked" means nothing on the command line)."""
    if "cells outside the study area (NaN or masked)" not in note:
        return note
    inside = int(np.isfinite(counts).sum())
    return (
        f"The study area is the {inside:,} cells with an event in the data read "
        f"before the window's end; the box's other {counts.size - inside:,} cells are outside the "
        "study area and left out (--study-area grid tests them too)."
    )


def _no_history_note(counts: npt.NDArray[np.float64]) -> tuple[str, ...]:
    """Say when every active cell holds an event of the window (a store of that
    window alone): the study area is then chosen from the very counts Gi* tests,
    so "hot" is against the cells with an event in the window, and no tested
    cell is empty, nor cold for being empty (West Yorkshire's July 2018: 144 hot and 0
    cold of 5,253 cells, all with an event, said without a word)."""
    tested = counts[np.isfinite(counts)]
    if tested.size == 0 or float(tested.min()) <= 0:
        return ()
    return (
        f"Every one of the {tested.size:,} cells tested holds an event of the "
        "window: the data read has no history before it, so the study area is "
        "chosen from the counts tested. 'Hot' is against the cells with an event "
        "in the window, and no cell without one is tested: a cold spot can be "
        "a patch of few events, never one of none. Data with earlier months (or a "
        "later --from) gives a history in which a cell with none in the window "
        "can be cold.",
    )


#: Over a box at least this share empty, :func:`run_gistar` says what "hot" means
EMPTY_BOX_SHARE = 0.5


def _empty_hot_note(counts: npt.NDArray[np.float64], res: GiStarResult) -> str | None:
    """Say how many hot cells of a mostly empty box hold no event, and how few
    events a hot neighbourhood needs: Gi* compares each neighbourhood with the mean
    and spread of the whole grid, and over a force's bounding box (moors, parks,
    water) most cells are empty. On West Yorkshire's violence of July 2018 (150 m
    cells, 97.6 % of 216,376 empty), 3,826 of the 6,816 hot cells held no event and
    a 3 x 3 neighbourhood of 5 events read hot; over the cells with an event (the
    ``active`` study area) 144 cells were hot. The neighbourhood's events are
    ``G* x`` the grid's total (G* is the neighbourhood's share of it)."""
    hot = res.spot == "hot"
    empty_share = float((counts == 0).mean())
    if empty_share < EMPTY_BOX_SHARE or not hot.any():
        return None
    n_empty_hot = int((hot & (counts == 0)).sum())
    fewest = float(np.min(res.g[hot])) * float(np.nansum(counts))
    return (
        f"Over the events' bounding box, {empty_share:.1%} of its cells empty, "
        f"{n_empty_hot:,} of the {int(hot.sum()):,} hot cells hold no event, and a "
        f"neighbourhood of {fewest:.0f} events reads hot: Gi* compares each "
        "neighbourhood with the whole grid, empty ground included. The active study "
        "area (analyse gistar's default) compares it with the cells where events "
        "happen."
    )


def _window_end(events: pl.DataFrame, date_to: dt.datetime | None) -> pl.DataFrame:
    """The events before the window's end, of which :func:`_active_cells` takes the
    study area: a store's later records must not change a past window's answer (on
    London's first quarter of 2022, January's Gi* read 450 hot cells with February
    and March in the store and 268 without them)."""
    if date_to is None:
        return events
    return events.filter(pl.col("occurred_at") < date_to)


def _active_cells(
    events: pl.DataFrame, grid: Grid, counts: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``counts`` with NaN in the cells where no event of ``events`` (any time) fell.

    Gi* compares each cell with the mean of the study area. Over the box around the
    events most cells are empty streets, parks and water, so the mean is far below
    the spread and no cell can be cold (:data:`avert.analyse.gistar.NO_COLD_SPOT`).
    Cells with an event in the longer history are where events happen (open_cp's
    and avert's forecast evaluation call them the active cells); a cell of them with
    none in the window can then be a cold spot. Gi* leaves NaN cells out
    (:func:`avert.analyse.gistar.gi_star`)."""
    ever = Events.from_frame(events, grid)
    active = np.zeros(grid.n_cells, dtype=bool)
    active[ever.cell] = True
    if active.sum() < 3:
        msg = (
            f"Gi* over the active cells needs at least 3 of them: the events lie in "
            f"{int(active.sum())} cell(s) of {grid.cell_size_m:g} m."
        )
        raise ConfigError(msg)
    return np.where(active.reshape(counts.shape), counts, np.nan)


#: A Gi* grid this many times the area of the box holding 98 % of its events
#: (1 %..99 % on each axis) is said to be mostly empty around them
SPARSE_GRID_RATIO = 20.0


def _sparse_grid_note(
    bulk: pl.DataFrame,
    counts: npt.NDArray[np.float64],
    spot: npt.NDArray[np.str_],
    cell_size_m: float,
) -> str | None:
    """Say when a few outlying events (inside the bulk's fences) stretch the grid far
    beyond where the events are: Gi* compares each cell with the whole grid's mean,
    so against a mostly empty grid nearly every cell with events reads hot."""
    x = bulk["x"].cast(pl.Float64).to_numpy()
    y = bulk["y"].cast(pl.Float64).to_numpy()
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return None
    w, h = (
        max(float(np.quantile(v[ok], 0.99) - np.quantile(v[ok], 0.01)), cell_size_m)
        for v in (x, y)
    )
    ny, nx = counts.shape
    if nx * ny * cell_size_m**2 < SPARSE_GRID_RATIO * w * h:
        return None
    occupied = counts > 0
    hot = int((occupied & (spot == "hot")).sum())
    return (
        f"The Gi* grid spans {nx * cell_size_m / 1000:.1f} x "
        f"{ny * cell_size_m / 1000:.1f} km ({nx * ny:,} cells) to take in a few "
        f"outlying events, while 98 % of the events lie within {w / 1000:.1f} x "
        f"{h / 1000:.1f} km: Gi* compares each cell with the whole grid, mostly "
        f"empty, so most cells with events read hot ({hot:,} of the "
        f"{int(occupied.sum()):,} cells with events). Compare the hot cells by z, or "
        "give --events-file with the events of the area itself."
    )


def emerging_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Cells per pattern of :func:`run_emerging`'s output, in its order (patterns
    with no cell left out)."""
    counts = dict(frame["pattern"].value_counts().iter_rows()) if frame.height else {}
    ordered = [p for p in EMERGING_PATTERNS if p in counts]
    return {p: int(counts[p]) for p in [*ordered, *sorted(set(counts) - set(ordered))]}


@dataclass(frozen=True)
class EmergingResult:
    """The cells of :func:`run_emerging` with a pattern, and its notes.

    ``frame``: ``cell_id``, ``x``, ``y``, ``pattern``, ``hot_slices``, ``trend_z``,
    ``trend_p``, newest patterns first. ``notes``: the events left out of the grid
    far from the bulk of the others (empty without such a stray).
    """

    frame: pl.DataFrame
    notes: tuple[str, ...] = ()


def run_emerging(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    slices: int = 12,
    slice_days: float = 7.0,
    cell_size_m: float = 150.0,
    radius: int = 1,
    alpha: float = 0.05,
    slice_months: int | None = None,
    study_area: StudyArea = "grid",
) -> EmergingResult:
    """Emerging hotspot classes over ``slices`` periods of ``slice_days`` before ``at``.

    ``slice_months`` instead cuts calendar months (``at`` the first of a month at
    00:00): slice *k* holds the events dated in its months, so data.police.uk's
    month-only records (dated the first of their month) count in their own month.
    Returns the cells with a pattern other than ``none``, newest patterns first
    (:class:`EmergingResult`). The grid covers the bulk of the window's events;
    those left out far from it are counted in a note
    (:func:`avert.analyse.forecast.bulk_events`). ``study_area="active"`` tests in
    every slice only the cells with an event in ``events`` before ``at`` (any
    slice, or before the first), as :func:`run_gistar` does.
    """
    if study_area not in STUDY_AREAS:
        msg = f"study_area must be one of {', '.join(STUDY_AREAS)}; got {study_area!r}."
        raise ConfigError(msg)
    if slices < 3 or slice_days <= 0 or (slice_months is not None and slice_months < 1):
        msg = "emerging hotspots need at least 3 slices of positive length."
        raise ConfigError(msg)
    start = (
        at - dt.timedelta(days=slices * slice_days)
        if slice_months is None
        else _months_before(at, slices * slice_months)
    )
    ev_frame, stray = bulk_events(_window(events, start, at), grid="hotspot grid")
    refuse_far_forces(ev_frame, cell_size_m, what="hotspot grid")
    if slice_months is None:
        _refuse_month_only(ev_frame)
    grid, _, ev = count_grid(ev_frame, cell_size_m)
    _check_cells(grid.n_cells, cell_size_m)
    if slice_months is None:
        k = np.floor((ev.t - to_days(start)) / slice_days).astype(np.int64)
        k = np.clip(k, 0, slices - 1)
        cell = ev.cell
    else:
        k, cell = _month_slices(ev_frame, grid, start, slice_months)
    flat = np.bincount(k * grid.n_cells + cell, minlength=slices * grid.n_cells)
    empty = _empty_slices_note(
        np.bincount(k, minlength=slices)[:slices],
        start=start,
        slice_days=slice_days,
        slice_months=slice_months,
    )
    cube: npt.NDArray[np.float64] = flat.reshape(slices, *grid.shape).astype(np.float64)
    if study_area == "active":
        active = _active_cells(_window_end(events, at), grid, cube[0])
        cube = np.where(np.isnan(active), np.nan, cube)
    em = emerging_hotspots(cube, alpha=alpha, radius=radius)
    no_cold = _no_cold_slices_note(
        cube, radius=radius, alpha=alpha, study_area=study_area
    )
    no_trend = _no_trend_note(slices, alpha)
    order = {p: k for k, p in enumerate(EMERGING_PATTERNS)}
    frame = (
        _cell_ids(em.filter(pl.col("pattern") != "none"), grid)
        .with_columns(_o=pl.col("pattern").replace_strict(order, default=9))
        # cells of one pattern and trend listed south to north, west to east, so
        # that ties (a few slices give few distinct z-scores) read alike every run
        .sort("_o", "trend_z", "row", "col", descending=[False, True, False, False])
        .drop("_o")
    )
    notes = (
        *mixed_forces_note(ev_frame, advice="police_force"),
        empty,
        no_trend,
        no_cold,
        stray,
    )
    return EmergingResult(frame, tuple(n for n in notes if n))


def _slice_start(
    start: dt.datetime, k: int, *, slice_days: float, slice_months: int | None
) -> str:
    """The first day of slice ``k`` (its month for slices of months)."""
    if slice_months is None:
        return f"{start + dt.timedelta(days=k * slice_days):%Y-%m-%d}"
    index = start.year * 12 + start.month - 1 + k * slice_months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _empty_slices_note(
    per_slice: npt.NDArray[np.int64],
    *,
    start: dt.datetime,
    slice_days: float,
    slice_months: int | None,
) -> str | None:
    """Say which slices hold no event at all: a whole area with no violence in a
    slice is a period the data do not cover (months not loaded), yet every cell
    counts none there, so cells read as rising or as hot on and off. West
    Yorkshire's July 2018 beside the City of London's 2019 in 18 monthly slices:
    24 City cells *consecutive* (trend p 0.0005) and 38 *oscillating* from the five
    months of 2018 no one loaded and the City's none before 2019."""
    empty = np.flatnonzero(per_slice == 0)
    if not empty.size:
        return None
    named = [
        _slice_start(start, int(k), slice_days=slice_days, slice_months=slice_months)
        for k in empty[:12]
    ]
    more = f" and {empty.size - 12:,} more" if empty.size > 12 else ""
    return (
        f"{empty.size:,} of the {per_slice.size:,} slices hold no event at all "
        f"({', '.join(named)}{more}): periods the data do not seem to cover, where "
        "every cell counts none, so a cell can read as new, intensifying or "
        "consecutive (rising from them) or as sporadic or oscillating. Choose "
        "slices the data cover (--at, --slices); the events of several forces or "
        "sources, each covering its own months, have the same problem within "
        "slices that hold events."
    )


def _refuse_month_only(events: pl.DataFrame) -> None:
    """Slices of days over month-only dates (every event 00:00 on the first of a
    month, as data.police.uk dates them, e.g. from ``--events-file``): each month's events
    fall in the one slice holding its first day and the others are empty, so
    cells read hot on and off (every crime of the City of London's 2019 in weekly
    slices: 15 cells *sporadic*). Refused, naming ``--slice-months``."""
    when = events["occurred_at"]
    if when.len() < MONTH_ONLY_MIN_EVENTS or not bool(
        (when == when.dt.truncate("1mo")).all()
    ):
        return
    msg = (
        f"Every one of the window's {when.len():,} events is dated 00:00 on the first "
        "of a month, as data.police.uk dates a month's records: slices of days would "
        "put each month in the slice holding its first day and leave the others "
        "empty. Use slices of months (analyse hotspots --slice-months 1, --at the "
        "first of a month)."
    )
    raise ConfigError(msg)


def _smallest_trend_p(slices: int) -> float:
    """The smallest two-sided p of :func:`avert.analyse.gistar.mann_kendall` over
    ``slices`` values: that of a series rising in every slice."""
    rising = np.arange(slices, dtype=np.float64).reshape(slices, 1)
    return float(mann_kendall(rising)[1][0])


def _no_trend_note(slices: int, alpha: float) -> str | None:
    """Say when too few slices leave the Mann-Kendall trend test no way to reach
    ``alpha``: no cell can then be *intensifying* or *diminishing*, and every cell
    hot in 90 % of the slices reads *persistent*, "no trend", whatever its trend
    (3 slices: smallest p 0.30; 4: 0.089; 5: 0.027, Mann 1945's normal
    approximation as :func:`avert.analyse.gistar.mann_kendall`)."""
    smallest = _smallest_trend_p(slices)
    if smallest <= alpha:
        return None
    enough = next(t for t in range(slices + 1, 1_000) if _smallest_trend_p(t) <= alpha)
    return (
        f"With {slices:,} slices the trend test cannot reach {alpha:g} (its smallest "
        f"p, for a Gi* z rising in every slice, is {smallest:.2g}): no cell can be "
        "intensifying or diminishing, and 'persistent' means hot in at least 90% of "
        f"the slices, whatever its trend. {enough:,} slices or more can show a trend."
    )


def _months_before(at: dt.datetime, months: int) -> dt.datetime:
    """The first of the month ``months`` calendar months before ``at``, which must
    itself be the first of a month at 00:00 (a slice edge inside a month would cut
    a police.uk month whose records all carry its first day)."""
    if at.day != 1 or at.time() != dt.time(0):
        nxt = at.year * 12 + at.month  # the next month, counted from year 0
        first = dt.date(nxt // 12, nxt % 12 + 1, 1)
        msg = (
            "Monthly slices end on the first of a month at 00:00 (police.uk dates a "
            f"month's records on its first day); got --at {at:%Y-%m-%d %H:%M}. "
            f"--at {first:%Y-%m-%d} ends the last slice with {at:%B %Y}."
        )
        raise ConfigError(msg)
    index = at.year * 12 + at.month - 1 - months
    if index < 12:  # before the year 1
        msg = f"{months} months before {at:%Y-%m-%d} reach before the year 1."
        raise ConfigError(msg)
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=at.tzinfo)


def _month_slices(
    events: pl.DataFrame, grid: Grid, start: dt.datetime, slice_months: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Slice and cell of each located event in ``[start, start + slices months)``:
    slice *k* holds the calendar months ``k * slice_months`` to ``(k + 1) *
    slice_months - 1`` after ``start`` (vectorised over the rows)."""
    when = events["occurred_at"]
    if isinstance(when.dtype, pl.Datetime) and when.dtype.time_zone is not None:
        when = when.dt.replace_time_zone(None)
    month = (
        when.dt.year().cast(pl.Int64) * 12 + when.dt.month().cast(pl.Int64)
    ).to_numpy()
    k = (month - (start.year * 12 + start.month)) // slice_months
    cell = grid.cell_index(
        events["x"].cast(pl.Float64).to_numpy(), events["y"].cast(pl.Float64).to_numpy()
    )
    ok = (cell >= 0) & (k >= 0)
    return k[ok].astype(np.int64), cell[ok]


def _no_cold_slices_note(
    cube: npt.NDArray[np.float64],
    *,
    radius: int,
    alpha: float,
    study_area: StudyArea = "grid",
) -> str | None:
    """Say in how many slices no cell can be a cold spot (:func:`gi_star`'s note):
    a cell is *oscillating* only after a cold slice, which a grid of mostly zeros
    cannot give."""
    none = sum(
        any(
            n.startswith(NO_COLD_SPOT)
            for n in gi_star(s, radius=radius, alpha=alpha).notes
        )
        for s in cube
    )
    if not none:
        return None
    if study_area == "active":
        return (
            f"{NO_COLD_SPOT} in {none} of the {len(cube)} slices: even over the "
            "cells where events happen, a slice's events are too few for an empty "
            "neighbourhood to lie far enough below its mean, so no cell can turn "
            "oscillating (hot, after a cold slice) from them. Longer slices give "
            "each cell more events."
        )
    return (
        f"{NO_COLD_SPOT} in {none} of the {len(cube)} slices: even a cell whose "
        "whole neighbourhood is empty lies too little below the mean of a grid of "
        "mostly zeros (the events' bounding box), so no cell can turn "
        "oscillating (hot, after a cold slice) from them, and no cold spot there is "
        "a finding. Cold spots need a study area of cells where events can happen."
    )


@dataclass(frozen=True)
class NearRepeatZones:
    """Zones of raised near-repeat risk around the last hours' incidents.

    ``zones``: one row per recent incident (``x``, ``y``, ``occurred_at``,
    ``time_precision`` when the events have it, ``radius_m``, ``until``; one dated
    alone is recent when its day overlaps the window, and its zone ends ``days``
    after its day's end; one recorded to the hour, ``days`` after its hour's
    end), empty when the user's own data shows no contagion.
    ``radius_m`` / ``days``: the extent of the contiguous significant Knox bands
    nearest to (0 m, 0 days); ``knox``: the test they come from. ``n_domestic``:
    the domestic incidents left out of the test and the zones (0 when kept).
    """

    zones: pl.DataFrame
    radius_m: float
    days: float
    knox: KnoxResult
    note: str
    n_domestic: int = 0


#: What the zones' note says of the domestic incidents left out
DOMESTIC_LEFT_OUT = "domestic incidents left out of the near-repeat test and zones"
#: the setting that chose it, named at the end of the note (a page leaves it out for
#: those who set nothing: :func:`avert.web.pages.places`)
DOMESTIC_SETTING_SAID = " (near_repeat.domestic in places.toml)"


def _without_domestic(
    events: pl.DataFrame, domestic: DomesticZones
) -> tuple[pl.DataFrame, int | None, str | None]:
    """The events without the domestic-flagged ones under ``domestic="exclude"``,
    how many were left out (None when none could be: ``"include"``, or no flag),
    and a note (None under ``"include"``).

    The briefing's zones are for patrols. On avert's synthetic city (6 seeds, the
    briefing's bands) a Knox test of all violence found contagion in each seed, of
    the non-domestic violence in 2 of 6: what it found was mostly domestic abuse
    repeated at the victim's home within days, repeat victimisation that the
    briefing's DASH and repeat-victims sections (and MARAC) deal with, and a zone
    around it points a map shared with partners at a victim's home
    (``config/defaults/places.toml``; docs/places.md). Events without a
    ``domestic`` column (an events file) are kept, with a note saying so; a null
    flag counts as not domestic.
    """
    if domestic not in NEAR_REPEAT_DOMESTIC:
        msg = (
            f"near_repeat.domestic must be one of {', '.join(NEAR_REPEAT_DOMESTIC)}; "
            f"got {domestic!r}."
        )
        raise ConfigError(msg)
    if domestic == "include":
        return events, None, None
    if "domestic" not in events.columns or events["domestic"].null_count() == len(
        events
    ):
        # no flag at all (an events file, police.uk data, a table mapped without
        # one): saying "0 left out" and "its non-domestic incidents" would be untrue
        return (
            events,
            None,
            "The events carry no domestic flag: none could be left out of the "
            "near-repeat test and zones.",
        )
    flagged = pl.col("domestic").fill_null(value=False)
    n = int(events.select(flagged.sum()).item())
    note = (
        f"{n:,} {DOMESTIC_LEFT_OUT}: the zones are for patrols, and domestic "
        f"repeats at a victim's home are for the DASH and repeat-victims sections"
        f"{DOMESTIC_SETTING_SAID}."
    )
    return events.filter(~flagged), n, note


def _first_band_extent(
    knox: KnoxResult, alpha: float
) -> tuple[float, float, pl.DataFrame]:
    """The largest space and time edges reached by significant (p <= alpha, ratio
    > 1) bands contiguous with the first band (0 m, 0 days), (0, 0) when the first
    band is not significant; and the finite-time bands they were read from."""
    f = knox.frame.with_columns(
        sig=(pl.col("p_value") <= alpha) & (pl.col("ratio") > 1)
    ).filter(pl.col("time_hi_days").is_finite())
    s_edges = sorted(set(f["space_lo_m"].to_list()))
    t_edges = sorted(set(f["time_lo_days"].to_list()))
    sig = {
        (r["space_lo_m"], r["time_lo_days"]): (
            r["sig"],
            r["space_hi_m"],
            r["time_hi_days"],
        )
        for r in f.iter_rows(named=True)
    }
    radius = 0.0
    days = 0.0
    if sig.get((s_edges[0], t_edges[0]), (False,))[0]:
        for lo in s_edges:  # along space, in the first time band
            ok, hi, _ = sig[(lo, t_edges[0])]
            if not ok:
                break
            radius = hi
        for lo in t_edges:  # along time, in the first space band
            ok, _, hi = sig[(s_edges[0], lo)]
            if not ok:
                break
            days = hi
    return radius, days, f


@dataclass(frozen=True)
class NearRepeatTest:
    """The Knox test the zones are drawn from (:func:`near_repeat_test`), as of
    ``at``: ``radius_m`` / ``days`` the extent of the contiguous significant bands
    nearest to (0 m, 0 days) (0 without contagion), ``first_band`` the first band's
    upper edges (metres, days), ``n_domestic`` and ``domestic_note`` what was done
    with the domestic incidents (:func:`_without_domestic`). No incident's place
    or time is held: only the test's counts and the options it ran with."""

    knox: KnoxResult
    radius_m: float
    days: float
    first_band: tuple[float, float]
    at: dt.datetime
    history_days: float
    n_sims: int
    alpha: float
    n_domestic: int | None
    domestic_note: str | None


def near_repeat_test(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    history_days: float = 365.0,
    space_bands_m: Sequence[float] = (0, 100, 200, 300, 400, 500),
    time_bands_days: Sequence[float] = (0, 7, 14, 21, 28),
    n_sims: int = 99,
    alpha: float = 0.05,
    seed: int = 0,
    max_pairs: int | None = 300_000,
    domestic: DomesticZones = "exclude",
) -> NearRepeatTest:
    """The Knox test of the events of the ``history_days`` before ``at`` and the
    extent of its significant first bands (:func:`near_repeat_zones` without the
    zones: the briefing runs it once a day, :func:`avert.workflows.forecast.
    briefing_places`). A ConfigError when nothing is left to test."""
    past, n_domestic, domestic_note = _without_domestic(
        events.filter(
            (pl.col("occurred_at") < at)
            & (pl.col("occurred_at") >= at - dt.timedelta(days=history_days))
        ),
        domestic,
    )
    if past.height == 0 and n_domestic:  # not "no events" (run_near_repeat's word)
        msg = (
            f"all {n_domestic:,} incidents of the {_days_before(history_days, at)} "
            "are flagged domestic and left out of the test (near_repeat.domestic = "
            '"exclude" in places.toml).'
        )
        raise ConfigError(msg)
    knox = run_near_repeat(
        past,
        space_bands_m=space_bands_m,
        time_bands_days=time_bands_days,
        n_sims=n_sims,
        seed=seed,
        max_pairs=max_pairs,
    )
    radius, days, f = _first_band_extent(knox, alpha)
    first = (float(f["space_hi_m"][0]), float(f["time_hi_days"][0]))
    return NearRepeatTest(
        knox,
        radius,
        days,
        first,
        at,
        history_days,
        n_sims,
        alpha,
        n_domestic,
        domestic_note,
    )


def _days_before(days: float, at: dt.datetime) -> str:
    """ "365 days before 10 Mar 2025" (a time of day only when not 00:00)."""
    when = f"{at:%d %b %Y}" if at.time() == dt.time() else f"{at:%d %b %Y %H:%M}"
    return f"{days:g} days before {when}"


def near_repeat_zones(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    hours: float = 24.0,
    history_days: float = 365.0,
    space_bands_m: Sequence[float] = (0, 100, 200, 300, 400, 500),
    time_bands_days: Sequence[float] = (0, 7, 14, 21, 28),
    n_sims: int = 99,
    alpha: float = 0.05,
    seed: int = 0,
    max_pairs: int | None = 300_000,
    domestic: DomesticZones = "exclude",
) -> NearRepeatZones:
    """Mark near-repeat zones around the incidents of ``[at - hours, at)`` whose
    zone is still live at ``at``, only if a Knox test on the ``history_days`` before
    ``at`` finds contagion.

    The zone of each recent incident is a disc of ``radius_m`` for ``days`` after it:
    the largest space and time edges reached by significant (p <= alpha, ratio > 1)
    bands contiguous with the first band (0 m, 0 days). This is what the briefing's
    places section marks; nothing is marked when the first band is not significant.
    ``max_pairs`` bounds the Knox test's work on dense data (a seeded sample of the
    events, said in ``knox.notes``; None: every pair). ``domestic="exclude"`` (the
    default) leaves the events flagged ``domestic`` out of both the test and the
    zones' centres (:func:`_without_domestic`); ``"include"`` keeps them. The
    test is :func:`near_repeat_test`, the zones :func:`zones_of_window`.
    """
    test = near_repeat_test(
        events,
        at=at,
        history_days=history_days,
        space_bands_m=space_bands_m,
        time_bands_days=time_bands_days,
        n_sims=n_sims,
        alpha=alpha,
        seed=seed,
        max_pairs=max_pairs,
        domestic=domestic,
    )
    return zones_of_window(events, test, at=at, hours=hours, domestic=domestic)


def zones_of_window(
    events: pl.DataFrame,
    test: NearRepeatTest,
    *,
    at: dt.datetime,
    hours: float = 24.0,
    domestic: DomesticZones = "exclude",
) -> NearRepeatZones:
    """The zones of ``test`` (:func:`near_repeat_test`, as of ``at`` or of an
    earlier time: the start of ``at``'s day for the briefing) around the incidents
    of ``[at - hours, at)`` whose zone is still live at ``at``; none without
    contagion. The note names the test's days: "the last 365 days" when it ran
    as of ``at``, else "the 365 days before 06 Dec 2026"."""
    since = at - dt.timedelta(hours=hours)
    dated = "time_precision" in events.columns
    recent, _, _ = _without_domestic(
        events.filter(
            (pl.col("occurred_at") < at)
            # an incident dated alone (00:00) on the window's first day is in it,
            # as in the briefing's list of the window's incidents
            & (
                started_by("occurred_at", since)
                if dated
                else pl.col("occurred_at") >= since
            )
        ),
        domestic,
    )
    # the flag stays with a zone kept under "include": partners never see those
    flag = ["domestic"] if "domestic" in recent.columns else []
    recent = recent.select(
        "x", "y", "occurred_at", *flag, *(["time_precision"] if dated else [])
    )
    scope = "" if test.n_domestic is None else " (its non-domestic incidents)"
    tail = "" if test.domestic_note is None else f" {test.domestic_note}"
    n_domestic = test.n_domestic or 0
    radius, days = test.radius_m, test.days
    if radius == 0.0:
        period = (
            f"the last {test.history_days:g} days"
            if test.at == at
            else f"the {_days_before(test.history_days, test.at)}"
        )
        space_hi, time_hi = test.first_band
        note = (
            f"No near-repeat contagion in your own data{scope} in the first band (0-"
            f"{space_hi:g} m, 0-{time_hi:g} days) of {period}: no zones "
            f"marked.{tail}"
        )
        return NearRepeatZones(recent.head(0), 0.0, 0.0, test.knox, note, n_domestic)
    # one dated alone (or to the hour) may have been late on its day (hour): its
    # zone runs from the day's (hour's) end
    zones = recent.with_columns(
        radius_m=pl.lit(radius),
        until=pl.col("occurred_at")
        + dt.timedelta(days=days)
        + (period_length() if dated else pl.duration(days=0)),
    ).filter(pl.col("until") > at)  # a longer window's early zones may have ended
    note = (
        f"Near repeats in your own data{scope}: within {radius:g} m and {days:g} "
        f"days of an incident the risk is raised (Knox test, {test.n_sims} "
        f"permutations, alpha {test.alpha}).{tail}"
    )
    return NearRepeatZones(zones, radius, days, test.knox, note, n_domestic)
