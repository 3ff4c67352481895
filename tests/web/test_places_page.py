"""The web Places page and ``avert forecast`` give the same answer.

The daily meeting reads the page and the analyst runs the command; for the same
store and time both list the same top cells, of the same size, with the same
backtested share (one default: the ``places_cell_m`` setting).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.web.advice import WEB_ONE_FORCE
from web.helpers import PASSWORD, World, signed_in

#: :data:`WEB_ONE_FORCE` as the page writes it (autoescaped)
WEB_SAID = WEB_ONE_FORCE.replace("'", "&#39;")

CELL_ID = re.compile(r"\b\d+m:E\d+:N\d+\b")


def _at(world: World) -> dt.datetime:
    """06:00 after the store's last incident: the meeting's morning."""
    last = world.store.read_frame("incidents", columns=["occurred_from"])
    day = last["occurred_from"].max()
    assert isinstance(day, dt.datetime)
    return dt.datetime.combine(day.date() + dt.timedelta(days=1), dt.time(6))


def test_places_page_lists_the_cells_avert_forecast_lists(
    world: World, tmp_path: Path
) -> None:
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    page = signed_in(world.app, "analyst").get(f"/places?at={at}")
    assert page.status_code == 200, page.text
    table = page.text[page.text.index("<tbody>") :]
    on_page = list(dict.fromkeys(CELL_ID.findall(table)))
    assert len(on_page) == 10

    args = ["--db", world.settings.database_url, "forecast", "--at", at]
    res = CliRunner().invoke(
        cli_app, [*args, "--cells", "10", "--out", str(tmp_path), "--json"]
    )
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert [c["cell_id"] for c in plan["top_cells"]] == on_page
    assert plan["grid"]["cell_size_m"] == 150.0
    # the page says the cell size and the backtested share the command prints as
    # of the start of the day (the briefing backtests once a day, to 00:00)
    assert "Cells of 150 m" in page.text
    midnight = f"{_at(world):%Y-%m-%d}T00:00"
    day_args = ["--db", world.settings.database_url, "forecast", "--at", midnight]
    res0 = CliRunner().invoke(
        cli_app, [*day_args, "--cells", "10", "--out", str(tmp_path / "d"), "--json"]
    )
    assert res0.exit_code == 0, res0.output
    share = json.loads(res0.stdout)["expected_share_backtested"]
    assert f"Expected share {share * 100:.0f} %" in page.text
    # the default budget of the command (20 cells) starts with the same ten
    res20 = CliRunner().invoke(cli_app, [*args, "--out", str(tmp_path / "b"), "--json"])
    assert res20.exit_code == 0, res20.output
    top20 = [c["cell_id"] for c in json.loads(res20.stdout)["top_cells"]]
    assert top20[:10] == on_page


def test_the_places_cell_size_is_one_setting(world: World, tmp_path: Path) -> None:
    from avert.web import create_app

    settings = world.settings.with_overrides(places_cell_m="250")
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    client = signed_in(create_app(settings, world.store), "analyst")
    page = client.get(f"/places?at={at}")
    assert page.status_code == 200, page.text
    assert "Cells of 250 m" in page.text
    cells = CELL_ID.findall(page.text[page.text.index("<tbody>") :])
    assert cells
    assert all(c.startswith("250m:") for c in cells)
    args = ["--db", world.settings.database_url, "forecast", "--at", at, "--json"]
    res = CliRunner(env={"AVERT_PLACES_CELL_M": "250"}).invoke(
        cli_app, [*args, "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["grid"]["cell_size_m"] == 250.0


def test_places_page_says_which_event_its_grid_left_out(
    world: World, tmp_path: Path
) -> None:
    """One violent incident mis-geocoded 300 km east (inside the CRS's area, so
    ingest kept it): the Places page lists the bulk's cells and says one event was
    left out of the grid; without it the page has no such line."""
    import shutil

    import polars as pl

    from avert.store import Store
    from avert.web import create_app

    at = _at(world)
    query = f"/places?at={at:%Y-%m-%dT%H:%M}"
    alone = signed_in(world.app, "analyst").get(query)
    assert alone.status_code == 200, alone.text
    assert "grid-note" not in alone.text
    assert "Left out of the" not in alone.text

    db = tmp_path / "stray.db"
    shutil.copy(world.settings.database_url.removeprefix("sqlite:///"), db)
    store = Store(f"sqlite:///{db}")
    classes = store.read_frame("classifications").filter(pl.col("in_definition"))
    incidents = store.read_frame("incidents").join(
        classes.select("incident_id"), on="incident_id"
    )
    last = incidents.sort("occurred_from").tail(1)
    stray_x = float(last["x"][0]) + 300_000.0
    with store.transaction() as tx:
        tx.append(
            "incidents",
            last.with_columns(incident_id=pl.lit("stray-1"), x=pl.lit(stray_x)),
        )
        tx.append(
            "classifications",
            classes.filter(
                pl.col("incident_id") == last["incident_id"][0]
            ).with_columns(incident_id=pl.lit("stray-1")),
        )
    settings = world.settings.with_overrides(database_url=f"sqlite:///{db}")
    page = signed_in(create_app(settings, store), "analyst").get(query)
    assert page.status_code == 200, page.text
    cells = CELL_ID.findall(page.text[page.text.index("<tbody>") :])
    assert cells == CELL_ID.findall(alone.text[alone.text.index("<tbody>") :])
    text = " ".join(page.text.split())
    assert '<li class="grid-note">Left out of the patrol grid: 1 of ' in text
    assert f"first at x {stray_x:.0f}," in text


def test_places_map_has_its_key(world: World) -> None:
    """The page's map says what its squares, rings and coloured dots are, as the
    briefing's map does (the page drew them with no key)."""
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    page = signed_in(world.app, "analyst").get(f"/places?at={at}")
    assert page.status_code == 200, page.text
    key = page.text[page.text.index('<div class="legend">') :]
    assert "top cells, numbered by rank" in key
    assert "dots: incidents in the window by category" in key


