"""A plan author may write a person's id inside an action's id ("P0001234-visit",
"check-P0001234"): partners and the board read the id with every stored id in
it, and its own subject's id, as its pseudonym (their own key's), on the plan
board, my actions, the action page, the checks, the board pack and Today; the
police read it as written, and the partner's links open and save the action.

A world of its own: the test adds actions, which the shared world's counts
would read.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from pathlib import Path

import polars as pl
import pytest

from avert.config.settings import load_settings
from avert.config.timezone import local_now, local_today
from avert.store import Store
from avert.store.audit import people_digest
from avert.web import create_app
from avert.workflows import delivery
from avert.workflows.demo import run_demo
from avert.workflows.users import User
from web.helpers import SECRET, World, csrf_of, signed_in, version_of

CHAIR = User("chair", "chair")


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, list[str], str]:
    """A demo city whose council leads three overdue actions with a person's id in
    their ids: one on that person ("P...-visit"), one on an area naming another
    stored person ("check-P..."), and one on that area with a third person's id
    run into letters ("xP...visit", its objective "aimP..."; the second's objective
    is the second person's id, whole); the ids written,
    and the second person's."""
    root: Path = tmp_path_factory.mktemp("action-ids")
    run_demo(
        out_dir=root / "demo",
        database=root / "web.db",
        seed=3,
        people=1_500,
        days=90,
        pdf=False,
    )
    url = f"sqlite:///{root / 'web.db'}"
    store = Store(url)
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    actions = delivery.read_actions(store)
    on_person = actions.filter(
        (pl.col("target_type") == "person") & (pl.col("lead_organisation") == "council")
    ).row(0, named=True)
    target = str(on_person["target_id"])
    people = store.read_frame("people", columns=["person_id"])["person_id"]
    other, glued = (str(p) for p in people.filter(people != target).sort()[:2])
    due = local_today(store.timezone) - dt.timedelta(days=3)
    base = {k: v for k, v in on_person.items() if k not in ("overdue", "overdue_days")}
    rows = [
        {
            **base,
            "action_id": f"{target}-visit",
            "status": "in_progress",
            "due": due,
            "board": "Community safety",
            "version": None,
        },
        {
            **base,
            "action_id": f"check-{other.lower()}",
            "target_type": "area",
            "target_id": "AREA-E",
            "status": "in_progress",
            "due": due,
            "board": "MARAC",
            "version": None,
        },
        {  # run into other letters: no word of its own in the id
            **base,
            "action_id": f"x{glued}visit",
            "target_type": "area",
            "target_id": "AREA-E",
            "status": "in_progress",
            "due": due,
            "board": "MARAC",
            "version": None,
        },
    ]
    objective = (
        delivery._asof.read_delivery(store, "objective")
        .filter(pl.col("objective_id") == on_person["objective_id"])
        .row(0, named=True)
    )
    delivery._save(
        store,
        "objective",
        [
            {**objective, "objective_id": f"{other}-aim", "version": None},
            {**objective, "objective_id": f"aim{glued}", "version": None},
            # a person's id, whole, as an objective's id
            {**objective, "objective_id": other, "version": None},
        ],
        user=CHAIR,
        reason="test",
    )
    rows[0]["objective_id"] = f"{other}-aim"
    rows[1]["objective_id"] = other
    rows[2]["objective_id"] = f"aim{glued}"
    delivery._save(store, "action", rows, user=CHAIR, reason="test")
    world = World(
        store,
        settings,
        create_app(settings, store),
        frozenset(people),
        root / "demo",
    )
    return world, [str(r["action_id"]) for r in rows], other


def _raw(ids: list[str], other: str) -> list[str]:
    """The person ids a partner or the board must not read (in any case)."""
    return [ids[0].removesuffix("-visit"), other, ids[2][1:].removesuffix("visit")]


def _retitle_aim(world: World, other: str, title: str) -> None:
    """Give the objective ``{other}-aim`` the title ``title`` (as the chair)."""
    aim = (
        delivery._asof.read_delivery(world.store, "objective")
        .filter(pl.col("objective_id") == f"{other}-aim")
        .row(0, named=True)
    )
    delivery._save(
        world.store, "objective", [{**aim, "title": title}], user=CHAIR, reason="test"
    )


def test_police_read_the_action_ids_as_written(
    leaky: tuple[World, list[str], str],
) -> None:
    world, ids, _ = leaky
    page = signed_in(world.app, "chair").get("/plan").text
    for action_id in ids:
        assert action_id in page


def test_partners_and_the_board_never_read_a_person_id_in_an_action_id(
    leaky: tuple[World, list[str], str],
) -> None:
    world, ids, other = leaky
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    for role in ("partner", "board"):
        client = signed_in(world.app, role)
        plan = client.get("/plan")
        assert plan.status_code == 200
        links = re.findall(r'href="(/plan/actions/[^"]+)"', plan.text)
        assert len(links) >= 3, role
        pages = {
            "plan": plan.text,
            "mine": client.get("/plan/mine").text,
            "today": client.get("/today", params={"at": later}).text,
            "api": client.get("/api/v1/briefing", params={"at": later}).text,
        }
        actions = {link: client.get(link) for link in links}  # each read once
        # each link the partner or board reads opens its action
        for link, action in actions.items():
            assert action.status_code == 200, (role, link)
        pages |= {link: action.text for link, action in actions.items()}
        for name, text in pages.items():
            for raw in _raw(ids, other):
                assert raw.lower() not in text.lower(), (role, name, raw)
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    data = repr(delivery.board_pack_data(world.store, world.settings, month=month))
    for raw in _raw(ids, other):
        assert raw.lower() not in data.lower(), raw


def test_a_partner_opens_and_saves_its_action_by_the_id_it_reads(
    leaky: tuple[World, list[str], str],
) -> None:
    world, ids, other = leaky
    partner = signed_in(world.app, "partner")
    plan = partner.get("/plan").text
    link = next(
        h
        for h in re.findall(r'href="(/plan/actions/[^"]+)"', plan)
        if h.endswith("-visit")
    )
    page = partner.get(link).text
    saved = partner.post(
        link,
        data={
            "csrf_token": csrf_of(page),
            "status": "in_progress",
            "rag": "green",
            "rag_reason": "",
            "evidence": "visited",
            "review_date": "",
            "version": version_of(page, link),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    stored = delivery.read_actions(world.store).filter(pl.col("action_id") == ids[0])
    assert stored["evidence"][0] == "visited"
    # the id as written is not what the partner reads: answered as an id that
    # names nothing (a 404 beside the 403 of any other id said it was the
    # partner's own action, and so which pseudonym the guessed person id has)
    for role in ("partner", "board"):
        client = signed_in(world.app, role)
        nothing = client.get("/plan/actions/X9-nothing")
        for action_id in ids:
            raw = client.get(f"/plan/actions/{action_id}")
            assert raw.status_code == nothing.status_code, (role, action_id)
            assert raw.text.replace(action_id, "X9-nothing") == nothing.text
            for person in _raw(ids, other):
                assert person not in raw.text


def test_the_board_pack_lists_a_completed_action_under_the_id_the_board_reads(
    leaky: tuple[World, list[str], str],
) -> None:
    """The pack picks the actions done in the month by their stored ids: the
    board reads another id of this one, and it was missing from "completed"."""
    world, ids, _ = leaky
    delivery.update_action(world.store, ids[0], {"status": "done"}, user=CHAIR)
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    data = delivery.board_pack_data(world.store, world.settings, month=month)
    done = [a["action_id"] for a in data["completed"]]
    assert any(a.endswith("-visit") for a in done), done
    assert ids[0] not in done


def test_a_person_a_partner_reads_in_an_action_id_is_counted_in_its_audit_row(
    leaky: tuple[World, list[str], str],
) -> None:
    """The action on an area whose id names a stored person ("check-P...") shows
    the partner that person's pseudonym: the view's audit row counts them (it
    counted the people the actions target only: people=0)."""
    world, _, _ = leaky
    partner = signed_in(world.app, "partner")
    plan = partner.get("/plan").text
    link = next(
        h
        for h in re.findall(r'href="(/plan/actions/[^"]+)"', plan)
        if h.startswith("/plan/actions/check-")
    )
    assert partner.get(link).status_code == 200
    row = (
        world.store.read_frame("audit")
        .filter((pl.col("user_name") == "partner") & (pl.col("action") == "view"))
        .sort("seq")
        .row(-1, named=True)
    )
    assert "people=1;" in row["detail"], (row["object"], row["detail"])


def _row_of_page(world: World, user: str, url: str) -> tuple[str, str]:
    """The people detail of the audit row ``user``'s view of ``url`` wrote, and the
    same detail made of the people the page itself shows: each stored person id
    in it for the police (a word of its own or run into letters), each person pseudonym for a partner or the
    board."""
    client = signed_in(world.app, user)
    before = world.store.read_frame("audit", columns=["seq"])["seq"].max()
    page = client.get(url)
    assert page.status_code == 200, (user, url)
    text = html.unescape(page.text)
    if user == "chair":
        # a word of its own or run into letters ("xP0000016visit"): the police
        # read it as written, and each is a person shown
        found = re.findall(r"[Pp]\d{7}", text)
        shown = {p.upper() for p in found if p.upper() in world.person_ids}
    else:
        shown = set(re.findall(r"P-[0-9A-F]{12}(?![0-9A-Fa-f])", text))
    rows = (
        world.store.read_frame("audit")
        .filter((pl.col("seq") > before) & (pl.col("action") == "view"))
        .sort("seq")
    )
    assert rows.height == 1, (user, url, rows)
    n, digest = people_digest(sorted(shown))
    audited = re.search(r"people=\d+; people_sha256=\w+", rows["detail"][0])
    assert audited, rows["detail"][0]
    return audited.group(0), f"people={n}; people_sha256={digest}"


def test_the_plan_and_an_action_page_audit_the_people_their_objectives_name(
    leaky: tuple[World, list[str], str],
) -> None:
    """The action page shows its objective's title, the plan page its objectives'
    ids and titles (the measures): the people they name were not in the page's
    audit row, nor (for the police) those an action's title or id writes, where
    Today counts them (a partner's My actions counted instead a person only its
    objective's id, which it does not show, named)."""
    world, ids, other = leaky
    people = sorted(world.person_ids)
    named = next(p for p in people if p not in {other, *_raw(ids, other)})
    _retitle_aim(world, other, f"Reduce harm around {named}")
    for user in ("chair", "partner", "board"):
        plan = signed_in(world.app, user).get("/plan").text
        visit = next(
            h
            for h in re.findall(r'href="(/plan/actions/[^"]+)"', plan)
            if h.endswith("-visit") and not h.startswith("/plan/actions/x")
        )
        for url in ("/plan", visit):
            audited, shown = _row_of_page(world, user, url)
            assert audited == shown, (user, url)


def test_an_action_page_audits_the_people_its_history_names(
    leaky: tuple[World, list[str], str],
) -> None:
    """An earlier title naming a person is on the action page's history (as its
    reader reads it): the row counted the action's fields of now alone."""
    world, ids, other = leaky
    people = sorted(world.person_ids)
    named = next(p for p in reversed(people) if p not in {other, *_raw(ids, other)})
    row = (
        delivery.read_actions(world.store)
        .filter(pl.col("action_id") == ids[1])
        .row(0, named=True)
    )
    base = {k: v for k, v in row.items() if k not in ("overdue", "overdue_days")}
    for title in (f"Check on {named}", "Check on the area"):
        version = delivery.read_actions(world.store).filter(
            pl.col("action_id") == ids[1]
        )["version"][0]
        delivery._save(
            world.store,
            "action",
            [{**base, "title": title, "version": version}],
            user=CHAIR,
            reason="test",
        )
    for user in ("chair", "partner", "board"):
        plan = signed_in(world.app, user).get("/plan").text
        link = next(
            h
            for h in re.findall(r'href="(/plan/actions/[^"]+)"', plan)
            if h.lower().startswith("/plan/actions/check-")
        )
        audited, shown = _row_of_page(world, user, link)
        assert audited == shown, (user, link)


def test_partners_and_the_board_read_no_glued_id_in_free_text(
    leaky: tuple[World, list[str], str],
) -> None:
    """A final crawl read "(xP0000016)" in a tasking's what on Today, the
    meeting and the briefing API, and "aim for xP0000002y" in an objective's
    title on the plan: free text matched ids as whole words only."""
    world, ids, other = leaky
    people = sorted(world.person_ids)
    subject, glued = [p for p in people if p not in {other, *_raw(ids, other)}][:2]
    delivery.add_tasking(
        world.store,
        f"person:{subject}",
        what=f"Visit the family (x{glued}) this week",
        organisation="council",
        user=CHAIR,
        anyway=True,
    )
    _retitle_aim(world, other, f"aim for x{glued}y")
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    for role in ("partner", "board"):
        client = signed_in(world.app, role)
        pages = {
            "today": client.get("/today", params={"at": later}).text,
            "meeting": client.get("/meeting").text,
            "api": client.get("/api/v1/briefing", params={"at": later}).text,
            "plan": client.get("/plan").text,
        }
        for name, text in pages.items():
            assert glued.lower() not in html.unescape(text).lower(), (role, name)
    chair = html.unescape(signed_in(world.app, "chair").get("/plan").text)
    assert f"aim for x{glued}y" in chair  # the police read it as typed


def _as_read(text: str) -> str:
    """``text`` as a person reads it (the oracle of
    ``tests/workflows/test_id_lookalikes.py``): NFKC, no format character,
    combining mark or space but U+0020, every decimal digit in ASCII."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category in ("Cf", "Mn", "Me") or (category == "Zs" and ch != " "):
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out)


def test_partners_and_the_board_read_no_look_alike_id_in_free_text(
    leaky: tuple[World, list[str], str],
) -> None:
    """A stored id typed with a thin space, a combining mark or a word joiner
    in it, in fullwidth or Arabic-Indic digits, or joined by a zero width
    space to more digits, in a tasking's what and an objective's title, was
    read by partners and the board on Today, the meeting, the briefing API and
    the plan (as written, or as its pseudonym and the digits)."""
    world, ids, other = leaky
    people = sorted(world.person_ids)
    subject, named = [p for p in people if p not in {other, *_raw(ids, other)}][2:4]
    forms = [
        f"{named[:4]}\u2009{named[4:]}",
        f"{named[:3]}\u0301{named[3:]}",
        f"{named[:2]}\u2060{named[2:]}",
        named[0] + "".join(chr(0xFF10 + int(d)) for d in named[1:]),
        named[0] + "".join(chr(0x0660 + int(d)) for d in named[1:]),
        f"{named}\u200b45",
    ]
    assert named[1:].isdigit(), named
    delivery.add_tasking(
        world.store,
        f"person:{subject}",
        what="Visit " + ", ".join(forms),
        organisation="council",
        user=CHAIR,
        anyway=True,
    )
    _retitle_aim(world, other, "aim for " + " ".join(forms))
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    for role in ("partner", "board"):
        client = signed_in(world.app, role)
        pages = {
            "today": client.get("/today", params={"at": later}).text,
            "meeting": client.get("/meeting").text,
            "api": client.get("/api/v1/briefing", params={"at": later}).json(),
            "plan": client.get("/plan").text,
        }
        for name, page in pages.items():
            text = html.unescape(page) if isinstance(page, str) else page_text(page)
            assert named.lower() not in _as_read(text).lower(), (role, name)
    chair = html.unescape(signed_in(world.app, "chair").get("/plan").text)
    assert forms[0] in chair  # the police read it as typed


def page_text(answer: object) -> str:
    """Every string of a JSON ``answer``, one a line (``repr`` escapes
    non-ASCII characters, which the oracle must read)."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, dict):
        return "\n".join(page_text(v) for v in answer.values())
    if isinstance(answer, list):
        return "\n".join(page_text(v) for v in answer)
    return str(answer)
