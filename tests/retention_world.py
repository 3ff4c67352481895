"""Eight people, each kept in the store by one kind of record (retention tests)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store

#: The review date of the tests.
AS_OF = dt.datetime(2026, 6, 1)


def load_retention_world(store: Store) -> None:
    """Seven people, each kept by one kind of record.

    - ``rapist``: offender in serious_sexual, 2015 (group 1, due 2025)
    - ``assaulter``: suspect in assault_with_injury, 2017 (group 2, due 2027)
    - ``old_victim``: victim of the 2015 rape (group 3, due 2021)
    - ``recent``: offender in serious_sexual 2010 but stopped in 2024: the stop
      restarts the clear period (group 1, due 2034)
    - ``informed``: intelligence subject 2019 (group 3, due 2025)
    - ``member``: declared group member since 2021 (group 3, due 2027)
    - ``nobody``: in the people table only (no linked record: due)
    - ``sister``: named only as the rapist's relation (due: no record of hers)
    """
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4"],
            "occurred_from": [
                dt.datetime(2015, 2, 1, 22),
                dt.datetime(2017, 3, 1),
                dt.datetime(2010, 1, 1),
                dt.datetime(2016, 1, 1),
            ],
            "time_precision": ["exact"] * 4,
        }
    )
    classes = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4"],
            "profile": ["avb-2010"] * 4,
            "in_definition": [True, True, True, False],
            "category": [
                "serious_sexual",
                "assault_with_injury",
                "serious_sexual",
                None,
            ],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i1", "i2", "i3"],
            "person_id": ["rapist", "old_victim", "assaulter", "recent"],
            "role": ["offender", "victim", "suspect", "offender"],
        }
    )
    people = ["rapist", "assaulter", "old_victim", "recent", "informed", "member"]
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("classifications", classes)
        tx.append("involvements", involvements)
        tx.append("people", pl.DataFrame({"person_id": [*people, "nobody"]}))
        tx.append(
            "stops",
            pl.DataFrame(
                {
                    "stop_id": ["s1"],
                    "occurred_at": [dt.datetime(2024, 4, 1)],
                    "person_id": ["recent"],
                }
            ),
        )
        tx.append(
            "intelligence",
            pl.DataFrame(
                {
                    "intel_id": ["n1", "n2"],
                    "recorded_at": [dt.datetime(2019, 5, 1), dt.datetime(2025, 5, 1)],
                    "subject_type": ["person", "group"],
                    "subject_id": ["informed", "g1"],
                }
            ),
        )
        tx.append(
            "relationships",
            pl.DataFrame(
                {"person_a": ["rapist"], "person_b": ["sister"], "kind": ["sibling"]}
            ),
        )
        tx.append("groups", pl.DataFrame({"group_id": ["g1"]}))
        tx.append(
            "group_members",
            pl.DataFrame(
                {
                    "group_id": ["g1"],
                    "person_id": ["member"],
                    "since": [dt.date(2021, 1, 1)],
                }
            ),
        )
