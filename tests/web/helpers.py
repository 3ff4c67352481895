"""Helpers of the web tests: the shared world, sign-in (client and browser), CSRF tokens."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import FastAPI
from fastapi.testclient import TestClient

from avert.config.settings import Settings
from avert.store import Store
from avert.workflows.demo import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD  # the demo makes one account per role with it
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


@dataclass(frozen=True)
class World:
    """The store, settings and app the web tests share (read-mostly)."""

    store: Store
    settings: Settings
    app: FastAPI
    person_ids: frozenset[str]
    demo_dir: Path  # the demo's own files: briefing/, board/, index.html


def migrated_store(path: Path, template_db: Path) -> Store:
    """A new SQLite store at ``path``, at the newest revision: a copy of the
    session's migrated ``template_db`` (tests/conftest.py), not every migration run
    again (about a second a store; tests/store/test_migrations.py runs them)."""
    shutil.copyfile(template_db, path)
    store = Store(f"sqlite:///{path}")
    store.check()  # at the newest revision (an upgrade would load every migration)
    return store


def two_forces_monthly_store(
    path: Path, template_db: Path, per_month: Callable[[str, dt.date], int]
) -> Store:
    """A migrated store holding Force A's and Force B's police.uk-style monthly
    violence records from January 2022 to December 2024, ``per_month(force,
    month)`` records each month (0: the month not loaded)."""
    store = migrated_store(path, template_db)
    months = pl.date_range(dt.date(2022, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    rows = [
        {"occurred_from": dt.datetime(m.year, m.month, 1), "force": force}
        for m in months.to_list()
        for force in ("Force A", "Force B")
        for _ in range(per_month(force, m))
    ]
    frame = pl.DataFrame(rows).with_columns(
        pl.format("i{}", pl.int_range(pl.len())).alias("incident_id"),
        pl.lit("policeuk").alias("source"),
        pl.lit("month").alias("time_precision"),
        pl.lit("Violence and sexual offences").alias("crime_type"),
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)
    return store


def ids_unwrapped(html: str) -> str:
    """``html`` with the spans that keep ids and pseudonyms on one line
    (``<span class="rec">P-55734B45BFB9</span>``, :func:`avert.web.filters.
    nobreak_ids`) taken off, so that text as read ("Check P-... with P-...")
    can be looked for in the page."""
    return re.sub(r'<span class="rec">([^<]*)</span>', r"\1", html)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def version_of(html: str, action: str | None = None) -> str:
    """The version of its record a page's form was opened at (the form posting to
    ``action``, else the page's first form that has one): every form that saves
    an action or a tasking sends it."""
    start = html.index(f'action="{action}"') if action else 0
    found = re.search(r'name="version" value="([^"]+)"', html[start:])
    assert found, f"no version in the form {action or ''}"
    return found.group(1)


#: Headless Chromium without its background traffic (no network at test time)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


#: a signed-in browser's cookies by (server, username): later pages of that user
#: start signed in (the form's sign-in is checked once a user and server, and by
#: ``fresh`` callers every time)
_SIGNED_IN: dict[tuple[str, str], Any] = {}


def sign_in_page(
    browser: object,
    base_url: str,
    username: str,
    *,
    fresh: bool = False,
    locale: str | None = None,
) -> tuple[object, list[str]]:
    """A new Playwright page of ``browser`` signed in as ``username`` on Today, and
    the list its console errors are collected in; ``locale``: the browser's
    language and formats (``"en-US"``), else Chromium's own.

    The first page of a user at ``base_url`` (and every page when ``fresh``) signs
    in through the form; later ones open Today with that sign-in's session cookie
    (a new browser context each), as a browser with the session kept would: the
    form's sign-in costs a page, a hash and a redirect a test. A session ended
    meanwhile (sent to the sign-in page) signs in through the form again.
    """
    state = None if fresh else _SIGNED_IN.get((base_url, username))
    page = browser.new_page(  # type: ignore[attr-defined]
        viewport={"width": 1366, "height": 900}, storage_state=state, locale=locale
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    if state is not None:
        page.goto(f"{base_url}/today")
        if page.url.startswith(f"{base_url}/today"):
            return page, errors
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/today")
    if not fresh:
        _SIGNED_IN[(base_url, username)] = page.context.storage_state()
    return page, errors


def open_record(page: Any, purpose: str) -> None:
    """Send a person's purpose form on ``page`` and wait for the record's ``load``
    event: its stylesheets applied.

    Waiting for an element of the record alone (``wait_for_selector``) measured the
    page before ``/static/avert.css`` had arrived (then fetched afresh each page,
    ``cache-control: no-store``), laid out by the inline briefing style alone: body
    1180 px wide, every table full width. Alone the sheet came in time; in CI's
    full run (``-n 2``, the server a thread of a busy test process) it did not, and
    the Family table measured 1,140 px for cells of 133 px.
    """
    page.fill("input[name=purpose]", purpose)
    page.click("form button[type=submit] >> nth=-1")  # waits for the commit
    page.wait_for_load_state("load")


def signed_in(app: FastAPI, username: str) -> TestClient:
    """A client with a session for ``username``."""
    client = TestClient(app)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


#: City of London Police, June 2019 (data.police.uk, OGL v3.0): month-only records
CITY_JUNE_2019 = Path(__file__).parents[1] / "data" / "policeuk" / "2019-06"


def city_month_db(root: Path, template_db: Path) -> Path:
    """A SQLite store in ``root`` of :data:`CITY_JUNE_2019` only, loaded with the
    command line (copy it: the session fixture ``city_month`` makes it once)."""
    from typer.testing import CliRunner

    from avert.cli import app as cli_app

    path = root / "month.db"
    migrated_store(path, template_db).close()
    res = CliRunner().invoke(
        cli_app,
        ["--db", f"sqlite:///{path}", "ingest", "policeuk", str(CITY_JUNE_2019)],
    )
    assert res.exit_code == 0, res.output
    return path


def city_month_app(root: Path, city_month: Path) -> FastAPI:
    """The web app over a copy in ``root`` of the store ``city_month`` (of
    :data:`CITY_JUNE_2019` only, :func:`city_month_db`), with one analyst account."""
    from avert.config.settings import load_settings
    from avert.web import create_app
    from avert.workflows.users import add_user

    path = root / "month.db"
    shutil.copyfile(city_month, path)
    url = f"sqlite:///{path}"
    store = Store(url)
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, store)
