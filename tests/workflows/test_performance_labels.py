"""A performance series of a mapped source is named by that source.

Toronto (``ingest table --mapping toronto-mci``): its assaults, mapped to the
police.uk category "Violence and sexual offences", were a series titled "police.uk:
violence and sexual offences" on the Performance page, the board pack and the
command line, as if the store held police.uk data.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.report.board_charts import series_title
from avert.store import Store
from avert.workflows.board import category_labels, run_performance


def _frame(source: str) -> pl.DataFrame:
    n = 48
    return pl.DataFrame(
        {
            "incident_id": [f"{source}{i}" for i in range(n)],
            "source": [source] * n,
            "occurred_from": [
                dt.datetime(2023 + i // 24, 1 + i % 12, 3) for i in range(n)
            ],
            "time_precision": ["exact"] * n,
            "crime_type": ["Violence and sexual offences"] * n,
        }
    )


def test_a_mapped_source_names_its_series_by_its_own_category(
    sqlite_store: Store,
) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _frame("toronto-mci"))
    res = CliRunner().invoke(app, ["--db", sqlite_store.url.sqlalchemy, "classify"])
    assert res.exit_code == 0, res.output
    result = run_performance(
        sqlite_store,
        baseline_from=dt.date(2023, 1, 1),
        baseline_to=dt.date(2023, 12, 31),
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 12, 31),
    )
    key = "police.uk: violence and sexual offences"
    series = next(s for s in result.series if s.category != "all")
    assert series.category == key  # the key plans' measures name is kept
    labels = result.params["category_labels"]
    assert labels == {key: "toronto-mci: Assault"}
    assert series_title(series, labels) == "Whole area · toronto-mci: Assault"


def test_police_uk_rows_and_unknown_mappings_keep_or_name_the_category() -> None:
    key = "police.uk: violence and sexual offences"

    def labelled(*sources: str) -> dict[str, str]:
        frame = pl.concat([_frame(s) for s in sources]).with_columns(
            pl.lit(key).alias("category")
        )
        return category_labels(frame)

    assert labelled("policeuk") == {}
    assert labelled("policeuk", "toronto-mci") == {}  # partly police.uk: its name
    assert labelled("my-rms") == {key: "my-rms: violence and sexual offences"}


def test_a_police_uk_robbery_series_is_named_as_its_rows_are(
    sqlite_store: Store,
) -> None:
    """police.uk's robbery rows read "police.uk: robbery (personal and
    business)" on the briefing and incident pages (its robbery holds business
    robbery too), but their performance series, of the key ``personal_robbery``,
    was titled "personal robbery" in the board pack; a series holding a coded
    row (34B: personal robbery) keeps that name."""
    frame = _frame("policeuk").with_columns(pl.lit("Robbery").alias("crime_type"))
    with sqlite_store.transaction() as tx:
        tx.append("incidents", frame)
    res = CliRunner().invoke(app, ["--db", sqlite_store.url.sqlalchemy, "classify"])
    assert res.exit_code == 0, res.output

    def performance() -> tuple[str, dict[str, str]]:
        result = run_performance(
            sqlite_store,
            baseline_from=dt.date(2023, 1, 1),
            baseline_to=dt.date(2023, 12, 31),
            date_from=dt.date(2024, 1, 1),
            date_to=dt.date(2024, 12, 31),
        )
        series = next(s for s in result.series if s.category != "all")
        assert series.category == "personal_robbery"  # the key is kept
        labels = result.params["category_labels"]
        return series_title(series, labels), labels

    title, _ = performance()
    assert title == "Whole area · police.uk: robbery (personal and business)"
    coded = frame.head(1).with_columns(
        pl.lit("coded").alias("incident_id"), pl.lit("34B").alias("offence_code")
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", coded)
    res = CliRunner().invoke(app, ["--db", sqlite_store.url.sqlalchemy, "classify"])
    assert res.exit_code == 0, res.output
    title, labels = performance()
    assert title == "Whole area · Personal robbery", labels


def test_a_definition_category_is_named_as_the_definition_names_it(
    sqlite_store: Store,
) -> None:
    """Toronto's robbery (mapped to police.uk's "Robbery", counted as the
    definition's ``personal_robbery``) read "personal_robbery" in the command
    line's table beside its assaults' "toronto-mci: Assault": one labelling, the
    definition's name of the category ("Personal robbery")."""
    frame = pl.concat(
        [
            _frame("toronto-mci"),
            _frame("toronto-mci").with_columns(
                pl.format("r{}", pl.col("incident_id")).alias("incident_id"),
                pl.lit("Robbery").alias("crime_type"),
            ),
        ]
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", frame)
    url = sqlite_store.url.sqlalchemy
    res = CliRunner().invoke(app, ["--db", url, "classify"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(
        app,
        [
            "--db",
            url,
            "analyse",
            "performance",
            "--baseline-from",
            "2023-01-01",
            "--baseline-to",
            "2023-12-31",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert "personal_robbery" not in res.output
    assert "Personal robbery" in res.output
    assert "toronto-mci: Assault" in res.output
