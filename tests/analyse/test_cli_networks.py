"""``avert analyse groups|person|retaliation|families --json`` against a SQLite store."""

from __future__ import annotations

import json

from click.testing import Result
from networks_world import fill_store as _fill
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


def _analyse(store: Store, *args: str, columns: int | None = None) -> Result:
    """``avert analyse ARGS`` on the store (in a terminal ``columns`` wide if given)."""
    env = None if columns is None else {"COLUMNS": str(columns)}
    return CliRunner().invoke(
        app, ["--db", store.url.sqlalchemy, "analyse", *args], env=env
    )


def _run(store: Store, *args: str) -> dict[str, object]:
    result = _analyse(store, *args, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert isinstance(out, dict)
    return out


def test_groups_person_retaliation_json(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    groups = _run(sqlite_store, "groups")
    by_id = {g["group_id"]: g for g in groups["groups"]}  # type: ignore[union-attr]
    assert set(by_id) == {"net-a1", "net-b1", "G-East"}
    assert by_id["net-a1"]["members"] == ["a1", "a2", "a3", "a4"]
    for g in by_id.values():
        assert set(g) >= {"group_id", "members", "continuum", "band", "reasons"}
        assert g["continuum"] in {"peer_group", "street_gang", "organised_network"}
        assert g["band"] in {"high", "medium", "low"}

    audit = sqlite_store.read_frame("audit", order_by=["seq"])
    assert audit.select("action", "object").rows() == [("view", "analysis:groups")]
    person = _run(sqlite_store, "person", "a1")
    assert person["person_id"] == "a1"
    audit = sqlite_store.read_frame("audit", order_by=["seq"])
    assert audit.select("action", "object").rows() == [
        ("view", "analysis:groups"),
        ("view", "person:a1"),
    ]
    assert {g["group_id"] for g in person["groups"]} == {"net-a1", "G-East"}  # type: ignore[union-attr]
    assert person["family"] == [{"person_id": "s1", "kind": "sibling"}]

    alerts = _run(
        sqlite_store,
        "retaliation",
        "--since",
        "2024-11-26T00:00",
        "--until",
        "2024-11-27T00:00",
    )["alerts"]
    assert isinstance(alerts, list)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["incident_id"] == "X1"
    assert alert["victim_id"] == "b1"
    assert alert["at_risk_of_retaliation_from"] == ["b1", "b2", "b3"]
    assert set(alert["possible_targets"]) >= {"a1"}
    assert alert["reasons"]

    fams = _run(sqlite_store, "families")["families"]
    assert isinstance(fams, list)
    assert {f["family_id"] for f in fams} == {"fam-a1"}


def test_retaliation_to_is_exclusive(sqlite_store: Store) -> None:
    # --to is the end of the window, exclusive (docs/command-line.md): X1 happened
    # at 2024-11-26 12:00 exactly, so a window ending then does not hold it
    _fill(sqlite_store)
    window = ("retaliation", "--from", "2024-11-26T00:00", "--to")
    at_x1 = _run(sqlite_store, *window, "2024-11-26T12:00")["alerts"]
    assert isinstance(at_x1, list)
    assert "X1" not in {a["incident_id"] for a in at_x1}
    after = _run(sqlite_store, *window, "2024-11-26T12:00:01")["alerts"]
    assert isinstance(after, list)
    assert "X1" in {a["incident_id"] for a in after}


def test_bad_datetime_is_a_usage_error(sqlite_store: Store) -> None:
    result = _analyse(sqlite_store, "retaliation", "--since", "yesterday")
    assert result.exit_code == 2


def test_retaliation_without_history_uses_declared_groups(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    alerts = _run(sqlite_store, "retaliation", "--since", "2023-01-01")["alerts"]
    assert isinstance(alerts, list)
    x2 = [a for a in alerts if a["incident_id"] == "X2"]
    assert len(x2) == 1
    assert x2[0]["victim_groups"] == ["G-East"]
    assert x2[0]["victim_linked"] is True
    assert "a1" in x2[0]["at_risk_of_retaliation_from"]


def test_retaliation_table_shows_strength(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    result = _analyse(sqlite_store, "retaliation", "--since", "2024-11-26", columns=200)
    assert result.exit_code == 0, result.output
    assert "strong" in result.stdout
    assert "X1" in result.stdout


def test_declared_groups_without_members_are_named_in_a_note(
    sqlite_store: Store,
) -> None:
    """A declared group is its members here: one with none is not listed, and a
    note says which (it once vanished without a word)."""
    import polars as pl

    _fill(sqlite_store)
    with sqlite_store.transaction() as tx:
        tx.append("groups", pl.DataFrame({"group_id": ["G-Empty"], "source": ["t"]}))
    groups = _run(sqlite_store, "groups")
    ids = {g["group_id"] for g in groups["groups"]}  # type: ignore[union-attr]
    assert "G-Empty" not in ids
    assert (
        "1 declared group with no member in group_members is not listed: G-Empty."
        in groups["notes"]  # type: ignore[operator]
    )
    # partners see pseudonyms only: the note counts, names none
    import secrets

    from avert.config.settings import load_settings
    from avert.workflows.users import User
    from avert.workflows.views import groups_view

    settings = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_hex(32)})
    partner = User("p", "partner", org="council")
    seen = groups_view(sqlite_store, settings, user=partner)
    assert "G-Empty" not in str(seen)
    assert (
        "1 declared group with no member in group_members is not listed."
        in seen["notes"]
    )


def test_groups_table_says_how_it_is_ordered(sqlite_store: Store) -> None:
    """The table is ordered by band, then matrix score (which it does not show at
    80 columns), then harm: in the README tour a rising group of 15,044 harm days
    stood above stable ones of 39,730 in the same band, with nothing saying why."""
    _fill(sqlite_store)
    result = _analyse(sqlite_store, "groups", columns=80)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "ordered by band, then matrix score" in text


def test_families_table_says_it_shows_the_50_with_most_harm(
    sqlite_store: Store,
) -> None:
    """The table lists 50 families: its title once read "families (61)" above them."""
    import polars as pl

    _fill(sqlite_store)
    pairs = pl.DataFrame(
        {
            "person_a": [f"f{i:02d}a" for i in range(60)],
            "person_b": [f"f{i:02d}b" for i in range(60)],
            "kind": ["sibling"] * 60,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("relationships", pairs)
    n = len(_run(sqlite_store, "families")["families"])  # type: ignore[arg-type]
    assert n > 50
    result = _analyse(sqlite_store, "families", columns=200)
    assert result.exit_code == 0, result.output
    assert f"the 50 with most harm of {n}" in result.stdout
    assert "fam-a1" in result.stdout  # the only family with harm comes first
    assert "each once (most harm first)" in " ".join(result.stdout.split())


def test_person_as_of_shows_the_kin_links_valid_then(sqlite_store: Store) -> None:
    """a1's partner z9 from 2025 was shown as family (and counted in exposure) by
    ``person a1 --as-of 2024-12-01``, a picture of a time before the tie began."""
    import datetime as dt

    import polars as pl

    _fill(sqlite_store)
    later = pl.DataFrame(
        {
            "person_a": ["a1"],
            "person_b": ["z9"],
            "kind": ["partner"],
            "valid_from": [dt.date(2025, 6, 1)],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("relationships", later)
    then = _run(sqlite_store, "person", "a1", "--as-of", "2024-12-01T00:00")
    assert then["family"] == [{"person_id": "s1", "kind": "sibling"}]
    now = _run(sqlite_store, "person", "a1")
    assert {"person_id": "z9", "kind": "partner"} in now["family"]  # type: ignore[operator]


def test_families_notes_say_why_the_list_is_empty_in_table_and_json(
    sqlite_store: Store,
) -> None:
    """A store without kin links gave an empty families table and no word why; the
    JSON carries the table's notes, as every ``avert analyse`` command's does."""
    empty = _run(sqlite_store, "families")
    assert empty["families"] == []
    assert "No family units" in str(empty["notes"])
    table = _analyse(sqlite_store, "families", columns=200)
    assert table.exit_code == 0, table.output
    assert "No family units" in table.stdout
    _fill(sqlite_store)
    full = _run(sqlite_store, "families")
    assert "each once (most harm first)" in str(full["notes"])


def test_families_say_when_ages_are_unknown_not_that_there_is_no_youth_violence(
    sqlite_store: Store,
) -> None:
    """With no birth year on record (the London gang network as the docs load it:
    54 people, no age column) every family showed youth violence 0 and no word
    that it could not be counted: read as "none". The notes and each family say
    how many members' ages are unknown."""
    _fill(sqlite_store)  # people are not written: no one has a birth year
    out = _run(sqlite_store, "families")
    (family,) = out["families"]  # type: ignore[misc]
    assert family["n_youth_violence"] == 0
    assert family["n_members_without_birth_year"] == family["family_size"] == 3
    assert "3 of 3 family members have no birth year" in str(out["notes"])
    table = _analyse(sqlite_store, "families", columns=200)
    assert "no birth year" in " ".join(table.stdout.split())
