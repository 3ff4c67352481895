"""Workflows of stop and search equality: the store's stops and the census in, the
board's equality figures out (:mod:`avert.analyse.equality`).

Which force's searches, over which window, against the residents of which force
area: the choices the figures rest on are made and named here (docs/equality.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from avert.analyse.denominators import (
    SYNTHETIC_AREA_PREFIX,
    area_key,
    force_area_members,
    group_residents,
    latest_year,
    police_age_residents,
    residents_sources,
    sex_residents,
    straddling_age_bands,
)
from avert.analyse.equality import (
    _POLICE_UK_SOURCES,
    EqualityResult,
    ListMakeUp,
    equality_impact_summary,
    list_make_up,
    place_stops_by,
    stop_search_equality,
)
from avert.analyse.result import jsonable
from avert.areas import force_name
from avert.config.timezone import local_today
from avert.errors import ConfigError, NotFound
from avert.files import read_text_input
from avert.store import Store
from avert.store.database import Filter
from avert.store.summary import stops_after
from avert.workflows.late_searches import LoadedFile

__all__ = [
    "CENSUS_DAYS",
    "FORCE_AREA_MIN_RATE_RATIO",
    "FORCE_AREA_MIN_STOPS",
    "SYNTHETIC_RESIDENTS",
    "BoardEquality",
    "census_day",
    "few_residents_rate_notes",
    "force_name",
    "is_few_residents_note",
    "join_area_names",
    "read_person_list",
    "residents_label",
    "run_equality",
    "split_area_names",
    "unpublished_searches",
]


def read_person_list(path: str | Path) -> list[str]:
    """The person ids of a priority list file: one a line, or a CSV whose first
    column is ``person_id`` (a header line of that name is skipped). A missing or
    unreadable file is an :class:`~avert.errors.IngestError`, one line."""
    ids = (line.split(",")[0].strip() for line in read_text_input(path).splitlines())
    return [pid for pid in ids if pid and pid != "person_id"]


@dataclass(frozen=True)
class BoardEquality:
    """Stop and search for the force and per area, list make-ups and the EIA summary."""

    force: EqualityResult
    areas: EqualityResult | None
    lists: tuple[ListMakeUp, ...] = ()
    force_areas: tuple[str, ...] = ()
    population_year: int | None = None
    notes: tuple[str, ...] = ()
    eia: Mapping[str, Any] = field(default_factory=dict)
    #: the forces whose stops are counted (``stops.force``)
    forces: tuple[str, ...] = ()
    #: the days counted (the window asked, else the first and last day searched)
    window: tuple[dt.date, dt.date] | None = None
    #: the months of the window that hold searches of the force
    months_with_stops: int = 0
    #: the residents the rates are against, as pages name them
    #: (:func:`residents_label`): "census 2011 residents"
    residents_label: str = ""
    #: the searches counted that are not police.uk's (a force's own records,
    #: published by no one: :func:`unpublished_searches`)
    unpublished: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "window": (
                {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()}
                if self.window
                else None
            ),
            "months_with_stops": self.months_with_stops,
            "forces": list(self.forces),
            "force_names": [force_name(f) for f in self.forces],
            "force": self.force.to_dict(),
            "areas": self.areas.to_dict() if self.areas else None,
            "lists": [m.to_dict() for m in self.lists],
            "force_areas": list(self.force_areas),
            "population_year": self.population_year,
            "residents_label": self.residents_label,
            "unpublished": self.unpublished,
            "notes": list(self.notes),
            "equality_impact_assessment": jsonable(self.eia),
        }


def run_equality(
    store: Store,
    *,
    force: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    population_year: int | None = None,
    areas: Sequence[str] | None = None,
    ethnicity: Literal["ethnicity", "officer_ethnicity"] = "ethnicity",
    min_share: float = 0.01,
    max_km: float = 5.0,
    list_people: Sequence[str] | None = None,
    list_name: str = "list",
    area_level: Literal["la", "lsoa"] = "la",
    leave_out_files: Collection[LoadedFile] = (),
) -> BoardEquality:
    """Stop and search against census denominators, per force and per area.

    Parameters
    ----------
    force
        Keep the stops of this force (``stops.force``); None: the one force of the
        stops in the window (:class:`~avert.errors.ConfigError` naming the forces
        when they hold several: their stops are not mixed against one area).
    date_from, date_to
        Window on ``occurred_at`` (inclusive days).
    population_year
        Census year of the denominators (default: :func:`_census_year`, the
        latest with ethnic groups taken by the first day counted).
    areas
        The areas making up the force area (local authority names or codes, or
        area codes). Default: the police force area of a data.police.uk force
        (:func:`_listed_force_areas`), else inferred from where the stops fall
        (:func:`_force_areas`: stops per resident against the rate of the areas
        holding at least ``min_share`` of the placed stops).
    ethnicity
        ``ethnicity`` (self-defined, the GOV.UK measure) or ``officer_ethnicity``.
    max_km
        Farthest a stop may be from its nearest centroid.
    area_level
        ``la``: rates per local authority (the placed LSOAs' parent areas);
        ``lsoa``: per LSOA (small numbers: read the intervals).
    list_people
        Person ids of a priority list: its make-up against everyone with an offence
        (suspect or offender) in the window.
    leave_out_files
        Files as their loads stored them (``stops.load_id``, ``stops.source_file``)
        whose searches are not counted: a partner's fixed year leaves out those
        loaded after it was first over (:mod:`avert.workflows.late_searches`).
    """
    stops, forces, notes, window, months = _counted_stops(
        store, force, date_from, date_to, leave_out_files
    )
    year, force_areas, label, force_result, area_result = _resident_rates(
        store,
        stops,
        start=window[0],
        population_year=population_year,
        areas=areas,
        force=force,
        forces=forces,
        ethnicity=ethnicity,
        area_level=area_level,
        min_share=min_share,
        max_km=max_km,
        notes=notes,
    )
    lists: tuple[ListMakeUp, ...] = ()
    if list_people is not None:
        lists = (_list_make_up(store, list_people, list_name, date_from, date_to),)
    eia = equality_impact_summary(
        force_result,
        lists,
        synthetic=label == SYNTHETIC_RESIDENTS,
        areas=area_result,
    )
    return BoardEquality(
        force=force_result,
        areas=area_result,
        lists=lists,
        force_areas=force_areas,
        population_year=year,
        notes=tuple(notes),
        eia=eia,
        forces=forces,
        window=window,
        months_with_stops=months,
        residents_label=label,
        unpublished=unpublished_searches(stops),
    )


def _counted_stops(
    store: Store,
    force: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    leave_out_files: Collection[LoadedFile],
) -> tuple[pl.DataFrame, tuple[str, ...], list[str], tuple[dt.date, dt.date], int]:
    """The searches :func:`run_equality` counts (:func:`_window_stops`), the
    forces they are of (:func:`_one_force`), the notes they need (a force named
    by no stop, searches no one published), the days counted and the months of
    them that hold searches (:func:`_stops_window`: a window may end at its last
    search only when the store holds none after it, :func:`_no_search_after`)."""
    stops = _window_stops(store, force, date_from, date_to, leave_out_files)
    forces = _one_force(stops, force)
    notes: list[str] = _unnamed_force_note(stops, forces) + _unpublished_note(stops)
    ends_here = _no_search_after(store, date_to, forces)
    window, months = _stops_window(
        stops, date_from, date_to, notes, ends_here=ends_here
    )
    return stops, forces, notes, window, months


def _resident_rates(
    store: Store,
    stops: pl.DataFrame,
    *,
    start: dt.date,
    population_year: int | None,
    areas: Sequence[str] | None,
    force: str | None,
    forces: tuple[str, ...],
    ethnicity: Literal["ethnicity", "officer_ethnicity"],
    area_level: Literal["la", "lsoa"],
    min_share: float,
    max_km: float,
    notes: list[str],
) -> tuple[int, tuple[str, ...], str, EqualityResult, EqualityResult | None]:
    """The census year of :func:`run_equality`'s denominators
    (:func:`_denominator_year`, as taken by ``start``, its first day counted),
    then, against those residents, what :func:`_rates` gives: the force area,
    its residents' label and the rates of the force and of its areas, ``stops``
    placed in LSOAs (:func:`_placed_stops`). Options as :func:`run_equality`'s;
    ``notes`` receives what the figures need said."""
    pops = store.read_frame("populations")
    lsoa_rows = pops.filter(pl.col("area_type") == "lsoa")
    year = _denominator_year(
        pops,
        lsoa_rows,
        population_year,
        start=start,
        lsoa_first=_lsoa_first(area_level, areas, forces),
        notes=notes,
    )
    eth_rows = _ethnic_rows(pops, year)
    placed = _placed_stops(store, stops, lsoa_rows, max_km=max_km, notes=notes)
    return (
        year,
        *_rates(
            store,
            stops,
            placed,
            pops,
            eth_rows=eth_rows,
            lsoa_rows=lsoa_rows,
            year=year,
            areas=_rejoin_ons_names(areas) if areas else areas,
            force=force,
            forces=forces,
            ethnicity=ethnicity,
            area_level=area_level,
            min_share=min_share,
            max_km=max_km,
            notes=notes,
        ),
    )


def _no_search_after(
    store: Store, date_to: dt.date | None, forces: tuple[str, ...]
) -> bool:
    """Whether the store holds no search of the force after the day ``date_to``
    (always, with no ``date_to``): only then may a window end at its last search,
    the data stopping there, not the searches of its last days merely not yet in."""
    if date_to is None:
        return True
    after = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())
    return not stops_after(store, after, (forces or (None,))[0])


def _rates(
    store: Store,
    stops: pl.DataFrame,
    placed: pl.DataFrame,
    pops: pl.DataFrame,
    *,
    eth_rows: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    year: int,
    areas: Sequence[str] | None,
    force: str | None,
    forces: tuple[str, ...],
    ethnicity: Literal["ethnicity", "officer_ethnicity"],
    area_level: Literal["la", "lsoa"],
    min_share: float,
    max_km: float,
    notes: list[str],
) -> tuple[tuple[str, ...], str, EqualityResult, EqualityResult | None]:
    """The force area of :func:`run_equality` (:func:`_force_area`; without
    ``areas``, a force it can name: :func:`_no_force_area`), the label of its
    residents, and the rates of the force and of its areas (the options as
    :func:`run_equality`'s)."""
    if not areas:
        _no_force_area(forces)
    force_areas, by_area = _force_area(
        store,
        stops,
        placed,
        pops,
        eth_rows=eth_rows,
        lsoa_rows=lsoa_rows,
        year=year,
        areas=areas,
        forces=forces,
        min_share=min_share,
        max_km=max_km,
        notes=notes,
    )
    label = residents_label(
        _one_source(residents_sources(pops, force_areas, year=year, ethnicity=True)),
        year,
    )
    force_result = _force_result(
        stops,
        by_area,
        pops,
        force_areas,
        year=year,
        label=_force_label(force, forces),
        ethnicity=ethnicity,
        notes=notes,
    )
    area_result = _areas_result(
        store,
        stops,
        pops,
        placed,
        eth_rows=eth_rows,
        lsoa_rows=lsoa_rows,
        by_area=by_area,
        force_areas=force_areas,
        year=year,
        area_level=area_level,
        ethnicity=ethnicity,
        max_km=max_km,
        notes=notes,
    )
    return force_areas, label, force_result, area_result


def _window_stops(
    store: Store,
    force: str | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    leave_out_files: Collection[LoadedFile] = (),
) -> pl.DataFrame:
    """The stops of ``force`` (None: every force's) on the days from ``date_from``
    to ``date_to``, but those a load stored from a file of ``leave_out_files``
    (``load_id``, ``source_file``: the other files of the same load stay);
    :class:`~avert.errors.NotFound` saying why when there are none."""
    stops = store.read_frame(
        "stops",
        where=[
            *([("force", "=", force)] if force else []),
            *_days_where("occurred_at", date_from, date_to),
        ],
    )
    if leave_out_files:
        # a search of no load (stored before loads were recorded) stays
        left_out = pl.DataFrame(
            sorted(leave_out_files, key=lambda f: (f[0], f[1] or "")),
            schema={"load_id": pl.String(), "source_file": pl.String()},
            orient="row",
        )
        kept = stops.join(
            left_out, on=["load_id", "source_file"], how="anti", nulls_equal=True
        )
        if kept.height == 0 and stops.height > 0:
            # not "no stops in this window": the store holds them, loaded late
            msg = (
                "None of this window's searches was loaded by the time it was "
                "first over in the store."
            )
            raise NotFound(msg)
        stops = kept
    if stops.height == 0:
        raise NotFound(_no_stops(store, force))
    return stops


def _denominator_year(
    pops: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    population_year: int | None,
    *,
    start: dt.date,
    lsoa_first: str | None,
    notes: list[str],
) -> int:
    """The census year of the denominators (:func:`_census_year`); when it was not
    asked for, notes on a newer census and on one taken after ``start``."""
    year = _census_year(
        pops, lsoa_rows, population_year, start=start, lsoa_first=lsoa_first
    )
    if population_year is None:
        notes.extend(_newer_census(pops, year, start, lsoa_first=lsoa_first))
        notes.extend(_later_census(pops, year, start, lsoa_first=lsoa_first))
    return year


def _force_label(force: str | None, forces: Sequence[str]) -> str:
    """The force as pages name it ("City of London Police", not its id), or
    "force area" for the stops of several forces."""
    return force_name(force or forces[0]) if force or len(forces) == 1 else "force area"


def _force_result(
    stops: pl.DataFrame,
    by_area: pl.DataFrame,
    pops: pl.DataFrame,
    force_areas: Sequence[str],
    *,
    year: int,
    label: str,
    ethnicity: Literal["ethnicity", "officer_ethnicity"],
    notes: list[str],
) -> EqualityResult:
    """The force area's rates by group, age band and sex (:func:`_force_equality`)."""
    return _force_equality(
        stops,
        by_area,
        police_age_residents(pops, list(force_areas)),
        straddling=straddling_age_bands(pops, list(force_areas)),
        label=label,
        ethnicity=ethnicity,
        notes=notes,
        sexes=_sex_residents(pops, force_areas, year, notes),
    )


def _areas_result(
    store: Store,
    stops: pl.DataFrame,
    pops: pl.DataFrame,
    placed: pl.DataFrame,
    *,
    eth_rows: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    by_area: pl.DataFrame,
    force_areas: tuple[str, ...],
    year: int,
    area_level: Literal["la", "lsoa"],
    ethnicity: Literal["ethnicity", "officer_ethnicity"],
    max_km: float,
    notes: list[str],
) -> EqualityResult | None:
    """The per-area rates of the stops placed in the force area (none for an area
    no LSOA row names: :func:`_unplaceable`), and the notes on the stops not placed
    (``eth_rows``: ``year``'s ethnic groups, ``lsoa_rows``: the census rows by
    LSOA, ``by_area``: the force area's residents by area and group)."""
    aliases = _area_aliases(force_areas, eth_rows)
    in_force = _as_asked(placed, aliases)
    unplaceable = _unplaceable(force_areas, aliases, lsoa_rows, placed, notes)
    area_result = _area_equality(
        in_force,
        eth_rows,
        by_area.filter(~pl.col("area").is_in(unplaceable)),
        force_areas,
        year=year,
        area_level=area_level,
        ethnicity=ethnicity,
        notes=notes,
    )
    notes.extend(
        _per_area_notes(
            placed,
            in_force,
            max_km=max_km,
            why_unplaced=lambda: _why_unplaced(store, stops, pops, lsoa_rows, max_km),
            unplaceable=bool(unplaceable),
        )
    )
    return area_result


#: how pages name the synthetic city's residents as denominators
SYNTHETIC_RESIDENTS: Final = (
    "the synthetic city's residents (every resident avert's generator made, not a "
    "census)"
)


def residents_label(sources: Literal["synthetic", "census"], year: int) -> str:
    """The residents the rates are against, as pages name them: "census 2011
    residents", or :data:`SYNTHETIC_RESIDENTS` when they are the synthetic city's
    (:func:`_one_source`): the demo's denominators are the residents its
    generator made, never a census.

    >>> residents_label("census", 2011)
    'census 2011 residents'
    """
    if sources == "synthetic":
        return SYNTHETIC_RESIDENTS
    return f"census {year} residents"


def _one_source(sources: Mapping[str, Sequence[str]]) -> Literal["synthetic", "census"]:
    """Whether the force area's residents are the synthetic city's or a census's
    (:func:`~avert.analyse.denominators.residents_sources`); a
    :class:`~avert.errors.ConfigError` naming the areas of each when they are
    both: a rate over residents some of whom the generator made is no census
    rate, and no rate of the synthetic city either."""
    synthetic, census = list(sources["synthetic"]), list(sources["census"])
    if synthetic and census:
        msg = (
            f"The force area's residents would mix the synthetic city's (made by "
            f"avert's generator, areas coded {SYNTHETIC_AREA_PREFIX}...: "
            f"{join_area_names(synthetic)}) with census residents "
            f"({join_area_names(census)}): no rate is set against both. Give the "
            "areas of one of them with --areas (the Equality page's Areas field)."
        )
        raise ConfigError(msg)
    return "synthetic" if synthetic else "census"


def _force_area(
    store: Store,
    stops: pl.DataFrame,
    placed: pl.DataFrame,
    pops: pl.DataFrame,
    *,
    eth_rows: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    year: int,
    areas: Sequence[str] | None,
    forces: tuple[str, ...],
    min_share: float,
    max_km: float,
    notes: list[str],
) -> tuple[tuple[str, ...], pl.DataFrame]:
    """The areas making up the force area and their residents by ethnic group in
    ``year``: the ``areas`` asked for, else the police force area of a
    data.police.uk force (:func:`_listed_force_areas`), else inferred from where
    the stops fall (:func:`_force_areas`); :class:`~avert.errors.ConfigError`
    naming any area with no residents (``eth_rows``: ``year``'s ethnic groups,
    ``lsoa_rows``: the census rows by LSOA)."""
    # the stops are placed in LSOAs and named by their local authorities as the
    # LSOA rows name them: the rule weighs them against those rows' residents,
    # whatever census the denominators are (the 2021 groups by upper-tier
    # authority know no district: against them Kent's districts had no residents
    # and were left out, and its searches were set against Medway's alone)
    named_year = _lsoa_year(lsoa_rows, year)
    listed = None if areas else _listed_force_areas(forces, eth_rows, year, notes)
    force_areas = (
        tuple(areas)
        if areas
        else listed
        if listed
        else _force_areas(
            placed,
            _residents_per_parent(
                eth_rows if named_year == year else _ethnic_rows(pops, named_year),
                placed,
            ),
            min_share=min_share,
            notes=notes,
            unplaced=lambda: _why_unplaced(store, stops, pops, lsoa_rows, max_km),
        )
    )
    by_area = group_residents(eth_rows, list(force_areas), year=year)
    missing = sorted(set(force_areas) - set(by_area["area"].unique().to_list()))
    if missing:
        raise ConfigError(
            _no_residents(
                missing,
                eth_rows,
                year,
                inferred_from=None
                if areas or listed or named_year == year
                else named_year,
                elsewhere=_other_census_areas(missing, pops, year),
            )
        )
    return force_areas, by_area


def _days_text(days: int) -> str:
    """``days`` with its noun ("1 day", "6 days")."""
    return f"{days:,} day" if days == 1 else f"{days:,} days"


def _stops_window(
    stops: pl.DataFrame,
    date_from: dt.date | None,
    date_to: dt.date | None,
    notes: list[str],
    *,
    ends_here: bool = True,
) -> tuple[tuple[dt.date, dt.date], int]:
    """The days counted (the window asked, else the first and last day searched;
    the last day searched when that falls in the asked window's last month and
    ``ends_here``, the store holding no search of the force after the window) and
    the months of it holding searches; a note when some months hold none, since a
    rate per 1,000 residents is of the searches of the months that do (a store
    holding one month of a force's stops, read as a year's rate, is 12 times too
    low). A window whose last month is followed by more searches is whole: the
    year to March 2024 of a store of searches on the 3rd of each month to June
    2024 read "to 2024-03-03", noting that the store's searches end on 3 March."""
    times = stops["occurred_at"]
    first, last = times.min(), times.max()
    assert isinstance(first, dt.datetime)
    assert isinstance(last, dt.datetime)
    start, end = date_from or first.date(), date_to or last.date()
    held = sorted(set(times.dt.strftime("%Y-%m").to_list()))
    span = (end.year - start.year) * 12 + end.month - start.month + 1
    if len(held) < span:
        months = [
            f"{(start.month - 1 + k) // 12 + start.year:04d}-"
            f"{(start.month - 1 + k) % 12 + 1:02d}"
            for k in range(span)
        ]
        # the months without searches, when fewer than those with: "2020-01 to
        # 2020-12" alone read as every month held (South Yorkshire without 2020-04)
        gaps = [m for m in months if m not in held]
        said = (
            ", ".join(held)
            if len(held) <= 6
            else f"none in {', '.join(gaps)}"
            if len(gaps) <= 6
            else f"{held[0]} to {held[-1]}, {len(gaps)} months without"
        )
        notes.append(
            f"The store holds this force's searches for {len(held)} of the {span} "
            f"months from {start:%Y-%m} to {end:%Y-%m} ({said}): the rates per 1,000 "
            "residents are of those months' searches, not a rate per year."
        )
    if (
        date_to is not None
        and ends_here
        and last.date() < end
        and last.strftime("%Y-%m") == (f"{end:%Y-%m}")
    ):
        # the searches stop part way through the window's last month (the data
        # end there, or the month is still under way): the window printed to its
        # last day read as whole months of searches (the demo's stops end 24 Nov)
        notes.append(
            f"The store's searches of this force end on {last:%Y-%m-%d}, "
            f"{_days_text((end - last.date()).days)} before the end of "
            f"{end:%B %Y}: the "
            "rates are of the searches to that day."
        )
        end = last.date()
    return (start, end), len(held)


def _per_area_notes(
    placed: pl.DataFrame,
    in_force: pl.DataFrame,
    *,
    max_km: float,
    why_unplaced: Callable[[], str],
    unplaceable: bool = False,
) -> list[str]:
    """How many searches the per-area rates leave out (they stay in the force's):
    those with no place and those placed outside the force area (or, when some of
    its areas are named by no LSOA row, outside the areas of the table).

    With none in the table, the note says why: ``why_unplaced`` (what is missing,
    first to last: :func:`_why_unplaced`) when no search could be placed at all, so
    that a census by local authority alone is named as the cause rather than the
    stops' coordinates (West Yorkshire, January 2019: 783 of 1,012 stops located,
    blamed on "no coordinates")."""
    unplaced = placed.filter(pl.col("parent").is_null()).height
    outside = placed.height - unplaced - in_force.height
    if in_force.height == 0:
        why = (
            (
                "it falls outside "
                if outside == 1
                else f"all {outside:,} placed fall outside "
            )
            + ("the areas of the per-area table" if unplaceable else "the force area")
            if outside
            else why_unplaced()
        )
        return [
            (
                "No per-area rates: the one search could not be placed in an area "
                "of the force area (the force's figures count it): "
                if placed.height == 1
                else f"No per-area rates: none of the {placed.height:,} searches "
                "could be placed in an area of the force area (the force's figures "
                "count them all): "
            )
            + f"{why}."
        ]
    if not unplaced and not outside:
        return []
    left = [
        *(
            [
                f"{unplaced:,} without a place (no coordinates, or none within {max_km:g} km of a centroid)"
            ]
            if unplaced
            else []
        ),
        *(
            [
                f"{outside:,} placed outside "
                + (
                    "the areas of the per-area table"
                    if unplaceable
                    else "the force area"
                )
            ]
            if outside
            else []
        ),
    ]
    return [
        f"Per-area rates count the {in_force.height:,} searches placed in the force "
        f"area; {' and '.join(left)} count in the force's figures only."
    ]


def _no_stops(store: Store, force: str | None) -> str:
    """Why no stop is counted: none loaded, none of that force (the forces there
    are named), or none of it in the window (its stops' first and last day)."""
    held = store.read_frame("stops", columns=["force", "occurred_at"])
    if held.height == 0:
        # read by the board (its pack) and partners (the Equality page), who run
        # no command: it says who loads them, as the empty Today page does
        return (
            "No stops in the store: none are loaded yet. An administrator or "
            "analyst loads them on avert's server: data.police.uk stop and search "
            "with 'avert ingest policeuk', a record bundle's stops.csv with "
            "'avert ingest bundle' (docs/bundle.md)."
        )
    mine = held.filter(pl.col("force") == force) if force else held
    if mine.height == 0:
        per_force = (
            held.group_by("force")
            .agg(pl.len().alias("n"))
            .sort(["n", "force"], descending=[True, False])
        )
        said = ", ".join(
            f"{r['force']} ({r['n']:,})" for r in per_force.head(8).to_dicts()
        )
        return (
            # the force asked is not repeated: on the equality page it is a
            # link's text (content spoofing); its field shows it as typed
            "No stops of the force asked for in the store. Forces with stops (as "
            f"--police-force names them, from the police.uk file names): {said}."
        )
    first, last = mine["occurred_at"].min(), mine["occurred_at"].max()
    assert isinstance(first, dt.datetime)
    assert isinstance(last, dt.datetime)
    return (
        f"No stops {'of ' + repr(force) + ' ' if force else ''}in this window: the "
        f"store holds them from {first:%Y-%m-%d} to {last:%Y-%m-%d}."
    )


def _one_force(stops: pl.DataFrame, force: str | None) -> tuple[str, ...]:
    """The force of ``stops`` (the one asked, else the only one there); raise
    :class:`ConfigError` naming the forces, most stops first, when there are several
    and none was asked."""
    if force:
        return (force,)
    per_force = (
        stops.filter(pl.col("force").is_not_null())
        .group_by("force")
        .agg(pl.len().alias("stops"))
        .sort(["stops", "force"], descending=[True, False])
    )
    # stops naming no force (a police.uk file whose name has none) beside a named
    # force's were counted as that force's
    unnamed = int(stops["force"].is_null().sum())
    if per_force.height + (unnamed > 0) <= 1:
        return tuple(per_force["force"].to_list())
    said = ", ".join(
        f"{r['force']} ({r['stops']:,})" for r in per_force.head(5).to_dicts()
    )
    more = per_force.height - 5
    msg = (
        f"The stops in this window are of {per_force.height} "
        + ("force" if per_force.height == 1 else "forces")
        + f" ({said}"
        + (f" and {more} more" if more > 0 else "")
        + ")"
        + (
            f", and {unnamed:,} stops name no force ({_unnamed_sources(stops)})"
            if unnamed
            else ""
        )
        + ": choose one with --police-force (the Equality page's Force field), e.g. "
        + str(per_force["force"][0])
        + "; one force's searches are set against its own area's residents."
    )
    raise ConfigError(msg)


def _unnamed_sources(stops: pl.DataFrame) -> str:
    """The sources of the stops naming no force with their counts, most first: a
    police.uk file whose name names none, or a record bundle (the synthetic city's
    searches were called police.uk's)."""
    if "source" not in stops.columns:
        return "a police.uk file whose name names none"
    per = (
        stops.filter(pl.col("force").is_null())
        .group_by(pl.col("source").fill_null("no source"))
        .len()
        .sort(["len", "source"], descending=[True, False])
    )
    police_uk = "a police.uk file whose name names none"
    if per["source"].to_list() == ["policeuk"]:
        return police_uk
    return "; ".join(
        f"{police_uk} {n:,}" if src == "policeuk" else f"{src} {n:,}"
        for src, n in per.iter_rows()
    )


def _unnamed_force_note(stops: pl.DataFrame, forces: Sequence[str]) -> list[str]:
    """A note when no police.uk stop names its force: the stops of several forces
    loaded from one file whose name names none (``2019-01-stop-and-search.csv``)
    are set against one area taken from where they all fall (Humberside's,
    Cleveland's and Wiltshire's January 2019 stops: an area of 15 local authorities
    from Hartlepool to Swindon, Black/White 3.75, no word said). A bundle's stops
    (one force's own records) name none as a rule: no note."""
    if forces or "source" not in stops.columns:
        return []
    if not (stops["source"].cast(pl.String) == "policeuk").any():
        return []
    return [
        "No stop names its force (police.uk names it in the file name, e.g. "
        "'2019-01-humberside-stop-and-search.csv'): avert cannot tell whether these "
        "are one force's searches; if they are of several, their figures mix them "
        "against one area made of all of theirs. Load each force's file under its "
        "police.uk name, or give the force's areas with --areas."
    ]


def unpublished_searches(stops: pl.DataFrame) -> int:
    """How many of ``stops`` are not police.uk's (``source`` not ``policeuk`` or
    ``policeuk-api``, or none): a force's own records, which no one has published,
    so the force's figures of them are under the small-cell rule for readers
    outside the police (docs/equality.md, "Force-level figures")."""
    if "source" not in stops.columns or stops.height == 0:
        return 0
    source = stops["source"].cast(pl.String)
    return int((source.is_null() | ~source.is_in(sorted(_POLICE_UK_SOURCES))).sum())


def _unpublished_note(stops: pl.DataFrame) -> list[str]:
    """A note when searches are not police.uk's (a record bundle: a force's own
    records): nobody has published them, so the force's figures are under the
    small-cell rule for partners and the board, as the areas' are for everyone
    (docs/equality.md, "Force-level figures"); the police read them whole."""
    own = unpublished_searches(stops)
    if not own:
        return []
    source = stops["source"].cast(pl.String)
    named = (
        source.filter(~source.is_in(sorted(_POLICE_UK_SOURCES)))
        .drop_nulls()
        .unique()
        .sort()
        .to_list()
    )
    return [
        f"{own:,} of these {stops.height:,} searches are not from police.uk "
        f"({', '.join(named[:3]) or 'no source named'}): nobody has published them, "
        "so for partners and the board (and in the board pack) the force's figures "
        "(by group, power, month, age band and sex, finds and arrests) withhold "
        "counts of 1 to 4 searches, and what would give them back, as the areas' "
        "do; the police read them whole."
    ]


#: forces that police a network, not a resident population (``stops.force`` as
#: police.uk names them: the archive's file names and the API's force ids)
_NETWORK_FORCES: Final = frozenset({"btp", "british-transport-police"})


def _no_force_area(forces: Sequence[str]) -> None:
    """Raise :class:`NotFound` for a force with no resident population of its own.

    British Transport Police searches travellers on the railways of every region:
    its stops fall in dozens of local authorities (70 in January 2019), whose
    residents are not the people it polices, so a force area inferred from them
    gives rates and ratios that mean nothing (January 2019: a Black/White ratio of
    3.28 against the residents of 70 areas from Carlisle to Brighton).
    ``--areas`` still sets its searches against residents the user names.
    """
    network = [f for f in forces if f.lower() in _NETWORK_FORCES]
    if network:
        # named as the pages name a force, its id beside it for --police-force
        msg = (
            f"{force_name(network[0])} ({network[0]}) polices the railways, not the "
            "residents of a force area: "
            "its searches are of travellers from anywhere, so avert does not infer "
            "a force area for it (the residents of the areas its stations are in are "
            "not the people it searches). To set its searches "
            "against the residents of areas you choose anyway, give them with "
            "--areas (the Equality page's Areas field)."
        )
        raise NotFound(msg)


def _why_unplaced(
    store: Store,
    stops: pl.DataFrame,
    pops: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    max_km: float,
) -> str:
    """Why no stop could be placed in an area: what is missing, first to last.

    Stops without any coordinates come first, since nothing loaded can place them
    (South Yorkshire publishes none: the advice to load LSOA census rows and
    centroids led nowhere)."""
    located = stops.filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    if located.height == 0:
        return "no stop has a latitude and longitude"
    with_parent = lsoa_rows.filter(
        pl.col("parent_area").is_not_null() & (pl.col("parent_area") != "")
    )
    if with_parent.height == 0:
        kinds = sorted(set(pops["area_type"].drop_nulls().to_list()))
        loaded = (
            f"only {', '.join(kinds)} rows are loaded"
            if kinds
            else "no population rows are loaded"
        )
        return (
            f"no LSOA census rows with their parent area ({loaded}); stops are "
            "placed in LSOAs by their centroids and counted in the LSOAs' parent "
            "areas: load LSOA ethnic-group rows that name each LSOA's local "
            "authority (e.g. the 2011 Census by LSOA, with lad_name) with 'avert "
            "ingest population' and LSOA centroids with 'avert ingest centroids'"
        )
    lsoas = with_parent.select("area")
    centroids = store.read_frame("area_centroids", columns=["area"])
    has_centroids = centroids.join(lsoas, on="area", how="semi").height > 0
    polygons = store.read_frame("area_boundaries", columns=["area"])
    has_polygons = polygons.join(lsoas, on="area", how="semi").height > 0
    if not has_centroids and not has_polygons:
        return (
            "no centroids or boundaries for the loaded LSOAs: load them with 'avert "
            "ingest centroids' or 'avert ingest boundaries'"
        )
    if not has_centroids:
        return "no stop lies within a loaded LSOA boundary"
    return f"no stop lies within {max_km:g} km of a loaded LSOA centroid" + (
        " nor within a loaded LSOA boundary" if has_polygons else ""
    )


def _days_where(
    column: str, date_from: dt.date | None, date_to: dt.date | None
) -> list[Filter]:
    """Filters keeping ``column`` within the days ``date_from``..``date_to`` (inclusive;
    an end that is None is open)."""
    where: list[Filter] = []
    if date_from:
        where.append((column, ">=", dt.datetime.combine(date_from, dt.time())))
    if date_to:
        where.append(
            (
                column,
                "<",
                dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()),
            )
        )
    return where


#: where the Equality page and the board pack choose ``--population-year``: their
#: messages named the CLI's option alone, which the page had no field for
_PAGE_YEAR: Final = "(the Equality page's Census year)"


def _newer_census(
    pops: pl.DataFrame, year: int, start: dt.date, *, lsoa_first: str | None
) -> list[str]:
    """A note when the store holds ethnic groups of a later year than the default
    census (:func:`_census_year`): South Yorkshire's 2019-2021 searches gave
    Black/White 2.87 against the 2011 census and 2.15 against 2021's (by local
    authority), every minority group having grown."""
    # the synthetic city's residents are no census a force's rates can take
    newer = latest_year(_census_rows(pops), ethnicity=True)
    if newer is None or newer <= year:
        return []
    why = (
        f"the latest with ethnic groups by LSOA ({lsoa_first})"
        if lsoa_first
        else "the latest census taken by then"
    )
    taken = census_day(year)
    return [
        f"The denominators are the {year} census (taken {taken:%d %B %Y}, "
        f"{_whole_years(taken, start)} years before the first day counted, {start}), "
        f"{why}; "
        f"the store also holds ethnic groups of {newer}: --population-year {newer} "
        f"{_PAGE_YEAR} gives the force's rates against them. A group that grew faster than the "
        f"White group since {year} has its ratio to White overstated by the older "
        "count."
    ]


def _census_rows(pops: pl.DataFrame) -> pl.DataFrame:
    """``pops`` but the synthetic city's residents (:data:`SYNTHETIC_AREA_PREFIX`),
    which a note never offers as a census: beside the 2011 census they were
    offered to City of London's 2019 searches as "ethnic groups of 2024"."""
    if "area" not in pops.columns:
        return pops
    synthetic = pl.col("area").cast(pl.String).str.starts_with(SYNTHETIC_AREA_PREFIX)
    return pops.filter(~synthetic.fill_null(value=False))


def _later_census(
    pops: pl.DataFrame, year: int, start: dt.date, *, lsoa_first: str | None
) -> list[str]:
    """A note when the default census was taken after the first day counted: the
    store holds none taken by then (:func:`_census_year` takes the earliest held),
    or one is held but the census was chosen for its LSOAs (``lsoa_first``).

    South Yorkshire's 2019-2021 searches against the 2021 census alone (by
    upper-tier authority) gave Black/White 2.15 with no word that the residents
    were counted two years after the first search; the 2011 census, eight years
    before it, gives 2.87 (docs/equality.md): neither is of the searches' time, and
    for a group growing steadily the ratio of their time lies between. With the
    2011 and 2021 censuses by LSOA, per-LSOA rates take 2021's: the note said no
    earlier census was held."""
    taken = census_day(year)
    if taken <= start:
        return []
    head = (
        f"The denominators are the {year} census (taken {taken:%d %B %Y}), after the "
        f"first day counted ({start})"
    )
    grew = (
        "A group that grew faster than the White group since has its ratio to White "
        "understated by the later count"
    )
    earlier = [
        y
        for y in sorted(set(_ethnic_years(_census_rows(pops))))
        if census_day(y) <= start
    ]
    if earlier:
        return [
            f"{head}, the latest with ethnic groups by LSOA ({lsoa_first}); the store "
            f"also holds ethnic groups of {earlier[-1]}, taken by then: "
            f"--population-year {earlier[-1]} {_PAGE_YEAR} gives the force's rates "
            "against them. "
            f"{grew}."
        ]
    return [
        f"{head}: the store holds no census with ethnic groups taken by then. {grew} "
        "(and an earlier count overstates it): to see both sides, load an earlier "
        "census (e.g. the 2011 Census by LSOA) with 'avert ingest population' and "
        f"choose it with --population-year {_PAGE_YEAR}."
    ]


def _ethnic_rows(pops: pl.DataFrame, year: int) -> pl.DataFrame:
    """The year's residents by ethnic group (every sex and age)."""
    return pops.filter(
        (pl.col("year") == year)
        & (pl.col("sex") == "all")
        & (pl.col("age_band") == "all")
        & (pl.col("ethnicity") != "all")
    )


def _lsoa_year(lsoa_rows: pl.DataFrame, year: int) -> int:
    """The census year whose LSOA rows name the areas stops are placed in: the
    denominators' own when it has LSOA rows, else the latest that has."""
    years = set(lsoa_rows["year"].drop_nulls().to_list())
    return year if year in years or not years else int(max(years))


#: The day each census of England and Wales avert reads was taken (ONS): a census
#: counts for a window from that day on.
CENSUS_DAYS: Final = {
    2001: dt.date(2001, 4, 29),
    2011: dt.date(2011, 3, 27),
    2021: dt.date(2021, 3, 21),
}


def census_day(year: int) -> dt.date:
    """The day the residents of ``year`` were counted: its census day
    (:data:`CENSUS_DAYS`), else 30 June, the reference day of ONS mid-year
    estimates (a year with no census).

    >>> census_day(2021), census_day(2019)
    (datetime.date(2021, 3, 21), datetime.date(2019, 6, 30))
    """
    return CENSUS_DAYS.get(year, dt.date(year, 6, 30))


def _whole_years(since: dt.date, until: dt.date) -> int:
    """Whole years from ``since`` to ``until`` (an age in years)."""
    return (
        until.year - since.year - ((until.month, until.day) < (since.month, since.day))
    )


def _census_year(
    pops: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    population_year: int | None,
    *,
    start: dt.date,
    lsoa_first: str | None = None,
) -> int:
    """The census year of the denominators: the one asked; else the latest census
    with ethnic groups taken by the first day counted, compared by date
    (:func:`census_day`: the 2021 census, taken on 21 March, counts for a window
    from that day; one from 1 January 2021 gets 2011's) (the one of the searches'
    time: against the 2011 census, 13 years old, the Met's September 2024 searches
    gave Black/White 3.13 and Asian/White 1.06 where the 2021 census gives 2.77 and
    0.86), else the earliest after it. Stops are placed in LSOAs of any year
    (:func:`_lsoa_year`), so a census by local authority serves a force area that
    is listed or given; where ``lsoa_first`` gives a reason (per-LSOA rates, a
    force area inferred from the LSOAs' districts) the latest with LSOA rows."""
    held = sorted(set(_ethnic_years(pops)))
    if population_year is not None and population_year not in held:
        raise ConfigError(_no_ethnic_groups(pops, population_year, held))
    year = population_year or (
        latest_year(lsoa_rows, ethnicity=True) if lsoa_first else None
    )
    if year is None:
        # by the census day, not the year: the 2021 census (21 March) is not taken
        # by 1 January 2021
        before = [y for y in held if census_day(y) <= start]
        year = before[-1] if before else (held[0] if held else None)
    if year is None:
        msg = (
            "No population with an ethnic-group breakdown: load census denominators "
            "with 'avert ingest population' first."
        )
        raise NotFound(msg)
    return year


def _no_ethnic_groups(pops: pl.DataFrame, year: int, held: Sequence[int]) -> str:
    """Why ``--population-year`` ``year`` cannot give rates by ethnic group: its
    residents are not by ethnic group (an ONS mid-year estimate gives sex and age
    only) or not loaded at all.

    Asked first: the force area was otherwise taken from where the stops fall
    (the listed one matched no residents of the year) and the error named the
    areas kept, "No 2020 census ethnic-group residents for" 30 of London's 33,
    as if the other three had them.
    """
    loaded = pops.filter(pl.col("year") == year).height > 0
    what = (
        f"The {year} populations loaded give no ethnic groups (an ONS mid-year "
        "estimate gives sex and age only)"
        if loaded
        else f"No {year} populations are loaded"
    )
    choose = (
        "choose a year that has them with --population-year "
        f"{_PAGE_YEAR[:-1]}: {', '.join(map(str, held))})"
        if held
        else "load a census's residents by ethnic group"
    )
    return (
        f"{what}: the rates by ethnic group need residents by ethnic group. "
        f"{choose[0].upper()}{choose[1:]}, or load {year}'s residents by ethnic "
        "group with 'avert ingest population'."
    )


def _lsoa_first(
    area_level: str, areas: Sequence[str] | None, forces: Sequence[str]
) -> str | None:
    """Why the default census must have LSOA rows, if it must: per-LSOA rates, or
    a force area inferred from the districts of the LSOAs its stops fall in (a
    census by upper-tier authority names no district: an error)."""
    if area_level == "lsoa":
        return "per-LSOA rates"
    if areas or _is_listed_force(forces):
        return None
    return "a force area inferred from where its stops fall"


def _is_listed_force(forces: Sequence[str]) -> bool:
    """Whether the one force is in avert's list of police force areas."""
    if len(forces) != 1:
        return False
    key = "-".join(forces[0].lower().replace("&", "and").split())
    return _police_force_areas().filter(pl.col("force") == key).height > 0


def _ethnic_years(pops: pl.DataFrame) -> list[int]:
    """The years with residents by ethnic group."""
    rows = pops.filter(pl.col("ethnicity") != "all")
    return [int(y) for y in rows["year"].drop_nulls().unique().to_list()]


def _placed_stops(
    store: Store,
    stops: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    *,
    max_km: float,
    notes: list[str],
) -> pl.DataFrame:
    """The stops with ``lsoa`` and its ``parent`` area.

    A stop goes to the LSOA whose boundary polygon holds it where boundaries are
    loaded (``avert ingest boundaries``), else to the nearest centroid's
    (:func:`~avert.analyse.equality.place_stops_by`); a note says how many each
    placed. Stops are placed in LSOAs of any year's rows (latest first), parents
    from them; both are null where a stop cannot be placed.
    """
    small = lsoa_rows.filter(pl.col("parent_area") != "").sort("year", descending=True)
    parent_of = small.select("area", "parent_area").unique("area", keep="first")
    placed = stops.with_columns(pl.lit(None, pl.String).alias("lsoa"))
    if small.height:
        centroids = store.read_frame("area_centroids")
        centroids = centroids.join(parent_of.select("area"), on="area", how="semi")
        bounds = store.read_frame(
            "area_boundaries", columns=["area", "crs", "geometry_wkt"]
        ).join(parent_of.select("area"), on="area", how="semi")
        if centroids.height or bounds.height:
            where = place_stops_by(stops, centroids, max_km=max_km, boundaries=bounds)
            placed = stops.with_columns(where["area"].alias("lsoa"))
            if bounds.height:
                notes.append(_placement_note(where["placed_by"], max_km=max_km))
        else:
            notes.append(
                "No area centroids for these LSOAs ('avert ingest centroids'): stops are "
                "not placed in areas."
            )
    return placed.join(
        parent_of.rename({"area": "lsoa", "parent_area": "parent"}),
        on="lsoa",
        how="left",
    )


def _placement_note(placed_by: pl.Series, *, max_km: float) -> str:
    """How many stops the boundary polygons placed, how many fell back to centroids."""
    by_polygon = int((placed_by == "boundary").sum())
    by_centroid = int((placed_by == "centroid").sum())
    unplaced = int(placed_by.null_count())
    return (
        f"Stops placed in LSOAs by boundary polygon: {by_polygon:,}; in no loaded "
        f"polygon, so by the nearest centroid within {max_km:g} km: {by_centroid:,}; "
        f"not placed: {unplaced:,}."
    )


#: An area belongs to the force area when its placed stops per resident reach this
#: share of the rate over the areas holding at least ``min_share`` of the stops.
FORCE_AREA_MIN_RATE_RATIO: Final = 0.1
#: ... and when it holds at least this many placed stops (one stray stop is not enough).
FORCE_AREA_MIN_STOPS: Final = 2


def _force_areas(
    placed: pl.DataFrame,
    residents: pl.DataFrame,
    *,
    min_share: float,
    notes: list[str],
    unplaced: Callable[[], str] | None = None,
) -> tuple[str, ...]:
    """The local authorities policed by the force, inferred from where its stops fall.

    A share of the stops alone misjudges both ways: a large force's quiet boroughs
    hold under 1 % of its stops (the Met's Kingston, Richmond and Havering in January
    2019), while a small force's stray stops over the border reach 1 % (Bedfordshire's
    two in Huntingdonshire). Stops per resident separate them: the reference rate is
    that of the areas holding at least ``min_share`` of the placed stops, and an area
    is in when its own rate is at least :data:`FORCE_AREA_MIN_RATE_RATIO` of it and
    it holds :data:`FORCE_AREA_MIN_STOPS` or more stops. ``residents``: ``parent``,
    ``residents`` (the census of the denominators). The rule and the areas left out
    with the most stops are said in a note. ``unplaced`` says why no stop could be
    placed, when none was.
    """
    located = placed.filter(pl.col("parent").is_not_null())
    if located.height == 0:
        why = f": {unplaced()}" if unplaced is not None else ""
        msg = (
            f"Cannot tell the force area: no stop could be placed{why}. Or give the "
            "force area's local authorities with --areas 'Barnsley,Doncaster,...' "
            "(avert analyse equality, avert board pack; the Equality page's Areas field)."
        )
        raise NotFound(msg)
    per_area = force_area_members(
        located.group_by(pl.col("parent").alias("area"))
        .agg(pl.len().alias("count"))
        .join(residents.rename({"parent": "area"}), on="area", how="left"),
        min_share=min_share,
        min_rate_ratio=FORCE_AREA_MIN_RATE_RATIO,
        min_count=FORCE_AREA_MIN_STOPS,
    ).rename({"area": "parent", "count": "stops"})
    force_areas = tuple(sorted(per_area.filter("inside")["parent"].to_list()))
    left_out = per_area.filter(~pl.col("parent").is_in(force_areas)).sort(
        ["stops", "parent"], descending=[True, False]
    )
    said = join_area_names(
        f"{r['parent']} ({r['stops']})" for r in left_out.head(5).to_dicts()
    )
    notes.append(
        "Force area taken from where the stops fall: the areas whose placed stops per "
        f"resident reach {FORCE_AREA_MIN_RATE_RATIO:.0%} of the rate over the areas "
        f"holding {min_share:.0%} or more of them (and {FORCE_AREA_MIN_STOPS} or more "
        f"stops): {join_area_names(force_areas)} (set it with --areas, or the "
        "Equality page's Areas field)"
        + (f". Areas left out, with their stops: {said}" if said else "")
        + "."
    )
    return force_areas


#: The local authorities of each police force area of England and Wales, as the 2011
#: census by LSOA names its districts (``lad2011``) and by code of the 2021 census's
#: upper-tier authorities (``utla2021``); sources in ``avert/data/README.md``.
_FORCE_AREAS_FILE: Final = "police_force_areas.csv"


def _police_force_areas() -> pl.DataFrame:
    """``force``, ``geography``, ``area``: the shipped police force areas."""
    from importlib.resources import files

    return pl.read_csv(
        files("avert").joinpath("data", _FORCE_AREAS_FILE).read_bytes(),
        schema={"force": pl.String, "geography": pl.String, "area": pl.String},
    )


#: forces whose area has few residents beside the many who work in it or pass
#: through, whom its searches are mostly of
_FEW_RESIDENTS: Final = {
    "city-of-london": (
        "The City of London has {residents:,} residents ({year} census) and many "
        "times more people working in it or passing through by day, whom its police "
        "mostly search: its rates per resident, and their ratios, are not comparable "
        "with other forces'."
    )
}


#: the same of crime counts per resident (the performance view's rates per 1,000)
_FEW_RESIDENTS_RATES: Final = {
    "city-of-london": (
        "The City of London has {residents:,} residents and many times more people "
        "working in it or passing through by day, whom its crimes also count: its "
        "rates per 1,000 residents are not comparable with other areas'."
    )
}


def is_few_residents_note(note: str) -> bool:
    """Whether ``note`` is one of :data:`_FEW_RESIDENTS` (filled in with the census
    in use) or :data:`_FEW_RESIDENTS_RATES`: a page shows it beside the rates, not
    among the other notes."""
    return any(
        note.endswith(template[template.index("census) ") :].removeprefix("census"))
        for template in _FEW_RESIDENTS.values()
    ) or any(
        note.endswith(template[template.index(" residents and ") :])
        for template in _FEW_RESIDENTS_RATES.values()
    )


def few_residents_rate_notes(residents: Mapping[str, float]) -> list[str]:
    """The caveat of each force area of few residents (:data:`_FEW_RESIDENTS`) among
    ``residents`` (area -> residents, the areas given rates per resident), named as
    the force's id or name or one of its local authorities: the performance view's
    rates per 1,000 of the City of London are as little comparable as its rates of
    searches."""
    areas = _police_force_areas()
    notes = []
    for force, template in _FEW_RESIDENTS_RATES.items():
        names = {force, force_name(force)} | set(
            areas.filter(pl.col("force") == force)["area"].to_list()
        )
        known = [n for n in residents if n in names]
        if known:
            notes.append(template.format(residents=round(residents[known[0]])))
    return notes


def _listed_force_areas(
    forces: Sequence[str], eth_rows: pl.DataFrame, year: int, notes: list[str]
) -> tuple[str, ...] | None:
    """The force area of a police.uk force from the shipped list, as the census of
    the denominators names it; None for a force not listed (or none known to the
    census), whose area is then inferred from where its stops fall.

    Where its stops fall cannot tell a force's quiet districts from a neighbour's
    (docs/equality.md): on January 2019 the rule took Leeds into North Yorkshire,
    Coventry into Warwickshire, and set Humberside's searches against the residents
    of City of London, Westminster and Croydon (Black/White 0.40 where its own four
    areas give 5.0); Thames Valley, 42 of 978 stops placed, got 8 of its 16
    districts. A listed force whose areas the census rows do not all hold is an
    error naming them, as for ``--areas``: its searches would be set against part
    of its residents.
    """
    if len(forces) != 1:
        return None
    key = "-".join(forces[0].lower().replace("&", "and").split())
    listed = _police_force_areas().filter(pl.col("force") == key)
    nearest: tuple[list[str], list[str]] | None = None
    for geography in ("lad2011", "utla2021"):
        names = listed.filter(pl.col("geography") == geography)["area"].to_list()
        if not names:
            continue
        found = set(group_residents(eth_rows, names, year=year)["area"].to_list())
        missing = [n for n in names if n not in found]
        if not missing:
            shown = _census_names(names, eth_rows)
            notes.append(
                f"Force area: the local authorities of {force_name(forces[0])}'s "
                "police force "
                f"area as the {year} census names them, from avert's list of police "
                f"force areas (Police Act 1996, Schedule 1): {join_area_names(shown)} "
                "(set another with --areas, or the Equality page's Areas field)."
            )
            if key in _FEW_RESIDENTS:  # the residents the rates are against
                residents = int(
                    group_residents(eth_rows, names, year=year)["population"].sum()
                )
                notes.append(_FEW_RESIDENTS[key].format(residents=residents, year=year))
            return shown
        if found and (nearest is None or len(missing) < len(nearest[1])):
            nearest = (names, missing)
    if nearest is None:
        return None
    raise ConfigError(
        f"{force_name(forces[0])}'s police force area is {join_area_names(nearest[0])}. "
        + _no_residents(nearest[1], eth_rows, year)
    )


def _census_names(areas: Sequence[str], eth_rows: pl.DataFrame) -> tuple[str, ...]:
    """``areas`` with each code given as the census names it, where that name is
    the census's name of that one area only (else the code, which always matches)."""
    named = eth_rows.select("area", "area_name").unique().drop_nulls()
    counts = (
        pl.concat(
            [
                named.select(area_key(pl.col("area_name")).alias("_key")),
                eth_rows.select(area_key(pl.col("parent_area")).alias("_key"))
                .unique()
                .drop_nulls(),
            ]
        )
        .group_by("_key")
        .len()
    )
    unique = set(counts.filter(pl.col("len") == 1)["_key"].to_list())
    name_of = {
        r["area"]: r["area_name"]
        for r in named.with_columns(area_key(pl.col("area_name")).alias("_key"))
        .filter(pl.col("_key").is_in(list(unique)))
        .to_dicts()
    }
    return tuple(name_of.get(a, a) for a in areas)


def _residents_per_parent(eth_rows: pl.DataFrame, placed: pl.DataFrame) -> pl.DataFrame:
    """``parent``, ``residents``: the residents (all ethnic groups) of each area the
    stops were placed in, from the denominators' own census rows: the sum of its
    LSOAs, or its own row when that census is by local authority (the 2021 ethnic
    groups by upper-tier authority), matched as :func:`group_residents` matches."""
    parents = placed["parent"].drop_nulls().unique().to_list()
    return (
        group_residents(eth_rows, parents)
        .group_by(pl.col("area").alias("parent"))
        .agg(pl.col("population").sum().cast(pl.Float64).alias("residents"))
    )


def _area_aliases(force_areas: Sequence[str], eth_rows: pl.DataFrame) -> pl.DataFrame:
    """``asked``, ``_key``: the keys each area of the force area is known by, its
    own and, for an area given by code (``E08000032``), the census's name of it
    (the LSOAs name their local authority by name, never by code)."""
    asked = pl.DataFrame(
        {"asked": list(force_areas)}, schema={"asked": pl.String}
    ).with_columns(area_key(pl.col("asked")).alias("_key"))
    by_code = eth_rows.select(
        area_key(pl.col("area")).alias("_code"),
        area_key(pl.col("area_name")).alias("_name"),
    ).unique()
    named = asked.join(by_code, left_on="_key", right_on="_code", how="inner").select(
        "asked", pl.col("_name").alias("_key")
    )
    return pl.concat([asked, named]).unique(maintain_order=True)


def _as_asked(placed: pl.DataFrame, aliases: pl.DataFrame) -> pl.DataFrame:
    """The placed stops in the force area, their ``parent`` named as the force area
    names it (names match as in :func:`group_residents`: "Barking & Dagenham" is
    the LSOAs' "Barking and Dagenham"; an area given by code by its census name).
    ``aliases``: :func:`_area_aliases`."""
    return (
        placed.with_columns(area_key(pl.col("parent")).alias("_key"))
        .join(aliases.unique("_key", keep="first"), on="_key", how="inner")
        .drop("parent", "_key")
        .rename({"asked": "parent"})
    )


def _unplaceable(
    force_areas: Sequence[str],
    aliases: pl.DataFrame,
    lsoa_rows: pl.DataFrame,
    placed: pl.DataFrame,
    notes: list[str],
) -> list[str]:
    """The areas of the force area no LSOA row names as its local authority (a
    county of the 2021 census by upper-tier authority, where the LSOAs name its
    districts): no stop can be placed in them, so they have no per-area rate (a
    rate of 0 over all their residents, with their stops counted "outside the
    force area", before). A note names them, when some stop was placed."""
    if placed.filter(pl.col("parent").is_not_null()).height == 0:
        return []
    parents = lsoa_rows.select(area_key(pl.col("parent_area")).alias("_key")).unique()
    known = set(aliases.join(parents, on="_key", how="semi")["asked"].to_list())
    lost = [a for a in force_areas if a not in known]
    if lost:
        notes.append(
            f"No per-area rate for {join_area_names(lost)}: no LSOA row names "
            + ("it" if len(lost) == 1 else "them")
            + " as its local authority (the LSOA census names local authorities "
            "of its own time, e.g. a county's districts), so no search can be "
            "placed there; the force's figures count its searches."
        )
    return lost


#: the tail of ONS's inverted names ("Bristol, City of", "Herefordshire, County of"):
#: split off by a comma-separated --areas, it is joined back to the name before it
_ONS_NAME_TAILS: Final = frozenset({"city of", "county of"})

#: What separates area names in a list that notes, messages and the Equality page's
#: Areas field show: a name may hold a comma ("Bristol, City of"), so a list joined
#: with ", " could not be told apart or read back as ``--areas``
AREA_SEPARATOR: Final = "; "


def join_area_names(names: Iterable[str]) -> str:
    """Area names as one line, separated by ``"; "`` (:data:`AREA_SEPARATOR`):
    "Bath and North East Somerset; Bristol, City of; North Somerset", which
    :func:`split_area_names` reads back as the same names."""
    return AREA_SEPARATOR.join(names)


def split_area_names(text: str) -> tuple[str, ...]:
    """The area names of a list as a user gives it (``--areas``, the Equality
    page's Areas field), stripped, empty ones dropped.

    Separated by semicolons when it holds one (as :func:`join_area_names` and the
    notes list them, so a list copied from a note reads back, commas within names
    kept: ``Bristol, City of; Mendip``); else by commas, with a lone "City of" or
    "County of" joined back to the name before it (``Bristol, City of,Mendip``).
    """
    if ";" in text:  # a stray comma at an end is no part of a name
        items = (item.strip().strip(",").strip() for item in text.split(";"))
        return tuple(item for item in items if item)
    return _rejoin_ons_names([item for item in text.split(",") if item.strip()])


def _rejoin_ons_names(areas: Sequence[str]) -> tuple[str, ...]:
    """``areas`` with a lone "City of" or "County of" joined back to the area
    before it: ``--areas 'Bristol, City of,Mendip'`` names two areas, not three
    (the 2011 census names Bristol, Kingston upon Hull and Herefordshire so, and
    the error for an unknown name suggests them so). "City of London" stays."""
    out: list[str] = []
    for raw in areas:
        item = raw.strip()
        if out and " ".join(item.lower().split()) in _ONS_NAME_TAILS:
            out[-1] = f"{out[-1]}, {item}"
        else:
            out.append(item)
    return tuple(out)


def _other_census_areas(
    missing: Sequence[str], pops: pl.DataFrame, year: int
) -> dict[str, int]:
    """Each of ``missing`` (areas with no residents by ethnic group in ``year``)
    that another held year's ethnic groups have, with the latest such year."""
    found: dict[str, int] = {}
    for other in sorted(_ethnic_years(pops), reverse=True):
        if other == year:
            continue
        rows = group_residents(_ethnic_rows(pops, other), list(missing), year=other)
        for area in rows["area"].unique().to_list():
            found.setdefault(str(area), other)
    return found


def _no_residents(
    missing: Sequence[str],
    eth_rows: pl.DataFrame,
    year: int,
    *,
    inferred_from: int | None = None,
    elsewhere: Mapping[str, int] | None = None,
) -> str:
    """Why the figures are refused when areas of the force area have no residents:
    the force's searches would be set against only part of its residents.
    ``inferred_from``: the census year of the LSOA rows that named the areas of an
    inferred force area, when the denominators are of another census.
    ``elsewhere``: the missing areas another held census has, with its year: they
    are named with it, not with this census's nearest names (Cleveland's 2021
    codes against the 2011 census were asked "did you mean E01000001", an LSOA)."""
    import difflib

    known = sorted(
        {
            str(name)
            for col in ("area_name", "parent_area")
            for name in eth_rows[col].drop_nulls().unique().to_list()
            if name
        }
    )
    hints = []
    for name in missing:
        if elsewhere and name in elsewhere:
            other = elsewhere[name]
            hints.append(f"{name} (in the {other} census: --population-year {other})")
            continue
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        hints.append(f"{name} (did you mean {' or '.join(close)}?)" if close else name)
    inferred = (
        f"The force area taken from where the stops fall names the local authorities "
        f"of the LSOAs they fall in, as the {inferred_from} census does; the {year} "
        "census rows (e.g. by upper-tier authority: a county, not its districts) "
        "do not name them all. "
        if inferred_from is not None
        else ""
    )
    return inferred + (
        f"No {year} census ethnic-group residents for {join_area_names(hints)}: the "
        "force's searches would be set against a force area without their residents "
        "(every rate too high). Name the force area's local authorities as the "
        f"{year} census rows name them (or by code) with --areas (the Equality "
        "page's Areas field), choose another "
        f"census with --population-year {_PAGE_YEAR}, or load the missing areas with 'avert "
        "ingest population'."
    )


def _sex_residents(
    pops: pl.DataFrame, force_areas: Sequence[str], year: int, notes: list[str]
) -> pl.DataFrame:
    """The force area's residents by sex (:func:`sex_residents`), with a note when
    there are none (searches by sex then as counts and shares) or when they are of
    another year than the ethnic groups'."""
    sexes = sex_residents(pops, list(force_areas))
    if sexes.height == 0:
        notes.append(
            "No residents by sex for the force area: searches by sex are shown as "
            "counts and shares, not rates."
        )
    elif int(sexes["year"].max()) != year:  # type: ignore[arg-type]
        notes.append(
            f"Residents by sex are of {int(sexes['year'].max())} (the latest year "  # type: ignore[arg-type]
            f"the populations table holds them for the force area), the ethnic "
            f"groups' of {year}."
        )
    return sexes


def _force_equality(
    stops: pl.DataFrame,
    by_area: pl.DataFrame,
    ages: pl.DataFrame,
    *,
    label: str,
    ethnicity: Literal["ethnicity", "officer_ethnicity"],
    notes: list[str],
    sexes: pl.DataFrame | None = None,
    straddling: Sequence[str] = (),
) -> EqualityResult:
    """Every stop against the force area's residents (by age band and sex where
    known); ``straddling``: the force area's age bands that lie inside no police
    range, named in the note when there are no rates by age."""
    force_res = by_area.group_by("group").agg(pl.col("population").sum())
    if ages.height == 0 and straddling:
        notes.append(
            "The force area's residents by age are in bands that straddle the "
            f"police age ranges ({', '.join(straddling)}; police.uk: under 10, "
            "10-17, 18-24, 25-34, over 34), so no rate per 1,000 residents of a "
            "police age range can be given: searches by age band are shown as "
            "counts and shares, not rates; residents of the force area's own areas "
            "by single year of age would give them."
        )
    elif ages.height == 0:
        notes.append(
            "No residents by single year of age (or police age range) for the force "
            "area: searches by age band are shown as counts and shares, not rates."
        )
    return stop_search_equality(
        stops.with_columns(pl.lit(label).alias("_force")),
        force_res.with_columns(pl.lit(label).alias("_force")),
        area="_force",
        ethnicity=ethnicity,
        age_residents=ages if ages.height else None,
        sex_residents=sexes if sexes is not None and sexes.height else None,
    )


def _area_equality(
    in_force: pl.DataFrame,
    eth_rows: pl.DataFrame,
    by_area: pl.DataFrame,
    force_areas: Sequence[str],
    *,
    year: int,
    area_level: Literal["la", "lsoa"],
    ethnicity: Literal["ethnicity", "officer_ethnicity"],
    notes: list[str],
) -> EqualityResult | None:
    """The placed stops of the force area per local authority or per LSOA."""
    if in_force.height and area_level == "lsoa":
        lsoa_res = (
            eth_rows.filter(pl.col("parent_area").is_in(list(force_areas)))
            .select("area", pl.col("ethnicity").alias("group"), "population")
            .rename({"area": "lsoa"})
        )
        if lsoa_res.height:
            return stop_search_equality(
                in_force, lsoa_res, area="lsoa", ethnicity=ethnicity
            )
        notes.append(
            f"No LSOA ethnic-group residents for {year}: per-LSOA rates left out."
        )
    elif in_force.height and by_area.height:
        return stop_search_equality(
            in_force.rename({"parent": "area_name"}),
            by_area.rename({"area": "area_name"}),
            area="area_name",
            ethnicity=ethnicity,
        )
    return None


def _list_make_up(
    store: Store,
    people: Sequence[str],
    name: str,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> ListMakeUp:
    """A list's make-up against everyone with an offence in the window."""
    inv = store.read_frame(
        "involvements",
        columns=["incident_id", "person_id", "role"],
        where=[("role", "in", ["suspect", "offender"])],
    )
    inc = store.read_frame(
        "incidents",
        columns=["incident_id"],
        where=_days_where("occurred_from", date_from, date_to),
    )
    pool_ids = inv.join(inc, on="incident_id", how="semi")["person_id"].unique()
    people_frame = store.read_frame(
        "people", columns=["person_id", "sex", "birth_year", "ethnicity"]
    )
    pool = people_frame.join(
        pl.DataFrame({"person_id": pool_ids}), on="person_id", how="semi"
    )
    at_year = (date_to or local_today(store.timezone)).year
    return list_make_up(people, pool, at_year=at_year, list_name=name)
