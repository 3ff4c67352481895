"""Workflows of the board's evidence: populations in, performance and equality out.

Population, confidence, centroid and boundary loads; performance is
:mod:`avert.workflows.performance` and stop and search equality
:mod:`avert.workflows.equality` (both re-exported here), and
:func:`board_statistics` gathers both for the board's pages and pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from avert.access import SMALL_CELL, Audience
from avert.analyse.equality import (
    area_ratios,
    equality_impact_summary,
    withhold_force_counts,
)
from avert.analyse.performance import (
    VERDICTS,
    Family,
    PerformanceResult,
    Unit,
    verdict_definitions,
)
from avert.config.choices import AREA_FIELDS
from avert.errors import ConfigError, NotFound, SchemaError
from avert.ingest.boundaries import parse_boundaries
from avert.ingest.population import parse_centroids, parse_confidence, parse_population
from avert.store import Store
from avert.store.summary import (
    incident_extent,
    incident_forces,
    incident_forces_sharing,
    incident_span,
    record_sources,
)
from avert.workflows.equality import (
    SYNTHETIC_RESIDENTS,
    BoardEquality,
    force_name,
    is_few_residents_note,
    join_area_names,
    run_equality,
    unpublished_searches,
)
from avert.workflows.late_searches import (
    LateSearches,
    LoadedFile,
    latest_search_stored,
    searches_loaded_late,
)
from avert.workflows.load import LoadReport, load_files
from avert.workflows.performance import (
    MIN_PERIOD_COVER,
    area_fields_with_data,
    category_labels,
    first_of_month,
    last_of_month,
    period_span,
    run_performance,
)

__all__ = [
    "AREA_FIELDS",
    "BoardEquality",
    "Family",
    "Unit",
    "area_fields_with_data",
    "board_statistics",
    "board_windows",
    "category_labels",
    "first_of_month",
    "load_boundaries",
    "load_centroids",
    "load_confidence",
    "load_population",
    "population_lines",
    "population_lines_by_file",
    "run_equality",
    "run_performance",
]


def load_population(
    store: Store,
    paths: Sequence[str | Path],
    *,
    year: int | None = None,
    mapping: Mapping[str, str] | None = None,
    area_type: str | None = None,
    layout: str | None = None,
    strict: bool = False,
) -> LoadReport:
    """Load population files (layouts in :mod:`avert.ingest.population`), one transaction."""
    parse = partial(
        parse_population, year=year, mapping=mapping, area_type=area_type, layout=layout
    )
    return load_files(store, paths, kind="table", parse=parse, strict=strict)


_SPLIT_COLUMNS: Final = ("sex", "age_band", "ethnicity")
_POPULATION_SPLITS: Final = (
    ("sex", "sex"),
    ("age_band", "age band"),
    ("ethnicity", "ethnic group"),
)


def population_lines(store: Store, report: LoadReport) -> list[str]:
    """What a population load added, as people think of it: areas and residents
    per year and area type, then the rows they are stored as. "87,030 rows" of a
    London mid-year file were 4,835 LSOAs split by sex and 6 age bands.

    Residents: the sum of the areas' total rows (all sexes, ages and groups) where
    the file gives them, else of its finest rows (those with the fewest "all"), which
    partition the residents once each.
    """
    return _summary_lines(_population_rows(store, report))


def population_lines_by_file(store: Store, report: LoadReport) -> dict[str, list[str]]:
    """:func:`population_lines` of each file of the load that added rows (by its
    name as the load report gives it): the fields ``--json`` adds to each file."""
    rows = _population_rows(store, report)
    return {
        str(name): _summary_lines(part)
        for (name,), part in rows.group_by("source_file", maintain_order=True)
    }


def _population_rows(store: Store, report: LoadReport) -> pl.DataFrame:
    """The rows the load added, with ``_alls``: how many of sex, age band and
    ethnicity are "all" (3: the area's total row)."""
    rows = store.read_frame(
        "populations",
        columns=[
            "year",
            "area_type",
            "area",
            "population",
            "source_file",
            *_SPLIT_COLUMNS,
        ],
        where=[("load_id", "=", report.load_id)],
    )
    return rows.with_columns(
        pl.sum_horizontal(*(pl.col(c) == "all" for c in _SPLIT_COLUMNS)).alias("_alls")
    )


def _summary_lines(rows: pl.DataFrame) -> list[str]:
    """One line per year and area type of ``rows`` (:func:`_population_rows`)."""
    lines = []
    for (year, area_type), part in rows.group_by(
        "year", "area_type", maintain_order=True
    ):
        split = [what for c, what in _POPULATION_SPLITS if part[c].n_unique() > 1]
        areas = part["area"].n_unique()
        # the totals where given, else the finest rows
        alls = 3 if (part["_alls"] == 3).any() else part["_alls"].min()
        people = int(part.filter(pl.col("_alls") == alls)["population"].sum())
        stored = (
            f"{part.height:,} rows: each area by {' and '.join(split)}"
            + (", with totals" if split and alls == 3 else "")
            if split
            else f"{part.height:,} rows, one per area"
        )
        lines.append(
            f"{year}: {areas:,} area{'' if areas == 1 else 's'} ({area_type}), "
            f"{people:,} residents; {stored}."
        )
    return lines


def load_confidence(
    store: Store,
    paths: Sequence[str | Path],
    *,
    measure: str = "deal_with_what_matters",
    strict: bool = False,
) -> LoadReport:
    """Load confidence survey series (area, period, pct_agree), one transaction."""
    parse = partial(parse_confidence, measure=measure)
    return load_files(store, paths, kind="table", parse=parse, strict=strict)


def load_centroids(
    store: Store, paths: Sequence[str | Path], *, strict: bool = False
) -> LoadReport:
    """Load area centroids (e.g. ONS LSOA centroids), one transaction."""
    return load_files(store, paths, kind="table", parse=parse_centroids, strict=strict)


def load_boundaries(
    store: Store,
    paths: Sequence[str | Path],
    *,
    crs: str = "EPSG:27700",
    store_crs: str = "EPSG:27700",
    code_column: str | None = None,
    geometry_column: str | None = None,
    strict: bool = False,
) -> LoadReport:
    """Load area boundary polygons (WKT in ``crs``; stored in ``store_crs``), one transaction."""
    parse = partial(
        parse_boundaries,
        crs=crs,
        store_crs=store_crs,
        code_column=code_column,
        geometry_column=geometry_column,
    )
    return load_files(store, paths, kind="table", parse=parse, strict=strict)


# --- equality: avert.workflows.equality (re-exported) -----------------------------


# --- the board's statistics for pages and the pack ----------------------------------
def _without_part_month(store: Store, end: dt.date) -> tuple[dt.date, str | None]:
    """``end``, or the end of the month before when the store's records stop part
    way through ``end``'s month (with a note): a part month's count is no fall.

    The records stop there when the store's data end (:func:`incident_span`: a
    month-only month covers its whole month) in that month, leaving more than 15 %
    of its days (:data:`MIN_PERIOD_COVER`) uncovered, the rule by which
    :func:`avert.workflows.performance._part_periods` leaves such a month out of a
    series; the board's windows
    then end with the last complete month, as its objectives do (a month with no
    record at all is left to
    :func:`avert.workflows.performance._without_uncovered_periods`).
    """
    span = incident_span(store)
    first = first_of_month(end, 0)
    last = last_of_month(end)
    if span is None or not first <= span[1].date() <= last:
        return end, None
    covered = (span[1].date() - first).days + 1
    if covered >= MIN_PERIOD_COVER * ((last - first).days + 1):
        return end, None
    complete = first - dt.timedelta(days=1)
    note = (
        f"The store's records end on {span[1]:%d %b %Y}, before {first:%B %Y} is "
        f"over: the series end with {complete:%B %Y}, the last complete month "
        "(a part month's count is no fall)."
    )
    return complete, note


def _data_note(store: Store) -> list[str]:
    """What incident data the performance figures rest on: the store's sources with
    their counts and the span of the records (month-only police.uk rows said so)."""
    span = incident_span(store)
    sources = record_sources(store)["incidents"]
    if span is None or not sources:
        return []
    # one source: its name alone ("12,867 (name 12,867)" said the count twice);
    # names may hold commas and brackets, so several are set apart by "; "
    listed = (
        f"all from {next(iter(sources))}"
        if len(sources) == 1
        else "; ".join(f"{k}: {n:,}" for k, n in sources.items())
    )
    month_only = [k for k in sources if k.startswith("policeuk")]
    return [
        f"Data: {sum(sources.values()):,} incidents in the store ({listed}), "
        f"{span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}"
        + (
            f"; {', '.join(month_only)} records give the month only (no day, time "
            "or victim), with an anonymised map point."
            if month_only
            else "."
        )
    ]


def _forces_note(store: Store, by: str | None) -> list[str]:
    """A note when the store's incidents are of several forces and the series do
    not split them: every series of the whole area adds them together, and by an
    area (``by`` other than ``force``) the series of each area two forces' records
    both name (:func:`incident_forces_sharing`; none: no note, each series is of
    one force).

    West Yorkshire's July 2018 (31,635 crimes) beside the City of London's 2019
    (9,932) drew one "Whole area" chart leaping from 10,911 violent crimes to 88, its
    limits widened 40-fold, with no word that two forces were counted as one.
    """
    if by == "force":
        return []
    forces = {k: n for k, n in incident_forces(store).items() if k != "(none)"}
    if len(forces) < 2:
        return []
    shared = incident_forces_sharing(store, by) if by else 0
    if by and not shared:
        return []
    ranked = sorted(forces.items(), key=lambda kv: (-kv[1], kv[0]))
    listed = "; ".join(f"{name} {n:,}" for name, n in ranked)
    together = (
        f"{shared:,} {'area' if shared == 1 else 'areas'} by '{by}' "
        f"{'holds' if shared == 1 else 'hold'} incidents of more than one force, "
        "whose series count them together"
        if by
        else "every series counts them together"
    )
    return [
        f"The store's incidents are of {len(forces)} forces ({listed}): {together}. "
        "The Performance page's By area 'force', or 'avert analyse performance "
        "--by force', gives each force its own series."
    ]


#: The board's recent period and its baseline, in months (:func:`board_windows`)
BOARD_RECENT_MONTHS: Final = 12
BOARD_BASELINE_MONTHS: Final = 24


def board_windows(
    store: Store,
    *,
    end: dt.date,
    recent_months: int = BOARD_RECENT_MONTHS,
    baseline_months: int = BOARD_BASELINE_MONTHS,
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]] | None:
    """Baseline and recent windows (whole months) ending with ``end``'s month.

    The recent period is the last ``recent_months`` months to the end of ``end``'s
    month; the baseline the ``baseline_months`` before it, cut to the first whole
    month with data. With less than 24 months of data the recent period shrinks so
    that the baseline keeps 12 months (the model's minimum). None when there are
    fewer than 13 whole months.
    """
    last = last_of_month(end)
    earliest = first_of_month(end, -(recent_months + baseline_months) + 1)
    # the first incident of the 36 months: one MIN in the store, not every time
    seen = incident_extent(
        store,
        dt.datetime.combine(earliest, dt.time()),
        dt.datetime.combine(last + dt.timedelta(days=1), dt.time()),
    )
    if seen is None:
        return None
    first = seen[0].date()
    start = first if first.day == 1 else first_of_month(first, 1)
    months = (last.year - start.year) * 12 + last.month - start.month + 1
    if months < 13:
        return None
    recent = min(recent_months, months - 12)
    base = min(baseline_months, months - recent)
    recent_from = first_of_month(end, -recent + 1)
    baseline_from = first_of_month(recent_from, -base)
    return (
        (baseline_from, recent_from - dt.timedelta(days=1)),
        (recent_from, last),
    )


