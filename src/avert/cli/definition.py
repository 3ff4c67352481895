"""``avert definition show|validate|diff|explain|docs`` and ``avert classify``.

Thin commands over :mod:`avert.config.definitions` and
:mod:`avert.workflows.definitions`. ``--definition`` takes a profile id (``avb-2010``,
``who-broad``) or a violence TOML file; its default is the ``definition`` setting
(``AVERT_DEFINITION``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from avert.cli._common import (
    console,
    definition_to_read,
    definitions_to_read,
    existing_file,
    get_settings,
    get_store,
    print_json,
    styled,
)
from avert.cli._options import JsonOpt
from avert.cli._table import Col, print_table
from avert.errors import ConfigError

if TYPE_CHECKING:
    from avert.config.definitions import HarmTable, Profile

__all__ = ["register"]

definition_app = typer.Typer(
    help="Show, check, compare and explain violence definition profiles.",
    no_args_is_help=True,
)

DefinitionOpt = Annotated[
    str | None,
    typer.Option(
        "--definition",
        callback=definition_to_read,
        help="Profile id (avb-2010, who-broad) or a violence TOML file "
        "(default: the 'definition' setting).",
        show_default=False,
    ),
]
HarmOpt = Annotated[
    Path | None,
    typer.Option(
        "--harm",
        callback=existing_file,
        help="Harm TOML file (default: the 'harm_table' setting, else the packaged "
        "CCHI table).",
        show_default=False,
    ),
]


def _definition(ctx: typer.Context, value: str | None) -> str:
    return value if value is not None else get_settings(ctx).definition


def harm_path(ctx: typer.Context, value: Path | None) -> Path | None:
    """``--harm`` if given, else the ``harm_table`` setting, else ``None`` (packaged)."""
    if value is not None:
        return value
    setting = get_settings(ctx).harm_table.strip()
    return Path(setting) if setting else None


def harm_table(ctx: typer.Context, value: Path | None) -> HarmTable:
    """The harm table of :func:`harm_path`, loaded and checked."""
    from avert.config.definitions import load_harm

    return load_harm(harm_path(ctx, value))


def _profile(
    ctx: typer.Context, definition: str | None, harm_file: Path | None
) -> tuple[Profile, HarmTable]:
    """The profile of ``--definition`` (or the setting) under the ``--harm`` table."""
    from avert.config.definitions import load_profile

    harm = harm_table(ctx, harm_file)
    return load_profile(_definition(ctx, definition), harm=harm), harm


@definition_app.command("show")
def show(
    ctx: typer.Context,
    definition: DefinitionOpt = None,
    harm_file: HarmOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a profile: categories by precedence, rules, codes and extensions."""
    prof, _ = _profile(ctx, definition, harm_file)
    if as_json:
        print_json(
            {
                "id": prof.id,
                "title": prof.title,
                "path": prof.path,
                "precedence": list(prof.precedence),
                "rules": [
                    {
                        "id": r.id,
                        "category": r.category,
                        "clause": r.clause,
                        "offence_codes": list(r.offence_codes)
                        if r.offence_codes
                        else ["*"],
                        "require_any": [c.describe() for c in r.require_any],
                    }
                    for r in prof.rules
                ],
                "extensions": {
                    "weapon": prof.weapon.__dict__,
                    "group_offending": prof.group_offending.__dict__,
                    "repeat_victim": prof.repeat_victim.__dict__,
                    "asb_bridge": prof.asb_bridge.__dict__,
                },
                "policeuk": {k: v.__dict__ for k, v in prof.policeuk.items()},
            }
        )
        return
    console.print(styled((prof.id, "bold"), f": {prof.title}  ({prof.path})"))
    rows: list[list[str]] = []
    for cid in prof.precedence:
        for r in prof.rules:
            if r.category == cid:
                codes = ", ".join(r.offence_codes) if r.offence_codes else "any"
                rows.append(
                    [cid, r.id, codes, "; ".join(c.describe() for c in r.require_any)]
                )
        for ext in (prof.weapon, prof.group_offending, prof.repeat_victim):
            if ext.enabled and ext.category == cid:
                rows.append([cid, ext.id, "violence-related", "extension"])
    print_table(
        [
            Col("category", "ids"),
            Col("rule", "id"),
            Col("codes", "ids"),
            Col("conditions", "text", drop=1),
        ],
        rows,
    )


