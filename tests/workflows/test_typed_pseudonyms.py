"""A pseudonym a partner copies from its briefing into a text it writes (a
tasking's result, an action's evidence) was stored as typed: the police read
"visited P-B43176F1E42D", not the person, and could not act on it. A
partner's save now stores the id it stands for (looked up in
``pseudonym_index``, :mod:`avert.store.pseudonyms`): the police read the id,
the writer reads its pseudonym back, other partner readers theirs, never the
id. On SQLite and PostgreSQL.

Texts saved before that save hold the pseudonyms as typed: ``avert db
resolve-pseudonyms`` (:func:`avert.workflows.delivery.resolve_typed_pseudonyms`)
converts them with the save's resolver. The old save is simulated by a save
whose resolver finds nothing (as before it existed): the text is stored as
typed, its words the partner's."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.access import Pseudonymiser, period_of
from avert.cli import app
from avert.config.settings import Settings, load_settings
from avert.config.timezone import local_now
from avert.errors import ConfigError, ConflictError
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.delivery import _actions, _taskings, _typed
from avert.workflows.pseudonym_lookup import fill_pseudonym_lookup
from avert.workflows.users import User

KEY = secrets.token_urlsafe(32)
SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": KEY})
#: One key for every partner (``pseudonym_scope`` shared, not the default),
#: for what is of that scope alone.
SHARED = SETTINGS.with_overrides(pseudonym_scope="shared")
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
CHAIR = User("chair1", "chair")
COUNCIL = User("cc", "partner", org="council")
YOUTH = User("ys", "partner", org="youth-service")
BOARD = User("b", "board")


def _people(store: Store, *ids: str) -> None:
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": list(ids), "source": "t"}))


@pytest.fixture
def planned(any_store: Store) -> Store:
    """The example plan and three stored people."""
    delivery.import_plan(any_store, EXAMPLE, user=CHAIR)
    _people(any_store, "P0000001", "P0000002", "P0000003")
    return any_store


def _tasking(store: Store) -> tuple[str, dt.datetime]:
    """A tasking on person P0000003 given to the council: its id, and a time
    just after to read it at."""
    now = dt.datetime.now().replace(microsecond=0)
    made = delivery.add_tasking(
        store,
        "person:P0000003",
        what="Visit",
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=CHAIR,
        anyway=True,
    )
    return str(made["tasking_id"]), now + dt.timedelta(minutes=1)


def _result(
    store: Store, tasking_id: str, user: User, at: dt.datetime, settings: Settings
) -> str | None:
    view = delivery.meeting_view(store, {}, user=user, at=at, settings=settings)
    found = [
        t["result"]
        for group in view["taskings"].values()
        for t in group
        if t["tasking_id"] == tasking_id
    ]
    return found[0] if found else None


def _save_result(
    store: Store, tasking_id: str, result: str, settings: Settings = SETTINGS
) -> str:
    delivery.record_tasking_result(
        store, tasking_id, result=result, status=None, user=COUNCIL, settings=settings
    )
    stored = store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    return str(stored["result"][0])


def test_a_typed_pseudonym_is_stored_as_the_person(planned: Store) -> None:
    tasking_id, at = _tasking(planned)
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    stored = _save_result(planned, tasking_id, f"visited {p1}, engaged")
    assert stored == "visited P0000001, engaged"
    assert _result(planned, tasking_id, CHAIR, at, SETTINGS) == stored
    # the writer reads back what it typed
    assert (
        _result(planned, tasking_id, COUNCIL, at, SETTINGS) == f"visited {p1}, engaged"
    )
    # another organisation reads that the tasking exists, not its result
    other = _result(planned, tasking_id, YOUTH, at, SETTINGS)
    assert other is None or "P0000001" not in other
    # the change history (the audit of a save) holds the id, as a stored id
    # the police typed
    history = planned.read_frame(
        "delivery_history", where=[("entity_id", "=", tasking_id)]
    )
    after = json.loads(history.sort("version")["after_json"][-1])
    assert after["result"] == stored


def test_a_near_miss_stays_as_typed(planned: Store) -> None:
    tasking_id, _ = _tasking(planned)
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    last = p1[-1]
    near = p1[:-1] + ("0" if last != "0" else "1")
    stored = _save_result(planned, tasking_id, f"visited {near} and x{p1}")
    assert stored == f"visited {near} and x{p1}"


def test_a_pseudonym_in_an_action_s_evidence_reads_as_each_reader_s_own(
    planned: Store,
) -> None:
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    p2, i9 = pseudo("person", "P0000002"), pseudo("incident", "INC9")
    with planned.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {"incident_id": ["INC9"], "offence": ["assault"], "source": ["t"]}
            ),
        )
    delivery.update_action(
        planned,
        "A05",
        {"evidence": f"met {p2} about {i9}"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    stored = planned.read_frame("actions", where=[("action_id", "=", "A05")])
    assert stored["evidence"][0] == "met P0000002 about INC9"
    police = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    assert police["action"]["evidence"] == "met P0000002 about INC9"
    own = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert own["action"]["evidence"] == f"met {p2} about {i9}"
    board = delivery.plan_board(planned, SETTINGS, user=BOARD)["actions"]
    (a05,) = [a for a in board if a["action_id"] == "A05"]
    # the board reads the board's pseudonyms of the same records
    of_board = delivery.partner_pseudonymiser(SETTINGS, reader=BOARD)
    b2, b9 = of_board("person", "P0000002"), of_board("incident", "INC9")
    assert a05["evidence"] == f"met {b2} about {b9}"
    assert "P0000002" not in json.dumps(board, default=str)


def test_no_pseudonym_is_resolved_under_a_rotating_key(planned: Store) -> None:
    """Stored as its id, a pseudonym reads as the pseudonym of the period it is
    read in: a partner typing last period's pseudonyms of anyone it chose read
    back this period's, linking the periods for every one of them (rotation
    limits linking to what the plan's items touch, docs/briefing.md)."""
    monthly = load_settings(
        {"AVERT_PSEUDONYM_KEY": KEY, "AVERT_PSEUDONYM_ROTATION": "monthly"}
    )
    at = local_now(monthly.timezone).date()
    before = period_of(at.replace(day=1) - dt.timedelta(days=1), "monthly")
    last = Pseudonymiser(KEY, period=before)("person", "P0000001")
    current = delivery.partner_pseudonymiser(monthly, reader=COUNCIL)(
        "person", "P0000001"
    )
    tasking_id, read_at = _tasking(planned)
    for typed in (f"saw {last}", f"saw {current}"):
        assert _save_result(planned, tasking_id, typed, monthly) == typed
        assert _result(planned, tasking_id, COUNCIL, read_at, monthly) == typed
    # a load empties the lookup filled under the key before rotation
    assert fill_pseudonym_lookup(planned, SHARED) == 3
    assert fill_pseudonym_lookup(planned, monthly) == 0
    assert planned.read_frame("pseudonym_index").is_empty()


