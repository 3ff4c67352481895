"""``avert classify`` applies the ASB bridge (seed paragraph 8) to the stored ASB
reports: ``asb_escalations`` holds, per profile, what
:func:`avert.classify.asb_escalation` says of each report, is replaced (not added
to) on a re-run, follows a profile change, and ``avert status`` counts the reports
loaded since."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from avert.classify import asb_escalation
from avert.cli import app
from avert.config.settings import Settings
from avert.store import Store
from avert.workflows.admin import store_status
from avert.workflows.definitions import classify_store

_VERDICT = ["asb_id", "escalates", "rule_ids", "n_caller_reports", "n_place_reports"]


def _stored(store: Store, profile: str) -> pl.DataFrame:
    return (
        store.read_frame("asb_escalations", where=[("profile", "=", profile)])
        .select(_VERDICT)
        .sort("asb_id")
    )


def test_classify_stores_the_bridge_of_every_asb_report(city_store: Store) -> None:
    """The synthetic city's ASB reports (loaded and classified by
    :func:`loaded_city`): the stored verdicts equal the bridge run here on the
    whole stored ``asb`` table (every column, not the workflow's read), and some
    reports escalate (the city plants escalating campaigns)."""
    asb = city_store.read_frame("asb")
    expected = asb_escalation(asb, "avb-2010").select(_VERDICT).sort("asb_id")
    stored = _stored(city_store, "avb-2010")
    assert asb.height > 0
    assert stored["escalates"].sum() > 0
    assert_frame_equal(stored, expected)


def test_a_rerun_replaces_the_bridge_and_a_profile_has_its_own(
    city_store: Store,
) -> None:
    """Classifying again leaves the same rows (no duplicate, no loss); a profile
    whose bridge is off (who-broad) stores its own rows, none escalating, and
    leaves avb-2010's as they were."""
    before = _stored(city_store, "avb-2010")
    report = classify_store(city_store, profile="avb-2010")
    assert_frame_equal(_stored(city_store, "avb-2010"), before)
    assert report.asb_reports == city_store.count("asb")
    assert report.asb_escalating == before["escalates"].sum()
    classify_store(city_store, profile="who-broad")
    broad = _stored(city_store, "who-broad")
    assert broad.height == before.height
    assert not broad["escalates"].any()
    assert_frame_equal(_stored(city_store, "avb-2010"), before)


@pytest.mark.parametrize("kind", ["sqlite_store", "postgres_store"])
def test_status_counts_asb_reports_not_bridged(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """Two ASB reports classified, then three loaded since: status counts the
    three under the definition until it is classified again."""
    store = request.getfixturevalue(kind)

    def reports(ids: range) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "asb_id": [f"a{i}" for i in ids],
                "source": ["test"] * len(ids),
                "occurred_at": [
                    dt.datetime(2019, 6, 1, 12) + dt.timedelta(i) for i in ids
                ],
                "caller_id": ["p1"] * len(ids),
                "vulnerable_caller": [True] * len(ids),
                "x": [1.0] * len(ids),
                "y": [1.0] * len(ids),
            }
        )

    incident = pl.DataFrame(
        {"incident_id": ["i1"], "source": ["test"], "offence_code": ["8N"]}
    )
    with store.transaction() as tx:
        tx.append("incidents", incident)
        tx.append("asb", reports(range(2)))
    classify_store(store, profile="avb-2010")
    settings = Settings(definition="avb-2010", harm_table="")

    def unbridged() -> int:
        status = store_status(store, settings=settings)
        return int(status["classifications"]["avb-2010"]["asb_unbridged"])

    assert unbridged() == 0
    with store.transaction() as tx:
        tx.append("asb", reports(range(2, 5)))
    assert unbridged() == 3
    classify_store(store, profile="avb-2010")
    assert unbridged() == 0
    assert _stored(store, "avb-2010")["escalates"].to_list() == [
        False,
        True,
        True,
        True,
        True,
    ]


def test_status_of_asb_reports_and_no_incident_names_the_command(
    template_db: Path, tmp_path: Path
) -> None:
    """ASB reports and no incident: an ingest classifies nothing then, so no
    report is checked for escalation, and status said nothing of it (it lists
    classified definitions only). It now names the command; once classified
    (a run row and the bridge, no classification) the definition is listed,
    current, with no report left unbridged."""
    path = tmp_path / "asb.db"
    shutil.copy(template_db, path)
    url = f"sqlite:///{path}"
    store = Store(url)
    with store.transaction() as tx:
        tx.append(
            "asb",
            pl.DataFrame(
                {
                    "asb_id": ["a1", "a2", "a3"],
                    "source": ["test"] * 3,
                    "occurred_at": [dt.datetime(2019, 6, d, 12) for d in (1, 2, 3)],
                    "caller_id": ["p1"] * 3,
                    "vulnerable_caller": [False] * 3,
                }
            ),
        )
    store.close()

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, result.output
        return " ".join(result.stdout.split())

    assert (
        "ASB reports: 3 stored, none checked for escalation (no definition "
        "classified yet): run 'avert classify'"
    ) in run("status")
    assert "ASB bridge: 1 of 3 ASB reports escalate" in run("classify")
    after = run("status")
    assert "none checked" not in after
    assert "classifications avb-2010: current" in after
    listed = json.loads(run("status", "--json"))["classifications"]
    assert listed["avb-2010"]["asb_unbridged"] == 0


def test_ingest_of_asb_reports_and_no_incident_bridges_them(
    template_db: Path, tmp_path: Path
) -> None:
    """A bundle of ASB reports and no incident (a council's), loaded by ``avert
    ingest``: the ingest classified nothing (no incident), so no report was
    checked for escalation until ``avert classify``, and status said to run it.
    The ingest now bridges them as classify does: the same stored rows (classify
    run after it changes none), none left unbridged, and says how many escalate."""
    from avert.synth import tiny_city, write_bundle

    city = tmp_path / "city"
    write_bundle(tiny_city(0), city)
    folder = tmp_path / "asb-only"
    folder.mkdir()
    for name in ("manifest.json", "asb.csv", "people.csv"):
        shutil.copy(city / name, folder / name)
    header = (city / "incidents.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / "incidents.csv").write_text(header + "\n", encoding="utf-8")
    path = tmp_path / "council.db"
    shutil.copy(template_db, path)
    url = f"sqlite:///{path}"

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, ["--db", url, *args])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    said = run("ingest", "bundle", str(folder))
    store = Store(url)
    assert store.count("incidents") == 0
    asb = store.read_frame("asb")
    bridged = _stored(store, "avb-2010")
    assert bridged.height == asb.height > 0
    assert bridged["escalates"].sum() > 0, "the check needs escalating reports"
    escalating = int(bridged["escalates"].sum())
    assert f"ASB bridge: {escalating:,} of {asb.height:,} ASB reports escalate" in said
    status = json.loads(run("status", "--json"))["classifications"]
    assert status["avb-2010"]["asb_unbridged"] == 0
    run("classify")
    assert_frame_equal(_stored(store, "avb-2010"), bridged)
