"""Analyses over incidents of more than one force (:mod:`avert.analyse.forces`,
where they live so that the briefing's places can use them too)."""

from __future__ import annotations

from avert.analyse.forces import (
    ADVICE_KINDS,
    BRIEF_ONE_FORCE,
    COMMAND_ONE_FORCE,
    COMMAND_WORDS,
    FAR_FORCES_RATIO,
    MIXED_FORCES,
    POLICE_FORCE_ONE_FORCE,
    Advice,
    FarForces,
    ForcesNote,
    each_force,
    far_forces,
    force_is,
    forces_note,
    forces_there,
    mixed_forces_note,
    of_force,
    refuse_far_forces,
    too_few_events,
)

__all__ = [
    "ADVICE_KINDS",
    "BRIEF_ONE_FORCE",
    "COMMAND_ONE_FORCE",
    "COMMAND_WORDS",
    "FAR_FORCES_RATIO",
    "MIXED_FORCES",
    "POLICE_FORCE_ONE_FORCE",
    "Advice",
    "FarForces",
    "ForcesNote",
    "each_force",
    "far_forces",
    "force_is",
    "forces_note",
    "forces_there",
    "mixed_forces_note",
    "of_force",
    "refuse_far_forces",
    "too_few_events",
]
