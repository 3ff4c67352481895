"""The hash-chained audit log: verify finds every edit, deletion, insertion, reorder."""

from __future__ import annotations

import datetime as dt
import threading

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.schema import AUDIT
from avert.store import Store, audit
from avert.store.migrate import downgrade


def _fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        audit.record(
            store,
            action="view",
            obj=f"person:P{i}",
            reason="test",
            user=f"u{i}",
            detail=audit.describe(people=[f"P{i}"], location="stdout"),
        )


def _sql(store: Store, sql: str) -> None:
    with store.transaction() as tx:
        tx._execute(sql)


def _kinds(store: Store) -> set[tuple[int | None, str]]:
    return {(p.seq, p.kind) for p in audit.verify(store).problems}


def test_records_form_a_chain(any_store: Store) -> None:
    _fill(any_store)
    rows = audit.read(any_store)
    assert rows["seq"].to_list() == [1, 2, 3, 4, 5]
    assert rows["prev_hash"][0] == audit.GENESIS_HASH
    assert rows["prev_hash"].to_list()[1:] == rows["row_hash"].to_list()[:-1]
    assert rows["detail"][0].startswith("people=1; people_sha256=")
    result = audit.verify(any_store)
    assert result.ok, result.problems
    assert (result.rows, result.head_seq) == (5, 5)
    assert result.head_hash == rows["row_hash"][4]


def test_empty_log_verifies(any_store: Store) -> None:
    assert audit.verify(any_store).ok


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        pytest.param(
            "UPDATE audit SET user_name = 'someone_else' WHERE seq = 3",
            {(3, "edited")},
            id="edit",
        ),
        pytest.param("DELETE FROM audit WHERE seq = 3", {(4, "gap")}, id="deletion"),
        pytest.param(
            "DELETE FROM audit WHERE seq <= 2", {(3, "gap")}, id="first-rows-deleted"
        ),
    ],
)
def test_tampering_is_found(
    any_store: Store, sql: str, found: set[tuple[int, str]]
) -> None:
    _fill(any_store)
    _sql(any_store, sql)
    assert _kinds(any_store) == found


def test_time_edit_is_found(any_store: Store) -> None:
    _fill(any_store)
    with any_store.transaction() as tx:
        tx._execute(
            "UPDATE audit SET at = ? WHERE seq = 2",
            [
                dt.datetime(2020, 1, 1).strftime("%Y-%m-%dT%H:%M:%S.%f")
                if any_store.dialect == "sqlite"
                else dt.datetime(2020, 1, 1)
            ],
        )
    assert _kinds(any_store) == {(2, "edited")}


def test_deletion_with_renumbering_is_found(any_store: Store) -> None:
    _fill(any_store)
    _sql(any_store, "DELETE FROM audit WHERE seq = 3")
    _sql(any_store, "UPDATE audit SET seq = seq - 1 WHERE seq > 3")
    kinds = _kinds(any_store)
    assert (3, "edited") in kinds
    assert (3, "relinked") in kinds


def test_insertion_outside_avert_is_found(any_store: Store) -> None:
    _fill(any_store, 3)
    _sql(
        any_store,
        "INSERT INTO audit (audit_id, user_name, action, object, reason) "
        "VALUES ('forged', 'x', 'view', 'person:P9', 'none')",
    )
    assert _kinds(any_store) == {(None, "inserted")}
    _sql(any_store, "DELETE FROM audit WHERE audit_id = 'forged'")
    # A row slotted in with a place in the chain but a made-up hash.
    _sql(
        any_store,
        "INSERT INTO audit (audit_id, user_name, action, object, reason, seq, "
        f"prev_hash, row_hash) VALUES ('forged', 'x', 'view', 'p', 'r', 4, "
        f"'{'1' * 64}', '{'2' * 64}')",
    )
    assert _kinds(any_store) == {(4, "edited"), (4, "relinked")}


def test_reorder_is_found(any_store: Store) -> None:
    _fill(any_store)
    _sql(any_store, "UPDATE audit SET seq = 100 WHERE seq = 2")
    _sql(any_store, "UPDATE audit SET seq = 2 WHERE seq = 3")
    _sql(any_store, "UPDATE audit SET seq = 3 WHERE seq = 100")
    kinds = _kinds(any_store)
    assert {(2, "edited"), (3, "edited")} <= kinds
    assert (2, "reordered") in kinds or (3, "reordered") in kinds


def test_a_rebuilt_chain_and_a_cut_tail_need_the_noted_head(any_store: Store) -> None:
    _fill(any_store)
    noted = audit.verify(any_store)
    head = (noted.head_seq, noted.head_hash)
    assert head[0] == 5
    assert head[1] is not None
    _sql(any_store, "DELETE FROM audit WHERE seq = 5")
    assert audit.verify(any_store).ok  # the chain alone cannot see a cut tail
    found = audit.verify(any_store, head=(5, head[1]))
    assert [(p.seq, p.kind) for p in found.problems] == [(5, "deleted")]
    # An edit with every later hash recomputed: only the noted head shows it.
    _fill(any_store, 1)
    rows = audit.read(any_store).with_columns(
        pl.when(pl.col("seq") == 2)
        .then(pl.lit("rewritten"))
        .otherwise(pl.col("reason"))
        .alias("reason")
    )
    prev = audit.GENESIS_HASH
    fixed = []
    for row in rows.to_dicts():
        row["prev_hash"] = prev
        row["row_hash"] = prev = audit.row_hash(audit.canonical_text(row))
        fixed.append(row)
    new_head = audit.verify(any_store)
    _sql(any_store, "DELETE FROM audit")
    with any_store.transaction() as tx:
        tx.append("audit", pl.DataFrame(fixed, schema=AUDIT.schema))
    assert audit.verify(any_store).ok
    assert new_head.head_hash is not None
    rewritten = audit.verify(any_store, head=(5, new_head.head_hash))
    assert [(p.seq, p.kind) for p in rewritten.problems] == [(5, "rewritten")]


