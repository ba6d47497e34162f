"""What uptime is computed from, written in the transaction of the change it records.

- :func:`record_status_in`: every change of a component's shown status (a status set by hand
  wins over the computed one) becomes a row of the status history. The status service calls
  it for each component a change may move; it writes only when the shown status differs
  from the last one recorded.
- :func:`record_check_in`: the checks feature calls it with each result of a check mapped to
  a component; the day's tally of passed and failed runs grows by one in one upsert, so
  two workers recording at once both count.

The status page never imports the checks feature: checks call in here (the layers contract
in ``pyproject.toml``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from tocsin.statuspage.render import effective_status
from tocsin.statuspage.tables import CheckTally, StatusChangeRow, StatusComponent


def record_status_in(session: Session, component: StatusComponent, at: datetime) -> bool:
    """Write a history row if ``component`` now shows another status than last recorded.

    ``component`` must have its id (flushed). Groups have no status of their own.
    """
    if component.is_group:
        return False
    status = effective_status(component).value
    if component.recorded_status == status:
        return False
    component.recorded_status = status
    session.add(StatusChangeRow(component_id=component.id, status=status, at=at))
    return True


def record_check_in(session: Session, *, component_id: int, at: datetime, ok: bool) -> None:
    """Count one run of a check mapped to ``component_id`` in the tally of ``at``'s UTC day."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {
        "component_id": component_id,
        "day": at.astimezone(UTC).date(),
        "passed": 1 if ok else 0,
        "failed": 0 if ok else 1,
    }
    statement = insert(CheckTally).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[CheckTally.component_id, CheckTally.day],
        set_={
            "passed": CheckTally.passed + statement.excluded.passed,
            "failed": CheckTally.failed + statement.excluded.failed,
        },
    )
    session.execute(statement)


def is_component(session: Session, component_id: int) -> bool:
    """Whether ``component_id`` is a component (not a group) of the status page."""
    found = session.scalar(
        select(StatusComponent.id).where(
            StatusComponent.id == component_id, StatusComponent.is_group.is_(False)
        )
    )
    return found is not None
