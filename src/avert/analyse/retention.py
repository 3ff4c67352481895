"""Retention review: whose records are due for review, and why.

Method. The College of Policing's Authorised Professional Practice on the management
of police information (APP, "Review, retention and disposal"; the Code of Practice on
the Management of Police Information, 2005) sorts a person's records into three
groups by the most serious matter they are recorded for, and sets when each must be
reviewed:

* **group 1**, certain public protection matters (serious specified violent and
  sexual offences): kept while the person lives (to age 100), reviewed every
  10 years;
* **group 2**, other sexual, violent or serious offences: reviewed after a 10-year
  *clear period* (no further record);
* **group 3**, all other matters: reviewed after a 6-year clear period, and
  disposed of when no policing purpose remains.

avert holds only what a bundle gives it, so it approximates the groups from the
definition's categories: a suspect or offender in ``most_serious_violence`` or
``serious_sexual`` is group 1; a suspect or offender in any other category of the
violence definition is group 2; everyone else (other offending, victims, witnesses,
ASB callers, people stopped, intelligence subjects, victims with a DASH risk
assessment, group members, people a meeting tasking names) is group 3. The clear period runs from the person's latest record of any kind, since a new record
restarts it. A person with no dated record at all (in the people table only, or
named only as someone's relation) is due at once: no record of theirs justifies
keeping them, and the review decides whether a relative's link still serves a
policing purpose. The periods are the APP's defaults; forces set their
own (``clear_years``), and the decision to retain or dispose is a person's, recorded
in the force's records system: avert lists who is due, it deletes nothing.

The Information Commissioner (2018) found the Metropolitan Police Gangs Violence
Matrix had no retention review; this is avert's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

import polars as pl

__all__ = [
    "DEFAULT_CLEAR_YEARS",
    "GROUP_1_CATEGORIES",
    "OFFENDING_ROLES",
    "retention_groups",
    "review_due",
]

#: Years from the latest record to the review, by group (the APP's defaults).
DEFAULT_CLEAR_YEARS: Final[Mapping[int, int]] = {1: 10, 2: 10, 3: 6}
#: Definition categories whose suspects and offenders are group 1.
GROUP_1_CATEGORIES: Final = ("most_serious_violence", "serious_sexual")
#: The involvement roles that count as offending.
OFFENDING_ROLES: Final = ("suspect", "offender")

#: The sources that list a person without a record of theirs.
_UNDATED: Final = ("person", "relation")
_BASIS: Final[Mapping[int, str]] = {
    1: "suspect or offender in a group 1 category",
    2: "suspect or offender in the violence definition",
    3: "other records only",
}


def retention_groups(records: pl.DataFrame) -> pl.DataFrame:
    """Each person's retention group and latest record, from their records.

    ``records`` has a row per person and kind of record: ``person_id``, ``source``
    (an involvement role such as ``offender``, or ``intelligence``, ``asb_caller``,
    ``stop``, ``dash``, ``group_member``, ``person``, ``relation``), ``category`` (the
    definition category of an involvement's incident, else null) and ``last_at``
    (the latest such record; null for the undated ``person`` and ``relation``
    rows). Returns one row per person: ``person_id``, ``retention_group`` (1, 2 or
    3), ``basis`` (why that group; for a person with no dated record, whether their
    records carry no date, as a group membership without ``since`` may, or they are
    named only as someone's relation) and ``last_record_at``.

    >>> import datetime as dt
    >>> rows = pl.DataFrame({
    ...     "person_id": ["a", "a", "b"],
    ...     "source": ["offender", "victim", "person"],
    ...     "category": ["serious_sexual", None, None],
    ...     "last_at": [dt.datetime(2020, 1, 1), dt.datetime(2022, 5, 1), None],
    ... })
    >>> retention_groups(rows).rows()  # doctest: +NORMALIZE_WHITESPACE
    [('a', 1, 'suspect or offender in a group 1 category', datetime.datetime(2022, 5, 1, 0, 0)),
     ('b', 3, 'no linked record', None)]
    """
    offending = pl.col("source").is_in(OFFENDING_ROLES)
    group = (
        pl.when(offending & pl.col("category").is_in(GROUP_1_CATEGORIES))
        .then(1)
        .when(offending & pl.col("category").is_not_null())
        .then(2)
        .otherwise(3)
    )
    people = (
        records.with_columns(group.cast(pl.Int8).alias("retention_group"))
        .group_by("person_id")
        .agg(
            pl.col("retention_group").min(),
            pl.col("last_at").max().cast(pl.Datetime("us")).alias("last_record_at"),
            (pl.col("source") == "relation").any().alias("relation"),
            pl.col("source").is_in(_UNDATED).not_().any().alias("recorded"),
        )
    )
    basis = pl.col("retention_group").replace_strict(_BASIS, return_dtype=pl.String)
    return people.select(
        "person_id",
        "retention_group",
        pl.when(pl.col("last_record_at").is_not_null())
        .then(basis)
        .when(pl.col("recorded"))
        .then(pl.lit("undated records only"))
        .when(pl.col("relation"))
        .then(pl.lit("named only as someone's relation"))
        .otherwise(pl.lit("no linked record"))
        .alias("basis"),
        "last_record_at",
    ).sort("person_id")


def review_due(
    people: pl.DataFrame,
    *,
    as_of: dt.datetime,
    clear_years: Mapping[int, int] = DEFAULT_CLEAR_YEARS,
) -> pl.DataFrame:
    """When each person's records fall due for review, and whether they are by ``as_of``.

    ``people`` is :func:`retention_groups`' result. Adds ``review_due_at`` (the
    latest record plus the group's clear period in calendar years; null when there
    is no record) and ``due`` (true when ``review_due_at <= as_of``, and for a
    person with no linked record). Sorted with the due first: the longest overdue
    first, then those with no dated record (a batch, often relatives), each by
    ``person_id`` on ties; then the not yet due, soonest first.

    >>> import datetime as dt
    >>> rows = pl.DataFrame({
    ...     "person_id": ["a", "b"], "retention_group": [3, 2],
    ...     "basis": ["x", "y"],
    ...     "last_record_at": [dt.datetime(2018, 3, 1), dt.datetime(2018, 3, 1)],
    ... })
    >>> review_due(rows, as_of=dt.datetime(2024, 3, 1))["due"].to_list()
    [True, False]
    """
    missing = sorted({1, 2, 3} - set(clear_years))
    if missing or any(int(y) < 0 for y in clear_years.values()):
        msg = f"clear_years needs a period of 0 or more years for groups 1, 2 and 3 (got {dict(clear_years)})"
        raise ValueError(msg)
    years = pl.col("retention_group").replace_strict(
        {g: int(clear_years[g]) for g in (1, 2, 3)}, return_dtype=pl.Int64
    )
    due_at = pl.col("last_record_at").dt.offset_by(pl.format("{}y", years))
    return (
        people.with_columns(due_at.alias("review_due_at"))
        .with_columns(
            (
                pl.col("review_due_at").is_null()
                | (pl.col("review_due_at") <= pl.lit(as_of, dtype=pl.Datetime("us")))
            ).alias("due")
        )
        .sort(
            ["due", "review_due_at", "person_id"],
            descending=[True, False, False],
            nulls_last=True,
        )
    )
