"""Text in square brackets (a file name, a raw quarantined line, a crime type, an error
message) prints as given on every output path: the consoles read no console markup."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import avert.cli
from avert.cli import app, ingest
from avert.cli._common import print_notes
from avert.cli._table import Col, print_table
from avert.errors import AvertError
from ingest.helpers import STREET_HEADER

#: read as markup, "[bold]x[/]" would print "x" and a lone "[/]" would raise
DATA = "[bold]x[/] and [/]"


def test_an_error_prints_verbatim(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(**_: object) -> None:
        raise AvertError(f"cannot read {DATA}")

    monkeypatch.setattr(avert.cli, "app", fails)
    with pytest.raises(SystemExit) as exit_:
        avert.cli.main()
    assert exit_.value.code == 1
    assert f"error: cannot read {DATA}" in capsys.readouterr().err


def test_a_note_prints_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    print_notes([f"crime type {DATA}"])
    assert f"note: crime type {DATA}" in capsys.readouterr().out


def test_table_cells_headers_title_and_caption_print_verbatim(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_table(
        [Col("raw [line]", "text"), Col("n", "fixed", "right")],
        [["1,[/] bad,ROBBERY", "1"], [DATA, "2"]],
        title=f"t {DATA}",  # no wider than the table: a title wraps
        caption="see [table].time_format",
    )
    out = capsys.readouterr().out
    for text in ("raw [line]", "1,[/] bad", f"│ {DATA}", f"t {DATA}", "[table]"):
        assert text in out, out


def test_the_progress_bar_prints_a_file_name_verbatim(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, markup=False, width=100)
    monkeypatch.setattr(ingest, "console", terminal)
    with ingest._load_bar(show=True) as step:
        assert step is not None
        step(f"{DATA}.csv", 1, 2)
    assert f"loading {DATA}.csv" in screen.getvalue()


def test_the_progress_bar_counts_files_and_never_shows_an_unknown_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bar read "loading 0/?" until the first file was parsed (all of a big
    table): it now says it reads the input, then the file and "1/2 files"."""
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, markup=False, width=100)
    monkeypatch.setattr(ingest, "console", terminal)
    with ingest._load_bar(show=True) as step:
        assert step is not None
        time.sleep(0.2)  # a refresh before the first file is named
        step("big.csv (35.2 MB)", 1, 2)
        time.sleep(0.2)
    shown = screen.getvalue()
    assert "0/?" not in shown
    assert "1/2 files" in shown
    assert "loading big.csv (35.2 MB)" in shown
    # a long path keeps "loading" and the file's end (was cut to its last 70 chars)
    long = "/data/" + "x" * 80 + "/toronto-mci-2017-2021.csv (11.7 MB)"
    label = ingest._bar_label(long)
    assert label.startswith("loading …"), label
    assert label.endswith("/toronto-mci-2017-2021.csv (11.7 MB)"), label
    assert len(label) <= 70


def test_ingest_of_a_bracketed_folder_prints_its_names_verbatim(
    template_db: Path, tmp_path: Path
) -> None:
    shutil.copy(template_db, tmp_path / "cli.db")
    folder = tmp_path / DATA.replace("/", "|")  # "[bold]x[|] and [|]"
    folder.mkdir()
    (folder / "2018-07-x-street.csv").write_text(
        STREET_HEADER + "\n" + ",2018-99,A,A,-1.4,53.5,On or near X,E1,N,Robbery,,\n"
    )
    (folder / "2018-07-x-outcomes.csv").write_text("not,a police.uk file\n1,2\n")
    result = CliRunner().invoke(
        app,
        ["--db", f"sqlite:///{tmp_path / 'cli.db'}", "ingest", "policeuk", str(folder)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 3, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    title = lines[: next(i for i, line in enumerate(lines) if line.startswith("┏"))]
    # the title's second part, folded at a space where the path is long
    assert str(folder) in " ".join(title[1:]), result.output
    assert f"{folder}/2018-07-x-outcomes.csv: unrecognised header" in result.output


def test_the_error_console_prints_verbatim(capsys: pytest.CaptureFixture[str]) -> None:
    # 'ingest --json' prints the classification summary (profile ids from a user's
    # definition file) on standard error
    from avert.cli._common import err_console

    err_console.print(f"Not refreshed: mine {DATA}")
    assert f"Not refreshed: mine {DATA}" in capsys.readouterr().err


def test_control_characters_in_a_table_cannot_drive_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A quarantined raw line (or an id) holding ESC sequences reached the
    terminal as is: colours, a cleared screen, a disguised OSC 8 hyperlink. Every
    control character but tab and line feed now prints as \\xNN."""
    link = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
    print_table(
        [Col("raw\x1b[2J", "text"), Col("id", "id")],
        [[f"bad {link}", "P\x1b[31m1\x9b"]],
        title="t\x07",
        caption="c\x1b",
    )
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\x9b"), repr(out)
    for text in ("\\x1b]8;;http://evil.example\\x1b\\", "P\\x1b[31m1\\x9b", "t\\x07"):
        assert text in out, out


def test_bidirectional_controls_in_a_table_cannot_reorder_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A right-to-left override (U+202E) in a cell reversed what followed it on
    screen, so an id could read as another; Hebrew and Arabic letters still print."""
    print_table(
        [Col("id", "id"), Col("name", "text")],
        [
            [
                "P-1\u202e0001\u202c",
                "\u05e9\u05dc\u05d5\u05dd \u0633\u0644\u0627\u0645 caf\u00e9",
            ]
        ],
    )
    out = capsys.readouterr().out
    assert "\u202e" not in out
    assert "\\u202e" in out
    assert "\u05e9\u05dc\u05d5\u05dd" in out
    assert "\u0633\u0644\u0627\u0645" in out
    assert "caf\u00e9" in out
