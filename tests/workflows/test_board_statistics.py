"""Board statistics: the performance and equality pages and board-pack sections."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest
from fastapi import FastAPI

from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.board import board_statistics, board_windows
from avert.workflows.load import load_files
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in
from workflows.test_board import _census_and_stops, _incidents

SVG_NS = "{http://www.w3.org/2000/svg}"
#: a real pseudonym key: the board pack reads persons as pseudonyms only
KEY = secrets.token_urlsafe(32)


def _svgs(html: str) -> list[ET.Element]:
    """Every inline SVG of a page, parsed as XML (fails on invalid SVG)."""
    out = []
    rest = html
    while "<svg" in rest:
        start = rest.index("<svg")
        end = rest.index("</svg>", start) + len("</svg>")
        out.append(ET.fromstring(rest[start:end]))
        rest = rest[end:]
    return out


def _stocked(store: Store, tmp_path: Path) -> None:
    """Three years of monthly incidents (North falls by 40 %), census and stops."""
    with store.transaction() as tx:
        tx.append("incidents", _incidents())
    _census_and_stops(store, tmp_path, outcomes=True)


def test_windows_keep_a_12_month_baseline(sqlite_store: Store) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    assert board_windows(sqlite_store, end=dt.date(2024, 12, 31)) == (
        (dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    )
    # 18 months of data: 12 baseline, 6 recent
    assert board_windows(sqlite_store, end=dt.date(2023, 6, 15)) == (
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        (dt.date(2023, 1, 1), dt.date(2023, 6, 30)),
    )
    assert board_windows(sqlite_store, end=dt.date(2022, 12, 31)) is None


def test_windows_ask_the_store_for_the_first_incident_only(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """board_windows read every incident time of 36 months to take their minimum
    (0.165 s on 306,420 incidents); the store now answers with one aggregate
    (0.001 s): no incident rows are read."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())

    def no_rows(*args: object, **kwargs: object) -> None:
        raise AssertionError("incident rows read")

    monkeypatch.setattr(sqlite_store, "read_frame", no_rows)
    assert board_windows(sqlite_store, end=dt.date(2024, 12, 31)) == (
        (dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    )


def test_board_statistics_before_the_data_names_their_span(
    sqlite_store: Store,
) -> None:
    """The performance page of a month before the data said only "fewer than 13
    whole months"; it now says when the store's incidents run."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    stats = board_statistics(sqlite_store, end=dt.date(2020, 6, 30), equality=False)
    note = stats["performance"]["note"]
    # the 36 months to it hold none (they said "fewer than 13 whole months")
    assert note.startswith("No incident in the 36 months to the end of June 2020")
    assert "the store's incidents run from 2022-01-01 to 2024-12-27;" in note


def test_board_statistics_say_when_two_forces_are_counted_together(
    sqlite_store: Store,
) -> None:
    """West Yorkshire's July 2018 beside the City of London's 2019 made one "Whole
    area" series of two forces without a word."""
    incidents = _incidents().with_columns(
        force=pl.when(pl.col("borough") == "North")
        .then(pl.lit("North Police"))
        .otherwise(pl.lit("South Police"))
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    end = dt.date(2024, 12, 31)
    notes = board_statistics(sqlite_store, end=end, equality=False)["performance"][
        "notes"
    ]
    (said,) = (n for n in notes if "forces" in n)
    north = incidents.filter(pl.col("force") == "North Police").height
    south = incidents.height - north
    assert said.startswith(
        f"The store's incidents are of 2 forces (South Police {south:,}; "
        f"North Police {north:,}): every series counts them together."
    ), said
    by_force = board_statistics(sqlite_store, end=end, by="force", equality=False)
    assert not any("forces" in n for n in by_force["performance"]["notes"])


@pytest.mark.parametrize("kind", ["sqlite_store", "postgres_store"])
def test_series_by_an_area_name_the_forces_only_where_an_area_holds_two(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """Split by borough (or LSOA), each series is of one force's records when no
    area holds two forces' (West Yorkshire's July 2018 beside the City of London's
    2019 by LSOA): the note said every series counted the forces together. Said
    now only of areas two forces' records both name, and how many."""
    store: Store = request.getfixturevalue(kind)
    incidents = _incidents().with_columns(
        force=pl.when(pl.col("borough") == "North")
        .then(pl.lit("North Police"))
        .otherwise(pl.lit("South Police"))
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
    end = dt.date(2024, 12, 31)

    def forces_notes() -> list[str]:
        stats = board_statistics(store, end=end, by="borough", equality=False)
        return [n for n in stats["performance"]["notes"] if "forces" in n]

    assert forces_notes() == []
    shared = incidents.filter(pl.col("borough") == "South").head(3)
    with store.transaction() as tx:
        tx.append(
            "incidents",
            shared.with_columns(
                pl.format("x{}", pl.col("incident_id")).alias("incident_id"),
                force=pl.lit("North Police"),
            ),
        )
    (said,) = forces_notes()
    assert "1 area by 'borough' holds incidents of more than one force" in said
    assert "every series counts them together" not in said, said


def test_board_statistics_of_one_force_say_nothing_of_forces(
    sqlite_store: Store,
) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents().with_columns(force=pl.lit("One Police")))
    stats = board_statistics(sqlite_store, end=dt.date(2024, 12, 31), equality=False)
    assert not any("forces" in n for n in stats["performance"]["notes"])


def test_board_statistics_verdicts_charts_and_equality(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _stocked(sqlite_store, tmp_path)
    stats = board_statistics(sqlite_store, end=dt.date(2024, 12, 31), by="borough")
    perf = stats["performance"]
    assert perf["available"]
    north = next(
        r
        for r in perf["series"]
        if r["area"] == "North" and r["category"] == "all" and r["flag"] == "all"
    )
    assert north["verdict"] == "significant_sustained_reduction"
    assert set(north["charts"]) >= {"spc", "expected"}
    # the figures say what data they rest on: the store's sources and span
    data = perf["notes"][0]
    assert data.startswith("Data: ")
    assert " incidents in the store (" in data
    # one source: named once, its count not said twice
    total = data.split(" incidents")[0].removeprefix("Data: ")
    assert data.count(total) == 1, data
    assert " incidents in the store (all from " in data, data
    for svg in north["charts"].values():
        assert ET.fromstring(svg).tag == f"{SVG_NS}svg"
    eq = stats["equality"]
    assert eq["available"], eq["note"]
    assert {r["group"] for r in eq["rates"]} >= {"Black", "White"}
    assert set(eq["charts"]) >= {"rates", "ratios", "outcomes"}
    assert eq["eia"]["significantly_above_1"]


def test_board_pack_has_both_sections(sqlite_store: Store, tmp_path: Path) -> None:
    _stocked(sqlite_store, tmp_path)
    settings = load_settings({}).with_overrides(pseudonym_key=KEY)
    from avert.workflows.delivery import board_pack

    (html_path,) = board_pack(
        sqlite_store, settings, month="2024-12", out_dir=tmp_path / "pack", pdf=False
    )
    html = html_path.read_text(encoding="utf-8")
    assert 'id="performance"' in html
    assert 'id="equality"' in html
    assert "Equality Impact Assessment" in html
    assert "significant sustained reduction" in html
    # a store without a plan: the lead-partner table says so, not a bare header
    lead = html[html.index("By lead partner") :]
    assert "No actions in the plan." in lead[: lead.index("</table>")]
    # so do the overdue and completed tables (London, March 2022, with no plan
    # imported: "None.", which reads as a finding: nothing overdue), and the header
    for heading in ("Overdue actions", "Completed this month"):
        table = html[html.index(heading) :]
        table = table[: table.index("</table>")]
        assert "No actions in the plan." in table, heading
        assert "None." not in table, heading
    header = html[html.index('<header class="top">') : html.index("</header>")]
    assert "no delivery plan imported" in header
    # the age bands' shares in per cent, as every other share of the pack (was 0.13)
    ages = html[html.index('class="by-age') :]
    ages = re.sub(r' data-label="[^"]*"', "", ages[: ages.index("</table>")])
    assert "%" in ages
    assert not re.search(r"<td>0\.\d\d</td>", ages)
    # its columns in words: they read "age range", "share of group" and a "group"
    # column saying "all" on every row (only the rows of all groups are shown)
    assert "<th>Age band</th><th>Searches</th><th>Share of all searches</th>" in ages
    assert "<th>group</th>" not in ages
    assert "<td>all</td>" not in ages
    svgs = _svgs(html)
    # a phone's pinned axis strip is hidden from screen readers and draws a titled
    # chart of the page (a <use> of its id); every other chart has its own title
    strips = [s for s in svgs if s.get("aria-hidden") == "true"]
    charts = [s for s in svgs if s.get("aria-hidden") != "true"]
    assert len(charts) >= 4
    assert all(s.find(f"{SVG_NS}title") is not None for s in charts)
    titled_ids = {s.get("id") for s in charts if s.get("id")}
    for strip in strips:
        use = strip.find("use")  # inline in HTML: no namespace declared
        use = strip.find(f"{SVG_NS}use") if use is None else use
        assert use is not None
        assert use.get("href", "").lstrip("#") in titled_ids


def test_board_pack_find_rate_is_not_known_when_no_outcome_is_linked(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """police.uk searches with arrests but no outcome linked to its object (the
    link is not recorded by many forces): the pack printed "Find rate 0 % (0 % to
    0 %)", read as "nothing is ever found"; it says the rate is not known, and why."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    _census_and_stops(sqlite_store, tmp_path, outcomes=True, linked=False)
    settings = load_settings({}).with_overrides(pseudonym_key=KEY)
    from avert.workflows.delivery import board_pack

    (html_path,) = board_pack(
        sqlite_store, settings, month="2024-12", out_dir=tmp_path / "pack", pdf=False
    )
    html = html_path.read_text(encoding="utf-8")
    table = html[html.index('class="outcomes"') :]
    table = table[: table.index("</table>")]
    assert "0 % (0 % to" not in table, table
    assert "<td>not known</td>" in table, table
    assert "Find rate not known: the source records no search's outcome" in html
    assert "so no find rate is given" in html


def test_board_pack_does_not_count_repeat_victims_on_a_store_naming_no_one(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """On open incident data (Toronto) the pack read "0 of 0 repeat victims (365
    days) have no targeted or specialist action", as if all were in hand; the plan
    board already said "not checked": the pack now says so too."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    settings = load_settings({}).with_overrides(pseudonym_key=KEY)
    from avert.workflows.delivery import board_pack

    (html_path,) = board_pack(
        sqlite_store, settings, month="2024-12", out_dir=tmp_path / "pack", pdf=False
    )
    html = html_path.read_text(encoding="utf-8")
    line = html[html.index("Repeats attract an enhanced response") :]
    line = line[: line.index("</li>")]
    assert "0</b> of 0 repeat victims" not in line, line
    assert "not checked: the store names no victims" in line, line


@pytest.fixture
def board_app(sqlite_store: Store, tmp_path: Path) -> FastAPI:
    _stocked(sqlite_store, tmp_path)
    for role in ("board", "officer", "analyst"):
        add_user(sqlite_store, role, password=PASSWORD, role=role)
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy, secret_key=SECRET
    )
    return create_app(settings, sqlite_store)


def test_performance_and_equality_pages(board_app: FastAPI) -> None:
    client = signed_in(board_app, "board")
    page = client.get("/performance?month=2024-12&by=borough")
    assert page.status_code == 200, page.text[:500]
    assert "significant sustained reduction" in page.text
    assert "<script>" not in page.text  # CSP: no inline script
    assert len(_svgs(page.text)) >= 6
    target = client.get("/performance?month=2024-12&target=-0.1&target_by=2025-12-31")
    assert "target trajectory" in target.text
    eq = client.get("/equality?month=2024-12")
    assert eq.status_code == 200
    assert "Equality Impact Assessment" in eq.text
    assert "No ethnicity stated" in eq.text
    assert len(_svgs(eq.text)) >= 3
    assert "Searches by Test Force" in eq.text
    other = client.get("/equality?month=2024-12&force=other-force")
    assert other.status_code == 200
    assert "No stops of the force asked for in the store" in other.text
    assert 'name="force" value="other-force"' in other.text
    assert client.get("/performance?month=nonsense").status_code == 400


def test_the_verdict_definitions_give_their_numbers(
    board_app: FastAPI, sqlite_store: Store, tmp_path: Path
) -> None:
    """The board's Performance page (and the board pack) defined a sustained
    reduction as "below the expectation in at least sustained_min of the last
    sustained_of periods" with "p < alpha": the names of parameters, not their
    values, under keys such as ``significant_sustained_reduction``. The
    definitions now give the numbers the verdicts were reached with."""
    page = signed_in(board_app, "board").get("/performance?month=2024-12")
    assert page.status_code == 200
    from avert.workflows.delivery import board_pack

    settings = load_settings({}).with_overrides(pseudonym_key=KEY)
    (pack,) = board_pack(
        sqlite_store, settings, month="2024-12", out_dir=tmp_path / "pack", pdf=False
    )
    for html in (page.text, pack.read_text(encoding="utf-8")):
        part = html[html.index('class="definitions"') :]
        part = part[: part.index("</details>")]
        assert "in at least 5 of the last 6 periods" in part
        assert "p &lt; 0.05" in part
        assert "Fewer than 12 baseline periods, fewer than 20 events" in part
        assert not re.search(r"sustained_min|sustained_of|alpha|min_baseline", part)
        assert "<dt>significant sustained reduction</dt>" in part


@pytest.mark.browser
def test_the_verdicts_read_on_a_phone(board_app: FastAPI, chromium: str) -> None:
    """At 390 px the verdict table's control-chart signals column was 65 px wide,
    a word a line, and each of its rows 283 px tall on the demo city: the column
    keeps room for its text (14em), and the table scrolls sideways in its box."""
    import socket
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(board_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as play:
            browser = play.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "board")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/today")
            page.goto(f"{base}/performance?month=2024-12")
            widths = page.evaluate(
                """() => [...document.querySelectorAll('table.verdicts tbody tr')]
                    .map(r => r.cells[r.cells.length - 1].clientWidth)"""
            )
            assert widths, "no verdicts"
            assert min(widths) >= 160, widths
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_officers_may_not_open_the_board_pages(board_app: FastAPI) -> None:
    client = signed_in(board_app, "officer")
    assert client.get("/performance").status_code == 403
    assert client.get("/equality").status_code == 403


def test_board_pack_says_why_a_verdict_is_insufficient(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A category with 5 baseline events: the statistics row and the pack say so."""
    import polars as pl

    few = pl.DataFrame(
        {
            "incident_id": [f"w{k}" for k in range(10)],
            "source": "test",
            "time_precision": "exact",
            "occurred_from": [
                dt.datetime(2022 + 2 * (k // 5), 3, 1 + k, 12) for k in range(10)
            ],
            "borough": "West",
            "crime_type": "Possession of weapons",
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
        tx.append("incidents", few)
    stats = board_statistics(sqlite_store, end=dt.date(2024, 12, 31), equality=False)
    rows = {r["category"]: r for r in stats["performance"]["series"]}
    weapons = rows["Possession of weapons"]
    assert weapons["verdict"] == "insufficient_data"
    reason = "5 events in the baseline; at least 20 are needed"
    assert weapons["reason"] == reason
    assert rows["all"]["reason"] is None
    settings = load_settings({}).with_overrides(pseudonym_key=KEY)
    from avert.workflows.delivery import board_pack

    (html_path,) = board_pack(
        sqlite_store, settings, month="2024-12", out_dir=tmp_path / "pack", pdf=False
    )
    assert reason in html_path.read_text(encoding="utf-8")


def test_board_pack_takes_force_and_areas(sqlite_store: Store, tmp_path: Path) -> None:
    """``avert board pack --force --areas``: the equality section of that force and
    those areas, as ``avert analyse equality`` gives them. March: the board reads
    the force's own records by years ending 31 March."""
    from typer.testing import CliRunner

    from avert.cli import app

    _stocked(sqlite_store, tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "board",
            "pack",
            "--month",
            "2024-03",
            "--out",
            str(tmp_path / "pack"),
            "--no-pdf",
            "--force",
            "test-force",
            "--areas",
            "Beta",
        ],
        env={"AVERT_PSEUDONYM_KEY": KEY},
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "pack" / "board-pack-2024-03.html").read_text(encoding="utf-8")
    # the pack is the board's: a force's own records by the year to 31 March
    # (tests/workflows/test_equality_differencing.py), here the searches of
    # January to March 2024 (the store holds later ones: the year is whole)
    assert "Searches by Test Force 2023-04-01 to 2024-03-31" in html
    assert "census 2011 residents of Beta." in html


def test_equality_page_takes_the_force_area(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Stops without coordinates (South Yorkshire's files) cannot tell the force
    area: the page says to name it and takes it in its Areas field, as the pack's
    --areas (before, the page had no such field and could never show them)."""
    import polars as pl
    from typer.testing import CliRunner

    from avert.cli import app

    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        "E1,Alpha,1000,800,50,50,50,50\nE3,Beta,2000,1500,100,100,200,100\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text("LSOACD,latitude,longitude\nE1,53.0,-1.0\n", encoding="utf-8")
    for kind, path in (("population", census), ("centroids", cents)):
        CliRunner().invoke(
            app, ["--db", sqlite_store.url.sqlalchemy, "ingest", kind, str(path)]
        )
    n = 20
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            "force": ["test-force"] * n,
            "occurred_at": [dt.datetime(2024, 1 + i % 6, 3) for i in range(n)],
            "lat": pl.Series([None] * n, dtype=pl.Float64),
            "lon": pl.Series([None] * n, dtype=pl.Float64),
            "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", stops)
    add_user(sqlite_store, "board", password=PASSWORD, role="board")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy, secret_key=SECRET
    )
    client = signed_in(create_app(settings, sqlite_store), "board")
    unplaced = client.get("/equality?month=2024-06")
    assert "no stop has a latitude and longitude" in unplaced.text
    assert "Areas field" in unplaced.text
    named = client.get("/equality?month=2024-06&areas=Alpha,+Beta")
    assert named.status_code == 200
    assert "Searches by Test Force" in named.text
    assert 'name="areas" value="Alpha; Beta"' in named.text  # names: "; "
    too_many = ",".join(f"A{i}" for i in range(101))
    assert client.get(f"/equality?areas={too_many}").status_code == 400


def test_equality_header_says_when_months_hold_no_searches(board_app: FastAPI) -> None:
    """Stops of January-June 2024 under the 12 months to December: the header of
    the page and the pack says the rates are of 6 months, not a year's (the Met's
    one month of API stops under a board's year read as a rate per year). An
    analyst's page: the board reads these own records by years to 31 March."""
    eq = signed_in(board_app, "analyst").get("/equality?month=2024-12")
    meta = eq.text[eq.text.index('<p class="meta">Searches') :]
    meta = " ".join(meta[: meta.index("</p>")].split())
    assert "the store holds searches for 6 of its 12 months" in meta
    # and the rates' sentence agrees: it said "the searches of these 12 months"
    assert "these 12 months" not in meta
    assert "the searches of the 6 months with searches per 1,000" in meta
    assert "(not a rate per year)" in meta


def test_board_reads_the_year_to_march_whole(board_app: FastAPI) -> None:
    """Stops on the 3rd of each month, January to June 2024, read by the board in
    December: the year to March 2024, whole. Its header read "2023-04-01 to
    2024-03-03" with a note that the store's searches end on 3 March (they run to
    June): the window stopped at the last search of its last month though more
    followed. The police reading March 2024 were told the same."""
    header = (
        "Searches by Test Force 2023-04-01 to 2024-03-31 (the store holds searches "
        "for 3 of its 12 months"
    )
    for role, month in (("board", "2024-12"), ("analyst", "2024-03")):
        eq = signed_in(board_app, role).get(f"/equality?month={month}")
        text = " ".join(eq.text.split())
        assert header in text, role
        assert "2024-03-03" not in text, role
        if role == "board":
            assert "not the 12 months to December 2024" in text


def test_equality_page_asks_for_its_force_field(board_app: FastAPI) -> None:
    """Stops of two forces: the page asked for "--force", a command-line option."""
    import polars as pl

    store = board_app.state.avert.store
    other = pl.DataFrame(
        {
            "stop_id": ["o1"],
            "source": ["t"],
            "force": ["other-force"],
            "occurred_at": [dt.datetime(2024, 2, 3)],
            "ethnicity": ["White"],
        }
    )
    with store.transaction() as tx:
        tx.append("stops", other)
    page = signed_in(board_app, "board").get("/equality?month=2024-12")
    assert (
        "choose one with --police-force (the Equality page&#39;s Force field)"
        in page.text
    )


def test_equality_page_defaults_to_the_last_month_with_stops(
    board_app: FastAPI,
) -> None:
    """Incidents run to December 2024, stops to June 2024: the page opened on the
    incidents' month, whose 12 months hold half the stops (a store of West
    Yorkshire's July 2018 street crime and later stops opened on no stops at all).
    An analyst's page: the board reads these own records by years to 31 March."""
    page = signed_in(board_app, "analyst").get("/equality")
    assert 'name="month" value="2024-06"' in page.text
    # to the last search, on 3 June (not to 30 June, as if the month were counted)
    assert "Searches by Test Force 2023-07-01 to 2024-06-03" in page.text
    board = signed_in(board_app, "board").get("/equality")
    assert 'name="month" value="2024-06"' in board.text


def test_a_month_the_data_stop_in_is_not_counted_as_whole(sqlite_store: Store) -> None:
    """Records ending on 10 December: the board pack for December judges the
    months to November, as its objectives do, and says why; December's ten days
    counted as a month read as a fall (the demo's November: data to the 24th)."""
    import polars as pl

    inc = _incidents().filter(pl.col("occurred_from") < dt.datetime(2024, 12, 11))
    with sqlite_store.transaction() as tx:
        tx.append("incidents", inc)
    perf = board_statistics(sqlite_store, end=dt.date(2024, 12, 31), equality=False)[
        "performance"
    ]
    assert perf["recent"][1] == dt.date(2024, 11, 30)
    assert any(
        "records end on 10 Dec 2024" in n and "November 2024" in n
        for n in perf["notes"]
    ), perf["notes"]
    # a month with no record at all is still left to its own note
    whole = board_statistics(sqlite_store, end=dt.date(2024, 11, 30), equality=False)
    assert whole["performance"]["recent"][1] == dt.date(2024, 11, 30)


def test_find_rates_the_source_does_not_record_are_not_shown_as_zero(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The Met's police.uk searches (2018 CSVs: the link blank throughout; the 2024
    API sample: false throughout) record no outcome as linked to its object: the
    board pack's and Equality page's table gave every group a find rate of
    "0 % (0 % to 1 %)", an interval claiming finds were rare, beside 693 arrests.
    The column now says the rate is not known and why."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    _census_and_stops(sqlite_store, tmp_path, outcomes=True, linked=False)
    html = _equality_section(sqlite_store)
    table = html[html.index('<table class="outcomes">') :]
    table = table[: table.index("</table>")]
    assert "0 % (0 % to" not in table, table
    assert "<td>not known</td>" in table, table
    # why, said once under the table (it was repeated in every row's cell)
    said = "Find rate not known: the source records no search's outcome as linked"
    assert html.count(said) == 1, html
    assert html.index(said) > html.index('<table class="outcomes">')
    assert "Arrest rate" in table
    # a source that records the link keeps its find rates
    linked = tmp_path / "linked"
    linked.mkdir()
    other = Store(f"sqlite:///{linked / 'avert.db'}")
    other.upgrade()
    try:
        _census_and_stops(other, linked, outcomes=True)
        table = _equality_section(other)
    finally:
        other.close()
    table = table[table.index('<table class="outcomes">') :]
    assert "not known" not in table
    # every fourth stop linked (half the White ones), but a linked "no further
    # action" is no find: the finds are the linked arrests, every twentieth
    white = table[table.index("<td>White</td>") :]
    white = white[: white.index("</tr>")]
    assert "<td>30</td><td>10 % (" in white, white  # 3 of 30 found (6 arrested)
    assert "50 % (" not in table


def _equality_section(store: Store) -> str:
    """The board pack's (and the Equality page's) equality section, as rendered."""
    from avert.report.render import render_html

    stats = board_statistics(store, end=dt.date(2024, 12, 31))
    return render_html("_board_equality.html", stats=stats)


def test_performance_by_harm_says_harm_is_a_category_estimate(
    sqlite_store: Store,
) -> None:
    """Judged on harm, the Toronto store's performance read "Monthly harm (CCHI
    days) ... 2,430,989 / 2,765,733" with no word that every record weighs its
    category's expected harm (the mapping's categories, no offence code)."""
    import polars as pl

    from avert.workflows.board import run_performance
    from avert.workflows.definitions import classify_store

    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents().with_columns(source=pl.lit("toronto-mci")))
    classify_store(sqlite_store, profile="avb-2010")
    periods = {
        "baseline_from": dt.date(2022, 1, 1),
        "baseline_to": dt.date(2023, 12, 31),
        "date_from": dt.date(2024, 1, 1),
        "date_to": dt.date(2024, 12, 31),
    }
    harm = run_performance(sqlite_store, measure="harm", **periods)
    assert any(
        "expected weight of their category under the toronto-mci mapping" in n
        for n in harm.notes
    ), harm.notes
    count = run_performance(sqlite_store, measure="count", **periods)
    assert not any("expected weight" in n for n in count.notes)


def test_board_statistics_after_the_data_say_there_is_none_in_the_windows(
    sqlite_store: Store,
) -> None:
    """A month years after the data (Toronto's 2017-21, month 2026-11) said "Fewer
    than 13 whole months of incidents up to this month", of 60: it now says the
    36 months of the board's windows hold none, with the span of the data."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    stats = board_statistics(sqlite_store, end=dt.date(2029, 11, 30), equality=False)
    note = stats["performance"]["note"]
    assert note.startswith(
        "No incident in the 36 months to the end of November 2029"
    ), note
    assert "incidents run from 2022-01-01 to 2024-12-27" in note
    assert "Fewer than 13" not in note


def test_board_statistics_of_too_few_months_say_so_in_one_sentence(
    sqlite_store: Store,
) -> None:
    """Three months of incidents (London, January to March 2022) read "Fewer than
    13 whole months of incidents up to this month: no baseline to judge against
    (12 months at least)", which reads as a contradiction: it says what the 13
    are, in one sentence."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    note = board_statistics(sqlite_store, end=dt.date(2022, 3, 31), equality=False)[
        "performance"
    ]["note"]
    assert note == (
        "No baseline to judge against: the performance part needs 13 whole "
        "months of incidents up to this month (a 12-month baseline and at least "
        "one month to judge), and the store's incidents run from 2022-01-01 to "
        "2024-12-27."
    ), note


def test_board_statistics_in_a_gap_or_before_the_data_say_there_is_none(
    sqlite_store: Store,
) -> None:
    """A month whose 36 months fall in a gap of years between two loads said
    "Fewer than 13 whole months of incidents up to this month", with 36 whole
    months of them before the gap; so did a month before the data. Both say the
    36 months hold no incident now, with the span of the data."""
    first = _incidents()
    later = first.with_columns(
        pl.col("incident_id") + "-later",
        pl.col("occurred_from").dt.offset_by("10y"),
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", first)
        tx.append("incidents", later)
    note = board_statistics(sqlite_store, end=dt.date(2030, 6, 30), equality=False)[
        "performance"
    ]["note"]
    assert note.startswith("No incident in the 36 months to the end of June 2030"), note
    assert "incidents run from 2022-01-01 to 2034-12-27, with a gap there" in note
    assert "Fewer than 13" not in note
    note = board_statistics(sqlite_store, end=dt.date(2018, 6, 30), equality=False)[
        "performance"
    ]["note"]
    assert note.startswith("No incident in the 36 months to the end of June 2018")
    assert note.endswith("choose a month in their span."), note


def test_equality_page_chooses_the_census_year(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The page could not choose the census of its denominators, yet its errors
    said "--population-year" (a command-line option): a Census year field now
    offers the years with ethnic groups (default: the CLI's), and the errors name
    it. Census 2011 by LSOA and 2021 by local authority; stops of September 2024,
    a force's own records: an analyst's page (the board reads them by years to
    31 March, none of which holds them)."""
    import html

    from workflows.test_board import _two_censuses

    _two_censuses(sqlite_store, tmp_path)
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy, secret_key=SECRET
    )
    client = signed_in(create_app(settings, sqlite_store), "analyst")
    areas = "areas=Barking+and+Dagenham;+Richmond+upon+Thames"
    default = client.get(f"/equality?month=2024-09&{areas}")
    assert default.status_code == 200, default.text
    assert '<select name="census"' in default.text
    assert '<option value="2011">2011</option>' in default.text
    assert '<option value="" selected>default (2021)</option>' in default.text
    old = client.get(f"/equality?month=2025-03&{areas}&census=2011")
    assert old.status_code == 200, old.text
    assert '<option value="2011" selected>2011</option>' in old.text
    assert "census 2021 residents" in default.text
    assert "census 2011 residents" in old.text
    assert "census 2021 residents" not in old.text
    # the 2021 code against the 2011 census: the error names the page's field
    code = client.get("/equality?month=2025-03&areas=E09000002;+Richmond&census=2011")
    text = " ".join(html.unescape(code.text).split())
    assert "(in the 2021 census: --population-year 2021)" in text, text
    assert "--population-year (the Equality page's Census year)" in text
    assert client.get(f"/equality?{areas}&census=2015").status_code == 400
    assert client.get(f"/equality?{areas}&census=x").status_code == 400


def test_board_statistics_of_a_store_with_no_incidents_say_so(
    sqlite_store: Store,
) -> None:
    """A store of police.uk stop and search alone (January 2019, every force)
    read "Fewer than 13 whole months of incidents up to this month: no baseline
    to judge against" in the board pack's Performance part: of no incidents at
    all. It now says the store holds none, and that stops are not incidents."""
    stops = Path(__file__).resolve().parents[1] / "data" / "policeuk" / "2019-01"
    load_files(sqlite_store, [stops / "2019-01-cumbria-stop-and-search.csv"])
    note = board_statistics(sqlite_store, end=dt.date(2019, 1, 31), equality=False)[
        "performance"
    ]["note"]
    assert note.startswith("No incidents to judge: the store holds none (stops,"), note
    assert "Fewer than 13" not in note
