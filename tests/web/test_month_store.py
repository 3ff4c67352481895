"""The web app and the commands over a store of data.police.uk months only (no
exact times)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, city_month_app, migrated_store, signed_in


@pytest.fixture(scope="module")
def month_app(tmp_path_factory: pytest.TempPathFactory, city_month: Path) -> FastAPI:
    return city_month_app(tmp_path_factory.mktemp("month"), city_month)


def test_incidents_page_lists_the_latest_month(month_app: FastAPI) -> None:
    """police.uk dates a month's records on its first day: the default week (to 06:00
    on 1 July) held none of June's, and the page said "0 found" with no reason.
    It now starts on 1 June and says why."""
    page = signed_in(month_app, "analyst").get("/incidents")
    assert page.status_code == 200
    found = re.search(r"(\d+) found", page.text)
    assert found is not None
    assert int(found.group(1)) > 0
    assert 'name="from" value="01 Jun 2019 00:00"' in page.text
    assert "dated the first of their month" in page.text
    # a window the user chose is kept as chosen
    chosen = signed_in(month_app, "analyst").get(
        "/incidents?from=2019-06-24T06:00&to=2019-07-01T06:00"
    )
    assert "0 found" in chosen.text
    assert "dated the first of their month" not in chosen.text


def test_today_note_form_and_header_end_the_window_alike(month_app: FastAPI) -> None:
    """Today on a store of police.uk months: the header showed the window ending
    01 Jul 2019 00:00 (June as a whole), while the note said "the window ending
    01 Jul 2019 06:00" and the form's "Window ends" 06:00 (the daily briefing's
    hour given to the month's end)."""
    page = signed_in(month_app, "analyst").get("/today")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Window Sat 01 Jun 2019 00:00 to Mon 01 Jul 2019 00:00" in text
    assert (
        "June 2019 as a whole (the window 01 Jun 2019 00:00 to 01 Jul 2019 00:00)"
        in text
    )
    assert "06:00" not in text
    assert 'name="at" value="01 Jul 2019 00:00"' in page.text


def test_places_page_does_not_promise_a_forecast_from_months(
    month_app: FastAPI,
) -> None:
    """On police.uk months the page shows the month's hotspot map (in-sample); it
    said "where to deploy in the next 24 hours" and that `avert forecast` lists the
    same cells, a command that refuses month-only data."""
    page = signed_in(month_app, "analyst").get("/places")
    assert page.status_code == 200
    assert "Cells of 150 m" in page.text
    assert "where to deploy in the next 24 hours" not in page.text
    assert "lists the same cells" not in page.text
    assert "a hotspot map, not a forecast" in page.text
    assert "needs records with exact times" in page.text
    res = CliRunner().invoke(
        cli_app,
        [
            "--db",
            month_app.state.avert.settings.database_url,
            "forecast",
            "--at",
            "2019-07-01",
        ],
    )
    assert res.exit_code != 0


@pytest.mark.parametrize(
    "command",
    [
        ["forecast", "--at", "2019-07-01"],
        ["analyse", "near-repeat"],
        ["analyse", "hotspots", "--at", "2019-07-01"],
    ],
)
def test_day_level_commands_say_what_months_can_do(
    month_app: FastAPI, command: list[str]
) -> None:
    """They said only "No events with coordinates and a time ..." after a note."""
    url = month_app.state.avert.settings.database_url
    res = CliRunner().invoke(cli_app, ["--db", url, *command])
    assert res.exit_code == 1
    text = " ".join(str(res.exception).split())
    assert "Every incident is month-only" in text
    assert "avert analyse gistar" in text
    assert "avert ingest bundle" in text


