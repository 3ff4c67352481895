"""Each page's audit row counts the people that page shows (docs/audit.md).

Found by a crawl: Places (which shows no one) wrote Today's briefing row, and the
Meeting page wrote Today's briefing row (every person Today lists) beside its own
(only its window's taskings' people). Each count is checked against an
independent count: the distinct person ids (police) or person pseudonyms
(partners) in the page's HTML.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from html import unescape
from pathlib import Path

import polars as pl
import pytest

from avert.access import pseudonyms_named
from avert.store import Store, audit
from avert.web import create_app
from avert.workflows import delivery
from avert.workflows.users import User
from web.helpers import World, signed_in

_WORD = re.compile(r"[A-Za-z0-9_-]+")


def _people_in_html(world: World, html: str, role: str) -> list[str]:
    """The person ids (police: stored ids, and those a ``net-`` group id names,
    and the people whose stored names it writes) or person pseudonyms
    (partners) the page's HTML holds."""
    if role == "partner":
        return pseudonyms_named(html, "person")
    words = set(_WORD.findall(html))
    words |= {w.removeprefix("net-") for w in words}
    return sorted((words & world.person_ids) | _named_in(world, html))


def _named_in(world: World, html: str) -> set[str]:
    """The stored people whose stored name ``html`` writes, first name first or
    surname first (the police read free text as written: another test of the
    session may have named one in a tasking's what, and the row counts them)."""
    names = world.store.read_frame("person_identity", columns=["person_id", "name"])
    text = " ".join(unescape(html).lower().split())
    out: set[str] = set()
    for person, name in zip(names["person_id"], names["name"], strict=True):
        last, _, first = str(name or "").lower().partition(",")
        if not first:
            *given, last = last.split() or [""]
            first = " ".join(given)
        first, last = first.strip(), last.strip()
        if not first or not last or last not in text:
            continue
        forms = (f"{first} {last}", f"{last}, {first}", f"{last} {first}")
        if any(
            re.search(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])", text) for f in forms
        ):
            out.add(str(person))
    return out


def _rows_of(world: World, path: str, role: str) -> tuple[pl.DataFrame, str]:
    client = signed_in(world.app, role)
    before = world.store.count("audit")
    page = client.get(path)
    assert page.status_code == 200, page.text
    rows = world.store.read_frame("audit", order_by=["seq"])[before:]
    return rows.filter(pl.col("action") == "view"), page.text


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_the_meeting_page_writes_one_row_of_the_people_it_shows(
    world: World, role: str
) -> None:
    rows, html = _rows_of(world, "/meeting", role)
    shown = _people_in_html(world, html, role)
    assert shown, "the meeting lists people"
    assert rows["object"].str.starts_with("meeting:").to_list() == [True]
    n, digest = audit.people_digest(shown)
    assert rows["detail"][0].startswith(f"people={n}; people_sha256={digest}")


@pytest.mark.parametrize("role", ["analyst", "partner", "board"])
def test_the_places_page_shows_no_one_and_writes_no_briefing_row(
    world: World, role: str
) -> None:
    rows, html = _rows_of(world, "/places", role)
    assert _people_in_html(world, html, role if role != "board" else "partner") == []
    assert rows.height == 0, rows.to_dicts()


@pytest.mark.parametrize("role", ["analyst", "partner", "board"])
def test_todays_row_counts_the_people_its_page_shows(world: World, role: str) -> None:
    rows, html = _rows_of(world, "/today", role)
    shown = _people_in_html(world, html, role if role != "board" else "partner")
    assert rows["object"].str.starts_with("briefing:").to_list() == [True]
    n, digest = audit.people_digest(shown)
    assert rows["detail"][0].startswith(f"people={n}; people_sha256={digest}")


def _copy_with(
    world: World, tmp_path: Path, *sql: tuple[str, tuple[str, ...]]
) -> World:
    """A copy of ``world``'s store changed by ``sql`` (statement, parameters),
    with an app of its own (the shared store stays as it is)."""
    path = tmp_path / "changed.db"
    shutil.copyfile(world.settings.database_url.removeprefix("sqlite:///"), path)
    with sqlite3.connect(path) as con:
        for statement, params in sql:
            con.execute(statement, params)
    url = f"sqlite:///{path}"
    app = create_app(world.settings.with_overrides(database_url=url), Store(url))
    return World(Store(url), world.settings, app, world.person_ids, world.demo_dir)


_NAMED = (
    "INSERT INTO person_identity (person_id, name) VALUES (?, ?) "
    "ON CONFLICT (person_id) DO UPDATE SET name = excluded.name"
)


_READERS = {
    "partner": User("partner", "partner", org="council"),
    "board": User("board", "board", org="violence reduction board"),
}


def _unseen(world: World, html: str, n: int, role: str = "analyst") -> list[str]:
    """``n`` stored people the page ``html`` of ``role`` does not show: not by
    id or stored name (police), nor by their pseudonym (a partner, the board:
    whose page writes no id, so the people it shows were picked too, and the
    session's other tests made some of the first ids shown)."""
    seen = set(_WORD.findall(html))
    if role in _READERS:
        pseudo = delivery.partner_pseudonymiser(world.settings, reader=_READERS[role])
        seen |= {p for p in world.person_ids if pseudo("person", p) in html}
    else:
        seen |= _named_in(world, html)
    return sorted(world.person_ids - seen)[:n]


