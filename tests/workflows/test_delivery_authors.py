"""Who wrote which words of an action's evidence, kept in the store (``authors``,
migration 0021) through a partner's save, a police edit and a plan re-import, on
SQLite and PostgreSQL: the partner reads the stored id it typed as typed, the
police's as a pseudonym."""

from __future__ import annotations

import secrets
from pathlib import Path

import polars as pl

from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.users import User

SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
CHAIR = User("chair1", "chair")
COUNCIL = User("cc", "partner", org="council")


def _reason(store: Store, user: User) -> str:
    page = delivery.action_page(store, SETTINGS, user=user, action_id="A05")
    return str(page["action"]["rag_reason"])


def test_a_partners_words_stay_its_own_through_later_saves(any_store: Store) -> None:
    store = any_store
    delivery.import_plan(store, EXAMPLE, user=CHAIR)
    with store.transaction() as tx:
        tx.append(
            "people",
            pl.DataFrame({"person_id": ["P0000012", "P0000099"], "source": ["t", "t"]}),
        )
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    police = pseudo("person", "P0000012")
    delivery.update_action(
        store, "A05", {"rag_reason": "12 of 15 schools; see P0000012"}, user=CHAIR
    )
    seen = _reason(store, COUNCIL)
    assert seen == f"12 of 15 schools; see {police}"
    delivery.update_action(
        store,
        "A05",
        {"rag_reason": f"{seen}; met P0000099"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    stored = store.read_frame("actions", where=[("action_id", "=", "A05")])
    assert stored["rag_reason"][0] == "12 of 15 schools; see P0000012; met P0000099"
    assert stored["authors"][0] is not None
    assert _reason(store, COUNCIL) == f"{seen}; met P0000099"
    # the police edit the text, and the plan file is imported again: the
    # partner's words stay theirs
    delivery.update_action(
        store,
        "A05",
        {"rag_reason": "Update: 12 of 15 schools; see P0000012; met P0000099"},
        user=CHAIR,
    )
    delivery.import_plan(store, EXAMPLE, user=CHAIR)
    assert _reason(store, COUNCIL) == f"Update: {seen}; met P0000099"
    # another organisation's partner and the board read the partner's id as a
    # pseudonym (neither wrote it), each in its own key's pseudonyms
    reader = User("b", "board")
    board = delivery.plan_board(store, SETTINGS, user=reader)["actions"]
    (a05,) = [a for a in board if a["action_id"] == "A05"]
    of_board = delivery.partner_pseudonymiser(SETTINGS, reader=reader)
    assert a05["rag_reason"] == (
        f"Update: 12 of 15 schools; see {of_board('person', 'P0000012')}; "
        f"met {of_board('person', 'P0000099')}"
    )
    assert "authors" not in a05
