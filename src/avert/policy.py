"""Who may do what: roles, actions and one function that decides, with its reason.

One table (:data:`GRANTS`) says which roles may perform which action; actions that
apply to an organisation's or an area's records are *scoped*: a user with an
organisation or area set may act only inside it. :func:`decide` is the only place
that answers "may this user do this?", and it always says why, so the audit log and
error pages can show the reason (datasette's permission model: registered actions,
explainable decisions).

The roles are those of ``DESIGN.md`` ("Users and their jobs"):

========  ==================================================================
admin     users, roles, the audit log and data quality (data protection officer)
analyst   every analysis and person view, to write products
chair     runs the daily risk meeting: briefing, people, places, groups
officer   officers and neighbourhood teams: their area's briefing and people
partner   partner agencies: the shared picture, pseudonyms only
board     the board: plan, performance and equality; no person-level views
========  ==================================================================

Roles and their audiences are :mod:`avert.access`'s: partners and the board never
see a person id, name, date of birth, address or intelligence text; their
*audience* is ``partner`` (:func:`avert.access.audience_of`), under which every
output is pseudonymised before it leaves avert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from avert.access import ROLES, audience_of
from avert.areas import area_key

__all__ = [
    "ACTIONS",
    "GRANTS",
    "ROLES",
    "Action",
    "Decision",
    "decide",
]

#: Roles that see raw person identifiers (the police audience).
POLICE_ROLES: Final = frozenset(r for r in ROLES if audience_of(r) == "police")


@dataclass(frozen=True)
class Action:
    """One thing a user can do.

    Parameters
    ----------
    name
        Stable id, e.g. ``view-person``; routes declare it.
    description
        What it allows, for docs and error pages.
    scope
        ``"area"`` when a user with an area may act only inside it; ``None`` when
        the action is not tied to an area or organisation.
    personal
        True when the action shows person-level records (audited as a view).
    """

    name: str
    description: str
    scope: Literal["area", "org"] | None = None
    personal: bool = False


#: Every action of avert's web app and API.
ACTIONS: Final[dict[str, Action]] = {
    a.name: a
    for a in (
        Action("public", "pages anyone may open (sign in, static files)"),
        Action("view-today", "the daily briefing for a window", scope="area"),
        Action("view-incidents", "incidents with why each is in", scope="area"),
        Action("view-person", "one person's record, scores and links", personal=True),
        Action(
            "view-marac",
            "domestic abuse victims meeting a MARAC referral criterion (partners: "
            "pseudonyms and counts only)",
            personal=True,
        ),
        Action("view-places", "places map and cells"),
        Action("view-groups", "groups, continuum and matrix band"),
        Action("view-data", "loads, quarantine counts and data freshness"),
        Action("view-audit", "the audit log"),
        Action("export-audit", "the audit log as CSV"),
        Action("sign-out", "end one's own session"),
        Action(
            "manage-users",
            "web app accounts: list, add, disable, enable, unlock, role, password, "
            "API tokens (list, issue, revoke)",
        ),
        Action("view-plan", "the delivery plan board, my actions, an action's page"),
        Action(
            "edit-action",
            "change a plan action's status, RAG, evidence, owner, review date",
            scope="org",
        ),
        Action("view-meeting", "the daily meeting: briefing items and taskings"),
        Action(
            "create-tasking", "task a briefing item and record any tasking's result"
        ),
        Action(
            "record-tasking-result",
            "record the result of a tasking given to oneself or one's organisation",
            scope="org",
        ),
        Action(
            "view-performance",
            "performance verdicts, control charts, targets (aggregates only)",
        ),
        Action(
            "view-equality",
            "stop and search equality figures and the EIA summary (aggregates only)",
        ),
    )
}

#: Which roles may perform which action.
GRANTS: Final[dict[str, frozenset[str]]] = {
    "public": frozenset(ROLES),
    "sign-out": frozenset(ROLES),
    "view-today": frozenset(ROLES),
    "view-incidents": frozenset({"admin", "analyst", "chair", "officer", "partner"}),
    "view-person": POLICE_ROLES,
    # the MARAC list (avert analyse marac): the chair and analysts; partners
    # under pseudonyms, as the command's partner audience; not officers or the board
    "view-marac": frozenset({"admin", "analyst", "chair", "partner"}),
    "view-places": frozenset(ROLES),
    "view-groups": frozenset({"admin", "analyst", "chair", "officer", "partner"}),
    "view-data": frozenset({"admin", "analyst"}),
    "view-audit": frozenset({"admin"}),
    "export-audit": frozenset({"admin"}),
    "manage-users": frozenset({"admin"}),
    "view-plan": frozenset(ROLES),
    "edit-action": frozenset({"admin", "analyst", "chair", "partner"}),
    "view-meeting": frozenset({"admin", "analyst", "chair", "officer", "partner"}),
    "create-tasking": frozenset({"admin", "analyst", "chair"}),
    # the tasked close their own: an officer the taskings assigned to them, a
    # partner its organisation's (checked on the tasking by the workflow)
    "record-tasking-result": frozenset(
        {"admin", "analyst", "chair", "officer", "partner"}
    ),
    # aggregates only (no person, no list member): the board and partners too
    "view-performance": frozenset({"admin", "analyst", "chair", "board", "partner"}),
    "view-equality": frozenset({"admin", "analyst", "chair", "board", "partner"}),
}


@dataclass(frozen=True)
class Decision:
    """The answer of :func:`decide`: allowed or not, and why."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide(
    role: str,
    action: str,
    *,
    user_area: str | None = None,
    resource_area: str | None = None,
    user_org: str | None = None,
    resource_org: str | None = None,
) -> Decision:
    """May a user with ``role`` perform ``action`` (on a resource in ``resource_area``)?

    Parameters
    ----------
    role
        The user's role (one of :data:`ROLES`).
    action
        An action id from :data:`ACTIONS`; an unknown action is refused.
    user_area
        The area the user is scoped to (None: every area).
    resource_area
        The area asked for (None: no particular area, i.e. "mine" for a scoped user).
    user_org
        The organisation of the user (partners are scoped to it).
    resource_org
        The organisation that owns the resource (e.g. an action's lead organisation).

    Examples
    --------
    >>> decide("partner", "view-person").allowed
    False
    >>> decide("officer", "view-today", user_area="E01", resource_area="E02").reason
    "officer scoped to area 'E01' may not view-today another area"
    """
    spec = ACTIONS.get(action)
    if spec is None:
        return Decision(False, f"unknown action {action!r}")
    if role not in ROLES:
        return Decision(False, f"unknown role {role!r}")
    if role not in GRANTS.get(action, frozenset()):
        return Decision(False, f"role {role!r} may not {action}")
    if (
        spec.scope == "area"
        and user_area
        and resource_area is not None
        # one area as the pages match it (any case, no surrounding spaces)
        and area_key(resource_area) != area_key(user_area)
    ):
        return Decision(
            False,
            # the asked area is not repeated: it comes from the request, and a
            # link's text on avert's own 403 page would be content spoofing
            f"{role} scoped to area {user_area!r} may not {action} another area",
        )
    if (
        spec.scope == "org"
        and role == "partner"
        and resource_org is not None
        and (not user_org or resource_org != user_org)
    ):
        return Decision(
            False,
            f"partner of {user_org!r} may not {action} of {resource_org!r}",
        )
    return Decision(True, f"role {role!r} may {action}")
