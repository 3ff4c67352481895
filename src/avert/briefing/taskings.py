"""Section 7: the daily meeting's taskings, and "already tasked" on every item.

The seed's daily meeting "informs deployments" (MPA 2010 delivery plan, footnote 2);
its taskings (``avert task add``, the web meeting view) come back the next day:
overdue, due in the next 24 hours, and done in the window with their results
(:func:`avert.delivery.taskings.for_briefing`, as they stood at ``at``). An item of
any section whose subject already has an open or done tasking carries ``tasked``,
so two agencies do not visit the same family twice.

Partners (the ``taskings`` frame redacted by :func:`avert.access.redact_frames`):
item ids are pseudonyms, the section lists only their own organisation's taskings
(``listed``), and other organisations' taskings show only as ``tasked`` marks
without what is to be done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import polars as pl

from avert.briefing.context import BriefingContext, links
from avert.briefing.model import TaskedMark, TaskingItem
from avert.delivery.model import subject_key, subject_type
from avert.delivery.taskings import SECTIONS, for_briefing, tasked_subjects

__all__ = ["mark_tasked", "taskings_section"]

_WORDS = {"overdue": "overdue", "due": "due", "done": "done"}


def taskings_section(ctx: BriefingContext) -> dict[str, list[TaskingItem]]:
    """The listed taskings overdue, due and done at the briefing's ``at``."""
    frame = ctx.frames["taskings"]
    listed = frame.filter(pl.col("listed").fill_null(value=False))
    out: dict[str, list[TaskingItem]] = {}
    for name, part in for_briefing(listed, at=ctx.at, hours=ctx.hours).items():
        items: list[TaskingItem] = []
        for rank, row in enumerate(part.to_dicts(), start=1):
            kind, ident = row["item_kind"], row["item_id"]
            subject = subject_type(kind)
            when = row["due"]
            reason = f"{_WORDS[name]}: {row['what'] or 'tasking'}" + (
                f" (due {when:%d %b %H:%M})" if when is not None else ""
            )
            items.append(
                {
                    "rank": rank,
                    "tasking_id": row["tasking_id"],
                    "what": row["what"],
                    "assignee": row["assignee"],
                    "organisation": row["organisation"],
                    "due": when,
                    "item": f"{kind}:{ident}",
                    "item_kind": kind,
                    "item_id": ident,
                    "status": row["status"],
                    "result": row["result"],
                    "result_at": row["result_at"],
                    "reasons": [reason]
                    + ([f"result: {row['result']}"] if row["result"] else []),
                    "links": cast(
                        Any,
                        links(
                            [ident] if subject == "incident" else [],
                            [ident] if subject == "person" else [],
                            [ident] if subject == "group" else [],
                        ),
                    ),
                }
            )
        out[name] = items
    return {name: out.get(name, []) for name in SECTIONS}


def mark_tasked(
    ctx: BriefingContext, sections: Mapping[str, tuple[str, str, Iterable[Any]]]
) -> None:
    """Add ``tasked`` to every item whose subject has an open or done tasking.

    ``sections``: name -> (item kind, id key, items), e.g.
    ``{"incidents": ("incident", "incident_id", items)}``.
    """
    frame = ctx.frames["taskings"]
    if not frame.height:
        return
    latest = tasked_subjects(frame, ctx.at)
    marks: dict[str, TaskedMark] = {
        row["subject"]: {
            "tasking_id": row["tasking_id"],
            "organisation": row["organisation"],
            "status": row["status"],
            "due": row["due"],
            "what": row["what"] if row["listed"] else None,
        }
        for row in latest.to_dicts()
    }
    for kind, key, items in sections.values():
        for item in items:
            ident = item.get(key)
            if ident is None:
                continue
            mark = marks.get(subject_key(kind, str(ident)))
            if mark is not None:
                item["tasked"] = mark
