"""Store round trips on SQLite and PostgreSQL: types, filters, transactions."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.errors import NotFound, StoreError
from avert.schema import INCIDENTS, TABLES
from avert.store import Store, normalise_url


def _incidents() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "occurred_from": [
                dt.datetime(2024, 1, 1, 22, 15),
                dt.datetime(2024, 2, 1, 3, 0, 0, 123456),
                None,
            ],
            "domestic": [True, False, None],
            "x": [530000.5, None, 1.0],
            "source_line": [2, 3, 4],
            "hate": ["race;religion", None, ""],
        }
    )


def test_round_trip_keeps_canonical_types(any_store: Store) -> None:
    with any_store.transaction() as tx:
        assert tx.append("incidents", _incidents()) == 3
    back = any_store.read_frame("incidents", order_by=["incident_id"])
    assert back.schema == INCIDENTS.schema
    assert back["incident_id"].to_list() == ["a", "b", "c"]
    assert back["occurred_from"].to_list()[:2] == [
        dt.datetime(2024, 1, 1, 22, 15),
        dt.datetime(2024, 2, 1, 3, 0, 0, 123456),
    ]
    assert back["domestic"].to_list() == [True, False, None]
    assert back["hate"].to_list() == ["race;religion", None, ""]


def test_order_by_puts_nulls_first_on_every_store(any_store: Store) -> None:
    """``read_frame(order_by=...)`` put a row with no value last on PostgreSQL (its
    default, NULLS LAST) and first on SQLite and in Polars' sort: the quarantine
    list, the task list and the audit log read in stored order would differ by
    store the day a sort column is empty."""
    with any_store.transaction() as tx:
        tx.append("incidents", _incidents())
    by_time = any_store.read_frame(
        "incidents", columns=["incident_id"], order_by=["occurred_from"]
    )
    assert by_time["incident_id"].to_list() == ["c", "a", "b"]
    by_text = any_store.read_frame(
        "incidents", columns=["incident_id"], order_by=["hate", "incident_id"]
    )
    assert by_text["incident_id"].to_list() == ["b", "c", "a"]
    expected = _incidents().sort("hate", "incident_id")["incident_id"].to_list()
    assert by_text["incident_id"].to_list() == expected


def test_read_frame_without_order_by_gives_rows_in_primary_key_order(
    any_store: Store,
) -> None:
    """``read_frame`` with no ``order_by`` returned rows as the database kept them:
    SQLite in insertion order, PostgreSQL in its heap's order, which a load's
    updates reshuffle, so the same data gave a performance chart's harm
    842.2142921278057 on SQLite and 842.2142921278056 on PostgreSQL (floats summed
    in another order). Now rows come in primary-key order (text bytewise) on both,
    whether or not the frame holds the key."""
    written = pl.DataFrame(
        {"incident_id": ["c", "a", "B", "b"], "x": [0.5, 3.0, 2.0, 1.0]}
    )
    with any_store.transaction() as tx:
        tx.append("incidents", written)
    keyed = any_store.read_frame("incidents", columns=["x", "incident_id"])
    assert keyed["incident_id"].to_list() == ["B", "a", "b", "c"]
    unkeyed = any_store.read_frame("incidents", columns=["x"])
    assert unkeyed["x"].to_list() == [2.0, 3.0, 1.0, 0.5]
    classes = pl.DataFrame({"incident_id": ["c", "a", "a"], "profile": ["p", "q", "p"]})
    any_store.replace_rows("classifications", classes, where=[])
    pairs = any_store.read_frame("classifications", columns=["profile", "incident_id"])
    assert pairs.rows() == [("p", "a"), ("q", "a"), ("p", "c")]


def test_read_frame_gives_the_audit_log_in_chain_order(any_store: Store) -> None:
    """The audit log's key is a random id: read in key order, "the rows added since"
    (a frame's tail) would be any rows; it reads in its chain's order, ``seq``."""
    log = pl.DataFrame(
        {"audit_id": ["z", "m", "a"], "seq": [1, 2, 3], "action": ["v", "v", "e"]}
    )
    with any_store.transaction() as tx:
        tx.append("audit", log)
    assert any_store.read_frame("audit")["seq"].to_list() == [1, 2, 3]
    ids = any_store.read_frame("audit", columns=["audit_id"])
    assert ids["audit_id"].to_list() == ["z", "m", "a"]


def test_filters_select_by_time_and_membership(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _incidents())
    after = any_store.read_frame(
        "incidents",
        columns=["incident_id"],
        where=[("occurred_from", ">=", dt.datetime(2024, 1, 15))],
    )
    assert after["incident_id"].to_list() == ["b"]
    chosen = any_store.read_frame(
        "incidents", columns=["incident_id"], where=[("incident_id", "in", ["a", "c"])]
    )
    assert sorted(chosen["incident_id"].to_list()) == ["a", "c"]
    nothing = any_store.read_frame(
        "incidents", columns=["incident_id"], where=[("incident_id", "in", [])]
    )
    assert nothing.height == 0


def test_transaction_rolls_back_on_error(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _incidents().head(1))

    def killed_mid_load() -> None:
        with any_store.transaction() as tx:
            tx.append("incidents", _incidents().tail(2))
            raise RuntimeError("killed mid-load")

    with pytest.raises(RuntimeError):
        killed_mid_load()
    assert any_store.count("incidents") == 1


def test_existing_returns_stored_rows_by_key(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _incidents())
        found = tx.existing("incidents", pl.DataFrame({"incident_id": ["b", "zz"]}))
    assert found["incident_id"].to_list() == ["b"]
    assert found.schema == INCIDENTS.schema


def test_counts_cover_every_table(any_store: Store) -> None:
    counts = any_store.counts()
    assert set(counts) == set(TABLES)
    assert all(n == 0 for n in counts.values())
    with any_store.transaction() as tx:
        tx.append("incidents", _incidents())
    counts = any_store.counts()
    assert counts["incidents"] == any_store.count("incidents") == _incidents().height
    assert sum(counts.values()) == counts["incidents"]


def test_replace_rows_swaps_a_slice(any_store: Store) -> None:
    frame = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "profile": ["p1", "p1"],
            "in_definition": [True, False],
        }
    )
    any_store.replace_rows("classifications", frame, where=[("profile", "=", "p1")])
    any_store.replace_rows(
        "classifications", frame.head(1), where=[("profile", "=", "p1")]
    )
    assert any_store.count("classifications") == 1


def test_unknown_table_is_not_found(sqlite_store: Store) -> None:
    with pytest.raises(NotFound, match="No table"):
        sqlite_store.read_frame("nope")


def test_check_refuses_a_missing_or_stale_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="avert db init"):
        Store(str(tmp_path / "missing.db")).check()
    stale = Store(str(tmp_path / "stale.db"))
    with stale.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a)")
    with pytest.raises(StoreError, match="avert db upgrade"):
        stale.check()


@pytest.mark.parametrize(
    ("given", "dialect", "adbc_suffix"),
    [
        ("avert.db", "sqlite", "/avert.db"),
        ("sqlite:///x/y.db", "sqlite", "/x/y.db"),
        ("sqlite:////tmp/abs.db", "sqlite", "/tmp/abs.db"),
        ("postgresql://u@h/db", "postgresql", "postgresql://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql", "postgresql://u@h/db"),
    ],
)
def test_normalise_url(given: str, dialect: str, adbc_suffix: str) -> None:
    url = normalise_url(given)
    assert url.dialect == dialect
    assert url.adbc.endswith(adbc_suffix)


def test_unsupported_urls_are_refused() -> None:
    with pytest.raises(StoreError, match="Unsupported"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(StoreError, match="in-memory"):
        normalise_url("sqlite:///:memory:")


def test_sqlite_uses_wal(sqlite_store: Store) -> None:
    mode = sqlite_store.pragma("journal_mode")
    assert mode == "wal"


def test_sqlite_engine_keeps_no_pooled_connection(sqlite_store: Store) -> None:
    # Python's sqlite3 (SQLAlchemy) and ADBC's SQLite are two libraries in one
    # process; a sqlite3 connection left open beside ADBC writes drops ADBC's POSIX
    # locks when it closes and can corrupt a WAL database. No pooling, ever.
    import sqlalchemy as sa

    assert isinstance(sqlite_store.engine.pool, sa.pool.NullPool)


def test_new_sqlite_database_has_16_kib_pages(sqlite_store: Store) -> None:
    from avert.store.database import SQLITE_PAGE_BYTES

    assert sqlite_store.pragma("page_size") == str(SQLITE_PAGE_BYTES)
    assert sqlite_store.pragma("journal_mode") == "wal"


def test_status_lists_the_missing_value_first_on_both_stores(
    any_store: Store,
) -> None:
    """``avert status`` listed stops "by force: (none) 2, metropolitan 50" on SQLite
    and "metropolitan 50, (none) 2" on PostgreSQL (NULLs sort first in SQLite, last
    in PostgreSQL): the same store read differently on the two."""
    from avert.store.summary import status_summary

    frame = _incidents().with_columns(
        pl.Series("force", ["metropolitan", None, "city-of-london"])
    )
    with any_store.transaction() as tx:
        tx.append("incidents", frame)
    summary = status_summary(any_store)["incidents"]
    assert list(summary["by_force"]) == ["(none)", "city-of-london", "metropolitan"]
    assert list(summary["by_month"]) == ["(none)", "2024-01", "2024-02"]
