"""One reader of classified incidents, one policy when classifications are missing.

The analyses (``workflows.analysis``), the board's performance figures
(``workflows.board``) and the network analyses read incidents through
``load_analysis_incidents``; the briefing applies the same
``classification_policy`` to its reads. With no stored classification the analyses
analyse every incident and say so, while the network analyses and the briefing
stop; with some incidents unclassified a note counts them and violence-only
figures leave them out. Nothing is classified on the fly.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.errors import NotFound
from avert.store import Store
from avert.workflows.analysis import load_analysis_incidents
from avert.workflows.briefing import read_briefing_frames
from avert.workflows.definitions import classify_store
from avert.workflows.networks import read_network_frames
from avert.workflows.performance import _incidents as performance_incidents

_DAY = dt.date(2024, 6, 1)


def _append(store: Store, ids: list[str], crime_types: list[str]) -> None:
    at = dt.datetime.combine(_DAY, dt.time(12))
    frame = pl.DataFrame(
        {
            "incident_id": ids,
            "source": ["test"] * len(ids),
            "occurred_from": [at] * len(ids),
            "time_precision": ["exact"] * len(ids),
            "crime_type": crime_types,
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)


def _both(
    store: Store, *, violence_only: bool
) -> tuple[set[str], set[str], tuple[str, ...], list[str]]:
    frames = load_analysis_incidents(
        store,
        profile="avb-2010",
        date_from=dt.datetime.combine(_DAY, dt.time()),
        date_to=dt.datetime.combine(_DAY + dt.timedelta(days=1), dt.time()),
        violence_only=violence_only,
    )
    board, _, notes = performance_incidents(
        store,
        by=None,
        date_from=_DAY,
        date_to=_DAY,
        profile="avb-2010",
        violence_only=violence_only,
    )
    return (
        set(frames.incidents["incident_id"]),
        set(board["incident_id"]),
        frames.notes,
        notes,
    )


def test_no_classifications_every_incident_counts_in_both(sqlite_store: Store) -> None:
    _append(sqlite_store, ["v1", "t1"], ["Violence and sexual offences", "Shoplifting"])
    analysed, board, notes, board_notes = _both(sqlite_store, violence_only=True)
    assert analysed == board == {"v1", "t1"}
    assert any("No classifications for definition 'avb-2010'" in n for n in notes)
    assert board_notes[: len(notes)] == list(
        notes
    )  # the same policy, said the same way


def test_unclassified_incidents_are_counted_and_left_out_in_both(
    sqlite_store: Store,
) -> None:
    _append(sqlite_store, ["v1", "t1"], ["Violence and sexual offences", "Shoplifting"])
    classify_store(sqlite_store, profile="avb-2010")
    _append(sqlite_store, ["v2"], ["Violence and sexual offences"])  # not classified
    analysed, board, notes, board_notes = _both(sqlite_store, violence_only=True)
    assert analysed == board == {"v1"}
    assert any(
        "1 incidents have no classification" in n and "left out" in n for n in notes
    )
    assert board_notes == list(notes)
    analysed, board, notes, _ = _both(sqlite_store, violence_only=False)
    assert analysed == board == {"v1", "t1", "v2"}
    assert any("count in no category" in n for n in notes)


def test_network_analyses_stop_without_classifications(sqlite_store: Store) -> None:
    """The network analyses rank by the definition: nothing is classified on the fly."""
    _append(sqlite_store, ["v1"], ["Violence and sexual offences"])
    with pytest.raises(NotFound, match="avert classify"):
        read_network_frames(sqlite_store, profile="avb-2010")
    classify_store(sqlite_store, profile="avb-2010")
    _append(sqlite_store, ["v2"], ["Violence and sexual offences"])  # not classified
    frames = read_network_frames(sqlite_store, profile="avb-2010")
    by_id = dict(frames.incidents.select("incident_id", "in_definition").iter_rows())
    assert by_id == {"v1": True, "v2": False}


def test_briefing_counts_unclassified_incidents_and_stops_without_any(
    sqlite_store: Store,
) -> None:
    at = dt.datetime.combine(_DAY + dt.timedelta(days=1), dt.time(6))
    _append(sqlite_store, ["v1"], ["Violence and sexual offences"])
    with pytest.raises(NotFound, match="avert classify"):
        read_briefing_frames(sqlite_store, at=at)
    classify_store(sqlite_store, profile="avb-2010")
    _, notes = read_briefing_frames(sqlite_store, at=at)
    assert not any("classification" in n for n in notes)
    _append(sqlite_store, ["v2"], ["Violence and sexual offences"])  # not classified
    frames, notes = read_briefing_frames(sqlite_store, at=at)
    assert set(frames["incidents"]["incident_id"]) == {"v1", "v2"}
    # the briefing reads a missing classification as outside the definition
    assert any(
        "1 incidents have no classification" in n and "kept outside the definition" in n
        for n in notes
    )
