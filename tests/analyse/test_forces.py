"""Notes on several forces carry their advice as data; far-apart forces found and
split (:mod:`avert.analyse.forces`)."""

from __future__ import annotations

import shlex

import polars as pl
import pytest

from avert.analyse.forces import (
    ADVICE_KINDS,
    BRIEF_ONE_FORCE,
    COMMAND_ONE_FORCE,
    COMMAND_WORDS,
    POLICE_FORCE_ONE_FORCE,
    each_force,
    far_forces,
    forces_note,
    mixed_forces_note,
    of_force,
    refuse_far_forces,
    too_few,
)
from avert.errors import ConfigError


def _events(*clusters: tuple[str | None, str, float]) -> pl.DataFrame:
    return pl.concat(
        pl.DataFrame(
            {
                "x": [x0 + 10.0 * i for i in range(50)],
                "y": [200_000.0 + 7.0 * i for i in range(50)],
                "force": pl.Series([force] * 50, dtype=pl.String),
                "source": source,
            }
        )
        for force, source, x0 in clusters
    )


def test_a_note_carries_its_advice_as_data_which_each_edge_words() -> None:
    events = _events(("A Police", "policeuk", 0.0), (None, "bundle", 1_000.0))
    note = forces_note(events, advice="brief_area")
    assert note is not None
    assert note.text == (
        "The incidents counted are of 2 forces or sources (A Police 50; no force "
        "named: bundle 50): every figure here counts them together, as one area "
        "and one period."
    )
    assert note.advice == "brief_area"
    assert note.forces == ("A Police", "no force named: bundle")
    assert note.said() == f"{note.text} {BRIEF_ONE_FORCE}"
    web = dict.fromkeys(ADVICE_KINDS, "Ask the analyst.")
    assert note.said(web) == f"{note.text} Ask the analyst."
    # the command line's words: --police-force where the command has it
    assert mixed_forces_note(events, advice="police_force") == [
        f"{note.text} {POLICE_FORCE_ONE_FORCE}"
    ]
    assert mixed_forces_note(events) == [f"{note.text} {COMMAND_ONE_FORCE}"]
    assert set(COMMAND_WORDS) == set(ADVICE_KINDS)
    assert "--police-force" in COMMAND_WORDS["police_force"]
    assert "window" not in COMMAND_WORDS["police_force"]
    assert forces_note(events.head(50), advice="window") is None


def test_far_forces_are_found_and_split_side_by_side_ones_are_not() -> None:
    near = _events(("A Police", "policeuk", 0.0), ("B Police", "policeuk", 600.0))
    assert far_forces(near, 150.0) is None
    refuse_far_forces(near, 150.0, what="grid")
    far = _events(("B Police", "policeuk", 0.0), ("A Police", "policeuk", 250_000.0))
    found = far_forces(far, 150.0)
    assert found is not None
    assert found.names == ("A Police", "B Police")
    assert found.ratio > 4
    assert found.said("patrol grid").startswith(
        "The events are of 2 forces or sources far apart (A Police, B Police): "
        "one patrol grid over them all holds at least "
    )
    with pytest.raises(ConfigError, match=r"between them\. Give --police-force for"):
        refuse_far_forces(far, 150.0, what="patrol grid")
    parts = each_force(far)
    assert [name for name, _ in parts] == ["A Police", "B Police"]
    assert [part.height for _, part in parts] == [50, 50]
    assert parts[0][1].columns == far.columns
    assert parts[0][1]["x"].min() == 250_000.0


def test_a_force_of_a_few_events_beside_far_forces_is_strays_not_named() -> None:
    """Beside two forces far apart, one event of a third (a stray) was named a
    force far apart, its one-cell box making the ratio half as large again. With
    ``min_events`` it is aside; whether they lie far apart is found as before,
    so forces of a few events each far apart are still found (never one grid
    over them all)."""
    far = _events(("B Police", "policeuk", 0.0), ("A Police", "policeuk", 250_000.0))
    stray = far.head(1).with_columns(
        force=pl.lit("C Police"), x=pl.lit(120_000.0), y=pl.lit(50_000.0)
    )
    both = far_forces(far, 150.0)
    assert both is not None
    found = far_forces(pl.concat([far, stray]), 150.0, min_events=11)
    assert found is not None
    assert found.names == ("A Police", "B Police")
    assert found.ratio == pytest.approx(both.ratio)
    named = far_forces(pl.concat([far, stray]), 150.0)
    assert named is not None
    assert named.names == ("A Police", "B Police", "C Police")
    few = far_forces(far, 150.0, min_events=51)
    assert few is not None
    assert few.names == ("A Police", "B Police")


def test_a_refusal_names_each_forces_option_as_the_shell_reads_it() -> None:
    """The command line's refusal of forces far apart named the option alone;
    it names each force's, quoted (``shlex.quote``), so that a name with a
    quote or a ``$`` is one word to the shell as printed."""
    odd = "O'Neil $HOME Police"
    far = _events((odd, "policeuk", 0.0), ("A Police", "policeuk", 250_000.0))
    with pytest.raises(ConfigError) as refused:
        refuse_far_forces(far, 150.0, what="patrol grid")
    said = str(refused.value)
    quoted = f"--police-force {shlex.quote(odd)}"
    assert f"(--police-force 'A Police' or {quoted})" in said
    assert shlex.split(quoted) == ["--police-force", odd]
    with pytest.raises(ConfigError) as unknown:
        of_force(far, "B's Police")
    assert str(unknown.value).startswith("--police-force 'B'\"'\"'s Police': no")


def test_too_few_events_give_the_force_its_count_and_the_minimum() -> None:
    assert too_few("A Police", 11, 10, "March 2019") is None
    few = too_few("A Police", 1, 10, "March 2019")
    assert few is not None
    assert few.as_json() == {
        "force": "A Police",
        "n_events": 1,
        "min_events": 11,
        "line": (
            "A Police: 1 located event in March 2019, fewer than the 11 a "
            "force's own places need (more than the 10 top cells listed per "
            "force): too few for places of its own (every one would lie in a "
            "top cell)."
        ),
    }
