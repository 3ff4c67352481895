"""``avert ingest population|confidence|centroids|boundaries`` and ``avert analyse performance|equality``.

Thin commands over :mod:`avert.workflows.board`; ``--json`` prints the documented
objects of ``docs/performance.md`` and ``docs/equality.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from avert.cli._common import (
    area_list,
    check_choice,
    console,
    existing_file,
    get_store,
    print_json,
    print_notes,
    profile_name,
    styled,
)
from avert.cli._options import (
    AllIncidentsOpt,
    ProfileOpt,
    StrictOpt,
    police_force_option,
)
from avert.cli._table import Col, print_table
from avert.cli._time import day_or_month
from avert.cli.ingest import _EXIT_HELP, EXIT_REJECTED, AcceptOpt
from avert.cli.ingest import _show as show_load
from avert.config.choices import AREA_FIELDS

if TYPE_CHECKING:
    import polars as pl

    from avert.analyse.performance import PerformanceResult, SeriesResult
    from avert.workflows.board import BoardEquality, Family, Unit
    from avert.workflows.load import LoadReport

__all__ = ["register"]

#: ``--json`` of the area-data loaders (a refused file stops the command)
_JSON_LOAD = Annotated[
    bool, typer.Option("--json", help="Print one JSON object per file.")
]
#: ... and of ``avert ingest population``, whose objects hold the lines under its table
_JSON_POPULATION = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON object per file; one that added rows has a 'summary': "
        "the areas, residents and rows per year and area type (the lines under "
        "the table).",
    ),
]


def _loaded(
    report: LoadReport,
    *,
    as_json: bool,
    accept_rejects: bool,
    notes: Sequence[str] = (),
    summaries: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Show an area-data load (and ``notes`` under its table; under ``--json``
    ``summaries``, by file, in each file's object); exit 3 when it rejected a file
    or a row, as the incident loaders do (docs/command-line.md), unless
    ``--accept-rejects``."""
    show_load(report, as_json=as_json, summaries=summaries)
    if not as_json:
        print_notes(notes)
    if report.rejected_files and not accept_rejects:
        raise typer.Exit(EXIT_REJECTED)


def population(
    ctx: typer.Context,
    paths: Annotated[
        list[str], typer.Argument(help="Population CSV files.", callback=existing_file)
    ],
    year: Annotated[
        int | None,
        typer.Option("--year", help="Census/estimate year (default: from the file)."),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Column mapping for the simple layout, e.g. --map area=LSOA21CD "
            "--map population=Total (canonical=file column).",
        ),
    ] = None,
    area_type: Annotated[
        str | None,
        typer.Option("--area-type", help="lsoa | la | utla | ... (default: detected)."),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(
            "--layout",
            help="census-lsoa-ethnicity-wide | ons-custom-long | ons-midyear-wide | "
            "simple (default: detected from the header).",
        ),
    ] = None,
    strict: StrictOpt = False,
    accept_rejects: AcceptOpt = False,
    as_json: _JSON_POPULATION = False,
) -> None:
    """Load residents per area (census or mid-year estimates; docs/performance.md)."""
    from avert.workflows.board import (
        load_population,
        population_lines,
        population_lines_by_file,
    )

    pairs: dict[str, str] = {}
    for item in mapping or []:
        if "=" not in item:
            raise typer.BadParameter("use canonical=column", param_hint="--map")
        key, _, value = item.partition("=")
        pairs[key.strip()] = value.strip()
    report = load_population(
        get_store(ctx),
        paths,
        year=year,
        mapping=pairs or None,
        area_type=area_type,
        layout=layout,
        strict=strict,
    )
    store = get_store(ctx)
    _loaded(
        report,
        as_json=as_json,
        accept_rejects=accept_rejects,
        notes=() if as_json else population_lines(store, report),
        summaries=population_lines_by_file(store, report) if as_json else None,
    )


