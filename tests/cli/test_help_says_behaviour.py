"""``--help`` says what a command does on the data a new analyst loads first:
data.police.uk months of a force outside London."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from avert.cli import app
from cli.cli_tree import command_tree


def _option_help(command: str, name: str) -> str:
    params = {p.name: p for p in command_tree()[command].params}
    return " ".join(str(params[name].help).split())


def test_brief_hours_says_a_month_of_police_uk_data_is_briefed_whole() -> None:
    """'brief --at 2020-01-01 --hours 168' on police.uk months briefs December
    whole, as docs/briefing.md says; --help said only "Window length in hours"."""
    assert "whole month" in _option_help("brief", "hours")


@pytest.mark.parametrize(
    ("command", "name"),
    [("analyse volt", "at"), ("analyse risk", "at"), ("analyse marac", "at")],
)
def test_the_default_end_names_a_latest_incident_dated_alone(
    command: str, name: str
) -> None:
    """The default end is the last instant of the latest incident's day when it is
    dated alone (avert.analyse._window.default_as_of, docs/analyses.md); --help
    named the month-dated case alone (risk: "latest record")."""
    assert "of its day when dated alone" in _option_help(command, name)


def test_brief_area_names_the_areas_of_a_force_outside_london() -> None:
    """--area said "a borough or an LSOA": in West Yorkshire 'Leeds' (the local
    authority its LSOA names give) is what it takes."""
    text = _option_help("brief", "area")
    assert "local authority" in text
    assert "LSOA code" in text


def test_board_pack_help_says_it_needs_the_pseudonym_key() -> None:
    """Every board pack stops without AVERT_PSEUDONYM_KEY (docs/delivery.md); its
    --help did not say so, and the error named "partner outputs"."""
    result = CliRunner().invoke(
        app, ["board", "pack", "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.output
    assert "AVERT_PSEUDONYM_KEY" in " ".join(result.output.split())


def test_board_pack_areas_says_the_board_reads_areas_of_the_default_only() -> None:
    """With a force's own searches the pack (read by the board) gives the table by
    area only for the default force area (workflows.board._partner_area_table);
    --areas said only "Local authorities making up the force area", so the police
    giving it got a pack with no table by area, unwarned."""
    text = _option_help("board pack", "areas")
    assert "other areas give the pack no table by area" in text, text


def test_the_board_group_lists_pack_on_one_unbroken_line() -> None:
    """'avert board --help' broke the pack's summary after "verdicts and"."""
    result = CliRunner().invoke(
        app, ["board", "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"}
    )
    pack = [line for line in result.output.splitlines() if "pack" in line]
    assert pack, result.output
    assert "board pack (HTML and PDF)" in " ".join(result.output.split())
    assert "verdicts and" not in result.output


# What each command of a group is called in the group's one-line help.
GROUP_HELP_WORDS = {
    "ingest": {
        "policeuk": "police.uk",
        "bundle": "bundle",
        "table": "incident table",
        "population": "populations",
        "confidence": "confidence",
        "centroids": "centroids",
        "boundaries": "boundaries",
    },
    "users": {},  # each command by its own name
    "task": {},
}


@pytest.mark.parametrize("group", sorted(GROUP_HELP_WORDS))
def test_a_group_help_that_lists_its_commands_lists_them_all(group: str) -> None:
    """'avert --help' said ingest loads "populations, confidence surveys and area
    centroids": 'avert ingest boundaries' (the LSOA polygons docs/equality.md
    prefers) was not there for a newcomer reading the top-level help."""
    tree = command_tree()
    text = " ".join(str(tree[group].help).split())
    subcommands = [p.split(" ", 1)[1] for p in tree if p.startswith(f"{group} ")]
    missing = [
        name
        for name in subcommands
        if GROUP_HELP_WORDS[group].get(name, name) not in text
    ]
    assert not missing, f"avert {group}'s help does not name: {missing}: {text}"


def test_forecast_history_days_counts_the_backtest_days_in_the_long_span() -> None:
    """The long-memory maps join past 548 days of the events given, which are
    --history-days plus --backtest-days: --help said "events spanning more than
    548 days" as though --history-days alone counted (459 brings them in)."""
    text = _option_help("forecast", "history_days")
    assert "--history-days plus --backtest-days" in text
    assert "459" in text
