"""A key per partner organisation (setting ``pseudonym_scope`` ``organisation``):
two organisations read different pseudonyms for one person on every page and
answer they reach, one organisation the same ones at every request, the board
its own; a pseudonym typed by one organisation reaches the police as the id
and no other reader as that pseudonym (docs/briefing.md, "Partner audience")."""

from __future__ import annotations

import datetime as dt
import html
import re
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.access import Pseudonymiser
from avert.delivery.checks import LIVE
from avert.store import Store
from avert.web import create_app
from avert.workflows import delivery
from avert.workflows.users import User, add_user, issue_token
from web.helpers import PASSWORD, World, signed_in
from web.test_partner_view import PERSON_ID, Fetched, _crawl

#: A person's, an incident's or a group's pseudonym as the pages write it.
PSEUDONYM = re.compile(r"\b([PIG])-([0-9A-F]{12})\b")


class Orgs:
    """A copy of the web world's store under ``pseudonym_scope`` organisation,
    with a second partner organisation (housing) and a second council account."""

    def __init__(self, world: World, root: Path) -> None:
        source = world.settings.database_url.removeprefix("sqlite:///")
        copy = root / "orgs.db"
        with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)  # the whole database, its write-ahead log included
        self.store = Store(f"sqlite:///{copy}")
        add_user(
            self.store, "housing", password=PASSWORD, role="partner", org="housing"
        )
        add_user(
            self.store, "council-2", password=PASSWORD, role="partner", org="council"
        )
        self.settings = world.settings.with_overrides(
            database_url=f"sqlite:///{copy}", pseudonym_scope="organisation"
        )
        self.app = create_app(self.settings, self.store)
        self.person_ids = world.person_ids
        key = self.settings.pseudonym_key
        self.keys = {
            "council": Pseudonymiser(key, scope="organisation:council"),
            "housing": Pseudonymiser(key, scope="organisation:housing"),
            "board": Pseudonymiser(key, scope="board"),
            "shared": Pseudonymiser(key),
        }
        incidents = self.store.read_frame("incidents", columns=["incident_id"])
        self.incident_ids = incidents["incident_id"].to_list()
        self._made: dict[str, dict[str, set[str]]] = {}

    def pseudonyms(self, reader: str) -> dict[str, set[str]]:
        """Every person's and incident's pseudonym under ``reader``'s key."""
        if reader not in self._made:
            p = self.keys[reader]
            self._made[reader] = {
                "P": {p("person", i) for i in self.person_ids},
                "I": {p("incident", i) for i in self.incident_ids},
            }
        return self._made[reader]

    def people(self, reader: str, pseudonyms: set[str]) -> set[str]:
        """The person ids of ``pseudonyms`` under ``reader``'s key."""
        p = self.keys[reader]
        return {i for i in self.person_ids if p("person", i) in pseudonyms}


@pytest.fixture(scope="module")
def orgs(world: World, tmp_path_factory: pytest.TempPathFactory) -> Orgs:
    return Orgs(world, tmp_path_factory.mktemp("orgs"))


def _read(client: TestClient) -> str:
    """What a partner reads on Today, the API's briefing and incidents, and the
    incidents, groups, meeting, MARAC, plan and my-actions pages."""
    pages = [
        client.get(url)
        for url in (
            "/today",
            "/api/v1/briefing",
            "/api/v1/briefing?hours=168",
            "/api/v1/incidents",
            "/incidents",
            "/groups",
            "/meeting",
            "/marac",
            "/plan",
            "/plan/mine",
        )
    ]
    for page in pages:
        assert page.status_code == 200, page.text[:300]
    return "\n".join(p.text for p in pages)


def _found(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"P": set(), "I": set(), "G": set()}
    for prefix, digits in PSEUDONYM.findall(text):
        found[prefix].add(f"{prefix}-{digits}")
    return found