def test_after_a_key_change_only_the_new_key_s_pseudonyms_resolve(
    planned: Store,
) -> None:
    tasking_id, _ = _tasking(planned)
    old = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    assert _save_result(planned, tasking_id, old("person", "P0000001")) == "P0000001"
    changed = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
    new = delivery.partner_pseudonymiser(changed, reader=COUNCIL)
    typed = f"{old('person', 'P0000002')} {new('person', 'P0000002')}"
    assert (
        _save_result(planned, tasking_id, typed, changed)
        == f"{old('person', 'P0000002')} P0000002"
    )
    fingerprints = planned.read_frame("pseudonym_index")["fingerprint"].unique()
    assert fingerprints.to_list() == [new.fingerprint]  # the old key's rows gone


def test_an_id_stored_after_the_lookup_was_filled_is_found(planned: Store) -> None:
    tasking_id, _ = _tasking(planned)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    assert _save_result(planned, tasking_id, pseudo("person", "P0000001")) == "P0000001"
    _people(planned, "P0000004")
    assert _save_result(planned, tasking_id, pseudo("person", "P0000004")) == "P0000004"


def test_a_pseudonym_of_an_id_no_longer_stored_stays_as_typed(planned: Store) -> None:
    tasking_id, _ = _tasking(planned)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    _people(planned, "P0000005")
    assert _save_result(planned, tasking_id, pseudo("person", "P0000005")) == "P0000005"
    with planned.transaction() as tx:
        tx._execute('DELETE FROM "people" WHERE "person_id" = ?', ["P0000005"])
    gone = pseudo("person", "P0000005")
    assert _save_result(planned, tasking_id, f"{gone} again") == f"{gone} again"
    # the next load's fill deletes its row
    fill_pseudonym_lookup(planned, SETTINGS)
    assert "P0000005" not in planned.read_frame("pseudonym_index")["id"].to_list()


