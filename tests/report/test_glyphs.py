"""PDFs name the characters no installed font draws instead of printing empty boxes.

A plan action titled "Patrol 🚓" or with a result "✅" printed an empty box in the
board pack and briefing PDFs: the Debian fonts (DejaVu, Liberation) have no emoji,
and no font is downloaded at run time. Such a character is now printed as its
Unicode name in brackets; characters the fonts have are left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from avert.report import glyphs
from avert.report.glyphs import drawable_html, font_coverage, glyph_name
from avert.report.render import render_pdf

#: ASCII, Latin-1 and U+2713 (CHECK MARK) drawable; nothing else
LATIN_AND_TICK = ((0x20, 0x7E), (0xA0, 0xFF), (0x2713, 0x2713))


def test_undrawable_characters_are_named_in_brackets() -> None:
    html = '<p title="🚓">Patrol 🚓 ✅ café ✓</p>'
    assert drawable_html(html, coverage=LATIN_AND_TICK) == (
        '<p title="[police car]">Patrol [police car] '
        "[white heavy check mark] café ✓</p>"
    )


def test_invisible_characters_are_kept() -> None:
    """The emoji presentation selector and a zero-width joiner draw nothing: a
    "⚠️" is its warning sign's name and the selector, a family its members'."""
    assert drawable_html("⚠\ufe0f 👨\u200d👧", coverage=LATIN_AND_TICK) == (
        "[warning sign]\ufe0f [man]\u200d[girl]"
    )


def test_unknown_coverage_names_only_pictographs() -> None:
    """Without fc-list: emoji (U+1F000 up) named, other symbols left to the fonts."""
    assert drawable_html("✅ 🚓 Łódź", coverage=None) == "✅ [police car] Łódź"


def test_a_character_without_a_name_gives_its_code_point() -> None:
    assert glyph_name("\U000f0000") == "[U+F0000]"


def test_installed_coverage_is_read_from_fontconfig() -> None:
    coverage = font_coverage()
    if coverage is None:
        pytest.skip("no fc-list: coverage unknown")
    assert drawable_html("Abc é", coverage=coverage) == "Abc é"


def test_the_pdf_is_given_names_for_what_no_font_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """render_pdf (briefing, board pack) hands WeasyPrint the named characters."""
    coverage = font_coverage()
    if coverage is not None and glyphs._covered(ord("🚓"), coverage):
        pytest.skip("an installed font draws emoji: nothing to name")
    import weasyprint

    given: list[str] = []
    real = weasyprint.HTML

    def spy(*args: Any, string: str, **kwargs: Any) -> Any:
        given.append(string)
        return real(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    out = render_pdf(
        "<html><body><p>Action: Patrol 🚓 · done ✅</p></body></html>",
        tmp_path / "a.pdf",
    )
    assert out.read_bytes().startswith(b"%PDF")
    assert "Patrol [police car]" in given[0]
    assert "🚓" not in given[0]
