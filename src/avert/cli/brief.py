"""``avert brief``: the daily risk briefing as HTML, PDF and JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from avert.cli._common import (
    check_choice,
    check_out_dir,
    console,
    err_console,
    existing_file,
    get_settings,
    get_store,
    styled,
)
from avert.cli._options import PdfOpt
from avert.cli._time import TIME_HELP, when

if TYPE_CHECKING:
    from datetime import datetime

    from avert.briefing.model import Boundary, Briefing, DashHighRisk, DashItem
    from avert.config.settings import Settings
    from avert.workflows.admin import Store
    from avert.workflows.briefing import BriefingFiles

__all__ = ["register"]


# the options of ``avert brief`` (its own: their help is about the briefing)
_AtOpt = Annotated[
    str,
    typer.Option(
        "--at",
        help="End of the window, e.g. 2026-11-24T08:00 (a date means 00:00). "
        + TIME_HELP,
    ),
]
_HoursOpt = Annotated[
    int,
    typer.Option(
        "--hours",
        min=1,
        max=744,
        help="Window length in hours (at most 31 days). Month-only data "
        "(data.police.uk) are briefed a whole month at a time: the last complete "
        "month before --at, whatever --hours (docs/briefing.md).",
    ),
]
_AreaOpt = Annotated[
    str | None,
    typer.Option(
        "--area",
        help="Brief on one area only: a borough or local authority (for "
        "data.police.uk, the name its LSOA names begin with, e.g. Leeds) or an "
        "LSOA code.",
    ),
]
_AudienceOpt = Annotated[
    str,
    typer.Option(
        "--audience",
        help="police, or partner (stable pseudonyms, police-only fields dropped).",
    ),
]
_OutOpt = Annotated[
    Path, typer.Option("--out", help="Folder for briefing.html, .pdf and .json.")
]
_BoundariesOpt = Annotated[
    Path | None,
    typer.Option(
        "--boundaries",
        callback=existing_file,
        help="CSV of area outlines with a WKT geometry column in the store's CRS.",
    ),
]
_NoPdfOpt = Annotated[
    bool, typer.Option("--no-pdf", help="Skip the PDF (HTML and JSON only).")
]
_JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print briefing.json to standard output (every item; compact "
        "unless --pretty, as the file).",
    ),
]
_PrettyOpt = Annotated[
    bool,
    typer.Option(
        "--pretty",
        help="Write briefing.json indented, one field a line, for reading by eye "
        "(default: compact, no whitespace; the same data).",
    ),
]
_OrgOpt = Annotated[
    str | None,
    typer.Option(
        "--org",
        help="Partner organisation: its taskings are listed (with --audience "
        "partner only; a police briefing lists every organisation's). Under "
        "pseudonym_scope organisation, needed: the briefing is in its pseudonyms.",
    ),
]


def brief(
    ctx: typer.Context,
    at: _AtOpt,
    hours: _HoursOpt = 24,
    area: _AreaOpt = None,
    audience: _AudienceOpt = "police",
    out: _OutOpt = Path("briefing"),
    boundaries: _BoundariesOpt = None,
    no_pdf: _NoPdfOpt = False,
    _pdf: PdfOpt = False,
    as_json: _JsonOpt = False,
    org: _OrgOpt = None,
    pretty: _PrettyOpt = False,
) -> None:
    """Write the daily risk briefing (HTML, PDF, JSON) for the window ending at --at."""
    from avert.workflows.briefing import read_boundaries

    _check_audience(audience, org)
    check_out_dir(out)
    settings = get_settings(ctx)
    scope = partner_scope(settings, audience, org)
    at_local = when(ctx, at, "--at")
    # --boundaries is read before the store is opened (--area needs the store)
    outlines = read_boundaries(boundaries, area=area) if boundaries else []
    if area is not None:
        check_area(ctx, area)
    files = _write_briefing(
        ctx,
        settings,
        at=at_local,
        out=out,
        hours=hours,
        area=area,
        audience=audience,
        outlines=outlines,
        pdf=not no_pdf,
        org=org,
        scope=scope,
        pretty=pretty,
    )
    if as_json:
        # the very text of briefing.json (the record, every item), not a second
        # conversion and an indented encoding of it: 31 MB and seconds for a
        # London month, where the file is compact
        sys.stdout.write(files.json.read_text(encoding="utf-8") + "\n")
        return
    _print_summary(files)


def partner_scope(settings: Settings, audience: str, org: str | None) -> str | None:
    """Whose pseudonyms a command's partner output is in
    (:func:`avert.access.reader_scope`: a partner of ``org``); a usage error
    naming --org when ``pseudonym_scope`` is ``organisation`` and none is given.
    None for a police output."""
    from avert.workflows.delivery import partner_scope as scope_of
    from avert.workflows.users import User

    if audience != "partner":
        if org is not None:  # a police output is in no pseudonyms
            msg = "a partner output's option: give it with --audience partner"
            raise typer.BadParameter(msg, param_hint="--org")
        return None
    if settings.pseudonym_scope == "organisation" and not org:
        msg = (
            "needed with --audience partner under pseudonym_scope organisation: "
            "each organisation reads its own pseudonyms (the organisation as "
            "stored on its accounts)"
        )
        raise typer.BadParameter(msg, param_hint="--org")
    return scope_of(settings, User(username="", role="partner", org=org))


def org_scope(store: Store, scope: str | None) -> str | None:
    """``scope`` (:func:`partner_scope`) with --org as the accounts spell it:
    the pseudonyms its accounts read. Noted on standard error when no account
    holds it (:func:`avert.workflows.delivery.unheld_scope_note`)."""
    from avert.workflows.delivery import scope_as_accounts_spell, unheld_scope_note

    scope = scope_as_accounts_spell(store, scope)
    note = unheld_scope_note(store, scope)
    if note is not None:  # standard error: --json's answer stays whole
        err_console.print(styled(("note:", "yellow"), " ", note))
    return scope


def _check_audience(audience: str, org: str | None) -> None:
    """Usage error for an unknown --audience, or --org without --audience partner."""
    check_choice(audience, ("police", "partner"), "--audience")
    if org is not None and audience != "partner":  # a police briefing lists every
        # organisation's taskings: --org was silently ignored
        msg = (
            "a partner briefing's option: give it with --audience partner (a "
            "police briefing lists every organisation's taskings)"
        )
        raise typer.BadParameter(msg, param_hint="--org")


def _write_briefing(
    ctx: typer.Context,
    settings: Settings,
    *,
    at: datetime,
    out: Path,
    hours: int,
    area: str | None,
    audience: str,
    outlines: list[Boundary],
    pdf: bool,
    org: str | None,
    scope: str | None = None,
    pretty: bool = False,
) -> BriefingFiles:
    """Run the briefing workflow with the settings' profile, pseudonym key, cell
    size, risk and places configurations, showing its steps on a status line."""
    from avert.config.places import load_places_config
    from avert.config.risk import load_risk_config
    from avert.workflows.briefing import run_briefing

    store = get_store(ctx)
    scope = org_scope(store, scope)
    # a status line while it works (seconds to a minute, the PDF most of it); a
    # status line reads markup from a str: it is given Text
    with console.status(Text("avert brief")) as status:
        return run_briefing(
            store,
            at=at,
            out_dir=out,
            hours=hours,
            area=area,
            audience="partner" if audience == "partner" else "police",
            profile=settings.definition_id(),
            pseudonym_key=settings.pseudonym_key,
            pseudonym_rotation=settings.pseudonym_rotation,
            boundaries=outlines,
            pdf=pdf,
            organisation=org,
            pseudonym_scope=scope,
            cell_size_m=settings.places_cell_size(),
            risk_config=load_risk_config(settings.risk_config_file()),
            places_config=load_places_config(settings.places_config_file()),
            progress=lambda step: status.update(Text(f"avert brief: {step}")),
            pretty_json=pretty,
        )


def _summary_counts(b: Briefing) -> str:
    """ "N violent incidents, N people of concern, N places", each saying why it is
    not shown where the data cannot tell it (as the page's tiles)."""
    # a police.uk store briefed mid-month: its records have no day, not 0 violence
    incidents = (
        f"{b.summary['n_incidents']:,} violent incidents"
        if b.incidents_not_shown_short is None
        else f"violent incidents not shown ({b.incidents_not_shown_short})"
    )
    # as the page's tile: "0 people of concern" would read as a finding where the
    # data name no one (police.uk months, open incident data)
    unknown = b.not_computable().get("n_people")
    people = (
        f"{b.summary['n_people']:,} people of concern"
        if unknown is None
        else f"people of concern not shown ({unknown})"
    )
    # nor are its places none: they have no day to be placed in
    places = (
        f"{len(b.places)} places"
        if b.places or b.incidents_not_shown_short is None
        else f"places not shown ({b.incidents_not_shown_short})"
    )
    return f"{incidents}, {people}, {places}"


def _print_summary(files: BriefingFiles) -> None:
    """The briefing's heading line, trend, DASH list, empty-store note, the files
    written and the timings."""
    b = files.briefing
    # the area the briefing is of, as its heading says (checked a known area above)
    console.print(
        styled(
            ("Daily risk briefing", "bold"),
            (f" of {b.area}", "bold") if b.area else "",
            f" {b.window_from:%Y-%m-%d %H:%M} to {b.window_to:%Y-%m-%d %H:%M}"
            f" ({b.audience}",
            (_past_the_data(b), "bold yellow"),
            f"): {_summary_counts(b)}.",
        )
    )
    console.print(b.trend["line"])
    _print_dash(b.dash_high_risk)
    if b.nothing_loaded_note:
        # as the page: why it is empty and what loads data
        console.print(b.nothing_loaded_note)
    for path in (files.html, files.pdf, files.json):
        if path is not None:
            console.print(f"  wrote {path}")
    console.print(
        "  timings: " + ", ".join(f"{k} {v:.2f}" for k, v in files.timings.items())
    )


def _past_the_data(b: Briefing) -> str:
    """The heading's words when the window briefed is not the one ``--at`` asked
    for: a store of month-only records (data.police.uk) that stop before the month
    of ``--at`` is briefed on its last complete month, and the heading said only
    "2019-12-01 00:00 to 2020-01-01 00:00" for ``--at 2025-01-01``, the date asked
    in a note further down. Empty otherwise (the month just before ``--at``, or
    the ``--hours`` before it)."""
    month_of_at = b.at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if b.precision != "month" or b.window_to >= month_of_at:
        return ""
    return (
        f"; {b.window_from:%B %Y}, the data's last month: --at "
        f"{b.at:%Y-%m-%d %H:%M} is past the data"
    )


def _print_dash(dash: DashHighRisk | None) -> None:
    """The high-risk DASH assessments of the window, one line each, as the page
    lists them (its line alone when there are none or no DASH data)."""
    if dash is None:
        return
    console.print(Text(f"High-risk domestic abuse assessments (DASH): {dash['line']}"))
    for d in dash["items"]:
        new = (
            "; reassessed below high risk: not on the MARAC list"
            if not d.get("on_marac_list_at_end", True)
            else ("" if d["on_marac_list_before"] else "; new to the MARAC list")
        )
        console.print(
            Text(
                f"  {d['rank']}. {d['person_id']} assessed "
                f"{_assessed(d)}: "
                f"{', '.join(d['criteria'])} "
                f"({d['n_yes']} yes){new}"
            )
        )


def _assessed(item: DashItem) -> str:
    """When the item's assessment was made, as the page tells it
    (:func:`avert.briefing.context.assessed_when`): the date alone where only the
    date is known (``time_precision`` ``day``: stored at 00:00)."""
    at = item["assessed_at"]
    return f"{at:%d %b}" if item.get("time_precision") == "day" else f"{at:%d %b %H:%M}"


def check_area(ctx: typer.Context, area: str) -> None:
    """Usage error (exit 2) when ``area`` names no area of the store, listing the known."""
    from avert.workflows.briefing import (
        area_named_otherwise,
        known_areas,
        names_known_area,
    )
    from avert.workflows.equality import join_area_names

    store = get_store(ctx)
    known = known_areas(store)
    if names_known_area(area, known):
        return
    hint = area_named_otherwise(store, area)
    if not known:
        msg = (
            f"no area {area!r}: the store's incidents name no borough or LSOA: "
            "brief the whole store without --area, or load records that name "
            "their area"
        )
    else:
        shown = join_area_names(known[:20])  # a name may hold a comma
        more = f" (the first 20 of {len(known)})" if len(known) > 20 else ""
        msg = f"no area {area!r} in the store. Known areas{more}: {shown}"
    if hint is not None:
        msg = f"no area {area!r} in the store: {hint}"
    raise typer.BadParameter(msg, param_hint="--area")


def register(app: typer.Typer) -> None:
    """Add ``avert brief`` to the root app."""
    app.command("brief")(brief)
