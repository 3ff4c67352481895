"""The stale-classifications note on every output that reads classifications.

The analyses, the briefing, the Incidents page, the board pack, groups and
retaliation carried it; families, a person's network and person page, the delivery
checks and the retention review read the same classifications (their harm, their
categories) without a word. Each now carries the one note of
:func:`avert.workflows.staleness.staleness_notes`, and the *Today* page's cached
briefing shows it as soon as the definition or harm table in force changes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.config.definitions import harm_path, profile_path
from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows.definitions import classify_store

_AT = dt.datetime(2024, 6, 1, 12)
_STALE = "Stale classifications:"
_NEW_RULE = """
[[rules]]
id = "mine.public_order"
category = "harassment"
clause = "public fear, alarm or distress"
offence_codes = ["9A"]
"""


def _store_with_people(store: Store) -> None:
    """Two violent incidents between two kin (a family), classified."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["v1", "v2"],
            "source": ["test", "test"],
            "occurred_from": [_AT, _AT + dt.timedelta(days=1)],
            "time_precision": ["exact", "exact"],
            "offence_code": ["8N", "8N"],
        }
    )
    people = pl.DataFrame({"person_id": ["P1", "P2"]})
    involvements = pl.DataFrame(
        {
            "incident_id": ["v1", "v1", "v2", "v2"],
            "person_id": ["P1", "P2", "P1", "P2"],
            "role": ["offender", "victim", "offender", "victim"],
        }
    )
    relationships = pl.DataFrame(
        {"person_a": ["P1"], "person_b": ["P2"], "kind": ["sibling"]}
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("people", people)
        tx.append("involvements", involvements)
        tx.append("relationships", relationships)
    classify_store(store, profile="avb-2010")


def _other_harm(tmp_path: Path) -> Path:
    other = tmp_path / "harm_other.toml"
    text = harm_path().read_text(encoding="utf-8")
    other.write_text(text.replace("days = 18.75", "days = 19.75", 1), "utf-8")
    return other


def _stale(notes: object) -> list[str]:
    assert isinstance(notes, list | tuple)
    return [str(n) for n in notes if str(n).startswith(_STALE)]


def test_person_network_and_page_carry_the_note(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avert.workflows.networks import person_report
    from avert.workflows.users import User
    from avert.workflows.views import person_view

    _store_with_people(sqlite_store)
    assert _stale(person_report(sqlite_store, "P1")["notes"]) == []
    monkeypatch.setenv("AVERT_HARM_TABLE", str(_other_harm(tmp_path)))
    assert len(_stale(person_report(sqlite_store, "P1")["notes"])) == 1
    found = person_view(
        sqlite_store,
        load_settings(),
        user=User("ana", "analyst"),
        person_id="P1",
        purpose="daily risk meeting",
    )
    assert len(_stale(found["network"]["notes"])) == 1


def test_families_carry_the_note(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    _store_with_people(sqlite_store)
    db = sqlite_store.url.sqlalchemy
    args = ["--db", db, "analyse", "families", "--json"]

    def notes(env: dict[str, str]) -> list[str]:
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
        return [str(n) for n in json.loads(result.stdout)["notes"]]

    assert _stale(notes({"AVERT_HARM_TABLE": ""})) == []
    stale = _stale(notes({"AVERT_HARM_TABLE": str(_other_harm(tmp_path))}))
    assert len(stale) == 1


def test_delivery_checks_carry_the_note(sqlite_store: Store, tmp_path: Path) -> None:
    from avert.workflows import delivery
    from avert.workflows.users import User

    _store_with_people(sqlite_store)
    user = User("ana", "analyst")
    packaged = load_settings({})
    switched = packaged.with_overrides(harm_table=str(_other_harm(tmp_path)))
    today = _AT.date()
    assert (
        delivery.checks_view(sqlite_store, packaged, user=user, today=today)["notes"]
        == []
    )
    found = delivery.checks_view(sqlite_store, switched, user=user, today=today)
    assert len(_stale(found["notes"])) == 1


def test_retention_review_carries_the_note(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avert.workflows.retention import retention_review

    _store_with_people(sqlite_store)
    as_of = _AT + dt.timedelta(days=30)
    review = retention_review(sqlite_store, profile="avb-2010", as_of=as_of)
    assert _stale(review.notes) == []
    # the groups come from the categories, never the harm: another harm table
    # alone moves nothing, and 'avert classify' would change no group
    monkeypatch.setenv("AVERT_HARM_TABLE", str(_other_harm(tmp_path)))
    review = retention_review(sqlite_store, profile="avb-2010", as_of=as_of)
    assert _stale(review.notes) == []
    # an edited definition does move them
    monkeypatch.setenv("AVERT_HARM_TABLE", "")
    text = profile_path("avb-2010").read_text(encoding="utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text(text.replace('id = "avb-2010"', 'id = "mine"', 1), "utf-8")
    classify_store(sqlite_store, profile=str(mine))
    monkeypatch.setenv("AVERT_DEFINITION", str(mine))
    assert (
        _stale(retention_review(sqlite_store, profile="mine", as_of=as_of).notes) == []
    )
    mine.write_text(
        text.replace('id = "avb-2010"', 'id = "mine"', 1) + _NEW_RULE, "utf-8"
    )
    review = retention_review(sqlite_store, profile="mine", as_of=as_of)
    assert len(_stale(review.notes)) == 1
    assert len(_stale(review.to_json()["notes"])) == 1


def test_today_cache_shows_the_note_at_once(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the harm table in force changes with no write to the store (an edited file):
    # the cached briefing (ten minutes) must not hide the note until it expires
    from avert.workflows.users import User
    from avert.workflows.views import BriefingCache, briefing_view

    _store_with_people(sqlite_store)
    other = tmp_path / "harm_mine.toml"
    other.write_text(harm_path().read_text(encoding="utf-8"), "utf-8")
    monkeypatch.setenv("AVERT_HARM_TABLE", str(other))
    settings = load_settings()
    classify_store(sqlite_store, profile="avb-2010", harm=_load_harm(other))
    cache = BriefingCache()
    user = User("chair", "analyst")
    at = _AT + dt.timedelta(days=1, hours=6)

    def notes() -> list[str]:
        view = briefing_view(sqlite_store, settings, user=user, at=at, cache=cache)
        return _stale(view.data["notes"])

    assert notes() == []
    text = other.read_text(encoding="utf-8")
    other.write_text(text.replace("days = 18.75", "days = 19.75", 1), "utf-8")
    assert len(notes()) == 1


def _load_harm(path: Path) -> object:
    from avert.config.definitions import load_harm

    return load_harm(path)


def test_plan_status_and_the_plan_board_and_person_page_show_the_note(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the CLI's plan status (text and --json) and the web's plan board and person
    # page print what the workflows return: each edge is checked, not only the data
    import json
    import secrets

    from avert.web import create_app
    from avert.workflows.users import add_user
    from web.helpers import PASSWORD, SECRET, csrf_of, signed_in

    _store_with_people(sqlite_store)
    other = str(_other_harm(tmp_path))
    db = sqlite_store.url.sqlalchemy
    for env, n in (({"AVERT_HARM_TABLE": ""}, 0), ({"AVERT_HARM_TABLE": other}, 1)):
        result = CliRunner().invoke(
            app, ["--db", db, "plan", "status", "--json"], env=env
        )
        assert result.exit_code == 0, result.output
        assert len(_stale(json.loads(result.stdout)["notes"])) == n
    text = CliRunner().invoke(app, ["--db", db, "plan", "status"], env=env)
    assert _STALE in " ".join(text.stdout.split())

    # the web app runs under the process's settings (avert web: the environment),
    # which the person page's network read consults as every analysis does
    monkeypatch.setenv("AVERT_HARM_TABLE", other)
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
        harm_table=other,
    )
    client = signed_in(create_app(settings, sqlite_store), "analyst")
    board = client.get("/plan")
    assert board.status_code == 200, board.text[:800]
    assert 'id="checks-notes"' in board.text
    assert _STALE in board.text
    token = csrf_of(client.get("/today").text)
    page = client.post("/people/P1", data={"csrf_token": token, "purpose": "check"})
    assert page.status_code == 200, page.text[:800]
    assert 'class="stale-note"' in page.text


def test_the_board_pack_carries_the_note_of_its_checks(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # the pack prints the checks' top-harm subjects, as the plan board does: it
    # carried no word when their harm was classified under another table
    import secrets

    from avert.workflows import delivery

    _store_with_people(sqlite_store)
    packaged = load_settings({}).with_overrides(pseudonym_key=secrets.token_urlsafe(32))
    switched = packaged.with_overrides(harm_table=str(_other_harm(tmp_path)))
    month = f"{_AT:%Y-%m}"
    assert (
        _stale(delivery.board_pack_data(sqlite_store, packaged, month=month)["notes"])
        == []
    )
    found = delivery.board_pack_data(sqlite_store, switched, month=month)
    assert len(_stale(found["notes"])) == 1


def test_kept_person_network_and_groups_show_the_note_at_once(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the web app keeps the store's network of the person page and the groups'
    # analysis ten minutes per data generation: an edited harm table (no write to
    # the store) must show its note on the next view, as the Today page's does
    from avert.workflows.users import User
    from avert.workflows.views import ResultCache, groups_view, person_view

    _store_with_people(sqlite_store)
    other = tmp_path / "harm_mine.toml"
    other.write_text(harm_path().read_text(encoding="utf-8"), "utf-8")
    monkeypatch.setenv("AVERT_HARM_TABLE", str(other))
    settings = load_settings()
    classify_store(sqlite_store, profile="avb-2010", harm=_load_harm(other))
    people: ResultCache[object] = ResultCache(ttl_s=600.0, max_entries=2)
    groups: ResultCache[object] = ResultCache(ttl_s=600.0, max_entries=8)
    user = User("ana", "analyst")

    def notes() -> tuple[list[str], list[str]]:
        page = person_view(
            sqlite_store,
            settings,
            user=user,
            person_id="P1",
            purpose="daily risk meeting",
            cache=people,
        )
        listed = groups_view(sqlite_store, settings, user=user, cache=groups)
        return _stale(page["network"]["notes"]), _stale(listed["notes"])

    assert notes() == ([], [])
    text = other.read_text(encoding="utf-8")
    other.write_text(text.replace("days = 18.75", "days = 19.75", 1), "utf-8")
    person_notes, group_notes = notes()
    assert len(person_notes) == 1
    assert len(group_notes) == 1
