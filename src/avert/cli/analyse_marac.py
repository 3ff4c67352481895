"""``avert analyse marac``: domestic abuse victims meeting a MARAC referral criterion.

A thin command over :func:`avert.workflows.marac.run_marac`; ``--json`` prints the
list as ``docs/analyses.md`` documents it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from avert.cli._common import (
    check_choice,
    console,
    existing_file,
    get_settings,
    get_store,
    print_json,
    print_notes,
    styled,
)
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP, when
from avert.cli.analyse_volt import make_up_line

if TYPE_CHECKING:
    from avert.workflows.marac import MaracResult

__all__ = ["register"]

#: the criteria as the table's column shows them
_SHORT = {
    "visible_high_risk": "visible high risk",
    "professional_judgement": "judgement",
    "potential_escalation": "escalation",
}


def _yes_cell(row: dict[str, object]) -> str:
    if row["assessment_id"] is None and row["assessed_at"] is None:
        return "no DASH"
    stale = "" if row["assessment_current"] else " (not current)"
    return f"{row['n_yes']}/{row['n_asked']}{stale}"


def _domestic_cells(result: MaracResult, row: dict[str, object]) -> list[str]:
    """The row's domestic incidents and last one; "not recorded" where the
    window's incidents carry no domestic flag (``domestic_recorded``, as the MARAC
    page): "0" and a blank said none."""
    last = row["last_domestic_at"]
    if not result.domestic_recorded:
        return ["not recorded", f"{last:%Y-%m-%d}" if last else "not recorded"]
    return [str(row["n_domestic"]), f"{last:%Y-%m-%d}" if last else ""]


def _table(result: MaracResult, top: int) -> None:
    rows = [
        [
            str(row["rank"]),
            str(row["person_id"]),
            ", ".join(_SHORT[c] for c in _SHORT if row[c]),
            _yes_cell(row),
            f"{row['assessed_at']:%Y-%m-%d}" if row["assessed_at"] else "",
            str(row["risk_level"] or ""),
            *_domestic_cells(result, row),
        ]
        for row in result.frame.head(top).iter_rows(named=True)
    ]
    print_table(
        [
            Col("rank", "fixed", "right"),
            Col("person_id", "id"),
            Col("criteria met"),
            Col("DASH yes", "fixed", "right"),
            Col("assessed", "fixed", drop=3),
            Col("level", "fixed", drop=2),
            Col("domestic incidents", "fixed", "right"),
            Col("last domestic", "fixed", drop=1),
        ],
        rows,
        caption=(
            f"visible high risk: {result.params['visible_high_risk_yes']}+ yes; "
            f"escalation: {result.params['escalation_incidents']}+ domestic incidents "
            f"as a victim in {result.window_days} days"
        ),
    )


def marac(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            "--at",
            help="As of this moment (default: the latest incident or assessment; "
            "the end of the incident's month when month-dated, of its day when "
            "dated alone). " + TIME_HELP,
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows shown.")] = 50,
    audience: Annotated[
        str,
        typer.Option(
            "--audience",
            help="police, or partner (people as stable pseudonyms; no assessment "
            "ids, no DASH questions answered yes: only their counts).",
        ),
    ] = "police",
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            callback=existing_file,
            help="A risk TOML laid over config/defaults/risk.toml (the thresholds of "
            "its marac table; default: the risk_config setting).",
        ),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            "--area",
            help="One area's victims only (those with a domestic incident of the "
            "window in it, or whose DASH assessment's incident is in it): a borough or local authority, or an LSOA code, as "
            "avert brief --area. A note counts the force's victims in no area.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the documented JSON (docs/analyses.md)."),
    ] = False,
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help="The partner organisation the list is for (--audience partner): "
            "needed under pseudonym_scope organisation, where each organisation "
            "reads its own pseudonyms.",
        ),
    ] = None,
) -> None:
    """Domestic abuse victims meeting a MARAC referral criterion, highest first.

    Criteria: visible high risk (14+ DASH yes answers), professional judgement, or
    potential escalation (3+ domestic incidents as a victim in 12 months); the
    thresholds are in the risk configuration's marac table (risk.toml).
    """
    from avert.cli.brief import check_area, org_scope, partner_scope
    from avert.workflows.marac import run_marac

    check_choice(audience, ("police", "partner"), "--audience")
    as_of = when(ctx, at, "--as-of")  # checked before the store is opened
    settings = get_settings(ctx)
    scope = partner_scope(settings, audience, org)
    if area is not None:
        check_area(ctx, area)
    store = get_store(ctx)
    result = run_marac(
        store,
        at=as_of,
        config_path=config or settings.risk_config_file(),
        audience=audience,
        pseudonym_key=settings.pseudonym_key,
        pseudonym_rotation=settings.pseudonym_rotation,
        area=area,
        # --org as the accounts spell it: the pseudonyms its accounts read
        pseudonym_scope=org_scope(store, scope),
        shown=top,  # the people printed, table or JSON: those audited
    )
    if as_json:
        print_json(result.to_dict(top=top))
        return
    console.print(
        styled(
            ("MARAC referral criteria", "bold"),
            f" as of {result.at:%Y-%m-%d %H:%M}: {result.frame.height:,} of "
            f"{result.n_population:,} domestic abuse victims"
            + (f" of area {area}" if area is not None else "")
            + " meet at least one",
        )
    )
    _table(result, top)
    if result.make_up is not None:
        console.print(make_up_line(result.make_up))
    print_notes(result.notes)


def register(analyse_app: typer.Typer) -> None:
    """Add ``marac`` to the ``avert analyse`` group."""
    analyse_app.command("marac")(marac)