def test_a_load_fills_the_lookup(any_store: Store) -> None:
    """``avert ingest`` fills it (:func:`fill_pseudonym_lookup`), so the first
    save after a load hashes no stored id. Under pseudonym_scope shared, one
    key; a key per organisation: the next test."""
    _people(any_store, "P1", "P2", "P3")
    assert fill_pseudonym_lookup(any_store, SHARED) == 3
    assert fill_pseudonym_lookup(any_store, SHARED) == 0
    fingerprints = set(any_store.read_frame("pseudonym_index")["fingerprint"])
    assert fingerprints == {delivery.partner_pseudonymiser(SHARED).fingerprint}
    # no key fit for real data: nothing (partners are shown nothing)
    weak = load_settings({"AVERT_PSEUDONYM_KEY": "short"})
    assert fill_pseudonym_lookup(any_store, weak) == 0


def test_under_a_key_per_organisation_a_load_fills_each_writers_key(
    any_store: Store,
) -> None:
    """Under pseudonym_scope organisation a load fills the lookup under the key
    of each account's organisation, the board's and the secret's, each
    keeping the others' rows: the first save of each organisation after a
    load hashes no stored id."""
    from avert.workflows.users import add_user

    add_user(any_store, "cc", password="x" * 16, role="partner", org="council")
    add_user(any_store, "ys", password="x" * 16, role="partner", org="youth-service")
    _people(any_store, "P1", "P2", "P3")
    scoped = SETTINGS.with_overrides(pseudonym_scope="organisation")
    assert fill_pseudonym_lookup(any_store, scoped) == 3 * 4
    assert fill_pseudonym_lookup(any_store, scoped) == 0
    fingerprints = set(any_store.read_frame("pseudonym_index")["fingerprint"])
    assert fingerprints == {
        Pseudonymiser(KEY, scope=s).fingerprint
        for s in (None, "board", "organisation:council", "organisation:youth-service")
    }


def test_an_id_partners_would_read_as_written_is_not_put_back(
    planned: Store,
) -> None:
    """An id with no digit (a group named ``NORTHSIDE``), or of more than three
    words, is no word a partner reader's text is searched for (``id_candidates``):
    stored for its pseudonym, the writer read the id back."""
    _people(planned, "ABCDEFGH", "P0000009 X Y Z")
    tasking_id, at = _tasking(planned)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    for real in ["ABCDEFGH", "P0000009 X Y Z"]:
        typed = f"visited {pseudo('person', real)}, engaged"
        assert _save_result(planned, tasking_id, typed) == typed
        back = _result(planned, tasking_id, COUNCIL, at, SETTINGS)
        assert back == typed
        assert real not in str(back)


def test_a_police_text_with_an_id_edited_by_a_partner_shows_no_id(
    planned: Store,
) -> None:
    tasking_id, at = _tasking(planned)
    delivery.record_tasking_result(
        planned, tasking_id, result="seen P0000002", status=None, user=CHAIR
    )
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    p1, p2 = pseudo("person", "P0000001"), pseudo("person", "P0000002")
    assert _result(planned, tasking_id, COUNCIL, at, SETTINGS) == f"seen {p2}"
    stored = _save_result(planned, tasking_id, f"seen {p2} with {p1}; {p2}")
    assert stored == "seen P0000002 with P0000001; P0000002"
    back = _result(planned, tasking_id, COUNCIL, at, SETTINGS)
    assert back == f"seen {p2} with {p1}; {p2}"


def test_an_id_of_two_records_is_not_put_back(planned: Store) -> None:
    """A person and an incident both stored as ``1001``: the incident's
    pseudonym stored as ``1001`` read back as the person's (the first kind a
    reader chooses), and the police could read either."""
    _people(planned, "1001", "p2002", "P2002")
    with planned.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {"incident_id": ["1001"], "offence": ["assault"], "source": ["t"]}
            ),
        )
    tasking_id, at = _tasking(planned)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    for kind, real in [("incident", "1001"), ("person", "1001"), ("person", "p2002")]:
        typed = f"about {pseudo(kind, real)}"
        assert _save_result(planned, tasking_id, typed) == typed
        assert _result(planned, tasking_id, COUNCIL, at, SETTINGS) == typed


