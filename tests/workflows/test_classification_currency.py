"""The digests stored with a profile's classifications, on SQLite and PostgreSQL.

``classify_store`` writes the profile's ``classification_runs`` row with its
classifications; ``check_currency`` compares it with the definition and harm table
in force; the analyses' one reader carries the note. A store classified before
(no row) says nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from avert.config.definitions import harm_path, load_harm
from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows.analysis import load_analysis_incidents
from avert.workflows.definitions import classify_store
from avert.workflows.staleness import check_currency

_AT = dt.datetime(2024, 6, 1, 12)


def _incidents(store: Store) -> None:
    frame = pl.DataFrame(
        {
            "incident_id": ["v1", "t1"],
            "source": ["test", "test"],
            "occurred_from": [_AT, _AT],
            "time_precision": ["exact", "exact"],
            "offence_code": ["8N", "46"],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)


def _other_harm(tmp_path: Path) -> Path:
    other = tmp_path / "harm_other.toml"
    text = harm_path().read_text(encoding="utf-8")
    other.write_text(text.replace("days = 18.75", "days = 19.75", 1), "utf-8")
    return other


def test_classify_stores_the_digests_and_a_harm_switch_is_named(
    any_store: Store, tmp_path: Path
) -> None:
    _incidents(any_store)
    packaged = load_settings({})
    other = _other_harm(tmp_path)
    switched = packaged.with_overrides(harm_table=str(other))
    classify_store(any_store, profile="avb-2010")
    assert check_currency(any_store, "avb-2010", settings=packaged).state == "current"
    stale = check_currency(any_store, "avb-2010", settings=switched)
    assert (stale.state, stale.changed()) == ("stale", "harm table")
    assert stale.classified_at is not None
    # classified again with the table in force: current under it, stale under the other
    classify_store(any_store, profile="avb-2010", harm=load_harm(other))
    assert check_currency(any_store, "avb-2010", settings=switched).state == "current"
    assert check_currency(any_store, "avb-2010", settings=packaged).state == "stale"
    assert any_store.count("classification_runs") == 1


def test_the_analyses_one_reader_carries_the_note(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _incidents(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    monkeypatch.setenv("AVERT_HARM_TABLE", str(_other_harm(tmp_path)))
    notes = load_analysis_incidents(sqlite_store, profile="avb-2010").notes
    assert sum(n.startswith("Stale classifications:") for n in notes) == 1
    monkeypatch.setenv("AVERT_HARM_TABLE", "")
    notes = load_analysis_incidents(sqlite_store, profile="avb-2010").notes
    assert not any(n.startswith("Stale classifications:") for n in notes)


def test_classified_before_the_digests_says_nothing(sqlite_store: Store) -> None:
    _incidents(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    with sqlite_store.transaction() as tx:
        tx._execute('DELETE FROM "classification_runs"')
    assert check_currency(sqlite_store, "avb-2010").state == "unknown"
    notes = load_analysis_incidents(sqlite_store, profile="avb-2010").notes
    assert not any(n.startswith("Stale classifications:") for n in notes)


def test_the_incidents_page_names_stale_classifications(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from avert.workflows.users import User
    from avert.workflows.views import incidents_view

    _incidents(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    switched = load_settings({}).with_overrides(harm_table=str(_other_harm(tmp_path)))
    window = {"date_from": _AT, "date_to": _AT + dt.timedelta(days=1)}
    user = User("ana", "analyst")
    # the other notes (why a listed incident's "Where" is empty) are not about
    # classifications
    found = incidents_view(sqlite_store, switched, user=user, **window)
    stale = [n for n in found["notes"] if n.startswith("Stale classifications:")]
    assert len(stale) == 1, found["notes"]
    found = incidents_view(sqlite_store, load_settings({}), user=user, **window)
    assert not [n for n in found["notes"] if "classif" in n.lower()], found["notes"]


def test_the_note_does_not_call_the_table_classified_with_the_older(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # classified with a newer table (--harm) while the setting still names the
    # packaged one: the stored figures are not "from the older harm table"
    _incidents(sqlite_store)
    classify_store(
        sqlite_store, profile="avb-2010", harm=load_harm(_other_harm(tmp_path))
    )
    note = check_currency(sqlite_store, "avb-2010", settings=load_settings({})).note()
    assert note is not None
    assert "older" not in note
    assert "from the harm table they were classified under" in note


def test_the_network_analyses_carry_the_note(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # groups and retaliation rank by the definition's harm: stale, they say so
    from avert.workflows.networks import group_analysis, retaliation_report

    _incidents(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    monkeypatch.setenv("AVERT_HARM_TABLE", str(_other_harm(tmp_path)))
    since = _AT - dt.timedelta(days=7)
    for notes in (
        group_analysis(sqlite_store, profile="avb-2010").notes,
        retaliation_report(sqlite_store, since=since, profile="avb-2010").notes,
    ):
        assert sum(n.startswith("Stale classifications:") for n in notes) == 1
    monkeypatch.setenv("AVERT_HARM_TABLE", "")
    notes = group_analysis(sqlite_store, profile="avb-2010").notes
    assert not any(n.startswith("Stale classifications:") for n in notes)
