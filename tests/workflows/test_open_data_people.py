"""Person-level lists on a store of open data (no involvements) say why they are
empty instead of printing an empty table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from avert.store import Store
from avert.workflows.analysis import NO_PEOPLE_NOTE, run_risk
from avert.workflows.load import load_files, refresh_after_load
from avert.workflows.networks import groups_report

DATA = Path(__file__).resolve().parents[1] / "data"


def _load_open_data(store: Store) -> None:
    """A month of police.uk street files (no one named), loaded and classified."""
    report = load_files(store, [DATA / "policeuk" / "2019-06"])
    refresh_after_load(store, report, definition="avb-2010")


def test_risk_and_groups_on_police_uk_data_say_no_one_is_named(
    sqlite_store: Store,
) -> None:
    _load_open_data(sqlite_store)
    for kind in ("offender", "victim"):
        (result,) = run_risk(sqlite_store, kind=kind)
        assert result.frame.height == 0
        assert result.notes[0] == NO_PEOPLE_NOTE
    groups = groups_report(sqlite_store)
    assert groups.frame.height == 0
    assert NO_PEOPLE_NOTE in groups.notes


def test_no_such_note_when_people_are_recorded(sqlite_store: Store) -> None:
    report = load_files(sqlite_store, [DATA / "bundle-example"], kind="bundle")
    refresh_after_load(sqlite_store, report, definition="avb-2010")
    (result,) = run_risk(sqlite_store, kind="victim")
    assert NO_PEOPLE_NOTE not in result.notes
    assert NO_PEOPLE_NOTE not in groups_report(sqlite_store).notes


def test_offender_concentration_on_police_uk_data_names_the_cause(
    sqlite_store: Store,
) -> None:
    """Not 'no measure in the window' (there is violence): no one is named."""
    from avert.analyse.concentration import NO_MEASURE_NOTE
    from avert.workflows.analysis import run_concentration

    _load_open_data(sqlite_store)
    for entity in ("offender", "victim"):
        result = run_concentration(sqlite_store, entity=entity)
        assert NO_PEOPLE_NOTE in result.notes
        assert NO_MEASURE_NOTE not in result.notes
    places = run_concentration(sqlite_store, entity="place")
    assert NO_PEOPLE_NOTE not in places.notes


def test_a_store_without_intelligence_says_so_not_zero(sqlite_store: Store) -> None:
    """The Toronto store's briefing read "0 intelligence reports in the window":
    open incident data carry no intelligence, so 0 was no finding. A store that
    records intelligence still counts 0 in a window without any."""
    import datetime as dt

    import polars as pl

    from avert.briefing import Briefing, daily_briefing
    from avert.workflows.briefing_reads import read_briefing_frames

    report = load_files(sqlite_store, [DATA / "bundle-example"], kind="bundle")
    refresh_after_load(sqlite_store, report, definition="avb-2010")
    at = dt.datetime(2026, 10, 2, 8)

    def briefing() -> Briefing:
        frames, notes = read_briefing_frames(sqlite_store, at=at)
        return daily_briefing(
            frames["incidents"],
            frames["involvements"],
            at=at,
            tables={
                k: v
                for k, v in frames.items()
                if k not in ("incidents", "involvements")
            },
            notes=notes,
        )

    def intelligence() -> dict[str, object]:
        """The briefing JSON's intelligence section (``avert brief --format json``)."""
        section: dict[str, object] = briefing().to_json()["intelligence"]
        return section

    def line() -> str:
        return str(intelligence()["line"])

    def tile() -> str:
        """The HTML briefing's intelligence tile."""
        from avert.report.render import render_briefing_html

        html = render_briefing_html(briefing())
        end = html.index("intelligence reports")
        return html[html.rindex("<div", 0, end) : html.index("</div>", end)]

    assert line().startswith("No intelligence is recorded in the store"), line()
    # the summary tile read "0 intelligence reports" beside that line
    shown = tile()
    assert "<b>–</b>" in shown, shown
    assert "the store holds none" in shown, shown
    # the JSON said only "n": 0, which reads as "checked, none found"
    assert intelligence()["available"] is False
    with sqlite_store.transaction() as tx:
        tx.append(
            "intelligence",
            pl.DataFrame(
                {
                    "intel_id": ["I1"],
                    "recorded_at": [dt.datetime(2026, 9, 1)],
                    "subject_type": ["person"],
                    "subject_id": ["P1"],
                    "grading": ["B2"],
                    "topic": ["violence"],
                }
            ),
        )
    assert line() == "0 intelligence reports in the window"
    assert "<b>0</b>" in tile(), tile()
    assert intelligence()["available"] is True


def test_volt_and_harm_concentration_say_harm_is_a_category_estimate(
    sqlite_store: Store,
) -> None:
    """VOLT on the Toronto store printed "harm days 2,431,839" and concentration
    by harm its shares with no word that every record weighs its category's
    expected harm (the briefing and classify say so); police.uk likewise."""
    from avert.workflows.analysis import run_concentration, run_volt

    _load_open_data(sqlite_store)
    (volt_note,) = [n for n in run_volt(sqlite_store).notes if "expected weight" in n]
    assert "their police.uk category" in volt_note
    assert "harm days are an estimate" in volt_note
    harm = run_concentration(sqlite_store, entity="place", measure="harm")
    assert any("expected weight of their police.uk category" in n for n in harm.notes)
    count = run_concentration(sqlite_store, entity="place", measure="count")
    assert not any("expected weight" in n for n in count.notes)


def test_the_briefing_asks_a_store_of_open_data_for_no_one_by_incident(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """London's month went to the store as 64,315 incident ids (four reads) to find
    no involvement; a store that records no one is asked for one row instead."""
    import datetime as dt

    from avert.store import queries
    from avert.workflows.briefing_reads import read_briefing_frames

    _load_open_data(sqlite_store)
    tables: list[str] = []
    read_in = queries.read_in

    def spy(store: Store, table: str, *args: Any, **kwargs: Any) -> Any:
        tables.append(table)
        return read_in(store, table, *args, **kwargs)

    monkeypatch.setattr(queries, "read_in", spy)
    frames, _ = read_briefing_frames(sqlite_store, at=dt.datetime(2019, 7, 15, 6))
    assert frames["incidents"].height > 0
    assert "involvements" not in tables
    assert frames["involvements"].height == 0
    assert (
        frames["involvements"].schema
        == queries.empty("involvements", ("incident_id", "person_id", "role")).schema
    )
