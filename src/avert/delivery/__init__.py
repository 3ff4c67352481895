"""The delivery plan: plans, RIPE objectives with measures, actions, taskings, checks.

Pure (no store, no I/O): dataclasses and Polars frames in, frames and findings out.
:mod:`avert.workflows.delivery` reads and writes them through the store, versions
and audits every change; the CLI and the web app call the workflows.
"""

from avert.delivery.model import (
    ACTION_TRANSITIONS,
    APPROACHES,
    ITEM_KINDS,
    RAGS,
    STATUSES,
    STRANDS,
    SUBJECT_TYPES,
    TASKING_STATUSES,
    TASKING_TRANSITIONS,
    Action,
    Objective,
    Plan,
    Tasking,
    check_tasking_transition,
    check_transition,
    parse_item,
    subject_key,
    with_overdue,
)

__all__ = [
    "ACTION_TRANSITIONS",
    "APPROACHES",
    "ITEM_KINDS",
    "RAGS",
    "STATUSES",
    "STRANDS",
    "SUBJECT_TYPES",
    "TASKING_STATUSES",
    "TASKING_TRANSITIONS",
    "Action",
    "Objective",
    "Plan",
    "Tasking",
    "check_tasking_transition",
    "check_transition",
    "parse_item",
    "subject_key",
    "with_overdue",
]
