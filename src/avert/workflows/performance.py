"""Performance of the store's incidents: series judged against a seasonal baseline.

The workflow of :func:`avert.analyse.performance.performance` over the store: the
baseline and recent period cut to whole periods, the incidents of a definition
(:func:`~avert.workflows.analysis.load_analysis_incidents`), their series without
the periods the store's data do not cover (no data is not zero), residents and the
most similar areas as denominators and peers. Method and sources: docs/performance.md
(seasonal Poisson or negative binomial GLM; Home Office "significant and
sustained" change). Public names are re-exported by :mod:`avert.workflows.board`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from typing import Final, Literal

import polars as pl

from avert.analyse.denominators import (
    area_features,
    area_totals,
    force_area_members,
    residents_sources,
)
from avert.analyse.performance import (
    Family,
    PerformanceResult,
    Trend,
    Unit,
    build_series,
    most_similar_areas,
    performance,
    period_start,
)
from avert.classify.labels import POLICEUK_KEY, category_name
from avert.config.choices import AREA_FIELDS
from avert.errors import ConfigError, NotFound, SchemaError
from avert.schema import INCIDENTS
from avert.store import Store
from avert.store.summary import (
    columns_with_data,
    incident_extent,
    incident_span,
    incident_spans,
)
from avert.workflows.analysis import (
    classify_advice,
    expected_harm_note,
    load_analysis_incidents,
)
from avert.workflows.definition_words import category_titles
from avert.workflows.definitions import category_label
from avert.workflows.equality import (
    FORCE_AREA_MIN_RATE_RATIO,
    SYNTHETIC_RESIDENTS,
    few_residents_rate_notes,
    join_area_names,
)
from avert.workflows.performance_supply import supplier_gap_periods, supplier_switches

__all__ = [
    "MIN_PERIOD_COVER",
    "MIN_SUPPLIER_SHARE",
    "area_fields_with_data",
    "category_labels",
    "first_of_month",
    "incident_times",
    "last_of_month",
    "period_span",
    "run_performance",
    "source_category_names",
    "supplier",
]


def area_fields_with_data(store: Store) -> tuple[str, ...]:
    """The :data:`AREA_FIELDS` some incident in the store records: the areas a
    performance series can be split by. A source without a column (a mapping with
    no ward, data.police.uk with no ward or borough) would otherwise give one area,
    "unknown", for every series."""
    return columns_with_data(store, INCIDENTS, AREA_FIELDS)


def _check_area_field(store: Store, by: str | None) -> None:
    """Refuse an area field the code does not know, or one no incident records,
    naming the ones the store's incidents do record."""
    if by is None:
        return
    if by not in AREA_FIELDS:
        msg = f"--by must be one of {', '.join(AREA_FIELDS)}, not {by!r}"
        raise NotFound(msg)
    if columns_with_data(store, INCIDENTS, (by,)):
        return  # (one query; the others' only to name them when it has none)
    present = area_fields_with_data(store)
    if present:
        msg = (
            f"No incident in the store records a {by!r}: split by "
            f"{', '.join(present)}, or leave --by out for one series of all areas."
        )
    else:
        msg = (
            f"No incident in the store records a {by!r} or any other area "
            f"({', '.join(AREA_FIELDS)}): leave --by out for one series of all areas."
        )
    raise NotFound(msg)


