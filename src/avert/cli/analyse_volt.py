"""``avert analyse concentration|volt|risk``: the 80/20 of VOLT and individual risk.

Thin commands over :mod:`avert.workflows.analysis`; ``--json`` prints the documented,
versioned contract of ``docs/analyses.md`` that other tools read.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, cast

import typer

from avert.cli._common import (
    check_choice,
    console,
    existing_file,
    get_settings,
    get_store,
    print_json,
    print_notes,
    profile_name,
    styled,
)
from avert.cli._options import AllIncidentsOpt, FromOpt, ProfileOpt, ToOpt
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP, period, when

if TYPE_CHECKING:
    import datetime as dt

    import polars as pl
    from rich.text import Text

    from avert.workflows.analysis import Entity, Measure, RiskKind, RiskResult

__all__ = ["make_up_line", "register"]

_JSON = Annotated[
    bool, typer.Option("--json", help="Print the documented JSON (docs/analyses.md).")
]


def _fmt(value: float | None, pct: bool = False) -> str:  # noqa: FBT001 - internal
    if value is None or value != value:
        return "n/a"
    return f"{100 * value:.1f} %" if pct else f"{value:.3f}"


def concentration(
    ctx: typer.Context,
    entity: Annotated[
        str, typer.Option(help="offender | victim | place | group")
    ] = "place",
    measure: Annotated[str, typer.Option(help="count | harm (CCHI days)")] = "count",
    cell: Annotated[
        float | None,
        typer.Option(
            "--cell",
            min=1,
            help="Places as grid cells of this size in metres (default: LSOA; "
            "--entity place only).",
        ),
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    all_incidents: AllIncidentsOpt = False,
    definition: ProfileOpt = None,
    as_json: _JSON = False,
) -> None:
    """How concentrated violence is: Lorenz curve, Gini, generalised Gini, top shares."""
    from avert.workflows.analysis import run_concentration

    check_choice(entity, ("offender", "victim", "place", "group"), "--entity")
    check_choice(measure, ("count", "harm"), "--measure")
    if cell is not None and entity != "place":  # it was silently ignored
        msg = f"grid cells are places: give --entity place, or leave --cell out for {entity}s"
        raise typer.BadParameter(msg, param_hint="--cell")
    profile = profile_name(ctx, definition)
    start, end = period(ctx, date_from, date_to)
    result = run_concentration(
        get_store(ctx),
        entity=cast("Entity", entity),
        measure=cast("Measure", measure),
        cell_size_m=cell,
        date_from=start,
        date_to=end,
        profile=profile,
        violence_only=not all_incidents,
        # the people audited are those printed: the JSON's top entities, the
        # table none
        shown=CONCENTRATION_JSON_TOP if as_json else 0,
    )
    if as_json:
        print_json(result.to_dict(n_top_entities=CONCENTRATION_JSON_TOP))
        return
    console.print(
        styled(
            (f"Concentration of {measure} over {entity}s", "bold"),
            f" — population: {result.population}",
        )
    )
    console.print(_window_line(result.params.get("from"), result.params.get("to")))
    pairs = " (person-incident pairs)" if entity in ("offender", "victim") else ""
    total = (
        f"{result.total:,.0f} harm days"
        if measure == "harm"
        else f"{result.total:,.0f}"
    )
    console.print(
        f"entities {result.n_entities:,} (with events "
        f"{result.n_entities_with_events:,}), events {result.n_events:,}{pairs}, "
        f"total {total}"
    )
    console.print(
        f"Gini {_fmt(result.gini)}   generalised Gini {_fmt(result.generalised_gini)}"
    )
    print_table(
        [
            Col("top fraction of entities", "fixed", "right"),
            Col("share of the measure", "fixed", "right"),
        ],
        [
            [f"{100 * float(key):g} %", _fmt(value, pct=True)]
            for key, value in result.top_shares.items()
        ],
    )
    for key, inverse in result.entities_for_shares.items():
        # undefined (no measure): "n/a", not "n/a of entities (0)"
        count = (
            f" of entities ({int(inverse['n_entities']):,})"
            if _fmt(inverse["share_of_entities"]) != "n/a"
            else ""
        )
        console.print(
            f"{100 * float(key):g} % of the measure: "
            f"{_fmt(inverse['share_of_entities'], pct=True)}{count}"
        )
    print_notes(result.notes)


def _window_line(start: object, end: object) -> str:
    """The period a concentration covers: the whole store unless --from/--to."""
    if start is None and end is None:
        return "window: every record in the store (no --from / --to)"
    first = "the first record" if start is None else f"{start:%Y-%m-%d %H:%M}"
    last = "the last record" if end is None else f"{end:%Y-%m-%d %H:%M} (excluded)"
    return f"window: {first} to {last}"


def volt(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="End of the window (default: latest incident; the end of its "
            "month when month-dated, of its day when dated alone). " + TIME_HELP,
        ),
    ] = None,
    window_days: Annotated[
        int,
        typer.Option(
            "--days",
            "--window-days",
            min=1,
            help="Length of the window ending at --at, in days.",
        ),
    ] = 365,
    cell: Annotated[
        float | None,
        typer.Option(
            "--cell",
            min=1,
            help="Places as grid cells of this size in metres (default: LSOA).",
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Rows per profile in the output.")
    ] = 20,
    all_incidents: AllIncidentsOpt = False,
    definition: ProfileOpt = None,
    as_json: _JSON = False,
) -> None:
    """Victim, offender, location and time profiles and their overlaps."""
    from avert.workflows.analysis import run_volt

    profile = profile_name(ctx, definition)
    end_at = when(ctx, at, "--at")  # checked before the store is opened
    result = run_volt(
        get_store(ctx),
        at=end_at,
        window_days=window_days,
        cell_size_m=cell,
        profile=profile,
        violence_only=not all_incidents,
        shown=top if as_json else 0,  # the table lists no victim nor offender
    )
    if as_json:
        print_json(result.to_dict(top=top))
        return
    end = result.params["at"]
    end_text = f"{end:%Y-%m-%d %H:%M}" if isinstance(end, dt.datetime) else str(end)
    console.print(styled(("VOLT", "bold"), f" window {window_days} days to {end_text}"))
    _summary_table(result.frame)
    unit = (
        "LSOA"
        if result.params["place_unit"] == "lsoa"
        else f"{result.params['cell_size_m']:g} m cell"
    )
    print_table(
        [
            Col(f"place ({unit})", "id"),
            Col("incidents", "fixed", "right"),
            Col("harm days", "fixed", "right"),
            Col("repeats", "fixed", "right", drop=2),
            Col("trend", "fixed", "right", drop=3),
            Col("last", "fixed", drop=1),
        ],
        [
            [
                _place(row["place_id"], row.get("name")),
                f"{row['n_incidents']:,}",
                _days(row["harm_days"]),
                f"{row['n_repeats']:,}",
                _trend(row["trend"], row.get("n_left_out_of_trend")),
                _when(row["last_at"], row.get("last_precision")),
            ]
            for row in result.places.head(top).iter_rows(named=True)
        ],
    )
    if result.overlaps:
        for key, value in result.overlaps.items():
            console.print(f"{key}: {value}")
    print_notes([*result.notes, *result.cut_tie_notes(top, ("places",))])


#: How a time of each precision is shown: a month-only record as its month.
_TIME_FORMATS = {"month": "%Y-%m", "day": "%Y-%m-%d"}


def _when(value: dt.datetime | None, precision: str | None) -> str:
    """A time as precise as it is known: ``2018-07`` for a month-only record
    (police.uk), ``2018-07-14`` for a day, ``2018-07-14 21:30`` otherwise."""
    if value is None:
        return "n/a"
    return value.strftime(_TIME_FORMATS.get(precision or "", "%Y-%m-%d %H:%M"))


def _place(place_id: object, name: str | None) -> str:
    """A place as its code with its name where the records give one
    (``E01033010 Leeds 111B``): the code alone is a place no one can find."""
    return str(place_id) if not name else f"{place_id} {name}"


def _trend(trend: int | None, n_left_out: int | None) -> str:
    """A trend as ``+3``, ``n/a`` when null, ``+3*`` when it leaves out some of the
    row's records (their source does not cover both halves, or, dated alone, their
    day's noon is outside the window: the notes say which)."""
    if trend is None:
        return "n/a"
    return f"{trend:+d}" + ("*" if n_left_out else "")


