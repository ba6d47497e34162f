"""The writing half of a batch: what the decisions changed, written in a few statements.

Order matters: new alert rows first (timeline events name their ids, and an incident resolved
below must find its rows to close them), then timeline events, acknowledgements, row updates,
and last the incidents whose alerts are now all resolved (counted from the updated rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.orm import Session

from tocsin import dbbulk
from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.alerts.open_alerts import Current
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import alerts_table, integrations_table, silences_table
from tocsin.core.alerts import AlertStatus
from tocsin.core.lifecycle import IllegalTransition, Status
from tocsin.incidents import service as incidents_service

EVENT_SAMPLE = 20  # alerts listed in one timeline event

alerts = alerts_table
integrations = integrations_table
silences = silences_table


@dataclass
class Changes:
    inserts: list[Current] = field(default_factory=list)
    counted: dict[int, Current] = field(default_factory=dict)  # count and times only
    rewritten: dict[int, Current] = field(default_factory=dict)  # also incident, trace...
    closing: list[Current] = field(default_factory=list)
    joined: dict[int, list[Current]] = field(default_factory=dict)
    repeated: list[tuple[IntegrationInfo, Current]] = field(default_factory=list)
    resolved: dict[int, list[Current]] = field(default_factory=dict)
    acks: dict[int, IntegrationInfo] = field(default_factory=dict)
    actors: dict[int, IntegrationInfo] = field(default_factory=dict)
    beats: dict[int, datetime] = field(default_factory=dict)
    foreign: dict[int, tuple[int, str]] = field(default_factory=dict)


def brief(current: Current) -> dict[str, Any]:
    return {"alert_id": current.id, "dedup_key": current.dedup_key, "name": current.name}


def write(session: Session, state: IngestState, changes: Changes) -> None:
    _insert_new(session, changes)
    _write_timeline(session, changes)
    _acknowledge_incidents(session, changes)
    _update_rows(session, changes)
    _settle_resolved(session, state, changes)
    _write_side_tables(session, changes)


def _insert_new(session: Session, changes: Changes) -> None:
    """Insert the new rows in one statement, their ids chosen first (timeline events name them)."""
    if not changes.inserts:
        return
    ids = dbbulk.next_ids(session, alerts, len(changes.inserts))
    rows = []
    for new_id, current in zip(ids, changes.inserts, strict=True):
        assert current.row is not None
        current.id = new_id
        rows.append(
            {
                **current.row,
                "id": current.id,
                "status": current.status,
                "open": current.open,
                "count": current.count,
                "last_seen_at": current.last_seen_at,
                "last_logged_at": current.last_logged_at,
                "ends_at": current.ends_at,
                "incident_id": current.incident_id,
                "silenced_by": current.silenced_by,
                "trace": current.steps or [],
            }
        )
        current.row, current.steps, current.unwritten_repeats = None, None, 0
    dbbulk.insert_rows(session, alerts, rows)


def _record(
    session: Session, changes: Changes, incident_id: int, kind: str, data: dict[str, Any]
) -> None:
    actor = changes.actors[incident_id].actor
    incidents_service.record_event(
        session, incident_id=incident_id, actor=actor, kind=kind, data=data
    )


def _write_timeline(session: Session, changes: Changes) -> None:
    for incident_id, joined in changes.joined.items():
        data = {"count": len(joined), "alerts": [brief(c) for c in joined[:EVENT_SAMPLE]]}
        _record(session, changes, incident_id, "alert_joined", data)
    for integration, current in changes.repeated:
        assert current.incident_id is not None
        changes.actors.setdefault(current.incident_id, integration)
        data = {**brief(current), "count": current.count}
        _record(session, changes, current.incident_id, "alert_repeated", data)
    for incident_id, resolved in changes.resolved.items():
        data = {"count": len(resolved), "alerts": [brief(c) for c in resolved[:EVENT_SAMPLE]]}
        _record(session, changes, incident_id, "alert_resolved", data)


def _move(session: Session, incident_id: int, actor: str, status: Status, message: str) -> bool:
    try:
        with session.begin_nested():
            incidents_service.change_status_in(
                session, incident_id=incident_id, actor=actor, status=status, message=message
            )
    except IllegalTransition:
        return False  # the incident moved on meanwhile (no longer triggered, already resolved)
    return True


def _acknowledge_incidents(session: Session, changes: Changes) -> None:
    for incident_id, integration in changes.acks.items():
        message = "acknowledged by the alert source"
        _move(session, incident_id, integration.actor, Status.ACKNOWLEDGED, message)


def _settle_resolved(session: Session, state: IngestState, changes: Changes) -> None:
    """Resolve (or note) the incidents whose alerts are now all resolved.

    Counted in the database, after this batch's rows are written and with the incident
    locked: another replica may hold alerts of the same incident that this one never saw,
    and of two replicas resolving its last alerts at once, the second sees the first's.
    """
    held = [
        i
        for i in sorted(changes.resolved)
        if incidents_service.lock_if_open_in(session, incident_id=i)
    ]
    if not held:
        return
    counts = session.execute(
        select(
            alerts.c.incident_id,
            func.count(),
            func.sum(case((alerts.c.status != AlertStatus.RESOLVED.value, 1), else_=0)),
        )
        .where(alerts.c.open.is_(True), alerts.c.incident_id.in_(held))
        .group_by(alerts.c.incident_id)
    )
    resolved_all = {row[0]: int(row[1]) for row in counts if not row[2]}
    for incident_id in held:
        members = resolved_all.get(incident_id)
        if not members:
            continue
        integration = changes.actors[incident_id]
        if not integration.auto_resolve:
            _record(session, changes, incident_id, "alerts_all_resolved", {"count": members})
            continue
        message = f"all {members} alerts resolved"
        if _move(session, incident_id, integration.actor, Status.RESOLVED, message):
            state.open_alerts.drop_incident(incident_id)


def _counts(current: Current) -> dict[str, Any]:
    """The row's new times and status, and the repeats it saw since it was last written
    (added to the stored count: another process may have counted repeats of it too)."""
    added, current.unwritten_repeats = current.unwritten_repeats, 0
    return {
        "id": current.id,
        "status": current.status,
        "count": added,
        "last_seen_at": current.last_seen_at,
        "last_logged_at": current.last_logged_at,
        "ends_at": current.ends_at,
    }


def _update_rows(session: Session, changes: Changes) -> None:
    counted = [c for i, c in changes.counted.items() if i not in changes.rewritten]
    if counted:
        dbbulk.update_rows(
            session, alerts, _COUNTED, [_counts(c) for c in counted], added=("count",)
        )
    if changes.rewritten:
        stored = _stored_traces(session, list(changes.rewritten))
        rows = []
        for c in changes.rewritten.values():
            trace = stored.get(c.id or 0, []) + (c.steps or [])
            c.steps = None
            rows.append(
                {
                    **_counts(c),
                    "incident_id": c.incident_id,
                    "silenced_by": c.silenced_by,
                    "trace": trace,
                }
            )
        dbbulk.update_rows(session, alerts, _REWRITTEN, rows, added=("count",))
    closing = [c.id for c in changes.closing if c.id is not None]
    if closing:
        session.execute(update(alerts).where(alerts.c.id.in_(closing)).values(open=False))


def _stored_traces(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    query = select(alerts.c.id, alerts.c.trace).where(alerts.c.id.in_(ids))
    return {row.id: list(row.trace) for row in session.execute(query)}


def _write_side_tables(session: Session, changes: Changes) -> None:
    if changes.beats:
        rows = [{"b_id": i, "b_at": at} for i, at in changes.beats.items()]
        session.execute(_BEAT, rows)
    if changes.foreign:
        found = [{"b_id": i, "b_n": n, "b_example": ex} for i, (n, ex) in changes.foreign.items()]
        session.execute(_FOREIGN, found)


_COUNTED = ("status", "count", "last_seen_at", "last_logged_at", "ends_at")
_REWRITTEN = (*_COUNTED, "incident_id", "silenced_by", "trace")
_BEAT = (
    update(integrations)
    .where(integrations.c.id == bindparam("b_id"))
    .values(last_beat_at=bindparam("b_at", type_=integrations.c.last_beat_at.type))
)
_FOREIGN = (
    update(silences)
    .where(silences.c.id == bindparam("b_id"))
    .values(
        foreign_matches=silences.c.foreign_matches + bindparam("b_n"),
        foreign_example=bindparam("b_example"),
    )
)