def test_incidents_page_dates_month_only_records_by_month(month_app: FastAPI) -> None:
    """A police.uk record is of a month: it showed "01 Jun 2019 00:00 (month)", a
    time it does not have, and its category count without a name ("1234 · ..."),
    then as "no single category", which the briefing and the category counts name
    "police.uk: violence and sexual offences"."""
    page = signed_in(month_app, "analyst").get("/incidents")
    assert "June 2019 (month only)" in page.text
    listed = page.text[page.text.index('id="incident-list"') :]
    # (the From field above says where the window starts: 01 Jun 2019 00:00)
    assert "01 Jun 2019 00:00" not in listed
    meta = page.text[page.text.index('<p class="meta">') :]
    meta = meta[: meta.index("</p>")]
    assert "police.uk: violence and sexual offences" in meta
    assert "no single category" not in meta
    listed = page.text[page.text.index('id="incident-list"') :]
    assert "police.uk: violence and sexual offences" in listed
    # the Category field finds them by the name the page shows (it matched the
    # key alone, null for these: "0 found")
    named = signed_in(month_app, "analyst").get(
        "/incidents", params={"category": "police.uk: violence and sexual offences"}
    )
    found = re.search(r"(\d+) found", named.text)
    assert found is not None
    assert int(found.group(1)) > 0


def test_groups_page_says_why_open_data_have_none(month_app: FastAPI) -> None:
    """ "No groups found." and nothing else: police.uk data name no one."""
    page = signed_in(month_app, "analyst").get("/groups")
    assert "No groups found." in page.text
    assert "data.police.uk and other open incident data name no one" in page.text