def _days(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _summary_table(frame: pl.DataFrame) -> None:
    """The VOLT summary: distinct incidents and harm per row, pairs under their own name."""
    print_table(
        [
            Col("", "id"),
            Col("entities", "fixed", "right"),
            Col("incidents", "fixed", "right"),
            Col("harm days", "fixed", "right"),
            Col("entity-incident pairs", "fixed", "right", drop=2),
            Col("pair harm days", "fixed", "right", drop=1),
            Col("repeat rate", "fixed", "right"),
        ],
        [
            [
                f"{row['dimension']}s",
                f"{row['n_entities']:,}",
                f"{row['n_incidents']:,}",
                _days(row["harm_days"]),
                f"{row['n_pairs']:,}",
                _days(row["pair_harm_days"]),
                _fmt(row["repeat_rate"], pct=True),
            ]
            for row in frame.iter_rows(named=True)
        ],
        caption="incidents and harm: distinct incidents, each once; pairs: an incident "
        "with two victims is two victim pairs",
    )


#: Top entities the JSON of ``analyse concentration`` lists (its table lists none).
CONCENTRATION_JSON_TOP: Final = 10

_RISK_HEADERS = {
    "harm_days": "harm days",
    "days_since_last": "days since",
    "n_offences": "offences",
    "max_harm_days": "gravity",
    "n_victimisations": "victimis.",
    "n_domestic": "domestic",
    "n_reports": "reports",
    "n_violence_after": "violence after",
}


def _cell(value: object, column: str = "") -> str:
    """A figure beside the score. Days since the last event are whole days rounded
    up, as the recency bands ("at most 30 days") count them: 30 days and 2 hours
    shows 31, not a 30 that seems to meet the 30-day band it misses."""
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if column == "days_since_last":
            return f"{math.ceil(value):,}"
        return f"{value:,.0f}"
    return "" if value is None else str(value)


def _risk_table(result: RiskResult, top: int) -> None:
    """Rank, id, score, the tie-break figures beside it, then the parts in one column.

    On a narrow terminal the last tie-break figures are left out first, then the parts.
    """
    cols = result.frame.columns
    first_part = min(cols.index(p) for p in result.parts) if result.parts else len(cols)
    ties = cols[cols.index("score") + 1 : first_part]
    header = [
        Col("rank", "fixed", "right"),
        Col("score", "fixed", "right"),
        Col(result.id_column, "id"),
        *(
            Col(_RISK_HEADERS.get(c, c), "fixed", "right", drop=1 + k)
            for k, c in enumerate(ties)
        ),
        Col("parts", "fixed", drop=len(ties) + 1),
    ]
    rows = [
        [
            str(row["rank"]),
            f"{row['score']:g}",
            str(row[result.id_column]),
            *(_cell(row[c], c) for c in ties),
            "+".join(f"{row[p]:g}" for p in result.parts),
        ]
        for row in result.frame.head(top).iter_rows(named=True)
    ]
    print_table(
        header,
        rows,
        caption="parts: "
        + " + ".join(p.removeprefix("part_") for p in result.parts)
        + ("; days since: whole days, rounded up" if "days_since_last" in ties else ""),
    )


def _made_value(row: dict[str, Any], column: str, *, withheld: str) -> str:
    """A make-up cell's count or share: ``[c]`` when withheld from a partner (the
    small-cell rule), ``-`` when there is none; never 0 for either."""
    value = row.get(column)
    any_withheld = row.get("listed_withheld") or row.get("pool_withheld")
    if row.get(withheld) or (value is None and any_withheld):
        return "[c]"
    if value is None:
        return "-"
    return f"{value:.0%}" if column.startswith("share_") else f"{value}"


def make_up_line(made: dict[str, Any]) -> Text:
    """One line per dimension: the listed share of each category (pool share);
    a partner's withheld cells read ``[c]`` and the rule is printed under them."""
    lines = [f" of {made['label']} against {made['pool']}:"]
    rows = made.get("rows") or []
    for dim in ("sex", "age_band", "ethnicity"):
        cells = [
            f"{r['category']} {_made_value(r, 'listed', withheld='listed_withheld')}"
            f" ({_made_value(r, 'share_listed', withheld='listed_withheld')}"
            f" vs {_made_value(r, 'share_pool', withheld='pool_withheld')})"
            for r in rows
            if r["dimension"] == dim
        ]
        if cells:
            lines.append(f"  {dim.replace('_', ' ')}: " + ", ".join(cells))
    if made.get("disclosure"):
        lines.append(f"  {made['disclosure']}")
    return styled(("make-up", "bold"), "\n".join(lines))


def risk(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="offender | victim | asb")] = "offender",
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per list.")] = 50,
    at: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            "--at",
            help="Score as of this moment (default: latest record; the end of "
            "its month when month-dated, of its day when dated alone). " + TIME_HELP,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            callback=existing_file,
            help="A risk TOML laid over config/defaults/risk.toml (default: the "
            "risk_config setting, which person pages and the briefing also use).",
        ),
    ] = None,
    definition: ProfileOpt = None,
    as_json: _JSON = False,
) -> None:
    """Ranked risk lists; every score is a sum of named parts shown beside it."""
    from avert.report.payload import risk_lists_to_dict
    from avert.workflows.analysis import risk_make_ups, run_risk

    check_choice(kind, ("offender", "victim", "asb"), "--kind")
    profile = profile_name(ctx, definition)
    as_of = when(ctx, at, "--as-of")  # checked before the store is opened
    results = run_risk(
        get_store(ctx),
        kind=cast("RiskKind", kind),
        at=as_of,
        config_path=config or get_settings(ctx).risk_config_file(),
        profile=profile,
        shown=top,  # the people printed, table or JSON: those audited
    )
    make_ups = risk_make_ups(get_store(ctx), results, top=top)
    if as_json:
        payload = risk_lists_to_dict(results, top=top, extra={"definition": profile})
        for item, made in zip(payload["lists"], make_ups, strict=True):
            item["make_up"] = made
        print_json(payload)
        return
    for result, made in zip(results, make_ups, strict=True):
        console.print(
            styled(
                (f"{result.kind} risk", "bold"), f" — population: {result.population}"
            )
        )
        _risk_table(result, top)
        console.print(str(result.params.get("ranking", "")), style="dim")
        if made is not None:
            console.print(make_up_line(made))
        print_notes([*result.notes, *result.cut_tie_notes(top)])


def register(analyse_app: typer.Typer) -> None:
    """Add ``concentration``, ``volt`` and ``risk`` to the ``avert analyse`` group."""
    analyse_app.command("concentration")(concentration)
    analyse_app.command("volt")(volt)
    analyse_app.command("risk")(risk)
