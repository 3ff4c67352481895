"""An export that writes several files names them, and their number, in its audit row.

The board pack's and the briefing's export rows gave the folder (``location=``)
only: the data protection officer could not tell from the log which files were
written there (an HTML alone, or a PDF too), nor find them in a folder that
holds others. docs/audit.md, "What is audited".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from pathlib import Path

import polars as pl
import pytest

from avert.config.settings import load_settings
from avert.store import Store, audit
from avert.workflows import delivery
from avert.workflows.briefing import people_shown, run_briefing
from avert.workflows.users import User
from briefing.factory import make_frames, write_store

SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
CHAIR = User("chair1", "chair")
AT = dt.datetime(2025, 3, 10, 8)


def _detail(row: dict[str, str]) -> dict[str, str]:
    """The ``key=value`` pairs of an audit row's ``detail``."""
    return dict(p.split("=", 1) for p in row["detail"].split("; "))


@pytest.fixture
def planned(sqlite_store: Store, tmp_path: Path) -> Store:
    """A store with a plan of one overdue action naming a person in its title."""
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P0000042"]}))
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n"
        "  - {id: A1, strand: prevention, title: Visit P0000042 at home,\n"
        "     lead: council, status: open, due: 2020-01-01}\n",
        encoding="utf-8",
    )
    delivery.import_plan(sqlite_store, plan, user=CHAIR)
    return sqlite_store


def test_the_board_packs_export_row_names_the_files_it_wrote(
    planned: Store, tmp_path: Path
) -> None:
    month = f"{dt.date.today():%Y-%m}"
    out = tmp_path / "pack"
    written = delivery.board_pack(
        planned, SETTINGS, month=month, out_dir=out, pdf=False
    )
    row = audit.read(planned, action="export").row(-1, named=True)
    detail = _detail(row)
    assert detail["location"] == str(out.resolve())
    assert detail["files"] == "1"
    assert detail["file_names"] == f"board-pack-{month}.html"
    assert [p.name for p in written] == [f"board-pack-{month}.html"]


