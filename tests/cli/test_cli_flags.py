"""Boolean options are plain flags in ``--help`` (issue 12.8): no ``<bool>`` type,
no ``--x/--no-x`` pair where one flag is meant, old spellings still accepted."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from avert.cli import app
from cli.cli_tree import command_tree

COMMANDS = sorted(command_tree())


@pytest.mark.parametrize("path", ["", *COMMANDS])
def test_help_shows_flags_as_flags(path: str) -> None:
    result = CliRunner().invoke(
        app, [*path.split(), "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "BOOLEAN" not in result.output
    assert " / --no-" not in result.output


def test_no_option_is_an_on_off_pair() -> None:
    pairs = [
        (path, param.opts, param.secondary_opts)
        for path, cmd in command_tree().items()
        for param in cmd.params
        if getattr(param, "secondary_opts", None)
    ]
    assert pairs == []


@pytest.mark.parametrize(
    "args",
    [
        ["brief", "--pdf", "--help"],
        ["brief", "--no-pdf", "--help"],
        ["demo", "--pdf", "--help"],
        ["board", "pack", "--pdf", "--help"],
        ["ingest", "bundle", "--classify", "--help"],
        ["ingest", "policeuk", "--no-classify", "--help"],
    ],
)
def test_old_and_new_flag_spellings_parse(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


#: options whose absence does something a user must know (a whole window, an
#: inferred force area, the latest census): their help says what
_DEFAULTED = [
    ("analyse concentration", "--from"),
    ("analyse concentration", "--to"),
    ("analyse near-repeat", "--from"),
    ("analyse gistar", "--to"),
    ("analyse volt", "--cell"),
    ("analyse equality", "--police-force"),
    ("analyse equality", "--from"),
    ("analyse equality", "--to"),
    ("analyse equality", "--population-year"),
    ("analyse equality", "--areas"),
    ("analyse performance", "--by"),
    ("analyse performance", "--target"),
    ("analyse performance", "--population-year"),
    ("board pack", "--police-force"),
    ("audit list", "--from"),
    ("audit export", "--to"),
    ("task list", "--status"),
    ("forecast", "--at"),
    ("forecast", "--cells"),
    ("forecast", "--km2"),
]


@pytest.mark.parametrize(("path", "option"), _DEFAULTED)
def test_help_says_what_an_option_left_out_means(path: str, option: str) -> None:
    """`--help` said only "First day." or "Places as grid cells (m)."; it now says
    what happens without the option ("default: the first day searched", "LSOA");
    `forecast --at` that it is required, `--cells` that 20 is the budget."""
    param = next(p for p in command_tree()[path].params if option in p.opts)
    text = param.help or ""
    assert "default:" in text or "required" in text, (path, option, param.help)
