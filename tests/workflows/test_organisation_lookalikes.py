"""An organisation's name as stored derives its pseudonym key: a name that
looks like another (another script's letters, a dotless ı, an invisible
character, an accent) made a second organisation with a key of its own. It is
now the organisation it imitates where one exists, and a new one is refused
(accounts, taskings, plan leads, an action's lead)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from avert.access import organisation_fold
from avert.errors import ConfigError, FieldError
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.users import User, _update, add_user

CHAIR = User("chair1", "chair")
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
PASSWORD = "x" * 16

#: "Council" written to look alike: a Turkish dotless ı, a Turkish dotted
#: capital İ, Cyrillic С and о, Greek Ο, a zero width space, a combining
#: diaeresis, a soft hyphen.
LOOK_ALIKES = [
    "Councıl",
    "COUNCİL",
    "\u0421\u043euncil",
    "C\u039fUNCIL",
    "Coun\u200bcil",
    "Co\u0308uncil",
    "Coun\u00adcil",
]


@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_a_look_alike_folds_as_the_name_it_imitates(typed: str) -> None:
    assert organisation_fold(typed) == organisation_fold("Council")


def test_different_names_keep_different_folds() -> None:
    names = ["Council", "Counsel", "Leeds City Council", "Probation", "Рада"]
    assert len({organisation_fold(n) for n in names}) == len(names)


def test_a_new_name_mixing_scripts_or_with_an_invisible_character_is_a_problem() -> (
    None
):
    from avert.access import organisation_name_problem

    assert organisation_name_problem("Leeds City Council") is None
    assert organisation_name_problem("Рада") is None  # one script
    assert organisation_name_problem("東京 Council") is None  # Latin with Han
    assert "CYRILLIC" in str(organisation_name_problem("\u0421ouncil"))
    assert "GREEK" in str(organisation_name_problem("C\u039fUNCIL"))
    assert "U+200B" in str(organisation_name_problem("Coun\u200bcil"))
    assert "U+202E" in str(organisation_name_problem("Council\u202e"))


@pytest.mark.parametrize("typed", LOOK_ALIKES)
def test_an_account_of_a_look_alike_organisation_is_refused(
    sqlite_store: Store, typed: str
) -> None:
    add_user(sqlite_store, "cc", password=PASSWORD, role="partner", org="Council")
    with pytest.raises(ConfigError, match="exists as 'Council'"):
        add_user(sqlite_store, "cc2", password=PASSWORD, role="partner", org=typed)


@pytest.mark.parametrize(
    ("typed", "said"),
    [("\u0421ouncil", "CYRILLIC"), ("Coun\u200bcil", "invisible")],
)
def test_a_new_organisation_of_a_confusing_name_is_refused(
    sqlite_store: Store, typed: str, said: str
) -> None:
    with pytest.raises(ConfigError, match=said):
        add_user(sqlite_store, "cc", password=PASSWORD, role="partner", org=typed)


def test_a_spelling_stored_before_keeps_its_accounts_and_key(
    sqlite_store: Store,
) -> None:
    """A store made before holds "Сouncil" (Cyrillic С): typed exactly, a new
    account joins it, as stored (its key is of that spelling)."""
    add_user(sqlite_store, "cc", password=PASSWORD, role="partner", org="Council")
    _update(sqlite_store, "cc", reason="test", by=None, org="\u0421ouncil")
    made = add_user(
        sqlite_store, "cc2", password=PASSWORD, role="partner", org="\u0421ouncil"
    )
    assert made.org == "\u0421ouncil"


def _people(store: Store, *people: str) -> None:
    import polars as pl

    with store.transaction() as tx:
        tx.append(
            "people",
            pl.DataFrame({"person_id": list(people), "source": ["test"] * len(people)}),
        )


def test_a_tasking_to_a_look_alike_reaches_the_accounts_and_a_new_one_is_refused(
    sqlite_store: Store,
) -> None:
    _people(sqlite_store, "P1", "P2")
    add_user(sqlite_store, "cc", password=PASSWORD, role="partner", org="council")
    made = delivery.add_tasking(
        sqlite_store, "person:P1", what="Visit", organisation="Соuncil", user=CHAIR
    )
    assert made["organisation"] == "council"
    with pytest.raises(ConfigError, match="CYRILLIC"):
        delivery.add_tasking(
            sqlite_store,
            "person:P2",
            what="Visit",
            organisation="Fооd Bank",  # Cyrillic о: no account's
            user=CHAIR,
        )


def test_a_plan_lead_of_a_confusing_new_name_is_refused_at_its_line(
    sqlite_store: Store, tmp_path: Path
) -> None:
    add_user(sqlite_store, "pr", password=PASSWORD, role="partner", org="probation")
    text = EXAMPLE.read_text(encoding="utf-8")
    line = text.splitlines().index("    lead: council") + 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace("lead: council", "lead: \u0421ouncil", 1))
    with pytest.raises(ConfigError) as refused:
        delivery.import_plan(sqlite_store, path, user=CHAIR)
    said = str(refused.value)
    assert "CYRILLIC" in said
    found = re.search(r"plan\.yaml:(\d+): action A05: lead", said)
    assert found, said
    assert int(found[1]) <= line  # the line of the action that holds the lead
    assert sqlite_store.read_frame("actions").height == 0
    # with an account of the council, the look-alike is the council's
    add_user(sqlite_store, "cc", password=PASSWORD, role="partner", org="council")
    delivery.import_plan(sqlite_store, path, user=CHAIR)
    leads = set(sqlite_store.read_frame("actions")["lead_organisation"].to_list())
    assert "\u0421ouncil" not in leads
    assert "council" in leads


def test_an_actions_lead_changed_to_a_confusing_new_name_is_refused(
    sqlite_store: Store, tmp_path: Path
) -> None:
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR)
    action_id = str(sqlite_store.read_frame("actions")["action_id"][0])
    with pytest.raises(FieldError, match="invisible"):
        delivery.update_action(
            sqlite_store,
            action_id,
            {"lead_organisation": "Youth\u200bService"},
            user=CHAIR,
        )


@pytest.mark.parametrize(
    "typed",
    [
        "サポートセンター",  # katakana with the prolonged sound mark ー (Lm)
        "佐々木財団",  # Han with the iteration mark 々 (Lm)
        "Nº 1 Trust",  # the ordinal º (Lo, NFKC o)
        "ｶﾌｪ Trust",  # half-width katakana
        "Cyngor Sir Ynys Môn",
        "Comhairle Cathrach Bhaile Átha Cliath",
        "香港警務處",
        "Δήμος Αθηναίων",
        "서울 Council",
    ],
)
def test_a_real_name_in_one_script_or_an_allowed_mix_is_no_problem(
    typed: str,
) -> None:
    """A modifier letter or a compatibility form is of no script of its own:
    "サポートセンター" was refused as mixing KATAKANA and KATAKANA-HIRAGANA."""
    from avert.access import organisation_name_problem

    assert organisation_name_problem(typed) is None


def _two_spellings(store: Store) -> None:
    """A store made before a second spelling was refused: "Cafe Trust" and
    "Café Trust" each an account's organisation."""
    add_user(store, "ct", password=PASSWORD, role="partner", org="Cafe Trust")
    add_user(store, "ct2", password=PASSWORD, role="partner", org="Probation")
    _update(store, "ct2", reason="test", by=None, org="Caf\u00e9 Trust")