def confidence(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="CSV: area, period, pct_agree [, respondents].",
            callback=existing_file,
        ),
    ],
    measure: Annotated[
        str, typer.Option("--measure", help="Question id stored with the rows.")
    ] = "deal_with_what_matters",
    strict: StrictOpt = False,
    accept_rejects: AcceptOpt = False,
    as_json: _JSON_LOAD = False,
) -> None:
    """Load a public confidence survey series (% who agree)."""
    from avert.workflows.board import load_confidence

    report = load_confidence(get_store(ctx), paths, measure=measure, strict=strict)
    _loaded(report, as_json=as_json, accept_rejects=accept_rejects)


def centroids(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="CSV: area code, latitude, longitude.", callback=existing_file
        ),
    ],
    strict: StrictOpt = False,
    accept_rejects: AcceptOpt = False,
    as_json: _JSON_LOAD = False,
) -> None:
    """Load area centroids (e.g. ONS LSOA centroids) to place stops in areas."""
    from avert.workflows.board import load_centroids

    report = load_centroids(get_store(ctx), paths, strict=strict)
    _loaded(report, as_json=as_json, accept_rejects=accept_rejects)


def boundaries(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            help="CSV: area code, WKT polygon (docs/formats.md).",
            callback=existing_file,
        ),
    ],
    crs: Annotated[
        str, typer.Option("--crs", help="CRS of the file's WKT coordinates.")
    ] = "EPSG:27700",
    code_column: Annotated[
        str | None,
        typer.Option(
            "--code-column",
            help="Area code column (default: LSOA21CD, LSOA11CD, LAD22CD, area ...).",
        ),
    ] = None,
    geometry_column: Annotated[
        str | None,
        typer.Option(
            "--geometry-column",
            help="WKT column (default: geometry, geometry_wkt_epsg27700, wkt).",
        ),
    ] = None,
    strict: StrictOpt = False,
    accept_rejects: AcceptOpt = False,
    as_json: _JSON_LOAD = False,
) -> None:
    """Load area boundary polygons (e.g. ONS LSOA boundaries) to place stops in areas."""
    from avert.cli._common import get_settings
    from avert.workflows.board import load_boundaries

    report = load_boundaries(
        get_store(ctx),
        paths,
        crs=crs,
        store_crs=get_settings(ctx).crs,
        code_column=code_column,
        geometry_column=geometry_column,
        strict=strict,
    )
    _loaded(report, as_json=as_json, accept_rejects=accept_rejects)


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _amount(value: object) -> str:
    """A count, harm or expectation of the performance table as the board pack
    prints it, in thousands from 100 ("17,084/19,556"), to three significant
    figures below ("18/37.5"): three significant figures throughout printed
    Toronto's 2020 violence as "17084/1.96e+04" and harm as "2.53e+06"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{round(value):,}" if abs(value) >= 100 else f"{value:.3g}"
    return _fmt(value)


def _whole(value: object) -> str:
    """A count in thousands ("1,206,057"), as every other table of avert prints it:
    the equality tables printed "1206057" residents (and a float count of
    residents, an estimate, "1.21e+06")."""
    if value is None:
        return "n/a"
    if isinstance(value, int | float):
        return f"{round(value):,}"
    return str(value)


def _count(n: int, noun: str) -> str:
    """``n`` and ``noun``, plural unless one ("1 month", "35 months")."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _ci(row: Mapping[str, object], fmt: Callable[[object], str] | None = None) -> str:
    """A row's 95 % confidence interval, ``low-high``; one ``n/a`` when it has none
    (e.g. the White row of an equality table, the reference of every ratio)."""
    if row["ci_low"] is None and row["ci_high"] is None:
        return "n/a"
    fmt = fmt or _fmt
    return f"{_interval_end(row['ci_low'], fmt)}-{_interval_end(row['ci_high'], fmt)}"


