"""The board pack's objectives table laid out as WeasyPrint prints it (A4)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _overflows(html: str) -> list[tuple[str, float]]:
    """(text, points) of each word of the objectives table that runs past the right
    edge of its cell's content box, on any page."""
    import weasyprint

    doc = weasyprint.HTML(string=html).render()
    out = []
    for page in doc.pages:
        for table in _boxes(page._page_box):
            if getattr(table, "element_tag", None) != "table" or (
                table.element.get("id") != "measures"
            ):
                continue
            for cell in _boxes(table):
                if getattr(cell, "element_tag", None) not in ("th", "td"):
                    continue
                right = cell.content_box_x() + cell.width
                for box in _boxes(cell):
                    end = box.position_x + box.margin_width()
                    if type(box).__name__ in ("TextBox", "InlineBlockBox") and (
                        end > right + 0.5
                    ):
                        out.append((getattr(box, "text", "[badge]"), end - right))
    return out


def test_objectives_headers_and_statuses_stay_in_their_columns(
    tmp_path: Path,
) -> None:
    """'Baseline', 'Path now', 'Performance verdict' and the status labels
    ('insufficient data', 'not measured') each fit their own column."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    Store(url).upgrade()
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)}
    for args in (
        ["plan", "import", str(EXAMPLE)],
        ["board", "pack", "--month", "2010-10", "--out", str(tmp_path), "--no-pdf"],
    ):
        result = CliRunner().invoke(app, ["--db", url, *args], env=env)
        assert result.exit_code == 0, result.output
    html = (tmp_path / "board-pack-2010-10.html").read_text(encoding="utf-8")
    assert "not measured" in html
    assert _overflows(html) == []


#: An unbroken token longer than any column (a pasted link, a Welsh place name)
_LONG = "https://example.gov.uk/vrp/reports/" + "x" * 150 + "/annex.pdf"
_WELSH = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch" * 3


def _hard_plan(due: dt.date, status: str) -> str:
    """A plan file whose text has tokens wider than the page: title, lead, RAG
    reason and evidence (quoted YAML)."""
    return f"""plan:
  id: long-words
  title: "Plan {_WELSH}"
  board: Bwrdd Lleihau Trais
  period: {{start: 2026-01-01, end: 2030-12-31}}
actions:
  - id: A01
    strand: enforcement
    title: "Łódź {_LONG} {_WELSH}"
    lead: "Cyngor {_WELSH}"
    owner: "Dr Łucja {_WELSH}"
    due: {due}
    status: open
    rag: {{rating: amber, reason: "{_LONG}"}}
  - id: A02
    strand: intelligence
    title: "Closed {_LONG}"
    lead: "{_WELSH}"
    due: {due}
    status: {status}
    evidence: "{_LONG} {_WELSH}"
