"""Uptime per component over the last days, from the status history and the check tallies.

:func:`uptime_by_component` is what a page build calls: every component at once, in four
queries whatever the window (components, the history rows in the window, the last row
before it, the tallies), and the rule of :mod:`tocsin.core.uptime` on each. It reads no
raw check results: the checks feature keeps a tally per component and day as it records
them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.statuspage import ComponentStatus
from tocsin.core.uptime import StatusChange, Tally, Uptime, day_start, uptime, window
from tocsin.db import Database
from tocsin.errors import NotFound
from tocsin.statuspage.tables import CheckTally, StatusChangeRow, StatusComponent

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Uptime", "component_uptime", "uptime_by_component"]

DEFAULT_DAYS = 90
MAX_DAYS = 366


def _history(
    session: Session, ids: Collection[int], start: datetime, end: datetime
) -> dict[int, list[StatusChange]]:
    """Each component's changes in [start, end), after the last one before ``start``."""
    before = (
        select(StatusChangeRow.component_id, func.max(StatusChangeRow.at))
        .where(StatusChangeRow.component_id.in_(ids), StatusChangeRow.at < start)
        .group_by(StatusChangeRow.component_id)
    )
    leading = select(StatusChangeRow).where(
        tuple_(StatusChangeRow.component_id, StatusChangeRow.at).in_(before)
    )
    inside = select(StatusChangeRow).where(
        StatusChangeRow.component_id.in_(ids),
        StatusChangeRow.at >= start,
        StatusChangeRow.at < end,
    )
    found: dict[int, list[StatusChange]] = {i: [] for i in ids}
    last_before: dict[int, StatusChangeRow] = {}
    for row in session.scalars(leading.order_by(StatusChangeRow.id)):
        last_before[row.component_id] = row  # same instant: the later row holds
    for row in last_before.values():
        found[row.component_id].append(StatusChange(row.at, ComponentStatus(row.status)))
    for row in session.scalars(inside.order_by(StatusChangeRow.at, StatusChangeRow.id)):
        found[row.component_id].append(StatusChange(row.at, ComponentStatus(row.status)))
    return found


def _tallies(
    session: Session, ids: Collection[int], first: date, last: date
) -> dict[int, dict[date, Tally]]:
    found: dict[int, dict[date, Tally]] = {i: {} for i in ids}
    for row in session.scalars(
        select(CheckTally).where(
            CheckTally.component_id.in_(ids), CheckTally.day >= first, CheckTally.day <= last
        )
    ):
        found[row.component_id][row.day] = Tally(passed=row.passed, failed=row.failed)
    return found


def _uptimes(
    session: Session, ids: Collection[int], *, days: int, today: date | None
) -> dict[int, Uptime]:
    now = clock.now()
    today = today or now.date()
    dates = window(today, days)
    if not ids:
        return {}
    history = _history(session, ids, day_start(dates[0]), day_start(today) + timedelta(days=1))
    tallies = _tallies(session, ids, dates[0], today)
    return {i: uptime(history[i], tallies[i], today=today, now=now, days=days) for i in sorted(ids)}


def uptime_by_component(
    session: Session, *, days: int = DEFAULT_DAYS, today: date | None = None
) -> dict[int, Uptime]:
    """Every component's uptime for the ``days`` UTC days ending ``today`` (default: today
    by ``tocsin.clock``), by component id; groups have none."""
    components = select(StatusComponent.id).where(StatusComponent.is_group.is_(False))
    ids = list(session.scalars(components))
    return _uptimes(session, ids, days=days, today=today)


def component_uptime(db: Database, *, component_id: int, days: int = DEFAULT_DAYS) -> Uptime:
    """One component's uptime (404 if there is no such component)."""
    with db.reading() as session:
        row = session.get(StatusComponent, component_id)
        if row is None or row.is_group:
            raise NotFound(f"no component with id {component_id}", field="component_id")
        return _uptimes(session, [component_id], days=days, today=None)[component_id]
