"""The meeting view: today's briefing items with their taskings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from avert.access import audience_of, names_id
from avert.briefing import REPEAT_WINDOW_DAYS
from avert.config.settings import Settings
from avert.delivery.model import (
    TASKING_TEXTS,
    item_words,
    subject_key,
    subject_type,
)
from avert.store import Store, audit
from avert.workflows.definition_words import category_titles, word_stored_reasons
from avert.workflows.delivery._common import (
    partner_pseudonymiser,
    people_written,
    pseudonymise_stored_in_rows,
    subject_people,
    with_accounts_spelling,
)
from avert.workflows.delivery._taskings import is_own_tasking, taskings_for_briefing
from avert.workflows.users import User, audit_as, check_allowed, is_allowed

# --- the meeting view ----------------------------------------------------------------
#: The most items of one section the meeting lists (highest first, as the briefing).
MEETING_ITEMS = 15
#: Briefing sections whose items can be tasked: (section, item kind, id key, title).
MEETING_SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("retaliation", "retaliation", "incident_id", "Retaliation alerts"),
    ("incidents", "incident", "incident_id", "Violent incidents"),
    ("repeat_victims", "repeat_victim", "person_id", "Repeat victims"),
    ("asb_callers", "asb_caller", "person_id", "Vulnerable ASB callers"),
    ("people", "person", "person_id", "People of concern"),
    ("places", "cell", "cell_id", "Places"),
)


def _meeting_sections(
    briefing: dict[str, Any], by_subject: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The briefing's taskable sections, each item with its live tasking, if any."""
    profile = str(briefing.get("profile") or "avb-2010")
    titles = category_titles(profile)
    sections = []
    for section, kind, key, title in MEETING_SECTIONS:
        items = []
        rows = briefing.get(section) or []
        # the reasons in words: a briefing stored before it had them is worded now,
        # under the definition it names (as the briefing words its own)
        word_stored_reasons(rows, profile)
        for row in rows:
            ident = row.get(key)
            if ident is None:
                continue
            reasons = row.get("reasons_words") or row.get("reasons") or []
            # what the chair reads; the key is the form's and the page's data
            words = item_words(
                kind,
                str(ident),
                _named_category(row, titles),
                repeat_window_days=REPEAT_WINDOW_DAYS,
            )
            items.append(
                {
                    "kind": kind,
                    "id": str(ident),
                    "item": f"{kind}:{ident}",
                    "words": words,
                    "reasons": reasons[:2],
                    "people": _item_people(kind, str(ident), row, words, reasons[:2]),
                    "harm": row.get("harm_days"),
                    "tasked": by_subject.get(subject_key(kind, str(ident))),
                    # an incident's row of the briefing: its date (a police.uk
                    # record's month) and place, shown as the briefing shows them
                    "incident": row if kind == "incident" else None,
                }
            )
        # the first 15 are offered for tasking; ``total`` says how many there are
        sections.append(
            {
                "section": section,
                "title": title,
                "items": items[:MEETING_ITEMS],
                "total": len(items),
            }
        )
    return sections


def _item_people(
    kind: str, ident: str, row: dict[str, Any], words: str, reasons: list[Any]
) -> list[str]:
    """The people a meeting item shows (as the briefing ``row`` names them:
    pseudonyms for partners): its subject when a person (a repeat victim, an ASB
    caller, a person of concern), and the row's linked people its words or the
    reasons shown write (a retaliation alert's victim)."""
    shown = " ".join([words, *(str(r) for r in reasons)])
    linked = (row.get("links") or {}).get("person_id") or []
    people = [ident] if subject_type(kind) == "person" else []
    return people + [str(p) for p in linked if p and names_id(shown, str(p))]


def _people_listed(sections: list[dict[str, Any]]) -> list[str]:
    """The people the items of the meeting's ``sections`` show
    (:func:`_item_people`), the first :data:`MEETING_ITEMS` of each."""
    return [p for s in sections for item in s["items"] for p in item["people"]]


