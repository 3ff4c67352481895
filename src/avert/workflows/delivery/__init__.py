"""The delivery plan in the store: import/export, actions, taskings, checks, the board.

Every change of a plan, objective, action or tasking goes through :func:`_save`: the
new row gets the next version, ``delivery_history`` keeps who, when, and the row
before and after (JSON), and the audit log gets a ``change`` row. Reads that show
person subjects to partners or the board pseudonymise them
(:class:`avert.pseudonymise.Pseudonymiser`, as :mod:`avert.workflows.views` does).
"""

from __future__ import annotations

from avert.delivery.model import (
    follow_up_text,
    item_key_words,
    item_words,
    subject_words,
)
from avert.workflows.delivery._actions import (
    PlanBoardMade,
    action_page,
    audit_plan_board,
    board_actions,
    my_actions,
    plan_board,
    plan_board_made,
    read_actions,
    update_action,
    visible_actions,
    with_action_ids_shown,
)
from avert.workflows.delivery._checks import board_checks, checks_view
from avert.workflows.delivery._common import (
    EXAMPLE_PLAN,
    SCOPE_OF_SETTINGS,
    account_orgs,
    accounts_spelling,
    output_scope,
    partner_pseudonymiser,
    partner_scope,
    people_written,
    pseudonymise_stored_ids,
    scope_as_accounts_spell,
    subject_people,
    unheld_leads,
    unheld_organisation_note,
    unheld_scope_note,
    with_accounts_spelling,
)
from avert.workflows.delivery._common import _save as _save
from avert.workflows.delivery._demo import seed_demo_plan
from avert.workflows.delivery._measures import objective_measures, plan_status
from avert.workflows.delivery._meeting import meeting_view
from avert.workflows.delivery._pack import board_pack, board_pack_data
from avert.workflows.delivery._planfile import (
    ImportResult,
    example_plan_text,
    export_plan,
    import_plan,
)
from avert.workflows.delivery._taskings import (
    add_tasking,
    check_item,
    read_taskings,
    record_tasking_result,
    taskings_for_briefing,
    taskings_for_item,
    taskings_in_area,
)
from avert.workflows.delivery._typed import (
    TypedChange,
    TypedResolution,
    resolve_typed_pseudonyms,
)

__all__ = [
    "EXAMPLE_PLAN",
    "SCOPE_OF_SETTINGS",
    "ImportResult",
    "PlanBoardMade",
    "TypedChange",
    "TypedResolution",
    "account_orgs",
    "accounts_spelling",
    "action_page",
    "add_tasking",
    "audit_plan_board",
    "board_actions",
    "board_checks",
    "board_pack",
    "board_pack_data",
    "check_item",
    "checks_view",
    "example_plan_text",
    "export_plan",
    "follow_up_text",
    "import_plan",
    "item_key_words",
    "item_words",
    "meeting_view",
    "my_actions",
    "objective_measures",
    "output_scope",
    "partner_pseudonymiser",
    "partner_scope",
    "people_written",
    "plan_board",
    "plan_board_made",
    "plan_status",
    "pseudonymise_stored_ids",
    "read_actions",
    "read_taskings",
    "record_tasking_result",
    "resolve_typed_pseudonyms",
    "scope_as_accounts_spell",
    "seed_demo_plan",
    "subject_people",
    "subject_words",
    "taskings_for_briefing",
    "taskings_for_item",
    "taskings_in_area",
    "unheld_leads",
    "unheld_organisation_note",
    "unheld_scope_note",
    "update_action",
    "visible_actions",
    "with_accounts_spelling",
    "with_action_ids_shown",
]