def board_statistics(
    store: Store,
    *,
    end: dt.date,
    by: str | None = None,
    target: tuple[float, dt.date] | None = None,
    measure: Literal["count", "harm"] = "count",
    profile: str = "avb-2010",
    equality_months: int = 12,
    performance: bool = True,
    equality: bool = True,
    force: str | None = None,
    areas: Sequence[str] | None = None,
    population_year: int | None = None,
    audience: Audience = "police",
) -> dict[str, Any]:
    """Performance verdicts and equality figures with their SVG charts, for pages.

    Performance: :func:`run_performance` over :func:`board_windows` ending with
    ``end``'s month (monthly series, force total, categories and flags, or per
    ``by`` area). Equality: :func:`run_equality` over the ``equality_months`` months
    to the end of ``end``'s month, of ``force``'s stops (None: the one force of the
    stops) against the residents of ``areas`` (None: inferred from where the stops
    fall) counted by the census of ``population_year`` (None: as
    :func:`run_equality` chooses). A part that cannot be computed (too little data, no stops, stops of
    several forces and none chosen, no census denominators) says why in its
    ``note``; the other part is
    still given; ``performance=False`` or ``equality=False`` leaves that part out
    (``available`` false, no note). Every chart is an SVG string
    (``avert.report.board_charts``). ``audience``: who reads them; for
    ``partner`` (partner and board accounts, the board pack) the force's figures
    of searches police.uk has not published are under the small-cell rule
    (:func:`_equality_figures`), and when the store holds any, of the fixed year
    ending 31 March (:func:`partner_equality_year`), not of the months to ``end``.
    """
    return {
        "end": end,
        "definitions": dict(VERDICTS),
        "performance": (
            _board_performance(
                store, end=end, by=by, target=target, measure=measure, profile=profile
            )
            if performance
            else {"available": False, "note": None, "series": []}
        ),
        "equality": _board_equality(
            store,
            end=end,
            months=equality_months,
            force=force,
            areas=areas,
            population_year=population_year,
            computed=equality,
            audience=audience,
        ),
    }


