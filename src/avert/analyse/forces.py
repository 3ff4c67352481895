"""Analyses over incidents of more than one force: a note naming them, one force's
events (``--police-force``), each force's own events, and far-apart forces found
(a grid over them refused, or planned per force by the briefing).

Pure (Polars only), so that the briefing's places (:mod:`avert.briefing.places`:
the hotspots of month-precision data) name and split forces as the workflows do
(:mod:`avert.workflows._forces` gives the same names).

A note's advice on getting one force's figures is data (:class:`ForcesNote`:
its text without advice and an :data:`Advice` kind), so that each edge words it
for its readers: the command line (:data:`COMMAND_WORDS`), the briefing
(:data:`BRIEF_ONE_FORCE`) and the web's pages (no command: their own words).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from avert.areas import force_name
from avert.errors import ConfigError

#: The note's words, which the tests and readers look for.
MIXED_FORCES: str = "forces or sources"

#: How a note advises getting one force's figures, as data: ``police_force``,
#: the command has ``--police-force`` (``avert forecast``, ``forecast
#: evaluate``, ``analyse gistar``, ``hotspots``, ``near-repeat``); ``window``,
#: it has no option choosing a force (concentration, VOLT); ``brief_area``, the
#: briefing, whose ``--area`` chooses a borough of one force
Advice = Literal["police_force", "window", "brief_area"]
ADVICE_KINDS: Final[tuple[Advice, ...]] = ("police_force", "window", "brief_area")

#: The command line's words for ``police_force``
POLICE_FORCE_ONE_FORCE: str = (
    "For one force's figures, give --police-force, or load each force into a "
    "store of its own."
)
#: The command line's words for ``window`` (concentration, VOLT: no option
#: choosing a force): a window, or a store of its own
COMMAND_ONE_FORCE: str = (
    "For one force's figures, choose a window holding its records alone, or load "
    "each force into a store of its own."
)
#: The briefing's words for ``brief_area``: ``avert brief`` has no option
#: choosing a force, and no window holds one force's records alone when their
#: months overlap; its ``--area`` does (a borough of one force)
BRIEF_ONE_FORCE: str = (
    "For one force's alone, brief one area of it (avert brief --area, e.g. a "
    "borough or local authority), or load each force into a store of its own."
)
#: Each advice in the words of the command line and of the briefing (which
#: ``avert brief`` writes); the web's pages word it without a command
COMMAND_WORDS: Final[Mapping[Advice, str]] = {
    "police_force": POLICE_FORCE_ONE_FORCE,
    "window": COMMAND_ONE_FORCE,
    "brief_area": BRIEF_ONE_FORCE,
}


@dataclass(frozen=True)
class ForcesNote:
    """A note on incidents of several forces or sources: ``text``, the finding
    without advice; ``advice``, how to get one force's figures (None: none is
    needed), which each edge words itself (:meth:`said`); ``forces``, their
    names (a record naming none: its source), sorted."""

    text: str
    advice: Advice | None
    forces: tuple[str, ...]

    def said(self, words: Mapping[Advice, str] = COMMAND_WORDS) -> str:
        """The note in ``words`` (default: the command line's and briefing's)."""
        return self.text if self.advice is None else f"{self.text} {words[self.advice]}"


def forces_note(incidents: pl.DataFrame, *, advice: Advice) -> ForcesNote | None:
    """The note naming the forces of ``incidents`` when there are several, with
    each one's count, most first (then by name), and ``advice`` as data; None for
    one force or none at all.

    A record naming no force (a record bundle, a mapped table) is named by its
    ``source`` ("no force named: avert synthetic city ..."), so a force's police.uk
    months beside a bundle are two, not one. ``incidents`` need ``force`` and
    ``source`` (either missing: no note).

    Concentration and VOLT count every incident of their window as one area: West
    Yorkshire's July 2018 beside City of London's 2019 and the synthetic city gave
    one Gini over the three, with no word that three were counted together.
    """
    if not incidents.height or not {"force", "source"} <= set(incidents.columns):
        return None
    counts = (
        incidents.select(_who().alias("who"))
        .group_by("who")
        .len()
        .sort(["len", "who"], descending=[True, False])
    )
    if counts.height < 2:
        return None
    listed = "; ".join(f"{who} {n:,}" for who, n in counts.iter_rows())
    text = (
        f"The incidents counted are of {counts.height} {MIXED_FORCES} ({listed}): "
        "every figure here counts them together, as one area and one period."
    )
    return ForcesNote(text, advice, tuple(sorted(counts["who"].to_list())))


def mixed_forces_note(
    incidents: pl.DataFrame, *, advice: Advice = "window"
) -> list[str]:
    """:func:`forces_note` in the command line's words, as a list of none or one
    note (the notes of a command's result). ``advice``: ``"police_force"`` where
    the command has ``--police-force``, ``"window"`` where it has none."""
    note = forces_note(incidents, advice=advice)
    return [] if note is None else [note.said()]


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
    given = police_force_option(force)
    if not {"force", "source"} <= set(events.columns):
        msg = f"{given}: the events carry no force (a file of events)."
        raise ConfigError(msg)
    kept = events.filter(force_is(force))
    if kept.height == 0:
        there = forces_there(events)
        msg = (
            f"{given}: no event is of that force; the events' forces are "
            f"(a source for records naming none): {', '.join(there)}."
        )
        raise ConfigError(msg)
    return kept


def police_force_option(force: str, option: str = "--police-force") -> str:
    """``option`` choosing ``force`` as a shell reads it: the name quoted
    (:func:`shlex.quote`) wherever it contains a space, a quote, ``$`` or any
    other character the shell would read. A hint written as ``--police-force
    '{name}'`` broke on a name with a quote ("King's Lynn"), whose quote ended
    the quoting: the rest of the name was read by the shell, a ``$(...)`` in it
    run. ``--police-force west-yorkshire`` stays as it is.

    >>> police_force_option("West Yorkshire Police")
    "--police-force 'West Yorkshire Police'"
    >>> print(police_force_option("King's Lynn $HOME"))
    --police-force 'King'"'"'s Lynn $HOME'
    """
    return f"{option} {shlex.quote(force)}"


def forecast_command(force: str, *, at: str, cells: int) -> str:
    """The ``avert forecast`` command listing ``force``'s own top ``cells`` at
    ``at`` (e.g. ``2019-03-10T06:00``), shell-safe (:func:`police_force_option`):
    the line the web Places page gives those who run avert under each force's
    places, of forces far apart."""
    return (
        f"avert forecast {police_force_option(force)} --at {shlex.quote(at)} "
        f"--cells {cells:d}"
    )


#: A grid over events of several forces this many times the cells of the boxes
#: around each force's events (summed) is refused (:func:`refuse_far_forces`)
FAR_FORCES_RATIO: float = 4.0


@dataclass(frozen=True)
class FarForces:
    """Forces or sources lying far apart (:func:`far_forces`): their ``names``,
    sorted, the cells of ``cell_size_m`` of the box spanning them all
    (``whole_cells``) and how many times those around each one's events that is
    (``ratio``)."""

    names: tuple[str, ...]
    whole_cells: float
    ratio: float
    cell_size_m: float

    def said(self, what: str) -> str:
        """Why one ``what`` (e.g. "patrol grid") over them is not made, without
        advice."""
        return (
            f"The events are of {len(self.names)} {MIXED_FORCES} far apart "
            f"({', '.join(self.names)}): one {what} over them all holds at least "
            f"{self.whole_cells:,.0f} cells of {self.cell_size_m:g} m, "
            f"{self.ratio:,.0f} times those around each one's events, most of it "
            "the ground between them."
        )


def far_forces(
    events: pl.DataFrame, cell_size_m: float, *, min_events: int = 1
) -> FarForces | None:
    """The forces or sources of ``events`` (with ``x``, ``y``, ``force``,
    ``source``) when they lie far apart, else None: the box spanning the boxes
    around each one's events (each box holding 98 % of them) holds over
    :data:`FAR_FORCES_RATIO` times their cells, most of it the ground between
    them. West Yorkshire's July 2018 beside City of London's 2019: emerging hot
    spots over 18 monthly slices built a grid from Leeds to London of 1,980,032
    cells of 150 m (5 GB, 64 s) for 5,414 with an event. Forces side by side (a
    force and its neighbour) make no such grid.

    ``min_events``: whether they lie far apart is found over every force or
    source (so that no grid is ever planned over them all), but when those of
    at least ``min_events`` events lie far apart by themselves, only they are
    named and measured: the others' few records are strays, no force's ground
    (the briefing gives them no places: :func:`too_few_events`). One stray
    incident of a third force beside Leeds and London was named a force far
    apart, and the briefing mapped it as one: "the top 9 cells held 100 % of
    March 2019's violence (1 incident)"."""
    if not events.height or not {"force", "source"} <= set(events.columns):
        return None
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
        pl.len().alias("n"),
    )

    def spans(each: pl.DataFrame) -> tuple[float, float] | None:
        """The cells around each one's events and of the whole, when far apart."""
        if each.height < 2:
            return None
        # the whole: the box spanning those boxes, not every event, so one's own
        # strays are not counted as ground between them (London's 2022 Q1 reach
        # 84 km north to south, 98 % of them 34 km: the City of London, inside
        # London, was refused as 7 times)
        own = float(each.select(cells(x_lo, x_hi, y_lo, y_hi).sum()).item())
        whole = float(
            each.select(cells(x_lo.min(), x_hi.max(), y_lo.min(), y_hi.max())).item()
        )
        return None if whole <= FAR_FORCES_RATIO * own else (own, whole)

    found = spans(each)
    if found is None:
        return None
    many = each.filter(pl.col("n") >= min_events)
    found_many = spans(many)
    if found_many is not None:  # those of a few events aside: strays
        each, found = many, found_many
    own, whole = found
    return FarForces(tuple(sorted(each["who"].to_list())), whole, whole / own, s)