def _named_category(row: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    """A briefing row whose category label is a definition category's id (a
    briefing stored before it named them: "violence_group") with that category's
    name ("Violence with group offending"); any other row as it is."""
    label = row.get("label") or row.get("category")
    if label is None or str(label) not in titles:
        return row
    return {**row, "label": titles[str(label)]}


def _window_taskings(
    store: Store, user: User, *, at: dt.datetime, hours: int
) -> dict[str, list[dict[str, Any]]]:
    """The taskings of the window that ``user`` sees, as their briefing lists them."""
    # an area-scoped user: their area's taskings and their own (as their briefing)
    window = taskings_for_briefing(
        store,
        at=at,
        hours=hours,
        as_at=False,
        area=user.area,
        assignee=user.username,
    )
    if user.role == "partner":  # their organisation's taskings, as in the briefing
        window = {
            k: [r for r in v if r["organisation"] == (user.org or "")]
            for k, v in window.items()
        }
    return window


def meeting_view(
    store: Store,
    briefing: dict[str, Any],
    *,
    user: User,
    at: dt.datetime,
    hours: int = 24,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Today's briefing items with their taskings, and the taskings of the window.

    ``briefing`` is the briefing JSON the user may see (partners: pseudonyms). Each
    item says whether its subject is already tasked (no double visits), for
    partners too: their items and the taskings carry the same keyed pseudonyms.
    Under a rotating key both have the key of the period of ``at`` (the briefing's),
    also when ``at`` is in an earlier period than now.
    """
    check_allowed(user, "view-meeting")
    police = audience_of(user.role) == "police"
    pseudo = None if police else partner_pseudonymiser(settings, reader=user, at=at)

    def shown_id(kind: str, ident: str) -> str:
        subject = subject_type(kind)
        if pseudo is None or subject not in ("person", "incident", "group"):
            return ident
        return pseudo(subject, ident)

    reals: dict[int, str] = {}

    def as_shown(row: dict[str, Any]) -> None:
        # the item by its shown id, in its free text too ("Follow up person:P1"),
        # below with the other stored ids
        reals[id(row)] = row["item_id"]
        row["item_id"] = shown_id(row["item_kind"], row["item_id"])

    live = with_accounts_spelling(store, store.read_frame("taskings")).filter(
        pl.col("status") != "cancelled"
    )
    by_subject: dict[str, dict[str, Any]] = {}
    for row in live.sort("created_at", "tasking_id").to_dicts():
        as_shown(row)
        if not police and row["organisation"] != (user.org or ""):
            # another organisation's tasking: only that it exists (as the briefing)
            row.update(what=None, assignee=None, result=None)
        by_subject[subject_key(row["item_kind"], row["item_id"])] = row
    sections = _meeting_sections(briefing, by_subject)
    window = _window_taskings(store, user, at=at, hours=hours)
    may_record_any = is_allowed(user, "create-tasking")
    # a tasking's item in the words the meeting gives it, when it is listed
    words = {i["item"]: i["words"] for s in sections for i in s["items"]}
    for rows in window.values():
        for row in rows:
            as_shown(row)
            key = f"{row['item_kind']}:{row['item_id']}"
            row["item"] = key
            row["item_words"] = words.get(key) or item_words(
                row["item_kind"], str(row["item_id"])
            )
            # the form to record a result: the meeting's roles, or the tasked
            row["recordable"] = may_record_any or (
                is_allowed(user, "record-tasking-result") and is_own_tasking(user, row)
            )
    if pseudo is not None:
        # the subject and the stored ids and names the what, who and result
        # name, but the words the partner's own organisation wrote (the who is
        # police free text too: "Amy Doe's keyworker" named a stored person)
        rows = [*by_subject.values(), *(r for v in window.values() for r in v)]
        pseudonymise_stored_in_rows(
            store,
            pseudo,
            rows,
            TASKING_TEXTS,
            org=user.org if user.role == "partner" else None,
            targets=[(reals[id(r)], r["item_id"]) for r in rows],
            subjects=subject_people(
                store, [(r["item_kind"], reals[id(r)]) for r in rows]
            ),
        )
    _audit_meeting(store, user, at=at, sections=sections, window=window)
    return {"sections": sections, "taskings": window}


def _audit_meeting(
    store: Store,
    user: User,
    *,
    at: dt.datetime,
    sections: list[dict[str, Any]],
    window: dict[str, list[dict[str, Any]]],
) -> None:
    """Write the meeting's ``view`` row of the people its page shows, as shown
    (pseudonyms for partners): its items' (the briefing's, which the page reads
    without Today's row, :func:`_people_listed`), its window's taskings'
    subjects, and the people the taskings' what, who and result and the items'
    "tasked" who name (:func:`people_written`: "Speak to Amy Doe")."""
    police = audience_of(user.role) == "police"
    rows = [r for v in window.values() for r in v]
    texts = [r.get(c) for r in rows for c in TASKING_TEXTS] + [
        (i["tasked"] or {}).get("assignee") for s in sections for i in s["items"]
    ]
    people = [
        *_people_listed(sections),
        *(
            str(r["item_id"])
            for r in rows
            if subject_type(r["item_kind"]) == "person" and r["item_id"]
        ),
        *people_written(store, texts, police=police),
    ]
    audit_as(
        store,
        user,
        action="view",
        obj=f"meeting:{at:%Y-%m-%dT%H:%M}",
        reason="meeting view, "
        + ", ".join(
            f"{len(v)} tasking{'' if len(v) == 1 else 's'} {k}"
            for k, v in window.items()
        ),
        detail=audit.describe(people=people, audience=audience_of(user.role)),
    )
