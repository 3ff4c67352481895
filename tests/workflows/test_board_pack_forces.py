"""The board pack's ``--force`` scopes the principle checks' top-harm subjects.

A store of West Yorkshire's July 2018 beside City of London's 2019: `avert board
pack --month 2019-01 --force west-yorkshire` read "20 of the 20 top-harm places
have no action" of places counted over both forces, ignoring ``--force``.
"""

from __future__ import annotations

import datetime as dt
import secrets

import polars as pl

from avert.config.settings import load_settings
from avert.delivery.checks import Checks
from avert.store import Store
from avert.workflows import delivery

SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})


def _incidents(store: Store) -> None:
    """Three West Yorkshire cells (July 2018), two City of London cells (January
    2019) and one of a bundle naming no force, each harm in the definition."""
    forces = ["West Yorkshire Police"] * 3 + ["City of London Police"] * 2 + [None]
    ids = [f"i{k}" for k in range(6)]
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ids,
                    "source": ["policeuk"] * 5 + ["bundle"],
                    "force": forces,
                    "occurred_from": [dt.datetime(2018, 7, 1)] * 3
                    + [dt.datetime(2019, 1, 1)] * 3,
                    "time_precision": ["month"] * 5 + ["exact"],
                    "x": [1000.0 * k + 10 for k in range(6)],
                    "y": [2000.0] * 6,
                },
                schema_overrides={"force": pl.String},
            ),
        )
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": ids,
                    "profile": [SETTINGS.definition_id()] * 6,
                    "in_definition": [True] * 6,
                    "harm_days": [10.0, 20.0, 30.0, 100.0, 200.0, 5.0],
                }
            ),
        )


def _places(checks: Checks) -> int:
    tops = checks.top_subjects
    return int((tops["subject_type"] == "place").sum())


def test_force_scopes_the_top_harm_places(any_store: Store) -> None:
    _incidents(any_store)
    today = dt.date(2019, 1, 31)
    every = delivery.board_checks(any_store, SETTINGS, today=today)
    assert _places(every) == 6
    wy = delivery.board_checks(any_store, SETTINGS, today=today, force="west-yorkshire")
    assert _places(wy) == 3
    assert wy.summary["top_subjects"] == 3
    city = delivery.board_checks(
        any_store, SETTINGS, today=today, force="City of London Police"
    )
    assert _places(city) == 2


def test_the_pack_says_whose_top_subjects_it_counts(any_store: Store) -> None:
    _incidents(any_store)
    data = delivery.board_pack_data(
        any_store, SETTINGS, month="2019-01", force="west-yorkshire"
    )
    assert data["checks"]["top_subjects"] == 3
    assert (
        "The principle checks' top-harm subjects are of West Yorkshire Police's "
        "incidents alone (--police-force)." in data["notes"]
    ), data["notes"]
    every = delivery.board_pack_data(any_store, SETTINGS, month="2019-01")
    assert every["checks"]["top_subjects"] == 6


def test_a_force_with_no_incident_keeps_every_top_subject(any_store: Store) -> None:
    """--force chooses the equality section's stops too: London's street records
    (naming no force) beside the stops of every force needed `--force
    metropolitan`, and the pack's checks then counted no top-harm subject at all
    ('0 of 0') with a note that they were the Met's. No incident of the force:
    every incident's, and the note says why."""
    _incidents(any_store)
    data = delivery.board_pack_data(
        any_store, SETTINGS, month="2019-01", force="metropolitan"
    )
    assert data["checks"]["top_subjects"] == 6
    (note,) = [n for n in data["notes"] if "(--police-force;" in n]
    assert note.startswith(
        "No incident of the principle checks' 365 days is of Metropolitan Police"
    ), note
    assert "no force named: bundle" in note, note
    assert "City of London Police" in note, note