def test_places_says_when_its_budget_is_larger_than_the_cells_of_an_area(
    world: World,
) -> None:
    """Walked as an officer of one LSOA: Today said "The patrol budget (10 cells)
    is larger than the 6 cells the events span ... the expected share says
    little", while Places, the page of those cells, showed "Expected share 100 %"
    alone. Places carries the note beside the share it qualifies."""
    from avert.workflows.users import add_user

    lsoas = world.store.read_frame("incidents", columns=["lsoa"])["lsoa"]
    lsoa = str(lsoas.drop_nulls().value_counts(sort=True)["lsoa"][0])
    add_user(world.store, "officer-lsoa", password=PASSWORD, role="officer", area=lsoa)
    officer = signed_in(world.app, "officer-lsoa")
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    today = officer.get(f"/today?at={at}").text
    note = re.search(
        r"The patrol budget \(10 cells\) is larger than the \d+ cells?", today
    )
    assert note is not None, "the area's events should span fewer than 10 cells"
    places = officer.get(f"/places?at={at}")
    assert places.status_code == 200
    summary = places.text[places.text.index('id="places-summary"') :]
    summary = summary[: summary.index("</ul>")]
    assert note.group(0) in summary
    assert "the expected share says little" in summary


def test_places_page_names_the_command_only_to_those_who_run_avert(
    world: World,
) -> None:
    """A partner, a board member or an officer reads the cell size without the
    setting's name or an ``avert forecast`` command line they have no way to run
    (the demo walk: partner and board read "avert forecast --at ... --cells 10");
    an analyst still reads both."""
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    for role in ("partner", "board", "officer"):
        page = signed_in(world.app, role).get(f"/places?at={at}")
        assert page.status_code == 200, (role, page.text)
        assert "Cells of 150 m." in page.text, role
        assert "avert forecast" not in page.text, role
        assert "places_cell_m" not in page.text, role
    analyst = signed_in(world.app, "analyst").get(f"/places?at={at}")
    assert f"avert forecast --at {at} --cells 10" in analyst.text
    assert "places_cell_m" in analyst.text


