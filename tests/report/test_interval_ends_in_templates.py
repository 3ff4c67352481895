"""Every template prints a ratio's 95 % interval ends through ``interval_end``.

Two decimals round an end of 1.0031 to "1.00": beside a ratio flagged significantly
above 1 it reads as reaching no change (the make-up tables' interval and the demo's
headline card printed ends so). ``interval_end_text`` keeps the end's side of 1.
Shares' intervals (``| pct``) and the make-up macro's calls (which format inside the
macro) are not ratio ends printed in place.
"""

from __future__ import annotations

import re
from pathlib import Path

import avert

TEMPLATE_DIRS = [
    Path(avert.__file__).parent / "report" / "templates",
    Path(avert.__file__).parent / "web" / "templates",
]
PRINTED_END = re.compile(r"\{\{[^}]*\bci_(?:low|high)\w*[^}]*\}\}")


def test_ratio_interval_ends_are_printed_through_interval_end() -> None:
    templates = [p for d in TEMPLATE_DIRS for p in sorted(d.glob("*.html"))]
    assert len(templates) > 10  # the globs found the packaged templates
    offending = [
        f"{path.name}: {expr}"
        for path in templates
        for expr in PRINTED_END.findall(path.read_text(encoding="utf-8"))
        if "interval_end" not in expr
        and "| pct" not in expr
        and not expr.lstrip("{ ").startswith("interval(")
    ]
    assert offending == []