"""


def _past_right_edge(doc: Any) -> list[tuple[int, str, float]]:
    """(page, text, points) of each box that ends past the right edge of its page's
    content area."""
    out = []
    for number, page in enumerate(doc.pages, start=1):
        box = page._page_box
        right = box.content_box_x() + box.width
        content = [c for c in box.children if type(c).__name__ != "MarginBox"]
        for b in (inner for c in content for inner in _boxes(c)):
            end = b.position_x + b.margin_width()
            if end > right + 0.5:
                out.append((number, getattr(b, "text", type(b).__name__), end - right))
    return out


def test_long_unbroken_text_stays_on_the_page(tmp_path: Path) -> None:
    """A plan whose titles, leads, RAG reasons and evidence hold tokens wider than a
    column (a pasted link, a long Welsh place name) prints inside the page.

    The overdue, completed and lead-partner tables were laid out automatically: the
    token widened the Action column to the page and pushed strand, lead, due date,
    days over and RAG off its right edge, unseen (a 72-action plan: every one of its
    overdue rows); the plan's title in the header ran off it too. Every page after
    the first names the pack at its top; strand names and due dates stay whole.
    """
    import weasyprint

    from avert.config.timezone import local_today

    today = local_today("Europe/London")
    month = f"{today:%Y-%m}"
    due = today - dt.timedelta(days=40)
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    Store(url).upgrade()
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)}
    plan = tmp_path / "plan.yaml"
    out = tmp_path / "pack"
    for status in ("in_progress", "done"):  # done in this month: "completed"
        plan.write_text(_hard_plan(due, status), encoding="utf-8")
        result = CliRunner().invoke(
            app, ["--db", url, "plan", "import", str(plan)], env=env
        )
        assert result.exit_code == 0, result.output
    args = ["board", "pack", "--month", month, "--out", str(out), "--no-pdf"]
    result = CliRunner().invoke(app, ["--db", url, *args], env=env)
    assert result.exit_code == 0, result.output
    html = (out / f"board-pack-{month}.html").read_text(encoding="utf-8")
    assert "Completed this month, with evidence <small>1</small>" in html
    doc = weasyprint.HTML(string=html).render()
    assert _past_right_edge(doc) == []
    texts = {
        b.text
        for page in doc.pages
        for b in _boxes(page._page_box)
        if hasattr(b, "text")
    }
    assert {"enforcement", "intelligence", f"{due}"} <= texts
    heads = [
        b.text
        for page in doc.pages
        for m in page._page_box.children
        if getattr(m, "at_keyword", "") == "@top-left"
        for b in _boxes(m)
        if hasattr(b, "text")
    ]
    assert len(doc.pages) >= 2
    assert heads == [f"Board pack {month}"] * (len(doc.pages) - 1)
    # the page numbers in the text's font (a margin box inherits none: a serif)
    fonts = {
        m.style["font_family"][0]
        for page in doc.pages
        for m in page._page_box.children
        if getattr(m, "at_keyword", "") in ("@top-left", "@bottom-right")
    }
    assert fonts == {"DejaVu Sans"}


def test_a_row_taller_than_a_page_keeps_its_table_header(tmp_path: Path) -> None:
    """An overdue action whose title runs to pages prints under its table's header
    on every page, right after the section's heading.

    Each row is kept whole on a page, and WeasyPrint (70) printed a row taller
    than a page after a page holding only the heading, then under no header row
    (Kozea/WeasyPrint#2679): a 3,000-character title and 4,000-character RAG
    reason filled pages 4 to 12 of a pack with no "Action, Strand, ... RAG" above
    them. Such a row (``tall``) now breaks as text does.
    """
    import weasyprint

    words = " ".join(f"gair{i}" for i in range(1200))
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        f"""plan: {{id: tall, title: Tall, board: B, period: {{start: 2010-01-01, end: 2010-12-31}}}}
actions:
  - id: A01
    strand: prevention
    title: "{words}"
    lead: council
    due: 2010-09-01
    status: open
""",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    Store(url).upgrade()
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)}
    for args in (
        ["plan", "import", str(plan)],
        ["board", "pack", "--month", "2010-10", "--out", str(tmp_path), "--no-pdf"],
    ):
        result = CliRunner().invoke(app, ["--db", url, *args], env=env)
        assert result.exit_code == 0, result.output
    html = (tmp_path / "board-pack-2010-10.html").read_text(encoding="utf-8")
    doc = weasyprint.HTML(string=html).render()
    pages = [
        {b.text for b in _boxes(page._page_box) if hasattr(b, "text")}
        for page in doc.pages
    ]
    with_row = [i for i, texts in enumerate(pages) if any("gair" in t for t in texts)]
    assert len(with_row) >= 2  # the row fills more than a page
    for i in with_row:
        assert "Days" in pages[i], f"page {i + 1}: the row without its header"
    heading = next(
        i
        for i, texts in enumerate(pages)
        if any(t.startswith("Overdue actions") for t in texts)
    )
    assert heading == with_row[0], "the heading alone on its page"


def _measure_row(**values: object) -> dict[str, object]:
    """An objective's measure row as :func:`objective_measures` gives it."""
    return dict.fromkeys(
        ("indicator", "baseline_source", "reason", "verdict_reason"), None
    ) | {
        "objective_id": "P1",
        "title": "Fewer violent crimes",
        "strand": "prevention",
        "series": "violence",
        "window_from": dt.date(2021, 1, 1),
        "window_to": dt.date(2021, 12, 31),
        "status": "off_track",
        "verdict": "no_significant_change",
        "rate_ratio": 0.92,
        "p_value": 0.148,
        **values,
    }


def test_a_force_scale_count_stays_in_its_column() -> None:
    """A force's year of violence (Toronto's 2021: 17,032 against a path of 16,600)
    and a year's harm in days fit the Now and Path now columns: at 7 % and 8 % of
    A4 the bold "17,032" ran into "16,600" ("17,03216,600" in the text of the PDF)."""
    from avert.report.render import environment

    page = environment().from_string(
        '<html><head>{% include "_style.html" %}</head><body><main><section>'
        '{% include "_objective_measures.html" %}</section></main></body></html>'
    )
    html = page.render(
        measures=[
            _measure_row(baseline=18458, target=16600, current=17032, path=16600),
            _measure_row(
                baseline=2_531_465.9,
                target=2_300_000,
                current=2_430_989.45,
                path=2_300_000.0,
            ),
        ]
    )
    assert "17,032" in html
    assert _overflows(html) == []


def test_a_share_of_some_never_prints_as_none_or_all() -> None:
    """The Met's 8 searches of children under 10 (of 69,568, January-June 2018)
    printed "0 %" in the pack's age table beside their count, and its 32 searches
    of sex Other "0 %" too: a share neither none nor all keeps that side."""
    from avert.report.render import environment

    pct = environment().filters["pct"]
    assert pct(8 / 69568) == "<1 %"
    assert pct(32 / 69568) == "<1 %"
    assert pct(69560 / 69568) == ">99 %"
    assert (pct(0), pct(0.0), pct(1), pct(1.0), pct(None)) == (
        "0 %",
        "0 %",
        "100 %",
        "100 %",
        "–",
    )
    assert (pct(0.005), pct(0.0051), pct(0.994)) == ("<1 %", "1 %", "99 %")


def test_an_overdue_action_without_a_rag_says_unrated(tmp_path: Path) -> None:
    """The pack's overdue table left an unrated action's RAG cell blank (the plan
    page's too), where the other rows read red, amber or green: it now reads
    unrated, beside a grey dot, as the plan page's summary counts it."""
    from avert.config.timezone import local_today

    today = local_today("Europe/London")
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    Store(url).upgrade()
    env = {"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)}
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan:\n  id: p\n  title: P\n  board: B\n  period: {start: 2026-01-01, end: 2030-12-31}\n"
        "actions:\n"
        f"  - {{id: A01, strand: prevention, title: Rated, lead: council,"
        f" due: {today - dt.timedelta(days=20)}, status: open,"
        " rag: {rating: red, reason: late}}\n"
        f"  - {{id: A02, strand: prevention, title: Unrated, lead: council,"
        f" due: {today - dt.timedelta(days=10)}, status: open}}\n",
        encoding="utf-8",
    )
    month = f"{today:%Y-%m}"
    for args in (
        ["plan", "import", str(plan)],
        ["board", "pack", "--month", month, "--out", str(tmp_path), "--no-pdf"],
    ):
        result = CliRunner().invoke(app, ["--db", url, *args], env=env)
        assert result.exit_code == 0, result.output
    html = (tmp_path / f"board-pack-{month}.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td data-label="RAG">(.*?)</td>', html)
    assert cells == [
        '<span class="rag red"></span> <b>red</b>: late',
        '<span class="rag unrated"></span> <b>unrated</b>',
    ]


def _cell_lines(html: str, column: int) -> list[list[str]]:
    """The printed lines of each body cell of the objectives table's ``column``
    (0: the first), on every page."""
    import weasyprint

    doc = weasyprint.HTML(string=html).render()
    cells: list[list[str]] = []
    for page in doc.pages:
        for table in _boxes(page._page_box):
            if type(table).__name__ != "TableBox" or (
                table.element.get("id") != "measures"
            ):
                continue
            for row in _boxes(table):
                if getattr(row, "element_tag", None) != "tr":
                    continue
                tds = [c for c in row.children if getattr(c, "element_tag", "") == "td"]
                if len(tds) <= column:
                    continue
                cells.append(
                    [
                        "".join(t.text for t in _boxes(line) if hasattr(t, "text"))
                        for line in _boxes(tds[column])
                        if type(line).__name__ == "LineBox"
                    ]
                )
    return cells


def _cell_words(html: str, column: int) -> list[list[str]]:
    """The words of each body cell of the objectives table's ``column`` as printed:
    its lines joined, a line ending in a hyphen WeasyPrint added (U+2010) joined to
    the next without it, one ending in the text's own hyphen ("highest-harm") with
    it, every other line break a space."""
    cells = []
    for lines in _cell_lines(html, column):
        text = ""
        for line in lines:
            if line.endswith("\u2010"):
                text += line[:-1]
            else:
                text += line if line.endswith("-") else line + " "
        cells.append(text.split())
    return cells


def test_an_objective_s_words_are_never_cut_without_a_hyphen() -> None:
    """The demo's board pack printed "Enforcemen" over "t against", "communicat"
    over "ion" and "confidenc" over "e" in the objectives table's Objective and
    Measure columns (13 % and 11 % of A4, text broken anywhere to fit): a word too
    wide for its line is now hyphenated where English breaks it ("enforce-ment")."""
    from avert.report.render import environment

    page = environment().from_string(
        '<html lang="en-GB"><head>{% include "_style.html" %}</head><body><main>'
        '<section>{% include "_objective_measures.html" %}</section></main></body>'
        "</html>"
    )
    titles = [
        "Prompt enforcement against the highest-harm offenders and places to "
        "prevent escalation (¶16)",
        "Enhance public trust and confidence through one communication strategy "
        "for violence (¶4, ToR 3)",
    ]
    html = page.render(
        measures=[
            _measure_row(
                title=titles[0], baseline=396, target=317, current=399, path=355
            ),
            _measure_row(
                title=titles[1],
                series=None,
                indicator="public confidence",
                baseline=0.64,
                target=0.7,
                current=None,
                path=None,
                status="not_measured",
            ),
        ]
    )
    # each objective's title is a row across the table, its figures the row under it
    objectives = _cell_words(html, 0)[0::2]
    assert [w[1:-1] for w in objectives] == [t.split() for t in titles]
    measures = _cell_words(html, 0)[1::2]
    assert measures[1][:2] == ["public", "confidence"]
    assert _overflows(html) == []
    # a status label is never hyphenated ("not meas-ured"), nor a word that fits
    # a line ("with res-ult", "confid-ence"), nor a title's word
    statuses = _cell_lines(html, 5)
    assert not any(line.endswith("\u2010") for cell in statuses for line in cell)
    hyphenated = [
        line.split()[-1]
        for cell in _cell_lines(html, 0)
        for line in cell
        if line.endswith("\u2010")
    ]
    assert hyphenated == []


def test_the_example_plan_s_objectives_print_without_hyphens() -> None:
    """The board pack printed the example plan's objectives as "Signi-ficant",
    "enforce-ment", "informa-tion", "communica-tion" and "confid-ence": the
    Objective column (13 % of A4) was narrower than their words. It is wide enough
    now for every word of the example plan's titles and measures, with a year of
    harm in days in each figure column still in its own column."""
    import yaml

    from avert.report.render import environment

    plan = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    page = environment().from_string(
        '<html lang="en-GB"><head>{% include "_style.html" %}</head><body><main>'
        '<section>{% include "_objective_measures.html" %}</section></main></body>'
        "</html>"
    )
    rows = [
        _measure_row(
            objective_id=o["id"],
            title=o["title"],
            strand=o["strand"],
            series=None,
            indicator=o["measure"]["indicator"].replace("_", " "),
            baseline=2_531_465.9,
            target=2_300_000,
            current=2_430_989.45,
            path=2_300_000.0,
            status="insufficient_data",
        )
        for o in plan["objectives"]
    ]
    html = page.render(measures=rows)
    lines = _cell_lines(html, 0)
    assert len(lines) == 2 * len(plan["objectives"])
    hyphenated = [line for cell in lines for line in cell if line.endswith("\u2010")]
    assert hyphenated == []
    assert _overflows(html) == []
