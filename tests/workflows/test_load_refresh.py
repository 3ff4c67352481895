"""Ingest leaves the store ready to brief (issue 12.7): a load classifies the store."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.config import timezone
from avert.config.definitions import HarmTable, Profile
from avert.store import Store
from avert.store.summary import detected_groups_at
from avert.synth import tiny_city, write_bundle
from avert.workflows.definitions import ClassifyReport, classify_store
from avert.workflows.load import Refresh, load_files, refresh_after_load

DATA = Path(__file__).resolve().parents[1] / "data"
AT = "2026-11-24T06:00"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundle")
    write_bundle(tiny_city(0), folder)
    return folder


def _classified(store: Store, profile: str) -> int:
    return store.read_frame(
        "classifications", columns=["incident_id"], where=[("profile", "=", profile)]
    ).height


def _a_minute_a_clock_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read of avert's clock a minute after the one before, from 24 Nov 2026."""
    minutes = itertools.count()
    monkeypatch.setattr(
        timezone,
        "_utc_now",
        lambda: (
            dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
            + dt.timedelta(minutes=next(minutes))
        ),
    )


def test_refresh_classifies_every_incident(any_store: Store) -> None:
    report = load_files(any_store, [DATA / "policeuk" / "2019-06"])
    refreshed = refresh_after_load(any_store, report, definition="avb-2010")
    assert [r.profile for r in refreshed.classified] == ["avb-2010"]
    assert _classified(any_store, "avb-2010") == any_store.count("incidents") > 0
    assert "avb-2010" in refreshed.summary()
    # police.uk rows weigh the expected harm of their category: the summary says so
    assert "expected weight of their police.uk category" in refreshed.summary()
    # a second profile classified by hand is refreshed by the next load too
    classify_store(any_store, profile="who-broad")
    more = load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    assert more.loaded > 0
    again = refresh_after_load(any_store, more, definition="avb-2010")
    assert sorted(r.profile for r in again.classified) == ["avb-2010", "who-broad"]
    for profile in ("avb-2010", "who-broad"):
        assert _classified(any_store, profile) == any_store.count("incidents")
    # a load that adds nothing changes nothing
    same = load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    assert refresh_after_load(any_store, same, definition="avb-2010").classified == ()


def test_a_rerun_classifies_what_a_killed_load_left_unclassified(
    any_store: Store,
) -> None:
    """A load killed (SIGKILL) after it committed and before it classified, then run
    again: the re-run finds every row stored (``loaded == 0``) and must still
    classify them. It said "Nothing new to classify." and left them outside the
    definition (5,295 police.uk City of London crimes in the probe on PostgreSQL)."""
    first = load_files(any_store, [DATA / "policeuk" / "2019-06"])
    refresh_after_load(any_store, first, definition="avb-2010")
    before = any_store.count("incidents")
    # the killed load: committed, never classified
    load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    assert any_store.count("incidents") > _classified(any_store, "avb-2010")
    rerun = load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    assert rerun.loaded == 0
    refreshed = refresh_after_load(any_store, rerun, definition="avb-2010")
    assert [r.profile for r in refreshed.classified] == ["avb-2010"]
    assert _classified(any_store, "avb-2010") == any_store.count("incidents") > before


def test_a_rerun_stores_the_groups_a_killed_load_did_not(
    any_store: Store, bundle: Path
) -> None:
    """A load killed after it classified and before it stored the detected groups,
    then run again: the re-run said "Nothing new to classify." and the briefing's
    groups stayed missing (none at all on a first load: the synthetic city in the
    probe on PostgreSQL). It now detects and stores them, once."""
    load_files(any_store, [bundle], kind="bundle")
    classify_store(any_store, profile="avb-2010")  # then killed: no groups stored
    assert any_store.count("detected_groups") == 0
    rerun = load_files(any_store, [bundle], kind="bundle")
    assert rerun.loaded == 0
    refreshed = refresh_after_load(any_store, rerun, definition="avb-2010")
    assert refreshed.classified == ()  # classified already: not again
    assert refreshed.detected_groups == any_store.count("detected_groups") > 0
    assert "groups detected and stored" in refreshed.summary()
    # stored and newer than the load: the next re-run does nothing
    again = load_files(any_store, [bundle], kind="bundle")
    assert refresh_after_load(any_store, again, definition="avb-2010") == Refresh()


