"""Analyses over incidents of more than one force (:mod:`avert.analyse.forces`,
where they live so that the briefing's places can use them too)."""

from __future__ import annotations

from avert.analyse.forces import (
    BRIEF_ONE_FORCE,
    COMMAND_ONE_FORCE,
    FAR_FORCES_RATIO,
    MIXED_FORCES,
    WEB_ONE_FORCE,
    force_is,
    forces_there,
    mixed_forces_note,
    of_force,
    refuse_far_forces,
)

__all__ = [
    "BRIEF_ONE_FORCE",
    "COMMAND_ONE_FORCE",
    "FAR_FORCES_RATIO",
    "MIXED_FORCES",
    "WEB_ONE_FORCE",
    "force_is",
    "forces_there",
    "mixed_forces_note",
    "of_force",
    "refuse_far_forces",
]
