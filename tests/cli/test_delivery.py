"""``avert plan``, ``avert task`` and ``avert board pack`` from the command line."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store

#: a real pseudonym key for the partner views of these tests
KEY = secrets.token_urlsafe(32)

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"


@pytest.fixture
def db(tmp_path: Path, template_db: Path) -> str:
    """A fresh store at the head (a copy of the session's migrated template)."""
    path = tmp_path / "plan.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def tasked(db: str) -> str:
    """The store with the incident I9 and the people P8 and P9 the taskings name."""
    store = Store(db)
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["I9"],
                    "source": ["test"],
                    "occurred_from": [dt.datetime(2026, 1, 1, 12)],
                    "time_precision": ["exact"],
                }
            ),
        )
        tx.append("people", pl.DataFrame({"person_id": ["P8", "P9"], "source": "t"}))
    store.close()
    return db


def _run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--db", db, *args], env={"AVERT_PSEUDONYM_KEY": KEY}
    )
    error = f"{result.exception}" if result.exception else ""
    return result.exit_code, result.output + error


@pytest.mark.usefixtures("tasked")
def test_plan_import_export_task_round_trip(db: str, tmp_path: Path) -> None:
    code, out = _run(db, "plan", "import", str(EXAMPLE))
    assert code == 0, out
    assert "18 created" in out
    code, out = _run(db, "plan", "import", str(EXAMPLE))
    assert "0 created, 0 updated, 18 unchanged" in out
    exported = tmp_path / "out.yaml"
    assert _run(db, "plan", "export", str(exported))[0] == 0
    assert "id: A12" in exported.read_text(encoding="utf-8")

    code, out = _run(
        db, "task", "add", "--from", "incident:I9", "--what", "Visit", "--who", "PC A"
    )
    assert code == 0, out
    tasking_id = out.split(":")[0].strip()
    code, out = _run(db, "task", "add", "--from", "retaliation:I9", "--what", "Visit")
    assert code == 1
    assert "already tasked" in out
    assert _run(db, "task", "result", tasking_id, "nobody home")[0] == 0
    assert _run(db, "task", "done", tasking_id)[0] == 0
    rows = json.loads(_run(db, "task", "list", "--json")[1])
    assert [(r["status"], r["result"]) for r in rows] == [("done", "nobody home")]
    # times in ISO 8601, as every JSON of avert (was "2026-12-03 07:50:03")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", rows[0]["created_at"]
    )


def test_plan_import_error_lines(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "plan:\n  id: x\n  title: t\n  board: b\nactions:\n  - id: A\n", "utf-8"
    )
    code, out = _run(db, "plan", "import", str(bad))
    assert code == 1
    assert "bad.yaml:6:" in out


def test_board_pack_html(db: str, tmp_path: Path) -> None:
    _run(db, "plan", "import", str(EXAMPLE))
    code, out = _run(
        db, "board", "pack", "--month", "2010-10", "--out", str(tmp_path), "--no-pdf"
    )
    assert code == 0, out
    html = (tmp_path / "board-pack-2010-10.html").read_text(encoding="utf-8")
    assert "Plan status by RIPE strand" in html
    # the duplicated subject, in words (it read "cohort:secondary-schools-top-wards")
    assert "Cohort: secondary schools top wards" in html
    assert "cohort:secondary-schools-top-wards" not in html
    assert 'id="measures"' in html
    # a store naming no person, place or group has nothing to check, not "0 of the 0"
    assert "0 of the 0 top-harm" not in html
    assert "names no person, place or group" in html


def test_plan_status_shows_each_objective_measure(db: str) -> None:
    _run(db, "plan", "import", str(EXAMPLE))
    code, out = _run(db, "plan", "status")
    assert code == 0, out
    assert "Plan status as at" in out
    assert "P1 Most Serious Violence" in out  # the category by name, not its key
    # a measure reported by hand by its words ("R1 public_confidence" before)
    assert "R1 public confidence" in out
    assert "public_confidence" not in out
    # the checks its help promises (the example plan's actions are due in 2010)
    checks = {
        " ".join(line.strip("│ ").split("│")[0].split()): line.split("│")[-2].strip()
        for line in out.splitlines()
        if line.count("│") == 3
    }
    assert checks["overdue"] == "7"
    assert checks["without an owner"] == "1"
    assert checks["subjects under two or more boards"] == "1"
    # a store naming no person, place or group, and no victim, has nothing to
    # check: "0 of 0" read as everything in hand, as the plan board and pack say
    assert checks["top-harm subjects with no action"] == "–"
    assert checks["repeat victims with no enhanced response"] == "–"
    assert "names no person, place or group" in " ".join(out.split())
    assert "the store names no victims" in " ".join(out.split())
    found = json.loads(_run(db, "plan", "status", "--json")[1])
    assert found["not_checked"]["repeat_victims"].startswith("not checked")
    statuses = {m["objective_id"]: m["status"] for m in found["measures"]}
    # an empty store: the series need data; the survey measure is reported by hand
    assert statuses == {
        "E1": "insufficient_data",
        "I1": "insufficient_data",
        "P1": "insufficient_data",
        "P2": "insufficient_data",
        "R1": "not_measured",
    }
    assert found["grid"]["prevention"]["in_progress"] == 1


