"""Tables that fit the terminal: ids whole, text wrapped, extra columns left out.

Every table the command line prints goes through :func:`print_table`. The widths are
chosen here, not by Rich's own shrinking (which cuts any column with an ellipsis):

- ``id`` and ``fixed`` columns (ids, numbers, times) are as wide as their longest
  cell, so they never wrap and an id is never cut (a long header wraps on words);
- ``ids`` columns (lists of ids) wrap between ids, never inside one;
- ``text`` columns share what is left and wrap on words (a word of up to 24
  characters, such as an id in a sentence, is never split); a longer word (a file
  name, a path) breaks after a ``-``, ``_`` or ``/`` so that ``2019-06-west-midlands-``
  ends a line and ``outcomes.csv`` starts the next, and only a word with no such
  place is folded at the column's edge;
- when even the narrowest layout is wider than the terminal, the columns with the
  highest ``drop`` rank are left out, one by one, and the caption names them (``--json``
  has every column).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from rich.table import Table

from avert.cli._common import console, print_json

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Col", "print_frame", "print_table"]

Kind = Literal["id", "fixed", "ids", "text"]

#: a text column is never narrower than this (or its longest word, when shorter)
_MIN_TEXT = 10
#: ... nor than its longest word up to this length (ids in free text stay whole)
_MAX_WORD = 24
#: a word too long for its text column breaks after one of these (file names, paths)
_BREAKS = "-_/\\"


#: control characters a terminal would act on (ESC starts colour, cursor, screen
#: clearing and hyperlink sequences): every C0 character but tab and line feed,
#: DEL and the C1 range; and the bidirectional overrides, embeddings and isolates
#: (U+202A-U+202E, U+2066-U+2069), which reorder what follows them on screen, so
#: an id could read as another ("Trojan Source", Boucher & Anderson 2021). Letters
#: of right-to-left scripts need none of them and print as they are.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` (``\\uNNNN`` for a
    bidirectional control): a cell of a source file (a quarantined raw line, an id)
    cannot drive the terminal it prints on, nor reorder what it shows."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}"
            if ord(m.group()) < 0x100
            else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


@dataclass(frozen=True)
class Col:
    """One column: header, kind, alignment and rank in leaving out (0: never)."""

    header: str
    kind: Kind = "text"
    justify: Literal["left", "right"] = "left"
    drop: int = 0


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def _widths(
    cols: Sequence[Col], rows: Sequence[Sequence[str]]
) -> list[tuple[int, int]]:
    """(minimum, natural) width of each column's content."""
    out = []
    for i, col in enumerate(cols):
        cells = [row[i] for row in rows]
        natural = max(
            [len(col.header), *(len(line) for c in cells for line in c.splitlines())]
        )
        head = _longest_word(col.header)
        if col.kind in ("id", "fixed"):
            least = max([head, *(len(c) for c in cells)])
        elif col.kind == "ids":
            least = max([head, *(_longest_word(c) for c in cells)])
        else:
            words = max((_longest_word(c) for c in cells), default=0)
            least = min(natural, max(_MIN_TEXT, head, min(words, _MAX_WORD)))
        out.append((least, max(natural, least)))
    return out


def _fold(cell: str, width: int) -> str:
    """``cell`` with each word longer than ``width`` broken after a separator.

    A break goes after the last ``-``, ``_``, ``/`` or backslash that keeps the
    piece within ``width``; a word with none is left whole (the table folds it).
    """
    if all(len(word) <= width for word in cell.split()):
        return cell
    lines = []
    for line in cell.split("\n"):
        words = []
        for word in line.split(" "):
            pieces = []
            while len(word) > width:
                cut = max(word.rfind(c, 0, width) for c in _BREAKS) + 1
                if cut == 0:
                    break
                pieces.append(word[:cut])
                word = word[cut:]
            words.append("\n".join([*pieces, word]))
        lines.append(" ".join(words))
    return "\n".join(lines)


def _layout(
    cols: Sequence[Col], rows: Sequence[Sequence[str]], width: int
) -> tuple[list[int], list[int]]:
    """Indices of the columns shown and their widths, for a table of ``width``."""
    shown = list(range(len(cols)))
    sizes = _widths(cols, rows)
    while True:
        frame = 3 * len(shown) + 1  # borders and one space of padding each side
        least = sum(sizes[i][0] for i in shown)
        droppable = [i for i in shown if cols[i].drop > 0]
        if least + frame <= width or not droppable:
            break
        shown.remove(max(droppable, key=lambda i: (cols[i].drop, i)))
    room = width - (3 * len(shown) + 1)
    if sum(sizes[i][0] for i in shown) > room:
        # last resort: long words in text columns fold; ids and figures stay whole
        for i in shown:
            if cols[i].kind == "text":
                least = min(sizes[i][1], max(_MIN_TEXT, _longest_word(cols[i].header)))
                sizes[i] = (least, sizes[i][1])
    widths = {i: sizes[i][0] for i in shown}
    spare = room - sum(widths.values())
    growing = [i for i in shown if sizes[i][1] > widths[i]]
    while spare > 0 and growing:
        share = max(1, spare // len(growing))
        for i in list(growing):
            add = min(share, sizes[i][1] - widths[i], spare)
            widths[i] += add
            spare -= add
            if widths[i] >= sizes[i][1]:
                growing.remove(i)
            if spare <= 0:
                break
    return shown, [widths[i] for i in shown]


def print_table(
    cols: Sequence[Col],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    caption: str | None = None,
) -> None:
    """Print ``rows`` (strings, one per column) as a table that fits the console.

    Control characters in any text are shown as ``\\xNN`` (:func:`_visible`).
    """
    cols = [Col(_visible(c.header), c.kind, c.justify, c.drop) for c in cols]
    rows = [[_visible(cell) for cell in row] for row in rows]
    title = _visible(title) if title is not None else None
    caption = _visible(caption) if caption is not None else None
    shown, widths = _layout(cols, rows, console.width)
    left_out = [cols[i].header for i in range(len(cols)) if i not in shown]
    notes = [caption] if caption else []
    if left_out:
        notes.append(
            f"not shown, to fit {console.width} columns: {', '.join(left_out)} "
            "(a wider terminal or --json shows them)"
        )
    # the console reads no markup: "[...]" in data or messages prints as given
    table = Table(title=title, caption="; ".join(notes) or None)
    for i, w in zip(shown, widths, strict=True):
        col = cols[i]
        table.add_column(
            col.header,
            justify=col.justify,
            width=w,
            overflow="fold",
        )
    text = {i: w for i, w in zip(shown, widths, strict=True) if cols[i].kind == "text"}
    for row in rows:
        table.add_row(*(_fold(row[i], text[i]) if i in text else row[i] for i in shown))
    console.print(table)


def print_frame(
    frame: pl.DataFrame,
    cols: Sequence[Col],
    cells: Callable[[dict[str, Any]], Sequence[str]],
    *,
    as_json: bool,
    title: str | None = None,
) -> None:
    """The rows of ``frame``: with ``--json`` a JSON array of objects (every column),
    else a table of ``cols`` with the ``cells`` of each row."""
    if as_json:
        print_json(frame.to_dicts())
        return
    print_table(cols, [cells(row) for row in frame.iter_rows(named=True)], title=title)
