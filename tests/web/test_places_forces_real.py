"""Places of two police forces far apart, from real police.uk months: West
Yorkshire's July 2018 beside City of London's July 2019, the City's month dated
July 2018 here so that one briefing's month holds both (the places and
incidents are the forces' own). The Places page mapped no hotspots at all over
them (one map from Leeds to London was refused): it now maps each force's own
and lists its top cells under its name."""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in

CELL_ID = re.compile(r"\b\d+m:E\d+:N\d+\b")


def test_places_page_maps_each_far_forces_own_hotspots(
    sqlite_store: Store, shared_path: Callable[..., Path], tmp_path: Path
) -> None:
    folder = tmp_path / "policeuk" / "2018-07"
    folder.mkdir(parents=True)
    leeds = shared_path("police-uk-street-west-yorkshire-2018-07")
    shutil.copy(leeds / "2018-07-west-yorkshire-street.csv", folder)
    city = shared_path("police-uk-street-city-of-london-2019")
    text = (city / "2019-07-city-of-london-street.csv").read_text(encoding="utf-8")
    (folder / "2018-07-city-of-london-street.csv").write_text(
        text.replace(",2019-07,", ",2018-07,"), encoding="utf-8"
    )
    loaded = CliRunner().invoke(
        cli_app,
        ["--db", sqlite_store.url.sqlalchemy, "ingest", "policeuk", str(folder)],
    )
    assert loaded.exit_code == 0, loaded.output
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    page = signed_in(create_app(settings, sqlite_store), "analyst").get("/places")
    assert page.status_code == 200, page.text
    said = " ".join(page.text.split())
    assert "far apart (City of London Police, West Yorkshire Police)" in said
    sections = page.text.split('<section class="force-places"')[1:]
    heads = [s[s.index("<h2>") + 4 : s.index("</h2>")] for s in sections]
    assert heads == ["City of London Police", "West Yorkshire Police"]
    cells = [set(CELL_ID.findall(s)) for s in sections]
    assert [len(c) for c in cells] == [10, 10]
    assert not cells[0] & cells[1]
    assert "No places planned" not in said
    assert "avert brief" not in said