def _incidents(
    store: Store,
    *,
    by: str | None,
    date_from: dt.date,
    date_to: dt.date,
    profile: str,
    violence_only: bool,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Incidents of the days through the one reader of classified incidents, every
    incident of the days (of any kind: the coverage of the window is judged from
    them, :func:`_records_of`) and the notes.

    Unclassified (no stored classifications for ``profile``): every incident counts
    and the categories are police.uk crime types. Classified: the categories are
    :func:`~avert.workflows.definitions.category_label`, and the crime type for
    an incident outside the definition (``violence_only=False``).
    """
    cols = ["incident_id", "occurred_from", "crime_type", "weapon", "domestic"]
    # offence_code: a police.uk row by its category alone names its series
    # (category_labels), a coded one does not
    cols += ["time_precision", "source", "force", "offence_code"]
    if by and by not in cols:
        cols.append(by)
    if by is None:  # the force total's residents: those of its incidents' boroughs
        cols.append("borough")
    frames = load_analysis_incidents(
        store,
        profile=profile,
        date_from=dt.datetime.combine(date_from, dt.time()),
        date_to=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()),
        violence_only=violence_only,
        columns=cols,
    )
    notes = list(frames.notes)
    if not frames.classified:
        notes.append("Categories are police.uk crime types.")
        return (
            frames.incidents.with_columns(pl.col("crime_type").alias("category")),
            frames.area,
            notes,
        )
    # a police.uk row in the definition on its category alone has no profile
    # category: it is a series of its own, as 'avert classify' lists it; a row
    # outside the definition (violence_only=False) counts under its crime type, so
    # the categories still add up to the total
    return (
        frames.incidents.with_columns(
            category_label().fill_null(pl.col("crime_type")).alias("category")
        ),
        frames.area,
        notes,
    )


def run_performance(
    store: Store,
    *,
    unit: Unit = "month",
    by: str | None = None,
    baseline_from: dt.date,
    baseline_to: dt.date,
    date_from: dt.date,
    date_to: dt.date,
    profile: str = "avb-2010",
    violence_only: bool = True,
    by_category: bool = True,
    flags: Sequence[str] = ("weapon", "domestic"),
    population_year: int | None = None,
    target: tuple[float, dt.date] | None = None,
    peers: int = 5,
    alpha: float = 0.05,
    sustained_min: int = 5,
    sustained_of: int = 6,
    family: Family = "auto",
    trend: Trend = "auto",
    measure: Literal["count", "harm"] = "count",
) -> PerformanceResult:
    """Series of the store's incidents judged against a seasonal baseline.

    The steps: the windows cut to whole periods (:func:`_whole_periods`), the
    incidents of ``profile`` (:func:`_judged_incidents`), their series without the
    periods the store does not cover (:func:`_covered_series`), residents and
    peer areas (:func:`_denominators`), then
    :func:`avert.analyse.performance.performance` (seasonal GLM, control charts,
    target), whose result carries every step's notes.
    """
    _check_area_field(store, by)
    baseline_from, baseline_to, date_from, date_to, cut_notes = _whole_periods(
        unit, baseline_from, baseline_to, date_from, date_to
    )
    incidents, records, notes = _judged_incidents(
        store,
        unit=unit,
        by=by,
        date_from=baseline_from,
        date_to=date_to,
        profile=profile,
        violence_only=violence_only,
        measure=measure,
    )
    series, gap_notes = _covered_series(
        store,
        incidents,
        records,
        unit=unit,
        by=by,
        date_from=baseline_from,
        date_to=date_to,
        by_category=by_category,
        flags=flags,
    )
    recorded = _recorded_boroughs(incidents) if by is None else None
    populations, similar, residents_notes, boroughs = _denominators(
        store, series, by=by, year=population_year, peers=peers, recorded=recorded
    )
    survey = store.read_frame("confidence_survey")
    result = performance(
        series,
        unit=unit,
        baseline=(baseline_from, baseline_to),
        recent=(date_from, date_to),
        populations=populations,
        target=target,
        similar=similar,
        survey=survey.select("area", "period", "pct_agree") if survey.height else None,
        alpha=alpha,
        sustained_min=sustained_min,
        sustained_of=sustained_of,
        family=family,
        trend=trend,
        measure=measure,
    )
    return replace(
        result,
        params={
            **result.params,
            "by": by,
            "definition": profile,
            "category_labels": category_labels(incidents, profile=profile),
        },
        notes=(
            *cut_notes,
            *gap_notes,
            *notes,
            *result.notes,
            *residents_notes,
            *few_residents_rate_notes(_named_residents(populations, boroughs)),
            *(
                expected_harm_note(store, incidents, profile=profile)
                if measure == "harm"
                else ()
            ),
        ),
    )


def _judged_incidents(
    store: Store,
    *,
    unit: Unit,
    by: str | None,
    date_from: dt.date,
    date_to: dt.date,
    profile: str,
    violence_only: bool,
    measure: Literal["count", "harm"],
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """The incidents a series counts (:func:`_incidents`; a weekly one without the
    month-only ones, :func:`_without_month_only`), the window's records
    (:func:`_records_of` every incident of the window, read once with them) and
    the notes.

    Refuses an empty store (an empty table and "run 'avert classify' first" said
    nothing of the cause) and harm without classifications for ``profile``.
    """
    incidents, window, notes = _incidents(
        store,
        by=by,
        date_from=date_from,
        date_to=date_to,
        profile=profile,
        violence_only=violence_only,
    )
    if unit == "week":
        incidents, week_notes = _without_month_only(incidents)
        notes.extend(week_notes)
    if incidents.height == 0 and incident_span(store) is None:
        msg = (
            "There are no incidents in the store: nothing to judge ('avert ingest' "
            "loads them)."
        )
        raise NotFound(msg)
    if measure == "harm" and "harm_days" not in incidents.columns:
        msg = (
            f"Harm is unavailable: no classifications for definition '{profile}': "
            f"{classify_advice(profile)}, or judge counts."
        )
        raise SchemaError(msg)
    return incidents, _records_of(window), notes


def _covered_series(
    store: Store,
    incidents: pl.DataFrame,
    records: pl.DataFrame,
    *,
    unit: Unit,
    by: str | None,
    date_from: dt.date,
    date_to: dt.date,
    by_category: bool,
    flags: Sequence[str],
) -> tuple[pl.DataFrame, list[str]]:
    """The incidents' series (:func:`build_series`) without the periods the store's
    data do not cover (:func:`_without_uncovered_periods`), with the notes saying
    which, and why a window left with no series at all has none; a minor
    supplier's records are first left out of the series of the areas whose
    periods it did not all load (:func:`_without_minor_gaps`). ``records``: the
    window's records (:func:`_records_of`), from the incidents' own read."""
    counted = _area_supplier_counts(incidents, by, unit)
    suppliers = _area_suppliers(counted)
    loaded = _loaded_by_supplier(
        records, unit=unit, date_from=date_from, date_to=date_to
    )
    dropped, unloaded, superseded, cover_notes = _uncovered_periods(
        store,
        (suppliers, counted, _uneven_ends(records, unit)),
        loaded,
        _supplier_parts(
            store, records, unit=unit, date_from=date_from, date_to=date_to
        ),
        records=records,
        forces=frozenset(records.filter("named_force")["supplier"].unique()),
        unit=unit,
        date_from=date_from,
        date_to=date_to,
    )
    incidents = _without_superseded(incidents, by, superseded)
    incidents, minor_notes = _without_minor_gaps(
        incidents,
        by,
        suppliers,
        loaded,
        (dropped, unloaded.filter(~pl.col("switched"))),
        unit,
    )
    series = build_series(
        incidents,
        unit=unit,
        area=by,
        date_from=date_from,
        date_to=date_to,
        by_category=by_category,
        flags=flags,
    )
    notes = [*_month_dated_notes(records), *cover_notes] if series.height else []
    series = _without_uncovered_periods(series, dropped, unloaded)
    notes.extend(minor_notes)
    if series.height:
        return series, notes
    if incidents.height:
        # every period left out as no data: not a window without incidents
        notes.append(
            f"Every {unit} from {date_from} to {date_to} is left out of its series "
            "(not loaded or part covered, above): nothing to judge."
        )
    else:
        notes.extend(_empty_window_note(store, unit, date_from, date_to))
    return series, notes


#: the most of a force total's incidents that may record no borough for its
#: boroughs to be chosen from the rest (:func:`_recorded_boroughs`)
UNPLACED_MAX_SHARE: Final = 0.1


def _recorded_boroughs(incidents: pl.DataFrame) -> pl.DataFrame | None:
    """``area``, ``count``: the boroughs the incidents are recorded in and the
    incidents of each, with a null ``area`` row counting those of no borough.

    Every police.uk street file has crimes with no location, hence no borough
    (West Yorkshire, July 2018: 883 of 31,635): asking that every incident record
    one left every real file without a whole-area rate. None when more than
    :data:`UNPLACED_MAX_SHARE` record none (a store of incidents of unknown place
    has no borough list for its total)."""
    if "borough" not in incidents.columns or incidents.height == 0:
        return None
    if incidents["borough"].null_count() > UNPLACED_MAX_SHARE * incidents.height:
        return None
    return (
        incidents.group_by(pl.col("borough").cast(pl.String).alias("area"))
        .agg(pl.len().alias("count"))
        .sort("area", nulls_last=True)
    )


#: a borough holding this share of the incidents counts toward the reference rate
#: of the force total's boroughs (:func:`_force_total_residents`)
BOROUGH_MIN_SHARE: Final = 0.01
#: ... and one with fewer incidents than this is never counted as the force's own
BOROUGH_MIN_INCIDENTS: Final = 2


def _force_total_residents(
    table: pl.DataFrame, recorded: pl.DataFrame | None, *, year: int | None
) -> tuple[dict[str, float], tuple[str, ...], list[str]]:
    """Residents of the force total (series area ``all``), the boroughs they are of
    and a note naming them: the sum over the boroughs its incidents are recorded
    in that are its own.

    data.police.uk places a crime at a map point near where it happened, so a
    force's file holds a few crimes recorded in a neighbouring borough: their
    whole borough's residents went into the rate (three crimes in Craven added
    its 57,000 residents to Leeds' and Bradford's). A borough counts when its
    incidents per resident reach :data:`FORCE_AREA_MIN_RATE_RATIO` of the rate
    of those holding :data:`BOROUGH_MIN_SHARE` of the incidents, as the equality
    figures take a force area from where its stops fall
    (:func:`~avert.analyse.denominators.force_area_members`); the others'
    incidents still count. None when a borough holding that share has no known
    residents (:func:`~avert.analyse.denominators.area_totals`: by code, name or
    as the parent of its LSOAs), rather than a rate over part of the force's
    residents."""
    unplaced = (
        0
        if recorded is None
        else int(recorded.filter(pl.col("area").is_null())["count"].sum())
    )
    recorded = None if recorded is None else recorded.drop_nulls("area")
    if recorded is None or recorded.height == 0:
        return {}, (), []
    residents = area_totals(table, recorded["area"].to_list(), year=year)
    members = force_area_members(
        recorded.with_columns(
            pl.col("area")
            .replace_strict(residents, default=None, return_dtype=pl.Float64)
            .alias("residents")
        ),
        min_share=BOROUGH_MIN_SHARE,
        min_rate_ratio=FORCE_AREA_MIN_RATE_RATIO,
        min_count=BOROUGH_MIN_INCIDENTS,
    )
    inside = members.filter("inside")
    unknown = members.filter(
        (pl.col("share") >= BOROUGH_MIN_SHARE) & pl.col("residents").is_null()
    )
    if unknown.height or inside["residents"].null_count():
        return {}, (), []
    kept = tuple(inside["area"].to_list())
    left = members.filter(~pl.col("inside")).sort(
        ["count", "area"], descending=[True, False]
    )
    note = (
        "Rates per 1,000 of the whole area are per resident of "
        f"{join_area_names(kept)}"
        + (
            " (the boroughs its incidents are recorded in but "
            + join_area_names(
                f"{r['area']} ({r['count']:,} incident{'s' if r['count'] != 1 else ''})"
                for r in left.head(5).to_dicts()
            )
            + (f" and {left.height - 5} more" if left.height > 5 else "")
            + ": a borough counts when its incidents per resident reach "
            f"{FORCE_AREA_MIN_RATE_RATIO:.0%} of the rate of the boroughs holding "
            f"{BOROUGH_MIN_SHARE:.0%} or more of them, and it holds "
            f"{BOROUGH_MIN_INCIDENTS} or more; a few crimes placed just over the "
            "boundary bring no neighbour's residents in. The incidents left out "
            "still count in the series)"
            if left.height
            else " (every borough its incidents are recorded in)"
        )
        + "."
        + _unplaced_note(unplaced, unplaced + int(recorded["count"].sum()))
    )
    return {"all": float(inside["residents"].sum())}, kept, [note]


def _unplaced_note(unplaced: int, total: int) -> str:
    """A sentence on the incidents of the force total that record no borough."""
    if not unplaced:
        return ""
    return (
        f" {unplaced:,} incident{'s' if unplaced != 1 else ''} "
        f"({unplaced / total:.0%} of them) {'record' if unplaced != 1 else 'records'} no borough (police.uk's crimes "
        "with no location): they count in the series, not in choosing the boroughs."
    )


def _named_residents(
    populations: dict[str, float], boroughs: Sequence[str]
) -> dict[str, float]:
    """The residents of the series by the area's name: the force total of one
    borough (the City of London's) named as that borough, so its caveat is given."""
    if "all" in populations and len(boroughs) == 1:
        return {boroughs[0]: populations["all"]}
    return populations


def _denominators(
    store: Store,
    series: pl.DataFrame,
    *,
    by: str | None,
    year: int | None,
    peers: int,
    recorded: pl.DataFrame | None = None,
) -> tuple[dict[str, float], pl.DataFrame | None, list[str], tuple[str, ...]]:
    """Residents of each area of the series (none without populations), split
    by area with residents of more than two, each area's ``peers`` most similar
    areas by their residents' make-up
    (:func:`~avert.analyse.performance.most_similar_areas`), notes, and the
    boroughs of the force total. Unsplit (``by`` None), the force total's
    residents are those of the boroughs of ``recorded`` (``area``, ``count``: its
    incidents' boroughs) that are its own (:func:`_force_total_residents`). A
    note names the synthetic city's residents when they are the denominators
    (:func:`_residents_source_notes`)."""
    table = store.read_frame("populations")
    if not table.height:
        return {}, None, [], ()
    if by is None:
        total, boroughs, notes = _force_total_residents(table, recorded, year=year)
        if not total:
            return {}, None, [], ()
        sourced = _residents_source_notes(table, boroughs, year=year, total=True)
        if sourced is None:
            mixed = residents_sources(table, boroughs, year=year)
            return (
                {},
                None,
                [
                    "No rate per 1,000 of the whole area: the residents of "
                    f"{join_area_names(mixed['synthetic'])} are {SYNTHETIC_RESIDENTS}, "
                    f"those of {join_area_names(mixed['census'])} a census's; no "
                    "rate is set against both (--by borough gives each its own)."
                ],
                (),
            )
        return total, None, [*notes, *sourced], boroughs
    areas = series["area"].unique().to_list()
    populations = area_totals(table, areas, year=year)
    if not populations:
        return {}, None, [], ()
    notes = _residents_source_notes(table, list(populations), year=year) or []
    if peers <= 0 or len(populations) <= 2:
        return populations, None, notes, ()
    features = area_features(table, list(populations), year=year)
    return populations, most_similar_areas(features, k=peers), notes, ()


def _residents_source_notes(
    table: pl.DataFrame, areas: Sequence[str], *, year: int | None, total: bool = False
) -> list[str] | None:
    """A note naming :data:`SYNTHETIC_RESIDENTS` where they are the denominators of
    ``areas`` (as the equality figures name them), the areas of each source when
    some are a census's; None for a ``total`` over both, which is no rate (a
    label taken from the whole table named none when a census was also loaded)."""
    sources = residents_sources(table, areas, year=year)
    synthetic, census = sources["synthetic"], sources["census"]
    if not synthetic:
        return []
    if not census:
        return [f"Rates per 1,000 are against {SYNTHETIC_RESIDENTS}."]
    if total:
        return None
    return [
        f"Rates per 1,000 of {join_area_names(synthetic)} are against "
        f"{SYNTHETIC_RESIDENTS}; those of {join_area_names(census)} against census "
        "residents."
    ]


def category_labels(
    incidents: pl.DataFrame, *, profile: str | None = None
) -> dict[str, str]:
    """How a page names a series whose key is ``police.uk: <category>`` when no
    incident of it is from data.police.uk: by its source and, for a shipped
    mapping, the source's own categories mapped to that one. Toronto's assaults
    (``toronto-mci``, mapped to "Violence and sexual offences") read "toronto-mci:
    Assault", not "police.uk: violence and sexual offences". The key, which plans'
    measures name, is unchanged; keys of police.uk rows are not relabelled.

    ``profile``: a key that is a category of that definition reads by its name
    (:func:`avert.workflows.definition_words.category_titles`: "Personal robbery"),
    as the briefing names it; the command line's table showed Toronto's robbery
    as "personal_robbery" beside "toronto-mci: Assault".
    """
    titles = _category_titles(incidents, profile)
    if "source" not in incidents.columns or not incidents.height:
        return titles
    keyed = (
        incidents.filter(pl.col("category").str.starts_with(POLICEUK_KEY))
        .group_by("category")
        .agg(pl.col("source").drop_nulls().unique().sort())
    )
    labels: dict[str, str] = {}
    for key, sources in keyed.iter_rows():
        if not sources or any(str(s).startswith("policeuk") for s in sources):
            continue
        category = key.removeprefix(POLICEUK_KEY)
        own = [n for s in sources for n in _mapped_from(s, category)]
        labels[key] = f"{', '.join(sources)}: {', '.join(own) or category}"
    return {**titles, **labels, **_policeuk_scope_labels(incidents)}


def _category_titles(incidents: pl.DataFrame, profile: str | None) -> dict[str, str]:
    """The names of the definition ``profile``'s categories among the keys of
    ``incidents``' ``category`` (none without a profile)."""
    if profile is None or "category" not in incidents.columns:
        return {}
    keys = set(incidents.get_column("category").drop_nulls().unique().to_list())
    return {k: v for k, v in category_titles(profile).items() if k in keys}


def _policeuk_scope_labels(incidents: pl.DataFrame) -> dict[str, str]:
    """How a page names a series of a profile category every incident of which
    is a data.police.uk row counted under it by its police.uk category alone: as
    the briefing and incident pages name those rows
    (:func:`avert.classify.labels.category_name`), "police.uk: robbery (personal
    and business)", not "personal robbery" (police.uk's robbery holds business
    robbery too). A series holding any other row keeps its key's name."""
    if not {"category", "crime_type", "in_definition"} <= set(incidents.columns):
        return {}
    named = (
        incidents.filter(
            pl.col("category").is_not_null()
            & ~pl.col("category").str.starts_with(POLICEUK_KEY)
        )
        .select("category", category_name(incidents.columns, {}).alias("name"))
        .group_by("category")
        .agg(pl.col("name").unique())
    )
    return {
        key: names[0]
        for key, names in named.iter_rows()
        if len(names) == 1 and names[0] and names[0].startswith(POLICEUK_KEY)
    }


def source_category_names(incidents: pl.DataFrame) -> dict[tuple[str, str], str]:
    """How a page names each incident whose label is ``police.uk: <category>``
    (:func:`avert.classify.labels.category_label`) by its own source, keyed by
    ``(source, label)``: a mapped source's row "toronto-mci: Assault" (the
    source's own categories mapped to that one, as :func:`category_labels`), a
    data.police.uk row keeps its label. Per row, not per label: in a store holding
    police.uk files and a force's own records mapped to police.uk's crime types,
    the force's rows were named "police.uk: violence and sexual offences" too.

    ``incidents``: ``source``, ``crime_type``, ``category`` and ``in_definition``.
    """
    if "source" not in incidents.columns or not incidents.height:
        return {}
    pairs = (
        incidents.select("source", category_label().alias("label"))
        .filter(
            pl.col("label").str.starts_with(POLICEUK_KEY)
            & pl.col("source").is_not_null()
            & ~pl.col("source").str.starts_with("policeuk")
        )
        .unique()
        .sort("source", "label")
    )
    names: dict[tuple[str, str], str] = {}
    for source, key in pairs.iter_rows():
        category = key.removeprefix(POLICEUK_KEY)
        own = _mapped_from(source, category)
        names[(source, key)] = f"{source}: {', '.join(own) or category}"
    return names


def _mapped_from(source: str, category: str) -> list[str]:
    """The categories of the shipped mapping of ``source`` (e.g. ``toronto-mci``)
    that map to the police.uk ``category`` (any case); none for another source."""
    from avert.ingest.table import packaged_mappings, read_mapping

    if source not in packaged_mappings():
        return []
    mapping = read_mapping(source)
    if mapping.source != source:
        return []
    return [
        own
        for own, target in mapping.categories.items()
        if target.strip().lower() == category
    ]


def _without_month_only(incidents: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """A weekly series' incidents without the month-only ones (data.police.uk: their
    ``occurred_from`` is the 1st of their month, so a whole month would count in the
    week of the 1st), with a note; only month-only incidents: a ConfigError."""
    month_only = pl.col("time_precision") == "month"
    n_month = incidents.filter(month_only).height
    if n_month == 0:
        return incidents, []
    if n_month == incidents.height:
        msg = (
            "These incidents say only their month (data.police.uk), so they have no "
            "week: judge them with --unit month."
        )
        raise ConfigError(msg)
    note = (
        f"{n_month:,} month-only incident{'' if n_month == 1 else 's'} "
        "(data.police.uk) left out of the weekly series: they say no week."
    )
    return incidents.filter(~month_only), [note]


def incident_times(
    store: Store, first_day: dt.date, last_day: dt.date, *, timed: bool = False
) -> pl.DataFrame:
    """``occurred_from`` and :func:`supplier` of every incident in the store from
    ``first_day`` to ``last_day``, both whole days included; ``timed``: only of
    those that say more than their month (a weekly series leaves the month-only
    ones out)."""
    frame = _window_records(store, first_day, last_day)
    if timed:
        frame = frame.filter("timed")
    return frame.select("occurred_from", "supplier")


def _window_records(
    store: Store, first_day: dt.date, last_day: dt.date
) -> pl.DataFrame:
    """``occurred_from``, ``timed`` (the record says more than its month) and
    :func:`supplier` of every incident in the store from ``first_day`` to
    ``last_day``: the one read the coverage of a window is judged from
    (:func:`_records_of`)."""
    return _records_of(
        store.read_frame(
            "incidents",
            columns=["occurred_from", "time_precision", "force", "source"],
            where=[
                ("occurred_from", ">=", dt.datetime.combine(first_day, dt.time())),
                (
                    "occurred_from",
                    "<",
                    dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()),
                ),
            ],
        )
    )


def _records_of(frame: pl.DataFrame) -> pl.DataFrame:
    """``occurred_from``, ``timed``, ``supplier``, ``named_force`` and
    ``month_dated`` of a window's incidents (``occurred_from``, ``time_precision``,
    ``force``, ``source``; :func:`_window_records`)."""
    force = pl.col("force").cast(pl.String).str.strip_chars()
    records = frame.select(
        "occurred_from",
        (~pl.col("time_precision").eq_missing("month")).alias("timed"),
        supplier().alias("supplier"),
        (force.is_not_null() & (force != "")).alias("named_force"),
    )
    dated_1st = month_dated_suppliers(records)
    return records.with_columns(
        pl.col("supplier").is_in(dated_1st).alias("month_dated")
    ).with_columns(pl.col("timed") & ~pl.col("month_dated"))


#: the least share of a supplier's records saying their day that fall on the 1st
#: of the month for their dates to be taken as months (:func:`month_dated_suppliers`)
MONTH_DATED_SHARE = 0.9
#: the fewest such records a supplier needs for that to be judged
MONTH_DATED_MIN = 5


def month_dated_suppliers(records: pl.DataFrame) -> list[str]:
    """The suppliers whose records say their day (``timed``) but whose dates are
    months written as the 1st: at least :data:`MONTH_DATED_SHARE` of their
    records, and :data:`MONTH_DATED_MIN` or more, on the 1st of the month.

    A bundle whose dates are only months (``2024-03-01``, stored at day
    precision) read as a month with no record on 30 of its 31 days, a gap in
    every month, and its series had no verdict; taken as month resolution (as
    data.police.uk's are), its months are covered and never judged for gaps,
    and a weekly series counts none of its weeks. Real daily records put about
    one in thirty on the 1st (Toronto's 2017-21: 4.9 %); even at that rate, five
    of five on the 1st by chance is under 1 in 20 million."""
    on_1st = pl.col("occurred_from").dt.day() == 1
    shares = (
        records.filter("timed")
        .group_by("supplier")
        .agg(pl.len().alias("n"), on_1st.mean().alias("share"))
        .filter(
            (pl.col("n") >= MONTH_DATED_MIN) & (pl.col("share") >= MONTH_DATED_SHARE)
        )
    )
    return sorted(shares["supplier"].to_list())


def supplier() -> pl.Expr:
    """Who supplied an incident's record: its force (police.uk's "Falls within"),
    else its source (``toronto-mci``, a bundle's), else ``unknown``. The unit
    whose loaded months a series' coverage is judged by: one force's files arrive
    (or go missing) whatever another's do."""
    force = pl.col("force").cast(pl.String).str.strip_chars()
    return (
        pl.when(force.is_not_null() & (force != ""))
        .then(force)
        .otherwise(pl.col("source").cast(pl.String))
        .fill_null("unknown")
    )


#: the least share of an area's incidents (in the periods it has records in) a
#: supplier must record for its unloaded periods to leave the area's series
#: uncovered (:func:`_area_suppliers`); the area's largest supplier always counts
MIN_SUPPLIER_SHARE = 0.05


def _area_supplier_counts(
    incidents: pl.DataFrame, by: str | None, unit: Unit
) -> pl.DataFrame:
    """``area`` (as :func:`build_series` names it), ``supplier``, ``period`` and
    ``len``: the series' incidents of each supplier in each area and period."""
    area = pl.col(by).cast(pl.String) if by else pl.lit("all")
    every = "1mo" if unit == "month" else "1w"
    return incidents.group_by(
        area.fill_null("unknown").alias("area"),
        supplier().alias("supplier"),
        pl.col("occurred_from")
        .cast(pl.Datetime("us"))
        .dt.truncate(every)
        .cast(pl.Date)
        .alias("period"),
    ).len()


def _area_suppliers(counted: pl.DataFrame) -> pl.DataFrame:
    """``area``, each ``supplier`` of its incidents (``counted``:
    :func:`_area_supplier_counts`) and whether its unloaded periods leave the area's series uncovered
    (``counts``): its largest, and any recording at least
    :data:`MIN_SUPPLIER_SHARE` of its incidents in the periods the supplier has
    records in. The others' unloaded periods are kept, with a note.

    An area's series counts every supplier's incidents, so a period one of them
    did not load understates it: by the supplier's share. A borough on a force's
    border with a few of a neighbour's records (under 5 %) keeps its months when
    the neighbour's are not loaded; a whole-store series of two forces' loses the
    months either is missing (their sum is not known then). The share is of the
    supplier's own periods, not the window: a force loaded for the baseline only,
    7 % of a borough then, was 4.8 % of the window's, and its missing recent
    period read as a significant sustained reduction."""
    if not counted.height:
        return pl.DataFrame(
            schema={"area": pl.String, "supplier": pl.String, "counts": pl.Boolean}
        )
    # each area's incidents in the periods each supplier has records in
    in_its_periods = (
        counted.select("supplier", "period")
        .unique()
        .join(
            counted.group_by("area", "period").agg(pl.col("len").sum().alias("all")),
            on="period",
        )
        .group_by("area", "supplier")
        .agg(pl.col("all").sum())
    )
    own = counted.group_by("area", "supplier").agg(pl.col("len").sum())
    return own.join(in_its_periods, on=["area", "supplier"]).select(
        "area",
        "supplier",
        (
            (pl.col("len") >= MIN_SUPPLIER_SHARE * pl.col("all"))
            | (pl.col("len") == pl.col("len").max().over("area"))
        ).alias("counts"),
    )


def _loaded_by_supplier(
    records: pl.DataFrame, *, unit: Unit, date_from: dt.date, date_to: dt.date
) -> pl.DataFrame:
    """``supplier``, ``period`` and ``count``: every incident of any kind the store
    holds from each supplier (:func:`supplier`) in each period of the window
    (``records``: :func:`_window_records`), zero filled: a zero is a period the
    supplier did not load. A weekly series leaves month-only records out (their
    weeks are no data)."""
    seen = records.filter("timed") if unit == "week" else records
    return build_series(
        seen,
        unit=unit,
        area="supplier",
        date_from=date_from,
        date_to=date_to,
        by_category=False,
        flags=(),
    ).select(pl.col("area").alias("supplier"), "period", "count")


def _supplier_gaps(records: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """:func:`~avert.workflows.performance_supply.supplier_gap_periods` of the
    window's ``records`` (:func:`_window_records`): each supplier's periods that
    runs of days without any record leave only partly covered."""
    day = pl.col("occurred_from").dt.date().alias("day")
    days = records.filter("timed").group_by("supplier", day).len("count")
    every = "1mo" if unit == "month" else "1w"
    month_only = (
        records.filter(~pl.col("timed"))
        .select(
            "supplier",
            pl.col("occurred_from")
            .cast(pl.Datetime("us"))
            .dt.truncate(every)
            .cast(pl.Date)
            .alias("period"),
        )
        .unique()
    )
    return supplier_gap_periods(days, month_only, unit=unit)


def _empty_periods(loaded: pl.DataFrame) -> list[dt.date]:
    """The periods in which the store holds no incident at all (``loaded``:
    :func:`_loaded_by_supplier`)."""
    in_store = loaded.group_by("period").agg(pl.col("count").sum())
    return list(in_store.filter(pl.col("count") == 0)["period"].sort().to_list())


def _zero_periods(loaded: pl.DataFrame) -> pl.DataFrame:
    """``supplier`` and ``period`` of each period a supplier did not load while
    others did (the store's empty periods are left out of every series anyway)."""
    empty = _empty_periods(loaded)
    return loaded.filter(
        (pl.col("count") == 0) & ~pl.col("period").is_in(empty)
    ).select("supplier", "period")


def _without_minor_gaps(
    incidents: pl.DataFrame,
    by: str | None,
    suppliers: pl.DataFrame,
    loaded: pl.DataFrame,
    uncovered: tuple[list[dt.date], pl.DataFrame],
    unit: Unit,
) -> tuple[pl.DataFrame, list[str]]:
    """``incidents`` without a minor supplier's records (under
    :data:`MIN_SUPPLIER_SHARE` of an area's, ``suppliers``' ``counts`` false) in
    the areas whose window it did not load in every period, with a note each.
    A gap counts only in a period the area's series keeps (``uncovered``: the
    periods :func:`_uncovered_periods` leaves out of every series, and the
    ``area`` and ``period`` it leaves out of that area's): a gap in a month the
    series leaves out anyway (its main force's files missing that month too)
    cost the series the minor force's records in every other month.

    Kept, its records counted in the periods it loaded and not in the others: a
    force 4 % of a store, loaded for the recent period only, read as a
    significant increase (rate ratio 1.04), and loaded for the baseline only as a
    significant sustained reduction (0.957), on a series large enough that 4 % is
    beyond chance. Left out throughout, the series compares like with like (the
    other suppliers' records, every period) and keeps its periods; the note says
    whose records it lacks."""
    dropped, unloaded = uncovered
    minor = (
        suppliers.filter(~pl.col("counts"))
        .select("area", "supplier")
        .join(_zero_periods(loaded), on="supplier")
        .filter(~pl.col("period").is_in(dropped))
        .join(unloaded.select("area", "period"), on=["area", "period"], how="anti")
    )
    if not minor.height:
        return incidents, []
    gone = minor.select("area", "supplier").unique()
    area = pl.col(by).cast(pl.String) if by else pl.lit("all")
    kept = incidents.join(
        gone,
        left_on=[area.fill_null("unknown"), supplier()],
        right_on=["area", "supplier"],
        how="anti",
    )
    return kept, _minor_notes(minor, unit)


def _without_uncovered_periods(
    series: pl.DataFrame, dropped: list[dt.date], unloaded: pl.DataFrame
) -> pl.DataFrame:
    """The series without the periods the store's data do not cover
    (:func:`_uncovered_periods`: ``dropped`` from every series, ``unloaded``
    ``area`` and ``period`` from that area's; those ``switched``, a supplier's
    periods its successor covers, from its series by category and flag only)."""
    if not series.height or not (dropped or unloaded.height):
        return series
    total = (pl.col("category") == "all") & (pl.col("flag") == "all")
    switched = (
        unloaded.filter("switched")
        .select("area", "period")
        .unique()
        .with_columns(pl.lit(True).alias("_switched"))
    )
    kept = (
        series.filter(~pl.col("period").is_in(dropped))
        .join(
            unloaded.filter(~pl.col("switched")).select("area", "period").unique(),
            on=["area", "period"],
            how="anti",
        )
        .join(switched, on=["area", "period"], how="left")
        .filter(pl.col("_switched").is_null() | total)
        .drop("_switched")
    )
    return kept.sort("area", "category", "flag", "period")


def _without_superseded(
    incidents: pl.DataFrame, by: str | None, superseded: pl.DataFrame
) -> pl.DataFrame:
    """``incidents`` without a switched-from supplier's records in an area from
    the period its successor's start (``superseded``: ``area``, ``supplier``,
    ``from``; :func:`~avert.workflows.performance_supply.supplier_switches`): a
    month both cover would count the same crimes twice."""
    if not superseded.height or not incidents.height:
        return incidents
    area = (pl.col(by).cast(pl.String) if by else pl.lit("all")).fill_null("unknown")
    keyed = incidents.with_row_index("_row").with_columns(
        area.alias("_area"), supplier().alias("_supplier")
    )
    # a supplier can be superseded twice in an area (the new one of one switch
    # and the old one of the next): a left join would count its records twice
    gone = (
        keyed.select("_row", "_area", "_supplier", "occurred_from")
        .join(superseded, left_on=["_area", "_supplier"], right_on=["area", "supplier"])
        .filter(_in_superseded(pl.col("occurred_from").cast(pl.Date)))
        .select("_row")
    )
    return keyed.join(gone, on="_row", how="anti").drop("_row", "_area", "_supplier")


def _in_superseded(day: pl.Expr) -> pl.Expr:
    """Whether ``day`` falls in a ``superseded`` row's ``from`` to ``to`` (none:
    to the end)."""
    return (day >= pl.col("from")) & (pl.col("to").is_null() | (day < pl.col("to")))


def _uncovered_periods(
    store: Store,
    supply: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    loaded: pl.DataFrame,
    supplier_parts: pl.DataFrame,
    *,
    records: pl.DataFrame,
    forces: frozenset[str],
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
) -> tuple[list[dt.date], pl.DataFrame, pl.DataFrame, list[str]]:
    """The periods the store's data do not cover: those of every series, those
    of an area's (``area``, ``supplier``, ``period``), each judged by the
    suppliers of its area's records (``supply``, :func:`_area_suppliers`),
    and the notes saying which.

    :func:`build_series` zero-fills every period of the window, so a month not
    loaded (the latest months before their files arrive, a window reaching before
    the data start, a missing file) counted as 0 and read as a fall: Toronto's
    violence with ``--to`` six months past the data's end was a "significant
    sustained reduction" at a rate ratio of 0.49. A period in which a supplier
    (:func:`supplier`: the force, else the source) has no incident of any kind in
    the store is no data for the series of the areas it supplies, not zero: it is
    left out of them (a recent period left with none is ``insufficient_data``),
    with a note naming the supplier and periods. Judged over the whole store
    before, West Yorkshire's months were zeros while the City of London's files
    covered them: its ``--by force`` series read a fall to 0 with 13 run-rule
    signals. An area with no incident in a month its suppliers did load is a true
    zero and kept.

    So is the period in which the store's data start, or end, leaving more than
    15 % of its days uncovered (:func:`_part_periods`: a store loaded to the 15th,
    records starting on the 20th): its part count counted as a whole period's.
    Toronto's violence in 2019 against 2017-18 (a significant increase, p 0.0499)
    was no significant change (p 0.96) with its data cut on 15 December. So is
    a supplier's period its records cover in part (``supplier_parts``,
    :func:`_supplier_parts`: where they start or end, or two weeks of March
    missing from a load, which read as a low March), from its areas' series.

    An area whose records switch from one supplier to another (``supply``:
    :func:`_area_suppliers` and :func:`_area_supplier_counts`;
    :func:`~avert.workflows.performance_supply.supplier_switches`) keeps the
    periods each covers for the other when the two count alike at the switch
    (before, every period of the area was no data and the series had no
    verdict; ``supply``'s third, :func:`_uneven_ends`, the periods no switch is
    judged by; ``forces``: the suppliers named by a force column, two of which
    are two forces, never one's records switching to the other's); the returned
    ``superseded`` are the switched-from supplier's
    records the area's series then leaves out, from the switch on. The switch
    is judged on the area's total only: its series by category and by flag keep
    those periods out (``unloaded``'s ``switched``), since the two may sort the
    same crimes differently (police.uk's "Violence and sexual offences" giving
    way to an extract's "Assault" and "Wounding" read as a fall to 0).
    """
    suppliers, counted_by_period, uneven = supply
    empty = _empty_periods(loaded)
    counted = suppliers.filter("counts").select("area", "supplier")
    unloaded = counted.join(_zero_periods(loaded), on="supplier").select(
        "area", "supplier", "period"
    )
    partial = _part_periods(
        store, records, unit=unit, date_from=date_from, date_to=date_to
    )
    dropped = [*empty, *(p for p, _ in partial)]
    part = _area_part_periods(counted, supplier_parts, loaded, dropped)
    covered, superseded, doubled, switch_notes = supplier_switches(
        counted_by_period,
        suppliers,
        loaded,
        pl.concat([part.select("supplier", "period"), uneven]),
        unit=unit,
        forces=forces,
    )
    joined = unloaded.join(covered, on=["area", "supplier", "period"], how="semi")
    unloaded = unloaded.join(covered, on=["area", "supplier", "period"], how="anti")
    part = part.join(
        part.join(superseded, on=["area", "supplier"])
        .filter(_in_superseded(pl.col("period")))
        .select("area", "supplier", "period"),
        on=["area", "supplier", "period"],
        how="anti",
    )
    notes = [
        *_empty_store_notes(empty, unit),
        *_unloaded_notes(unloaded, unit),
        *_store_part_notes(partial, unit),
        *_part_notes(part, unit),
        *switch_notes,
    ]
    return dropped, _area_no_data(unloaded, part, joined, doubled), superseded, notes


def _area_part_periods(
    counted: pl.DataFrame,
    supplier_parts: pl.DataFrame,
    loaded: pl.DataFrame,
    dropped: list[dt.date],
) -> pl.DataFrame:
    """``area``, ``supplier``, ``period`` and ``said`` of each period a supplier's
    records cover in part (``supplier_parts``), for every area it counts for
    (``counted``), but those in which it has no record at all (not loaded, said
    apart) and those left out of every series already (``dropped``)."""
    return counted.join(
        supplier_parts.join(
            _zero_periods(loaded).select("supplier", "period"),
            on=["supplier", "period"],
            how="anti",
        ).filter(~pl.col("period").is_in(dropped)),
        on="supplier",
    )


def _area_no_data(
    unloaded: pl.DataFrame,
    part: pl.DataFrame,
    joined: pl.DataFrame,
    doubled: pl.DataFrame,
) -> pl.DataFrame:
    """``area``, ``supplier``, ``period`` and ``switched`` of each period an
    area's series leave out: a supplier's not loaded (``unloaded``) or covered in
    part (``part``), the periods two suppliers not taken for one another both
    cover (``doubled``: the same crimes twice), and ``switched``, those a
    switch's successor covers (``joined``), left out of the series by category
    and flag only."""
    return pl.concat(
        [
            pl.concat([unloaded, part.select(unloaded.columns)]).with_columns(
                pl.lit(False).alias("switched")
            ),
            joined.with_columns(pl.lit(True).alias("switched")),
            doubled.with_columns(pl.lit(False).alias("switched")),
        ]
    )


def _empty_store_notes(empty: list[dt.date], unit: Unit) -> list[str]:
    """The note on the periods the store holds no incident in at all (none:
    no note)."""
    if not empty:
        return []
    return [
        f"The store holds no incident at all in {period_span(empty, unit)}: no "
        "data, not zero, so left out of every series (a "
        f"{unit} not loaded is no fall)."
    ]


def _store_part_notes(partial: list[tuple[dt.date, str]], unit: Unit) -> list[str]:
    """One note per period the store's data start or end in, leaving it only
    partly covered (:func:`_part_periods`)."""
    return [
        f"The store's incidents {said}: the {unit} starting {period} is only "
        "partly covered, so left out of every series (a part count is no "
        f"whole {unit})."
        for period, said in partial
    ]


def _month_dated_notes(records: pl.DataFrame) -> list[str]:
    """One note per supplier whose dates are taken as months
    (:func:`month_dated_suppliers`)."""
    return [
        f"{name}: its records say a day, but all or nearly all are dated the 1st "
        "of a month, so their dates are taken as months (as data.police.uk's): "
        "a month is covered by its records whatever the day, and a weekly series "
        "cannot count them."
        for name in sorted(records.filter("month_dated")["supplier"].unique())
    ]


def _part_notes(part: pl.DataFrame, unit: Unit) -> list[str]:
    """One note per supplier and period its records cover only in part."""
    per_period = (
        part.group_by("supplier", "period", "said")
        .agg(pl.col("area").n_unique().alias("areas"))
        .sort("supplier", "period")
    )
    notes = []
    for name, period, said, areas in per_period.iter_rows():
        whose = (
            "its area's series" if areas == 1 else f"the series of its {areas} areas"
        )
        notes.append(
            f"{name}'s incidents {said}: the {unit} starting {period} is only partly "
            f"covered by its records, so left out of {whose} (a part count is no "
            f"whole {unit})."
        )
    return notes


def _minor_notes(minor: pl.DataFrame, unit: Unit) -> list[str]:
    """One note per minor supplier with periods of no incident whose records the
    series of its areas leave out (:func:`_without_minor_gaps`)."""
    notes = []
    per_supplier = (
        minor.group_by("supplier")
        .agg(
            pl.col("period").unique().sort().alias("periods"),
            pl.col("area").unique().sort().alias("areas"),
        )
        .sort("supplier")
    )
    for name, periods, areas in per_supplier.iter_rows():
        whose = (
            f"{areas[0]}'s series"
            if len(areas) == 1 and areas[0] != "all"
            else "the series of all areas"
            if areas == ["all"]
            else f"the series of {len(areas)} areas"
        )
        notes.append(
            f"{name}: no incident in the store in {period_span(periods, unit)}; "
            f"under {MIN_SUPPLIER_SHARE * 100:.0f} % of the incidents of {whose}, "
            "its records are left out of them in every period, so each compares "
            "like with like (counted where loaded only, a large series can read a "
            "significant change that is only its files)."
        )
    return notes


def _unloaded_notes(unloaded: pl.DataFrame, unit: Unit) -> list[str]:
    """One note per supplier with periods of no incident while others have some:
    which periods, and how many areas' series leave them out."""
    notes = []
    per_supplier = (
        unloaded.group_by("supplier")
        .agg(
            pl.col("period").unique().sort().alias("periods"),
            pl.col("area").n_unique().alias("areas"),
        )
        .sort("supplier")
    )
    for name, periods, areas in per_supplier.iter_rows():
        whose = (
            "its area's series" if areas == 1 else f"the series of its {areas} areas"
        )
        notes.append(
            f"{name}: no incident in the store in {period_span(periods, unit)}, "
            "though other records have some: no data, not zero, so left out of "
            f"{whose} (a {unit} not loaded is no fall)."
        )
    return notes


def _empty_window_note(
    store: Store, unit: Unit, date_from: dt.date, date_to: dt.date
) -> list[str]:
    """Why a window has no series at all: no incident in it (with the days the
    store's incidents run), or none that counts (the definition, the flags). An
    empty table and a note on the definition said nothing of the cause."""
    window = f"from {date_from} to {date_to}"
    # is there any? one aggregate in the store, not every time of the window
    start = dt.datetime.combine(date_from, dt.time())
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())
    if incident_extent(store, start, end, timed=unit == "week") is not None:
        return [f"No incident {window} is in these series: nothing to judge."]
    span = incident_span(store, timed=unit == "week")
    held = (
        f"; its incidents run from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}"
        if span
        else ""
    )
    return [
        f"The store holds no incident {window}{held}: no data in this window, "
        "nothing to judge."
    ]


#: the share of a period's days the store's data must cover for it to be judged
#: (:func:`_part_periods`)
MIN_PERIOD_COVER = 0.85


def _part_periods(
    store: Store,
    records: pl.DataFrame,
    *,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
) -> list[tuple[dt.date, str]]:
    """The window's periods that the store's data cover only in part: the one
    where they start, or end, leaving more than 15 % of its days
    (:data:`MIN_PERIOD_COVER`) uncovered, each with what its note says (``start on
    2017-01-20``). The margin keeps a sparse store's whole month whose last
    incident fell a few days before its end (the last two days of a month without
    an incident happen by chance at one or two a day). Weeks: the span of the
    records that say more than their month (the series' own)."""
    span = incident_span(store, timed=unit == "week")
    if span is None:
        return []
    # a month-dated supplier's records (month_dated_suppliers) last their month,
    # as the window's read takes them: the store's last, dated the 1st, does not
    # end it on the 1st
    ends = [last for _, last in _window_spans(records, timed=unit == "week")]
    if ends:
        span = (span[0], max(span[1], *ends))
    return _part_of(span, unit=unit, date_from=date_from, date_to=date_to)


def _supplier_parts(
    store: Store,
    records: pl.DataFrame,
    *,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
) -> pl.DataFrame:
    """``supplier``, ``period`` and ``said`` of each period a supplier's records
    cover only in part: where they start or end (:func:`_supplier_part_periods`)
    and inside their span, runs of days with none (:func:`_supplier_gaps`)."""
    edges = _supplier_part_periods(
        store, records, unit=unit, date_from=date_from, date_to=date_to
    )
    gaps = _supplier_gaps(records, unit)
    return pl.concat([edges, gaps.join(edges, on=["supplier", "period"], how="anti")])


def _supplier_part_periods(
    store: Store,
    records: pl.DataFrame,
    *,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
) -> pl.DataFrame:
    """:func:`_part_periods` of each :func:`supplier`'s records: ``supplier``,
    ``period`` and ``said``. A force's own extract loaded to the 15th beside
    another force's whole months: its part month counted as a whole one.

    The store's spans of every supplier are one grouped scan of the whole table
    (0.27 s of CPU on 426,000 incidents, every run); a span edge inside the
    window is an edge of the supplier's records in the window (``records``,
    :func:`_window_records`, already read), so the scan is made only when one of
    those falls short of its period, which a store loaded in whole periods never
    does."""
    schema = {"supplier": pl.String, "period": pl.Date, "said": pl.String}
    timed = unit == "week"
    if not any(
        _part_of(span, unit=unit, date_from=date_from, date_to=date_to)
        for span in _window_spans(records, timed=timed)
    ):
        return pl.DataFrame(schema=schema)
    month_dated = records.filter("month_dated")["supplier"].unique().to_list()
    month_end = pl.col("last").dt.truncate("1mo").dt.offset_by("1mo") - pl.duration(
        microseconds=1
    )
    spans = (
        incident_spans(store, timed=timed)
        .group_by(supplier().alias("supplier"))
        .agg(pl.col("first").min(), pl.col("last").max())
        .drop_nulls()
        # a month-dated supplier's last record lasts its month
        .with_columns(
            pl.when(pl.col("supplier").is_in(month_dated))
            .then(month_end)
            .otherwise(pl.col("last"))
            .alias("last")
        )
        .sort("supplier")
    )
    rows = [
        (name, period, said)
        for name, first, last in spans.iter_rows()
        for period, said in _part_of(
            (first, last), unit=unit, date_from=date_from, date_to=date_to
        )
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def _uneven_ends(records: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """``supplier`` and ``period`` of the periods in which a supplier's records
    in the window (``records``: :func:`_window_records`) start after the first
    day or end before the last (a month-only record lasts its month): whole
    enough to count (:data:`MIN_PERIOD_COVER`), not to compare two suppliers by
    at a switch. An extract from 5 July beside police.uk's whole July read as
    counting 0.87 times as many, 'another definition', and lost the verdict."""
    every = "1mo" if unit == "month" else "1w"
    day = pl.duration(days=1)
    seen = records.filter("timed") if unit == "week" else records
    month_end = pl.col("occurred_from").dt.truncate("1mo").dt.offset_by("1mo") - day
    ends = pl.when(pl.col("timed")).then(pl.col("occurred_from")).otherwise(month_end)
    spans = seen.group_by("supplier").agg(
        pl.col("occurred_from").dt.date().min().alias("first"),
        ends.dt.date().max().alias("last"),
    )
    start = pl.col("first").dt.truncate(every)
    end = pl.col("last").dt.truncate(every)
    return pl.concat(
        [
            spans.filter(pl.col("first") > start).select(
                "supplier", start.alias("period")
            ),
            spans.filter(pl.col("last") < end.dt.offset_by(every) - day).select(
                "supplier", end.alias("period")
            ),
        ]
    )


def _window_spans(
    records: pl.DataFrame, *, timed: bool
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each supplier's first and last time in the window's ``records``, as
    :func:`~avert.store.summary.incident_spans` takes them (a month-only record
    lasts to its month's end; ``timed``: the records that say their day only)."""
    if timed:
        records = records.filter("timed")
    month_end = pl.col("occurred_from").dt.truncate("1mo").dt.offset_by(
        "1mo"
    ) - pl.duration(microseconds=1)
    ends = pl.when(pl.col("timed")).then(pl.col("occurred_from")).otherwise(month_end)
    spans = records.group_by("supplier").agg(
        pl.col("occurred_from").min().alias("first"), ends.max().alias("last")
    )
    return [(first, last) for first, last in spans.select("first", "last").iter_rows()]


def _part_of(
    span: tuple[dt.datetime, dt.datetime],
    *,
    unit: Unit,
    date_from: dt.date,
    date_to: dt.date,
) -> list[tuple[dt.date, str]]:
    """The periods of the window in which ``span`` starts or ends leaving more
    than 15 % of their days uncovered, each with what its note says."""
    out: list[tuple[dt.date, str]] = []
    for day, said in ((span[0].date(), "start"), (span[1].date(), "end")):
        if not date_from <= day <= date_to:
            continue
        start = period_start(day, unit)
        end = _period_end(start, unit)
        days = (end - start).days + 1
        covered = (end - day).days + 1 if said == "start" else (day - start).days + 1
        if covered < MIN_PERIOD_COVER * days and start not in dict(out):
            out.append((start, f"{said} on {day}"))
    return out


def _period_end(start: dt.date, unit: Unit) -> dt.date:
    """The last day of the period starting on ``start``."""
    if unit == "week":
        return start + dt.timedelta(days=6)
    return last_of_month(start)


def period_span(periods: Sequence[dt.date], unit: Unit) -> str:
    """``the month 2024-07-01``, ``6 months, 2024-07-01 to 2024-12-01`` (one run)
    or ``3 months: 2024-01-01, 2024-05-01, 2024-09-01`` (first 5 listed)."""
    if len(periods) == 1:
        return f"the {unit} {periods[0]}"
    step = [
        (b.year * 12 + b.month) - (a.year * 12 + a.month)
        if unit == "month"
        else (b - a).days // 7
        for a, b in pairwise(periods)
    ]
    head = f"{len(periods)} {unit}s"
    if set(step) == {1}:
        return f"{head}, {periods[0]} to {periods[-1]}"
    listed = ", ".join(str(p) for p in periods[:5])
    return f"{head}: {listed}{', ...' if len(periods) > 5 else ''}"


def _whole_periods(
    unit: Unit,
    baseline_from: dt.date,
    baseline_to: dt.date,
    date_from: dt.date,
    date_to: dt.date,
) -> tuple[dt.date, dt.date, dt.date, dt.date, list[str]]:
    """The baseline and recent period in whole periods, with a note for each cut.

    The baseline and the recent period start at their period's first day; a last
    period that ``date_to`` cuts short is left out (a partial count is no fall); a
    baseline reaching into the recent period's first period (a week starting before
    ``--from``) ends the day before it.
    """
    if not baseline_from <= baseline_to < date_from <= date_to:
        msg = (
            "The periods must come in order: --baseline-from <= --baseline-to < "
            f"--from <= --to (got {baseline_from}, {baseline_to}, {date_from}, "
            f"{date_to})."
        )
        raise ConfigError(msg)
    notes: list[str] = []
    given_recent = f"--from {date_from} --to {date_to}"
    given_baseline = f"--baseline-from {baseline_from} --baseline-to {baseline_to}"
    baseline_from = period_start(baseline_from, unit)
    date_from = period_start(date_from, unit)
    if baseline_to >= date_from:
        baseline_to = date_from - dt.timedelta(days=1)
        notes.append(
            f"The recent period starts with the {unit} of {date_from}: the baseline "
            f"ends the day before, {baseline_to}."
        )
    last = period_start(date_to, unit)
    if period_start(date_to + dt.timedelta(days=1), unit) == last:
        notes.append(
            f"The {unit} starting {last} ends after --to {date_to}: it is incomplete "
            "and left out."
        )
        date_to = last - dt.timedelta(days=1)
    if date_to < date_from:
        msg = (
            f"The recent period ({given_recent}) holds no whole {unit}: the {unit} "
            f"starting {date_from} ends after --to. Give a --to at the end of a "
            f"{unit}{', or --unit week' if unit == 'month' else ''}."
        )
        raise ConfigError(msg)
    if baseline_to < baseline_from:
        msg = (
            f"The baseline ({given_baseline}) holds no whole {unit} before the "
            f"recent period's first {unit}, starting {date_from}: give an earlier "
            "--baseline-from."
        )
        raise ConfigError(msg)
    return baseline_from, baseline_to, date_from, date_to, notes


def first_of_month(day: dt.date, months: int) -> dt.date:
    """First day of the month ``months`` after (negative: before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_of_month(day: dt.date) -> dt.date:
    """Last day of ``day``'s month."""
    return first_of_month(day, 1) - dt.timedelta(days=1)
