"""A store that holds nothing yet (``avert db upgrade``, accounts only): each page
that is empty says why and what its reader can do, in their role's terms, and the
briefing says nothing is loaded, not that open incident data name no one."""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, World, migrated_store, signed_in

ROLES = ("admin", "analyst", "chair", "officer", "partner", "board")
LINE = re.compile(r'<p class="note nothing-loaded" id="nothing-loaded"[^>]*>(.*?)</p>')
PAGES = ("/today", "/places", "/meeting", "/performance", "/plan/mine")
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def empty(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Iterator[tuple[FastAPI, str]]:
    root: Path = tmp_path_factory.mktemp("empty")
    url = f"sqlite:///{root / 'avert.db'}"
    store = migrated_store(root / "avert.db", template_db)
    for role in ROLES:
        org = {"org": "Council"} if role == "partner" else {}
        add_user(store, role, password=PASSWORD, role=role, **org)
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    yield create_app(settings, store), url
    store.close()


def _text(page: str) -> str:
    return html.unescape(page)


@pytest.mark.parametrize("role", ROLES)
def test_each_empty_page_says_nothing_is_loaded_and_what_to_do(
    empty: tuple[FastAPI, str], role: str
) -> None:
    # Meeting, My actions and Performance said there was nothing, not why or
    # what to do; a partner, who cannot load data, is told whom to ask
    client = signed_in(empty[0], role)
    for path in PAGES:
        page = client.get(path)
        if page.status_code == 403:
            continue  # not the role's page
        assert page.status_code == 200, (role, path)
        said = LINE.search(_text(page.text))
        assert said, (role, path)
        line = said.group(1)
        assert line.startswith("No incidents are loaded yet"), (role, path)
        if role in ("admin", "analyst"):
            assert "'avert ingest'" in line
        elif role == "partner":
            assert "administrator or analyst loads the data: ask them" in line
            assert "avert ingest" not in line
        else:
            assert "administrator or analyst loads the data" in line


def test_the_briefing_of_an_empty_store_says_nothing_is_loaded(
    empty: tuple[FastAPI, str],
) -> None:
    # its notes said "data.police.uk and other open incident data name no one"
    # of a store that holds no data at all
    page = _text(signed_in(empty[0], "chair").get("/today").text)
    assert "open incident data name no one" not in page
    assert "No incidents are loaded yet (stops, populations and surveys" in page
    assert "'avert ingest'" in page


def test_places_says_why_it_has_no_places_on_its_own_page(
    empty: tuple[FastAPI, str],
) -> None:
    # "No places to show for this window." alone; the reason was in Today's notes
    page = _text(signed_in(empty[0], "chair").get("/places").text)
    assert "No places to show for this window: the store holds no incidents" in page
    assert "No violent incident with a place in the last 28 days" in page


def test_brief_on_an_empty_store_says_what_the_page_says(
    empty: tuple[FastAPI, str], tmp_path: Path
) -> None:
    at = dt.datetime.now().replace(microsecond=0).isoformat()
    result = CliRunner().invoke(
        cli_app,
        ["--db", empty[1], "brief", "--at", at, "--out", str(tmp_path), "--no-pdf"],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 0, result.output
    assert (
        "No incidents are loaded yet (stops, populations and surveys" in result.output
    )
    assert "'avert ingest'" in result.output
    assert "name no one" not in result.output


def _briefing_text(page: str) -> str:
    """The words of Today's briefing (its fragment), tags and styles dropped."""
    body = page[page.index('<div id="briefing">') :]
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.mark.parametrize("role", ["chair", "partner"])
def test_today_of_an_empty_store_says_nothing_is_loaded_in_each_section(
    empty: tuple[FastAPI, str], role: str
) -> None:
    """Today of a store holding nothing headed its incidents "day unknown" (the
    words of month-only data), said intelligence was not recorded "(its data hold
    incidents only)", listed notes that only follow from it (no groups, no top
    cells) and told a partner to run 'avert ingest' on the server. Each section
    now says nothing is loaded, and the note says who loads the data."""
    text = _briefing_text(signed_in(empty[0], role).get("/today").text)
    assert "day unknown" not in text
    assert "its data hold incidents only" not in text
    assert "No groups recorded" not in text
    assert "no top cells" not in text
    assert "highest harm first · no incidents loaded yet" in text
    said = "Not shown: no incidents are loaded yet (the note above says who loads the data)."
    assert text.count(said) == 3  # incidents, places, intelligence
    if role == "partner":
        assert "avert ingest" not in text
        assert "administrator or analyst loads the data: ask them" in text
    else:
        assert "An administrator or analyst loads data on avert's server" in text
    assert "imported on avert's server, by an administrator or analyst" in text


def test_today_of_a_window_after_the_latest_record_says_what_to_do(
    world: World,
) -> None:
    """A window after the store's latest incident was headed "day unknown" (no
    record is month-only there) and said only that none were loaded for it; it
    is now headed "no records for this window" and says how to brief on one."""
    page = signed_in(world.app, "chair").get(
        "/today", params={"at": "2100-01-01T06:00"}
    )
    assert page.status_code == 200
    text = _briefing_text(page.text)
    assert "day unknown" not in text
    assert "highest harm first · no records for this window" in text
    assert "before this window: none were loaded for it yet. Brief on a window" in text


def test_a_store_of_stops_only_is_not_said_to_hold_nothing(
    tmp_path: Path, template_db: Path
) -> None:
    """A store loaded with police.uk stop and search alone (January 2019, every
    force: 37,251 searches) read "Nothing is loaded yet: the store holds no
    incidents, and names no person, place or group" on Today, and "nothing loaded
    yet" on each tile and section, beside an Equality page showing those searches.
    It says now that no incidents are loaded, and that stops are not incidents."""
    from avert.workflows.load import load_files

    stops = DATA / "policeuk" / "2019-01" / "2019-01-cumbria-stop-and-search.csv"
    store = migrated_store(tmp_path / "avert.db", template_db)
    load_files(store, [stops])
    add_user(store, "chair", password=PASSWORD, role="chair")
    settings = load_settings({}).with_overrides(
        database_url=f"sqlite:///{tmp_path / 'avert.db'}",
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    try:
        text = _briefing_text(
            signed_in(create_app(settings, store), "chair").get("/today").text
        )
    finally:
        store.close()
    assert "nothing is loaded" not in text.lower()
    assert "nothing loaded" not in text.lower()
    assert (
        "No incidents are loaded yet (stops, populations and surveys are not "
        "incidents)" in text
    )
    assert "highest harm first · no incidents loaded yet" in text


@pytest.mark.parametrize("role", ["partner", "board"])
def test_an_empty_plan_says_where_its_actions_and_objectives_come_from(
    empty: tuple[FastAPI, str], role: str
) -> None:
    """My actions said "No actions for you." and the Plan's objectives "No
    objectives in the plan.", neither why nor where they come from: now each
    names whose actions are looked for and how a plan gets into avert."""
    client = signed_in(empty[0], role)
    mine = _text(client.get("/plan/mine").text)
    assert "No actions for you." not in mine
    assert f"No action of the plan is owned by {role}" in mine
    assert ("or led by Council" in mine) == (role == "partner")
    assert "<code>avert plan import</code>" in mine
    plan = _text(client.get("/plan").text)
    assert "No objectives in the plan: they come with the partnership's plan" in plan


def test_the_performance_forms_target_says_what_its_numbers_are(
    empty: tuple[FastAPI, str],
) -> None:
    """The target's fields read "Target change" (-0.10: a fraction, a percent?)
    and "by", which wrapped alone onto the form's next line: now each says what
    it takes."""
    page = _text(signed_in(empty[0], "board").get("/performance").text)
    assert "Target change <small>(a fraction: -0.10 is 10 % fewer)</small>" in page
    # a text field in the app's words since 2026-12-07 (web/dates.py), no longer
    # the browser's date field
    assert re.search(r"<label>Target reached by <input type=\"text\"", page)
    assert "<label>by <input" not in page


@pytest.mark.parametrize("role", ROLES)
def test_equality_says_who_runs_the_command_its_note_names(
    empty: tuple[FastAPI, str], role: str
) -> None:
    """Equality on a store without census denominators told a board member or a
    partner to "load census denominators with 'avert ingest population'", a
    command they cannot run, and no one to ask: those who do not run avert are
    now told who does."""
    page = signed_in(empty[0], role).get("/equality")
    if page.status_code == 403:
        return  # not the role's page
    text = _text(page.text)
    assert "Equality figures are not available:" in text
    assert "'avert " in text.split("Equality figures are not available:")[1]
    asked = (
        "avert's commands run on its server, by its administrator or analyst: ask them."
    )
    assert (asked in text) == (role not in ("admin", "analyst")), role
