"""Section 1: the violent incidents of the window, highest harm first, with reasons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

import polars as pl

from avert.analyse.harm_text import harm_days_text
from avert.briefing.context import OFFENDING_ROLES, SEQ, BriefingContext
from avert.briefing.model import GROUP_SIZE, REPEAT_WINDOW_DAYS, IncidentItem, Section
from avert.classify.labels import policeuk_scope_reason
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


def _reasons(profile: str, columns: Sequence[str]) -> pl.Expr:
    """Why each incident is on the page, as a list of sentences."""
    return pl.concat_list(
        [
            pl.format(
                "in definition {}: {} ({})",
                pl.lit(profile),
                # in words, as the incident's title ("personal robbery", not
                # "personal_robbery"); the rule ids stay as the definition has them
                pl.col("category").str.replace_all("_", " "),
                pl.col("rule_ids").str.replace_all(r";\s*", "; "),
            ),
            # police.uk's robbery counts as personal robbery, yet holds business
            # robbery: the rule's words alone read as what the record was
            policeuk_scope_reason(columns),
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
                    "harm {} day{} (Cambridge Crime Harm Index{})",
                    harm_days_text(pl.col("harm_days")),
                    pl.when(harm_days_text(pl.col("harm_days")) == "1")
                    .then(pl.lit(""))
                    .otherwise(pl.lit("s")),
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
            _reasons(ctx.profile, win.columns).alias("reasons"),
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


def _item_columns(ranked: pl.DataFrame, *, partner: bool) -> pl.DataFrame:
    """The ranked frame in the items' shape: ``people`` (no names for partners),
    ``groups`` and the three id lists of ``links``, in the order of the item's keys.

    The links are :func:`avert.briefing.context.links` of the incident, its people
    and its groups (sorted distinct ids, nulls dropped), computed by Polars for all
    items at once: Polars sorts strings by their UTF-8 bytes, which is the code
    point order of Python's ``sorted``.
    """
    fields = ["person_id", "role", *([] if partner else ["name"]), "groups"]
    people = pl.col("people").list.eval(pl.struct(pl.element().struct.field(*fields)))
    sorted_ids = pl.element().drop_nulls().unique().sort()
    person_ids = pl.col("people").list.eval(pl.element().struct.field("person_id"))
    shown = [c for c in ranked.columns if c not in ("people", "group_ids")]
    return ranked.select(
        *shown,
        people.alias("people"),
        pl.col("group_ids").alias("groups"),
        pl.concat_list(pl.col("incident_id")).list.drop_nulls().alias(_LINKS[0]),
        person_ids.list.eval(sorted_ids).alias(_LINKS[1]),
        pl.col("group_ids").list.eval(sorted_ids).alias(_LINKS[2]),
    )


#: the link columns of :func:`_item_columns`, by their key in ``links``
_LINKS: Final = ("_links_incident_id", "_links_person_id", "_links_group_id")


def _python_lists(column: pl.Series) -> list[Any]:
    """``column.to_list()``, converting only the non-empty lists: Polars converts an
    empty list of structs slowly (0.2-0.3 CPU s for a London month of incidents
    whose people are all unknown)."""
    non_empty = column.list.len() > 0
    out: list[Any] = [[] for _ in range(column.len())]
    for i, value in zip(
        non_empty.arg_true().to_list(),
        column.filter(non_empty).to_list(),
        strict=True,
    ):
        out[i] = value
    return out


def _items(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of :func:`_item_columns` as item dicts, their ``links`` gathered from
    the link columns (the same keys, in the same order, as ``frame.to_dicts()``)."""
    names = [c for c in frame.columns if c not in _LINKS]
    values = [
        _python_lists(frame[c]) if c == "people" else frame[c].to_list() for c in names
    ]
    links = [
        {"incident_id": i, "person_id": p, "group_id": g}
        for i, p, g in zip(*(frame[c].to_list() for c in _LINKS), strict=True)
    ]
    keys = [*names, "links"]
    return [
        dict(zip(keys, row, strict=True)) for row in zip(*values, links, strict=True)
    ]


def incidents_section(ctx: BriefingContext) -> Section[IncidentItem]:
    """Every in-definition incident of the window, highest harm first.

    Each item has the incident's fields, its ``people`` (id, role, groups; names for
    the police), ``groups``, ``group`` (3+ suspects/offenders), ``reasons`` and
    ``links``.
    """
    items = _items(_item_columns(ranked_incidents(ctx), partner=ctx.partner))
    return Section([cast(IncidentItem, row) for row in items])