@definition_app.command("validate")
def validate(
    ctx: typer.Context,
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Profiles (ids or TOML files); default all built-in ones.",
            callback=definitions_to_read,
        ),
    ] = None,
    harm_file: HarmOpt = None,
) -> None:
    """Check profiles and the harm table; exit 1 naming file and key on the first error."""
    from avert.config.definitions import available_profiles, load_profile

    harm = harm_table(ctx, harm_file)
    names = files or available_profiles()
    for name in names:
        prof = load_profile(name, harm=harm)
        n_codes = len(
            {c for r in prof.rules if r.offence_codes for c in r.offence_codes}
        )
        console.print(
            f"ok  {prof.id} ({prof.path}): {len(prof.rules)} rules, {n_codes} codes"
        )
    console.print(f"ok  harm table {harm.describe()}: {len(harm.codes)} codes")


@definition_app.command("diff")
def diff(
    ctx: typer.Context,
    a: Annotated[
        str,
        typer.Argument(
            help="First profile (id or TOML file).", callback=definitions_to_read
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(
            help="Second profile (id or TOML file).", callback=definitions_to_read
        ),
    ],
    harm_file: HarmOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show what differs between two profiles: codes per category, rules, parameters."""
    from avert.config.definition_docs import diff_profiles
    from avert.config.definitions import load_profile

    harm = harm_table(ctx, harm_file)
    d = diff_profiles(load_profile(a, harm=harm), load_profile(b, harm=harm))
    if as_json:
        print_json(
            {
                "a": d.a,
                "b": d.b,
                "codes_added": {k: list(v) for k, v in d.codes_added.items() if v},
                "codes_removed": {k: list(v) for k, v in d.codes_removed.items() if v},
                "rules_added": list(d.rules_added),
                "rules_removed": list(d.rules_removed),
                "rules_changed": list(d.rules_changed),
                "settings_changed": [list(x) for x in d.settings_changed],
            }
        )
        return
    for line in d.lines():
        typer.echo(line)


@definition_app.command("explain")
def explain_cmd(
    ctx: typer.Context,
    offence_code: Annotated[
        str | None,
        typer.Option("--offence-code", help="Home Office offence code, e.g. 8N."),
    ] = None,
    crime_type: Annotated[
        str | None,
        typer.Option("--crime-type", help="police.uk category instead of a code."),
    ] = None,
    weapon: Annotated[
        str | None, typer.Option("--weapon", help="none | knife | firearm | other.")
    ] = None,
    injury: Annotated[
        str | None, typer.Option("--injury", help="none | minor | serious | fatal.")
    ] = None,
    domestic: Annotated[
        bool, typer.Option("--domestic", help="Domestic abuse flag.")
    ] = False,
    hate: Annotated[
        list[str] | None, typer.Option("--hate", help="Hate strand (repeatable).")
    ] = None,
    suspects: Annotated[
        int, typer.Option("--suspects", min=0, help="Number of suspects.")
    ] = 0,
    repeat_victim: Annotated[
        bool,
        typer.Option(
            "--repeat-victim",
            help="Victim of another violence-related offence in the window.",
        ),
    ] = False,
    flag: Annotated[
        list[str] | None,
        typer.Option(
            "--flag", help="Optional flag column that is true, e.g. penetration."
        ),
    ] = None,
    definition: DefinitionOpt = None,
    harm_file: HarmOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Explain how one hypothetical record classifies, and its harm weight."""
    from avert.workflows.definitions import explain

    if offence_code is None and crime_type is None:
        msg = "Give --offence-code or --crime-type."
        raise ConfigError(msg)
    prof, harm = _profile(ctx, definition, harm_file)
    result = explain(
        offence_code,
        crime_type=crime_type,
        weapon=weapon,
        injury=injury,
        domestic=domestic,
        hate=hate or (),
        suspects=suspects,
        repeat_victim=repeat_victim,
        flags=flag or (),
        profile=prof,
        harm_table=harm,
    )
    if as_json:
        print_json(result.to_dict())
        return
    verdict = "IN" if result.in_definition else "OUT"
    console.print(
        f"{verdict} of {prof.id}; category: {result.category or '-'}; resolution: {result.resolution}"
    )
    if result.policeuk_reason:
        console.print(f"  because {result.policeuk_reason}")
    for clause in result.clauses:
        console.print(f"  because {clause}")
    for clause in result.possible_clauses:
        console.print(f"  may be {clause}")
    console.print(f"harm: {result.harm_days} days ({result.harm_source})")
    console.print(f"harm table: {result.harm_table}")


@definition_app.command("docs")
def docs(
    output: Annotated[
        Path, typer.Option("--output", help="Where to write the page.")
    ] = Path("docs/definitions.md"),
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit 1 when the page is stale instead of writing."
        ),
    ] = False,
) -> None:
    """Write docs/definitions.md (every code per category, harm weight, source) from the TOML."""
    from avert.config.definition_docs import render_docs

    text = render_docs()
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            console.print(f"{output} is stale: run 'avert definition docs'")
            raise typer.Exit(1)
        console.print(f"{output} is current")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}")


