"""``avert analyse groups | person | retaliation | families``: networks on the command line.

Thin commands over :mod:`avert.workflows.networks`. JSON contracts (``--json``):

* ``groups``: ``{"groups": [{"group_id", "members", "continuum", "band", "reasons", ...}],
  "notes": [...]}`` (the notes the table output prints under the table)
* ``person ID``: the person's network picture (own risk first, then ties and groups)
* ``retaliation``: ``{"alerts": [{"incident_id", "victim_id",
  "at_risk_of_retaliation_from", "possible_targets", "reasons", ...}], "notes": [...]}``
* ``families``: ``{"families": [{"family_id", "family_size", "harm_days", ...}], "notes"}``
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypedDict

import typer

from avert.cli._common import (
    console,
    existing_file,
    get_settings,
    get_store,
    print_json,
    print_notes,
    styled,
)
from avert.cli._options import StableJsonOpt
from avert.cli._table import Col, print_table
from avert.cli._time import TIME_HELP, TO_TIME_HELP, period, when

if TYPE_CHECKING:
    from avert.config.networks import NetworksConfig

__all__ = ["register"]

_CONFIG_HELP = "Networks TOML overriding config/defaults/networks.toml."
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", callback=existing_file, help=_CONFIG_HELP, show_default=False
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="End of the analysis window (default: latest incident). " + TIME_HELP,
        show_default=False,
    ),
]


def _config(path: Path | None) -> NetworksConfig:
    from avert.config.networks import load_networks_config

    return load_networks_config(path)


class _Scope(TypedDict):
    profile: str
    config: NetworksConfig


def _scope(ctx: typer.Context, config: Path | None) -> _Scope:
    """What every network report is read under: the definition profile and --config."""
    return {"profile": get_settings(ctx).definition_id(), "config": _config(config)}


def groups(
    ctx: typer.Context,
    as_json: StableJsonOpt = False,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Groups (Leiden communities + declared), continuum level, matrix band and reasons."""
    from avert.report.payload import jsonable
    from avert.workflows.networks import groups_report

    # the options are checked (and --config read) before the store is opened
    end, scope = when(ctx, as_of, "--as-of"), _scope(ctx, config)
    # the table lists groups, not their members (a detected group's id names its
    # smallest member): the audit row says which
    result = groups_report(get_store(ctx), as_of=end, members_shown=as_json, **scope)
    payload = result.to_json()
    if as_json:
        print_json(jsonable(payload))
        return
    print_table(
        [
            Col("group", "id"),
            Col("origin", "fixed", drop=3),
            Col("size", "fixed", "right"),
            Col("continuum", "fixed", drop=2),
            Col("band", "fixed"),
            Col("harm days", "fixed", "right"),
            Col("trend", "fixed", drop=1),
            Col("first reason", "text", drop=4),
        ],
        [
            [
                g["group_id"],
                g["origin"],
                str(g["size"]),
                g["continuum"],
                g["band"],
                f"{g['harm_days']:,.0f}",
                g["trend"],
                g["reasons"][0] if g["reasons"] else "",
            ]
            for g in payload["groups"]
        ],
        title=f"groups ({len(payload['groups'])})",
    )
    if payload["groups"]:
        console.print(
            "ordered by band, then matrix score (harm + threat + trend levels: the "
            "first reason) and harm days, highest first, then id",
            style="dim",
        )
    print_notes(result.notes)


def person(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(help="The person's pseudonymous id.")],
    as_json: StableJsonOpt = False,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
) -> None:
    """A person's network picture: own risk, co-offenders, kin, groups, exposure."""
    from avert.config.risk import load_risk_config
    from avert.report.payload import jsonable
    from avert.workflows.networks import person_report

    # the options are checked (and the configs read) before the store is opened
    end, scope = when(ctx, as_of, "--as-of"), _scope(ctx, config)
    risk_config = load_risk_config(get_settings(ctx).risk_config_file())
    picture = person_report(
        get_store(ctx), person_id, as_of=end, risk_config=risk_config, **scope
    )
    if as_json:
        print_json(jsonable(picture))
        return
    risk = picture["risk"]
    console.print(
        styled(
            (person_id, "bold"),
            f"  own risk score: {risk['score'] if risk else 'n/a'}",
        )
    )
    m = picture["metrics"]
    console.print(
        f"degree {m['degree']}, betweenness {m['betweenness']:.1f}, "
        f"exposure {m['exposure']:.2f} ({m['n_network_victims']} of {m['n_network']} contacts victimised)"
    )
    console.print(
        "groups: " + (", ".join(g["group_id"] for g in picture["groups"]) or "none")
    )
    console.print(
        "co-offenders: "
        + (", ".join(c["person_id"] for c in picture["co_offenders"]) or "none")
    )
    console.print(
        "family: "
        + (
            ", ".join(f"{f['person_id']} ({f['kind']})" for f in picture["family"])
            or "none"
        )
    )
    console.print(picture["note"], style="dim")
    print_notes(picture["notes"])


