"""Stored detected groups: refreshed once, read by the briefing (issue 12.6)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import polars as pl

from avert.analyse import networks as nw
from avert.store import Store
from avert.workflows.networks import read_detected_groups, refresh_detected_groups

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analyse"))
from networks_world import _day, world
from networks_world import fill_store as _fill


def test_refresh_stores_groups_with_their_as_of_and_read_returns_them(
    any_store: Store,
) -> None:
    empty = read_detected_groups(any_store)
    assert empty.as_of is None
    assert empty.membership.height == 0
    _fill(any_store)
    stored = refresh_detected_groups(any_store, as_of=_day(340))
    assert stored.as_of == _day(340)
    assert stored.method == "leiden-cpm"
    assert stored.params["objective"] == "cpm"
    by_group = (
        stored.membership.group_by("group_id")
        .agg(pl.col("person_id").sort())
        .sort("group_id")
    )
    assert by_group.get_column("group_id").to_list() == ["net-a1", "net-b1"]
    assert by_group.get_column("person_id").to_list() == [
        ["a1", "a2", "a3", "a4"],
        ["b1", "b2", "b3"],
    ]
    assert set(stored.membership.get_column("origin")) == {"detected"}
    a = stored.groups.filter(pl.col("group_id") == "net-a1").row(0, named=True)
    assert a["continuum"] == "street_gang"
    assert a["rivals"] == "net-b1"
    assert a["as_of"] == _day(340)
    # a reader sees exactly what was stored; a later refresh replaces it whole
    again = read_detected_groups(any_store)
    assert again.membership.equals(stored.membership)
    assert again.groups.equals(stored.groups)
    earlier = refresh_detected_groups(any_store, as_of=_day(100))
    assert earlier.as_of == _day(100)
    assert set(earlier.groups.get_column("as_of")) == {_day(100)}
    assert read_detected_groups(any_store).membership.equals(earlier.membership)


def test_stored_groups_feed_retaliation_alerts(sqlite_store: Store) -> None:
    """What the briefing does: stored groups + declared members -> alerts."""
    _fill(sqlite_store)
    refresh_detected_groups(sqlite_store, as_of=_day(329))
    stored = read_detected_groups(sqlite_store)
    membership = nw.group_membership(stored.membership, None)
    incidents, involvements, _ = world()
    alerts = nw.retaliation_alerts(
        incidents,
        involvements,
        membership,
        since=_day(330),
        until=_day(330) + dt.timedelta(hours=12),
    ).frame
    assert alerts.get_column("victim_id").to_list() == ["b1"]
    assert alerts.get_column("strength").to_list() == ["strong"]


def test_the_briefing_says_a_detection_found_no_group(sqlite_store: Store) -> None:
    """A store whose people form no group stores none. The briefing's note said
    "no detected groups are stored yet (they are stored by each 'avert ingest')"
    after every ingest, as if detection had never run; the recorded run
    (``detection_runs``) now lets it say the latest detection found none."""
    from avert.workflows.briefing_reads import _stored_groups
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files

    data = Path(__file__).resolve().parents[1] / "data" / "bundle-example"
    at = dt.datetime(2026, 11, 24, 6, 0)
    load_files(sqlite_store, [data], kind="bundle")
    classify_store(sqlite_store, profile="avb-2010")
    _, never = _stored_groups(sqlite_store, at=at)
    assert "no detected groups are stored yet" in never
    assert refresh_detected_groups(sqlite_store, profile="avb-2010").as_of is None
    frame, note = _stored_groups(sqlite_store, at=at)
    assert frame.height == 0
    assert "stored yet" not in note
    assert note.startswith("Retaliation alerts use declared groups only: the latest")
    assert "found no group of co-offenders" in note


def test_runs_made_in_one_second_are_ordered_as_made() -> None:
    """The latest detection run is the greatest (detected_at, run_id), and
    detected_at is kept to the second: run ids to the second plus random digits
    ordered two runs of one second by chance, so a re-run under another profile
    read as made under the former half the time (a flaky CI failure)."""
    from avert.workflows.networks import detection_run_row

    second = dt.datetime(2026, 12, 6, 9, 0, 0)
    ids = [
        detection_run_row(
            pl.DataFrame(),
            pl.DataFrame(),
            profile=profile,
            as_of=None,
            detected_at=second,
            inputs={},
        )["run_id"][0]
        for profile in ["avb-2010", "who-broad"] * 20
    ]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