def test_todays_row_counts_an_actions_target_its_title_names_by_name(
    world: World, tmp_path: Path
) -> None:
    """A plan action listed on Today whose title writes its target's stored name
    (the police read titles as written) shows that person: the row counts them.
    It counted the target only where the title wrote the target's id."""
    html = signed_in(world.app, "analyst").get("/today").text
    listed = re.findall(r'data-record="action:([^"]+)"', html)
    assert listed, "Today lists plan actions"
    [target] = _unseen(world, html, 1)
    copy = _copy_with(
        world,
        tmp_path,
        (
            "UPDATE actions SET title = 'Safeguarding plan for Jonah Whitcombe', "
            "target_type = 'person', target_id = ? WHERE action_id = ?",
            (target, listed[0]),
        ),
        (_NAMED, (target, "WHITCOMBE, Jonah")),
    )
    rows, html = _rows_of(copy, "/today", "analyst")
    assert "Safeguarding plan for Jonah Whitcombe" in html
    shown = sorted({*_people_in_html(copy, html, "analyst"), target})
    n, digest = audit.people_digest(shown)
    assert rows["detail"][0].startswith(f"people={n}; people_sha256={digest}")


@pytest.mark.parametrize("path", ["/today", "/meeting"])
@pytest.mark.parametrize("role", ["chair", "partner"])
def test_a_row_counts_the_people_a_taskings_words_name(
    world: World, tmp_path: Path, path: str, role: str
) -> None:
    """A tasking's what and result are free text, shown as written (partners:
    each stored id and name as its pseudonym); a person they name by id or by
    stored name is shown, and the row counts them. Today's and the Meeting's
    rows counted a tasking's subject alone (a review's crawl: 41 people in
    Today's HTML, 37 counted)."""
    original = signed_in(world.app, role).get(path).text
    html = original
    section = html[html.index('<section id="taskings">') :]
    section = section[: section.index("</section>")]
    listed = sorted(set(re.findall(r"T\d{8}-[0-9a-f]{6}", section)))
    assert listed, f"{path} lists taskings the {role} reads"
    by_id, by_name, in_result = _unseen(world, html, 3, role)
    copy = _copy_with(
        world,
        tmp_path,
        (
            "UPDATE taskings SET what = ?, result = ? WHERE tasking_id = ?",
            (f"Speak to {by_id} and Marla Quenby", "Tobias Fennimore seen", listed[0]),
        ),
        (_NAMED, (by_name, "Marla Quenby")),
        (_NAMED, (in_result, "Fennimore, Tobias")),
    )
    rows, html = _rows_of(copy, path, role)
    assert "Speak to" in html
    shown = set(_people_in_html(copy, html, role))
    if role != "partner":
        assert by_id in shown
        assert "Marla Quenby" in html
        shown |= {by_name, *([in_result] if "Tobias Fennimore" in html else [])}
    else:
        assert "Marla Quenby" not in html
        before = _people_in_html(world, original, "partner")
        assert len(set(_people_in_html(copy, html, "partner")) - set(before)) >= 2
    n, digest = audit.people_digest(sorted(shown))
    assert rows["detail"][0].startswith(f"people={n}; people_sha256={digest}")


@pytest.mark.parametrize("path", ["/today", "/meeting"])
@pytest.mark.parametrize("role", ["chair", "partner"])
def test_a_row_counts_a_person_whose_id_a_taskings_words_run_into_letters(
    world: World, tmp_path: Path, path: str, role: str
) -> None:
    """A stored id run into letters in a tasking's what ("x<id>visit") is read
    by the police as typed and by partners and the board as its pseudonym:
    each row counts that person. The police's rows counted ids written as
    words of their own only."""
    html = signed_in(world.app, role).get(path).text
    section = html[html.index('<section id="taskings">') :]
    section = section[: section.index("</section>")]
    listed = sorted(set(re.findall(r"T\d{8}-[0-9a-f]{6}", section)))
    assert listed, f"{path} lists taskings the {role} reads"
    [glued] = _unseen(world, html, 1, role)
    copy = _copy_with(
        world,
        tmp_path,
        (
            "UPDATE taskings SET what = ? WHERE tasking_id = ?",
            (f"x{glued}visit", listed[0]),
        ),
    )
    rows, html = _rows_of(copy, path, role)
    police = role == "chair"
    shown = set(_people_in_html(copy, html, "analyst" if police else "partner"))
    if police:
        assert f"x{glued}visit" in html
        shown.add(glued)
    else:
        assert glued not in html
    n, digest = audit.people_digest(sorted(shown))
    assert rows["detail"][0].startswith(f"people={n}; people_sha256={digest}")


@pytest.mark.parametrize("role", ["analyst", "partner", "board"])
def test_my_actions_counts_no_target_it_does_not_show(
    world: World, tmp_path: Path, role: str
) -> None:
    """My actions lists each action's id and title, not its subject: its row
    counts the people those name, not the actions' targets (it counted every
    person target of the actions listed)."""
    client = signed_in(world.app, role)
    username = "analyst" if role == "analyst" else role
    org = world.store.read_frame("users").filter(pl.col("username") == username)
    lead = org["org"][0] if org.height else None
    unseen = _unseen(world, client.get("/plan/mine").text, 1, role)
    copy = _copy_with(
        world,
        tmp_path,
        (
            "UPDATE actions SET owner = ?, lead_organisation = COALESCE(?, "
            "lead_organisation), target_type = 'person', target_id = ?, "
            "title = 'Visit the family' WHERE action_id = "
            "(SELECT min(action_id) FROM actions)",
            (username, lead, unseen[0]),
        ),
    )
    rows, html = _rows_of(copy, "/plan/mine", role)
    first = copy.store.read_frame("actions", order_by=["action_id"])["action_id"][0]
    assert f'href="/plan/actions/{first}"' in html  # listed (partners: title withheld)
    assert unseen[0] not in html
    shown = _people_in_html(copy, html, "analyst" if role == "analyst" else "partner")
    n, digest = audit.people_digest(shown)
    assert rows["detail"][0].startswith(f"people={n}; people_sha256={digest}")