def test_two_organisations_read_their_own_pseudonyms(orgs: Orgs) -> None:
    council = _found(_read(signed_in(orgs.app, "partner")))
    housing = _found(_read(signed_in(orgs.app, "housing")))
    for kind in ("P", "I"):
        assert council[kind], f"the check needs {kind}- pseudonyms on the pages"
        assert council[kind] <= orgs.pseudonyms("council")[kind]
        assert housing[kind] <= orgs.pseudonyms("housing")[kind]
        # one person's pseudonym is not the other organisation's, nor the shared one
        assert not council[kind] & orgs.pseudonyms("housing")[kind]
        assert not council[kind] & orgs.pseudonyms("shared")[kind]
        assert not housing[kind] & orgs.pseudonyms("council")[kind]
    # the same people (each organisation's own taskings and actions aside), each
    # read by its own organisation's pseudonym
    assert orgs.people("council", council["P"]) & orgs.people("housing", housing["P"])
    assert council["G"], "the check needs groups on the groups page"
    assert len(council["G"]) == len(housing["G"])
    assert not council["G"] & housing["G"]


def test_one_organisation_reads_the_same_pseudonyms_at_every_request(
    orgs: Orgs,
) -> None:
    first = _found(_read(signed_in(orgs.app, "partner")))
    again = _found(_read(signed_in(orgs.app, "council-2")))
    api = TestClient(orgs.app)
    token = {"Authorization": f"Bearer {issue_token(orgs.store, 'partner')}"}
    by_token = _found(api.get("/api/v1/briefing", headers=token).text)
    assert first["P"]
    assert first == again
    assert by_token["P"]
    assert by_token["P"] <= first["P"]


def test_the_board_reads_the_boards_pseudonyms(orgs: Orgs) -> None:
    board = signed_in(orgs.app, "board")
    pages = [board.get(url).text for url in ("/today", "/api/v1/briefing", "/plan")]
    read = _found("\n".join(pages))
    assert read["P"], "the check needs people on the board's briefing"
    assert read["P"] <= orgs.pseudonyms("board")["P"]
    assert not read["P"] & orgs.pseudonyms("council")["P"]
    assert not read["P"] & orgs.pseudonyms("shared")["P"]


def test_no_partner_page_shows_a_person_id(orgs: Orgs) -> None:
    for username in ("partner", "housing", "board"):
        pages = _crawl(signed_in(orgs.app, username), "/today")
        assert len(pages) >= 5, (username, sorted(pages))
        for url, body in pages.items():
            found = set(PERSON_ID.findall(body)) & orgs.person_ids
            assert not found, f"{username}: {url} shows {sorted(found)[:5]}"


def _place_action(orgs: Orgs, lead: str) -> str:
    """An action led by ``lead`` whose evidence every partner reader of it reads
    (its target is no person, group or incident: :func:`delivery.board_actions`)."""
    actions = orgs.store.read_frame("actions")
    found = actions.filter(
        ~pl.col("target_type")
        .is_in(["person", "group", "incident"])
        .fill_null(value=False)
        & (pl.col("lead_organisation") == lead)
    )
    assert found.height, f"the demo plan has an action not on a person led by {lead}"
    return str(found["action_id"][0])


def test_a_pseudonym_typed_by_one_organisation_reads_as_each_readers_own(
    orgs: Orgs,
) -> None:
    """Council types its pseudonym of a person into an action's evidence: the
    police read the id, council its words as typed, and the board, and
    housing once the police hand it the action, their own pseudonym of the
    person, never council's."""
    action_id = _place_action(orgs, "council")
    person = sorted(orgs.person_ids)[11]
    typed = orgs.keys["council"]("person", person)
    council = User("partner", "partner", org="council")
    delivery.update_action(
        orgs.store,
        action_id,
        {"evidence": f"met {typed} at the centre"},
        user=council,
        settings=orgs.settings,
    )
    stored = orgs.store.read_frame("actions").filter(pl.col("action_id") == action_id)
    assert stored["evidence"][0] == f"met {person} at the centre"
    url = f"/plan/actions/{action_id}"
    police = html.unescape(signed_in(orgs.app, "chair").get(url).text)
    assert f"met {person} at the centre" in police
    own = html.unescape(signed_in(orgs.app, "partner").get(url).text)
    assert f"met {typed} at the centre" in own
    assert person not in own
    board = html.unescape(signed_in(orgs.app, "board").get(url).text)
    assert "at the centre" in board, "the board reads the action's evidence"
    assert typed not in board
    assert person not in board
    assert orgs.keys["board"]("person", person) in board
    # the police hand the action to housing: it reads council's words, the person
    # by housing's pseudonym
    chair = User("chair", "chair")
    delivery.update_action(
        orgs.store, action_id, {"lead_organisation": "housing"}, user=chair
    )
    housing = html.unescape(signed_in(orgs.app, "housing").get(url).text)
    assert "at the centre" in housing
    assert typed not in housing
    assert person not in housing
    assert orgs.keys["housing"]("person", person) in housing


