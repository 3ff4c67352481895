"""Section 1: the violent incidents of the window, highest harm first, with reasons."""

from __future__ import annotations

from typing import Final, cast

import polars as pl

from avert.briefing.context import OFFENDING_ROLES, SEQ, BriefingContext, links
from avert.briefing.model import GROUP_SIZE, REPEAT_WINDOW_DAYS, IncidentItem, Section
from avert.schema import column_or

__all__ = ["incidents_section"]

#: Flags of an incident and their types (null where the source does not record it).
_FLAGS: Final = {
    "weapon": pl.String(),
    "domestic": pl.Boolean(),
    "hate": pl.String(),
    "gang_related": pl.Boolean(),
    "injury": pl.String(),
}

#: Incident columns shown when present (partners never get the police-only ones).
_SHOWN: Final = (
    "incident_id",
    "occurred_from",
    "time_precision",
    "category",
    "label",
    "harm_days",
    "offence_code",
    "crime_type",
    "weapon",
    "domestic",
    "hate",
    "gang_related",
    "injury",
    "force",
    "borough",
    "ward",
    "lsoa",
    "lsoa_name",
    "location",
    "outcome",
    "x",
    "y",
)


def _reasons(profile: str) -> pl.Expr:
    """Why each incident is on the page, as a list of sentences."""
    return pl.concat_list(
        [
            pl.format(
                "in definition {}: {} ({})",
                pl.lit(profile),
                pl.col("category"),
                pl.col("rule_ids").str.replace_all(r";\s*", "; "),
            ),
            # a broad recorded type (police.uk's "Violence and sexual offences")
            # meets several rules: in the definition, but in no single category
            pl.when(pl.col("category").is_null() & (pl.col("rule_ids") != "")).then(
                pl.format(
                    "in definition {}: {} meets {} of its rules, so no single category",
                    pl.lit(profile),
                    pl.col("crime_type").fill_null("the recorded type"),
                    pl.col("rule_ids").str.split(";").list.len(),
                )
            ),
            pl.when(pl.col("harm_days").is_not_null()).then(
                pl.format(
                    "harm {} days (Cambridge Crime Harm Index{})",
                    pl.col("harm_days").round(1),
                    pl.when(pl.col("harm_source") != "")
                    .then(pl.format(", {}", pl.col("harm_source")))
                    .otherwise(pl.lit("")),
                )
            ),
            pl.when(pl.col("harm_days").is_null()).then(
                pl.format(
                    "harm unknown ({}): not in the harm total",
                    pl.when(pl.col("harm_source") != "")
                    .then(pl.col("harm_source"))
                    .otherwise(pl.lit("no offence code or category")),
                )
            ),
            pl.when(~pl.col("weapon").is_in(["none", ""])).then(
                pl.format("weapon: {}", pl.col("weapon"))
            ),
            pl.when(pl.col("injury").is_in(["serious", "fatal"])).then(
                pl.format("injury: {}", pl.col("injury"))
            ),
            pl.when(pl.col("domestic")).then(pl.lit("domestic abuse")),
            pl.when(pl.col("hate") != "").then(
                pl.format("hate crime: {}", pl.col("hate").str.replace_all(";", ", "))
            ),
            pl.when(pl.col("n_offending") >= GROUP_SIZE).then(
                pl.format(
                    "group offending: {} suspects/offenders", pl.col("n_offending")
                )
            ),
            pl.when(pl.col("gang_related")).then(pl.lit("recorded as gang-related")),
            pl.when(pl.col("max_victimisations").is_not_null()).then(
                pl.format(
                    "repeat victim: {} victimisations in {} days",
                    pl.col("max_victimisations"),
                    pl.lit(REPEAT_WINDOW_DAYS),
                )
            ),
            pl.when(pl.col("group_ids").list.len() > 0).then(
                pl.format(
                    "people linked to group(s) {}", pl.col("group_ids").list.join(", ")
                )
            ),
        ]
    ).list.drop_nulls()


