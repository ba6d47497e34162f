"""Alerts follow their incidents.

A listener on incident changes, run inside the change's transaction:
- an incident resolved or closed (by anyone) closes its alert rows, so the next trigger with
  the same key opens a new incident; the writer's cache hears of it after the commit;
- the noise figures record the acknowledgement, the resolution, and whether anyone acted
  (update, note, role, severity) in between.
"""

from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from tocsin.alerts.state import state_of_engine
from tocsin.alerts.tables import alert_incidents_table, alerts_table
from tocsin.core.lifecycle import Status
from tocsin.incidents import hooks

ACTIONS = frozenset(
    {"update_posted", "note_added", "role_assigned", "role_unassigned", "severity_changed"}
)
_CLOSED_KEY = "tocsin.alerts.closed_incidents"
alerts = alerts_table
followed = alert_incidents_table


def on_incident_changed(session: Session, change: hooks.IncidentChanged) -> None:
    incident_id = change.incident_id
    if change.kind == "status_changed" and change.status in (Status.RESOLVED, Status.CLOSED):
        session.execute(
            update(alerts)
            .where(alerts.c.incident_id == incident_id, alerts.c.open.is_(True))
            .values(open=False)
        )
        session.info.setdefault(_CLOSED_KEY, set()).add(incident_id)
        session.execute(
            update(followed)
            .where(followed.c.incident_id == incident_id, followed.c.resolved_at.is_(None))
            .values(resolved_at=change.at)
        )
    elif change.kind == "status_changed" and change.data.get("from") == Status.TRIGGERED.value:
        session.execute(
            update(followed)
            .where(followed.c.incident_id == incident_id, followed.c.acknowledged_at.is_(None))
            .values(acknowledged_at=change.at)
        )
    elif change.kind in ACTIONS:
        session.execute(
            update(followed)
            .where(
                followed.c.incident_id == incident_id,
                followed.c.acknowledged_at.is_not(None),
                followed.c.resolved_at.is_(None),
            )
            .values(acted=True)
        )


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    closed = session.info.pop(_CLOSED_KEY, None)
    if closed:
        state = state_of_engine(session.get_bind())  # type: ignore[arg-type]
        if state is not None:
            state.open_alerts.closed_incidents.extend(closed)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: object) -> None:
    if not session.in_transaction():
        session.info.pop(_CLOSED_KEY, None)


hooks.subscribe(on_incident_changed)