def test_places_names_the_domestic_setting_only_to_those_who_set_it(
    world: World,
) -> None:
    """Walked as the partner, the board and an officer: Places' near-repeat note
    ended "(near_repeat.domestic in places.toml)", a file they never see; it reads
    the same without it, and an analyst still reads where it is set."""
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    analyst = signed_in(world.app, "analyst").get(f"/places?at={at}")
    assert "domestic incidents left out of the near-repeat test" in analyst.text
    assert "(near_repeat.domestic in places.toml)" in analyst.text
    for role in ("partner", "board", "officer"):
        page = signed_in(world.app, role).get(f"/places?at={at}")
        assert page.status_code == 200, (role, page.text)
        summary = page.text[page.text.index('id="places-summary"') :]
        summary = summary[: summary.index("</ul>")]
        assert "domestic incidents left out of the near-repeat test" in summary, role
        assert "repeat-victims sections." in summary, role
        assert "places.toml" not in page.text, role


def test_places_gives_each_cells_score_as_today_does(world: World) -> None:
    """The same cell's score read 7.87 on Places and 7.9 on Today (and in the
    Places row's own "Why", "7.9 times the risk"): Places now rounds as Today
    does, one decimal."""
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    client = signed_in(world.app, "analyst")
    row = re.compile(
        r'<td data-label="Cell">.*?(\d+m:E\d+:N\d+).*?</td>\s*'
        r'<td data-label="Score"[^>]*>([^<]*)</td>',
        re.S,
    )
    places = dict(row.findall(client.get(f"/places?at={at}").text))
    today = dict(row.findall(client.get(f"/today?at={at}").text))
    assert len(places) == 10
    assert {c: today[c] for c in places if c in today} == {
        c: s for c, s in places.items() if c in today
    }
    assert len(set(places) & set(today)) >= 5
    for score in places.values():
        assert re.fullmatch(r"[\d,]+\.\d", score), score


def test_places_says_what_a_score_is_counted_in(world: World) -> None:
    """Walked in a browser: the Score column read "3.6", a number in no unit;
    the row's own reason says it is times the average cell's risk, so the
    column's header does."""
    page = signed_in(world.app, "chair").get("/places")
    assert page.status_code == 200
    assert (
        "<th>Score <small>(times the average cell&#39;s risk)</small></th>"
        in (page.text)
        or "<th>Score <small>(times the average cell's risk)</small></th>" in page.text
    )


def _table(page: str) -> str:
    """The first table body of ``page``."""
    return page[page.index("<tbody>") : page.index("</tbody>")]


def _second_force(world: World, tmp_path: Path, *, east_m: float) -> TestClient:
    """A signed-in analyst's client of a copy of the world's store holding its
    violent incidents again as another force's ("Other Force Police"), ``east_m``
    metres east of them."""
    import shutil

    import polars as pl

    from avert.store import Store
    from avert.web import create_app

    db = tmp_path / "forces.db"
    shutil.copy(world.settings.database_url.removeprefix("sqlite:///"), db)
    store = Store(f"sqlite:///{db}")
    classes = store.read_frame("classifications").filter(pl.col("in_definition"))
    incidents = store.read_frame("incidents").join(
        classes.select("incident_id"), on="incident_id"
    )
    other = pl.lit("other-") + pl.col("incident_id")
    with store.transaction() as tx:
        tx.append(
            "incidents",
            incidents.with_columns(
                incident_id=other,
                force=pl.lit("Other Force Police"),
                x=pl.col("x") + east_m,
            ),
        )
        tx.append(
            "classifications",
            classes.join(
                incidents.select("incident_id"), on="incident_id"
            ).with_columns(incident_id=other),
        )
    settings = world.settings.with_overrides(database_url=f"sqlite:///{db}")
    return signed_in(create_app(settings, store), "analyst")