def _board_performance(
    store: Store,
    *,
    end: dt.date,
    by: str | None,
    target: tuple[float, dt.date] | None,
    measure: Literal["count", "harm"],
    profile: str,
) -> dict[str, Any]:
    """The board's performance part: :func:`run_performance` over
    :func:`board_windows` to the last complete month up to ``end``'s
    (:func:`_without_part_month`), or ``available`` false with a note saying why
    (fewer than 13 whole months, no incidents, no harm)."""
    perf_end, part_note = _without_part_month(store, end)
    windows = board_windows(store, end=perf_end)
    if windows is None:
        return {
            "available": False,
            "note": _no_baseline_note(store, perf_end),
            "series": [],
        }
    (b0, b1), (r0, r1) = windows
    try:
        result = run_performance(
            store,
            unit="month",
            by=by,
            baseline_from=b0,
            baseline_to=b1,
            date_from=r0,
            date_to=r1,
            profile=profile,
            target=target,
            measure=measure,
        )
    except (NotFound, SchemaError) as err:
        return {"available": False, "note": str(err), "series": []}
    rows = _series_rows(result)
    return {
        "available": True,
        "note": None,
        "series": rows,
        "measure": measure,
        "baseline": (b0, b1),
        "recent": (r0, r1),
        # rates per resident not comparable: beside the table, said once
        "caveats": [n for n in result.notes if is_few_residents_note(n)],
        "notes": [
            *_data_note(store),
            *_forces_note(store, by),
            *([part_note] if part_note else []),
            *(n for n in result.notes if not is_few_residents_note(n)),
        ],
        "method": result.method,
        "source": result.source,
        "counts": {v: sum(1 for r in rows if r["verdict"] == v) for v in VERDICTS},
        # with the numbers the verdicts were reached with, not their names
        "definitions": verdict_definitions(result.params),
    }