def test_each_organisations_typed_pseudonyms_are_looked_up_by_its_own_key(
    orgs: Orgs,
) -> None:
    """The lookup of pseudonym to id holds each writer's key: housing's save
    (by housing's key) keeps council's rows, and a pseudonym of another
    organisation's key, typed, stays as typed (it is no pseudonym its writer
    was shown)."""
    council_key = orgs.keys["council"]
    housing_key = orgs.keys["housing"]
    person = sorted(orgs.person_ids)[23]
    council = User("partner", "partner", org="council")
    housing = User("housing", "partner", org="housing")
    for user, key, lead in (
        (council, council_key, "council"),
        (housing, housing_key, "housing"),
    ):
        action_id = _place_action(orgs, lead)
        delivery.update_action(
            orgs.store,
            action_id,
            {
                "evidence": f"saw {key('person', person)}; {council_key('person', person)}"
            },
            user=user,
            settings=orgs.settings,
        )
        row = orgs.store.read_frame("actions").filter(pl.col("action_id") == action_id)
        expected = (
            f"saw {person}; {person}"
            if lead == "council"
            else f"saw {person}; {council_key('person', person)}"
        )
        assert row["evidence"][0] == expected
    held = set(orgs.store.read_frame("pseudonym_index")["fingerprint"].unique())
    assert {council_key.fingerprint, housing_key.fingerprint} <= held


def test_the_board_pack_is_in_the_boards_pseudonyms(orgs: Orgs) -> None:
    from avert.config.timezone import local_today

    month = f"{local_today(orgs.settings.timezone):%Y-%m}"
    data = repr(delivery.board_pack_data(orgs.store, orgs.settings, month=month))
    shown = {f"P-{d}" for p, d in PSEUDONYM.findall(data) if p == "P"}
    assert shown, "the check needs people in the board pack"
    assert shown <= orgs.pseudonyms("board")["P"]
    assert not set(PERSON_ID.findall(data)) & orgs.person_ids


def test_the_audit_row_digests_the_readers_own_pseudonyms(orgs: Orgs) -> None:
    """The audit row of a partner's briefing counts and digests the people
    its answer holds: its own organisation's pseudonyms."""
    from avert.store.audit import people_digest

    digests = {}
    for username in ("partner", "housing"):
        token = {"Authorization": f"Bearer {issue_token(orgs.store, username)}"}
        answer = TestClient(orgs.app).get("/api/v1/briefing", headers=token).text
        rows = orgs.store.read_frame("audit").filter(
            (pl.col("user_name") == username)
            & pl.col("object").str.starts_with("briefing:")
        )
        n, digest = people_digest(_found(answer)["P"])
        assert n
        assert rows["detail"][-1].startswith(f"people={n}; people_sha256={digest}")
        digests[username] = digest
    assert digests["partner"] != digests["housing"]


