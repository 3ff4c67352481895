"""Analyses over incidents of more than one force (:mod:`avert.analyse.forces`,
where they live so that the briefing's places can use them too)."""

from __future__ import annotations

from avert.analyse.forces import (
    FAR_FORCES_RATIO,
    MIXED_FORCES,
    force_is,
    forces_there,
    mixed_forces_note,
    of_force,
    refuse_far_forces,
)

__all__ = [
    "FAR_FORCES_RATIO",
    "MIXED_FORCES",
    "force_is",
    "forces_there",
    "mixed_forces_note",
    "of_force",
    "refuse_far_forces",
]
