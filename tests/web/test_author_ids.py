"""The ids a plan author wrote (an objective's, an action's) read the same on
every page and output a partner or the board reads: a stored record's id in
one as its pseudonym, whole or run into other letters; a stored id of one or two
characters as written (the example plan's Prevention objectives P1 and P2 on a
store whose people are P1, P2: too short to tell from the plan's numbering);
and an id whose digits go on from a stored one's ("P00000011" beside a stored
"P0000001") as "[id withheld]": shown as written it held the stored id raw
(:func:`avert.workflows.delivery._common.author_ids_shown`).

A world of its own: the test adds people, objectives and actions, which the
shared world's counts would read.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.config.timezone import local_now, local_today
from avert.store import Store
from avert.web import create_app
from avert.workflows import delivery
from avert.workflows.demo import run_demo
from avert.workflows.users import User
from avert.written_identity import ID_WITHHELD
from web.helpers import SECRET, World, signed_in

CHAIR = User("chair", "chair")
READERS = {
    "partner": User("partner", "partner", org="council"),
    "board": User("board", "board", org="violence reduction board"),
}


@pytest.fixture(scope="module")
def short_ids(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, str, Path]:
    """A demo city with stored people P1 and P2 (the example plan's objective
    ids), an objective whose id is a stored person's, ``long``, another's
    ``long`` and a "1", and the council's actions "P2-check" (objective
    ``long1``) and "check-``long``" (objective ``long``) due three days ago; the
    council's D02 moved from objective P1 to ``long`` (its history shows
    both)."""
    root: Path = tmp_path_factory.mktemp("author-ids")
    run_demo(
        out_dir=root / "demo",
        database=root / "web.db",
        seed=3,
        people=1_000,
        days=60,
        pdf=False,
    )
    url = f"sqlite:///{root / 'web.db'}"
    store = Store(url)
    key = secrets.token_urlsafe(32)
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=key
    )
    people = store.read_frame("people", columns=["person_id"])["person_id"]
    long = str(people.sort()[0])
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1", "P2"], "source": "t"}))
    objectives = delivery._asof.read_delivery(store, "objective")
    p1 = objectives.filter(pl.col("objective_id") == "P1").row(0, named=True)
    delivery._save(
        store,
        "objective",
        [
            {**p1, "objective_id": long, "version": None},
            {**p1, "objective_id": f"{long}1", "version": None},
        ],
        user=CHAIR,
        reason="test",
    )
    actions = delivery.read_actions(store)
    d02 = actions.filter(pl.col("action_id") == "D02").row(0, named=True)
    base = {k: v for k, v in d02.items() if k not in ("overdue", "overdue_days")}
    due = local_today(store.timezone) - dt.timedelta(days=3)
    area = {"target_type": "area", "target_id": "AREA-E", "due": due, "version": None}
    delivery._save(
        store,
        "action",
        [
            {**base, "objective_id": long},
            {**base, **area, "action_id": "P2-check", "objective_id": f"{long}1"},
            {**base, **area, "action_id": f"check-{long}", "objective_id": long},
        ],
        user=CHAIR,
        reason="test",
    )
    world = World(
        store, settings, create_app(settings, store), frozenset(people), root / "demo"
    )
    return world, long, root


def _pages(world: World, role: str, long: str) -> dict[str, str]:
    """Each page ``role`` reads ids a plan author wrote on, as read (HTML
    unescaped): the plan, the action pages of the actions whose ids or
    objectives hold a stored id, my actions, Today and the briefing API."""
    client = signed_in(world.app, role)
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    plan = client.get("/plan")
    assert plan.status_code == 200
    links = sorted(set(re.findall(r'href="(/plan/actions/[^"]+)"', plan.text)))
    pages = {"plan": plan.text}
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, (role, link)
        pages[link] = page.text
    if role == "partner":
        pages["mine"] = client.get("/plan/mine").text
    pages["today"] = client.get("/today", params={"at": later}).text
    pages["api"] = client.get("/api/v1/briefing", params={"at": later}).text
    assert not any(long in link for link in links), links
    return {k: html.unescape(v) for k, v in pages.items()}


def _outputs(world: World, root: Path) -> dict[str, str]:
    """The board pack (its data, its HTML and, where ``pdftotext`` is here,
    its PDF) and a partner's ``avert brief --org`` (its JSON and HTML), as
    written by the command line."""
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    env = {"AVERT_PSEUDONYM_KEY": world.settings.pseudonym_key or ""}
    db = str(world.settings.database_url)
    pdf = shutil.which("pdftotext") is not None
    args = ["board", "pack", "--month", month, "--out", str(root / "pack")]
    run = CliRunner().invoke(
        cli_app, ["--db", db, *args, *([] if pdf else ["--no-pdf"])], env=env
    )
    assert run.exit_code == 0, run.output
    out = {
        "pack data": repr(
            delivery.board_pack_data(world.store, world.settings, month=month)
        ),
        "pack html": html.unescape(
            (root / "pack" / f"board-pack-{month}.html").read_text(encoding="utf-8")
        ),
    }
    if pdf:
        text = subprocess.run(
            ["pdftotext", str(root / "pack" / f"board-pack-{month}.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        out["pack pdf"] = text
    at = f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    brief = ["brief", "--at", at, "--audience", "partner", "--org", "council"]
    run = CliRunner().invoke(
        cli_app, ["--db", db, *brief, "--out", str(root / "brief"), "--no-pdf"], env=env
    )
    assert run.exit_code == 0, run.output
    for name in ("briefing.json", "briefing.html"):
        out[f"brief {name}"] = html.unescape(
            (root / "brief" / name).read_text(encoding="utf-8")
        )
    return out


def test_partners_and_the_board_read_author_ids_by_one_rule_everywhere(
    short_ids: tuple[World, str, Path],
) -> None:
    world, long, root = short_ids
    # a stored id's characters are never read, whole, run into letters or
    # into more digits ("long1" named no stored person, yet held its id raw)
    raw = re.compile(re.escape(long), re.IGNORECASE)
    read: dict[tuple[str, str], str] = {}
    for role in READERS:
        for name, text in _pages(world, role, long).items():
            read[(role, name)] = text
    for name, text in _outputs(world, root).items():
        read[("board" if name.startswith("pack") else "partner", name)] = text
    for (role, name), text in read.items():
        pseudo = delivery.partner_pseudonymiser(world.settings, reader=READERS[role])
        # a stored person's id is never read, whole or as an objective's id
        assert not raw.search(text), (role, name)
        # the plan's P1 and P2 are no stored people's pseudonyms
        for short in ("P1", "P2"):
            assert pseudo("person", short) not in text, (role, name, short)
    for role, user in READERS.items():
        alias = delivery.partner_pseudonymiser(world.settings, reader=user)(
            "person", long
        )
        plan = read[(role, "plan")]
        # the measures: P1, P2 as written, "long1" withheld, "long" as its
        # pseudonym
        for written in ("P1", "P2", "P2-check", ID_WITHHELD):
            assert written in plan, (role, written)
        assert alias in plan, role
        d02 = read[(role, "/plan/actions/D02")]
        assert f"P1 → {alias}" in d02, role  # its history, as the page reads
        assert f"/ {alias}" in d02, role
    pack = read[("board", "pack html")]
    board = delivery.partner_pseudonymiser(world.settings, reader=READERS["board"])
    for objective in ("P1", "P2", ID_WITHHELD, board("person", long)):
        assert f'"Objective"><b>{objective}</b>' in pack, objective  # its measures
    police = html.unescape(signed_in(world.app, "chair").get("/plan").text)
    assert f"check-{long}" in police  # the police read the ids as written