def refuse_far_forces(
    events: pl.DataFrame,
    cell_size_m: float,
    *,
    what: str,
    option: str = "--police-force",
) -> None:
    """A ConfigError when ``events`` are of forces or sources far apart
    (:func:`far_forces`), advising ``option``, the command's option choosing
    one force (the briefing plans each force's grid instead:
    :func:`avert.workflows.forecast.briefing_places`)."""
    far = far_forces(events, cell_size_m)
    if far is None:
        return
    each = " or ".join(police_force_option(name, option) for name in far.names)
    msg = (
        f"{far.said(what)} Give {option} for one force's ({each}), or load each "
        "force into a store of its own."
    )
    raise ConfigError(msg)


def each_force(events: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """``events`` (with ``force`` and ``source``) split by force (a record naming
    none: by its source, as :func:`forces_there` names them), sorted by name."""
    parts = events.with_columns(_who().alias("__who")).partition_by(
        "__who", as_dict=True, include_key=False
    )
    return sorted(
        ((str(key[0]), part) for key, part in parts.items()), key=lambda kv: kv[0]
    )


@dataclass(frozen=True)
class TooFewEvents:
    """A force or source given no places of its own among forces far apart
    (:func:`too_few`): its ``force`` name, its ``n_events`` located events of
    ``period`` (e.g. "the forecast's days", "July 2018") and the ``min_events``
    its own places need (one more than the top cells listed per force)."""

    force: str
    n_events: int
    min_events: int
    period: str

    def said(self) -> str:
        """Why, in one sentence beginning with its name (a note)."""
        n, least = self.n_events, self.min_events
        return (
            f"{self.force}: {n:,} located event{'' if n == 1 else 's'} in "
            f"{self.period}, fewer than the {least:,} a force's own places need "
            f"(more than the {least - 1:,} top cells listed per force): too few "
            "for places of its own (every one would lie in a top cell)."
        )

    def as_json(self) -> dict[str, str | int]:
        """``force``, ``n_events``, ``min_events`` and ``line`` (:meth:`said`):
        an item of briefing.json's ``places_summary.too_few``."""
        return {
            "force": self.force,
            "n_events": self.n_events,
            "min_events": self.min_events,
            "line": self.said(),
        }


def too_few(name: str, n_events: int, n_cells: int, period: str) -> TooFewEvents | None:
    """Force or source ``name`` gets no places of its own among forces far
    apart when its ``n_events`` located events of ``period`` are no more than
    the budget's ``n_cells``: every one of them would lie in a top cell, and
    the share the cells held would be 100 % of a few strays; None when it has
    more. The threshold of :func:`far_forces`' ``min_events`` (``n_cells + 1``)
    in the briefing. Such a force had no places and no word on the Places page
    (its note was among the briefing's notes only)."""
    if n_events > n_cells:
        return None
    return TooFewEvents(name, n_events, n_cells + 1, period)


def too_few_events(name: str, n_events: int, n_cells: int, days: str) -> str | None:
    """:func:`too_few`'s sentence (:meth:`TooFewEvents.said`), None when
    ``name`` has more events than ``n_cells``."""
    few = too_few(name, n_events, n_cells, days)
    return None if few is None else few.said()
