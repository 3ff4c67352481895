"""Analyses over incidents of more than one force: a note naming them, one force's
events (``--police-force``), and a grid over far-apart forces refused.

Pure (Polars only), so that the briefing's places (:mod:`avert.briefing.places`:
the hotspots of month-precision data) name and refuse forces as the workflows do
(:mod:`avert.workflows._forces` gives the same names)."""

from __future__ import annotations

import polars as pl

from avert.areas import force_name
from avert.errors import ConfigError

#: The note's words, which the tests and readers look for.
MIXED_FORCES: str = "forces or sources"
#: How the notes advise one force's figures in a command that has no option
#: choosing a force (concentration, VOLT): a window, or a store of its own
COMMAND_ONE_FORCE: str = (
    "For one force's figures, choose a window holding its records alone, or load "
    "each force into a store of its own."
)
#: How the briefing's notes advise one force's places: ``avert brief`` has no
#: option choosing a force, and no window holds one force's records alone when
#: their months overlap; its ``--area`` does (a borough of one force)
BRIEF_ONE_FORCE: str = (
    "For one force's alone, brief one area of it (avert brief --area, e.g. a "
    "borough or local authority), or load each force into a store of its own."
)
#: The web's words for :data:`BRIEF_ONE_FORCE` (the Places page): no command,
#: which an officer, a partner or a board member cannot run
WEB_ONE_FORCE: str = (
    "One force's alone need a store of its own, which the force's avert "
    "administrator or analyst loads."
)


def mixed_forces_note(
    incidents: pl.DataFrame, *, advice: str = COMMAND_ONE_FORCE
) -> list[str]:
    """One note naming the forces of ``incidents`` when there are several, with each
    one's count, most first (then by name); none for one force or none at all.

    A record naming no force (a record bundle, a mapped table) is named by its
    ``source`` ("no force named: avert synthetic city ..."), so a force's police.uk
    months beside a bundle are two, not one. ``incidents`` need ``force`` and
    ``source`` (either missing: no note).

    Concentration and VOLT count every incident of their window as one area: West
    Yorkshire's July 2018 beside City of London's 2019 and the synthetic city gave
    one Gini over the three, with no word that three were counted together.
    ``advice``: how to get one force's figures where the note is read (the
    briefing: :data:`BRIEF_ONE_FORCE`).
    """
    if not incidents.height or not {"force", "source"} <= set(incidents.columns):
        return []
    named = pl.coalesce(
        pl.col("force"),
        pl.lit("no force named: ") + pl.col("source").fill_null("no source"),
    ).alias("who")
    counts = (
        incidents.select(named)
        .group_by("who")
        .len()
        .sort(["len", "who"], descending=[True, False])
    )
    if counts.height < 2:
        return []
    listed = "; ".join(f"{who} {n:,}" for who, n in counts.iter_rows())
    return [
        f"The incidents counted are of {counts.height} {MIXED_FORCES} ({listed}): "
        f"every figure here counts them together, as one area and one period. {advice}"
    ]


def _who() -> pl.Expr:
    """A record's force, else its source (as :func:`mixed_forces_note` names it)."""
    return pl.coalesce(
        pl.col("force"),
        pl.lit("no force named: ") + pl.col("source").fill_null("no source"),
    )


def forces_there(records: pl.DataFrame) -> list[str]:
    """The forces of ``records`` (with ``force`` and ``source``), a record naming
    none by its source (as :func:`mixed_forces_note` names them), sorted."""
    return sorted(records.select(_who().unique())["force"].to_list())


def force_is(force: str) -> pl.Expr:
    """The records of ``force`` (:func:`of_force`): its id, its name as stored, or
    for records naming no force their source (needs ``force`` and ``source``)."""
    return _who().is_in(sorted({force, force_name(force), f"no force named: {force}"}))


