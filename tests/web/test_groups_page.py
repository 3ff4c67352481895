"""The groups page writes a group's harm days one way, in its Harm column and in
its reasons, and shows a group's reasons on a phone."""

from __future__ import annotations

import html
import re

from web.helpers import World, signed_in

#: One group's row: its Harm column and its reasons.
ROW = re.compile(
    r'<td class="harm"[^>]*>([^<]*)\u00a0days</td>\s*<td[^>]*><ul class="reasons">(.*?)</ul>',
    re.S,
)


def test_a_groups_harm_reads_as_its_harm_column(world: World) -> None:
    """Walked in a browser: a group's reason read "harm: 10488.0 crime harm days"
    beside "10,488 d" in its Harm column."""
    page = signed_in(world.app, "chair").get("/groups")
    assert page.status_code == 200
    rows = ROW.findall(page.text)
    assert rows, page.text[:2000]
    for column, reasons in rows:
        said = re.search(r"harm: ([^ ]+) crime harm days", reasons)
        assert said is not None, reasons
        assert said.group(1) == column, (column, reasons)
    assert any("," in column for column, _ in rows)  # thousands are separated


def test_a_groups_continuum_reason_names_its_measures_in_words(world: World) -> None:
    """Walked in a browser: a group's continuum reason read "continuum street_gang
    by rule: longevity_days 686.92 >= 90; n_violent_incidents 29 >= 5"."""
    page = signed_in(world.app, "chair").get("/groups")
    assert page.status_code == 200
    reasons = re.findall(r"<li>(continuum [^<]*)</li>", page.text)
    assert reasons, page.text[:2000]
    for reason in reasons:
        assert "_" not in reason, reason
    assert any("days active" in r for r in reasons), reasons


def test_a_groups_days_active_are_whole_days_against_the_rule_in_words(
    world: World,
) -> None:
    """Walked in a browser: a reason read "days active 686.92 >= 90", fractional
    days and a comparison sign where a reader wants whole days and the rule."""
    page = signed_in(world.app, "chair").get("/groups")
    assert page.status_code == 200
    reasons = re.findall(r"<li>(continuum [^<]*)</li>", page.text)
    active = [r for r in reasons if "days active" in r]
    assert active, reasons
    for reason in reasons:
        assert ">=" not in html.unescape(reason), reason
    for reason in active:
        assert re.search(r"days active \d+ \(rule: at least \d+\)", reason), reason


def test_a_groups_shares_of_incidents_read_in_per_cent(world: World) -> None:
    """Walked in a browser: a reason read "share of incidents violent 0.84 (rule:
    at least 0.5)", a fraction no reader is told is one; shares are per cent, as
    the threat line beside them says them."""
    page = signed_in(world.app, "chair").get("/groups")
    reasons = re.findall(r"<li>(continuum [^<]*)</li>", page.text)
    shares = re.findall(r"share of incidents [^;]*", "; ".join(reasons))
    assert shares, reasons
    for said in shares:
        assert re.fullmatch(
            r"share of incidents [a-z -]+ \d+ % \(rule: at least \d+ %\)", said
        ), said


def test_a_groups_cells_stack_on_a_phone_each_under_its_column_name(
    world: World,
) -> None:
    """Walked in chromium at 390x844 (partner and chair): the list scrolled
    sideways in its box, a group's reasons (its Why) off the screen and each row
    about 480 px tall, blank under the group's size. The list stacks its cells on
    a phone (``table.stack``, as the MARAC list), each named by its column."""
    page = signed_in(world.app, "partner").get("/groups")
    assert page.status_code == 200
    table = re.search(r'<table id="group-list"([^>]*)>(.*?)</table>', page.text, re.S)
    assert table is not None, page.text[:2000]
    assert 'class="stack"' in table.group(1), table.group(1)
    cells = re.findall(r"<td([^>]*)>", table.group(2))
    assert cells
    labels = [re.search(r'data-label="([^"]+)"', c) for c in cells]
    assert all(labels), [c for c, f in zip(cells, labels, strict=True) if not f]
    names = {f.group(1) for f in labels if f}
    assert names == {"Group", "Continuum", "Band", "Size", "Harm", "Why"}, names


