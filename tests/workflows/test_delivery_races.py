"""Two users (two web workers, two CLI runs) writing the same plan row or tasking.

Each test interleaves the two deterministically: the first writer reads, the second
writes and commits (on its own connection, or in another process), then the first
writes. The database must refuse the first's write, not put it over the second's.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from avert.errors import ConfigError, ConflictError
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.delivery import _actions, _planfile, _taskings
from avert.workflows.users import User

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
ALICE = User("alice", "chair")
BOB = User("bob", "chair")
NOW = dt.datetime(2026, 11, 24, 9, 0)


def _person(store: Store, person_id: str) -> None:
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": [person_id], "source": ["t"]}))


def _tasking(store: Store, tasking_id: str) -> dict[str, Any]:
    return store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)]).row(
        0, named=True
    )


def test_done_on_a_stale_meeting_page_keeps_the_result_recorded_first(
    any_store: Store,
) -> None:
    """Alice's meeting page shows the tasking open (version 1); Bob records its
    result; Alice's "Done" then wrote her result over Bob's, silently. Now she is
    told Bob closed it, when, with his result, and nothing is written."""
    _person(any_store, "P1")
    made = delivery.add_tasking(any_store, "person:P1", what="Visit", user=ALICE)
    seen = made["version"]
    delivery.record_tasking_result(
        any_store, made["tasking_id"], result="Seen by Bob", user=BOB, version=seen
    )
    with pytest.raises(ConflictError, match=r"already closed \(done\) by bob at "):
        delivery.record_tasking_result(
            any_store, made["tasking_id"], result="Alice's", user=ALICE, version=seen
        )
    # without the page's version (the CLI's "tasking done"): done is not done again
    with pytest.raises(ConflictError, match="Seen by Bob"):
        delivery.record_tasking_result(
            any_store, made["tasking_id"], result="Alice's", user=ALICE
        )
    stored = _tasking(any_store, made["tasking_id"])
    assert (stored["result"], stored["result_by"], stored["version"]) == (
        "Seen by Bob",
        "bob",
        2,
    )
    # a result is still changed on purpose (status None: "tasking result")
    changed = delivery.record_tasking_result(
        any_store, made["tasking_id"], result="Amended", user=ALICE, status=None
    )
    assert (changed["result"], changed["version"]) == ("Amended", 3)


def test_two_results_written_at_once_keep_the_first_committed(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the tasking open; Bob's write commits between Alice's read and
    her write (another process: the check in Python saw it open). Alice's write is
    refused by the store's version check; Bob's result stays."""
    _person(any_store, "P2")
    made = delivery.add_tasking(any_store, "person:P2", what="Visit", user=ALICE)
    real = _taskings._save

    def bob_first(store: Store, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(_taskings, "_save", real)
        delivery.record_tasking_result(
            Store(store.url.sqlalchemy), made["tasking_id"], result="Bob's", user=BOB
        )
        return real(store, *args, **kwargs)

    monkeypatch.setattr(_taskings, "_save", bob_first)
    with pytest.raises(ConflictError, match=r"already closed \(done\) by bob"):
        delivery.record_tasking_result(
            any_store, made["tasking_id"], result="Alice's", user=ALICE
        )
    stored = _tasking(any_store, made["tasking_id"])
    assert (stored["result"], stored["version"]) == ("Bob's", 2)
    history = any_store.read_frame(
        "delivery_history", where=[("entity_id", "=", made["tasking_id"])]
    )
    assert sorted(history["version"].to_list()) == [1, 2]


def test_two_processes_tasking_one_item_make_one_tasking(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The "already tasked" guard was a lock inside one process: another web
    worker or CLI run that looked for the item's tasking before this one wrote
    made a second. Here another process tasks the item after this one looked;
    the database refuses this one's write, with the friendly message."""
    _person(any_store, "P3")
    real = _taskings.taskings_for_item
    other = (
        "from avert.store import Store\n"
        "from avert.workflows import delivery\n"
        "from avert.workflows.users import User\n"
        "import sys\n"
        "delivery.add_tasking(Store(sys.argv[1]), 'repeat_victim:P3', what='Bob visits',"
        " user=User('bob', 'chair'))\n"
    )

    def other_process_writes(store: Store, item: str) -> pl.DataFrame:
        found = real(store, item)
        monkeypatch.setattr(_taskings, "taskings_for_item", real)
        subprocess.run(
            [sys.executable, "-c", other, store.url.sqlalchemy],
            check=True,
            env={**os.environ, "PYTHONPATH": str(Path(_taskings.__file__).parents[3])},
        )
        return found

    monkeypatch.setattr(_taskings, "taskings_for_item", other_process_writes)
    with pytest.raises(
        ConfigError, match=r"Person of concern P3 is already tasked: .*Bob visits"
    ):
        delivery.add_tasking(any_store, "person:P3", what="Alice visits", user=ALICE)
    assert real(any_store, "person:P3")["what"].to_list() == ["Bob visits"]
    # asked for on purpose, a second tasking of the subject is still made
    delivery.add_tasking(
        any_store, "person:P3", what="Also", user=ALICE, anyway=True, now=NOW
    )
    assert real(any_store, "person:P3").height == 2


def test_an_action_saved_from_a_stale_form_does_not_undo_another_save(
    any_store: Store,
) -> None:
    """Bob set A02's RAG; Alice's form, opened before, sends every field: her save
    put Bob's RAG back. Now she is told Bob changed it, and nothing is saved."""
    delivery.import_plan(any_store, EXAMPLE, user=ALICE)
    seen = delivery.read_actions(any_store).filter(pl.col("action_id") == "A02")
    version = seen["version"][0]
    delivery.update_action(
        any_store,
        "A02",
        {"rag": "red", "rag_reason": "No visits this week"},
        user=BOB,
        version=version,
    )
    with pytest.raises(ConflictError, match="A02 was changed by bob at "):
        delivery.update_action(
            any_store,
            "A02",
            {
                "rag": seen["rag"][0],
                "rag_reason": seen["rag_reason"][0],
                "evidence": "Alice's note",
            },
            user=ALICE,
            version=version,
        )
    now = delivery.read_actions(any_store).filter(pl.col("action_id") == "A02")
    assert (now["rag"][0], now["evidence"][0]) == ("red", seen["evidence"][0])


def test_two_action_saves_at_once_keep_the_first_committed(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bob's save commits between Alice's read and her write. From a form (its
    version) Alice's save is refused by the store, not written over Bob's; without
    one (the CLI: only the fields given) it is made again on Bob's row."""
    delivery.import_plan(any_store, EXAMPLE, user=ALICE)
    real = _actions._save

    def bob_first(evidence: str) -> Any:
        def save(store: Store, *args: Any, **kwargs: Any) -> Any:
            monkeypatch.setattr(_actions, "_save", real)
            other = Store(store.url.sqlalchemy)
            delivery.update_action(other, "A02", {"evidence": evidence}, user=BOB)
            other.close()
            return real(store, *args, **kwargs)

        return save

    def a02() -> dict[str, Any]:
        rows = delivery.read_actions(any_store)
        return rows.filter(pl.col("action_id") == "A02").row(0, named=True)

    monkeypatch.setattr(_actions, "_save", bob_first("Bob's"))
    with pytest.raises(ConflictError, match="A02 was changed by bob"):
        delivery.update_action(
            any_store, "A02", {"rag": "green"}, user=ALICE, version=a02()["version"]
        )
    assert (a02()["evidence"], a02()["rag"]) == ("Bob's", "amber")
    monkeypatch.setattr(_actions, "_save", bob_first("Bob's again"))
    delivery.update_action(any_store, "A02", {"rag": "green"}, user=ALICE)
    assert (a02()["evidence"], a02()["rag"]) == ("Bob's again", "green")
    history = any_store.read_frame(
        "delivery_history", where=[("entity_id", "=", "A02")]
    )
    assert sorted(history["version"].to_list()) == list(range(1, history.height + 1))


def test_a_plan_import_does_not_undo_a_change_made_while_it_ran(
    any_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The import merges the file with the stored rows it read; a meeting's
    change committed after that read was written over by the merged row. Now the
    import is refused (nothing of it written) and the change stays."""
    delivery.import_plan(any_store, EXAMPLE, user=ALICE)
    changed = tmp_path / "plan.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    old = "    title: Neighbourhood reassurance visits after each most serious"
    assert old in text
    changed.write_text(text.replace(old, old + " (renamed)"), encoding="utf-8")
    real = _planfile._write

    def meeting_first(store: Store, *args: Any, **kwargs: Any) -> Any:
        delivery.update_action(
            Store(store.url.sqlalchemy),
            "A02",
            {"evidence": "From the meeting"},
            user=BOB,
        )
        return real(store, *args, **kwargs)

    monkeypatch.setattr(_planfile, "_write", meeting_first)
    with pytest.raises(ConflictError) as refused:
        delivery.import_plan(any_store, changed, user=ALICE)
    # the message names the row and who changed it, and says what to do: nothing
    # was written, so running the import again is safe and merges the change
    said = str(refused.value)
    assert refused.value.ids == ("A02",)
    assert "Plan import of plan.yaml refused" in said
    assert "action A02 was changed by bob at " in said
    assert "nothing of the file was written" in said
    assert "Run the same import again ('avert plan import')" in said
    monkeypatch.setattr(_planfile, "_write", real)
    now = delivery.read_actions(any_store).filter(pl.col("action_id") == "A02")
    assert now["evidence"][0] == "From the meeting"
    assert "(renamed)" not in now["title"][0]
    # run again, the import merges the meeting's change and keeps it
    delivery.import_plan(any_store, changed, user=ALICE)
    now = delivery.read_actions(any_store).filter(pl.col("action_id") == "A02")
    assert now["evidence"][0] == "From the meeting"
    assert "(renamed)" in now["title"][0]


@pytest.mark.postgres
def test_a_tasking_look_waits_for_a_tasking_being_written(
    postgres_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads do not see another transaction's rows before it commits: a
    look for the subject's taskings while another worker's tasking of it was
    written but not committed found none, and both were made. The look now waits
    for that transaction (the delivery lock) and then sees its tasking."""
    import threading

    from avert.store import delivery as delivery_store

    store = postgres_store
    _person(store, "P4")
    holding, release = threading.Event(), threading.Event()

    def bob_writing() -> None:
        with store.transaction() as tx:
            tx.serialise(delivery_store._PG_DELIVERY_LOCK)
            tx.append(
                "taskings",
                pl.DataFrame(
                    {
                        "tasking_id": ["T-BOB"],
                        "what": ["Bob visits"],
                        "due": [NOW],
                        "item_kind": ["person"],
                        "item_id": ["P4"],
                        "status": ["open"],
                        "created_at": [NOW],
                        "version": [1],
                    }
                ),
            )
            holding.set()
            release.wait(30)

    empty = _taskings.taskings_for_item(store, "person:P4")
    # Alice's look ran before Bob's commit, as it may under two workers
    monkeypatch.setattr(_taskings, "taskings_for_item", lambda _s, _i: empty)
    outcome: list[BaseException | None] = []

    def alice() -> None:
        try:
            delivery.add_tasking(store, "person:P4", what="Alice visits", user=ALICE)
            outcome.append(None)
        except ConfigError as err:
            outcome.append(err)

    bob = threading.Thread(target=bob_writing)
    bob.start()
    assert holding.wait(30)
    second = threading.Thread(target=alice)
    second.start()
    waiting = (
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    )
    for _ in range(300):  # until Alice's write waits for Bob's transaction
        if store._query(waiting, (), schema={"n": pl.Int64()})["n"][0] or outcome:
            break
        threading.Event().wait(0.05)
    release.set()
    bob.join()
    second.join()
    assert isinstance(outcome[0], ConflictError), outcome
    assert "already tasked: T-BOB" in str(outcome[0])
    stored = store.read_frame("taskings", where=[("item_id", "=", "P4")])
    assert stored["tasking_id"].to_list() == ["T-BOB"]
