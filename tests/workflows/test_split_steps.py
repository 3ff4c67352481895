"""The named steps split out of run_marac, retention_review and build_briefing."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.workflows.analysis import NO_PEOPLE_NOTE
from avert.workflows.briefing import _partner_scope
from avert.workflows.marac import (
    _NO_DASH_NOR_FLAG_NOTE,
    _NO_DASH_NOTE,
    _missing_records_notes,
)
from avert.workflows.retention import _by_group


def _incidents(domestic: list[bool | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"incident_id": [f"I{i}" for i in range(len(domestic))], "domestic": domestic},
        schema={"incident_id": pl.String, "domestic": pl.Boolean},
    )


def test_marac_notes_say_first_what_the_store_lacks() -> None:
    none = pl.DataFrame()
    some = pl.DataFrame({"x": [1]})
    notes = _missing_records_notes(("kept",), _incidents([None, None]), none, none)
    assert notes == (NO_PEOPLE_NOTE, _NO_DASH_NOR_FLAG_NOTE, "kept")
    notes = _missing_records_notes(("kept",), _incidents([True, None]), some, none)
    assert notes == (_NO_DASH_NOTE, "kept")
    assert _missing_records_notes(("kept",), _incidents([]), some, some) == ("kept",)


def test_retention_by_group_counts_every_group_zero_when_empty() -> None:
    reviewed = pl.DataFrame(
        {
            "retention_group": [1, 1, 3],
            "due": [True, False, True],
            "review_due_at": [None, dt.datetime(2030, 1, 1), dt.datetime(2020, 1, 1)],
        },
        schema={
            "retention_group": pl.Int8,
            "due": pl.Boolean,
            "review_due_at": pl.Datetime("us"),
        },
    )
    assert _by_group(reviewed).to_dicts() == [
        {"retention_group": 1, "people": 2, "due": 1, "due_undated": 1},
        {"retention_group": 2, "people": 0, "due": 0, "due_undated": 0},
        {"retention_group": 3, "people": 1, "due": 1, "due_undated": 0},
    ]


def test_briefing_partner_scope_none_for_police() -> None:
    # the police read no pseudonyms: no store is consulted, no setting read
    assert (
        _partner_scope(
            None,  # type: ignore[arg-type]
            "police",
            "board",
            organisation=None,
            own_words=True,
        )
        is None
    )
