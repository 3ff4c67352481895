"""A small literal world for the network tests: two groups, a conflict, a reprisal."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store

T0 = dt.datetime(2024, 1, 1, 12, 0)


def _day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def world() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Two groups (A: a1-a4 knife violence, B: b1-b3 thefts), a conflict and a reprisal."""
    inc: list[tuple[str, dt.datetime, float, bool, str]] = []
    inv: list[tuple[str, str, str]] = []
    # group A: 8 violent knife incidents over ~300 days, pairs rotating
    a = ["a1", "a2", "a3", "a4"]
    for k in range(8):
        iid = f"A{k}"
        inc.append((iid, _day(40 * k), 400.0, True, "knife"))
        inv += [(iid, a[k % 4], "offender"), (iid, a[(k + 1) % 4], "suspect")]
        inv.append((iid, f"v{k}", "victim"))
    # group B: 6 non-violent incidents, all three together
    for k in range(6):
        iid = f"B{k}"
        inc.append((iid, _day(30 * k + 5), 20.0, False, "none"))
        inv += [(iid, p, "offender") for p in ("b1", "b2", "b3")]
    # conflict: a1 stabs b1 (day 330), reprisal: b2 and b3 stab a2 (day 333)
    inc.append(("X1", _day(330), 1800.0, True, "knife"))
    inv += [("X1", "a1", "suspect"), ("X1", "b1", "victim")]
    inc.append(("X2", _day(333), 1800.0, True, "knife"))
    inv += [("X2", "b2", "suspect"), ("X2", "b3", "suspect"), ("X2", "a2", "victim")]
    incidents = pl.DataFrame(
        inc,
        schema=["incident_id", "occurred_from", "harm_days", "in_definition", "weapon"],
        orient="row",
    )
    involvements = pl.DataFrame(
        inv, schema=["incident_id", "person_id", "role"], orient="row"
    )
    relationships = pl.DataFrame(
        [
            ("a1", "s1", "sibling"),
            ("s1", "m1", "same_address"),
            ("b2", "z9", "associate"),
        ],
        schema=["person_a", "person_b", "kind"],
        orient="row",
    )
    return incidents, involvements, relationships


def fill_store(store: Store) -> None:
    """Write the world (incidents, involvements, kin, a declared group, classifications)."""
    incidents, involvements, relationships = world()
    with store.transaction() as tx:
        tx.append(
            "incidents",
            incidents.select("incident_id", "occurred_from", "weapon").with_columns(
                pl.lit("test").alias("source"), pl.lit("exact").alias("time_precision")
            ),
        )
        tx.append("involvements", involvements)
        tx.append("relationships", relationships)
        tx.append(
            "group_members",
            pl.DataFrame({"group_id": ["G-East", "G-East"], "person_id": ["a1", "a2"]}),
        )
        tx.append(
            "classifications",
            incidents.select(
                "incident_id",
                pl.lit("avb-2010").alias("profile"),
                "in_definition",
                "harm_days",
            ),
        )
