"""The bundle's ``dash`` file (DASH risk assessments, an avert extension beyond
FORMATS.md; docs/bundle.md): read with the bundle's usual guarantees."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.load import load_files

MANIFEST = {"format": "avert-bundle", "version": 1, "source": "dash test"}


def _answers(yes: int) -> dict[str, list[str | None]]:
    """q1..q27 for one row: ``yes`` yes answers, then no, the last not asked."""
    cells: list[str | None] = ["yes"] * yes + ["no"] * (27 - yes)
    cells[26] = None
    return {f"q{n}": [cells[n - 1]] for n in range(1, 28)}


def _bundle(folder: Path, dash: pl.DataFrame) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(MANIFEST))
    pl.DataFrame(
        {
            "incident_id": ["I-1"],
            "offence_code": ["8N"],
            "occurred_at": ["2026-11-01T10:00"],
            "lat": [51.5],
            "lon": [-0.1],
            "domestic": ["true"],
        }
    ).write_csv(folder / "incidents.csv")
    pl.DataFrame({"person_id": ["P-1", "P-2"]}).write_csv(folder / "people.csv")
    dash.write_csv(folder / "dash.csv")
    return folder


def _good() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "assessment_id": ["D-1"],
            "person_id": ["P-1"],
            "assessed_at": ["2026-11-01T12:00"],
            "incident_id": ["I-1"],
            "agency": ["police"],
            **_answers(14),
            "professional_judgement": ["false"],
            "risk_level": ["high"],
        }
    )


def _load(store: Store, path: Path) -> dict[str, dict[str, object]]:
    report = load_files(store, [path], kind="bundle")
    assert all(f.balanced for f in report.files)
    return {Path(f.file).stem: f.as_dict() for f in report.files}


def test_a_dash_file_loads_with_its_answers(any_store: Store, tmp_path: Path) -> None:
    files = _load(any_store, _bundle(tmp_path / "b", _good()))
    assert (files["dash"]["loaded"], files["dash"]["quarantined"]) == (1, 0)
    row = any_store.read_frame("dash").row(0, named=True)
    assert row["person_id"] == "P-1"
    assert row["incident_id"] == "I-1"
    assert str(row["assessed_at"]) == "2026-11-01 12:00:00"
    assert [row[f"q{n}"] for n in (1, 14, 15, 27)] == ["yes", "yes", "no", None]
    assert row["professional_judgement"] is False
    assert row["risk_level"] == "high"
    assert row["source"] == "dash test"


def test_a_dash_file_loaded_again_adds_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    path = _bundle(tmp_path / "b", _good())
    _load(any_store, path)
    again = _load(any_store, path)
    assert again["dash"]["loaded"] == 0
    assert any_store.count("dash") == 1


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("q3", "maybe", "not one of yes|no|not_known: maybe"),
        ("risk_level", "very high", "not one of standard|medium|high"),
        ("professional_judgement", "perhaps", "not a bool: perhaps"),
        ("assessed_at", "yesterday", "not a datetime: yesterday"),
        ("person_id", "P-9", "P-9"),  # not in the bundle's people file
        ("incident_id", "I-9", "I-9"),  # not in its incidents
        ("person_id", None, "required value missing"),
    ],
)
def test_a_bad_dash_row_is_quarantined_with_its_reason(
    sqlite_store: Store, tmp_path: Path, column: str, value: str | None, reason: str
) -> None:
    bad = _good().with_columns(
        pl.lit("D-2").alias("assessment_id"),
        pl.lit(value, dtype=pl.String).alias(column),
    )
    files = _load(sqlite_store, _bundle(tmp_path / "b", pl.concat([_good(), bad])))
    assert (files["dash"]["loaded"], files["dash"]["quarantined"]) == (1, 1)
    assert sqlite_store.read_frame("dash")["assessment_id"].to_list() == ["D-1"]
    q = sqlite_store.read_frame("quarantine").filter(pl.col("target_table") == "dash")
    assert q["column"].to_list() == [column]
    assert reason in q["reason"][0]
    assert "D-2" in q["raw"][0]


def test_an_assessment_id_given_twice_with_other_answers_is_a_conflict(
    any_store: Store, tmp_path: Path
) -> None:
    """assessment_id is unique: the second row of one id with other values is
    not stored over the first (nothing lost: it goes to quarantine)."""
    other = _good().with_columns(pl.lit("no").alias("q1"))
    files = _load(any_store, _bundle(tmp_path / "b", pl.concat([_good(), other])))
    assert files["dash"]["loaded"] == 1
    assert any_store.count("dash") == 1
    assert any_store.count("quarantine") == 1


def test_an_assessment_dated_alone_keeps_day_precision(
    any_store: Store, tmp_path: Path
) -> None:
    """``assessed_at`` given as a date alone is stored at 00:00 with
    ``time_precision = 'day'`` (as an incident's ``occurred_at``), so a page can
    show the date only; it was 00:00 with nothing to say no time was known."""
    dated = _good().with_columns(
        pl.lit("D-2").alias("assessment_id"), pl.lit("2026-11-02").alias("assessed_at")
    )
    files = _load(any_store, _bundle(tmp_path / "b", pl.concat([_good(), dated])))
    assert (files["dash"]["loaded"], files["dash"]["quarantined"]) == (2, 0)
    # not "stored at 00:00 of that day, as this table has no column to say ..."
    assert "date alone" not in str(files["dash"].get("note") or "")
    rows = any_store.read_frame("dash").sort("assessment_id")
    assert rows["time_precision"].to_list() == ["exact", "day"]
    assert str(rows["assessed_at"][1]) == "2026-11-02 00:00:00"