def test_parse_head() -> None:
    assert audit.parse_head("12:" + "A" * 64) == (12, "a" * 64)
    with pytest.raises(Exception, match="SEQ:ROW_HASH"):
        audit.parse_head("x:y")


@pytest.mark.parametrize("threads", [4])
def test_concurrent_appends_stay_linear(any_store: Store, threads: int) -> None:
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(6):
                audit.record(any_store, action="view", obj=f"t{k}:{i}", reason="race")
        except BaseException as err:
            errors.append(err)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    result = audit.verify(any_store)
    assert result.ok, result.problems
    assert audit.read(any_store)["seq"].to_list() == list(range(1, 6 * threads + 1))


def test_filters(sqlite_store: Store) -> None:
    _fill(sqlite_store, 3)
    audit.record(sqlite_store, action="export", obj="x", reason="r", user="u1")
    assert audit.read(sqlite_store, user="u1")["seq"].to_list() == [2, 4]
    assert audit.read(sqlite_store, action="export")["seq"].to_list() == [4]
    later = dt.datetime.now() + dt.timedelta(days=1)
    assert audit.read(sqlite_store, since=later).height == 0
    assert audit.read(sqlite_store, until=later).height == 4


def test_describe_and_digest() -> None:
    n, digest = audit.people_digest(["b", "a", None, "a"])
    assert n == 2
    assert digest == audit.people_digest(pl.Series(["a", "b"]))[1]
    text = audit.describe(people=["a"], location="/x", audience="partner", top=5)
    assert text.startswith("people=1; people_sha256=")
    assert text.endswith("; location=/x; audience=partner; top=5")


_text = st.one_of(st.none(), st.text(max_size=30))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=2**62),
            st.datetimes(min_value=dt.datetime(1000, 1, 1)),
            _text,
            _text,
            _text,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_columnwise_canonical_text_equals_the_row_one(
    rows: list[tuple[int, dt.datetime, str | None, str | None, str | None]],
) -> None:
    dicts = [
        {
            "seq": seq,
            "audit_id": f"id{i}",
            "at": at,
            "user_name": a,
            "role": b,
            "action": "view",
            "object": c,
            "reason": "r",
            "detail": a,
            "prev_hash": "0" * 64,
            "row_hash": None,
        }
        for i, (seq, at, a, b, c) in enumerate(rows)
    ]
    frame = pl.DataFrame(dicts, schema=AUDIT.schema)
    assert audit.canonical_texts(frame).to_list() == [
        audit.canonical_text(d) for d in dicts
    ]


def test_migration_chains_rows_written_before_it(sqlite_store: Store) -> None:
    downgrade(sqlite_store.engine, "0002")
    old = pl.DataFrame(
        {
            "audit_id": ["b", "a", "c"],
            "at": [
                dt.datetime(2026, 1, 1, 9),
                dt.datetime(2026, 1, 1, 9),
                dt.datetime(2025, 12, 31),
            ],
            "user_name": ["u", "u", "v"],
            "role": ["police"] * 3,
            "action": ["view"] * 3,
            "object": ["person:1", "person:2", "briefing:x"],
            "reason": ["r"] * 3,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append_arrow("audit", tx.arrow_for("audit", old).select(old.columns))
    sqlite_store.upgrade()
    rows = audit.read(sqlite_store)
    assert rows.select("seq", "audit_id").rows() == [(1, "c"), (2, "a"), (3, "b")]
    assert audit.verify(sqlite_store).ok
    audit.record(sqlite_store, action="view", obj="person:3", reason="after")
    assert audit.verify(sqlite_store).ok


def test_the_user_is_the_account_not_the_claimed_logname(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os
    import pwd

    account = pwd.getpwuid(os.getuid()).pw_name
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    assert audit.current_user() == account
    monkeypatch.setenv("LOGNAME", "the_chief_constable")
    assert audit.current_user() == f"{account} (LOGNAME the_chief_constable)"


@pytest.mark.postgres
def test_a_role_that_may_only_insert_and_select_can_append(
    postgres_store: Store,
) -> None:
    """The hardening docs/audit.md recommends: the app cannot edit, yet can append."""
    import re
    import uuid

    role = f"avert_app_{uuid.uuid4().hex[:8]}"
    with postgres_store.engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT SELECT, INSERT ON "audit" TO "{role}"')
        conn.commit()
    try:
        url = postgres_store.url.adbc
        limited_url = (
            re.sub(r"://[^@/]*@", f"://{role}@", url)
            if re.search(r"://[^@/]*@", url)
            else url.replace("://", f"://{role}@", 1)
        )
        limited = Store(limited_url)
        _fill(limited, 3)
        assert audit.verify(limited).ok
        with pytest.raises(Exception, match="permission denied"):
            _sql(limited, "UPDATE audit SET reason = 'x' WHERE seq = 1")
        with pytest.raises(Exception, match="permission denied"):
            _sql(limited, "DELETE FROM audit WHERE seq = 1")
        assert audit.read(postgres_store)["seq"].to_list() == [1, 2, 3]
        limited.close()
    finally:
        with postgres_store.engine.connect() as conn:
            conn.exec_driver_sql(f'REVOKE ALL ON "audit" FROM "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
            conn.commit()