def test_a_store_whose_people_form_no_group_is_not_detected_at_each_rerun(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example bundle's people form no group, so a detection stores none. Each
    re-ingest that added nothing (a nightly job re-ingesting the same folder) read
    "no groups stored" as "never detected" and detected them again (2.6 s on SQLite,
    8.9 s on PostgreSQL at 1 M incidents). Each detection run is now recorded
    (``detection_runs``): the re-run detects nothing, and still detects after a load
    killed before it stored the groups."""
    import avert.workflows.networks as networks

    _a_minute_a_clock_read(monkeypatch)  # each step a later time
    refresh = networks.refresh_detected_groups
    runs: list[str] = []

    def counted(store: Store, **kwargs: Any) -> Any:
        runs.append("run")
        return refresh(store, **kwargs)

    monkeypatch.setattr(networks, "refresh_detected_groups", counted)
    example = DATA / "bundle-example"
    first = load_files(any_store, [example], kind="bundle")
    refreshed = refresh_after_load(any_store, first, definition="avb-2010")
    assert refreshed.detected_groups == 0 < any_store.count("involvements")
    assert any_store.count("detected_groups") == 0
    assert (len(runs), any_store.count("detection_runs")) == (1, 1)
    for _ in range(2):  # re-ingests of the same folder: nothing detected
        same = load_files(any_store, [example], kind="bundle")
        assert same.loaded == 0
        assert refresh_after_load(any_store, same, definition="avb-2010") == Refresh()
    assert (len(runs), any_store.count("detection_runs")) == (1, 1)
    # a load that adds rows, killed after it classified, before it detected
    police = DATA / "policeuk" / "2019-06"
    assert load_files(any_store, [police]).loaded > 0
    classify_store(any_store, profile="avb-2010")
    rerun = load_files(any_store, [police])
    assert rerun.loaded == 0
    refreshed = refresh_after_load(any_store, rerun, definition="avb-2010")
    assert (refreshed.classified, refreshed.detected_groups) == ((), 0)
    assert (len(runs), any_store.count("detection_runs")) == (2, 2)
    run = any_store.read_frame("detection_runs", order_by=["detected_at"]).row(
        -1, named=True
    )
    assert (run["profile"], run["groups"], run["members"]) == ("avb-2010", 0, 0)
    assert run["incidents"] == any_store.count("incidents")
    assert run["involvements"] == any_store.count("involvements")
    again = load_files(any_store, [police])
    assert refresh_after_load(any_store, again, definition="avb-2010") == Refresh()
    assert len(runs) == 2


def test_a_rerun_classifies_a_killed_month_replacement_of_as_many_rows(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """police.uk republishes a month: one crime withdrawn, one added and one revised
    to violence. Its load is killed after it committed, before it classified; the
    store then holds as many incidents as classifications (the withdrawn crime's
    row stays), so the re-run's count matched, it said "Nothing new to classify."
    and left the added crime unclassified and the revised one outside the
    definition."""
    name = "2019-06-city-of-london-street.csv"
    header, *rows = (DATA / "policeuk" / "2019-06" / name).read_text().splitlines()
    at = next(i for i, r in enumerate(rows) if i and ",Other theft," in r)
    revised_id = rows[at].split(",")[0]
    violent = next(r for r in rows if ",Violence and sexual offences," in r)
    added = "f" * 64 + violent[violent.index(",") :]
    revised = rows[at].replace(",Other theft,", ",Violence and sexual offences,")
    republished = [added, *rows[1:at], revised, *rows[at + 1 :]]
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / name).write_text("\n".join([header, *republished]) + "\n")
    # the republished month is loaded after the first classification, not in
    # the same second (times are kept to the second)
    _a_minute_a_clock_read(monkeypatch)
    first = load_files(any_store, [DATA / "policeuk" / "2019-06"])
    refresh_after_load(any_store, first, definition="avb-2010")
    load_files(any_store, [tmp_path / "v2"], replace_months=True)  # then killed
    assert _classified(any_store, "avb-2010") == any_store.count("incidents")
    rerun = load_files(any_store, [tmp_path / "v2"], replace_months=True)
    assert (rerun.loaded, rerun.replaced) == (0, 0)
    refreshed = refresh_after_load(any_store, rerun, definition="avb-2010")
    assert [r.profile for r in refreshed.classified] == ["avb-2010"]
    stored = any_store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition"],
        where=[("profile", "=", "avb-2010")],
    )
    assert set(stored["incident_id"]) == set(
        any_store.read_frame("incidents", columns=["incident_id"])["incident_id"]
    )
    inside = set(stored.filter(pl.col("in_definition"))["incident_id"])
    assert {"f" * 64, revised_id} <= {i.rsplit(":", 1)[-1] for i in inside}


def test_a_rerun_in_the_hour_the_clocks_go_back_stores_the_groups(
    any_store: Store, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The morning the clocks go back: groups stored at 01:40 BST; a load recorded
    at 01:30 GMT, 50 minutes later, killed after it classified (01:31 GMT) and
    before it stored the groups. Stored times are wall-clock times: the load's
    01:30 read as before the groups' 01:40, so the re-run said "Nothing new to
    classify." and the groups missed the load's people. A time in the repeated
    hour may be either: the load's is read as the later, the groups' as the
    earlier."""
    now = [dt.datetime(2026, 10, 25, 0, 20, tzinfo=dt.UTC)]  # 01:20 BST

    def at(hour: int, minute: int) -> None:
        now[0] = dt.datetime(2026, 10, 25, hour, minute, tzinfo=dt.UTC)

    monkeypatch.setattr(timezone, "_utc_now", lambda: now[0])
    first = load_files(any_store, [bundle], kind="bundle")
    at(0, 40)  # 01:40 BST
    refresh_after_load(any_store, first, definition="avb-2010")
    assert any_store.count("detected_groups") > 0
    at(1, 30)  # 01:30 GMT
    example = DATA / "bundle-example"
    assert load_files(any_store, [example], kind="bundle").loaded > 0
    at(1, 31)
    classify_store(any_store, profile="avb-2010")  # then killed: groups not stored
    at(1, 35)
    rerun = load_files(any_store, [example], kind="bundle")
    assert rerun.loaded == 0
    refreshed = refresh_after_load(any_store, rerun, definition="avb-2010")
    assert refreshed.detected_groups == any_store.count("detected_groups") > 0
    assert detected_groups_at(any_store) == dt.datetime(2026, 10, 25, 1, 35)


def test_incidents_another_load_committed_meanwhile_are_classified(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two loads of different months at once: a second command's load commits while
    this one classifies, and this one's classification (of what it read) commits
    last, over the second's. The second's incidents were left unclassified; the
    refresh now counts again and classifies until every incident is covered."""
    import avert.workflows.load._refresh as refresh_module

    calls: list[str] = []

    def classify_then_other_load(
        store: Store, *, profile: Profile, harm: HarmTable
    ) -> ClassifyReport:
        result = classify_store(store, profile=profile, harm=harm)
        if not calls:  # the other command's load lands after this pass read
            load_files(store, [DATA / "bundle-example"], kind="bundle")
        calls.append("pass")
        return result

    monkeypatch.setattr(refresh_module, "classify_store", classify_then_other_load)
    report = load_files(any_store, [DATA / "policeuk" / "2019-06"])
    refreshed = refresh_after_load(any_store, report, definition="avb-2010")
    assert len(calls) == 2
    assert refreshed.classified[0].incidents == any_store.count("incidents")
    assert _classified(any_store, "avb-2010") == any_store.count("incidents")


def test_a_profile_that_cannot_be_reloaded_is_reported(sqlite_store: Store) -> None:
    report = load_files(sqlite_store, [DATA / "policeuk" / "2019-06"])
    refresh_after_load(sqlite_store, report, definition="avb-2010")
    frame = sqlite_store.read_frame("classifications").with_columns(
        profile=pl.lit("local-file-profile")
    )
    with sqlite_store.transaction() as tx:
        tx.append("classifications", frame)
    more = load_files(sqlite_store, [DATA / "bundle-example"], kind="bundle")
    refreshed = refresh_after_load(sqlite_store, more, definition="avb-2010")
    assert refreshed.not_refreshed == ("local-file-profile",)
    assert "avert classify --definition FILE" in refreshed.summary()


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner in ``tmp_path`` with no database setting (``./avert.db``)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AVERT_DATABASE_URL", raising=False)
    return CliRunner()


def test_ingest_then_brief_without_classify(
    bundle: Path, tmp_path: Path, runner: CliRunner
) -> None:
    for args in (
        ["db", "init"],
        ["ingest", "policeuk", str(DATA / "policeuk" / "2019-06")],
        ["ingest", "bundle", str(bundle), "--json"],
        ["brief", "--at", AT, "--no-pdf", "--out", "briefing"],
        ["analyse", "concentration", "--entity", "offender", "--measure", "harm"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, f"avert {' '.join(args)}: {result.output}"
    assert (tmp_path / "briefing" / "briefing.json").exists()


def test_no_classify_leaves_classification_to_the_user(
    bundle: Path, tmp_path: Path, runner: CliRunner
) -> None:
    assert runner.invoke(app, ["db", "init"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "bundle", str(bundle), "--no-classify"])
    assert result.exit_code == 0, result.output
    assert "Classified" not in result.output
    assert Store("avert.db").count("classifications") == 0


def test_a_bad_definition_setting_says_the_load_committed(sqlite_store: Store) -> None:
    from avert.errors import ConfigError

    report = load_files(sqlite_store, [DATA / "policeuk" / "2019-06"])
    with pytest.raises(ConfigError, match="The load committed"):
        refresh_after_load(sqlite_store, report, definition="no-such-profile")
    assert sqlite_store.count("incidents") == report.loaded


def test_ingest_and_classify_use_the_harm_table_setting(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingest classifies with the configured ``harm_table``, as ``avert classify`` does."""
    import re

    from avert.config.definitions import load_harm

    packaged = (
        Path(__file__).resolve().parents[2] / "src/avert/config/defaults/harm.toml"
    )
    own = tmp_path / "own-harm.toml"
    # every weight one day: nothing like the packaged table
    own.write_text(
        re.sub(
            r"^days = .*$",
            "days = 1.0",
            packaged.read_text(encoding="utf-8"),
            flags=re.M,
        ),
        encoding="utf-8",
    )
    assert load_harm(own).codes != load_harm().codes
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AVERT_DATABASE_URL", raising=False)
    monkeypatch.setenv("AVERT_HARM_TABLE", str(own))
    runner = CliRunner()
    assert runner.invoke(app, ["db", "init"]).exit_code == 0
    result = runner.invoke(app, ["ingest", "bundle", str(bundle)])
    assert result.exit_code == 0, result.output

    def harm_days() -> list[float]:
        frame = Store("avert.db").read_frame(
            "classifications", columns=["incident_id", "harm_days", "in_definition"]
        )
        inside = frame.filter(pl.col("in_definition")).sort("incident_id")
        return inside["harm_days"].to_list()

    after_ingest = harm_days()
    assert after_ingest
    assert set(after_ingest) <= {0.0, 1.0}, "ingest used the packaged harm table"
    result = runner.invoke(app, ["classify"])
    assert result.exit_code == 0, result.output
    assert "own-harm.toml" in result.output.replace("\n", "")  # a long path wraps
    assert harm_days() == after_ingest


def test_a_store_without_incidents_has_nothing_to_classify(any_store: Store) -> None:
    """Stop and search alone: no "Classified under avb-2010 (0 incidents ...)" line."""
    report = load_files(
        any_store, [DATA / "policeuk" / "2024-09-metropolitan-stops-force.json"]
    )
    assert report.loaded > 0
    refreshed = refresh_after_load(any_store, report, definition="avb-2010")
    assert refreshed.classified == ()
    assert refreshed.summary() == "Nothing new to classify."


def test_groups_another_load_committed_meanwhile_are_stored(
    any_store: Store, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two loads at once: a second command's load commits after this one's group
    detection read the store, and its own detection stores its groups first; this
    one's replacement, of what it read, commits last. The stored groups missed
    the second load's people (none at all here); the refresh now counts the
    stored rows again and detects until nothing committed meanwhile."""
    import avert.workflows.networks as networks

    read = networks.read_network_frames
    calls: list[str] = []

    def read_then_other_load(store: Store, **kwargs: Any) -> Any:
        frames = read(store, **kwargs)
        if not calls:  # the other command's load, classification and groups
            calls.append("other")
            other = load_files(store, [bundle], kind="bundle")
            refresh_after_load(store, other, definition="avb-2010")
        calls.append("read")
        return frames

    monkeypatch.setattr(networks, "read_network_frames", read_then_other_load)
    report = load_files(any_store, [DATA / "bundle-example"], kind="bundle")
    refreshed = refresh_after_load(any_store, report, definition="avb-2010")
    monkeypatch.setattr(networks, "read_network_frames", read)
    fresh = networks.refresh_detected_groups(any_store).groups.height
    assert fresh > 0
    assert refreshed.detected_groups == fresh


def test_a_rerun_under_another_definition_detects_the_groups_under_it(
    any_store: Store, bundle: Path
) -> None:
    """The ``definition`` setting changed to a profile already classified: the
    re-ingest classified nothing and kept the groups detected under the former
    profile (their violence share, harm and band), as the latest run was newer
    than the latest load. The run's profile now counts: it detects under the new
    one, once."""
    first = load_files(any_store, [bundle], kind="bundle")
    refresh_after_load(any_store, first, definition="avb-2010")
    classify_store(any_store, profile="who-broad")
    rerun = load_files(any_store, [bundle], kind="bundle")
    refreshed = refresh_after_load(any_store, rerun, definition="who-broad")
    assert refreshed.classified == ()
    assert refreshed.detected_groups == any_store.count("detected_groups") > 0
    assert set(any_store.read_frame("detected_groups")["profile"]) == {"who-broad"}
    again = load_files(any_store, [bundle], kind="bundle")
    assert refresh_after_load(any_store, again, definition="who-broad") == Refresh()