def _no_baseline_note(store: Store, end: dt.date) -> str:
    """Why the board has no performance part, with the span of the store's
    incidents: under 13 whole months of incidents up to ``end``'s month (a 12-month
    baseline at least), or none in the 36 months to it (:func:`board_windows`'
    reach): a month chosen years after Toronto's 2017-21 data said "fewer than 13
    whole months" of 60, and so did a month in a gap of years between two loads,
    or before the data; or no incidents at all (a store of stops alone)."""
    span = incident_span(store)
    if span is None:
        # "fewer than 13 whole months" of none: a store of stops alone (police.uk,
        # every force, January 2019) read so under its equality figures
        return (
            "No incidents to judge: the store holds none (stops, populations and "
            "surveys are not incidents)."
        )
    earliest = first_of_month(end, -(BOARD_RECENT_MONTHS + BOARD_BASELINE_MONTHS) + 1)
    after = last_of_month(end) + dt.timedelta(days=1)
    if span is not None and (
        incident_extent(
            store,
            dt.datetime.combine(earliest, dt.time()),
            dt.datetime.combine(after, dt.time()),
        )
        is None
    ):
        outside = span[1].date() < earliest or span[0].date() >= after
        return (
            f"No incident in the {BOARD_RECENT_MONTHS + BOARD_BASELINE_MONTHS} "
            f"months to the end of {end:%B %Y} (the {BOARD_RECENT_MONTHS} judged "
            f"and the {BOARD_BASELINE_MONTHS} of their baseline): the store's "
            f"incidents run from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}"
            + (
                "; choose a month in their span."
                if outside
                else ", with a gap there; choose a month with incidents in the "
                "months before it."
            )
        )
    # one sentence: "Fewer than 13 whole months ... (12 months at least)" read as
    # a contradiction (London, January to March 2022): 13 is the 12 months of
    # baseline and at least one month to judge
    return (
        "No baseline to judge against: the performance part needs 13 whole months "
        "of incidents up to this month (a 12-month baseline and at least one month "
        f"to judge), and the store's incidents run from {span[0]:%Y-%m-%d} to "
        f"{span[1]:%Y-%m-%d}."
    )


def _series_rows(result: PerformanceResult) -> list[dict[str, Any]]:
    """One row per series: its verdict and figures, its title, the periods it
    leaves out as no data (``no_data``: a force's months not loaded) and, for an
    area's totals (and their flags), its charts; the categories are in the table
    only."""
    from avert.report.board_charts import series_charts, series_title

    labels = result.params.get("category_labels")
    unit = result.params.get("unit", "month")
    return [
        {
            **s.row(),
            "title": series_title(s, labels),
            "charts": series_charts(s) if s.category == "all" else {},
            # periods left out as not loaded: the chart's axis skips them
            "no_data": period_span(s.no_data, unit) if s.no_data else None,
        }
        for s in result.series
    ]


