"""The briefing's tables print in fixed layout (WeasyPrint's automatic layout measured
every cell's text: 13 of 19 s of a briefing PDF), so each such table's header cells
must give their widths (``w<N>`` classes, N % of the table) summing to 100 %, and
every width used must have its print rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import avert

TEMPLATES = Path(avert.__file__).parent / "report" / "templates"
_TABLE = re.compile(r'<table class="[^"]*\bcols\b[^"]*">\s*<thead><tr>(.*?)</tr>', re.S)


def _boxes(box: Any) -> Iterator[Any]:
    """``box`` and every box inside it (WeasyPrint's layout tree)."""
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def test_fixed_layout_tables_give_widths_summing_to_100() -> None:
    style = (TEMPLATES / "_style.html").read_text()
    assert "table.cols { table-layout: fixed; }" in style
    heads = [
        (path.name, head)
        for path in [*TEMPLATES.glob("_briefing_*.html"), TEMPLATES / "board_pack.html"]
        for head in _TABLE.findall(path.read_text())
    ]
    assert len(heads) >= 14
    for name, head in heads:
        cells = re.findall(r"<th([^>]*)>", head)
        widths = [re.search(r'class="w(\d+)"', attrs) for attrs in cells]
        assert all(widths), (name, head)
        assert sum(int(w.group(1)) for w in widths if w) == 100, (name, head)
        for w in widths:
            assert w is not None
            assert f"th.w{w.group(1)} {{ width: {w.group(1)}%; }}" in style, w.group(0)


def test_long_pseudonyms_wrap_inside_their_fixed_width_cell() -> None:
    """A fixed column does not grow for a long unbroken token (a group pseudonym
    such as ``G-5713BB4B4088`` in the 14 % Rivals column): unless the cell may
    break it anywhere, WeasyPrint prints it across the next column's text."""
    weasyprint = pytest.importorskip("weasyprint")
    style = (TEMPLATES / "_style.html").read_text()
    html = (
        f"<html><head>{style}</head><body><table class='cols'><thead><tr>"
        "<th class='w4'>#</th><th class='w14'>Rivals</th><th class='w82'>Next</th>"
        "</tr></thead><tbody><tr><td>1</td>"
        "<td>G-5713BB4B4088DEADBEEF, G-94EA3DF0A7B0123456</td><td>targets</td>"
        "</tr></tbody></table></body></html>"
    )
    page = weasyprint.HTML(string=html).render().pages[0]._page_box
    cells = [b for b in _boxes(page) if type(b).__name__ == "TableCellBox"]
    rivals = cells[4]  # the body row's second cell
    texts = [b for b in _boxes(rivals) if type(b).__name__ == "TextBox"]
    assert len(texts) >= 3  # broken over lines
    right_edge = rivals.content_box_x() + rivals.width
    assert all(t.position_x + t.width <= right_edge + 0.5 for t in texts)


def test_two_digit_ranks_stay_on_one_line() -> None:
    """The 4 % rank column of an A4 page holds a bold two-digit rank on one line.

    With ``overflow-wrap: anywhere`` on every fixed cell, ranks 10 to 40 of the
    incident list printed as "1" over "0" (a London month's briefing, pages 2-5).
    """
    weasyprint = pytest.importorskip("weasyprint")
    style = (TEMPLATES / "_style.html").read_text()
    rows = "".join(
        f"<tr><td class='rank'>{r}</td><td>personal robbery</td></tr>"
        for r in (10, 38, 40)
    )
    html = (
        f"<html><head>{style}</head><body><table class='cols'><thead><tr>"
        "<th class='w4'>#</th><th class='w96'>Incident</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
    page = weasyprint.HTML(string=html).render().pages[0]._page_box
    cells = [b for b in _boxes(page) if type(b).__name__ == "TableCellBox"]
    ranks = cells[2::2]  # the body rows' first cells
    assert len(ranks) == 3
    for cell in ranks:
        lines = [b for b in _boxes(cell) if type(b).__name__ == "LineBox"]
        assert len(lines) == 1, [b.text for b in _boxes(cell) if hasattr(b, "text")]
        texts = [b for b in _boxes(cell) if type(b).__name__ == "TextBox"]
        right_edge = (
            cell.position_x + cell.width + cell.padding_left + cell.padding_right
        )
        assert all(t.position_x + t.width <= right_edge + 0.5 for t in texts)


def test_action_strand_and_due_date_stay_whole() -> None:
    """The briefing's open actions print each strand name and due date on one line.

    At 12 % and 10 % the fixed columns broke them mid-word: "intelligenc" over "e",
    "enforceme" over "nt", "2026-10-" over "10" (the demo briefing's PDF).
    """
    weasyprint = pytest.importorskip("weasyprint")
    style = (TEMPLATES / "_style.html").read_text()
    sections = (TEMPLATES / "_briefing_sections.html").read_text()
    head = _TABLE.search(sections, sections.index("Open actions due"))
    assert head is not None
    row = "".join(
        f"<td>{text}</td>"
        for text in (
            "1",
            "Share A&amp;E assault data (location, time, weapon)",
            "intelligence",
            "nhs / A&amp;E consultant lead",
            "2026-10-10",
            "open action due 2026-10-10, 45 days overdue",
        )
    )
    rows = row + "</tr><tr>" + row.replace("intelligence", "enforcement")
    html = (
        f"<html><head>{style}</head><body><table class='cols'><thead><tr>"
        f"{head.group(1)}</tr></thead><tbody><tr>{rows}</tr></tbody></table>"
        "</body></html>"
    )
    page = weasyprint.HTML(string=html).render().pages[0]._page_box
    cells = [b for b in _boxes(page) if type(b).__name__ == "TableCellBox"]
    body = cells[6:]
    for cell in (body[2], body[4], body[8]):
        lines = [b for b in _boxes(cell) if type(b).__name__ == "LineBox"]
        assert len(lines) == 1, [b.text for b in _boxes(cell) if hasattr(b, "text")]


def test_a_pseudonym_is_not_broken_after_its_prefix() -> None:
    """A partner PDF printed "victim P-" over "BA6CBD9863B9" in the People column
    (18 %): the hyphen let the line break inside the pseudonym, which then read as
    two tokens. A short record id moves whole to the next line; a long one (a
    police.uk crime id) still wraps inside its column."""
    weasyprint = pytest.importorskip("weasyprint")
    from avert.report.render import environment

    style = (TEMPLATES / "_style.html").read_text()
    long_id = "pur-000d6424edd6d3855ced4fb7e9e32625000d6424edd6d3855ced"
    env = environment()
    cell = env.from_string(
        '{% import "_macros.html" as m %}'
        "suspect {{ m.rec('person', 'P-1311DE2A9F8F') }}<br>"
        "victim {{ m.rec('person', 'P-BA6CBD9863B9') }}<br>"
        "{{ m.rec('incident', long) }}"
    ).render(long=long_id)
    html = (
        f"<html><head>{style}</head><body><table class='cols'><thead><tr>"
        "<th class='w4'>#</th><th class='w18'>People</th><th class='w78'>Why</th>"
        f"</tr></thead><tbody><tr><td>1</td><td>{cell}</td><td>why</td></tr>"
        "</tbody></table></body></html>"
    )
    page = weasyprint.HTML(string=html).render().pages[0]._page_box
    cells = [b for b in _boxes(page) if type(b).__name__ == "TableCellBox"]
    people = cells[4]
    texts = [b.text for b in _boxes(people) if type(b).__name__ == "TextBox"]
    assert "P-BA6CBD9863B9" in texts, texts
    assert "P-1311DE2A9F8F" in texts, texts
    # the long id is not kept whole: it wraps over lines inside the column
    assert sum(t in long_id for t in texts) >= 3, texts


def test_a_row_with_a_cell_over_a_page_long_may_break() -> None:
    """An objective whose title could fill a page is marked ``tall`` (it breaks
    across pages under its table's header, docs/delivery.md); a short one is kept
    whole on a page."""
    from avert.report.render import TALL_ROW_CHARS, environment

    style = (TEMPLATES / "_style.html").read_text()
    assert "tr.tall { page-break-inside: auto; break-inside: auto; }" in style

    def row(title: str) -> dict[str, object]:
        return dict.fromkeys(
            (
                "indicator",
                "window_from",
                "window_to",
                "baseline",
                "baseline_source",
                "target",
                "current",
                "path",
                "reason",
                "verdict",
            ),
            None,
        ) | {
            "objective_id": "P1",
            "title": title,
            "strand": "prevention",
            "series": "violence",
            "status": "on_track",
        }

    html = (
        environment()
        .get_template("_objective_measures.html")
        .render(measures=[row("short"), row("w " * TALL_ROW_CHARS)])
    )
    # the title is a row of its own, above the row of its figures
    assert html.count('<tr class="objective">') == 1
    assert html.count('<tr class="objective tall">') == 1
    assert html.count('<tr class="m-on_track">') == 2


def test_a_path_printed_as_the_current_value_keeps_its_difference() -> None:
    """An objective's count of 355 against a path now of 354.6 printed "355" and
    "355" beside "off track": the path keeps the decimal that tells them apart
    (a share too: 0.705 against 0.7049); otherwise as before."""
    from avert.report.render import environment

    def row(current: float, path: float, status: str) -> dict[str, object]:
        return dict.fromkeys(
            ("indicator", "window_from", "window_to", "baseline_source", "reason"),
            None,
        ) | {
            "objective_id": "P1",
            "title": "t",
            "strand": "prevention",
            "series": "violence",
            "baseline": 396,
            "target": 317,
            "verdict": None,
            "current": current,
            "path": path,
            "status": status,
        }

    def cells(current: float, path: float, status: str) -> str:
        html = (
            environment()
            .get_template("_objective_measures.html")
            .render(measures=[row(current, path, status)])
        )
        html = re.sub(r' data-label="[^"]*"', "", html)  # a phone's column names
        return " ".join(html[html.index("<b>P1</b>") :].split())

    assert '<td class="v"><b>355</b></td> <td class="v">354.6</td>' in cells(
        355, 354.6, "off_track"
    )
    assert '<td class="v"><b>399</b></td> <td class="v">355</td>' in cells(
        399, 354.6, "off_track"
    )
    assert '<td class="v">0.7049</td>' in cells(0.705, 0.7049, "off_track")
    assert '<td class="v"><b>0.87</b></td> <td class="v">0.71</td>' in cells(
        0.87, 0.709, "on_track"
    )
    assert '<td class="v">355</td>' in cells(355, 355.0, "on_track")
    # the current value, when not whole, takes the path's decimals: a harm of
    # 12,345.75 printed "12,346" beside a path of "12,345.9" and "on track", and a
    # share of 0.705 "0.70" beside "0.7049" and "off track"
    assert '<b>12,345.8</b></td> <td class="v">12,345.9</td>' in cells(
        12345.75, 12345.9, "on_track"
    )
    assert '<b>0.7050</b></td> <td class="v">0.7049</td>' in cells(
        0.705, 0.7049, "off_track"
    )
    assert "<b>0.87</b></td>" in cells(0.87, 0.709, "on_track")