def test_a_fill_appends_in_short_transactions(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction of a whole city's ids held the write lock for seconds,
    and every audited page view (an audit row) waited for it: the rows are
    appended a chunk a transaction, those another fill added skipped."""
    from avert.store import database, pseudonyms

    _people(any_store, *(f"P{i:07d}" for i in range(1, 8)))
    monkeypatch.setattr(pseudonyms, "_CHUNK_ROWS", 2, raising=False)
    appended: list[int] = []
    append = database.Transaction.append

    def counted(self: database.Transaction, table: str, frame: pl.DataFrame) -> int:
        if table == "pseudonym_index":
            appended.append(frame.height)
        return append(self, table, frame)

    monkeypatch.setattr(database.Transaction, "append", counted)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    pseudonyms.fill(any_store, pseudo, kinds=["person"])
    assert appended == [2, 2, 2, 1]
    assert any_store.count("pseudonym_index") == 7
    assert pseudonyms.fill(any_store, pseudo) == 0


@pytest.fixture
def old_save(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A partner's save as before it resolved typed pseudonyms (undo with
    ``monkeypatch.undo()``)."""
    for module in (_taskings, _actions):
        monkeypatch.setattr(module, "copied_pseudonyms", lambda *_, **__: {})
    return monkeypatch


def _history(store: Store, entity_id: str) -> pl.DataFrame:
    return store.read_frame(
        "delivery_history", where=[("entity_id", "=", entity_id)]
    ).sort("version")


def test_a_text_saved_as_typed_is_resolved_as_a_save_now_does(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    tasking_id, at = _tasking(planned)
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    typed = f"visited {p1}, engaged"
    assert _save_result(planned, tasking_id, typed) == typed  # the old save
    old_save.undo()
    # the dry run says what would change, and changes nothing
    dry = delivery.resolve_typed_pseudonyms(planned, SETTINGS, dry_run=True)
    assert [(c.entity, c.entity_id, c.field, c.kinds) for c in dry.changes] == [
        ("tasking", tasking_id, "result", {"person": 1})
    ]
    assert _history(planned, tasking_id).height == 2
    done = delivery.resolve_typed_pseudonyms(planned, SETTINGS)
    assert (done.rows_changed, done.pseudonyms) == (1, 1)
    row = planned.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["result"][0] == "visited P0000001, engaged"
    # the same text and spans as a save of the same words makes now
    other_id, _ = _tasking(planned)
    _save_result(planned, other_id, typed)
    other = planned.read_frame("taskings", where=[("tasking_id", "=", other_id)])
    assert json.loads(row["authors"][0]) == json.loads(other["authors"][0])
    # the police read the id, the writer its pseudonym back
    assert _result(planned, tasking_id, CHAIR, at, SETTINGS) == row["result"][0]
    assert _result(planned, tasking_id, COUNCIL, at, SETTINGS) == typed
    # its change history row and its audit row, as a save
    history = _history(planned, tasking_id)
    assert history.height == 3
    assert json.loads(history["after_json"][-1])["result"] == row["result"][0]
    audit = planned.read_frame(
        "audit", where=[("object", "=", f"tasking:{tasking_id}")]
    )
    assert any(r.startswith(_typed.REASON) for r in audit["reason"].to_list())
    # a second run changes nothing
    again = delivery.resolve_typed_pseudonyms(planned, SETTINGS)
    assert again.changes == []
    assert _history(planned, tasking_id).height == 3


def test_what_a_save_leaves_as_typed_stays(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    """A near miss, another key's pseudonym, an id of two records, an id
    partners read as written stay as typed; the one stored id's beside them
    is resolved."""
    _people(planned, "1001", "ABCDEFGH")
    with planned.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {"incident_id": ["1001"], "offence": ["assault"], "source": ["t"]}
            ),
        )
    tasking_id, at = _tasking(planned)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    p1 = pseudo("person", "P0000001")
    near = p1[:-1] + ("0" if p1[-1] != "0" else "1")
    other_key = Pseudonymiser(secrets.token_urlsafe(32))("person", "P0000002")
    kept = [near, other_key, pseudo("incident", "1001"), pseudo("person", "ABCDEFGH")]
    typed = f"saw {p1}; " + ", ".join(kept)
    _save_result(planned, tasking_id, typed)
    old_save.undo()
    done = delivery.resolve_typed_pseudonyms(planned, SETTINGS)
    assert [c.kinds for c in done.changes] == [{"person": 1}]
    row = planned.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["result"][0] == "saw P0000001; " + ", ".join(kept)
    assert _result(planned, tasking_id, COUNCIL, at, SETTINGS) == typed


def test_a_pseudonym_the_police_wrote_stays(planned: Store) -> None:
    """Who typed it is not known: only a partner's words are resolved."""
    tasking_id, _ = _tasking(planned)
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    delivery.record_tasking_result(
        planned, tasking_id, result=f"seen {p1}", status=None, user=CHAIR
    )
    assert delivery.resolve_typed_pseudonyms(planned, SETTINGS).changes == []


def test_words_no_partner_is_recorded_as_writing_are_left_and_counted(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    """A text whose row has no ``authors`` (a partner's save before writers
    were kept, or the police's) stays as written, and the run says how many
    texts still write a pseudonym of a stored record; only texts holding a
    partner's words count as read."""
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    before_writers, resolved = (_tasking(planned)[0] for _ in range(2))
    for tasking_id in (before_writers, resolved):
        _save_result(planned, tasking_id, f"saw {p1}")
    with planned.transaction() as tx:  # as a save before writers were kept
        tx._execute(
            "UPDATE taskings SET authors = NULL WHERE tasking_id = ?",
            [before_writers],
        )
    old_save.undo()
    police_id, _ = _tasking(planned)
    delivery.record_tasking_result(
        planned, police_id, result=f"seen {p1}", status=None, user=CHAIR
    )
    delivery.update_action(  # its RAG reason stays the police's
        planned, "A05", {"evidence": "met them"}, user=COUNCIL, settings=SETTINGS
    )
    done = delivery.resolve_typed_pseudonyms(planned, SETTINGS)
    assert [c.entity_id for c in done.changes] == [resolved]
    assert done.texts_read == 2
    assert done.unattributed == 2
    row = planned.read_frame("taskings", where=[("tasking_id", "=", before_writers)])
    assert row["result"][0] == f"saw {p1}"


def test_refused_under_a_rotating_key(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    tasking_id, _ = _tasking(planned)
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    _save_result(planned, tasking_id, f"saw {p1}")
    old_save.undo()
    monthly = load_settings(
        {"AVERT_PSEUDONYM_KEY": KEY, "AVERT_PSEUDONYM_ROTATION": "monthly"}
    )
    with pytest.raises(ConfigError, match="pseudonym_rotation"):
        delivery.resolve_typed_pseudonyms(planned, monthly)
    with pytest.raises(ConfigError, match="pseudonym_key"):
        delivery.resolve_typed_pseudonyms(planned, load_settings({}))
    row = planned.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["result"][0] == f"saw {p1}"


def test_an_action_s_evidence_reads_as_each_reader_s_own(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    p2 = pseudo("person", "P0000002")
    delivery.update_action(
        planned,
        "A05",
        {"evidence": f"met {p2}", "rag_reason": f"{p2} engaged"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    old_save.undo()
    done = delivery.resolve_typed_pseudonyms(planned, SETTINGS, batch_rows=1)
    assert {(c.field, sum(c.kinds.values())) for c in done.changes} == {
        ("evidence", 1),
        ("rag_reason", 1),
    }
    assert done.rows_changed == 1
    police = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    assert police["action"]["evidence"] == "met P0000002"
    assert police["action"]["rag_reason"] == "P0000002 engaged"
    own = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert own["action"]["evidence"] == f"met {p2}"
    board = delivery.plan_board(planned, SETTINGS, user=BOARD)["actions"]
    assert "P0000002" not in json.dumps(board, default=str)


def test_a_failed_batch_writes_nothing_of_it(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    """One record a batch: the second batch's audit write fails inside its
    transaction (after its record and history row are written there), so
    nothing of it is stored; the first batch stays, audited."""
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    ids = [_tasking(planned)[0] for _ in range(2)]
    for tasking_id in ids:
        _save_result(planned, tasking_id, f"saw {pseudo('person', 'P0000001')}")
    old_save.undo()
    history = planned.count("delivery_history")
    from avert.store import audit

    append_in = audit.append_in
    calls: list[int] = []

    def fail_second(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        append_in(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(audit, "append_in", fail_second)
        with pytest.raises(RuntimeError, match="disk full"):
            delivery.resolve_typed_pseudonyms(planned, SETTINGS, batch_rows=1)
    results = planned.read_frame("taskings").filter(pl.col("tasking_id").is_in(ids))
    assert sorted(results["result"].to_list()) == sorted(
        ["saw P0000001", f"saw {pseudo('person', 'P0000001')}"]
    )
    assert planned.count("delivery_history") == history + 1
    audited = planned.read_frame("audit").filter(
        pl.col("reason").str.starts_with(_typed.REASON)
    )
    assert audited.height == 1


def test_a_record_changed_meanwhile_refuses_its_batch_and_the_last_words_stay(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    """A partner saving between the read and the write of a later batch: that
    batch is refused (the partner's words are not overwritten by the text read
    before), the batch before it stays, and a second run converts the rest."""
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    ids = [_tasking(planned)[0] for _ in range(2)]
    for tasking_id in ids:
        _save_result(planned, tasking_id, f"saw {p1}")
    old_save.undo()

    def results() -> dict[str, str]:
        rows = planned.read_frame("taskings").filter(pl.col("tasking_id").is_in(ids))
        return dict(zip(rows["tasking_id"], rows["result"], strict=True))

    saved: list[str] = []

    def a_partner_saves(done: int, total: int) -> None:
        if done == 1:  # the one of the batch still to come
            saved.extend(t for t, r in results().items() if r == f"saw {p1}")
            _save_result(planned, saved[0], f"saw {p1} again")

    with pytest.raises(ConflictError):
        delivery.resolve_typed_pseudonyms(
            planned, SETTINGS, batch_rows=1, progress=a_partner_saves
        )
    (done,) = set(ids) - set(saved)
    # the partner's save left its own pseudonym as typed, as a save does
    assert results() == {done: "saw P0000001", saved[0]: f"saw {p1} again"}
    assert len(delivery.resolve_typed_pseudonyms(planned, SETTINGS).changes) == 1
    assert results()[saved[0]] == "saw P0000001 again"


def test_the_command_lists_counts_and_kinds_never_a_pseudonym_or_id(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store
    delivery.import_plan(store, EXAMPLE, user=CHAIR)
    _people(store, "P0000003", "P0000001")
    tasking_id, _ = _tasking(store)
    p1 = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    monkeypatch.setattr(_taskings, "copied_pseudonyms", lambda *_, **__: {})
    _save_result(store, tasking_id, f"visited {p1}")
    monkeypatch.undo()

    def run(*args: str, **env: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            app,
            ["--db", store.url.sqlalchemy, "db", "resolve-pseudonyms", *args],
            env={"AVERT_PSEUDONYM_KEY": KEY, **env},
        )
        return result.exit_code, result.output + str(result.exception or "")

    police_id, _ = _tasking(store)
    delivery.record_tasking_result(
        store, police_id, result=f"seen {p1}", status=None, user=CHAIR
    )
    code, out = run("--dry-run")
    assert code == 0, out
    assert f"tasking {tasking_id} result: 1 pseudonym (person 1)" in out
    assert "in 1 of 1 texts with a partner's words" in out
    assert "1 text still writes a pseudonym" in out
    # no record changed; the lookup is filled, as the --dry-run help says
    assert "dry run: no record changed" in out
    assert store.count("pseudonym_index") > 0
    assert "dry run" in out
    assert p1 not in out
    assert "P0000001" not in out
    code, out = run(AVERT_PSEUDONYM_ROTATION="quarterly")
    assert code != 0
    assert "pseudonym_rotation" in out
    code, out = run()
    assert code == 0, out
    assert "resolved 1 typed pseudonym" in out
    assert "resolved 0 typed pseudonyms" in run()[1]


def test_under_a_key_per_organisation_each_writers_own_pseudonyms_resolve(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    """Under pseudonym_scope organisation a save resolves the pseudonyms of
    its writer's key; ``avert db resolve-pseudonyms`` resolves, in each
    organisation's words, those of its own key (and the secret's, of texts
    saved before), never another organisation's: one typed by another
    organisation (which it was never shown) stays as typed."""
    scoped = SETTINGS.with_overrides(pseudonym_scope="organisation")
    council = Pseudonymiser(KEY, scope="organisation:council")
    youth = Pseudonymiser(KEY, scope="organisation:youth-service")
    own_id, at = _tasking(planned)
    foreign_id, _ = _tasking(planned)
    typed = f"visited {council('person', 'P0000001')}"
    foreign = f"visited {youth('person', 'P0000001')}"
    # saved as typed (the old save), then resolved by the command
    assert _save_result(planned, own_id, typed, scoped) == typed
    assert _save_result(planned, foreign_id, foreign, scoped) == foreign
    old_save.undo()
    done = delivery.resolve_typed_pseudonyms(planned, scoped)
    assert [c.entity_id for c in done.changes] == [own_id]
    rows = planned.read_frame("taskings").filter(
        pl.col("tasking_id").is_in([own_id, foreign_id])
    )
    results = dict(zip(rows["tasking_id"], rows["result"], strict=True))
    assert results == {own_id: "visited P0000001", foreign_id: foreign}
    # a save resolves the writer's own key's pseudonym, not another's
    saved_id, _ = _tasking(planned)
    assert _save_result(planned, saved_id, typed, scoped) == "visited P0000001"
    assert _save_result(planned, saved_id, foreign, scoped) == foreign
    # the writer reads its words back as typed; the police the id
    assert _result(planned, own_id, COUNCIL, at, scoped) == typed
    assert _result(planned, own_id, CHAIR, at, scoped) == "visited P0000001"


def test_a_board_account_writes_no_text_the_command_would_resolve(
    planned: Store,
) -> None:
    """The board's key is a reader's only: a board account saves no action
    evidence nor tasking result (the policy), so no text holds words of the
    board for ``avert db resolve-pseudonyms`` to resolve by the board's key;
    the refusals keep it so."""
    from avert.workflows.users import PermissionDenied

    scoped = SETTINGS.with_overrides(pseudonym_scope="organisation")
    typed = f"met {Pseudonymiser(KEY, scope='board')('person', 'P0000001')}"
    tasking_id, _ = _tasking(planned)
    with pytest.raises(PermissionDenied):
        delivery.record_tasking_result(
            planned, tasking_id, result=typed, user=BOARD, settings=scoped
        )
    action_id = str(planned.read_frame("actions")["action_id"][0])
    with pytest.raises(PermissionDenied):
        delivery.update_action(
            planned, action_id, {"evidence": typed}, user=BOARD, settings=scoped
        )
    assert not delivery.resolve_typed_pseudonyms(planned, scoped).changes


def test_after_the_switch_to_a_key_per_organisation_the_command_resolves_the_old_ones(
    planned: Store, old_save: pytest.MonkeyPatch
) -> None:
    """``pseudonym_scope`` organisation is the default: a deployment that ran
    under shared (one key) and upgrades holds texts its partners typed in the
    shared key's pseudonyms. A save now resolves the writer's own key's only, so
    they stay as typed until ``avert db resolve-pseudonyms`` (the secret's key,
    :func:`avert.workflows.pseudonym_lookup.resolving_key`) converts them; the
    police then read the id, the writer the person's pseudonym of its own key,
    the one its pages now show (not the shared one it typed)."""
    assert load_settings({}).pseudonym_scope == "organisation"
    assert SETTINGS.pseudonym_scope == "organisation"
    tasking_id, at = _tasking(planned)
    before = Pseudonymiser(KEY)("person", "P0000001")  # the shared key's
    typed = f"visited {before}, engaged"
    assert _save_result(planned, tasking_id, typed, SHARED) == typed  # the old save
    old_save.undo()
    # after the switch a save of the same words leaves them: not the writer's key
    assert _save_result(planned, tasking_id, typed) == typed
    done = delivery.resolve_typed_pseudonyms(planned, SETTINGS)
    assert [(c.entity_id, c.kinds) for c in done.changes] == [
        (tasking_id, {"person": 1})
    ]
    row = planned.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["result"][0] == "visited P0000001, engaged"
    assert _result(planned, tasking_id, CHAIR, at, SETTINGS) == row["result"][0]
    own = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P0000001")
    assert own != before
    assert (
        _result(planned, tasking_id, COUNCIL, at, SETTINGS) == f"visited {own}, engaged"
    )
    assert not delivery.resolve_typed_pseudonyms(planned, SETTINGS).changes