def test_a_name_of_two_stored_spellings_is_refused_where_typed(
    sqlite_store: Store,
) -> None:
    """``same[0]`` was taken: ``brief --org``, a tasking or a plan lead used
    the first spelling's organisation (and its pseudonym key)."""
    from avert.workflows.delivery._common import (
        account_orgs,
        accounts_spelling,
        scope_as_accounts_spell,
    )

    _two_spellings(sqlite_store)
    _people(sqlite_store, "P1")
    orgs = account_orgs(sqlite_store)
    both = "'Caf(e|\u00e9) Trust' and 'Caf(e|\u00e9) Trust'"
    with pytest.raises(ConfigError, match=both):
        accounts_spelling(orgs, "CAFE TRUST")
    with pytest.raises(ConfigError, match=both):
        scope_as_accounts_spell(sqlite_store, "organisation:cafe trust")
    with pytest.raises(ConfigError, match=both):
        delivery.add_tasking(
            sqlite_store,
            "person:P1",
            what="Visit",
            organisation="cafe trust",
            user=CHAIR,
        )
    # typed exactly, each is its own
    assert accounts_spelling(orgs, "Caf\u00e9 Trust") == "Caf\u00e9 Trust"
    assert accounts_spelling(orgs, "Cafe Trust") == "Cafe Trust"


def test_a_stored_name_of_two_spellings_is_read_as_stored(sqlite_store: Store) -> None:
    import polars as pl

    from avert.workflows.delivery._common import with_accounts_spelling

    _two_spellings(sqlite_store)
    add_user(sqlite_store, "cc", password=PASSWORD, role="partner", org="Council")
    frame = pl.DataFrame({"organisation": ["CAFE TRUST", "Cafe Trust", "council"]})
    read = with_accounts_spelling(sqlite_store, frame)
    assert read["organisation"].to_list() == ["CAFE TRUST", "Cafe Trust", "Council"]


def test_a_plan_lead_of_two_stored_spellings_is_refused_at_its_line(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _two_spellings(sqlite_store)
    text = EXAMPLE.read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace("lead: council", "lead: CAFE TRUST", 1))
    with pytest.raises(ConfigError) as refused:
        delivery.import_plan(sqlite_store, path, user=CHAIR)
    said = str(refused.value)
    assert re.search(r"plan\.yaml:\d+: action A05: lead: .*'Cafe Trust' and", said)
    assert "Caf\u00e9 Trust" in said
    assert sqlite_store.read_frame("actions").height == 0
