"""Table cells, headers, title and caption are printed as given: text in square
brackets (a raw quarantined line, a crime type) is not read as console markup."""

from __future__ import annotations

import pytest

from avert.cli._table import Col, print_table


def test_square_brackets_are_printed_as_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_table(
        [Col("raw [line]", "text"), Col("n", "fixed", "right")],
        [["1,[/] bad,ROBBERY", "1"], ["ASSAULT [bold]", "2"]],
        title="rejected [x]",
        caption="see [table].time_format",
    )
    out = capsys.readouterr().out
    for text in ("raw [line]", "[/] bad", "ASSAULT [bold]", "rejected [x]", "[table]"):
        assert text in out, out
