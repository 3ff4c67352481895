"""A ``--from``/``--to`` window of concentration that cuts a police.uk month says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from avert.store import Store
from avert.workflows.analysis import run_concentration
from avert.workflows.load import load_files, refresh_after_load

DATA = Path(__file__).resolve().parents[1] / "data"


def test_a_window_cutting_a_police_uk_month_names_it(sqlite_store: Store) -> None:
    """London's `--from 2022-02-01 --to 2022-02-15` counted all 21,961 February
    records as that fortnight's, and `--from 2022-02-15` none, without a note
    (VOLT says so for its windows)."""
    report = load_files(sqlite_store, [DATA / "policeuk" / "2019-06"])
    refresh_after_load(sqlite_store, report, definition="avb-2010")
    whole = run_concentration(
        sqlite_store,
        entity="place",
        date_from=dt.datetime(2019, 6, 1),
        date_to=dt.datetime(2019, 7, 1),
    )
    n = whole.params["n_incidents"]  # violent incidents, with a place or not
    assert n > 0
    assert not [x for x in whole.notes if "month-dated" in x]
    first = run_concentration(
        sqlite_store,
        entity="place",
        date_from=dt.datetime(2019, 6, 1),
        date_to=dt.datetime(2019, 6, 15),
    )
    assert first.n_events == whole.n_events  # the window is kept as documented
    (note,) = [x for x in first.notes if "month-dated" in x]
    assert note.startswith(f"{n:,} month-dated incidents of 2019-06 are in the window")
    second = run_concentration(
        sqlite_store,
        entity="place",
        date_from=dt.datetime(2019, 6, 15),
        date_to=dt.datetime(2019, 7, 1),
    )
    assert second.n_events == 0
    (note,) = [x for x in second.notes if "month-dated" in x]
    assert note.startswith(f"{n:,} month-dated incidents of 2019-06 are left out")


def test_the_month_edge_note_does_not_read_every_classification_again(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note on a cut month read every classification of the definition a
    second time (about 0.3 s of a London quarter's 0.8 s), even for a window
    starting on the 1st, where no month can be cut at its start."""
    report = load_files(sqlite_store, [DATA / "policeuk" / "2019-06"])
    refresh_after_load(sqlite_store, report, definition="avb-2010")
    tables: list[str] = []
    read_frame = sqlite_store.read_frame

    def counted(table: str, *args: Any, **kwargs: Any) -> Any:
        tables.append(table)
        return read_frame(table, *args, **kwargs)

    monkeypatch.setattr(sqlite_store, "read_frame", counted)
    for start in (dt.datetime(2019, 6, 1), dt.datetime(2019, 6, 15)):
        tables.clear()
        run_concentration(
            sqlite_store,
            entity="place",
            date_from=start,
            date_to=dt.datetime(2019, 7, 1),
        )
        assert tables.count("classifications") == 1, (start, tables)


def test_a_date_alone_of_the_from_day_is_in_a_window_starting_that_morning(
    tmp_path: Path,
) -> None:
    """`--from 2024-04-01T06:00` compared a record dated 1 April alone (stored at
    00:00) with 06:00 and left it out, though it may have happened after (the
    briefing's window has it): now it is in by its day; one with its time at
    05:00 stays out."""
    import polars as pl

    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    store.upgrade()
    day = dt.datetime(2024, 4, 1)
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["alone", "five", "next"],
                    "occurred_from": [
                        day,
                        day + dt.timedelta(hours=5),
                        day + dt.timedelta(days=1),
                    ],
                    "x": [100.0, 100.0, 900.0],
                    "y": [100.0, 100.0, 900.0],
                    "time_precision": ["day", "exact", "exact"],
                    "source": ["test"] * 3,
                }
            ),
        )
    result = run_concentration(
        store,
        entity="place",
        cell_size_m=250.0,
        date_from=day + dt.timedelta(hours=6),
        date_to=dt.datetime(2024, 5, 1),
        violence_only=False,
    )
    assert result.params["n_incidents"] == 2
