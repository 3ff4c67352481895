"""One time-zone rule at the edges: aware times convert to the configured zone, naive are local."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.config.timezone import local_datetime_expr, parse_local, to_local
from avert.errors import ConfigError
from avert.store import Store

_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")


@pytest.mark.parametrize(
    ("text", "zone", "want"),
    [
        ("2024-07-01T06:00+00:00", "Europe/London", dt.datetime(2024, 7, 1, 7)),
        ("2024-07-01T06:00Z", "Europe/London", dt.datetime(2024, 7, 1, 7)),
        ("2024-01-15T06:00Z", "Europe/London", dt.datetime(2024, 1, 15, 6)),
        ("2024-07-01T06:00+01:00", "Europe/London", dt.datetime(2024, 7, 1, 6)),
        ("2024-07-01T06:00", "Europe/London", dt.datetime(2024, 7, 1, 6)),
        ("2024-07-01", "Europe/London", dt.datetime(2024, 7, 1)),
        ("2024-07-01T06:00Z", "UTC", dt.datetime(2024, 7, 1, 6)),
    ],
)
def test_parse_local(text: str, zone: str, want: dt.datetime) -> None:
    got = parse_local(text, zone)
    assert got == want
    assert got.tzinfo is None


def test_errors_name_the_option_and_the_zone() -> None:
    with pytest.raises(ConfigError, match="--at must be an ISO date"):
        parse_local("yesterday", option="--at")
    with pytest.raises(ConfigError, match="Unknown time zone"):
        to_local(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "Mars/Olympus")


def test_column_rule_matches_the_scalar_rule() -> None:
    texts = [
        "2024-07-01T06:00:00Z",
        "2024-07-01 06:00+01:00",
        "2024-07-01T06:00:00.250+0000",
        "2024-07-01T06:00:00-05",
        "2024-07-01 06:00",
        "2024-07-01",
        "not a time",
    ]
    got = pl.DataFrame({"t": texts}).select(
        local_datetime_expr(pl.col("t"), "Europe/London", _FORMATS)
    )["t"]
    want = [
        dt.datetime(2024, 7, 1, 7),
        dt.datetime(2024, 7, 1, 6),
        dt.datetime(2024, 7, 1, 7, 0, 0, 250_000),
        dt.datetime(2024, 7, 1, 12),
        dt.datetime(2024, 7, 1, 6),
        dt.datetime(2024, 7, 1),
        None,
    ]
    assert got.to_list() == want
    for text, value in zip(texts[:-1], want[:-1], strict=True):
        assert parse_local(text) == value


def test_an_offset_of_a_day_or_more_is_not_a_time() -> None:
    """``+25:00`` moved a bundle time back a whole day and ``+01:75`` by 75
    minutes; the command line (Python's ``fromisoformat``) refuses a day or more."""
    texts = [
        "2026-07-01T06:00:00+25:00",
        "2026-07-01T06:00+01:75",
        "2026-07-01T06:00-2400",
    ]
    got = pl.DataFrame({"t": texts}).select(
        local_datetime_expr(pl.col("t"), "Europe/London", _FORMATS)
    )["t"]
    assert got.to_list() == [None, None, None]
    for text in texts[::2]:
        with pytest.raises(ConfigError):
            parse_local(text)


def test_brief_at_with_an_offset_is_local_time(
    monkeypatch: pytest.MonkeyPatch, sqlite_store: Store, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    class CapturedError(Exception):
        pass

    def fake_run_briefing(store: Store, **kw: Any) -> None:
        seen.update(kw)
        raise CapturedError

    monkeypatch.setattr("avert.workflows.briefing.run_briefing", fake_run_briefing)
    for at, want in [
        ("2024-07-01T06:00+00:00", dt.datetime(2024, 7, 1, 7)),
        ("2024-07-01T06:00", dt.datetime(2024, 7, 1, 6)),
    ]:
        result = CliRunner().invoke(
            app,
            [
                "--db", sqlite_store.url.sqlalchemy, "brief", "--at", at,
                "--out", str(tmp_path / "b"), "--no-pdf",
            ],
        )  # fmt: skip
        assert isinstance(result.exception, CapturedError), result.output
        assert seen["at"] == want


def test_offset_aware_as_of_and_at_work_on_the_store(sqlite_store: Store) -> None:
    t0 = dt.datetime(2024, 6, 1, 21)
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["i1", "i2"],
                    "source": ["test"] * 2,
                    "occurred_from": [t0, t0 + dt.timedelta(days=1)],
                    "time_precision": ["exact"] * 2,
                    "lsoa": ["A", "A"],
                }
            ),
        )
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["i1", "i1", "i2", "i2"],
                    "person_id": ["a", "b", "a", "b"],
                    "role": ["offender", "victim", "offender", "victim"],
                }
            ),
        )
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": ["i1", "i2"],
                    "profile": ["avb-2010"] * 2,
                    "in_definition": [True, True],
                    "harm_days": [10.0, 10.0],
                }
            ),
        )
    db = ["--db", sqlite_store.url.sqlalchemy]
    result = CliRunner().invoke(
        app, [*db, "analyse", "groups", "--as-of", "2024-06-03T00:00+00:00", "--json"]
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        app, [*db, "analyse", "volt", "--at", "2024-06-02T20:30Z", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    # 20:30 UTC is 21:30 local: i2 (21:00 local on 2 June) is inside the window
    assert out["params"]["at"].startswith("2024-06-02T21:30")
    assert out["params"]["n_incidents"] == 2
