"""Every command and workflow that shows person ids writes an audit row (issue 13.2).

The audit happens in the workflows, so the CLI, the web app and the Python API all
pass through it; the row says what was shown and the people in it (a count and a
digest), and the chain stays intact.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store, audit
from avert.workflows.analysis import run_volt
from loaded_city import loaded_city


@pytest.fixture(scope="module")
def city_store(
    tmp_path_factory: pytest.TempPathFactory, loaded_city_template: Path
) -> Iterator[Store]:
    """A small synthetic city, loaded and classified (every table the commands read)."""
    root = tmp_path_factory.mktemp("audited")
    store = loaded_city(
        root,
        prepared=loaded_city_template,
        quarantined={
            "source_file": "x.csv",
            "line": 2,
            "reason": "test",
            "raw": "P123,Jane Doe,1990",
        },
    )
    yield store
    store.close()


def _since(store: Store) -> str:
    latest = store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(latest, dt.datetime)
    return (latest - dt.timedelta(days=60)).isoformat()


#: (command line, audit object, shows people by id)
PERSON_COMMANDS = [
    (["analyse", "volt"], "analysis:volt", True),
    (["analyse", "risk", "--kind", "offender"], "analysis:risk:offender", True),
    (["analyse", "risk", "--kind", "victim"], "analysis:risk:victim", True),
    (["analyse", "risk", "--kind", "asb"], "analysis:risk:asb", True),
    (["analyse", "marac"], "analysis:marac", True),
    (
        ["analyse", "concentration", "--entity", "offender"],
        "analysis:concentration:offender",
        True,
    ),
    (
        ["analyse", "concentration", "--entity", "victim"],
        "analysis:concentration:victim",
        True,
    ),
    (
        ["analyse", "concentration", "--entity", "group"],
        "analysis:concentration:group",
        False,
    ),
    (["analyse", "groups"], "analysis:groups", True),
    (["analyse", "retaliation", "--since", "SINCE"], "analysis:retaliation", False),
    (["analyse", "families"], "analysis:families", True),
    (["quarantine", "list"], "quarantine:list", False),
]


@pytest.mark.parametrize(
    ("args", "obj", "people"),
    PERSON_COMMANDS,
    ids=[" ".join(a[:3]) for a, _, _ in PERSON_COMMANDS],
)
@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_command_that_prints_people_is_audited(
    city_store: Store, args: list[str], obj: str, *, people: bool, as_json: bool
) -> None:
    before = city_store.count("audit")
    line = [_since(city_store) if a == "SINCE" else a for a in args]
    result = CliRunner().invoke(
        app,
        ["--db", city_store.url.sqlalchemy, *line, *(["--json"] if as_json else [])],
    )
    assert result.exit_code == 0, result.output
    rows = audit.read(city_store)
    assert rows.height == before + 1
    new = rows.row(rows.height - 1, named=True)
    assert (new["action"], new["object"]) == ("view", obj)
    assert new["user_name"] == audit.current_user()
    if people:
        assert new["detail"].startswith("people=")
        n = int(new["detail"].split(";")[0].removeprefix("people="))
        # the VOLT and concentration tables name no one (their JSON does)
        assert n > 0 if as_json or obj not in TABLES_NAMING_NO_ONE else n == 0
    assert audit.verify(city_store).ok


#: Audit objects of commands whose table names no person (their --json does).
TABLES_NAMING_NO_ONE = frozenset(
    {
        "analysis:volt",
        "analysis:concentration:offender",
        "analysis:concentration:victim",
    }
)


def _listed_ids(payload: dict[str, object]) -> list[str]:
    """The person ids a command's JSON lists: risk lists' rows (their person or
    caller ids), VOLT's victims and offenders, concentration's top entities."""
    if payload.get("kind") == "marac":
        return [str(row["person_id"]) for row in payload["rows"]]  # type: ignore[attr-defined]
    if payload["analysis"] == "risk":
        lists = payload["lists"]
        assert isinstance(lists, list)
        return [
            str(row[item["id_column"]])
            for item in lists
            if item["id_column"] in ("person_id", "caller_id")
            for row in item["rows"]
        ]
    if payload["analysis"] == "volt":
        return [
            str(row["person_id"])
            for key in ("victims", "offenders")
            for row in payload[key]  # type: ignore[attr-defined]
        ]
    return [str(row["entity_id"]) for row in payload["top_entities"]]  # type: ignore[attr-defined]


def _last_detail(store: Store) -> str:
    rows = audit.read(store)
    return str(rows.row(rows.height - 1, named=True)["detail"])


@pytest.mark.parametrize(
    "args",
    [
        ["analyse", "risk", "--kind", "offender", "--top", "3"],
        ["analyse", "risk", "--kind", "victim", "--top", "4"],
        ["analyse", "risk", "--kind", "asb", "--top", "2"],
        ["analyse", "volt", "--top", "3"],
        ["analyse", "concentration", "--entity", "victim"],
        ["analyse", "marac", "--top", "2"],
    ],
    ids=lambda a: " ".join(a[1:4]),
)
def test_the_audit_row_counts_the_people_shown_not_everyone_scored(
    city_store: Store, args: list[str]
) -> None:
    """``analyse risk --top 3`` audited everyone scored (all 145 of a list for
    three shown), ``volt`` and ``concentration`` every victim and offender: the
    row now counts the people the output holds, table or JSON, so an auditor is
    told neither less nor more than was shown."""
    db = ["--db", city_store.url.sqlalchemy]
    out = CliRunner().invoke(app, [*db, *args, "--json"])
    assert out.exit_code == 0, out.output
    ids = _listed_ids(json.loads(out.output))
    assert ids
    n, digest = audit.people_digest(ids)
    assert _last_detail(city_store) == f"people={n}; people_sha256={digest}"
    table = CliRunner().invoke(app, [*db, *args], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    if args[1] in ("risk", "marac"):  # the table prints the JSON's rows
        assert _last_detail(city_store) == f"people={n}; people_sha256={digest}"
        assert all(i in table.output for i in ids)
    else:  # the table names no one
        assert _last_detail(city_store).startswith("people=0;")


@pytest.mark.parametrize(
    "args",
    [
        ["analyse", "concentration", "--entity", "place"],
        ["status"],
    ],
)
def test_commands_without_people_write_no_row(
    city_store: Store, args: list[str]
) -> None:
    before = city_store.count("audit")
    result = CliRunner().invoke(app, ["--db", city_store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output
    assert city_store.count("audit") == before


def test_python_api_is_audited_with_the_caller(city_store: Store) -> None:
    result = run_volt(city_store, user="analyst7", reason="weekly review")
    row = audit.read(city_store, user="analyst7").row(0, named=True)
    assert (row["object"], row["reason"]) == ("analysis:volt", "weekly review")
    shown = pl.concat([result.victims["person_id"], result.offenders["person_id"]])
    n, digest = audit.people_digest(shown)
    assert row["detail"] == f"people={n}; people_sha256={digest}"


def test_quarantine_export_is_audited_private_and_safe(
    city_store: Store, tmp_path: Path
) -> None:
    with city_store.transaction() as tx:
        tx.append(
            "quarantine",
            pl.DataFrame(
                {
                    "quarantine_id": ["q2"],
                    "kind": ["rejected"],
                    "source_file": ['=HYPERLINK("http://x")'],
                    "line": [3],
                    "reason": ["@SUM(1)"],
                    "raw": ["+cmd|' /C calc'!A0"],
                }
            ),
        )
    out = tmp_path / "exports" / "q.csv"
    result = CliRunner().invoke(
        app, ["--db", city_store.url.sqlalchemy, "quarantine", "export", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.parent.stat().st_mode & 0o777 == 0o700
    text = out.read_text()
    assert "'=HYPERLINK" in text
    assert "'@SUM(1)" in text
    assert "'+cmd" in text
    row = audit.read(city_store, action="export").row(-1, named=True)
    assert row["object"] == f"quarantine:{out}"
    assert f"location={out}" in row["detail"]


def test_a_refused_person_view_is_audited_by_the_workflow(sqlite_store: Store) -> None:
    """``views.person_view`` refused a partner without a row; the refusal is now one
    ``view-refused`` row (nothing looked up: the store holds no such person)."""
    from avert.config.settings import load_settings
    from avert.errors import PermissionDenied
    from avert.workflows.users import User
    from avert.workflows.views import person_view

    with pytest.raises(PermissionDenied, match="may not view-person"):
        person_view(
            sqlite_store,
            load_settings({}),
            user=User("p1", "partner", org="council"),
            person_id="P42",
            purpose="a look",
        )
    rows = audit.read(sqlite_store)
    assert rows.select("user_name", "role", "action", "object").rows() == [
        ("p1", "partner", "view-refused", "person:P42")
    ]
    assert rows["reason"][0] == "a look (refused: role 'partner' may not view-person)"
    assert rows["detail"][0] == "outcome=refused; asked=view-person"
    assert audit.verify(sqlite_store).ok


def test_groups_table_audits_the_groups_it_lists_and_the_people_their_ids_name(
    city_store: Store,
) -> None:
    """``analyse groups`` prints groups, sizes and bands, no member listed: its row
    counts the groups listed (it counted every member before) and the people
    their ids name, a detected group's id being ``net-`` and its smallest
    member's id (it counted none, though ``net-P0000941`` names P0000941);
    ``--json`` lists the members, and its row counts them."""
    db = ["--db", city_store.url.sqlalchemy]
    out = CliRunner().invoke(app, [*db, "analyse", "groups", "--json"])
    assert out.exit_code == 0, out.output
    groups = json.loads(out.output)["groups"]
    members = [m for g in groups for m in g["members"]]
    assert members
    n, digest = audit.people_digest(members)
    assert _last_detail(city_store) == f"people={n}; people_sha256={digest}"
    table = CliRunner().invoke(app, [*db, "analyse", "groups"], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    # independently: the members whose id the table prints (in a group's id)
    named = sorted({m for m in members if m in table.output})
    assert named  # a detected group: the case this checks
    assert all(f"net-{m}" in table.output for m in named)
    n_named, digest_named = audit.people_digest(named)
    assert _last_detail(city_store) == (
        f"people={n_named}; people_sha256={digest_named}; groups={len(groups)}"
    )


def test_retaliation_table_audits_the_names_it_prints(city_store: Store) -> None:
    """The retaliation table names each alert's victim and its first six possible
    retaliators and targets ("(+N)" for the rest): its row counts those people;
    ``--json`` lists every one, and its row counts them all."""
    db = ["--db", city_store.url.sqlalchemy]
    line = ["analyse", "retaliation", "--since", _since(city_store)]
    out = CliRunner().invoke(app, [*db, *line, "--json"])
    assert out.exit_code == 0, out.output
    alerts = json.loads(out.output)["alerts"]
    assert alerts

    def named(k: int | None) -> list[str]:
        return [
            p
            for a in alerts
            for p in [
                a["victim_id"],
                *a["at_risk_of_retaliation_from"][:k],
                *a["possible_targets"][:k],
            ]
        ]

    n, digest = audit.people_digest(named(None))
    assert _last_detail(city_store) == f"people={n}; people_sha256={digest}"
    table = CliRunner().invoke(app, [*db, *line], env={"COLUMNS": "400"})
    assert table.exit_code == 0, table.output
    n6, digest6 = audit.people_digest(named(6))
    assert n6 < n  # some alert names more than six: the case this checks
    assert _last_detail(city_store) == f"people={n6}; people_sha256={digest6}"


def test_families_table_audits_the_families_it_lists(city_store: Store) -> None:
    """The families table lists the fifty with most harm (``--json`` every one),
    each by its id, ``fam-`` and its smallest member's person id, and no other
    member: the workflow audits the people the ids its caller shows name (it
    counted every member of those families, none of them listed, before)."""
    from avert.workflows.networks import family_report

    everyone = family_report(city_store, user="famcheck")
    assert everyone.height > 1
    assert everyone["family_size"].max() > 1  # the old count was larger
    family_report(city_store, user="famcheck", shown=1)
    rows = audit.read(city_store, user="famcheck")
    named = everyone["family_id"].str.strip_prefix("fam-")
    n_all, digest_all = audit.people_digest(named)
    assert rows["detail"][0] == f"people={n_all}; people_sha256={digest_all}"
    n_first, digest_first = audit.people_digest(named.head(1))
    assert rows["detail"][1] == f"people={n_first}; people_sha256={digest_first}"
    assert n_first == 1 < n_all == everyone.height


def test_briefing_audit_counts_the_person_a_rival_networks_id_names() -> None:
    """A retaliation alert shows its rival networks by id, ``net-`` and a
    member's person id (the police's Today: 3 of the demo's 37 people shown were
    only there, audited as none); the briefing's audit row counts them, as
    ``analyse groups`` does. A declared group's id and a partner's group
    pseudonym name no one."""
    from avert.workflows.briefing import people_shown

    police = {
        "retaliation": [
            {"links": {"person_id": ["P1"], "group_id": ["G003", "net-P0000329"]}}
        ],
        "taskings": {"open": [{"links": {"group_id": ["net-P0000917"]}}]},
    }
    assert people_shown(police) == ["P0000329", "P0000917", "P1"]
    partner = {
        "retaliation": [
            {"links": {"person_id": ["P-1"], "group_id": ["G-00000000000A"]}}
        ]
    }
    assert people_shown(partner) == ["P-1"]


def test_a_persons_picture_audits_everyone_it_names(city_store: Store) -> None:
    """A person's network picture (``analyse person``, the web's person page) names
    their co-offenders, kin, victimised contacts and the person a detected group's
    id names: its row counted none of them (no ``people=``; a demo person's page
    showed 10 people, the row named one). It counts every person the picture
    names, the person included."""
    from avert.schema import DETECTED_GROUP_PREFIX
    from avert.workflows.networks import person_report

    inv = city_store.read_frame("involvements", columns=["person_id"])
    busiest = inv.group_by("person_id").len().sort("len", descending=True)
    pid = busiest["person_id"][0]
    picture = person_report(city_store, pid, user="piccheck")
    named = {
        pid,
        *(
            row["person_id"]
            for key in ("co_offenders", "family", "victimised_contacts")
            for row in picture[key]
        ),
        *(
            g["group_id"].removeprefix(DETECTED_GROUP_PREFIX)
            for g in picture["groups"]
            if g["group_id"].startswith(DETECTED_GROUP_PREFIX)
        ),
    }
    assert len(named) > 1
    n, digest = audit.people_digest(named)
    row = audit.read(city_store, user="piccheck").row(-1, named=True)
    assert row["object"] == f"person:{pid}"
    assert row["detail"] == f"people={n}; people_sha256={digest}"


def test_a_search_for_a_person_not_on_record_is_audited(city_store: Store) -> None:
    """The picture is audited once made (to count whom it names); a look-up that
    finds no one is still on record, naming no one, so who looked for whom is
    known even when nothing was shown."""
    from avert.errors import NotFound
    from avert.workflows.networks import person_report

    with pytest.raises(NotFound):
        person_report(city_store, "P9999999", user="nosuch", reason="check a name")
    row = audit.read(city_store, user="nosuch").row(-1, named=True)
    assert row["object"] == "person:P9999999"
    assert row["reason"] == "check a name"
    assert row["detail"].startswith("people=0;")


def test_a_look_up_that_fails_before_the_picture_is_audited(city_store: Store) -> None:
    """The network is read before the picture is drawn: a read that fails there
    (no classification under the definition asked for) left no row, though the
    attempt was audited before anything was read until the picture was audited
    once made. Any failed look-up is on record, naming no one."""
    from avert.errors import NotFound
    from avert.workflows.networks import person_report

    inv = city_store.read_frame("involvements", columns=["person_id"])
    pid = inv["person_id"][0]
    with pytest.raises(NotFound, match="who-broad"):
        person_report(
            city_store, pid, user="unclassified", reason="x", profile="who-broad"
        )
    rows = audit.read(city_store, user="unclassified")
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert (row["action"], row["object"]) == ("view", f"person:{pid}")
    assert row["detail"].startswith("people=0;")