def of_force(events: pl.DataFrame, force: str | None) -> pl.DataFrame:
    """The events of ``force`` (an id as ``stops.force`` holds it, such as
    ``west-yorkshire``, or a name as stored: "West Yorkshire Police",
    :func:`avert.areas.force_name`; for records naming no force, their source, as
    :func:`mixed_forces_note` names them); all of them when None. A ConfigError
    naming the forces and sources there are when none is of it, or when the events
    carry no force.

    London's 2022 Q1 (records naming no force) beside City of London's 2019: the
    refusal said to give a force's option, yet London's could not be chosen, and
    ``--police-force metropolitan`` listed the City alone as the events' forces."""
    if force is None:
        return events
    if not {"force", "source"} <= set(events.columns):
        msg = f"--police-force {force}: the events carry no force (a file of events)."
        raise ConfigError(msg)
    kept = events.filter(force_is(force))
    if kept.height == 0:
        there = forces_there(events)
        msg = (
            f"--police-force {force}: no event is of that force; the events' forces are "
            f"(a source for records naming none): {', '.join(there)}."
        )
        raise ConfigError(msg)
    return kept


#: A grid over events of several forces this many times the cells of the boxes
#: around each force's events (summed) is refused (:func:`refuse_far_forces`)
FAR_FORCES_RATIO: float = 4.0


def refuse_far_forces(
    events: pl.DataFrame,
    cell_size_m: float,
    *,
    what: str,
    option: str = "--police-force",
    advice: str | None = None,
) -> None:
    """A ConfigError when ``events`` (with ``x``, ``y``, ``force``, ``source``) are
    of several forces or sources lying far apart: the box spanning the boxes around
    each one's events (each box holding 98 % of them) holds over
    :data:`FAR_FORCES_RATIO` times their cells, most of it the ground between
    them. West Yorkshire's July 2018 beside
    City of London's 2019: emerging hot spots over 18 monthly slices built a grid
    from Leeds to London of 1,980,032 cells of 150 m (5 GB, 64 s) for 5,414 with
    an event. Forces side by side (a force and its neighbour) make no such grid.
    ``option``: the command's option choosing one force, named in the advice;
    ``advice``: the whole advice instead, where there is no such option (the
    briefing: :data:`BRIEF_ONE_FORCE`)."""
    if not events.height or not {"force", "source"} <= set(events.columns):
        return
    s = cell_size_m
    x, y = pl.col("x"), pl.col("y")
    x_lo, x_hi, y_lo, y_hi = (pl.col(c) for c in ("x_lo", "x_hi", "y_lo", "y_hi"))

    def cells(x_lo: pl.Expr, x_hi: pl.Expr, y_lo: pl.Expr, y_hi: pl.Expr) -> pl.Expr:
        return ((x_hi - x_lo) / s + 1).floor() * ((y_hi - y_lo) / s + 1).floor()

    # each one's box holds 98 % of its events (1 %..99 % on each axis): a
    # force's few records placed far off (City of London's 2019 has some 200 km
    # north of the City) are not its ground
    each = events.group_by(_who().alias("who")).agg(
        x.quantile(0.01).alias("x_lo"),
        x.quantile(0.99).alias("x_hi"),
        y.quantile(0.01).alias("y_lo"),
        y.quantile(0.99).alias("y_hi"),
    )
    if each.height < 2:
        return
    # the whole: the box spanning those boxes, not every event, so one's own
    # strays are not counted as ground between them (London's 2022 Q1 reach 84 km
    # north to south, 98 % of them 34 km: the City of London, inside London,
    # was refused as 7 times)
    own = float(each.select(cells(x_lo, x_hi, y_lo, y_hi).sum()).item())
    whole = float(
        each.select(cells(x_lo.min(), x_hi.max(), y_lo.min(), y_hi.max())).item()
    )
    if whole <= FAR_FORCES_RATIO * own:
        return
    names = ", ".join(sorted(each["who"].to_list()))
    msg = (
        f"The events are of {each.height} {MIXED_FORCES} far apart ({names}): "
        f"one {what} over them all holds at least {whole:,.0f} cells of {s:g} m, "
        f"{whole / own:,.0f} times those around each one's events, most of it the "
        "ground between them. "
        + (
            advice
            or f"Give {option} for one force's, or load each force into a store "
            "of its own."
        )
    )
    raise ConfigError(msg)
