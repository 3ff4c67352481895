"""docs/definitions.md is generated from the TOML files and must not go stale."""

from __future__ import annotations

from pathlib import Path

from avert.config.definition_docs import render_docs
from avert.config.definitions import load_harm

PAGE = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"


def test_definitions_page_is_current() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_docs(), (
        "docs/definitions.md is stale: run 'avert definition docs'"
    )


def test_page_lists_every_code_of_every_category_with_its_weight() -> None:
    text = render_docs()
    harm = load_harm()
    assert (
        "| `8N` | Assault with injury | `awi.assault_with_injury` | 10 | yes |" in text
    )
    assert (
        "| `19C` | Rape of a female aged 16 and over | `sex.rape` | 1,825 | no |"
        in text
    )
    for code in harm.codes:
        assert f"| `{code}` |" in text, code


def test_page_does_not_claim_a_cchi_range_for_codes_without_one() -> None:
    """ "Every default weight lies inside ... its subgroup" needs the fraud exception:
    the CCHI 2026 digest has no fraud subgroup, so those weights were never checked."""
    text = render_docs()
    assert "the four fraud codes have no published range" in text
    unchecked = [
        c for c, e in load_harm().codes.items() if "no CCHI subgroup" in e.reason
    ]
    assert sorted(unchecked) == ["AF", "CIFAS", "FFA UK", "UK Finance"]


def test_the_asb_bridge_says_which_command_applies_it() -> None:
    """The page said "An ASB report escalates when ..." as if ASB reports were
    counted as violence, while no command ran the bridge; then that no command
    applies it. ``avert classify`` now does, and the briefing lists them as ASB
    with no harm: the page says so, and not that no command applies it."""
    text = render_docs()
    assert "no command applies it" not in text
    assert (
        "`avert classify` (and the classification after `avert ingest`) applies" in text
    )
    assert "as ASB reports, not crimes" in text