def _interval_end(value: object, fmt: Callable[[object], str]) -> str:
    """An end of a ratio's interval as ``fmt`` writes it, unless that rounds it onto
    or across 1, the value the verdict turns on: then to as many decimals as keep
    its side (``interval_end_text``; 0.9996 printed "1" by three significant
    figures, beside a significant reduction)."""
    from avert.report.render import interval_end_text

    text = fmt(value)
    if not isinstance(value, float):
        return text
    try:
        shown = float(text.replace(",", ""))
    except ValueError:
        return text
    if (shown > 1) - (shown < 1) == (value > 1) - (value < 1):
        return text
    return interval_end_text(value)


def _two(value: object) -> str:
    """A rate or ratio of the equality tables to two decimals, as the Equality page
    and the board pack print them: to three significant figures the CLI printed
    "2.56-3" and "0.888-1.1" beside "2.77", and "33.3" where the page said 33.33."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.2f}"
    return _fmt(value)


#: Appended to the help of a first day (``--from``) and of a last day counted.
_FIRST_HELP = "A date, or a month YYYY-MM (its first day)."
_LAST_HELP = "A date, or a month YYYY-MM (its last day, counted)."
_BaselineFromOpt = Annotated[
    dt.datetime,
    typer.Option(
        "--baseline-from",
        parser=day_or_month("first"),
        help=f"First day of the baseline. {_FIRST_HELP}",
    ),
]
_BaselineToOpt = Annotated[
    dt.datetime,
    typer.Option(
        "--baseline-to",
        parser=day_or_month("last"),
        help=f"Last day of the baseline. {_LAST_HELP}",
    ),
]
_RecentFromOpt = Annotated[
    dt.datetime,
    typer.Option(
        "--from",
        parser=day_or_month("first"),
        help=f"First day of the recent period. {_FIRST_HELP}",
    ),
]
_RecentToOpt = Annotated[
    dt.datetime,
    typer.Option(
        "--to",
        parser=day_or_month("last"),
        help=f"Last day of the recent period. {_LAST_HELP}",
    ),
]
_UnitOpt = Annotated[str, typer.Option("--unit", help="month | week")]
_MeasureOpt = Annotated[
    str, typer.Option("--measure", help="count | harm (CCHI days; needs classify)")
]
_ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by",
        help=f"Area field: {' | '.join(AREA_FIELDS)} (default: one area, all).",
    ),
]
_TargetOpt = Annotated[
    float | None,
    typer.Option(
        "--target",
        help="Target change, e.g. -0.10 for 10 % fewer, with --target-by "
        "(default: no target).",
    ),
]
_TargetByOpt = Annotated[
    dt.datetime | None,
    typer.Option(
        "--target-by",
        parser=day_or_month("last"),
        help=f"Date of the target. {_LAST_HELP}",
    ),
]
_AlphaOpt = Annotated[float, typer.Option("--alpha", help="Significance level.")]
_SustainedMinOpt = Annotated[
    int,
    typer.Option(
        "--sustained-min",
        help="N of the last M below expectation (1 to --sustained-of).",
    ),
]
_SustainedOfOpt = Annotated[
    int,
    typer.Option("--sustained-of", min=1, help="M recent periods looked at."),
]
_FamilyOpt = Annotated[str, typer.Option("--family", help="auto | poisson | negbin")]
_PopulationYearOpt = Annotated[
    int | None,
    typer.Option(
        "--population-year",
        help="Year of the populations (default: the latest).",
    ),
]
_NoCategoriesOpt = Annotated[
    bool, typer.Option("--no-categories", help="Only area totals and flags.")
]
_PerformanceJsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print {verdicts: [...], ...} (docs/performance.md)."),
]


def performance(
    ctx: typer.Context,
    baseline_from: _BaselineFromOpt,
    baseline_to: _BaselineToOpt,
    date_from: _RecentFromOpt,
    date_to: _RecentToOpt,
    unit: _UnitOpt = "month",
    measure: _MeasureOpt = "count",
    by: _ByOpt = None,
    target: _TargetOpt = None,
    target_by: _TargetByOpt = None,
    alpha: _AlphaOpt = 0.05,
    sustained_min: _SustainedMinOpt = 5,
    sustained_of: _SustainedOfOpt = 6,
    family: _FamilyOpt = "auto",
    population_year: _PopulationYearOpt = None,
    no_categories: _NoCategoriesOpt = False,
    all_incidents: AllIncidentsOpt = False,
    definition: ProfileOpt = None,
    as_json: _PerformanceJsonOpt = False,
) -> None:
    """Significant and sustained change against a seasonal baseline, per series."""
    from avert.workflows.board import run_performance

    _check_performance_choices(
        unit=unit,
        family=family,
        measure=measure,
        sustained=(sustained_min, sustained_of),
        target=(target, target_by),
    )
    _check_performance_options(
        by=by,
        alpha=alpha,
        periods=(baseline_from, baseline_to, date_from, date_to),
    )
    profile = profile_name(ctx, definition)  # before the store is opened
    result = run_performance(
        get_store(ctx),
        unit=cast("Unit", unit),
        by=by,
        baseline_from=baseline_from.date(),
        baseline_to=baseline_to.date(),
        date_from=date_from.date(),
        date_to=date_to.date(),
        profile=profile,
        violence_only=not all_incidents,
        by_category=not no_categories,
        population_year=population_year,
        target=(target, target_by.date()) if target is not None and target_by else None,
        alpha=alpha,
        sustained_min=sustained_min,
        sustained_of=sustained_of,
        family=cast("Family", family),
        measure="harm" if measure == "harm" else "count",
    )
    if as_json:
        print_json(result.to_dict())
        return
    _print_performance(result, alpha)


def _check_performance_choices(
    *,
    unit: str,
    family: str,
    measure: str,
    sustained: tuple[int, int],
    target: tuple[float | None, dt.datetime | None],
) -> None:
    """Usage errors (exit 2), in this order: ``--unit``, ``--family``, a
    ``--sustained-min`` outside 1 to ``--sustained-of`` (``sustained``: both),
    ``--measure``, and ``--target`` without ``--target-by`` or the other way round
    (``target``: both)."""
    check_choice(unit, ("month", "week"), "--unit")
    check_choice(family, ("auto", "poisson", "negbin"), "--family")
    sustained_min, sustained_of = sustained
    if not 1 <= sustained_min <= sustained_of:  # the engine named sustained_min
        msg = f"must be 1 to --sustained-of ({sustained_of}); got {sustained_min}"
        raise typer.BadParameter(msg, param_hint="--sustained-min")
    check_choice(measure, ("count", "harm"), "--measure")
    if (target[0] is None) != (target[1] is None):
        raise typer.BadParameter("give --target and --target-by together")


def _print_performance(result: PerformanceResult, alpha: float) -> None:
    """The verdict table (area, category, flag, verdict, rate ratio with its
    interval, p, recent/expected in the verdict's measure) and its notes. Too
    wide for the terminal, it leaves out recent/expected, the interval, p and
    the rate ratio, in that order, never the verdict."""
    from avert.report.render import pvalue_text

    rows = []
    labels = result.params.get("category_labels") or {}
    for s in result.series:
        row = s.row()
        rows.append(
            [
                s.area,
                labels.get(s.category, s.category),
                s.flag,
                s.verdict,
                _fmt(row["rate_ratio"]),
                _ci(row),
                _fmt(None)
                if row["p_value"] is None
                else pvalue_text(row["p_value"], alpha),
                # in the verdict's measure: harm is judged against expected harm
                (
                    _amount(row["recent_harm"])
                    if row.get("measure") == "harm"
                    else _amount(row["recent_count"])
                )
                + f"/{_amount(row['recent_expected'])}",
            ]
        )
    if not rows:  # no series: the notes say why, an empty table said nothing
        print_notes(result.notes)
        return
    print_table(
        [
            Col("area", "id"),
            Col("category", "ids"),
            Col("flag", "fixed"),
            # the verdict is the point: never left out; the rate ratio, the p and
            # the interval go first in a narrow terminal (--json has them)
            Col("verdict", "text"),
            Col("rate ratio", "fixed", "right", drop=1),
            Col("95 % CI", "fixed", "right", drop=3),
            Col("p", "fixed", "right", drop=2),
            Col("recent/expected", "fixed", "right", drop=4),
        ],
        rows,
    )
    print_notes(
        (
            *_insufficient_notes(result.series),
            *_caution_notes(result.series),
            *result.notes,
        )
    )


def _check_performance_options(
    *, by: str | None, alpha: float, periods: tuple[dt.datetime, ...]
) -> None:
    """Usage errors (exit 2) for the options the engine would refuse only after
    the store is opened and read: an unknown ``--by``, an ``--alpha`` that is no
    probability (5 typed for 5 %), periods out of order (``periods``: the
    baseline's first and last day, the recent period's first and last)."""
    if by is not None:
        check_choice(by, AREA_FIELDS, "--by")
    if not 0 < alpha < 1:  # NaN too
        msg = f"is a probability between 0 and 1 (0.05: 5 %); got {alpha:g}"
        raise typer.BadParameter(msg, param_hint="--alpha")
    days = [p.date() for p in periods]
    if not days[0] <= days[1] < days[2] <= days[3]:  # the engine's rule
        msg = (
            "the periods must come in order: --baseline-from <= --baseline-to < "
            f"--from <= --to (got {', '.join(map(str, days))})"
        )
        raise typer.BadParameter(
            msg, param_hint="'--baseline-from' / '--baseline-to' / '--from' / '--to'"
        )


def _caution_notes(series: Sequence[SeriesResult]) -> list[str]:
    """One note per series whose significant change goes the way its baseline was
    already going (:func:`avert.analyse.performance.trend_caution`)."""
    return [
        f"caution ({'/'.join((s.area, s.category, s.flag))}): {s.caution}."
        for s in series
        if s.caution
    ]


def _insufficient_notes(series: Sequence[SeriesResult]) -> list[str]:
    """One note per reason of the ``insufficient_data`` verdicts, naming its series
    (all of them when every series has it)."""
    by_reason: dict[str, list[str]] = {}
    for s in series:
        if s.reason:
            by_reason.setdefault(s.reason, []).append(
                "/".join((s.area, s.category, s.flag))
            )
    return [
        f"insufficient_data ({'every series' if len(names) == len(series) else ', '.join(names)}): {reason}."
        for reason, names in by_reason.items()
    ]


def equality(
    ctx: typer.Context,
    force: Annotated[
        str | None,
        police_force_option(
            "Force of the stops (stops.force; needed when the window holds "
            "several forces' stops; default: the one force there is).",
        ),
    ] = None,
    date_from: Annotated[
        dt.datetime | None,
        typer.Option(
            "--from",
            parser=day_or_month("first"),
            help=f"First day (default: the first day searched). {_FIRST_HELP}",
        ),
    ] = None,
    date_to: Annotated[
        dt.datetime | None,
        typer.Option(
            "--to",
            parser=day_or_month("last"),
            help=f"Last day (default: the last day searched). {_LAST_HELP}",
        ),
    ] = None,
    population_year: Annotated[
        int | None,
        typer.Option(
            "--population-year",
            help="Census year of the denominators (default: the latest with ethnic "
            "groups taken by the first day counted, else the earliest; with "
            "--area-level lsoa or a force area inferred from the stops, the latest "
            "with ethnic groups by LSOA).",
        ),
    ] = None,
    areas: Annotated[
        str | None,
        typer.Option(
            "--areas",
            help="Areas (local authorities) making up the force area, separated "
            "by commas, or by semicolons when a name holds a comma ('Bristol, City "
            "of; Mendip') (default: the police force area of a data.police.uk "
            "force, else inferred from where the stops fall).",
        ),
    ] = None,
    officer: Annotated[
        bool,
        typer.Option(
            "--officer-defined",
            help="Officer-defined instead of self-defined ethnicity.",
        ),
    ] = False,
    area_level: Annotated[
        str,
        typer.Option(
            "--area-level", help="Per-area rates by la (local authority) or lsoa."
        ),
    ] = "la",
    list_file: Annotated[
        Path | None,
        typer.Option(
            "--list",
            callback=existing_file,
            help="A priority list: a file of person ids (one a line, or a CSV whose "
            "first column is person_id); its make-up against everyone with an "
            "offence in the window.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the documented JSON (docs/equality.md)."),
    ] = False,
) -> None:
    """Stop and search per 1,000 residents by ethnic group; ratios to White; EIA summary."""
    from avert.workflows.board import run_equality
    from avert.workflows.equality import read_person_list

    check_choice(area_level, ("la", "lsoa"), "--area-level")
    if date_from and date_to and date_to.date() < date_from.date():
        # a reversed window read as "no stops in this window"; both days count
        msg = f"--to ({date_to:%Y-%m-%d}) must not be before --from ({date_from:%Y-%m-%d})"
        raise typer.BadParameter(msg, param_hint="--to")
    people = None if list_file is None else read_person_list(list_file)
    force_areas = area_list(areas, "--areas")  # before the store is opened
    result = run_equality(
        get_store(ctx),
        force=force,
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        population_year=population_year,
        areas=force_areas,
        ethnicity="officer_ethnicity" if officer else "ethnicity",
        list_people=people,
        area_level="lsoa" if area_level == "lsoa" else "la",
        list_name=list_file.stem if list_file else "list",
    )
    if as_json:
        print_json(result.to_dict())
        return
    _print_equality(result)


def _print_equality(result: BoardEquality) -> None:
    """The force's rates and ratios, each list's make-up, and the notes."""
    from avert.workflows.equality import force_name, join_area_names

    forces = ", ".join(map(force_name, result.forces)) or "stops of no named force"
    console.print(
        styled(
            (
                "Stop and search by officer-defined ethnic group (the officer's "
                "view, not the GOV.UK measure)"
                if result.force.params.get("ethnicity") == "officer_ethnicity"
                else "Stop and search by self-defined ethnic group",
                "bold",
            ),
            f" — {forces}; "
            + (
                f"searches {result.window[0]} to {result.window[1]} "
                f"({_count(result.months_with_stops, 'month')} with stops; rates "
                "per 1,000 "
                "residents of all ages over the whole period); "
                if result.window
                else ""
            )
            + f"force area: {join_area_names(result.force_areas)} "
            f"(against {result.residents_label})",
        )
    )
    print_table(
        [
            Col("group", "ids"),
            Col("searches", "fixed", "right"),
            Col("residents", "fixed", "right"),
            Col("per 1,000", "fixed", "right"),
            Col("ratio to White", "fixed", "right"),
            Col("95 % CI", "fixed", "right", drop=1),
            Col("significantly above 1", "fixed"),
        ],
        [
            [
                row["group"],
                _whole(row["searches"]),
                _whole(row["residents"]),
                _two(row["rate_per_1000"]),
                _two(row["ratio_to_white"]),
                _ci(row, _two),
                significance_cell(row),
            ]
            for row in result.force.frame.iter_rows(named=True)
        ],
    )
    _print_by_sex(result.force.by_sex)
    for made in result.lists:
        print_table(
            [
                Col("dimension", "fixed"),
                Col("category", "ids"),
                Col("listed", "fixed", "right"),
                Col("pool", "fixed", "right"),
                Col("ratio", "fixed", "right"),
                Col("95 % CI", "fixed", "right", drop=1),
                # left out before the interval on a narrow terminal
                Col("significantly above 1", "fixed", drop=2),
            ],
            [
                [
                    str(r["dimension"]),
                    str(r["category"]),
                    _fmt(r["listed"]),
                    _fmt(r["pool"]),
                    _two(r["ratio"]),
                    _ci(r, _two),
                    significance_cell(r, ratio="ratio"),
                ]
                for r in made.frame.iter_rows(named=True)
            ],
            title=f"Make-up of list '{made.list_name}' against its pool",
        )
    print_notes((*result.notes, *result.force.notes))


def significance_cell(
    row: Mapping[str, object], *, ratio: str = "ratio_to_white"
) -> str:
    """Whether a ratio is significantly above 1, as the board pack's highlighted
    rows and the EIA's flags say it: "yes" (the Katz interval's and the exact
    conditional test's lower ends both above 1), "no: too few" (the Katz interval
    alone above 1), "no", or "n/a" (no ratio, or the reference). The table showed
    the Katz interval alone: Durham's Mixed ratio, January 2019, 3.40 (1.26-9.16)
    on 4 searches, read as significant though the exact test does not bear it out
    and nothing in the table said which ratios were flagged. ``ratio``: the
    row's ratio column (``ratio_to_other_sex`` by sex, ``ratio`` of a list's
    make-up, whose tables showed their intervals without the flag too).
    "no: alone only" where the ratio is significant on its own
    (``significant_uncorrected``) but not once corrected for the number of
    groups compared with White (Holm), which said "yes" before 2026-12."""
    low = row.get("ci_low")
    if row.get(ratio) is None or low is None:
        return "n/a"
    if row.get("significantly_above_1"):
        return "yes"
    if row.get("significant_uncorrected"):
        return "no: alone only"
    return "no: too few" if isinstance(low, int | float) and low > 1 else "no"


def _print_by_sex(by_sex: pl.DataFrame) -> None:
    """Searches by sex (every group together): count, share and, where residents
    by sex are known, the rate and the ratio to the other sex's rate."""
    if by_sex.height == 0:
        return
    rated = "rate_per_1000_of_sex" in by_sex.columns
    rows = [r for r in by_sex.iter_rows(named=True) if r["group"] == "all"]
    print_table(
        [
            Col("sex", "ids"),
            Col("searches", "fixed", "right"),
            Col("share", "fixed", "right"),
            *(
                [
                    Col("residents", "fixed", "right"),
                    Col("per 1,000", "fixed", "right"),
                    Col("ratio to other sex", "fixed", "right"),
                    Col("95 % CI", "fixed", "right", drop=1),
                    # left out before the interval on a narrow terminal
                    Col("significantly above 1", "fixed", drop=2),
                ]
                if rated
                else []
            ),
        ],
        [
            [
                str(r["sex"]),
                _whole(r["searches"]),
                f"{r['share_of_group']:.1%}",
                *(
                    [
                        _whole(r["residents_of_sex"]),
                        _two(r["rate_per_1000_of_sex"]),
                        _two(r["ratio_to_other_sex"]),
                        _ci(r, _two),
                        significance_cell(r, ratio="ratio_to_other_sex"),
                    ]
                    if rated
                    else []
                ),
            ]
            for r in rows
        ],
        title="Searches by sex",
    )


def register(app: typer.Typer, analyse_app: typer.Typer) -> None:
    """Add the population loaders to ``avert ingest`` and the analyses to ``avert analyse``."""
    from avert.cli.ingest import ingest_app

    for name, loader in (
        ("population", population),
        ("confidence", confidence),
        ("centroids", centroids),
        ("boundaries", boundaries),
    ):
        ingest_app.command(name, help=(loader.__doc__ or "") + _EXIT_HELP)(loader)
    analyse_app.command("performance")(performance)
    analyse_app.command("equality")(equality)
    del app