def test_a_partners_groups_page_audits_the_groups_and_no_member(world: World) -> None:
    """A partner's groups page shows sizes, never who (no member listed): its audit
    row counts the groups and no person; it counted every member before. The
    police page lists no member either: its row counts the people the groups'
    ids name (net- and a member's id), not every member of every group (85 on
    the demo, 9 shown)."""
    from avert.store import audit

    def last_groups_row() -> str:
        rows = audit.read(world.store)
        rows = rows.filter(rows["object"] == "analysis:groups")
        return str(rows["detail"][-1])

    page = signed_in(world.app, "partner").get("/groups")
    assert page.status_code == 200
    assert last_groups_row().startswith("people=0;")
    assert "groups=" in last_groups_row()
    police = signed_in(world.app, "chair").get("/groups")
    assert police.status_code == 200
    named = sorted(set(re.findall(r"net-(P\d{7})\b", police.text)))
    assert named, "the check needs a detected group"
    assert set(re.findall(r"\bP\d{7}\b", police.text)) == set(named)
    n, digest = audit.people_digest(named)
    assert last_groups_row().startswith(f"people={n}; people_sha256={digest};")


#: Where and since when a group offends, after its words (none when unknown).
PLACE = (
    r"(, (in|mostly in|most often in) [^,]+( \(of \d+ areas\))?)?"
    r"(, active since [A-Z][a-z]{2} \d{4}( or earlier)?)?"
)

#: A group's cell: its words, then its id in brackets.
GROUP_CELL = re.compile(
    r'<td data-label="Group"><span class="group-words">([^<]*)</span> '
    r'<small>\(<span class="rec">([^<]*)</span>\)</small>'
)


def test_a_group_is_said_in_words_beside_its_id(world: World) -> None:
    """Walked in a browser on the demo: the Groups page named a group by its id
    alone ("net-P0014505", "same group as G003"); it says what the group is (a
    declared group with its name: "Moor Mandem, declared group of 8 people"), as
    the briefing's Rivals column does, and keeps the id beside it."""
    page = signed_in(world.app, "chair").get("/groups")
    cells = GROUP_CELL.findall(page.text)
    assert cells, page.text[:3000]
    detected = [(w, gid) for w, gid in cells if gid.startswith("net-")]
    assert detected, cells
    for words, _gid in detected:
        # no member named beside it (as the Rivals column: a person shown there
        # would be in no audit row but the one of the id beside it)
        assert re.fullmatch(
            r"network of \d+ people found by co-offending" + PLACE, words
        ), words
    for words, gid in cells:
        assert gid not in words, (words, gid)
    # a declared group by its name (police), as the Rivals column says it
    declared = [w for w, gid in cells if not gid.startswith("net-")]
    assert declared, cells
    for words in declared:
        assert re.fullmatch(
            r"[^,]+, declared group of \d+ (people|person)" + PLACE, words
        ), words
    same = re.findall(r'<small class="same-as">same group as ([^<]*)<', page.text)
    assert same, "needs a declared group and its detected view"
    assert all(
        re.match(r"([^,(]+, )?(network|declared group) of \d+ ", s) for s in same
    ), same


def test_a_partners_groups_are_said_naming_no_member(world: World) -> None:
    """A partner's groups are under pseudonyms: the words say a detected network
    is one and its size, never the member its police id is made of."""
    page = signed_in(world.app, "partner").get("/groups")
    cells = GROUP_CELL.findall(page.text)
    assert cells, page.text[:3000]
    for words, gid in cells:
        assert not gid.startswith("net-"), gid
        assert "including" not in words, words
        assert re.fullmatch(
            r"(network of \d+ people found by co-offending|declared group of \d+ "
            r"(people|person))" + PLACE,
            words,
        ), words
    assert "including" not in page.text.split('id="group-list"')[1].split("</table>")[0]


def test_a_network_is_said_with_where_and_since_when_it_offends(world: World) -> None:
    """Left from the walk: a detected network read "network of 7 people found by
    co-offending (net-P...)": a meeting names one by where it is and how long it
    has been at it. Each group with incidents in the window says its main area
    and the month of its first incident, the id kept after, small; so do a
    partner's, under pseudonyms. The demo city is one borough and one ward, so
    "in Synthetic City" told one group from none: they are placed by LSOA."""
    for who in ("chair", "partner"):
        page = signed_in(world.app, who).get("/groups")
        cells = GROUP_CELL.findall(page.text)
        assert cells, page.text[:3000]
        placed = [
            w
            for w, _ in cells
            if re.search(
                r", (mostly |most often )?in [^,]+, active since \w{3} \d{4}", w
            )
        ]
        assert len(placed) == len(cells), (who, cells)
        # the demo city is one borough and one ward: its groups are placed by LSOA
        lsoas = set(world.store.read_frame("incidents", columns=["lsoa"])["lsoa"])
        for words in placed:
            area = re.search(r"in LSOA ([^,(]+?)( \(of \d+ areas\))?,", words)
            assert area, words
            assert area.group(1) in lsoas, (words, sorted(lsoas))