def _people_per_incident(ctx: BriefingContext) -> pl.DataFrame:
    """Per window incident: its people (struct list), offender count, group ids."""
    linked = (
        ctx.window_involvements.join(ctx.names, on="person_id", how="left")
        .join(ctx.person_groups, on="person_id", how="left")
        .sort("incident_id", "role", "person_id")
    )
    return linked.group_by("incident_id").agg(
        pl.struct("person_id", "role", "name", pl.col("groups").fill_null([])).alias(
            "people"
        ),
        pl.col("role").is_in(list(OFFENDING_ROLES)).sum().alias("n_offending"),
        pl.col("groups")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique()
        .sort()
        .alias("group_ids"),
    )


def _repeat_victims(ctx: BriefingContext) -> pl.DataFrame:
    """Per window incident: the most victimisations of any repeat victim in it."""
    return (
        ctx.window_involvements.filter(pl.col("role") == "victim")
        .join(ctx.victim_facts.select("person_id", "n_victimisations"), on="person_id")
        .filter(pl.col("n_victimisations") >= 2)
        .group_by("incident_id")
        .agg(pl.col("n_victimisations").max().alias("max_victimisations"))
    )


def ranked_incidents(ctx: BriefingContext) -> pl.DataFrame:
    """The window's violent incidents as a ranked frame (rank 1 = most harm)."""
    window = ctx.window
    win = window.join(_people_per_incident(ctx), on="incident_id", how="left")
    # the flags as recorded, for the items: a source that does not record one
    # (police.uk: weapon, domestic, ...) leaves it null, never "none" or false,
    # which would read as "no weapon"; the reasons read the filled values
    recorded = [c for c in _FLAGS if c in window.columns]
    win = (
        win.with_columns(
            pl.col(c).cast(_FLAGS[c]).alias(f"_recorded_{c}") for c in recorded
        )
        .with_columns(
            pl.col("n_offending").fill_null(0),
            column_or(window, "weapon", "none", pl.String()),
            column_or(window, "domestic", False, pl.Boolean()),
            column_or(window, "hate", "", pl.String()),
            column_or(window, "gang_related", False, pl.Boolean()),
            column_or(window, "injury", "", pl.String()),
            column_or(window, "rule_ids", "", pl.String()),
            column_or(window, "harm_source", "", pl.String()),
        )
        .join(_repeat_victims(ctx), on="incident_id", how="left")
    )
    keep = [c for c in _SHOWN if c in win.columns]
    if "crime_type" not in win.columns:  # for the reasons; not shown
        win = win.with_columns(pl.lit(None, pl.String()).alias("crime_type"))
    return (
        win.with_columns(
            _reasons(ctx.profile).alias("reasons"),
            (pl.col("n_offending") >= GROUP_SIZE).alias("group"),
            pl.col("people").fill_null([]),
            pl.col("group_ids").fill_null([]),
        )
        .sort(
            [pl.col("harm_days").fill_null(-1.0), "occurred_from", SEQ],
            descending=[True, True, False],
        )
        .with_row_index("rank", offset=1)
        .with_columns(pl.col(f"_recorded_{c}").alias(c) for c in recorded)
        .select("rank", *keep, "group", "people", "group_ids", "reasons")
    )


def incidents_section(ctx: BriefingContext) -> Section[IncidentItem]:
    """Every in-definition incident of the window, highest harm first.

    Each item has the incident's fields, its ``people`` (id, role, groups; names for
    the police), ``groups``, ``group`` (3+ suspects/offenders), ``reasons`` and
    ``links``.
    """
    items: list[IncidentItem] = []
    for row in ranked_incidents(ctx).to_dicts():
        people_rows = row.pop("people") or []
        if ctx.partner:
            for person in people_rows:
                person.pop("name", None)
        row["people"] = people_rows
        row["groups"] = row.pop("group_ids")
        row["links"] = links(
            [row["incident_id"]], [q["person_id"] for q in people_rows], row["groups"]
        )
        items.append(cast(IncidentItem, row))
    return Section(items)