def test_the_board_pack_is_audited_before_its_files_are_written(
    planned: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row was written after the HTML and the PDF: a PDF that failed (or a
    kill while it was laid out) left the HTML, which names people, unaudited.
    The row comes first and names both files the pack sets out to write."""
    month = f"{dt.date.today():%Y-%m}"
    out = tmp_path / "pack"

    def boom(html: str, path: Path) -> Path:
        msg = "killed during the PDF"
        raise RuntimeError(msg)

    monkeypatch.setattr("avert.report.render_pdf", boom)
    with pytest.raises(RuntimeError):
        delivery.board_pack(planned, SETTINGS, month=month, out_dir=out, pdf=True)
    assert (out / f"board-pack-{month}.html").exists()
    exports = audit.read(planned, action="export")
    assert exports.height == 1
    detail = _detail(exports.row(0, named=True))
    assert detail["files"] == "2"
    assert detail["file_names"] == (f"board-pack-{month}.html,board-pack-{month}.pdf")


def test_the_briefings_export_row_names_the_files_it_writes(
    sqlite_store: Store, tmp_path: Path
) -> None:
    write_store(sqlite_store, make_frames(300, at=AT, seed=11))
    files = run_briefing(sqlite_store, at=AT, out_dir=tmp_path / "b", pdf=False)
    row = audit.read(sqlite_store, action="export").row(-1, named=True)
    detail = _detail(row)
    assert detail["location"] == str((tmp_path / "b").resolve())
    assert detail["files"] == "2"
    assert detail["file_names"] == "briefing.json,briefing.html"  # as written
    assert {files.html.name, files.json.name} == {"briefing.html", "briefing.json"}


def test_a_briefing_with_its_pdf_names_three_files_before_writing_any(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_store(sqlite_store, make_frames(300, at=AT, seed=11))

    def boom(html: str, path: Path) -> Path:
        msg = "killed during the PDF"
        raise RuntimeError(msg)

    monkeypatch.setattr("avert.workflows.briefing.render_pdf", boom)
    with pytest.raises(RuntimeError):
        run_briefing(sqlite_store, at=AT, out_dir=tmp_path / "b", pdf=True)
    detail = _detail(audit.read(sqlite_store, action="export").row(-1, named=True))
    assert detail["files"] == "3"
    assert detail["file_names"] == "briefing.json,briefing.html,briefing.pdf"


def test_the_plan_exports_row_counts_the_people_its_file_names(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """``avert plan export`` writes every action's subject and title, person ids
    among them: its row counted no one (no detail) and named no file. It counts
    the stored people the file names (a subject, a title's id) and names the file."""
    with sqlite_store.transaction() as tx:
        tx.append(
            "people", pl.DataFrame({"person_id": ["P0000042", "P0000077", "P0000099"]})
        )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n"
        "  - {id: A1, strand: prevention, title: Visit P0000042 at home,\n"
        "     lead: council, status: open, due: 2020-01-01}\n"
        "  - {id: A2, strand: prevention, title: Mentoring, lead: council,\n"
        "     subject: person:P0000077, status: open, due: 2099-01-01}\n",
        encoding="utf-8",
    )
    delivery.import_plan(sqlite_store, plan, user=CHAIR)
    out = tmp_path / "out" / "plan.yaml"
    out.parent.mkdir()
    delivery.export_plan(sqlite_store, out)
    assert "P0000099" not in out.read_text(encoding="utf-8")
    row = audit.read(sqlite_store, action="export").row(-1, named=True)
    n, digest = audit.people_digest(["P0000042", "P0000077"])
    assert row["detail"] == (
        f"people={n}; people_sha256={digest}; location={out.resolve()}"
    )


def test_the_plan_exports_row_counts_a_stored_name_and_a_glued_id_a_title_writes(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A title writing a person's stored name, or their id run into letters,
    shows that person in the file (the police read it as written): the row
    counts them. It counted the ids written as words of their own only."""
    with sqlite_store.transaction() as tx:
        tx.append(
            "people", pl.DataFrame({"person_id": ["P0000042", "P0000077", "P0000099"]})
        )
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["P0000042"], "name": ["WHITCOMBE, Jonah"]}),
        )
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n"
        "  - {id: A1, strand: prevention, title: Visit Jonah Whitcombe at home,\n"
        "     lead: council, status: open, due: 2020-01-01}\n"
        "  - {id: A2, strand: prevention, title: Mentoring (xP0000077),\n"
        "     lead: council, status: open, due: 2099-01-01}\n",
        encoding="utf-8",
    )
    delivery.import_plan(sqlite_store, plan, user=CHAIR)
    text = delivery.export_plan(sqlite_store)
    assert "Jonah Whitcombe" in text
    assert "xP0000077" in text
    row = audit.read(sqlite_store, action="export").row(-1, named=True)
    n, digest = audit.people_digest(["P0000042", "P0000077"])
    assert row["detail"] == f"people={n}; people_sha256={digest}"


@pytest.mark.parametrize("audience", ["police", "partner"])
def test_the_briefings_export_row_counts_the_people_a_taskings_what_names(
    sqlite_store: Store, tmp_path: Path, audience: str
) -> None:
    """A tasking's what naming a person the briefing lists nowhere else ("Speak
    to P..."): *Today*'s row counts them (as written for the police, their
    pseudonym for a partner), the export's row of ``avert brief`` counted only
    the people its items link."""
    write_store(sqlite_store, make_frames(300, at=AT, seed=11))
    first = run_briefing(sqlite_store, at=AT, out_dir=tmp_path / "a", pdf=False)
    data = json.loads(first.json.read_text(encoding="utf-8"))
    linked = set(people_shown(data))
    people = sqlite_store.read_frame("people", columns=["person_id"])["person_id"]
    named = next(p for p in people.sort().to_list() if p not in linked)
    delivery.add_tasking(
        sqlite_store,
        f"retaliation:{data['retaliation'][0]['incident_id']}",
        what=f"Speak to {named} about it",
        organisation="council",
        due=AT + dt.timedelta(hours=4),
        user=CHAIR,
        now=AT - dt.timedelta(hours=1),
    )
    files = run_briefing(
        sqlite_store,
        at=AT,
        out_dir=tmp_path / "b",
        pdf=False,
        audience=audience,  # type: ignore[arg-type]
        organisation="council" if audience == "partner" else None,
        pseudonym_key=SETTINGS.pseudonym_key,
    )
    text = files.json.read_text(encoding="utf-8")
    if audience == "police":
        assert f"Speak to {named} about it" in text
        shown = {*people_shown(json.loads(text)), named}
    else:
        shown = set(re.findall(r"P-[0-9A-F]{12}(?![0-9A-Fa-f])", text))
        assert named not in text
        assert re.search(r"Speak to P-[0-9A-F]{12} about it", text)
    row = audit.read(sqlite_store, action="export").row(-1, named=True)
    n, digest = audit.people_digest(sorted(shown))
    assert f"people={n}; people_sha256={digest};" in row["detail"]