def test_a_partner_briefing_of_the_command_line_is_in_its_organisations_pseudonyms(
    orgs: Orgs, tmp_path: Path
) -> None:
    """``avert brief --audience partner --org ORG`` under pseudonym_scope
    organisation: the briefing is in ORG's pseudonyms."""
    import json

    from typer.testing import CliRunner

    from avert.cli import app
    from avert.workflows.views import default_window_end

    at, _ = default_window_end(orgs.store)
    env = {
        "AVERT_PSEUDONYM_KEY": orgs.settings.pseudonym_key,
        "AVERT_PSEUDONYM_SCOPE": "organisation",
    }
    read = {}
    for org in ("council", "housing"):
        out = tmp_path / org
        result = CliRunner(env=env).invoke(
            app,
            [
                "--db", orgs.settings.database_url, "brief", "--at", f"{at:%Y-%m-%dT%H:%M}",
                "--audience", "partner", "--org", org, "--no-pdf", "--out", str(out),
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        text = (out / "briefing.json").read_text(encoding="utf-8")
        # the briefing says whose key it is in
        assert f"the key of {org} derived" in json.loads(text)["pseudonyms"]["key"]
        read[org] = _found(text)["P"]
        assert read[org] <= orgs.pseudonyms(org)["P"]
        assert not set(PERSON_ID.findall(text)) & orgs.person_ids
    assert read["council"]
    assert not read["council"] & read["housing"]


def test_under_a_rotating_key_each_organisation_reads_its_own_periods_key(
    orgs: Orgs,
) -> None:
    """pseudonym_rotation and pseudonym_scope organisation together: the key
    of the period is derived from the organisation's key, so two
    organisations read different pseudonyms in one period too."""
    from avert.access import period_of

    rotating = orgs.settings.with_overrides(pseudonym_rotation="monthly")
    app = create_app(rotating, orgs.store)
    read = {}
    for username, org in (("partner", "council"), ("housing", "housing")):
        answer = signed_in(app, username).get("/api/v1/briefing")
        assert answer.status_code == 200, answer.text[:300]
        period = period_of(dt.datetime.fromisoformat(answer.json()["at"]), "monthly")
        key = Pseudonymiser(
            rotating.pseudonym_key, scope=f"organisation:{org}", period=period
        )
        read[org] = _found(answer.text)["P"]
        assert read[org], "the check needs people on the briefing"
        assert read[org] <= {key("person", i) for i in orgs.person_ids}
    assert not read["council"] & read["housing"]


#: Where the crawl starts: every page and answer a partner or the board reaches
#: from a link, and those reached by typing their address (the API).
_SEEDS = (
    "/today",
    "/plan",
    "/plan/mine",
    "/performance",
    "/equality",
    "/places",
    "/meeting",
    "/marac",
    "/groups",
    "/incidents",
    "/api/v1/briefing",
    "/api/v1/briefing?hours=168",
    "/api/v1/incidents",
)


def _crawled(orgs: Orgs, username: str) -> str:
    """Every page reached from :data:`_SEEDS` by links (GET only), one text."""
    client = signed_in(orgs.app, username)
    pages: dict[str, str] = {}
    fetched: dict[str, Fetched] = {}  # each page read once over the seeds' crawls
    for seed in _SEEDS:
        for url, body in _crawl(client, seed, limit=40, fetched=fetched).items():
            pages.setdefault(url, body)
    assert len(pages) >= 12, (username, sorted(pages))
    return "\n".join(pages.values())


def test_on_every_page_the_crawl_reaches_two_organisations_never_share_a_pseudonym(
    world: World, tmp_path: Path
) -> None:
    """Council, housing and the board crawl every page they reach: each
    pseudonym any of them reads is of its own key, and no person, incident or
    group reads by one pseudonym in two of them (nor by the shared key's). A
    store of its own: what the other tests had an organisation type stays."""
    orgs = Orgs(world, tmp_path)
    from avert.workflows.views import groups_view

    police = groups_view(orgs.store, orgs.settings, user=User("chair", "chair"))
    groups = [str(g["group_id"]) for g in police["groups"]]
    assert groups, "the check needs groups"
    read = {}
    for username, reader in (
        ("partner", "council"),
        ("housing", "housing"),
        ("board", "board"),
    ):
        found = _found(_crawled(orgs, username))
        key = orgs.keys[reader]
        own = {**orgs.pseudonyms(reader), "G": {key("group", g) for g in groups}}
        for kind in ("P", "I", "G"):
            assert found[kind] <= own[kind], (reader, kind, found[kind] - own[kind])
        read[reader] = found
    for reader in ("council", "housing", "board"):
        assert read[reader]["P"], f"the check needs people on {reader}'s pages"
    shared = {
        **orgs.pseudonyms("shared"),
        "G": {orgs.keys["shared"]("group", g) for g in groups},
    }
    for kind in ("P", "I", "G"):
        everyone = [r[kind] for r in read.values()]
        for i, one in enumerate(everyone):
            assert not one & shared[kind]
            for other in everyone[i + 1 :]:
                assert not one & other


def test_the_command_lines_org_is_matched_as_the_accounts_spell_it(
    orgs: Orgs, tmp_path: Path
) -> None:
    """``--org " COUNCIL "`` (or ``council`` for accounts of "Council") is
    the organisation of the accounts, as its taskings are matched: the
    briefing and the MARAC list are in the pseudonyms those accounts read on
    the web, not of a key of the name as typed."""
    import json

    from typer.testing import CliRunner

    from avert.cli import app
    from avert.workflows.views import default_window_end

    at, _ = default_window_end(orgs.store)
    env = {
        "AVERT_PSEUDONYM_KEY": orgs.settings.pseudonym_key,
        "AVERT_PSEUDONYM_SCOPE": "organisation",
    }
    db = ["--db", orgs.settings.database_url]
    out = tmp_path / "typed"
    result = CliRunner(env=env).invoke(
        app,
        [
            *db, "brief", "--at", f"{at:%Y-%m-%dT%H:%M}", "--audience", "partner",
            "--org", " COUNCIL ", "--no-pdf", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (out / "briefing.json").read_text(encoding="utf-8")
    assert "the key of council derived" in json.loads(text)["pseudonyms"]["key"]
    read = _found(text)["P"]
    assert read, "the check needs people on the briefing"
    assert read <= orgs.pseudonyms("council")["P"]
    marac = CliRunner(env=env).invoke(
        app,
        [
            *db,
            "analyse",
            "marac",
            "--audience",
            "partner",
            "--org",
            "Council",
            "--json",
        ],
    )
    assert marac.exit_code == 0, marac.output
    listed = _found(marac.output)["P"]
    assert listed, "the check needs victims on the MARAC list"
    assert listed <= orgs.pseudonyms("council")["P"]


def test_my_actions_checks_and_measures_are_in_each_readers_own_pseudonyms(
    world: World, tmp_path: Path
) -> None:
    """One person the target of a council and a housing action under two
    boards (a duplicate of the checks) and named in an objective's title: my
    actions, the checks and the objective measures show council, housing and
    the board each its own pseudonym of the person, never the id."""
    orgs = Orgs(world, tmp_path)
    person = sorted(orgs.person_ids)[7]
    actions = orgs.store.read_frame(
        "actions", columns=["action_id", "objective_id", "status"]
    )
    live = actions.filter(pl.col("status").is_in(list(LIVE)))
    council_action, other = live["action_id"][0], live["action_id"][1]
    objective = actions.filter(pl.col("action_id") == council_action)["objective_id"][0]
    db = orgs.settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as con:
        for action_id, lead, board in (
            (council_action, "council", "CSP"),
            (other, "housing", "MARAC board"),
        ):
            con.execute(
                "UPDATE actions SET target_type = 'person', target_id = ?, "
                "lead_organisation = ?, board = ? WHERE action_id = ?",
                (person, lead, board, action_id),
            )
        con.execute(
            "UPDATE objectives SET title = ? WHERE objective_id = ?",
            (f"Reduce harm by {person}", objective),
        )
    readers = {
        "council": User("partner", "partner", org="council"),
        "housing": User("housing", "partner", org="housing"),
        "board": User("board", "board"),
    }
    for reader, user in readers.items():
        pseudonym = orgs.keys[reader]("person", person)
        checks = delivery.checks_view(orgs.store, orgs.settings, user=user)
        measures = delivery.objective_measures(orgs.store, orgs.settings, user=user)
        answers = {"checks": repr(checks["duplicates"]), "measures": repr(measures)}
        if reader != "board":
            mine = delivery.my_actions(orgs.store, orgs.settings, user=user)
            answers["mine"] = repr(mine)
        for where, text in answers.items():
            assert pseudonym in text, (reader, where)
            assert person not in text, (reader, where)
            others = {orgs.keys[r]("person", person) for r in orgs.keys if r != reader}
            assert not {p for p in others if p in text}, (reader, where)
