"""Characters the PDF's fonts cannot draw, named instead of shown as empty boxes.

WeasyPrint draws text with the fonts installed on the machine (fontconfig: the
page's font stack, then any installed font that has the character). The fonts
avert's Debian setup has (DejaVu, Liberation) hold no emoji and few symbols, and
fonts are never downloaded at run time, so a plan action titled "Patrol 🚓" or a
result "✅" printed an empty box, which no reader can tell from another.
:func:`drawable_html` replaces each character that no installed font covers by its
Unicode name in brackets ("Patrol [police car]"), so nothing vanishes silently;
installing a font that covers them (Debian ``fonts-noto-color-emoji``,
``fonts-symbola``) makes them print as themselves, with no change here.

Coverage is read once per process from ``fc-list`` (fontconfig's own list of the
installed fonts and the characters each holds). Without ``fc-list`` it is
unknown: then the pictographs from U+1F000 up (emoji, which no common text font
draws) are named and every other character is left to the fonts.
"""

from __future__ import annotations

import bisect
import functools
import re
import shutil
import subprocess
import unicodedata
from typing import Final, Literal

#: Sorted, merged ``(first, last)`` ranges of code points some font draws.
Coverage = tuple[tuple[int, int], ...]

__all__ = ["drawable_html", "font_coverage", "glyph_name"]

#: Characters that draw nothing by design (variation selectors such as the emoji
#: presentation selector U+FE0F, zero-width joiners, format controls): never named.
_INVISIBLE_RANGES: Final = ((0x180B, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
#: Without ``fc-list``: the first code point assumed undrawable (emoji, pictographs).
_PICTOGRAPHS_FROM: Final = 0x1F000
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")


@functools.cache
def font_coverage() -> Coverage | None:
    """The code points some installed font covers, as sorted merged ``(first,
    last)`` ranges; None when ``fc-list`` is missing or fails (coverage unknown).

    Each font's charset comes from ``fc-list --format '%{charset}'`` ("20-7e a0-17f
    192 ..."): their union is what fontconfig can fall back to, as WeasyPrint does.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, "--format", "%{charset}\n"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return _merged(_charset_ranges(out))


def _charset_ranges(text: str) -> list[tuple[int, int]]:
    """``(first, last)`` of every token of fontconfig charsets ("20-7e", "192").

    >>> _charset_ranges("20-7e 192\\na0-ff")
    [(32, 126), (402, 402), (160, 255)]
    """
    ranges = []
    for token in text.split():
        first, _, last = token.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue  # not a charset token: skipped, never a crash
    return ranges


def _merged(ranges: list[tuple[int, int]]) -> Coverage:
    """Sorted ranges with overlapping and touching ones joined.

    >>> _merged([(5, 9), (1, 3), (4, 4), (20, 30), (25, 26)])
    ((1, 9), (20, 30))
    """
    out: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return tuple(out)


def _invisible(char: str) -> bool:
    """A character that draws nothing: a format control or a variation selector."""
    cp = ord(char)
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return True
    return any(first <= cp <= last for first, last in _INVISIBLE_RANGES)


def _covered(cp: int, coverage: Coverage | None) -> bool:
    """Some installed font draws ``cp`` (unknown coverage: below U+1F000)."""
    if coverage is None:
        return cp < _PICTOGRAPHS_FROM
    i = bisect.bisect_right(coverage, (cp, 0x10FFFF)) - 1
    return i >= 0 and coverage[i][0] <= cp <= coverage[i][1]


def glyph_name(char: str) -> str:
    """What a PDF prints for a character no font draws: its Unicode name, in lower
    case and brackets, or its code point when it has none.

    >>> glyph_name("🚓"), glyph_name("\\U000f0000")
    ('[police car]', '[U+F0000]')
    """
    name = unicodedata.name(char, "")
    return f"[{name.lower()}]" if name else f"[U+{ord(char):04X}]"


def drawable_html(
    html: str, *, coverage: Coverage | Literal["installed"] | None = "installed"
) -> str:
    """``html`` with every character no installed font draws replaced by
    :func:`glyph_name` ("✅ done" -> "[white heavy check mark] done" where no font
    has U+2705).

    ``coverage``: ranges of drawable code points, None for unknown coverage, or
    ``"installed"`` (the default): the installed fonts' (:func:`font_coverage`). ASCII and
    invisible characters (variation selectors, joiners) are kept as they are; a
    name holds only letters, digits, spaces and hyphens, safe in text and
    attributes alike.
    """
    ranges = font_coverage() if coverage == "installed" else coverage

    @functools.cache
    def replace(char: str) -> str:
        if _invisible(char) or _covered(ord(char), ranges):
            return char
        return glyph_name(char)

    return _NON_ASCII.sub(lambda m: replace(m.group()), html)