def classify(
    ctx: typer.Context,
    definition: DefinitionOpt = None,
    harm_file: HarmOpt = None,
    show_ids: Annotated[
        int,
        typer.Option("--show-ids", min=0, help="List up to N incident ids that moved."),
    ] = 10,
) -> None:
    """Recompute the classifications table for a definition; report what moved in and out."""
    from avert.workflows.definitions import classify_store

    store = get_store(ctx)
    prof, harm = _profile(ctx, definition, harm_file)
    report = classify_store(store, profile=prof, harm=harm)
    console.print(
        f"{report.profile}: {report.incidents:,} incidents, {report.in_definition:,} in the "
        f"definition, harm {report.harm_days:,.1f} days"
    )
    for note in report.notes:
        console.print(f"  note: {note}")
    if report.asb_reports:
        console.print(
            f"ASB bridge: {report.asb_escalating:,} of {report.asb_reports:,} ASB "
            "reports escalate (stored as ASB, no harm weight: not in the incidents "
            "or harm above)"
        )
    console.print(f"harm table: {harm.describe()}")
    console.print(
        f"moved in: {report.moved_in:,}  moved out: {report.moved_out:,}  "
        f"recategorised: {report.recategorised:,}  newly classified: {report.new:,}  "
        f"reweighted: {report.reweighted:,}"
    )
    if report.previous_harm_days is not None and (
        report.reweighted or report.previous_harm_days != report.harm_days
    ):
        console.print(
            f"  harm of the definition: {report.previous_harm_days:,.1f} days before, "
            f"{report.harm_days:,.1f} now"
        )
    if show_ids and report.moved_in_ids:
        console.print("  in:  " + ", ".join(report.moved_in_ids[:show_ids]))
    if show_ids and report.moved_out_ids:
        console.print("  out: " + ", ".join(report.moved_out_ids[:show_ids]))
    print_table(
        [Col("category", "id"), Col("incidents", "fixed", "right")],
        [
            [cat or "(not in the definition)", f"{n:,}"]
            for cat, n in sorted(
                report.by_category.items(), key=lambda kv: (-kv[1], kv[0])
            )
        ],
    )


def register(app: typer.Typer) -> None:
    """Add the ``definition`` group and the ``classify`` command to the root app."""
    app.add_typer(definition_app, name="definition")
    app.command("classify")(classify)
