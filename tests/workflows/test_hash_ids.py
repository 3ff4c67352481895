"""Record ids written with ``#`` in police free text (``#1234``, ``CAD#1234``,
``ref #77``): partners read them as pseudonyms when the store holds them."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import polars as pl
import pytest

from avert.access import id_candidates
from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.users import User

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
CHAIR = User("chair1", "chair")
COUNCIL = User("cc", "partner", org="council")
#: police free text naming three stored ids written with "#", with a markdown-like
#: heading, a lone "#" and a hash tag that only look like them
TEXT = "# Visit 2\nCalled re CAD#1234 and #5678 (ref #77); ## 3 notes, # alone, #tag."


def test_ids_written_with_a_hash_are_asked_of_the_store() -> None:
    """``#`` split a word in two (``CAD#1234`` asked as ``CAD`` and ``1234``), so
    an id holding one was never looked up. It joins an id's parts now, as
    ``_-:/.`` do, and may begin one; a lone ``#`` or a heading's is no part."""
    words = set(id_candidates([TEXT]))
    assert {"CAD#1234", "cad#1234", "#5678", "#77", "ref #77"} <= words
    assert {"CAD", "1234", "5678", "77"} & words == {"1234", "5678", "77"}
    for not_an_id in ("#", "# Visit 2", "# Visit", "## 3", "# alone", "#tag", "#3"):
        assert not_an_id not in words, not_an_id
    assert not any(w.endswith("#") for w in words)
    # a date after a hash is still no candidate, nor are its parts
    dated = set(id_candidates(["seen #12/03/2025 at #10:30"]))
    assert not dated & {"12", "03", "2025", "12/03", "#12/03/2025", "10", "30"}


@pytest.fixture
def planned(sqlite_store: Store) -> Store:
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR)
    at = dt.datetime(2025, 1, 1, 12)
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["CAD#1234", "#5678"],
                    "source": ["test"] * 2,
                    "occurred_from": [at] * 2,
                    "time_precision": ["exact"] * 2,
                }
            ),
        )
        tx.append("asb", pl.DataFrame({"asb_id": ["#77"], "occurred_at": [at]}))
    return sqlite_store


def test_partners_read_stored_ids_with_a_hash_as_pseudonyms(planned: Store) -> None:
    """``CAD#1234``, ``#5678`` and ``#77`` in an action's evidence reached the
    leading partner and the board as typed. Each is its pseudonym now; the
    heading, the lone ``#`` and the hash tag are shown as typed; the police
    read the text as written; the partner's save puts each id back exactly."""
    delivery.update_action(planned, "A05", {"evidence": TEXT}, user=CHAIR)

    def shown_to(user: User) -> str:
        """The text as ``user`` reads it, in its own key's pseudonyms."""
        pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=user)
        return (
            TEXT.replace("CAD#1234", pseudo("incident", "CAD#1234"))
            .replace("#5678", pseudo("incident", "#5678"))
            .replace("#77", pseudo("asb", "#77"))
        )

    for user in (COUNCIL, User("b", "board")):
        shown = shown_to(user)
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == shown, user
    police = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    assert police["action"]["evidence"] == TEXT
    delivery.update_action(
        planned,
        "A05",
        {"evidence": shown_to(COUNCIL) + " Closed.", "rag": "amber"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    saved = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert saved["evidence"][0] == TEXT + " Closed."