@pytest.mark.usefixtures("tasked")
def test_task_add_due_with_an_offset_is_converted_to_local_time(db: str) -> None:
    """``--due`` follows the one time rule of the command line: a time with ``Z``
    or an offset is converted to the force's zone (Europe/London: BST in July)."""
    code, out = _run(
        db, "task", "add", "--item", "incident:I9", "--due", "2026-07-01T06:00Z"
    )
    assert code == 0, out
    code, out = _run(
        db, "task", "add", "--item", "person:P9", "--due", "2026-01-15T06:00+01:00"
    )
    assert code == 0, out
    rows = json.loads(_run(db, "task", "list", "--json")[1])
    due = {r["item_id"]: r["due"] for r in rows}
    assert due == {"I9": "2026-07-01T07:00:00", "P9": "2026-01-15T05:00:00"}
    code, out = _run(db, "task", "add", "--item", "person:P8", "--due", "tomorrow")
    assert code == 2
    assert "--due" in out


@pytest.mark.usefixtures("tasked")
def test_task_list_refuses_an_unknown_status(db: str) -> None:
    """A misspelt status listed nothing, as if there were no taskings; it is a
    usage error (exit 2, as every unknown value; it was 1 until 2026-12)."""
    assert _run(db, "task", "add", "--item", "incident:I9")[0] == 0
    code, out = _run(db, "task", "list", "--status", "opne")
    assert code == 2
    assert "--status" in out
    assert "'opne'" in out
    assert "open, done, cancelled" in out
    code, out = _run(db, "task", "list", "--status", "open", "--json")
    assert code == 0
    assert len(json.loads(out)) == 1


