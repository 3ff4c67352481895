"""The store's data generation: one number every write to the analysed data raises,
in the same transaction, and audit, sign-in and session writes leave alone.

The web's caches key their results with it (avert.workflows.views): a load that
only replaced rows, a classification or a population change showed stale pages for
up to ten minutes while the keys counted ``loads`` rows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.config.settings import load_settings
from avert.errors import PermissionDenied
from avert.store import Store, audit, pseudonyms
from avert.store.database import QUIET_TABLES
from avert.store.migrate import downgrade
from avert.store.users import stamp_token_use
from avert.workflows.users import (
    SignInThrottle,
    add_user,
    authenticate,
    end_sessions,
    issue_token,
    list_tokens,
    user_for_token,
)

PASSWORD = "correct horse battery staple"


def _incident(incident_id: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [incident_id],
            "offence_code": ["8N"],
            "occurred_from": [dt.datetime(2026, 11, 30, 22)],
        }
    )


def test_each_transaction_that_writes_data_raises_it_once(any_store: Store) -> None:
    assert any_store.generation() == 0
    with any_store.transaction() as tx:
        tx.append("incidents", _incident("a"))
        tx.append("incidents", _incident("b"))
    assert any_store.generation() == 1  # one transaction, one raise
    # a replace that only deletes (nothing appended) changes the data too
    any_store.replace_rows("incidents", _incident("a").head(0), where=[])
    assert any_store.count("incidents") == 0
    assert any_store.generation() == 2
    with any_store.transaction() as tx:  # an UPDATE through SQL
        tx._execute('UPDATE "incidents" SET "offence_code" = ? WHERE 1 = 0', ["x"])
    assert any_store.generation() == 3
    with any_store.transaction() as tx:  # reads only
        tx._query("SELECT COUNT(*) AS n FROM incidents", schema={"n": pl.Int64()})
    assert any_store.generation() == 3


def _append_then_fail(store: Store) -> None:
    with store.transaction() as tx:
        tx.append("incidents", _incident("a"))
        raise RuntimeError


def test_a_rolled_back_write_leaves_it(any_store: Store) -> None:
    with pytest.raises(RuntimeError):
        _append_then_fail(any_store)
    assert any_store.generation() == 0
    assert any_store.count("incidents") == 0


def test_another_store_object_sees_it_at_once(any_store: Store) -> None:
    """Web workers are processes of their own, each with its own Store."""
    other = Store(any_store.url.sqlalchemy)
    try:
        seen = other.generation()
        with any_store.transaction() as tx:
            tx.append("incidents", _incident("a"))
        assert other.generation() == seen + 1
    finally:
        other.close()


def test_audit_sign_in_session_and_token_writes_leave_it(any_store: Store) -> None:
    """These happen on every page view: raising the number would empty the caches
    at each request."""
    assert {
        "audit",
        "users",
        "api_tokens",
        "sign_in_failures",
        "pseudonym_index",
    } == QUIET_TABLES
    settings = load_settings({})
    throttle = SignInThrottle(max_failures=3, window_s=600.0)
    add_user(any_store, "ana", password=PASSWORD, role="analyst")
    with pytest.raises(PermissionDenied):
        authenticate(
            any_store,
            "ana",
            "wrong",
            settings=settings,
            client="10.0.0.1",
            throttle=throttle,
        )
    authenticate(
        any_store,
        "ana",
        PASSWORD,
        settings=settings,
        client="10.0.0.1",
        throttle=throttle,
    )
    token = issue_token(any_store, "ana")
    assert user_for_token(any_store, token) is not None
    token_id = str(list_tokens(any_store, "ana")["token_id"][0])
    stamp_token_use(any_store, token_id, at=dt.datetime(2026, 12, 1))
    audit.record(any_store, action="view", obj="person:1", reason="test")
    end_sessions(any_store, "ana")
    kinds = {
        name: any_store.count(name)
        for name in ("audit", "users", "api_tokens", "sign_in_failures")
    }
    assert kinds["audit"] >= 4
    assert kinds["users"] == kinds["api_tokens"] == 1
    assert any_store.generation() == 0


def test_the_migration_adds_it_at_zero_and_goes_back(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _incident("a"))
    downgrade(any_store.engine, "0019")
    with any_store.engine.connect() as conn:
        names = any_store.engine.dialect.get_table_names(conn)
    assert "data_generation" not in names
    any_store.upgrade()
    assert any_store.generation() == 0  # stored data are older than any cache
    with any_store.transaction() as tx:
        tx.append("incidents", _incident("b"))
    assert any_store.generation() == 1


def test_filling_the_pseudonym_lookup_leaves_it(any_store: Store) -> None:
    """A partner's save may fill the lookup of typed pseudonyms first
    (:mod:`avert.store.pseudonyms`): that changes no analysed data."""
    with any_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1", "P2"], "source": "t"}))
    before = any_store.generation()
    assert pseudonyms.fill(any_store, Pseudonymiser("a" * 40)) == 2
    assert pseudonyms.fill(any_store, Pseudonymiser("b" * 40)) == 2
    assert any_store.count("pseudonym_index") == 2  # the other key's rows deleted
    assert any_store.generation() == before
