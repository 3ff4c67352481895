"""A partner output made from Python follows the setting ``pseudonym_scope``.

``build_briefing``, ``run_briefing`` and ``run_marac`` defaulted their
``pseudonym_scope`` to None, the key shared by every partner: the command line
and the web app always pass the setting's scope, but a library user making a
partner briefing without naming one got the shared key's pseudonyms, silently,
under the default ``organisation``. The default is now the setting's reader
(:func:`avert.workflows.delivery.output_scope`): an organisation's key, the
organisation as its accounts spell it, and refused when none is named.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows.briefing import build_briefing, run_briefing
from avert.workflows.definitions import classify_store
from avert.workflows.marac import run_marac
from avert.workflows.users import add_user

KEY = secrets.token_urlsafe(32)
AT = dt.datetime(2024, 6, 1, 12)
REFUSED = "name the organisation"
PASSWORD = "a long pass phrase for kim"


@pytest.fixture
def store(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """One victim of three domestic incidents in a week (on the MARAC list by
    potential escalation), and an account of the organisation "Council"; the
    setting ``pseudonym_scope`` its default (the environment names none)."""
    monkeypatch.delenv("AVERT_PSEUDONYM_SCOPE", raising=False)
    n = 3
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "occurred_from": [AT - dt.timedelta(days=k) for k in range(n)],
            "domestic": [True] * n,
        }
    ).with_columns(
        pl.lit("test").alias("source"), pl.lit("exact").alias("time_precision")
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "person_id": ["P1"] * n,
            "role": ["victim"] * n,
            "source": ["t"] * n,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)
    classify_store(sqlite_store, profile="avb-2010")
    add_user(sqlite_store, "kim", password=PASSWORD, role="partner", org="Council")
    return sqlite_store


def _key_words(briefing: Any) -> str:
    data = json.loads(json.dumps(briefing.to_json(), default=str))
    return str(data["pseudonyms"]["key"])


def test_build_briefing_without_an_organisation_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match=REFUSED):
        build_briefing(store, at=AT, audience="partner", pseudonym_key=KEY)


def test_run_briefing_without_an_organisation_is_refused(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=REFUSED):
        run_briefing(
            store, at=AT, out_dir=out, audience="partner", pseudonym_key=KEY, pdf=False
        )
    assert not out.exists()  # refused before anything is written


def test_run_marac_without_an_organisation_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match=REFUSED):
        run_marac(store, at=AT, audience="partner", pseudonym_key=KEY)


def test_a_partner_briefing_is_in_its_organisations_key(store: Store) -> None:
    """``organisation`` names the reader: its key, as the accounts spell it."""
    briefing = build_briefing(
        store, at=AT, audience="partner", pseudonym_key=KEY, organisation=" council "
    )
    assert "the key of Council derived" in _key_words(briefing)


def test_the_marac_list_is_in_its_organisations_key(store: Store) -> None:
    listed = run_marac(
        store, at=AT, audience="partner", pseudonym_key=KEY, organisation="COUNCIL"
    ).frame["person_id"]
    council = Pseudonymiser(KEY, scope="organisation:Council")
    assert listed.to_list() == [council("person", "P1")]


def test_the_board_role_reads_the_boards_key(store: Store) -> None:
    listed = run_marac(
        store, at=AT, audience="partner", pseudonym_key=KEY, role="board"
    ).frame["person_id"]
    assert listed.to_list() == [Pseudonymiser(KEY, scope="board")("person", "P1")]


def test_under_the_shared_setting_the_shared_key(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVERT_PSEUDONYM_SCOPE", "shared")
    listed = run_marac(store, at=AT, audience="partner", pseudonym_key=KEY)
    assert listed.frame["person_id"].to_list() == [Pseudonymiser(KEY)("person", "P1")]
    briefing = build_briefing(store, at=AT, audience="partner", pseudonym_key=KEY)
    assert "derived" not in _key_words(briefing)


def test_the_shared_key_named_explicitly_is_kept(store: Store) -> None:
    """None, named: the key every partner shares (an output about one key)."""
    listed = run_marac(
        store, at=AT, audience="partner", pseudonym_key=KEY, pseudonym_scope=None
    )
    assert listed.frame["person_id"].to_list() == [Pseudonymiser(KEY)("person", "P1")]


def test_a_police_output_needs_no_organisation(store: Store) -> None:
    assert run_marac(store, at=AT).frame["person_id"].to_list() == ["P1"]


def test_an_organisation_typed_with_other_spaces_is_the_accounts(store: Store) -> None:
    """``--org``, a tasking's organisation, a plan action's lead: matched to the
    accounts' spelling ignoring case and spaces, inner runs of them included
    ("leeds  city council" was a key of its own beside "Leeds City Council")."""
    from avert.workflows.delivery import accounts_spelling, scope_as_accounts_spell

    add_user(store, "lcc", password=PASSWORD, role="partner", org="Leeds City Council")
    typed = "organisation: leeds  city\tCOUNCIL "
    assert scope_as_accounts_spell(store, typed) == "organisation:Leeds City Council"
    # one no account holds is kept as a new account would store it
    assert accounts_spelling(("Council",), " Safer  Leeds ") == "Safer Leeds"


def test_a_scope_of_a_spelling_stored_before_keeps_its_key(store: Store) -> None:
    """A store made before holds accounts of "Council" and "council " (the web
    passes the account's organisation as stored): the key is that spelling's,
    never the other's (the key of a name stored is never changed)."""
    from avert.workflows.users import _update

    add_user(store, "old", password=PASSWORD, role="partner", org="other")
    _update(store, "old", reason="test", by=None, org="council ")
    listed = run_marac(
        store,
        at=AT,
        audience="partner",
        pseudonym_key=KEY,
        pseudonym_scope="organisation:council ",
    ).frame["person_id"]
    old = Pseudonymiser(KEY, scope="organisation:council ")
    assert listed.to_list() == [old("person", "P1")]


def test_a_full_width_spelling_is_the_same_organisation(store: Store) -> None:
    """ "Ｃouncil" (a full-width C) differs from "Council" by width alone: it was
    made an organisation of its own, with its own key, none of Council's
    taskings and no warning; it is refused as a second spelling, and typed as
    ``--org`` it is the accounts' "Council"."""
    from avert.access import split_organisations
    from avert.workflows.delivery import scope_as_accounts_spell

    with pytest.raises(ConfigError, match="exists as 'Council'"):
        add_user(store, "wide", password=PASSWORD, role="partner", org="\uff23ouncil")
    typed = "organisation:\uff23\uff2f\uff35NCIL"
    assert scope_as_accounts_spell(store, typed) == "organisation:Council"
    assert split_organisations(["Council", "\uff23ouncil"]) == [
        ("Council", "\uff23ouncil")
    ]


def test_a_spelling_made_again_in_the_other_and_disabled_is_the_others(
    store: Store,
) -> None:
    """The warning's remedy: the accounts of "Council" made again in "council "
    and disabled. The disabled spelling counted still: the warning stayed
    for good, and "COUNCIL" (a tasking, a plan lead, ``--org``) went to
    "Council", which no enabled account reads."""
    from avert.workflows.delivery import (
        account_orgs,
        accounts_spelling,
        scope_as_accounts_spell,
    )
    from avert.workflows.users import _update, organisation_spellings_note, set_disabled

    add_user(store, "old", password=PASSWORD, role="partner", org="other")
    _update(store, "old", reason="test", by=None, org="council ")  # made before
    assert organisation_spellings_note(store) is not None
    add_user(store, "kim2", password=PASSWORD, role="partner", org="council ")
    set_disabled(store, "kim", disabled=True)
    assert organisation_spellings_note(store) is None
    assert accounts_spelling(account_orgs(store), "COUNCIL") == "council "
    assert accounts_spelling(account_orgs(store), "Council") == "council "
    typed = scope_as_accounts_spell(store, "organisation:Council")
    assert typed == "organisation:council "
    # enabled again, it is an organisation of its own again
    set_disabled(store, "kim", disabled=False)
    assert organisation_spellings_note(store) is not None