def test_board_pack_refuses_a_month_that_is_not_one(db: str) -> None:
    """``--month 2026-13`` was exit 1 and, without a pseudonym key, was answered
    with the key's message; it is a usage error, before anything else."""
    result = CliRunner().invoke(
        app, ["--db", db, "board", "pack", "--month", "2026-13"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
    assert "PSEUDONYM" not in result.output


@pytest.mark.usefixtures("tasked")
def test_task_done_and_result_name_an_unknown_tasking_and_the_list(db: str) -> None:
    """A mistyped tasking id said "No such tasking (see the meeting for its
    taskings)": the web page's words, naming neither the id nor a command."""
    for args in (("done", "T20990101-nope"), ("result", "T20990101-nope", "seen")):
        code, out = _run(db, "task", *args)
        assert code == 1
        assert "'T20990101-nope'" in out
        assert "avert task list" in out
        assert "meeting" not in out


@pytest.mark.usefixtures("tasked")
def test_task_add_refuses_an_item_that_names_nothing(db: str) -> None:
    """``avert task add`` goes through the workflow's check: an id that is in no
    table of the store is refused, and nothing is written or audited."""
    code, out = _run(db, "task", "add", "--item", "incident:I404", "--what", "Visit")
    assert code == 1
    assert "No incident 'I404'" in out
    code, out = _run(db, "task", "add", "--item", "person:I9")
    assert code == 1
    assert "No person 'I9'" in out
    assert json.loads(_run(db, "task", "list", "--json")[1]) == []
    store = Store(db)
    assert store.read_frame("audit").filter(pl.col("action") == "change").height == 0


@pytest.mark.usefixtures("tasked")
def test_the_command_line_records_a_result_without_a_version(db: str) -> None:
    """The web refuses a save without the version its form was opened at; the
    command line has none to give (no form was read: it names a tasking and a
    result) and changes only those fields, on the tasking as it stands, after
    another change too. A tasking already done is still not done again."""
    code, out = _run(db, "task", "add", "--from", "incident:I9", "--what", "Visit")
    assert code == 0, out
    tasking_id = out.split(":")[0].strip()
    assert _run(db, "task", "result", tasking_id, "nobody home")[0] == 0  # version 2
    code, out = _run(db, "task", "done", tasking_id, "--result", "seen")
    assert code == 0, out
    rows = json.loads(_run(db, "task", "list", "--json")[1])
    assert [(r["status"], r["result"]) for r in rows] == [("done", "seen")]
    code, out = _run(db, "task", "done", tasking_id, "--result", "again")
    assert code == 1
    assert "already closed" in out


def test_board_pack_withholds_a_date_of_birth_and_address_in_evidence(
    db: str, tmp_path: Path
) -> None:
    """Evidence of an action done this month naming a stored person's date of
    birth, address and postcode reached the board pack as typed."""
    from avert.workflows import delivery
    from avert.workflows.users import User

    _run(db, "plan", "import", str(EXAMPLE))
    store = Store(db)
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P7"], "source": "t"}))
        tx.append(
            "person_identity",
            pl.DataFrame(
                {
                    "person_id": ["P7"],
                    "date_of_birth": [dt.date(2006, 4, 3)],
                    "address": ["14 Acacia Road, Leeds, LS9 8AB"],
                }
            ),
        )
    chair = User("chair1", "chair")
    delivery.update_action(store, "A04", {"status": "in_progress"}, user=chair)
    evidence = "Signed: 3 April 2006 (P7), of 14 ACACIA RD, ls9 8ab"
    delivery.update_action(
        store, "A04", {"status": "done", "evidence": evidence}, user=chair
    )
    store.close()
    month = f"{dt.date.today():%Y-%m}"
    code, out = _run(
        db, "board", "pack", "--month", month, "--out", str(tmp_path), "--no-pdf"
    )
    assert code == 0, out
    page = (tmp_path / f"board-pack-{month}.html").read_text(encoding="utf-8")
    assert "Signed: [date withheld] (P-" in page
    assert "of [address withheld], [postcode withheld]" in page
    for word in ("april 2006", "acacia", "ls9 8ab"):
        assert word not in page.lower(), word


def test_plan_status_path_keeps_its_difference_from_now() -> None:
    """``avert plan status`` printed a count of 355 against a path of 354.6 as
    "355" twice beside "off track"; the path keeps the decimal that tells them
    apart, and prints as before otherwise."""
    from avert.cli.delivery import _path

    assert _path(354.6, 355) == "354.6"
    assert _path(354.6, 399) == "355"
    assert _path(0.709, 0.87) == "0.71"
    assert _path(None, 355) == "-"


def test_plan_status_now_takes_the_decimals_of_its_path() -> None:
    """A harm of 12,345.75 CCHI days printed "12,346" beside a path of "12,345.9"
    and "on track", as if above the path it is below; a whole count keeps its
    print."""
    from avert.cli.delivery import _now

    assert _now(12345.75, 12345.9) == "12,345.8"
    assert _now(355, 354.6) == "355"
    assert _now(0.87, 0.709) == "0.87"
    assert _now(12345.75, None) == "12,346"
    assert _now(None, 355) == "-"


def test_task_add_says_when_no_account_is_of_the_organisation(tasked: str) -> None:
    """A tasking given to "Councl" was saved as typed and seen by no partner of
    "council", without a word; one given to "COUNCIL" reaches them (no note)."""
    from avert.workflows.users import add_user

    add_user(Store(tasked), "cllr", password="x" * 16, role="partner", org="council")
    code, out = _run(tasked, "task", "add", "--item", "incident:I9", "--org", "Councl")
    assert code == 0, out
    assert "No account is of the organisation 'Councl'" in " ".join(out.split())
    code, out = _run(tasked, "task", "add", "--item", "person:P8", "--org", "COUNCIL")
    assert code == 0, out
    assert "No account" not in out


def test_plan_status_prints_why_the_verdict_is_insufficient_data(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``avert plan status`` printed "on track (insufficient data)" without the
    reason the verdict carries (the Plan page prints it under the verdict); it
    prints it below the table, and ``--json`` carries it as ``verdict_reason``."""
    from avert.workflows import delivery

    _run(db, "plan", "import", str(EXAMPLE))
    found = json.loads(_run(db, "plan", "status", "--json")[1])
    assert all("verdict_reason" in m for m in found["measures"])
    why = "the baseline has 9 months; the seasonal model needs at least 12 months"
    found["measures"][0].update(
        status="on_track",
        current=90.0,
        path=100.0,
        verdict="insufficient_data",
        verdict_reason=why,
    )
    monkeypatch.setattr(delivery, "plan_status", lambda *_a, **_k: found)
    code, out = _run(db, "plan", "status")
    assert code == 0, out
    oid = found["measures"][0]["objective_id"]
    assert f"{oid} verdict insufficient data: {why}" in " ".join(out.split())
    code, out = _run(db, "plan", "status", "--json")
    assert json.loads(out)["measures"][0]["verdict_reason"] == why
