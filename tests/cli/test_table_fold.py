"""A word too long for its text column (a file name, a path) breaks after a hyphen,
underscore or slash, not one character from its end (``print_table`` at 80 columns)."""

from __future__ import annotations

import pytest

from avert.cli._table import Col, _fold, print_table

COLS = [
    Col("file", "text"),
    Col("rows", "fixed", "right"),
    Col("loaded", "fixed", "right"),
    Col("quarantined", "fixed", "right"),
    Col("duplicates", "fixed", "right"),
]


@pytest.mark.parametrize(
    ("name", "pieces"),
    [
        ("2019-06-west-yorkshire-street.csv", ["2019-06-west-yorkshire-street.csv"]),
        (
            "2019-06-staffordshire-outcomes.csv",
            ["2019-06-staffordshire-", "outcomes.csv"],
        ),
        (
            "2019-06-avon-and-somerset-stop-and-search.csv",
            ["2019-06-avon-and-somerset-stop-", "and-search.csv"],
        ),
        (
            "a/folder/2019-06-west-midlands-street.csv",
            ["a/folder/2019-06-west-midlands-", "street.csv"],
        ),
    ],
)
def test_file_names_break_after_a_hyphen_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    pieces: list[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    print_table(COLS, [[name, "6", "2", "4", "0"], ["total", "6", "2", "4", "0"]])
    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if len(line) > 80] == []
    cells = [line.split("│")[1].strip() for line in lines if line.startswith("│")]
    assert cells[: len(pieces)] == pieces
    assert cells[len(pieces)] == "total"


def test_fold_leaves_short_words_and_folds_nothing_without_a_separator() -> None:
    assert _fold("an id P0000417 in a sentence", 12) == "an id P0000417 in a sentence"
    assert _fold("x" * 40, 33) == "x" * 40  # the table folds it at the edge
    assert _fold("see 2019-06-west-midlands-outcomes.csv", 30) == (
        "see 2019-06-west-midlands-\noutcomes.csv"
    )