def _board_equality(
    store: Store,
    *,
    end: dt.date,
    months: int,
    force: str | None,
    areas: Sequence[str] | None,
    population_year: int | None = None,
    computed: bool,
    audience: Audience = "police",
) -> dict[str, Any]:
    """The board's equality part: :func:`run_equality` over the ``months`` months
    to the end of ``end``'s month, or ``available`` false with a note saying why
    (none when not ``computed``); read by ``audience`` (:func:`_equality_figures`).
    A partner's fixed year (:func:`_partner_year`) is of the searches loaded by
    the time it was first over in the store; its own records loaded later are
    left out and counted in a note (:func:`~avert.workflows.late_searches.searches_loaded_late`)."""
    e_from = first_of_month(end, -months + 1)
    e_to = last_of_month(end)
    if not computed:
        return {"available": False, "note": None}
    year = _partner_year(store, force, end) if audience == "partner" else None
    if year is not None and not force and (sole := _sole_force(store, year)):
        force, year = sole, _partner_year(store, sole, end)
    fixed = year is not None
    late = LateSearches(frozenset(), 0)
    if year is not None:
        (e_from, e_to), months = year, 12
        late = searches_loaded_late(store, force, year)
    try:
        found = run_equality(
            store,
            force=force,
            areas=areas,
            date_from=e_from,
            date_to=e_to,
            population_year=population_year,
            leave_out_files=late.files,
        )
    except (NotFound, SchemaError, ConfigError) as err:
        why = f"{_fixed_year_note(e_from, e_to, end)} {err}" if fixed else str(err)
        if late.searches:
            why = f"{why} {_LATE_NOTE}"
        return {"available": False, "note": why}
    if late.searches:
        found = replace(found, notes=(*found.notes, _LATE_NOTE))
    if audience == "partner" and _too_few_to_show(found):
        return {"available": False, "note": _TOO_FEW_UNPUBLISHED}
    if fixed and _mixes_published(found):
        why = f"{_fixed_year_note(e_from, e_to, end)} {_MIXED_YEAR}"
        return {"available": False, "note": why}
    if audience == "partner" and found.unpublished > 0:
        found = _partner_area_table(
            store,
            found,
            force=force,
            span=(e_from, e_to),
            asked=(areas, population_year),
            leave_out_files=late.files,
        )
    figures = _equality_figures(found, audience=audience)
    # above the figures (the page's field and the pack's month name another)
    figures["fixed_year"] = _fixed_year_note(e_from, e_to, end) if fixed else None
    return {
        "available": True,
        "note": None,
        # the days counted: to the last search when they stop in the last month
        "window": found.window or (e_from, e_to),
        "window_months": months,
        **figures,
    }


def partner_equality_year(end: dt.date) -> tuple[dt.date, dt.date]:
    """The fixed year a partner audience reads a force's own records by: the
    last year ending 31 March (the Home Office's year for stop and search,
    "Police powers and procedures") that ends by the end of ``end``'s month.

    Fixed, non-overlapping periods, so that no two windows a partner can open
    differ by a month in and a month out: with rolling 12-month windows the
    group counts of two consecutive ones gave back each month's count, which the
    trend withholds when it is 1 to 4 (docs/equality.md, "Differencing").

    >>> partner_equality_year(dt.date(2026, 11, 30))
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    >>> partner_equality_year(dt.date(2026, 3, 31))
    (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    >>> partner_equality_year(dt.date(2026, 2, 28))
    (datetime.date(2024, 4, 1), datetime.date(2025, 3, 31))
    """
    year = end.year if end.month >= 3 else end.year - 1
    return dt.date(year - 1, 4, 1), dt.date(year, 3, 31)


