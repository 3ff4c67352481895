"""The make-up of every list of people by sex, age band and ethnicity, beside the list.

Equality monitoring (AVB delivery plan 2010, Section C; the Gangs Violence Matrix
lesson, Amnesty International 2018): every list of people avert shows carries who
it falls on, against the population it was drawn from and against residents where
they are known. The figures come from one function,
:func:`avert.analyse.equality.list_make_up` (counts, shares, the ratio of listing
rates with its 95 % Katz interval); this module says which pool each briefing list
is drawn from and applies the partner small-cell rule
(:func:`avert.access.suppress_small_counts`, :data:`avert.access.SMALL_CELL_RULE`)
so a make-up never points at one person.

Pools (who a list is drawn from; the briefing's window):

* people of concern, retaliation possible targets, group members (and taskings,
  web app): suspects and offenders of the window's violent incidents;
* repeat victims: victims of the window's violent incidents;
* vulnerable ASB callers: callers who reported ASB in the window.

A list with people outside its pool (possible targets or group members who did not
offend in the window) is not drawn from that pool alone: its make-up gives the
list's own counts and shares beside the pool's (and the comparison with residents),
says how many are outside, and gives no listing-rate ratio, which would mean nothing.

Pure: frames in, JSON-ready dicts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import polars as pl

from avert.access import SMALL_CELL_RULE, Audience, suppress_small_counts
from avert.analyse.equality import (
    AGE_BANDS,
    GROUPS,
    ListMakeUp,
    list_make_up,
    make_up_order,
)
from avert.analyse.result import jsonable
from avert.briefing import dated_alone
from avert.briefing.context import OFFENDING_ROLES, BriefingContext
from avert.delivery.model import subject_type

__all__ = [
    "DERIVED",
    "LISTS",
    "POOL_OFFENDERS",
    "RELATIVE",
    "make_up",
    "make_up_section",
]

#: Pool of lists drawn from offending, in words.
POOL_OFFENDERS: Final = "suspects and offenders of the window's violent incidents"
#: The briefing's lists of people: key -> (label, pool in words).
LISTS: Final[Mapping[str, tuple[str, str]]] = {
    "people": ("people of concern (RFGH)", POOL_OFFENDERS),
    "repeat_victims": (
        "repeat victims hit again",
        "victims of the window's violent incidents",
    ),
    "asb_callers": ("vulnerable ASB callers", "callers who reported ASB in the window"),
    "retaliation_targets": ("possible targets of retaliation", POOL_OFFENDERS),
    "group_members": ("members of the groups in the briefing", POOL_OFFENDERS),
    "taskings": (
        "people the meeting tasked (overdue, due or done)",
        "victims, suspects and offenders of the window's violent incidents and "
        "callers who reported ASB in it",
    ),
}
#: Columns computed from the counts: withheld with the counts they come from.
DERIVED: Final[Mapping[str, tuple[str, ...]]] = {
    "share_listed": ("listed",),
    "share_pool": ("pool",),
    "rate_listed_of_pool": ("listed", "pool"),
    "ratio": ("listed", "pool"),
    "ci_low": ("listed", "pool"),
    "ci_high": ("listed", "pool"),
    "exact_ci_low": ("listed", "pool"),
    "significantly_above_1": ("listed", "pool"),
    "per_1000_residents": ("listed",),
    "ratio_residents": ("listed",),
    "ci_low_residents": ("listed",),
    "ci_high_residents": ("listed",),
}
#: Columns computed against the reference category's row (withheld with its counts).
RELATIVE: Final = (
    "ratio",
    "ci_low",
    "ci_high",
    "exact_ci_low",
    "significantly_above_1",
    "ratio_residents",
    "ci_low_residents",
    "ci_high_residents",
)
_DEMOGRAPHICS: Final = {
    "person_id": pl.String(),
    "sex": pl.String(),
    "birth_year": pl.Int32(),
    "ethnicity": pl.String(),
}


def _demographics(people: pl.DataFrame) -> pl.DataFrame:
    """``person_id``, ``sex``, ``birth_year``, ``ethnicity`` (nulls where absent)."""
    cols = [
        (pl.col(c) if c in people.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in _DEMOGRAPHICS.items()
    ]
    return people.select(cols).unique("person_id", keep="first")


def make_up(
    listed: Iterable[str],
    pool: Iterable[str],
    people: pl.DataFrame,
    *,
    at_year: int,
    key: str,
    label: str,
    pool_label: str,
    audience: Audience = "police",
    residents: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The make-up of one list, JSON-ready, as the audience may see it.

    Parameters
    ----------
    listed
        Person ids on the list (as shown: pseudonyms for partners).
    pool
        Person ids of the population the list was drawn from (same id space).
    people
        ``person_id`` with ``sex``, ``birth_year``, ``ethnicity`` (missing people
        and columns count as ``unknown``).
    at_year
        Year at which ages are taken.
    key, label, pool_label
        The list's key (``make_up`` of the briefing JSON), and in words, the list
        and its pool.
    audience
        ``partner``: the small-cell rule applies (:data:`SMALL_CELL_RULE`).
    residents
        ``dimension``, ``category``, ``population`` of the area's residents, or None.

    Returns
    -------
    dict
        ``list``, ``label``, ``n`` (people listed), ``pool`` (in words),
        ``n_pool``, ``added_to_pool`` (listed people outside the pool: then the
        rows have no ratio to the pool), ``residents`` (True when compared with residents), ``rows`` (one per
        dimension and category: ``listed``, ``pool``, shares, ``ratio`` with
        ``ci_low``/``ci_high``, and with residents ``per_1000_residents``,
        ``ratio_residents`` and its interval; for partners ``listed_withheld``,
        ``pool_withheld``), ``references``, ``notes`` and ``disclosure`` (the
        small-cell rule, partners only).
    """
    ids = list(dict.fromkeys(str(i) for i in listed if i is not None))
    pool_ids = {str(i) for i in pool if i is not None}
    outside = [i for i in ids if i not in pool_ids]
    known = residents if residents is not None and residents.height else None
    made, rows, notes = _list_against_pool(
        ids,
        pool_ids,
        outside,
        _demographics(people),
        at_year=at_year,
        residents=known,
        key=key,
        pool_label=pool_label,
    )
    if known is None:
        notes.append("Residents by sex, age and ethnicity are not known for this area.")
    disclosure = None
    if audience == "partner":
        rows = _partner_rows(rows, made.references)
        disclosure = SMALL_CELL_RULE
    return {
        "list": key,
        "label": label,
        "n": len(ids),
        "pool": pool_label,
        "n_pool": len(pool_ids),
        "added_to_pool": len(outside),
        "residents": known is not None,
        "rows": jsonable(rows),
        "references": dict(made.references),
        "notes": notes,
        "disclosure": disclosure,
    }


