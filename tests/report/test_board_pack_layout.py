"""The board pack's objectives table laid out as WeasyPrint prints it (A4)."""

from __future__ import annotations

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