def test_places_page_names_the_forces_side_by_side(
    world: World, tmp_path: Path
) -> None:
    """Two forces side by side: the page plans one grid, as before, and says
    whose events it holds in the words of ``avert forecast`` (the page named
    none: its read carried no force)."""
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    page = _second_force(world, tmp_path, east_m=2_000.0).get(f"/places?at={at}")
    assert page.status_code == 200, page.text
    assert len(set(CELL_ID.findall(page.text[page.text.index("<tbody>") :]))) == 10
    text = " ".join(page.text.split())
    assert (
        '<li class="forces-note">The incidents counted are of 2 forces or sources ('
        in text
    )
    assert "Other Force Police" in text
    # the briefing's advice names avert brief --area: the page names no command
    assert f"{WEB_SAID}</li>" in text
    assert "avert brief" not in text


def test_places_page_lists_each_far_forces_places(world: World, tmp_path: Path) -> None:
    """The same force 250 km east: the page planned one grid from one to the other
    (millions of cells), then none at all (a dead end for a meeting with two
    forces loaded); it now lists each force's top cells under its name, each
    force's as ``avert forecast --police-force`` lists them."""
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    page = _second_force(world, tmp_path, east_m=250_000.0).get(f"/places?at={at}")
    assert page.status_code == 200, page.text
    text = " ".join(page.text.split())
    assert "No places planned" not in text
    assert "The events are of 2 forces or sources far apart (" in text
    sections = page.text.split('<section class="force-places"')[1:]
    assert len(sections) == 2
    heads = [s[s.index("<h2>") + 4 : s.index("</h2>")] for s in sections]
    assert "Other Force Police" in heads
    cells = [list(dict.fromkeys(CELL_ID.findall(_table(s)))) for s in sections]
    assert [len(c) for c in cells] == [10, 10]
    # each force's own map, framed on its cells (one over both drew each cell
    # smaller than a pixel)
    assert all('<div class="force-map"><svg' in s for s in sections)
    assert not set(cells[0]) & set(cells[1])
    # each force's cells are those avert forecast lists for that force alone
    for head, listed in zip(heads, cells, strict=True):
        # the name quoted for the shell (shlex.quote), autoescaped
        assert f"avert forecast --police-force '{head}'" in html.unescape(text)
        args = ["--db", f"sqlite:///{tmp_path / 'forces.db'}", "forecast"]
        args += ["--police-force", head, "--at", at, "--cells", "10"]
        res = CliRunner().invoke(
            cli_app, [*args, "--out", str(tmp_path / head), "--json"]
        )
        assert res.exit_code == 0, res.output
        assert [c["cell_id"] for c in json.loads(res.stdout)["top_cells"]] == listed
    assert "Expected share" in sections[0]
    assert "Expected share" in sections[1]
    assert "avert brief" not in text


def test_today_page_gives_the_forces_advice_with_no_command(
    world: World, tmp_path: Path
) -> None:
    """The Today page shows the briefing's notes: over forces side by side, the
    note's advice (data: ``brief_area``) in the web's words, with no command, as
    the Places page does; the briefing's own words are not rewritten."""
    import avert.workflows.places as places_workflow

    assert not hasattr(places_workflow, "web_forces_words")  # no rewrite left
    at = f"{_at(world):%Y-%m-%dT%H:%M}"
    page = _second_force(world, tmp_path, east_m=2_000.0).get(f"/today?at={at}")
    assert page.status_code == 200, page.text
    text = " ".join(page.text.split())
    assert "The incidents counted are of 2 forces or sources (" in text
    assert f"as one area and one period. {WEB_SAID}</li>" in text
    assert "avert brief --area" not in text
