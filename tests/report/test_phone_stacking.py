"""The briefing's tables on a phone: each row's cells one under another, each after
its column's name (``data-label``), by the one ``table.stack`` rule of
``_style.html``; the PDF keeps its columns.

At 390 px the tables kept their columns in a row scrolled sideways in its own
box, the Why column 66-201 px past the screen's edge (the web Today page, the
high-risk DASH assessments and repeat victims among them).
tests/web/test_browser.py checks the pages in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import avert

TEMPLATES = Path(avert.__file__).parent / "report" / "templates"
BRIEFING = ["_briefing_sections.html", "_briefing_taskings.html"]
_TABLE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)


def _tables(name: str) -> list[tuple[str, str]]:
    """The opening tag's attributes and the body of each table in template ``name``."""
    return _TABLE.findall((TEMPLATES / name).read_text())


@pytest.mark.parametrize("name", BRIEFING)
def test_every_briefing_table_stacks_and_every_cell_names_its_column(
    name: str,
) -> None:
    tables = _tables(name)
    assert tables, name
    for attrs, body in tables:
        assert re.search(r'class="[^"]*\bstack\b', attrs), (name, attrs)
        heads = re.findall(r"<th\b[^>]*>(.*?)</th>", body)
        cells = re.findall(r"<td\b([^>]*)>", body)
        assert cells, (name, attrs)
        for cell in cells:
            label = re.search(r'data-label="([^"]+)"', cell)
            assert label, (name, heads, cell)


WEB_TEMPLATES = Path(avert.__file__).parent / "web" / "templates"
#: cells of a stacked table shown with no column name: the meeting's first cell
#: names itself ("OVERDUE T20261101-6440ee")
_UNLABELLED = {("meeting.html", 0)}


def _text(html: str) -> str:
    """A header cell's words: its tags and its ``<small>`` note left out."""
    html = re.sub(r"<small\b.*?</small>", "", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def _stacked_tables() -> list[tuple[str, list[str], list[str | None]]]:
    """Each ``table.stack`` with a header row in the report's and the web app's
    templates: its template's name, its header cells' words and, column by column,
    the ``data-label`` of the row's cells (None: a ``td`` with none; a row header
    ``th`` is skipped; a ``colspan`` cell, an empty list's message, is left out)."""
    found = []
    for path in sorted([*TEMPLATES.glob("*.html"), *WEB_TEMPLATES.glob("*.html")]):
        for attrs, body in _TABLE.findall(path.read_text()):
            head = re.search(r"<thead>(.*?)</thead>", body, re.S)
            if not re.search(r'class="[^"]*\bstack\b', attrs) or head is None:
                continue
            heads = [_text(h) for h in re.findall(r"<th\b[^>]*>(.*?)</th>", head[1])]
            labels: list[str | None] = []
            for tag, cell in re.findall(r"<(td|th)\b([^>]*)>", body[head.end() :]):
                label = re.search(r'data-label="([^"]*)"', cell)
                if "colspan" not in cell:
                    labels.append(label[1] if label else None if tag == "td" else "")
            found.append((path.name, heads, labels))
    return found


def test_every_stacked_cell_is_named_by_its_own_column() -> None:
    """A stacked row shows each cell after its ``data-label``: the label must be
    its column's header ("#" reads "Rank"), in the header's order. A label
    shifted by one column would put "Score parts:" before a score, or drop the
    MARAC count's window ("Domestic incidents: 8", the header's "(365 d)")."""
    tables = _stacked_tables()
    assert len(tables) >= 20, tables
    for name, heads, labels in tables:
        assert len(labels) == len(heads), (name, heads, labels)
        for column, (head, label) in enumerate(zip(heads, labels, strict=True)):
            if label == "" or (label is None and (name, column) in _UNLABELLED):
                continue  # a row header (the strand's name), or a named exception
            assert label == ("Rank" if head == "#" else head), (name, column, heads)


def test_the_stacking_rule_is_for_screens_only() -> None:
    """One ``table.stack`` rule (the web app's avert.css had its own twin), inside
    a ``screen`` media block: print and the PDF keep the table's columns."""
    style = (TEMPLATES / "_style.html").read_text()
    blocks = re.findall(r"@media ([^{]*)\{((?:[^{}]|\{[^{}]*\})*)\}", style)
    stacking = [media for media, body in blocks if "table.stack" in body]
    assert stacking == ["screen and (max-width: 760px) "], stacking
    css = (Path(avert.__file__).parent / "web" / "static" / "avert.css").read_text()
    assert "table.stack td[data-label]::before" not in css


def _boxes(box: Any) -> Iterator[Any]:
    """``box`` and every box inside it (WeasyPrint's layout tree)."""
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def test_a_stacked_table_prints_as_a_table() -> None:
    """WeasyPrint (print media) lays a ``cols stack`` table out in its columns,
    with no column name before a cell (WeasyPrint skips a media query with a
    width in it; the rule's ``screen`` is checked above)."""
    weasyprint = pytest.importorskip("weasyprint")
    style = (TEMPLATES / "_style.html").read_text()
    html = (
        f"<html><head>{style}</head><body><main><table class='cols stack'><thead><tr>"
        "<th class='w4'>#</th><th class='w96'>Why</th></tr></thead><tbody><tr>"
        "<td data-label='Rank' class='rank'>1</td><td data-label='Why'>a reason</td>"
        "</tr></tbody></table></main></body></html>"
    )
    page = weasyprint.HTML(string=html).render().pages[0]._page_box
    cells = [b for b in _boxes(page) if type(b).__name__ == "TableCellBox"]
    assert len(cells) == 4  # two header cells and a row's two
    assert cells[2].position_y == cells[3].position_y  # side by side
    texts = "".join(b.text for b in _boxes(page) if hasattr(b, "text"))
    assert "Why:" not in texts
    assert "Rank:" not in texts


def test_the_performance_verdicts_stack() -> None:
    """The Performance page's verdicts (and the board pack's HTML file): at 390 px
    in a row, their last columns (below expected, the rate per 1,000, the
    control-chart signals) were 291 px off the screen on a 730-day city."""
    tables = _tables("_board_performance.html")
    verdicts = [attrs for attrs, _ in tables if "verdicts" in attrs]
    assert verdicts, tables
    assert all(re.search(r'class="[^"]*\bstack\b', a) for a in verdicts), verdicts


def test_the_board_packs_overdue_actions_stack() -> None:
    """The board pack's overdue actions (the HTML file on a phone): in a row,
    their lead, due date, days over and RAG scrolled sideways off the screen."""
    tables = _tables("board_pack.html")
    overdue = [a for a, body in tables if "Days over" in body]
    assert overdue, tables
    assert all(re.search(r'class="[^"]*\bstack\b', a) for a in overdue), overdue


def test_the_strands_counts_rule_is_in_the_shared_style() -> None:
    """The plan's strands by status put a strand's counts side by side on a phone
    by a rule in ``_style.html`` (the board pack's HTML file has no avert.css),
    for screens only: the rule of every table of figures (class figures)."""
    style = (TEMPLATES / "_style.html").read_text()
    blocks = re.findall(r"@media ([^{]*)\{((?:[^{}]|\{[^{}]*\})*)\}", style)
    media = [m for m, body in blocks if "table.figures.stack td" in body]
    assert media == ["screen and (max-width: 760px) "], media
    (attrs, _), *_ = _tables("_plan_grid.html")
    assert re.search(r'class="[^"]*\bplan-grid stack figures\b', attrs), attrs
    css = (Path(avert.__file__).parent / "web" / "static" / "avert.css").read_text()
    assert "plan-grid" not in css