def _people_of(who: Iterable[str], demographics: pl.DataFrame) -> pl.DataFrame:
    """The people ``who``, sorted by id, with their :func:`_demographics` (nulls
    for one not known)."""
    keys = pl.DataFrame({"person_id": sorted(who)}, schema={"person_id": pl.String})
    return keys.join(demographics, on="person_id", how="left")


def _list_against_pool(
    ids: list[str],
    pool_ids: set[str],
    outside: list[str],
    demographics: pl.DataFrame,
    *,
    at_year: int,
    residents: pl.DataFrame | None,
    key: str,
    pool_label: str,
) -> tuple[ListMakeUp, pl.DataFrame, list[str]]:
    """The list's make-up (:func:`list_make_up`), its rows and notes: against its
    pool when every listed person is in it; else (``outside``: those who are
    not) the list's own counts (and residents) with the pool's counts beside them
    and no listing-rate ratio, and a note saying so."""
    if not outside:
        made = list_make_up(
            ids,
            _people_of(pool_ids, demographics),
            at_year=at_year,
            residents=residents,
            list_name=key,
        )
        return made, made.frame, list(made.notes)
    # not drawn from the pool: the list's own counts (and residents), the
    # pool's counts beside them, and no listing-rate ratio
    made = list_make_up(
        ids,
        _people_of(ids, demographics),
        at_year=at_year,
        residents=residents,
        list_name=key,
    )
    rows = _beside_pool(
        made.frame,
        list_make_up([], _people_of(pool_ids, demographics), at_year=at_year).frame,
    )
    return made, rows, [_outside_note(len(outside), len(ids), pool_label, pool_ids)]


def _outside_note(
    n_outside: int, n_listed: int, pool_label: str, pool_ids: set[str]
) -> str:
    """Why a list is not set against its pool: some listed are outside it, or the
    pool is empty (a Today of one hour with no violent incident still lists the
    live retaliation alerts' targets: its box read "against the 0 suspects and
    offenders", with "69 of the 69 listed are not among" them)."""
    if not pool_ids:
        return (
            f"There are no {pool_label} (the window has none) to set the list "
            "against: its own counts are given (and residents', where known), "
            "with no listing-rate ratio."
        )
    return (
        f"{n_outside} of the {n_listed} listed are not among the {pool_label}: "
        "the list is not drawn from them alone, so it is compared by shares "
        "(and with residents), with no listing-rate ratio."
    )


def _partner_rows(rows: pl.DataFrame, references: Mapping[str, str]) -> pl.DataFrame:
    """A partner's rows: every category shown (:func:`_with_every_category`) and
    the small-cell rule applied to ``listed`` and ``pool`` by dimension
    (:data:`SMALL_CELL_RULE`; ``references``: each dimension's reference
    category)."""
    is_reference = pl.col("category") == pl.col("dimension").replace_strict(
        dict(references), default=None, return_dtype=pl.String
    )
    return suppress_small_counts(
        _with_every_category(rows).with_columns(is_reference.alias("_reference")),
        ["listed", "pool"],
        by="dimension",
        derived=DERIVED,
        reference="_reference",
        relative=RELATIVE,
    ).drop("_reference")


