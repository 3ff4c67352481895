"""One vocabulary for time windows (issue 12.8, docs/command-line.md): ``--from/--to``
for a period, ``--at`` with ``--hours/--days`` for a window ending at a moment,
``--as-of`` for a snapshot; the older names still work as aliases of the same option."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from cli.cli_tree import command_tree

#: (command, the option's name, its older alias)
ALIASES = [
    ("analyse volt", "--days", "--window-days"),
    ("analyse risk", "--as-of", "--at"),
    ("analyse retaliation", "--from", "--since"),
    ("analyse retaliation", "--to", "--until"),
    ("audit list", "--from", "--since"),
    ("audit list", "--to", "--until"),
    ("audit export", "--from", "--since"),
    ("audit export", "--to", "--until"),
    ("forecast evaluate", "--from", "--start"),
    ("task add", "--item", "--from"),
]

#: options that name a time window, by command: only the documented names
WINDOW_NAMES = {"--from", "--to", "--at", "--as-of", "--hours", "--days"}
LEGACY = {"--since", "--until", "--window-days", "--start"}


@pytest.mark.parametrize(("command", "name", "alias"), ALIASES)
def test_old_name_is_an_alias_of_the_new(command: str, name: str, alias: str) -> None:
    cmd = command_tree()[command]
    [param] = [p for p in cmd.params if name in p.opts]
    assert param.opts[0] == name, "the documented name comes first in --help"
    assert alias in param.opts


def test_legacy_names_are_only_aliases() -> None:
    for path, cmd in command_tree().items():
        for param in cmd.params:
            opts = list(getattr(param, "opts", []))
            legacy = LEGACY & set(opts)
            assert not legacy or opts[0] not in LEGACY, (path, opts)


def _store(store: Store) -> None:
    t0 = dt.datetime(2024, 5, 1, 21, 0)
    n = 12
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(n)],
                    "source": ["test"] * n,
                    "occurred_from": [t0 + dt.timedelta(days=3 * i) for i in range(n)],
                    "time_precision": ["exact"] * n,
                    "x": [100.0 + 10 * i for i in range(n)],
                    "y": [100.0] * n,
                    "lsoa": ["A", "B", "C"] * 4,
                }
            ),
        )
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(n)],
                    "person_id": [f"o{i % 3}" for i in range(n)],
                    "role": ["offender"] * n,
                }
            ),
        )
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(n)],
                    "profile": ["avb-2010"] * n,
                    "in_definition": [True] * n,
                    "harm_days": [float(i) for i in range(n)],
                }
            ),
        )


def _json(store: Store, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_old_and_new_names_give_the_same_result(sqlite_store: Store) -> None:
    _store(sqlite_store)
    at = "2024-06-01T00:00"
    for new, old in (
        (["--days", "10"], ["--window-days", "10"]),
        (["--at", at, "--days", "20"], ["--at", at, "--window-days", "20"]),
    ):
        a = _json(sqlite_store, "analyse", "volt", *new)
        b = _json(sqlite_store, "analyse", "volt", *old)
        assert a == b
    a = _json(sqlite_store, "analyse", "risk", "--as-of", at)
    b = _json(sqlite_store, "analyse", "risk", "--at", at)
    assert a == b
    latest = _json(sqlite_store, "analyse", "risk")
    assert a != latest, "--as-of changes the scoring moment"
    a = _json(
        sqlite_store, "audit", "list", "--from", "2000-01-01", "--to", "2100-01-01"
    )
    b = _json(
        sqlite_store, "audit", "list", "--since", "2000-01-01", "--until", "2100-01-01"
    )
    # the first listing is itself audited: the second one shows one row more
    assert [r["seq"] for r in b][: len(a)] == [r["seq"] for r in a]
    assert len(b) == len(a) + 1


def test_every_time_option_takes_the_same_formats(sqlite_store: Store) -> None:
    """Minutes without seconds and an offset work in the place statistics too."""
    _store(sqlite_store)
    out = _json(
        sqlite_store,
        "analyse",
        "near-repeat",
        "--sims",
        "9",
        "--from",
        "2024-05-01T06:00",
        "--to",
        "2024-07-01T06:00+01:00",
    )
    assert out["n_events"] == 12


@pytest.mark.parametrize(
    "args",
    [
        ["brief", "--at", "garbage"],
        ["analyse", "volt", "--at", "garbage"],
        ["forecast", "--at", "garbage"],
        ["brief", "--at", "2024-05-01", "--audience", "press"],
    ],
)
def test_a_bad_time_or_choice_is_a_usage_error_everywhere(
    sqlite_store: Store, args: list[str]
) -> None:
    """Exit 2 and the option named, as for every other bad option (the briefing's
    --at and --audience once stopped with exit 1 and a bare error line)."""
    result = CliRunner().invoke(app, ["--db", sqlite_store.url.sqlalchemy, *args])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for {args[-2]}" in " ".join(result.output.split())


def test_a_month_alone_is_its_first_day_or_for_to_its_end(sqlite_store: Store) -> None:
    """``--from 2024-06`` (data.police.uk's precision) was refused as not a date:
    a month is its first day for --from/--at and its end for --to."""
    _store(sqlite_store)  # events every 3 days from 2024-05-01 21:00 to 2024-06-03
    by_month = _json(
        sqlite_store,
        "analyse",
        "near-repeat",
        "--sims",
        "9",
        "--from",
        "2024-05",
        "--to",
        "2024-05",
    )
    by_day = _json(
        sqlite_store,
        "analyse",
        "near-repeat",
        "--sims",
        "9",
        "--from",
        "2024-05-01",
        "--to",
        "2024-06-01",
    )
    assert by_month["n_events"] == by_day["n_events"] == 11
    a = _json(sqlite_store, "analyse", "volt", "--at", "2024-06", "--days", "20")
    b = _json(sqlite_store, "analyse", "volt", "--at", "2024-06-01", "--days", "20")
    assert a == b
    help_text = " ".join(
        CliRunner().invoke(app, ["analyse", "gistar", "--help"]).output.split()
    )
    assert "YYYY-MM" in help_text


@pytest.mark.parametrize(
    ("command", "name", "month", "day"),
    [
        ("analyse performance", "--from", "2019-06", dt.datetime(2019, 6, 1)),
        ("analyse performance", "--to", "2019-06", dt.datetime(2019, 6, 30)),
        ("analyse performance", "--baseline-from", "2016-02", dt.datetime(2016, 2, 1)),
        ("analyse performance", "--baseline-to", "2016-02", dt.datetime(2016, 2, 29)),
        ("analyse performance", "--target-by", "2020-12", dt.datetime(2020, 12, 31)),
        ("analyse equality", "--from", "2019-06", dt.datetime(2019, 6, 1)),
        ("analyse equality", "--to", "2019-12", dt.datetime(2019, 12, 31)),
        ("audit list", "--from", "2019-06", dt.datetime(2019, 6, 1)),
        ("audit list", "--to", "2019-12", dt.datetime(2020, 1, 1)),
        ("audit export", "--to", "2019-06", dt.datetime(2019, 7, 1)),
    ],
)
def test_dates_only_commands_take_a_month_too(
    command: str, name: str, month: str, day: dt.datetime
) -> None:
    """``analyse performance``, ``analyse equality`` and ``audit`` refused
    ``--from 2019-06`` (click's DateTime) where every other command took it: a
    month is its first day, or for their inclusive --to (the last day counted)
    its last day, for audit's exclusive --to (before this time) its end; a date
    reads as before, and --help says so."""
    cmd = command_tree()[command]
    [param] = [p for p in cmd.params if name in p.opts]
    ctx = typer.Context(cmd)
    assert param.process_value(ctx, month) == day
    assert param.process_value(ctx, "2019-06-15") == dt.datetime(2019, 6, 15)
    assert "YYYY-MM" in str(getattr(param, "help", ""))


def test_a_bad_day_is_still_a_usage_error_in_performance() -> None:
    result = CliRunner().invoke(
        app,
        [
            "analyse",
            "performance",
            "--baseline-from",
            "2019-13",
            "--baseline-to",
            "2019-12",
            "--from",
            "2020-01",
            "--to",
            "2020-02",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--baseline-from'" in " ".join(result.output.split())
