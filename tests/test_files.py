"""Private files (0600/0700 by default, AVERT_FILE_MODE to relax) and safe CSV cells."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.errors import ConfigError
from avert.files import (
    FORMULA_PREFIXES,
    file_mode,
    folder_mode,
    neutralise_cells,
    private_files,
    private_mkdir,
    private_write_bytes,
    private_write_text,
    restore_cells,
    write_csv,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_modes_are_owner_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AVERT_FILE_MODE", raising=False)
    assert file_mode() == 0o600
    assert folder_mode() == 0o700


def test_setting_relaxes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVERT_FILE_MODE", "640")
    assert file_mode() == 0o640
    assert folder_mode() == 0o750
    assert file_mode("0o644") == 0o644
    assert folder_mode(0o644) == 0o755


def test_relaxed_setting_reaches_the_written_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVERT_FILE_MODE", "640")
    out = write_csv(pl.DataFrame({"a": ["x"]}), tmp_path / "team" / "a.csv")
    assert mode_of(out) == 0o640
    assert mode_of(out.parent) == 0o750


@pytest.mark.parametrize("bad", ["999", "755", "400", "1600", "rw", "044"])
def test_bad_modes_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError):
        file_mode(bad)


def test_write_is_private_even_over_a_loose_file(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "new" / "deeper" / "out.txt"
        private_write_text(target, "x")
        assert mode_of(target) == 0o600
        assert mode_of(target.parent) == 0o700
        assert mode_of(target.parent.parent) == 0o700
        loose = tmp_path / "loose.bin"
        loose.write_bytes(b"old")
        loose.chmod(0o644)
        private_write_bytes(loose, b"new")
        assert mode_of(loose) == 0o600
        assert loose.read_bytes() == b"new"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["loose.bin", "new"]
    finally:
        os.umask(old)


def test_existing_folders_are_left_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    private_mkdir(tmp_path / "a", mode="640")
    assert mode_of(tmp_path) == 0o755
    assert mode_of(tmp_path / "a") == 0o750


def test_umask_block_makes_third_party_files_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with private_files():
            (tmp_path / "f").write_text("x")
            (tmp_path / "d").mkdir()
        (tmp_path / "after").write_text("x")
        assert mode_of(tmp_path / "f") == 0o600
        assert mode_of(tmp_path / "d") == 0o700
        assert mode_of(tmp_path / "after") == 0o644
    finally:
        os.umask(old)


def test_neutralise_the_issue_payloads(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "raw": [
                '=HYPERLINK("http://evil.example/x")',
                "+cmd|' /C calc'!A0",
                "@SUM(1+1)",
                "-2+3",
                "\t=1",
                "\r=1",
                "plain, text",
                None,
                "a=b",
                "'quoted",
            ],
            "line": [1, -2, 3, 4, 5, 6, 7, 8, 9, 10],
        }
    )
    out = write_csv(frame, tmp_path / "q.csv")
    assert mode_of(out) == 0o600
    back = pl.read_csv(out, schema=frame.schema)
    assert back["raw"].to_list() == [
        '\'=HYPERLINK("http://evil.example/x")',
        "'+cmd|' /C calc'!A0",
        "'@SUM(1+1)",
        "'-2+3",
        "'\t=1",
        "'\r=1",
        "plain, text",
        None,
        "a=b",
        "''quoted",
    ]
    assert restore_cells(back)["raw"].to_list() == frame["raw"].to_list()
    assert back["line"].to_list() == frame["line"].to_list()  # numbers untouched


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=20))
def test_no_cell_starts_a_formula_and_nothing_is_lost(cells: list[str | None]) -> None:
    frame = pl.DataFrame({"c": cells}, schema={"c": pl.String})
    safe = neutralise_cells(frame)["c"].to_list()
    for before, after in zip(cells, safe, strict=True):
        if before is None:
            assert after is None
            continue
        assert after is not None
        assert not after.startswith(FORMULA_PREFIXES)
        if before.startswith((*FORMULA_PREFIXES, "'")):
            assert after == "'" + before
        else:
            assert after == before
    assert restore_cells(neutralise_cells(frame))["c"].to_list() == cells
    # What a spreadsheet reads back from the written CSV is the neutralised text.
    text = neutralise_cells(frame).write_csv()
    back = pl.read_csv(io.StringIO(text), schema={"c": pl.String})
    for after, read in zip(safe, back["c"].to_list(), strict=True):
        assert (after or None) == (read or None)
