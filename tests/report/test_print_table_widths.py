"""The briefing's tables print in fixed layout (WeasyPrint's automatic layout measured
every cell's text: 13 of 19 s of a briefing PDF), so each such table's header cells
must give their widths (``w<N>`` classes, N % of the table) summing to 100 %, and
every width used must have its print rule."""

from __future__ import annotations

import re
from pathlib import Path

import avert

TEMPLATES = Path(avert.__file__).parent / "report" / "templates"
_TABLE = re.compile(r'<table class="[^"]*\bcols\b[^"]*">\s*<thead><tr>(.*?)</tr>', re.S)


def test_fixed_layout_tables_give_widths_summing_to_100() -> None:
    style = (TEMPLATES / "_style.html").read_text()
    assert "table.cols { table-layout: fixed; }" in style
    heads = [
        (path.name, head)
        for path in TEMPLATES.glob("_briefing_*.html")
        for head in _TABLE.findall(path.read_text())
    ]
    assert len(heads) >= 10
    for name, head in heads:
        cells = re.findall(r"<th([^>]*)>", head)
        widths = [re.search(r'class="w(\d+)"', attrs) for attrs in cells]
        assert all(widths), (name, head)
        assert sum(int(w.group(1)) for w in widths if w) == 100, (name, head)
        for w in widths:
            assert w is not None
            assert f"th.w{w.group(1)} {{ width: {w.group(1)}%; }}" in style, w.group(0)