#: Possible retaliators and targets of an alert the table names (``--json``: all).
_NAMES_SHOWN = 6


def retaliation(
    ctx: typer.Context,
    since: Annotated[
        str,
        typer.Option(
            "--from",
            "--since",
            help="Start of the alert window (inclusive). " + TIME_HELP,
        ),
    ],
    until: Annotated[
        str | None,
        typer.Option(
            "--to",
            "--until",
            help="End of the alert window (exclusive; default: no end). "
            + TO_TIME_HELP,
            show_default=False,
        ),
    ] = None,
    as_json: StableJsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Retaliation alerts: group-linked victims of violence, who may retaliate, on whom."""
    from avert.report.payload import jsonable
    from avert.workflows.networks import retaliation_report

    start = when(ctx, since, "--from")
    _, end = period(ctx, since, until)  # --to after --from
    scope = _scope(ctx, config)  # --config read before the store is opened
    result = retaliation_report(
        get_store(ctx),
        since=start,
        until=end,
        names_shown=None if as_json else _NAMES_SHOWN,  # the people audited
        **scope,
    )
    payload = result.to_json()
    if as_json:
        print_json(jsonable(payload))
        return
    rows = []
    for a in payload["alerts"]:
        shown = a["possible_targets"][:_NAMES_SHOWN]
        more = a["n_possible_targets"] - len(shown)
        rows.append(
            [
                a["strength"],
                a["incident_id"],
                a["victim_id"],
                ", ".join(a["at_risk_of_retaliation_from"][:_NAMES_SHOWN]),
                ", ".join(shown) + (f" (+{more})" if more > 0 else ""),
                str(a["live_until"])[:16],
            ]
        )
    print_table(
        [
            Col("alert", "fixed"),
            Col("incident", "id"),
            Col("victim", "id"),
            Col("may retaliate", "ids", drop=2),
            Col("possible targets", "ids", drop=3),
            Col("live until", "fixed", drop=1),
        ],
        rows,
        title=f"retaliation alerts ({len(payload['alerts'])})",
    )
    print_notes(result.notes)


#: Families in the table (``--json`` lists every one).
_FAMILIES_SHOWN = 50


def families(
    ctx: typer.Context, as_json: StableJsonOpt = False, config: ConfigOpt = None
) -> None:
    """Family units (kin and same-address links) with harm across crime types."""
    from avert.report.payload import jsonable
    from avert.workflows.networks import family_notes, family_report
    from avert.workflows.staleness import staleness_notes

    scope = _scope(ctx, config)
    store = get_store(ctx)
    frame = family_report(store, shown=None if as_json else _FAMILIES_SHOWN, **scope)
    notes = family_notes(
        frame,
        config=scope["config"],
        stale=staleness_notes(store, scope["profile"], settings=get_settings(ctx)),
    )
    if as_json:
        print_json({"families": jsonable(frame), "notes": notes})
        return
    print_table(
        [
            Col("family", "id"),
            Col("size", "fixed", "right"),
            Col("harm", "fixed", "right"),
            Col("harm as offender", "fixed", "right"),
            Col("harm as victim", "fixed", "right"),
            Col("domestic", "fixed", "right", drop=2),
            Col("youth violence", "fixed", "right", drop=3),
            Col("crime types", "ids", drop=1),
        ],
        [
            [
                r["family_id"],
                str(r["family_size"]),
                f"{r['harm_days']:,.0f}",
                f"{r['harm_days_as_offender']:,.0f}",
                f"{r['harm_days_as_victim']:,.0f}",
                str(r["n_domestic"]),
                str(r["n_youth_violence"]),
                ", ".join(r["crime_types"]),
            ]
            for r in frame.head(_FAMILIES_SHOWN).to_dicts()
        ],
        title=(
            f"families ({frame.height})"
            if frame.height <= _FAMILIES_SHOWN
            else f"families (the {_FAMILIES_SHOWN} with most harm of {frame.height:,};"
            " --json lists all)"
        ),
    )
    print_notes(notes)


def register(analyse_app: typer.Typer) -> None:
    """Add ``groups``, ``person``, ``retaliation`` and ``families`` to ``avert analyse``."""
    analyse_app.command("groups")(groups)
    analyse_app.command("person")(person)
    analyse_app.command("retaliation")(retaliation)
    analyse_app.command("families")(families)
