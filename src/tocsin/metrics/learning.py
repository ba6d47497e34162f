"""Recurrence and action-item completion: the report's learning figures.

The formulas are in ``tocsin.core.metrics`` (``recurrence_rate``, ``action_item_completion``).
The postmortems feature owns the tables they read, so the queries belong with it:
:func:`completion_in` reads the action items created in the window through
``postmortems.service``; the recurrences come from ``tocsin.recurrence.service``
(recorded by the worker after an incident opens).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tocsin.core import metrics as core
from tocsin.metrics.schemas import ItemCompletionOut
from tocsin.postmortems import service as postmortems_service


def _time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) or value is None else datetime.fromisoformat(value)


def action_item_completion(rows: Iterable[Mapping[str, Any]]) -> list[ItemCompletionOut]:
    """Per quarter of creation: action items carried to done. Each row needs
    ``created_at``, ``status`` (open, in_progress, done, wont_do), ``due_at`` and
    ``done_at`` (the time it became done; None otherwise)."""
    facts = [
        core.ActionItemFacts(
            created_at=row["created_at"],
            status=core.ItemStatus(row["status"]),
            due_at=_time(row.get("due_at")),
            done_at=_time(row.get("done_at")),
        )
        for row in rows
    ]
    return [
        ItemCompletionOut(
            quarter=q.quarter,
            total=q.total,
            done=q.done,
            wont_do=q.wont_do,
            done_on_time=q.done_on_time,
            rate=None if q.rate is None else round(q.rate, 4),
        )
        for q in core.action_item_completion(facts)
    ]


def completion_in(session: Session, since: datetime, until: datetime) -> list[ItemCompletionOut]:
    """Per quarter, the action items created in ``[since, until)`` carried to done."""
    items = postmortems_service.items_created_between(session, since, until)
    return action_item_completion(
        {
            "created_at": i.created_at,
            "status": i.status.value,
            "due_at": i.due_at,
            "done_at": i.done_at,
        }
        for i in items
    )


def recurrence_rate(incidents: int, recurrences: int) -> float | None:
    """Share of the window's incidents that recur (``recurrences``: those for which a
    similar earlier incident was found when they opened), rounded to 4 places."""
    rate = core.recurrence_rate(incidents, recurrences)
    return None if rate is None else round(rate, 4)
