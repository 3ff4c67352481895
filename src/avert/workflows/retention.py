"""The retention review: who in the store is due for a review of their records.

Reads each person's latest record of each kind (:func:`avert.store.queries.person_records`),
groups them by :mod:`avert.analyse.retention`, and audits the list before returning
it: a list of people is a view of people (DESIGN.md), so the audit row holds their
count and digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from avert.analyse.retention import (
    DEFAULT_CLEAR_YEARS,
    OFFENDING_ROLES,
    retention_groups,
    review_due,
)
from avert.config.timezone import DEFAULT_TIMEZONE, local_now, to_local
from avert.errors import NotFound
from avert.files import write_csv
from avert.store import Store, audit, queries
from avert.store.summary import classified_profiles
from avert.workflows.analysis import audit_view, classify_advice, first_rows
from avert.workflows.staleness import staleness_notes

__all__ = ["RetentionReview", "export_retention", "retention_review"]


#: Why a review lists no one on a store of open data (police.uk, West Yorkshire's
#: July 2018): its tables of 0 people said nothing of why.
NO_ONE_TO_REVIEW_NOTE: Final = (
    "The store holds no people (no victims, suspects, offenders or other person "
    "records): data.police.uk and other open incident data name no one, so no "
    "one's records can be due for review. A record bundle (docs/bundle.md) "
    "loads people."
)


@dataclass(frozen=True)
class RetentionReview:
    """The people due for review (or everyone, when asked), counts by group, and
    notes on what the groups could not know."""

    as_of: dt.datetime
    clear_years: Mapping[int, int]
    people: pl.DataFrame
    by_group: pl.DataFrame
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The JSON contract of ``avert retention --json`` (docs/retention.md)."""
        return {
            "as_of": self.as_of.isoformat(),
            "clear_years": {str(g): y for g, y in sorted(self.clear_years.items())},
            "by_group": self.by_group.to_dicts(),
            "people": self.people.with_columns(
                pl.col("last_record_at", "review_due_at").dt.strftime(
                    "%Y-%m-%dT%H:%M:%S"
                )
            ).to_dicts(),
            "notes": list(self.notes),
        }


def retention_review(
    store: Store,
    *,
    profile: str,
    as_of: dt.datetime | None = None,
    clear_years: Mapping[int, int] = DEFAULT_CLEAR_YEARS,
    due_only: bool = True,
    timezone: str = DEFAULT_TIMEZONE,
    user: str | None = None,
    role: str = "police",
    reason: str = "retention review (avert retention)",
    shown: int | None = None,
) -> RetentionReview:
    """Each person's retention group, latest record and review date at ``as_of``.

    ``as_of`` defaults to now in the force's ``timezone`` (an aware ``as_of`` is
    read in it: stored times are its wall-clock times). ``people`` holds the due
    only unless ``due_only`` is false; ``by_group`` counts everyone: ``people``,
    ``due`` and ``due_undated`` (due for want of any dated record) per
    ``retention_group``. The people returned are audited (as ``user``
    under ``role``, with ``reason``) before the result is: the first ``shown``
    of them that the caller shows (the CLI's table, ``--limit``), every one when
    None (``--json``; a CSV export is audited on its own, every row).

    Raises
    ------
    NotFound
        When the store names suspects or offenders but holds no classification
        under ``profile``: groups 1 and 2 come from the definition's categories, and
        without them every offender would fall to group 3's shorter clear period
        (the one policy of :func:`avert.workflows.analysis.classification_policy`).
    """
    when = local_now(timezone) if as_of is None else to_local(as_of, timezone)
    records = queries.person_records(store, profile=profile)
    if profile not in classified_profiles(store) and (
        records["source"].is_in(OFFENDING_ROLES).any()
    ):
        msg = (
            f"No classifications for definition '{profile}': the retention groups of "
            f"suspects and offenders come from its categories ({classify_advice(profile)})."
        )
        raise NotFound(msg)
    reviewed = review_due(
        retention_groups(records),
        as_of=when,
        clear_years=clear_years,
    )
    by_group = _by_group(reviewed)
    people = reviewed.filter(pl.col("due")) if due_only else reviewed
    notes = _review_notes(store, profile, records, reviewed)
    audit_view(
        store,
        "analysis:retention",
        people=first_rows(people["person_id"], shown),
        reason=reason,
        user=user,
        role=role,
    )
    return RetentionReview(
        as_of=when,
        clear_years=dict(clear_years),
        people=people,
        by_group=by_group,
        notes=notes,
    )


def _by_group(reviewed: pl.DataFrame) -> pl.DataFrame:
    """``people``, ``due`` and ``due_undated`` per ``retention_group`` 1-3 (0 where
    none) of everyone reviewed."""
    return (
        pl.DataFrame(
            {"retention_group": [1, 2, 3]}, schema={"retention_group": pl.Int8}
        )
        .join(
            reviewed.group_by("retention_group").agg(
                pl.len().cast(pl.Int64).alias("people"),
                pl.col("due").sum().cast(pl.Int64).alias("due"),
                pl.col("review_due_at")
                .is_null()
                .sum()
                .cast(pl.Int64)
                .alias("due_undated"),
            ),
            on="retention_group",
            how="left",
        )
        .fill_null(0)
    )


def _review_notes(
    store: Store, profile: str, records: pl.DataFrame, reviewed: pl.DataFrame
) -> tuple[str, ...]:
    """The review's notes: stale classifications (:func:`staleness_notes`), no one
    to review, and suspects or offenders in incidents with no classification."""
    unknown = records.filter(
        pl.col("unclassified") & pl.col("source").is_in(OFFENDING_ROLES)
    )["person_id"].n_unique()
    # groups 1 and 2 come from the definition's categories: say when they were
    # classified under another definition than the one in force (no harm is read)
    return (
        *staleness_notes(store, profile, reads_harm=False),
        # a store of open data (police.uk) names no one: the empty tables say why
        *((NO_ONE_TO_REVIEW_NOTE,) if reviewed.height == 0 else ()),
    ) + (
        (
            f"{unknown:,} suspect(s) or offender(s) are in incidents with no "
            f"classification under '{profile}' (loaded with --no-classify since): "
            "those incidents count as outside the definition, so these people may "
            "be in too low a group; run 'avert classify'.",
        )
        if unknown
        else ()
    )


def export_retention(
    store: Store,
    review: RetentionReview,
    path: str | Path,
    *,
    user: str | None = None,
    reason: str = "retention review exported (avert retention --write-csv)",
) -> int:
    """Write the review's people to an owner-only CSV file; return the row count.

    Audited first as an export naming the file and the people (count and digest);
    cells cannot run as spreadsheet formulas (:func:`avert.files.write_csv`).
    """
    audit.record(
        store,
        action="export",
        obj=f"retention:{path}",
        reason=reason,
        user=user,
        detail=audit.describe(location=str(path), people=review.people["person_id"]),
    )
    write_csv(review.people, path)
    return review.people.height