def _partner_year(
    store: Store, force: str | None, end: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The fixed year a partner reads ``force``'s (None: any force's) equality
    figures by, or None when the store holds no search of it that is not
    police.uk's (then the 12 months to ``end``, as the police).

    With any own records a partner reads a fixed year, whatever the window asked
    holds, since a window of police.uk's searches alone (whole) overlapping one
    with own records (withheld) would give back the own records' counts by
    difference; and the year must be over in the store, the force's latest
    search after its 31 March: a year still filling (a month asked after the
    data, the year to next March) read again after the next month's load gave
    back that month's counts by difference. The year is
    :func:`partner_equality_year` of ``end``, or of the month before the latest
    search when that is earlier: the latest stored, or that any load stored
    (``load_stop_spans``: a year once over stays over, its searches after it
    deleted or not)."""
    stops = store.read_frame(
        "stops",
        columns=["source", "occurred_at"],
        where=[("force", "=", force)] if force else [],
    )
    if unpublished_searches(stops) == 0:
        return None
    # and the latest any load stored, deleted since or not: a year once over
    # stays over (its figures fixed: avert.workflows.late_searches)
    times = [stops["occurred_at"].max(), latest_search_stored(store, force)]
    known = [t for t in times if isinstance(t, dt.datetime)]
    if not known:  # no search has a time: none is over
        return partner_equality_year(dt.date(dt.MINYEAR + 1, 1, 1))
    latest = max(known).date()
    # the last month over in the store: the one before the latest search's
    last_over = latest.replace(day=1) - dt.timedelta(days=1)
    return partner_equality_year(min(end, last_over))


def _sole_force(store: Store, year: tuple[dt.date, dt.date]) -> str | None:
    """The one force every search of ``year`` names, else None (none, several,
    or searches naming no force).

    A partner's year read naming no force is read as naming this one: a year is
    first over, and its searches loaded late, by the force's searches after it
    (:func:`~avert.workflows.late_searches.searches_loaded_late`), and read
    naming no force, another force's later search made it over sooner than read
    naming the force, so the two readings, both open to a partner, differed by
    the searches of the force loaded between (counts of 1 to 4 by group)."""
    start, stop = (dt.datetime.combine(d, dt.time()) for d in year)
    named = store.read_frame(
        "stops",
        columns=["force"],
        where=[
            ("occurred_at", ">=", start),
            ("occurred_at", "<", stop + dt.timedelta(days=1)),
        ],
    )["force"].unique()
    sole = named.to_list()[0] if named.len() == 1 else None
    return sole if isinstance(sole, str) else None


#: why a partner reads no equality figure of a year mixing police.uk's searches
#: with a force's own records (:func:`_mixes_published`)
_MIXED_YEAR: Final = (
    "This year holds both searches police.uk has published and the force's own "
    "records: a group's count in the year less its published months would give "
    "back the own records' counts of 1 to "
    f"{SMALL_CELL - 1} that are withheld, so for partners and the board the "
    "year's figures are withheld. The police read them whole."
)


def _mixes_published(found: BoardEquality) -> bool:
    """Whether ``found`` counts both police.uk's searches and a force's own
    records: police.uk's are public, so any count of the window shown less the
    published months' count gives the own records' part, withheld or not
    (docs/equality.md, "A mixed year")."""
    return 0 < found.unpublished < _searches_counted(found)


#: The note that searches of a partner's fixed year were loaded after it was
#: first over and are not in its figures (:mod:`avert.workflows.late_searches`).
#: It gives no number: two notes read before and after a further late load would
#: differ by that load's searches ("7", then "9": 2 more), a count the small-cell
#: rule withholds.
_LATE_NOTE = (
    "Searches of this year were loaded after the year was first over in the "
    "store and are not in these figures: read before and after such a load, "
    "the year's counts would differ by the late searches' and give back "
    f"counts of 1 to {SMALL_CELL - 1} that are withheld, so for partners and "
    "the board a year's figures are of the searches loaded by the time it "
    "was over (how many came later is not said, for the same reason). The "
    "police read them whole."
)


def _fixed_year_note(start: dt.date, stop: dt.date, end: dt.date) -> str:
    """The note that a partner's figures are of a fixed year, not of the 12
    months to the month asked."""
    asked = "" if stop == last_of_month(end) else f", not the 12 months to {end:%B %Y}"
    return (
        f"Partners and the board read the year {start:%B %Y} to {stop:%B %Y}"
        f"{asked}: figures of a force's own records are given to them for fixed "
        "years ending 31 March only, each once the store holds a search after "
        "it, since two overlapping periods, or one year read before and after a "
        "month's searches are loaded, differ by a month and would give back the "
        f"monthly counts of 1 to {SMALL_CELL - 1} searches that are withheld."
    )


#: why a partner reads no per-area rate of the areas or census year asked, and how
#: to read them: the force area avert takes when none is given
_OWN_AREAS_ONLY: Final = (
    "By area: partners and the board read the rates by area only for the force "
    "area avert takes when no areas are given ({areas}: the Equality page's "
    "Areas field left empty, a board pack made without --areas), not for other "
    "areas asked. Counts of 1 to 4 searches are withheld within one table of "
    "areas; the tables of other sets of areas (one area alone, two together) "
    "withhold other counts, and those, with the force's counts by group, "
    f"would give back the withheld ones of 1 to {SMALL_CELL - 1}. The police "
    "read them whole."
)


def _partner_area_table(
    store: Store,
    found: BoardEquality,
    *,
    force: str | None,
    span: tuple[dt.date, dt.date],
    asked: tuple[Sequence[str] | None, int | None],
    leave_out_files: frozenset[LoadedFile] = frozenset(),
) -> BoardEquality:
    """``found`` with its per-area rates left out, saying why, when a partner
    asked areas or a census year (``asked``) whose area table counts other
    searches by area and group than the one of :func:`run_equality`'s default
    force area and census.

    The per-area small-cell rule (:func:`~avert.analyse.equality.area_ratios`)
    holds within one table; the tables of two area sets the same reader can ask
    for withhold different cells (a count withheld beside the force's total in
    the whole table is shown in a table of its area alone), so the counts shown
    across them give withheld ones back (docs/equality.md, "Differencing by
    areas"). The rule's decisions are a function of the table's counts and the
    force's by group (never of residents), so a table counting the same
    searches by area and group as the default's (another census of the same
    areas; the default's areas named again) withholds the same cells and is
    shown. The force's figures do not depend on the areas and stay."""
    areas, year = asked
    if found.areas is None or (areas is None and year is None):
        return found
    try:
        default = run_equality(
            store,
            force=force,
            date_from=span[0],
            date_to=span[1],
            leave_out_files=leave_out_files,
        )
    except (NotFound, SchemaError, ConfigError):
        default = None
    if default is not None and _area_counts(default).equals(_area_counts(found)):
        return found
    note = _OWN_AREAS_ONLY.format(
        areas=join_area_names(default.force_areas) if default else "none here"
    )
    return replace(found, areas=None, notes=(*found.notes, note))


def _area_counts(found: BoardEquality) -> pl.DataFrame:
    """The searches of ``found``'s area table by area and group, in one order
    (what :func:`~avert.analyse.equality.area_ratios` decides on), with each
    area's searches in all where counted (the table's "searches"); empty
    without one."""
    if found.areas is None or found.areas.frame.height == 0:
        return pl.DataFrame()
    ns = found.areas.not_stated
    counted = [found.areas.frame.select("area", "group", "searches")]
    if {"area", "searches"} <= set(ns.columns):
        counted.append(ns.select("area", pl.lit("all").alias("group"), "searches"))
    return pl.concat(
        [c.with_columns(pl.col("searches").cast(pl.Int64)) for c in counted]
    ).sort("area", "group")


def _area_table(found: BoardEquality) -> list[dict[str, Any]]:
    """One row per area of the per-area rates (``run_equality``'s ``areas``, by
    local authority): the searches placed in it, its White rate per 1,000 and each
    other group's ratio to White with its flag (``ratios``: group -> ``ratio``,
    ``flagged``, ``withheld``), under the small-cell rule of the assessment's
    ratios by area (:func:`~avert.analyse.equality.area_ratios`): a cell withheld
    there is not given back here. The pack and the Equality page printed the note
    "Per-area rates count the 44,988 searches placed in the force area" (the Met,
    2018) over no per-area figure at all. Empty when no search could be placed."""
    areas = found.areas
    if areas is None or areas.frame.height == 0:
        return []
    frame = area_ratios(areas, with_reference=True, force=found.force)
    placed = (
        areas.not_stated.select("area", "searches")
        if {"area", "searches"} <= set(areas.not_stated.columns)
        else frame.group_by("area").agg(pl.col("searches").sum())
    )
    rows: dict[str, dict[str, Any]] = {
        r["area"]: {**r, "white_rate": None, "ratios": {}}
        for r in placed.sort("area").to_dicts()
    }
    # a force's areas by their groups: a few hundred rows at most (la level)
    for r in frame.to_dicts():
        row = rows.setdefault(
            r["area"],
            {"area": r["area"], "searches": 0, "white_rate": None, "ratios": {}},
        )
        if r["group"] == "White":
            row["white_rate"] = r["rate_per_1000"]
            row["white_withheld"] = bool(r["searches_withheld"])
        else:
            row["ratios"][r["group"]] = {
                "ratio": r["ratio_to_white"],
                "flagged": bool(r["significantly_above_1"]),
                "withheld": bool(r["ratio_withheld"]),
            }
    return [rows[a] for a in sorted(rows)]


def _vehicle_only_aged(by_age: pl.DataFrame) -> int:
    """The searches of no person (a vehicle only, no ethnicity or sex recorded)
    that record an age: in their age band, so the age table's ``vehicle only`` is
    that many fewer than the sex table's (the Met, January-June 2018: 696 against
    710, 14 with an age)."""
    if by_age.height == 0 or "age_range" not in by_age.columns:
        return 0
    aged = by_age.filter(
        (pl.col("group") == "vehicle only") & (pl.col("age_range") != "vehicle only")
    )
    return int(aged["searches"].sum())


#: what "[c]" means in the force's figures for a partner audience (searches not
#: police.uk's: :func:`~avert.analyse.equality.withhold_force_counts`)
_FORCE_WITHHELD: Final = (
    "[c]: withheld. These searches are not all police.uk's: nobody has published "
    "them, so for partners and the board the force's figures withhold counts of 1 "
    f"to {SMALL_CELL - 1} searches (by group, power, month, age band and sex, with "
    "no ethnicity stated or of a vehicle only, finds and arrests), the next "
    "smallest where one alone would be given back by a total, and the rates, "
    "ratios, shares and intervals computed from them; a chart reads [c] where its "
    "bar or interval is withheld, and the trend leaves a gap where a month's ratio "
    "is. The police read "
    "them whole."
)


#: why a partner reads no equality figure when a force's own searches are too few
_TOO_FEW_UNPUBLISHED: Final = (
    f"[c]: fewer than {SMALL_CELL} searches by the force in these months, not all "
    "police.uk's (nobody has published them): every figure by group, power, "
    "month, age band or sex would be a count of 1 to "
    f"{SMALL_CELL - 1}, which their total, shown beside them, gives back, so all "
    "are withheld for partners and the board (the small-cell rule). The police "
    "read them whole."
)


def _too_few_to_show(found: BoardEquality) -> bool:
    """Whether ``found`` counts 1 to 4 searches in all, some not police.uk's: then
    the small-cell rule cannot hold by withholding cells (the one group searched
    reads [c] beside zeros, a zero withheld with it, yet the total, which the
    notes, the no-ethnicity line and the searches placed in each area give,
    equals it), so a partner reads none of the force's figures."""
    total = _searches_counted(found)
    return found.unpublished > 0 and 0 < total < SMALL_CELL


def _searches_counted(found: BoardEquality) -> int:
    """The searches ``found`` counts, with and without an ethnicity stated."""
    ns = found.force.not_stated
    return int(ns["searches"].sum()) if "searches" in ns.columns else 0


def _equality_figures(
    found: BoardEquality, *, audience: Audience = "police"
) -> dict[str, Any]:
    """The force's equality figures, per-area rates, the EIA summary and charts
    of :func:`run_equality`'s result, as plain rows for pages and the pack.

    For a ``partner`` audience, when any search is not police.uk's (a force's own
    records, published by no one), the force's figures are under the small-cell
    rule as the areas' are (:func:`~avert.analyse.equality.withhold_force_counts`):
    their tables, charts and the assessment's figures and flags; the areas' rule
    still holds against the force's whole counts. ``withheld`` says so."""
    from avert.report.board_charts import equality_charts, finds_unrecorded

    hold = audience == "partner" and found.unpublished > 0
    whole = withhold_force_counts(found.force) if hold else found.force
    eia = (
        equality_impact_summary(
            whole,
            found.lists,
            synthetic=found.residents_label == SYNTHETIC_RESIDENTS,
            areas=found.areas,
            whole=found.force,
        )
        if hold
        else dict(found.eia)
    )
    return {
        "withheld": hold,
        "withheld_note": _FORCE_WITHHELD if hold else None,
        "months_with_stops": found.months_with_stops,
        "forces": list(found.forces),
        "force_names": [force_name(f) for f in found.forces],
        "population_year": found.population_year,
        "residents_label": found.residents_label,
        "force_areas": list(found.force_areas),
        "rates": whole.frame.to_dicts(),
        "by_legislation": whole.by_legislation.to_dicts(),
        "by_age": whole.by_age.to_dicts(),
        "by_sex": whole.by_sex.to_dicts(),
        "outcomes": whole.outcomes.to_dicts(),
        "finds_recorded": not finds_unrecorded(found.force.outcomes),
        "not_stated": whole.not_stated.to_dicts(),
        # whole per-area rows, shown to no one (area_table is, under its rule):
        # a partner's dict holds none
        "areas": (
            found.areas.frame.to_dicts() if found.areas is not None and not hold else []
        ),
        "area_table": _area_table(found),
        "vehicle_only_aged": _vehicle_only_aged(whole.by_age),
        "eia": eia,
        "charts": equality_charts(whole),
        # rates per resident not comparable: beside the figures, said once
        "caveats": [n for n in found.notes if is_few_residents_note(n)],
        "notes": [
            n for n in (*found.notes, *whole.notes) if not is_few_residents_note(n)
        ],
        "method": whole.method,
        "source": whole.source,
    }
