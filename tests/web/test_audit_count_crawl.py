"""A crawl of the web pages as the police, a partner and the board, on the demo
city with people written into its free text (an id as a word of its own, an id
run into letters, a stored name): each page's audit row counts exactly the
people the page shows, and a page that writes no row shows no one.

The count is made apart from the code under test: the distinct stored person
ids in the page's text, whole or run into letters, and the people whose
planted names it writes (police); the distinct person pseudonyms it holds
(partners and the board). docs/audit.md.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from avert.access import pseudonyms_named
from avert.config.timezone import local_now
from avert.store import Store, audit
from avert.web import create_app
from avert.workflows import delivery
from avert.workflows.briefing import run_briefing
from web.helpers import World, signed_in

_ID = re.compile(r"[Pp]\d{7}")
#: the planted names, as stored and as the free text writes them
_NAMES = (("QUENBY, Marla", "Marla Quenby"), ("FENNIMORE, Tobias", "Tobias Fennimore"))
#: the police roles crawled (officer-e: an officer of one area)
_POLICE = ("chair", "analyst", "officer-e")
_PAGES = (
    "/today",
    "/today/briefing",
    "/meeting",
    "/plan",
    "/plan/mine",
    "/incidents",
    "/places",
    "/groups",
    "/marac",
    "/performance",
    "/equality",
    "/data",
    "/api/v1/briefing",
    "/api/v1/incidents",
)


def _planted(world: World, root: Path) -> tuple[World, dict[str, str]]:
    """A copy of ``world``'s store whose taskings, actions and objectives write
    people in their free text; the app around it, and the planted names' people
    by the words written."""
    path = root / "planted.db"
    shutil.copyfile(world.settings.database_url.removeprefix("sqlite:///"), path)
    whole, glued, named_a, named_b, in_title = sorted(world.person_ids)[-5:]
    names = {_NAMES[0][1]: named_a, _NAMES[1][1]: named_b, "glued": glued}
    with sqlite3.connect(path) as con:
        for (stored, _), person in zip(_NAMES, (named_a, named_b), strict=True):
            con.execute(
                "INSERT INTO person_identity (person_id, name) VALUES (?, ?)",
                (person, stored),
            )
        con.execute(
            "UPDATE taskings SET what = what || ? , result = ?",
            (f" (see {whole}, x{glued}visit)", f"{_NAMES[0][1]} seen"),
        )
        con.execute(
            "UPDATE actions SET title = title || ?, evidence = ?",
            (f" with x{in_title}y and {_NAMES[1][1]}", f"met {whole}"),
        )
        con.execute("UPDATE objectives SET title = title || ?", (f" ({_NAMES[0][1]})",))
    url = f"sqlite:///{path}"
    settings = world.settings.with_overrides(database_url=url)
    app = create_app(settings, Store(url))
    return World(Store(url), settings, app, world.person_ids, world.demo_dir), names


@pytest.fixture(scope="module")
def planted(
    world: World, tmp_path_factory: pytest.TempPathFactory
) -> tuple[World, dict[str, str]]:
    return _planted(world, tmp_path_factory.mktemp("crawl"))


def _shown(world: World, names: dict[str, str], text: str, police: bool) -> list[str]:
    """The people ``text`` (a page as its reader reads it) shows."""
    text = htmllib.unescape(text)
    if not police:
        return pseudonyms_named(text, "person")
    ids = {i.upper() for i in _ID.findall(text)} & world.person_ids
    ids |= {p for n, p in names.items() if n != "glued" and n.lower() in text.lower()}
    return sorted(ids)


def _links(text: str) -> list[str]:
    """The action pages a plan page links."""
    return sorted(set(re.findall(r'href="(/plan/actions/[^"]+)"', text)))


def _mismatch(world: World, names: dict[str, str], role: str, url: str) -> str | None:
    """What is wrong with the audit row of ``role``'s view of ``url`` (None:
    it counts exactly the people the page shows)."""
    client = signed_in(world.app, role)
    before = world.store.read_frame("audit", columns=["seq"])["seq"].max()
    page = client.get(url)
    if page.status_code == 403:  # not a page of this role
        return None
    assert page.status_code == 200, (role, url, page.status_code)
    shown = _shown(world, names, page.text, police=role in _POLICE)
    rows = world.store.read_frame("audit").filter(
        (pl.col("seq") > before) & (pl.col("action") == "view")
    )
    if rows.height == 0:
        return None if not shown else f"no row; shows {len(shown)} people"
    n, digest = audit.people_digest(shown)
    details = rows["detail"].to_list()
    if len(details) != 1:
        return f"{len(details)} rows: {details}"
    if not details[0].startswith(f"people={n}; people_sha256={digest}"):
        return f"page shows {n}, row {details[0].split(';')[0]}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("role", [*_POLICE, "partner", "board"])
def test_every_pages_row_counts_exactly_the_people_it_shows(
    planted: tuple[World, dict[str, str]], role: str
) -> None:
    world, names = planted
    client = signed_in(world.app, role)
    today = client.get("/today").text
    plan = client.get("/plan").text
    police = role in _POLICE
    # the planted words are on the pages, as their reader reads them (an
    # officer of an area reads its area's taskings only)
    glued = f"x{names['glued']}visit"
    if role != "officer-e":
        assert (glued in today) is police
        assert ("Tobias Fennimore" in plan) is police
    if not police:
        # a partner reads taskings on Today, the board actions' titles only
        run_in = r"xP-[0-9A-F]{12}(visit|y )"
        assert re.search(run_in, today + plan), "a pseudonym, run in"
    people = sorted(set(re.findall(r'href="/people/([^"]+)"', today)))[:3]
    assert (len(people) == 3) is (police and role != "officer-e")
    # a person's record (police roles only: a partner's or the board's is a 403)
    opened = [f"/api/v1/people/{p}?purpose=audit+crawl" for p in people]
    urls = [*_PAGES, *_links(plan)[:12], *opened]
    found = {url: _mismatch(world, names, role, url) for url in urls}
    wrong = {url: why for url, why in found.items() if why}
    assert not wrong, wrong


def _export_row(world: World, before: int) -> str:
    rows = world.store.read_frame("audit").filter(
        (pl.col("seq") > before) & (pl.col("action") == "export")
    )
    assert rows.height == 1, rows.to_dicts()
    return str(rows["detail"][0])


def _files_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file()
    )


@pytest.mark.slow
def test_every_exports_row_counts_exactly_the_people_its_files_show(
    planted: tuple[World, dict[str, str]], tmp_path: Path
) -> None:
    """``avert brief`` (police, a partner), ``avert plan export`` and ``avert
    board pack``: the row of each counts the people its files show."""
    world, names = planted
    store, settings = world.store, world.settings
    at = local_now(settings.timezone).replace(microsecond=0, tzinfo=None)
    wrong: dict[str, str] = {}

    def check(label: str, before: int, text: str, *, police: bool) -> None:
        shown = _shown(world, names, text, police=police)
        n, digest = audit.people_digest(shown)
        detail = _export_row(world, before)
        if not detail.startswith(f"people={n}; people_sha256={digest}"):
            wrong[label] = f"files show {n}, row {detail.split(';')[0]}"

    for audience, org in (("police", None), ("partner", "council")):
        before = int(store.read_frame("audit", columns=["seq"])["seq"].max())
        out = tmp_path / f"brief-{audience}"
        run_briefing(
            store,
            at=at,
            out_dir=out,
            audience=audience,  # type: ignore[arg-type]
            organisation=org,
            pseudonym_key=settings.pseudonym_key,
            pdf=False,
        )
        check(f"brief {audience}", before, _files_text(out), police=org is None)
    before = int(store.read_frame("audit", columns=["seq"])["seq"].max())
    text = delivery.export_plan(store)
    check("plan export", before, text, police=True)
    before = int(store.read_frame("audit", columns=["seq"])["seq"].max())
    pack = tmp_path / "pack"
    delivery.board_pack(store, settings, month=f"{at:%Y-%m}", out_dir=pack, pdf=False)
    check("board pack", before, _files_text(pack), police=False)
    assert "Tobias Fennimore" in text
    assert not wrong, wrong


@pytest.mark.slow
def test_the_tasking_lists_row_counts_the_people_it_lists(
    planted: tuple[World, dict[str, str]],
) -> None:
    """``avert task list`` prints each tasking's item (a person's id) and its
    what, who and result: its row counted no one (no ``people=``)."""
    world, names = planted
    before = int(world.store.read_frame("audit", columns=["seq"])["seq"].max())
    rows = delivery.read_taskings(world.store)
    listed = rows.select("item_kind", "item_id", "what", "assignee", "result")
    shown = _shown(world, names, listed.write_json(), police=True)
    assert names["glued"] in shown
    n, digest = audit.people_digest(shown)
    [detail] = (
        world.store.read_frame("audit")
        .filter((pl.col("seq") > before) & (pl.col("action") == "view"))["detail"]
        .to_list()
    )
    assert str(detail).startswith(f"people={n}; people_sha256={digest}"), detail


@pytest.mark.slow
def test_the_plan_statuss_row_counts_the_people_it_shows(
    planted: tuple[World, dict[str, str]],
) -> None:
    """``avert plan status`` shows the grid, the checks' counts and each
    objective's measure (its id and title): its row counted the people the
    plan board's actions target and their titles write, which it does not
    show, and not the person an objective's title names."""
    world, names = planted
    before = int(world.store.read_frame("audit", columns=["seq"])["seq"].max())
    found = delivery.plan_status(world.store, world.settings)
    shown = _shown(world, names, json.dumps(found, default=str), police=True)
    assert names[_NAMES[0][1]] in shown  # an objective's title names them
    n, digest = audit.people_digest(shown)
    [detail] = (
        world.store.read_frame("audit")
        .filter((pl.col("seq") > before) & (pl.col("action") == "view"))["detail"]
        .to_list()
    )
    assert str(detail).startswith(f"people={n}; people_sha256={digest}"), detail
