"""The briefing PDF laid out by WeasyPrint (A4), checked box by box: no word of a
table cell runs into the next cell, and no column header wraps onto more than
three lines.

Looking at the PDFs (``pdftoppm -r 70``) found the Harm column's "1,460 days"
printed across the Flags column (its 8 % column was narrower than the figure, kept
on one line), the repeat victims' "1,460 days" across their score, and the places'
"Score (times the average cell's risk)" header on 4 lines of a 10 % column (5 for a
police.uk month's "weighted incidents per km²").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import avert
from avert.briefing import daily_briefing
from avert.report import render_briefing_html
from briefing.factory import make_frames

TEMPLATES = Path(avert.__file__).parent / "report" / "templates"
AT = dt.datetime(2025, 3, 10, 8)
#: a header cell of more lines than this squeezes its column's name
MAX_HEADER_LINES = 3


def _boxes(box: Any) -> Iterator[Any]:
    """``box`` and every box inside it (WeasyPrint's layout tree)."""
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _text(box: Any) -> str:
    return " ".join(b.text for b in _boxes(box) if hasattr(b, "text"))


def print_faults(html: str) -> list[tuple[int, str, str, float]]:
    """(page, fault, text, amount) of every table cell of ``html`` as printed:
    "overflow" where a word or badge runs past the cell's own box into the next
    cell (by ``amount`` px), "header lines" where a header cell wraps onto more
    than :data:`MAX_HEADER_LINES` lines (``amount`` of them)."""
    import weasyprint

    faults = []
    for number, page in enumerate(weasyprint.HTML(string=html).render().pages, 1):
        for cell in _boxes(page._page_box):
            tag = getattr(cell, "element_tag", None)
            if tag not in ("th", "td") or type(cell).__name__ != "TableCellBox":
                continue
            right = cell.content_box_x() + cell.width + cell.padding_right
            for box in _boxes(cell):
                if type(box).__name__ in ("TextBox", "InlineBlockBox"):
                    past = box.position_x + box.margin_width() - right
                    if past > 0.5:
                        faults.append((number, "overflow", _text(box), past))
            lines = {
                round(b.position_y)
                for b in _boxes(cell)
                if type(b).__name__ == "LineBox"
            }
            if tag == "th" and len(lines) > MAX_HEADER_LINES:
                faults.append((number, "header lines", _text(cell), len(lines)))
    return faults


@pytest.fixture(scope="module")
def briefing_data() -> tuple[Any, dict[str, Any]]:
    f = make_frames(1500, at=AT, seed=5)
    tables = {
        k: f[k]
        for k in ("people", "identities", "groups", "group_members", "asb", "actions")
    }
    b = daily_briefing(f["incidents"], f["involvements"], at=AT, tables=tables)
    return b, b.to_json()


def test_the_briefings_tables_keep_their_text_in_their_cells(
    briefing_data: tuple[Any, dict[str, Any]],
) -> None:
    pytest.importorskip("weasyprint")
    b, data = briefing_data
    assert data["places"], "the sections checked are shown"
    assert data["repeat_victims"]
    # the widest figures: one incident's harm at most a homicide's 5,475 days
    # (harm.toml); a victim's harm of the day a sum of some
    incidents = [dict(it, harm_days=5475.0) for it in data["incidents"]]
    victims = [dict(v, harm_today=10950.0) for v in data["repeat_victims"]]
    html = render_briefing_html(
        b, data=dict(data, incidents=incidents, repeat_victims=victims)
    )
    assert "5,475\u00a0days" in html
    assert "10,950\u00a0days" in html
    assert print_faults(html) == []


def test_a_month_of_open_datas_places_score_header_fits(
    briefing_data: tuple[Any, dict[str, Any]],
) -> None:
    """The longest score unit, a police.uk month's hotspot map's, in the header."""
    pytest.importorskip("weasyprint")
    b, data = briefing_data
    summary = dict(data["places_summary"], score_unit="weighted incidents per km²")
    html = render_briefing_html(b, data=dict(data, places_summary=summary))
    assert "weighted incidents per km²" in html
    html = html[: html.index("<body")] + html[html.index('<section id="places">') :]
    headers = [f for f in print_faults(html) if f[1] == "header lines"]
    assert headers == []


def test_month_precision_incidents_leave_out_their_empty_columns() -> None:
    """A briefing of data.police.uk (class ``no-people``: no flags, no people)
    prints its incidents in 4 columns, the reasons over half the page's width: in
    6, a West Yorkshire month printed 3 incidents a page, a third of each blank."""
    weasyprint = pytest.importorskip("weasyprint")
    style = (TEMPLATES / "_style.html").read_text()
    sections = (TEMPLATES / "_briefing_sections.html").read_text()
    table = re.search(r'<table class="cols stack[^"]*">\s*<thead>.*?</thead>', sections)
    assert table is not None
    assert "no_people" in table.group(0)
    head = re.sub(r"\{%.*?%\}", "", table.group(0)).replace(
        'class="cols stack', 'class="cols stack no-people'
    )
    row = "<tr>" + "".join(
        f"<td>{t}</td>"
        for t in ("1", "police.uk: robbery", "365 days", "", "", "why " * 40)
    )
    html = (
        f"<html><head>{style}</head><body>{head}<tbody>{row}</tr></tbody></table>"
        "</body></html>"
    )
    page = weasyprint.HTML(string=html).render().pages[0]._page_box
    tables = [b for b in _boxes(page) if type(b).__name__ == "TableBox"]
    cells = [b for b in _boxes(page) if type(b).__name__ == "TableCellBox"]
    assert [_text(c) for c in cells[:4]] == ["#", "Incident", "Harm", "Why it is here"]
    assert len(cells) == 8
    assert cells[-1].width > 0.5 * tables[0].width
