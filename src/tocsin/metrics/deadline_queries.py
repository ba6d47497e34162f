"""The incidents' deadlines in SQL: which outcome each deadline had (met, missed, pending),
and the first update's deadline from the severity's cadence (for :mod:`tocsin.metrics.queries`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, case, literal, literal_column, null, or_
from sqlalchemy.sql.elements import ColumnElement

from tocsin.core.metrics import Deadline
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.metrics import sql


def states(
    due: Any, done: Any | None, resolved: Any, now: Any
) -> dict[Deadline, ColumnElement[bool]]:
    """:func:`tocsin.core.metrics.deadline` in SQL, as one condition per outcome counted
    (met, missed, pending; not due is none of them): comparisons, no text to compare."""
    if done is None:  # nothing can be done: the deadline is only missed or pending
        missed = or_(resolved > due, and_(resolved.is_(None), now > due))
        return {Deadline.MISSED: missed, Deadline.PENDING: and_(resolved.is_(None), now <= due)}
    undone = done.is_(None)
    return {
        Deadline.MET: done <= due,
        Deadline.MISSED: or_(
            done > due,
            and_(undone, resolved > due),
            and_(undone, resolved.is_(None), now > due),
        ),
        Deadline.PENDING: and_(undone, resolved.is_(None), now <= due),
    }


def first_deadline(
    cte: Any,
    now: ColumnElement[datetime],
    policies: Mapping[Severity, SeverityPolicy],
    *,
    sqlite: bool,
) -> list[ColumnElement[Any]]:
    """The first update's deadline (the severity's cadence after opening) and what it is
    compared with: the first update, the resolution and now, labelled ``first_due``,
    ``first_done``, ``first_resolved``, ``first_now``. On PostgreSQL they are times; on
    SQLite, whose times are text, seconds after opening."""
    cadences = {s.value: p.update_cadence_minutes for s, p in policies.items()}
    known = {s: m for s, m in cadences.items() if m is not None}
    cadence = case(
        *((cte.c.severity == s, literal(m * 60, Integer)) for s, m in known.items()),
        else_=null(),
    )
    names = ("first_due", "first_done", "first_resolved", "first_now")
    if not known:
        return [null().label(n) for n in names]
    if not sqlite:
        due = cte.c.created_at + cadence * literal_column("interval '1 second'")
        return [
            due.label("first_due"),
            cte.c.first_posted.label("first_done"),
            cte.c.resolved_at.label("first_resolved"),
            now.label("first_now"),
        ]

    def after_open(at: Any) -> ColumnElement[float]:
        return sql.seconds(cte.c.created_at, at, sqlite=sqlite)

    values = (cadence, after_open(cte.c.first_posted), after_open(cte.c.resolved_at))
    return [v.label(n) for v, n in zip((*values, after_open(now)), names, strict=True)]