#: The categories every partner breakdown shows, a zero where no one falls in one.
_EVERY_CATEGORY: Final = pl.DataFrame(
    {
        "dimension": ["sex"] * 2
        + ["age_band"] * len(AGE_BANDS)
        + ["ethnicity"] * len(GROUPS),
        "category": ["F", "M"] + [name for name, _, _ in AGE_BANDS] + list(GROUPS),
    }
)


def _with_every_category(rows: pl.DataFrame) -> pl.DataFrame:
    """Zero rows for the standard categories a breakdown lacks, before the small-cell
    rule: a list and pool of four men had one row per breakdown (``M``), so with
    the list's size shown, withholding that row alone still said all four were men;
    with ``F`` at zero beside it the rule withholds the zero too."""
    keys = ["dimension", "category"]
    missing = _EVERY_CATEGORY.join(rows.select(keys), on=keys, how="anti")
    if missing.height == 0:
        return rows
    zeros = missing.with_columns(
        pl.lit(0, dtype=rows.schema["listed"]).alias("listed"),
        pl.lit(0, dtype=rows.schema["pool"]).alias("pool"),
        *(
            pl.lit(0.0, dtype=rows.schema[c]).alias(c)
            for c in ("share_listed", "share_pool")
            if c in rows.columns
        ),
    )
    return pl.concat([rows, zeros], how="diagonal_relaxed").sort(make_up_order())


def _beside_pool(listed: pl.DataFrame, pool: pl.DataFrame) -> pl.DataFrame:
    """The list's make-up with the pool's counts and shares beside it, no ratio."""
    keys = ["dimension", "category"]
    out = listed.drop("pool", "share_pool").join(
        pool.select(*keys, "pool", "share_pool"), on=keys, how="full", coalesce=True
    )
    none = pl.lit(None, dtype=pl.Float64)
    return (
        out.with_columns(
            pl.col("listed").fill_null(0),
            pl.col("pool").fill_null(0),
            pl.col("share_listed").fill_null(0.0),
            pl.col("share_pool").fill_null(0.0),
            none.alias("rate_listed_of_pool"),
            none.alias("ratio"),
            none.alias("ci_low"),
            none.alias("ci_high"),
            none.alias("exact_ci_low"),
            pl.lit(value=False).alias("significantly_above_1"),
        )
        .select(listed.columns)
        .sort(make_up_order())
    )


def _ids(items: Sequence[Mapping[str, Any]], field: str) -> list[str]:
    out: list[str] = []
    for item in items:
        value = item.get(field)
        if isinstance(value, list):
            out.extend(str(v) for v in value if v is not None)
        elif value is not None:
            out.append(str(value))
    return out


def make_up_section(
    ctx: BriefingContext,
    *,
    people: Sequence[Mapping[str, Any]],
    repeat_victims: Sequence[Mapping[str, Any]],
    asb_callers: Sequence[Mapping[str, Any]],
    retaliation: Sequence[Mapping[str, Any]],
    groups: Iterable[str],
    taskings: Sequence[Mapping[str, Any]] = (),
) -> dict[str, dict[str, Any]]:
    """The make-up of each list of people of a briefing, keyed as :data:`LISTS`.

    ``groups``: the group ids the briefing names (their declared members are the
    ``group_members`` list). ``taskings``: the taskings section's items; those whose
    subject is a person make the ``taskings`` list. Lists without anyone are left
    out.
    """
    win = ctx.window_involvements
    offenders = win.filter(pl.col("role").is_in(list(OFFENDING_ROLES)))["person_id"]
    victims = win.filter(pl.col("role") == "victim")["person_id"]
    asb = ctx.frames["asb"]
    callers = asb.filter(  # one dated alone by its day (briefing.dated_alone)
        dated_alone.in_window("occurred_at", ctx.window_from, ctx.window_to)
    )["caller_id"]
    wanted = set(groups)
    members = ctx.members.filter(pl.col("group_id").is_in(sorted(wanted)))["person_id"]
    lists: dict[str, tuple[list[str], list[str]]] = {
        "people": (_ids(people, "person_id"), offenders.to_list()),
        "repeat_victims": (_ids(repeat_victims, "person_id"), victims.to_list()),
        "asb_callers": (_ids(asb_callers, "person_id"), callers.to_list()),
        "retaliation_targets": (
            _ids(retaliation, "possible_targets"),
            offenders.to_list(),
        ),
        "group_members": (members.to_list(), offenders.to_list()),
        "taskings": (
            [
                str(t["item_id"])
                for t in taskings
                if subject_type(str(t.get("item_kind"))) == "person"
                and t.get("item_id") is not None
            ],
            [*offenders.to_list(), *victims.to_list(), *callers.to_list()],
        ),
    }
    residents = ctx.frames.get("residents")
    out: dict[str, dict[str, Any]] = {}
    for key, (listed, pool) in lists.items():
        if not listed:
            continue
        label, pool_label = LISTS[key]
        out[key] = make_up(
            listed,
            pool,
            ctx.frames["people"],
            at_year=ctx.window_to.year,
            key=key,
            label=label,
            pool_label=pool_label,
            audience=ctx.audience,
            residents=residents,
        )
    return out
