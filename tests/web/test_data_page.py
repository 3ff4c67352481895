"""The Data page says what each count of a load is.

City of London Police, 2019 (data.police.uk street files, 100 rows already in the
store, 81 of them with other content): the page showed "Quarantined 0" and, below,
"Quarantine: 0 rejected, 81 duplicates", which read as if the duplicates had been
quarantined as faults, or nothing checked; the 100 rows skipped were shown nowhere.
"""

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
from avert.schema import LOADS
from avert.store import Store
from avert.store.loads import delete_keys
from avert.store.summary import status_summary
from avert.web import create_app
from avert.workflows import views
from avert.workflows.users import add_user
from web.helpers import (
    PASSWORD,
    SECRET,
    World,
    city_month_app,
    migrated_store,
    signed_in,
)

STREET = (
    Path(__file__).parents[1]
    / "data"
    / "policeuk"
    / "2019-06"
    / "2019-06-city-of-london-street.csv"
)


@pytest.fixture(scope="module")
def data_app(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> FastAPI:
    """Five rows, one repeated as it is, one repeated as another crime type (a
    conflicting duplicate), one with a bad month (rejected)."""
    root = tmp_path_factory.mktemp("data")
    url = f"sqlite:///{root / 'data.db'}"
    migrated_store(root / "data.db", template_db).close()
    header, *rows = STREET.read_text(encoding="utf-8").splitlines()[:6]
    fields = rows[1].split(",")
    fields[9] = "Robbery"
    bad = rows[2].replace(",2019-06,", ",2019-13,")
    folder = root / "2019-06"
    folder.mkdir()
    (folder / STREET.name).write_text(
        "\n".join([header, *rows, rows[0], ",".join(fields), bad]) + "\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli_app, ["--db", url, "ingest", "policeuk", str(folder)])
    assert res.exit_code == 3, res.output  # loaded, a row quarantined
    store = Store(url)
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, store)


def test_the_data_page_names_each_count(data_app: FastAPI) -> None:
    page = signed_in(data_app, "analyst").get("/data")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "Duplicates skipped" in text
    assert "Rejected <small>(quarantined, with reasons)</small>" in text
    # 8 read: 5 loaded (5 held now), 1 rejected, 2 skipped as already in the store
    loads = re.sub(r' data-label="[^"]*"', "", text)  # each cell's column, for a phone
    assert re.search(
        r"<td>policeuk-street</td><td>1</td><td>1</td><td>8</td><td>5</td><td>5</td>"
        r"<td>1</td><td>2</td>",
        loads,
    ), text[:3000]
    assert "1 rejected row, each with the reason" in text
    assert "1 conflicting duplicate: rows whose id is already in the store" in text
    assert "Quarantine: 1 rejected" not in text


def test_the_records_table_gives_the_first_stop_too(world: World) -> None:
    """Walked in a browser: the Records table's stops row had a blank *First*
    (only the latest stop was read), which read as a missing or broken date."""
    stops = world.store.read_frame("stops", columns=["occurred_at"])
    first = stops["occurred_at"].min()
    assert isinstance(first, dt.datetime)
    page = signed_in(world.app, "admin").get("/data")
    assert page.status_code == 200
    table = page.text[page.text.index('id="records"') :]
    table = table[: table.index("</table>")]
    row = re.search(r"<tr><td>stops</td><td>([^<]*)</td>", table)
    assert row is not None, table
    assert row.group(1) == f"{first:%d %b %Y}"
    # records with times keep their latest time (only month-only ones read as a month)
    latest = world.store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(latest, dt.datetime)
    assert f"<td>{latest:%d %b %Y %H:%M}</td>" in table


def test_month_only_records_are_named_by_their_month_at_both_ends(
    tmp_path: Path, city_month: Path
) -> None:
    """A store of data.police.uk months only (City of London, June 2019): the
    Records table named the latest "June 2019" but the first "01 Jun 2019", a
    day (and, on a store of January to March 2022, "01 Jan 2022" beside "March
    2022"); both ends are months."""
    page = signed_in(city_month_app(tmp_path, city_month), "analyst").get("/data")
    assert page.status_code == 200
    table = page.text[page.text.index('id="records"') :]
    table = table[: table.index("</table>")]
    row = re.search(r"<tr><td>incidents</td><td>([^<]*)</td><td>([^<]*)", table)
    assert row is not None, table
    assert (row.group(1), row.group(2).strip()) == ("June 2019", "June 2019")


def _load_row(load_id: str, name: str, at: dt.datetime, loaded: int) -> dict[str, Any]:
    return {
        "load_id": load_id,
        "source_file": name,
        "file_sha256": name.upper(),
        "kind": "policeuk-street",
        "loaded_at": at,
        "rows": 10,
        "loaded": loaded,
        "quarantined": 1,
        "duplicates": 9 - loaded,
    }


def test_a_file_loaded_again_is_one_file_of_its_rows_once(sqlite_store: Store) -> None:
    # a file whose rows were deleted (or a police.uk month switched back) and that
    # was loaded again has a second loads row: the Data page's Files, Rows read and
    # Loaded and 'avert status' loads.files summed the rows, two files of 20 rows
    day = dt.datetime(2026, 11, 1, 9)
    rows = [
        _load_row("L1", "a.csv", day, 9),
        _load_row("L1", "b.csv", day, 9),
        _load_row("L2", "a.csv", day + dt.timedelta(days=3), 4),
    ]
    with sqlite_store.transaction() as tx:
        tx.append("loads", pl.DataFrame(rows, schema=LOADS.schema))
    [source] = views.data_view(sqlite_store)["sources"]
    counts = ("files", "loads", "rows", "loaded", "quarantined", "duplicates")
    # a.csv as last loaded (4 added, 5 already there), b.csv: 10 rows each
    assert [source[c] for c in counts] == [2, 3, 20, 13, 2, 5]
    assert source["last_loaded_at"] == day + dt.timedelta(days=3)
    loads = status_summary(sqlite_store)["loads"]
    assert (loads["files"], loads["loads"]) == (2, 3)


def test_the_data_page_says_the_rows_held_now_beside_those_loaded(
    tmp_path: Path, template_db: Path
) -> None:
    """A file's "Loaded" is what it added when last loaded: rows deleted since
    (retention, a later load replacing them) were still counted, read as what the
    store holds. The page says both: 5 loaded, 3 held now."""
    url = f"sqlite:///{tmp_path / 'held.db'}"
    migrated_store(tmp_path / "held.db", template_db).close()
    folder = tmp_path / "2019-06"
    folder.mkdir()
    header, *rows = STREET.read_text(encoding="utf-8").splitlines()[:6]
    (folder / STREET.name).write_text("\n".join([header, *rows]) + "\n", "utf-8")
    res = CliRunner().invoke(cli_app, ["--db", url, "ingest", "policeuk", str(folder)])
    assert res.exit_code == 0, res.output
    store = Store(url)
    try:
        ids = store.read_frame("incidents", columns=["incident_id"])["incident_id"]
        assert ids.len() == 5
        with store.transaction() as tx:
            assert delete_keys(tx, "incidents", ids.head(2)) == 2
        [source] = views.data_view(store)["sources"]
        assert (source["loaded"], source["held"]) == (5, 3)
        add_user(store, "analyst", password=PASSWORD, role="analyst")
        settings = load_settings({}).with_overrides(
            database_url=url, secret_key=SECRET, pseudonym_key="k" * 40
        )
        page = signed_in(create_app(settings, store), "analyst").get("/data")
        assert page.status_code == 200
        assert re.search(
            r'<td data-label="Loaded">5</td><td data-label="Held now">3</td>', page.text
        ), page.text[:3000]
    finally:
        store.close()


def test_a_stale_source_is_warned_of_beside_a_fresh_one(
    tmp_path: Path, template_db: Path
) -> None:
    """The staleness of records was judged per table: London's police.uk data
    ending March 2022 got no warning beside a synthetic city of this year in the
    same store. Each source (and force) whose latest record is over 90 days old
    is named; the fresh one is not."""
    url = f"sqlite:///{tmp_path / 'two.db'}"
    migrated_store(tmp_path / "two.db", template_db).close()
    folder = tmp_path / "2019-06"
    folder.mkdir()
    (folder / STREET.name).write_text(
        "\n".join(STREET.read_text(encoding="utf-8").splitlines()[:4]) + "\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli_app, ["--db", url, "ingest", "policeuk", str(folder)])
    assert res.exit_code == 0, res.output
    store = Store(url)
    try:
        old = store.read_frame("incidents")
        fresh = old.with_columns(
            ("SYN" + pl.col("incident_id")).alias("incident_id"),
            pl.lit("synth").alias("source"),
            pl.lit(None, pl.String).alias("force"),
            pl.lit(dt.datetime.now() - dt.timedelta(days=5)).alias("occurred_from"),
            pl.lit(None, pl.Datetime("us")).alias("occurred_to"),
            pl.lit("exact").alias("time_precision"),
        )
        with store.transaction() as tx:
            tx.append("incidents", fresh)
        stale = views.data_view(store)["stale"]
    finally:
        store.close()
    [source] = old["source"].unique().to_list()
    said = [s for s in stale if "latest record" in s]
    assert len(said) == 1, stale
    assert f"incidents of {source}" in said[0], said
    assert "30 Jun 2019" in said[0], said
    assert "synth" not in said[0], said
