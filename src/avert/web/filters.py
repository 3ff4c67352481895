"""Jinja filters of the web pages only (the report's are in
:mod:`avert.report.render`): text already pseudonymised for its reader, marked
up for the page."""

from __future__ import annotations

import re
from typing import Final

from markupsafe import Markup, escape

__all__ = ["ID_TOKEN", "nobreak_ids"]

#: an id or pseudonym in text: a word of letters and digits holding a digit and
#: a letter ("P0000002", "INC42"), or words joined by hyphens holding a digit
#: ("P-55734B45BFB9", the pseudonyms of :func:`avert.access.pseudonymise_text`;
#: "2019-01-31" too, which should not break either)
ID_TOKEN: Final = re.compile(
    r"(?<![\w-])(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+|[A-Za-z]+[0-9][A-Za-z0-9]*"
    r"|[0-9]+[A-Za-z][A-Za-z0-9]*)(?![\w-])"
)


def nobreak_ids(text: object) -> Markup:
    """``text`` escaped, each id and pseudonym in it (:data:`ID_TOKEN` holding a
    digit) in a ``<span class="rec">``, which the style sheet keeps on one line:
    a browser breaks a line after a hyphen, so "P-55734B45BFB9" read "P-" at the
    end of one line and "55734B45BFB9" at the start of the next (the Meeting
    page at 390 px). Each piece is escaped on its own, the span added after, so
    no text of the item can close or open an element. ``None`` reads empty."""
    raw = "" if text is None else str(text)
    out: list[str] = []
    start = 0
    for m in ID_TOKEN.finditer(raw):
        if not any(c.isdigit() for c in m.group()):
            continue
        out.append(str(escape(raw[start : m.start()])))
        out.append(f'<span class="rec">{escape(m.group())}</span>')
        start = m.end()
    out.append(str(escape(raw[start:])))
    return Markup("".join(out))