def test_brief_area_on_police_uk_names_its_lsoas(month_app: FastAPI, tmp_path) -> None:
    """police.uk street files name LSOAs, not boroughs: `avert brief --area` refused
    every area on them, though the incidents page and an officer's scope take an
    LSOA."""
    url = month_app.state.avert.settings.database_url
    res = CliRunner().invoke(
        cli_app, ["--db", url, "brief", "--at", "2019-07-01", "--area", "City"]
    )
    assert res.exit_code == 2
    text = " ".join(res.output.replace("│", " ").split())
    assert "Known areas" in text
    lsoa = text[text.index("E01") :].split(";")[0].split()[0]  # names: "; "
    res = CliRunner().invoke(
        cli_app,
        [
            "--db",
            url,
            "brief",
            "--at",
            "2019-07-01",
            "--area",
            # any case and surrounding spaces, as the briefing matches it (the
            # check refused " e01..." that the briefing would have taken)
            f" {lsoa.lower()} ",
            "--out",
            str(tmp_path / "b"),
            "--no-pdf",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output


def test_window_before_the_records_is_not_counted_as_zero(month_app: FastAPI) -> None:
    """A window before the store's first record printed "0 violent incidents" and
    "last 7 days 0": nothing was loaded for it, which is no finding."""
    page = signed_in(month_app, "analyst").get("/today?at=2019-05-10T06:00")
    assert page.status_code == 200
    assert "<b>0</b>violent incidents" not in page.text
    assert "<b>–</b>violent incidents" in page.text
    assert "the store&#39;s incidents start on 01 Jun 2019" in page.text
    assert "last 7 days 0" not in page.text


@pytest.fixture(scope="module")
def empty_app(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> FastAPI:
    """A store without incidents (as one of stop and search only)."""
    path = tmp_path_factory.mktemp("empty") / "empty.db"
    url = f"sqlite:///{path}"
    store = migrated_store(path, template_db)
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, store)


def test_store_without_incidents_says_so(empty_app: FastAPI) -> None:
    """A store of stop and search only showed "0 violent incidents", "0 harm days"
    and "last 7 days 0" on Today as if the area had been quiet."""
    page = signed_in(empty_app, "analyst").get("/today")
    assert page.status_code == 200
    assert "<b>0</b>violent incidents" not in page.text
    assert "the store holds no incidents" in page.text
    assert "last 7 days 0" not in page.text
    api = signed_in(empty_app, "analyst").get("/api/v1/briefing").json()
    assert [p["count"] for p in api["trend"]["periods"]] == [None, None]
    # null with the reason, as the page's "–" (0 read as "no violence")
    assert api["summary"]["n_incidents"] is None
    why = api["summary"]["not_computable"]["n_incidents"]
    assert why.startswith("the store holds no incidents")
    listed = signed_in(empty_app, "analyst").get("/incidents")
    assert "Not counted: the store holds no incidents" in listed.text
    assert "No incidents in the definition match" not in listed.text


def test_plan_checks_say_what_they_cannot_count(month_app: FastAPI) -> None:
    """On a store whose records end over a year ago and name no one, the plan
    board read "0 / 0 top-harm subjects with no action" and "0 / 0 repeat victims
    without enhanced response", as if everything were in hand."""
    page = signed_in(month_app, "analyst").get("/plan")
    assert page.status_code == 200
    assert "<b>0 / 0</b>top-harm subjects" not in page.text
    assert "<b>0 / 0</b>repeat victims" not in page.text
    assert "not checked: no incident recorded from" in page.text
    assert "not checked: the store names no victims" in page.text


def test_data_page_says_how_old_the_records_are(month_app: FastAPI) -> None:
    """The Data page ("how fresh it is") judged only the time of the last load: a
    store loaded today with June 2019's records showed no warning and no dates."""
    page = signed_in(month_app, "analyst").get("/data")
    assert page.status_code == 200
    said = re.search(
        r"Stale: incidents of [^<]*: the latest record is of ([^,]*),", page.text
    )
    assert said is not None, page.text[:3000]
    assert said.group(1) == "30 Jun 2019"
    assert 'id="records"' in page.text


def test_data_page_gives_month_only_records_their_month(month_app: FastAPI) -> None:
    """The Records table showed the latest month-only incident as "30 Jun 2019
    23:59", the last instant of its month, a time no record holds: it shows the
    month."""
    page = signed_in(month_app, "analyst").get("/data")
    table = page.text[page.text.index('id="records"') :]
    table = table[: table.index("</table>")]
    row = re.search(r"<tr><td>incidents</td><td>([^<]*)</td><td>([^<]*)<", table)
    assert row is not None, table
    assert row.group(2).strip() == "June 2019"
    assert "23:59" not in table


def test_an_area_no_record_names_is_not_counted_as_zero(month_app: FastAPI) -> None:
    """Today of an area no incident names (a typo, or a Toronto neighbourhood, kept
    as a ward, where areas are boroughs and LSOAs) showed "0 violent incidents"
    and "last 7 days 0" under the area's name, as if it had been quiet."""
    page = signed_in(month_app, "analyst").get("/today?area=Nowhere")
    assert page.status_code == 200
    assert "<b>0</b>violent incidents" not in page.text
    assert "no incident in the store names this area" in page.text
    assert "last 7 days 0" not in page.text
    # nor are the people of data that name no one (they read "0 people of concern")
    assert "<b>0</b>people of concern" not in page.text
    assert "<b>0</b>repeat victims hit again" not in page.text


def test_incidents_of_an_area_no_record_names_say_why_none(
    month_app: FastAPI,
) -> None:
    """The Incidents page and ``GET /api/v1/incidents`` of an area no incident
    names answered "0 found" with no reason (``records_missing`` null), while the
    briefing of that area says it is not counted: a typo read as a quiet week."""
    client = signed_in(month_app, "analyst")
    api = client.get("/api/v1/incidents?area=Nowhere").json()
    assert api["total"] == 0
    assert "no incident in the store names this area" in (api["records_missing"] or "")
    page = client.get("/incidents?area=Nowhere")
    assert "Not counted: no incident in the store names this area" in page.text
    # an area the records name, and a filter that finds none there: no such
    # note (a category no incident nor the definition has says that instead)
    area = client.get("/api/v1/incidents").json()["incidents"][0]["borough"]
    none = client.get(
        "/api/v1/incidents", params={"area": area, "category": "no-such-category"}
    ).json()
    assert none["total"] == 0
    assert "names this area" not in none["records_missing"]
    assert "'no-such-category' is not one of" in none["records_missing"]


def test_groups_of_a_store_naming_no_one_read_no_incidents(
    month_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Groups page read every incident of an open-data store (three months of
    London: seconds) to find groups in data that name no one."""
    from avert.workflows import networks

    read: list[int] = []
    original = networks.load_analysis_incidents

    def counting(*args: Any, **kwargs: Any) -> Any:
        frames = original(*args, **kwargs)
        read.append(frames.incidents.height)
        return frames

    monkeypatch.setattr(networks, "load_analysis_incidents", counting)
    # the app keeps the groups analysis: an earlier test's page would be shown
    # without reading anything (the test then failed whenever it ran after one)
    monkeypatch.setattr(month_app.state.avert.groups, "ttl_s", 0.0)
    page = signed_in(month_app, "analyst").get("/groups")
    assert page.status_code == 200
    assert "No groups found" in page.text
    assert "name no one" in page.text
    assert read == [0]


def test_brief_area_says_an_lsoa_name_is_named_by_its_code(
    month_app: FastAPI,
) -> None:
    """The briefing names places by LSOA name ("City of London 001F"), but
    `--area` takes the LSOA's code: the name was refused with a list of 20
    boroughs and codes that did not say which code it was."""
    url = month_app.state.avert.settings.database_url
    res = CliRunner().invoke(
        cli_app,
        ["--db", url, "brief", "--at", "2019-07-01", "--area", "city of london 001F"],
    )
    assert res.exit_code == 2
    text = " ".join(res.output.replace("│", " ").split())
    assert "is the name of the LSOA E01032739" in text
    assert "(--area E01032739) or its borough (City of London)" in text


def test_places_page_says_how_many_of_the_window_s_incidents_its_map_draws(
    sqlite_store: Store,
) -> None:
    """The Places page's legend counts the dots drawn: on West Yorkshire's July 2018
    (police.uk, 10,524 violent records with a place) it read "dots: incidents in the
    window by category: personal robbery (15) ... violence and sexual offences
    (377)", of a window holding 327 robberies, with none of the briefing's caption
    saying the map draws 400 of the 3,124 in its frame. The page says it now, as the
    briefing does (one template)."""
    month = dt.datetime(2022, 1, 1)

    def rows(n: int, start: int, x: list[float], y: list[float]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "incident_id": [f"wyp-{i}" for i in range(start, start + n)],
                "source": "policeuk",
                "force": "West Yorkshire Police",
                "crime_type": "Violence and sexual offences",
                "occurred_from": month,
                "time_precision": "month",
                "location": [f"On or near Street {i % 7}" for i in range(n)],
                "lsoa": "E01011000",
                "lsoa_name": "Leeds 001A",
                "x": x,
                "y": y,
            }
        )

    n_near, n_far = 600, 3000  # near: 1 km x 0.8 km; far: 60 x 50 km, 70 km east
    near = rows(
        n_near,
        0,
        [430000.0 + (i % 50) * 20 for i in range(n_near)],
        [433000.0 + (i % 40) * 20 for i in range(n_near)],
    )
    far = rows(
        n_far,
        n_near,
        [500000.0 + (i % 60) * 1000 for i in range(n_far)],
        [400000.0 + (i // 60) * 1000 for i in range(n_far)],
    )
    inc = pl.concat([near, far])
    classes = inc.select(
        "incident_id",
        pl.lit("avb-2010").alias("profile"),
        pl.lit(True).alias("in_definition"),
        pl.lit("assault_with_injury").alias("category"),
        pl.lit("vap.injury").alias("rule_ids"),
        (pl.int_range(pl.len()) % 30 + 1).cast(pl.Float64).alias("harm_days"),
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", classes)
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key="k" * 40,
    )
    client = signed_in(create_app(settings, sqlite_store), "analyst")
    page = client.get("/places?at=2022-02-01T06:00")
    assert page.status_code == 200, page.text
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "dots: incidents in the window by category" in text
    assert (
        "The map shows the 400 highest-harm of the 600 incidents in its frame "
        "(3,600 in the window)." in text
    ), text[text.index("dots:") :][:400]


def _cell_names(html: str) -> list[str]:
    """The place names of the cells table, in rank order ("near ..." or "N m
    from ...")."""
    table = html[html.index("<tbody>", html.index(">Cell</th>")) :]
    table = table[: table.index("</tbody>")]
    return [
        " ".join(name.split())
        for name in re.findall(r'<span class="near">(.*?)</span>', table)
    ]


def test_places_page_names_its_cells_as_the_briefing_does(
    month_app: FastAPI,
) -> None:
    """On West Yorkshire's July 2018 (police.uk) the briefing named its top cell
    "near Boar Lane · Leeds 111B, E 430,275 N 433,425" but the Places page, the
    page for where, listed it as "150m:E2868:N2889" alone: an analyst had to
    read the grid id to find the street. The page names each cell (and gives its
    grid reference) as Today's briefing does, to whom the briefing names it."""
    from avert.workflows.users import add_user as add

    analyst = signed_in(month_app, "analyst")
    places = analyst.get("/places")
    today = analyst.get("/today")
    assert places.status_code == 200
    assert today.status_code == 200
    named = _cell_names(places.text)
    assert named, "the Places page names no cell"
    assert named == _cell_names(today.text)
    assert re.search(r"E [\d,]+ N [\d,]+", places.text)
    # a partner reads what the partner briefing names, no more (a key of
    # enough entropy: partner pages refuse the test app's "k" * 40)
    state = month_app.state.avert
    add(state.store, "partner-places", password=PASSWORD, role="partner", org="Council")
    settings = state.settings.with_overrides(
        pseudonym_key="f3Q9zL0pXb7Rk2Vt8Wm4Hy6Nc1Jd5Gs0Ua"
    )
    partner = signed_in(create_app(settings, state.store), "partner-places")
    p_places, p_today = partner.get("/places"), partner.get("/today")
    assert p_places.status_code == 200
    assert _cell_names(p_places.text) == _cell_names(p_today.text)


def test_performance_page_offers_its_areas_in_words(month_app: FastAPI) -> None:
    """The By area field of the Performance page listed the incidents' column
    names ("lsoa", "lsoa_name", "borough") to a new analyst; it names them in
    words and still sends the field (by=lsoa_name) that the command takes."""
    page = signed_in(month_app, "analyst").get("/performance")
    assert page.status_code == 200
    select = page.text[page.text.index('<select name="by">') :]
    select = select[: select.index("</select>")]
    offered = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))
    assert offered["lsoa"] == "LSOA (code)"
    assert offered["lsoa_name"] == "LSOA (name)"
    assert offered["borough"] == "borough or local authority"
    assert offered[""] == "whole area"


def test_a_briefing_names_its_area_as_the_store_does(
    month_app: FastAPI, tmp_path: Path
) -> None:
    """`avert brief --area leeds` on West Yorkshire's July 2018 was headed "Daily
    risk briefing: leeds", the area as typed (it is matched in any case); the
    briefing names it as its records do, on the command line and the web page."""
    url = month_app.state.avert.settings.database_url
    out = tmp_path / "b"
    res = CliRunner().invoke(
        cli_app,
        [
            *("--db", url, "brief", "--at", "2019-07-01"),
            *("--area", " city of london ", "--out", str(out), "--no-pdf"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Daily risk briefing of City of London" in " ".join(res.output.split())
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert ">Daily risk briefing: City of London</h1>" in html
    page = signed_in(month_app, "analyst").get("/today?area=city%20of%20london")
    assert page.status_code == 200
    assert "Daily risk briefing: City of London" in page.text


@pytest.mark.parametrize(
    ("flag", "said"),
    [
        ("domestic", "records whether it is domestic"),
        ("weapon", "records a weapon"),
        ("gang_related", "records whether it is gang-related"),
    ],
)
def test_a_flag_the_records_do_not_carry_is_no_finding(
    month_app: FastAPI, flag: str, said: str
) -> None:
    """On West Yorkshire's July 2018 (police.uk) the Incidents page's Flag
    "domestic" listed "0 found. No incidents in the definition match." of 10,911
    violent incidents, as if none were domestic: police.uk records no such flag.
    It says the source does not carry it."""
    page = signed_in(month_app, "analyst").get(f"/incidents?flag={flag}")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "0 found" in text
    assert "No incidents in the definition match" not in text
    assert said in text
    assert "its source does not carry the flag" in text


def test_the_flag_field_offers_its_flags_in_words(month_app: FastAPI) -> None:
    """The Flag field offered "gang_related", the column's name, where the table
    beside it flags an incident "gang-related"; it offers the words, sending the
    same value."""
    page = signed_in(month_app, "analyst").get("/incidents")
    assert '<option value="gang_related">gang-related</option>' in page.text
    assert ">gang_related<" not in page.text


def _meeting_section(page: str, section: str) -> str:
    start = page.index(f'id="meeting-{section}"')
    return page[start : page.index("</section>", start)]


def test_meeting_incidents_say_their_month_and_place_as_the_briefing(
    month_app: FastAPI,
) -> None:
    """The meeting's incident rows said what and how harmful, not when or where:
    a police.uk record's month and its street and area are on its briefing row
    (Today), and the chair tasks from the meeting."""
    client = signed_in(month_app, "analyst")
    at = "at=2019-07-01T06:00&hours=720"
    meeting = client.get(f"/meeting?{at}")
    assert meeting.status_code == 200
    rows = _meeting_section(meeting.text, "incidents")
    shown = re.findall(r'<small class="when-where">(.*?)</small>', rows)
    assert shown, "the meeting's incident rows say no month or place"
    assert all(s.startswith("June 2019 · ") for s in shown), shown
    assert any(" · On or near " in s for s in shown), shown
    today = client.get(f"/today/briefing?{at}", headers={"HX-Request": "true"}).text
    ids = re.findall(r'data-item="incident:([^"]+)"', rows)
    assert ids
    for ident, words in zip(ids, shown, strict=True):
        row = today[today.index(f'id="incident-{ident}"') :]
        row = " ".join(row[: row.index("</tr>")].split())
        # the briefing's row: the month, then the street and area
        month, place = words.split(" · ", 1)
        assert month in row
        assert f"<br>{place}</td>" in row


def test_meeting_counts_have_thousands_separators(
    tmp_path: Path, template_db: Path
) -> None:
    """ "the first 15 of 10911" (West Yorkshire, July 2018): a count as the rest
    of the page writes one, "10,911"."""
    from avert.workflows.definitions import classify_store

    store = migrated_store(tmp_path / "many.db", template_db)
    n = 1_234
    frame = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "occurred_from": [dt.datetime(2024, 6, 1)] * n,
            "force": ["Force A"] * n,
        }
    ).with_columns(
        pl.lit("policeuk").alias("source"),
        pl.lit("month").alias("time_precision"),
        pl.lit("Violence and sexual offences").alias("crime_type"),
        pl.lit("On or near High Street").alias("location"),
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)
    classify_store(store, profile="avb-2010")
    add_user(store, "chair", password=PASSWORD, role="chair")
    settings = load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy, secret_key=SECRET, pseudonym_key="k" * 40
    )
    page = signed_in(create_app(settings, store), "chair").get(
        "/meeting?at=2024-07-01T06:00&hours=720"
    )
    assert page.status_code == 200
    heading = " ".join(_meeting_section(page.text, "incidents").split())
    assert "the first 15 of 1,234, highest first" in heading
    assert "1234" not in heading
