"""A file's notes joined into its report's one ``note``: each a sentence.

Notes are written to stand alone after a file's name; joined with a bare space,
"read as Latin-1 ...: check its accented letters and symbols" and "1,392 data rows
read give 1,044 population rows ..." read as one garbled sentence.
"""

from __future__ import annotations

import pytest

from avert.ingest.result import FileReport, join_notes
from avert.workflows.load._load import _add
from avert.workflows.load._state import _say


@pytest.mark.parametrize(
    ("notes", "joined"),
    [
        (("empty file",), "empty file"),
        ((None, ""), None),
        (
            ("read as Latin-1: check its symbols", "4 data rows read give 3."),
            "read as Latin-1: check its symbols. 4 data rows read give 3.",
        ),
        (
            ("not read: over a limit", "the file does not end with a line break."),
            "not read: over a limit. The file does not end with a line break.",
        ),
        (("a note.", None, "a note"), "a note."),
    ],
)
def test_notes_join_as_sentences(
    notes: tuple[str | None, ...], joined: str | None
) -> None:
    assert join_notes(*notes) == joined


def test_a_load_adds_its_notes_as_sentences() -> None:
    """The load's own notes (police.uk months, a file cut short) and a file read in
    parts (a bundle's repeated hour) add theirs to the parser's the same way."""
    f = FileReport("a.csv", "policeuk-street", 1, note="read as Latin-1: check it")
    _say(f, "the file does not end with a line break.")
    assert (
        f.note == "read as Latin-1: check it. The file does not end with a line break."
    )
    total = FileReport("b.csv", "bundle-incidents", 1, note="read as Latin-1: check it")
    _add(
        total,
        FileReport("b.csv", "bundle-incidents", 0, note="read as Latin-1: check it"),
    )
    _add(
        total,
        FileReport("b.csv", "bundle-incidents", 0, note="2 times fall in the hour"),
    )
    assert total.note == "read as Latin-1: check it. 2 times fall in the hour."
