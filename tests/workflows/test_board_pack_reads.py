"""What a board pack reads: nothing without a pseudonym key, each name table once."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.config.settings import load_settings
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.users import User
from avert.written_identity import ADDRESS_WITHHELD, DATE_WITHHELD

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
CHAIR = User("chair1", "chair")
NO_KEY = load_settings({})
WITH_KEY = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
MONTH = f"{dt.date.today():%Y-%m}"


class _UnreadError(Exception):
    """A read the test's store must not make."""


def _refusing_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """``store`` with every read raising :class:`_UnreadError` (each read of a
    :class:`Store` runs its SQL through ``_read``)."""

    def read(*_args: Any, **_kwargs: Any) -> None:
        raise _UnreadError

    monkeypatch.setattr(store, "_read", read)


def test_a_pack_without_a_pseudonym_key_is_refused_before_the_store_is_read(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`avert board pack` with no pseudonym key read the plan, its checks and
    measures (4 to 15 s at force scale) before the first pseudonym asked for
    the key and refused. The key is now checked first: no read is made."""
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR)
    _refusing_reads(sqlite_store, monkeypatch)
    with pytest.raises(ConfigError, match="need a pseudonym key and none is set"):
        delivery.board_pack_data(sqlite_store, NO_KEY, month=MONTH)
    with pytest.raises(_UnreadError):  # the store would have raised had it been read
        delivery.board_pack_data(sqlite_store, WITH_KEY, month=MONTH)


def test_a_pack_of_an_empty_plan_needs_the_key_too(sqlite_store: Store) -> None:
    """A store without a plan made its pack without a key (no title to
    pseudonymise); the pack is the board's, which reads persons as pseudonyms
    only: refused alike, so a key missing is found on the first pack."""
    with pytest.raises(ConfigError, match="pseudonym key"):
        delivery.board_pack_data(sqlite_store, NO_KEY, month=MONTH)
    assert delivery.board_pack_data(sqlite_store, WITH_KEY, month=MONTH)["plans"] == []


def test_the_command_refuses_a_pack_without_a_key_and_writes_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    Store(url).upgrade()
    out = tmp_path / "pack"
    result = CliRunner().invoke(
        app,
        ["--db", url, "board", "pack", "--month", MONTH, "--out", str(out)],
        env={"AVERT_PSEUDONYM_KEY": "", "COLUMNS": "200"},
    )
    # (the console script prints an AvertError's message, exit 1)
    assert isinstance(result.exception, ConfigError), result.output
    assert "need a pseudonym key and none is set" in str(result.exception)
    assert not out.exists()


@pytest.mark.parametrize("key", ["", "too-short"])
def test_the_refusal_says_why_a_pack_needs_a_key_and_where_it_is_set(
    tmp_path: Path, key: str
) -> None:
    """ "Partner outputs need a pseudonym key" alone: an analyst making the
    board's pack read of partners, and not how avert is given a setting. It
    says the board reads people by pseudonym, names the setting and that
    settings come from the environment, not the command line."""
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    Store(url).upgrade()
    result = CliRunner().invoke(
        app,
        ["--db", url, "board", "pack", "--month", MONTH, "--out", str(tmp_path)],
        env={"AVERT_PSEUDONYM_KEY": key, "COLUMNS": "200"},
    )
    assert isinstance(result.exception, ConfigError), result.output
    said = str(result.exception)
    assert said.startswith(
        "A board pack shows the board the people it names (in plan actions, "
        "taskings and their evidence) by pseudonym"
    )
    # the reason of the key check stays: none set, or this one unfit
    assert ("none is set" if not key else "too short") in said
    assert "the setting pseudonym_key" in said
    assert "from its environment variable (AVERT_PSEUDONYM_KEY" in said
    assert "never on the command line" in said
    assert key not in said or not key  # the key is never repeated


def test_a_pack_reads_each_name_table_once(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pack's actions, plan board, plans, objectives and measures each read
    every stored person's and group's name to look up their free text: ten reads
    of the two tables (0.83 s of CPU at 200,000 names, 0.40 s reading each once).
    Each table is now read once a pack, and the names are still found (and the
    dates of birth and addresses withheld, from the same read)."""
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR)
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P7"], "source": ["t"]}))
        tx.append(
            "person_identity",
            pl.DataFrame(
                {
                    "person_id": ["P7"],
                    "name": ["John Smith"],
                    "date_of_birth": [dt.date(2006, 4, 3)],
                    "address": ["14 Acacia Road, Leeds"],
                }
            ),
        )
        tx.append("groups", pl.DataFrame({"group_id": ["G1"], "name": ["Red Crew"]}))
    delivery.update_action(sqlite_store, "A04", {"status": "in_progress"}, user=CHAIR)
    delivery.update_action(
        sqlite_store,
        "A04",
        {
            "status": "done",
            "evidence": "met John Smith of Red Crew at 14 Acacia Rd, 3/4/06",
        },
        user=CHAIR,
    )
    reads: list[str] = []
    read = sqlite_store._read

    def counted(sql: str, *args: Any, **kwargs: Any) -> pl.DataFrame:
        for table in ("person_identity", "groups"):
            if '"name"' in sql and f'FROM "{table}"' in sql:
                reads.append(table)
        return read(sql, *args, **kwargs)

    monkeypatch.setattr(sqlite_store, "_read", counted)
    pack = delivery.board_pack_data(sqlite_store, WITH_KEY, month=MONTH)
    assert sorted(reads) == ["groups", "person_identity"]
    # the pack is in the board's key
    pseudo = delivery.partner_pseudonymiser(WITH_KEY, reader=User("b", "board"))
    shown = (
        f"met {pseudo('person', 'P7')} of {pseudo('group', 'G1')} at "
        f"{ADDRESS_WITHHELD}, {DATE_WITHHELD}"
    )
    assert "John Smith" not in repr(pack)
    evidence = [a["evidence"] for a in pack["completed"] if a["action_id"] == "A04"]
    assert evidence == [shown]
