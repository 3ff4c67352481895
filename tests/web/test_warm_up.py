"""The web app's warm-up (avert.web.warm): the first person page and *Today* after
a start or a load find their results made, each view still audited."""

from __future__ import annotations

import time
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.errors import NotFound, StoreUnavailable
from avert.store import audit
from avert.web import create_app, warm
from web.helpers import World, csrf_of, signed_in


def _person_views(world: World) -> int:
    rows = audit.read(world.store, action="view")
    return rows.filter(pl.col("object").str.starts_with("person:")).height


def test_a_served_app_warms_at_start_and_after_a_load_each_view_audited(
    world: World,
) -> None:
    app = create_app(world.settings, world.store, warm_up=True)
    warming = app.state.warm_up
    before = _person_views(world)
    with TestClient(app):  # its start and end: the warm-up's
        deadline = time.monotonic() + 120
        while not warming.warmed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert warming.warmed == [world.store.generation()]
        assert _person_views(world) == before  # the warm-up shows no one
        ctx = app.state.avert
        assert len(ctx.person_networks._entries) == 1  # the network is made
        assert len(ctx.briefings._entries) == 1  # Today's default window
        client = signed_in(app, "chair")
        person = sorted(world.person_ids)[0]
        form = client.get(f"/people/{person}")
        client.post(
            f"/people/{person}",
            data={"purpose": "warm-up check", "csrf_token": csrf_of(form.text)},
            follow_redirects=False,
        )
        page = client.get(f"/people/{person}")
        assert page.status_code == 200
        assert _person_views(world) == before + 1  # the view is audited
        assert len(ctx.person_networks._entries) == 1  # drawn from the warm one
        # an unchanged generation is not warmed again; a new one is
        last = warming.warmed[-1]
        assert warming._warm_if_changed(last) == last
        assert warming._warm_if_changed(last - 1) == last
        assert warming.warmed == [last, last]
    assert warming._stopped.is_set()  # stopped with the app


@pytest.mark.parametrize(
    ("error", "tries"),
    [
        (NotFound("nothing classified"), 1),
        (ValueError("a fault"), 1),
        (StoreUnavailable("the database is not answering"), 3),
    ],
)
def test_a_failed_warm_up_waits_for_a_change_unless_the_database_was_down(
    world: World, monkeypatch: pytest.MonkeyPatch, error: Exception, tries: int
) -> None:
    """A warm-up that failed at a generation (nothing classified yet, a fault) was
    made again at every look (each 30 s), the same network read and the same line
    logged for as long as the data stayed the same; now at the next change. A
    database that did not answer is tried again at the next look."""
    made: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> None:
        made.append(1)
        raise error

    monkeypatch.setattr(warm, "warm_up_views", failing)
    warming = create_app(world.settings, world.store, warm_up=True).state.warm_up
    last = None
    for _ in range(3):  # three looks at one generation
        last = warming._warm_if_changed(last)
    assert len(made) == tries
    assert warming.warmed == []
    if tries == 1:
        assert last == world.store.generation()
        assert warming._warm_if_changed(last - 1) == last  # a change: tried again
        assert len(made) == 2


#: A fresh process builds the app over ``world``'s store, its start's checks made
#: to read nothing (as a start whose schema check is skipped or cached would), and
#: prints which of the driver's modules are loaded once the app is built.
_BUILT_APP_MODULES = """
import sys
import avert.workflows.admin as admin
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app

admin.schema_refusal = lambda store: None
url = sys.argv[1]
settings = load_settings({}).with_overrides(database_url=url, secret_key=sys.argv[2])
create_app(settings, Store(url))
print(",".join(m for m in ("adbc_driver_sqlite.dbapi", "pandas") if m in sys.modules))
"""


def test_the_app_imports_its_database_driver_when_it_is_built(world: World) -> None:
    """The first database read of a process imports ADBC's DB-API module, and
    through ``pyarrow.dataset`` pandas: 0.3 s of CPU (over a second loaded) that
    the first user's first page (a sign-in) paid, unless a check at the start
    happened to read the store. The app now imports it when it is built."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _BUILT_APP_MODULES,
            world.settings.database_url,
            world.settings.secret_key,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "adbc_driver_sqlite.dbapi,pandas"
