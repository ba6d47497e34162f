"""The demo's incidents, written set-based with the shape the incidents feature writes: the
row with its timestamps, services, roles, internal updates and one timeline event per change.

The incidents service stamps every change with ``clock.now()`` and runs its listeners
(paging, reminders, the status page) at once; a year of history cannot go through it in
seconds, so these rows are written directly, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.demo.directory import Directory
from tocsin.demo.plan import PlannedIncident
from tocsin.demo.rows import insert_plain, insert_rows
from tocsin.incidents.tables import (
    Incident,
    IncidentEvent,
    IncidentRole,
    IncidentService,
    IncidentUpdate,
)
from tocsin.metrics import facts as metrics_facts

# (at, actor, kind, data): one timeline event
EventRow = tuple[datetime, str, str, dict[str, Any]]


@dataclass
class Written:
    """What the later steps (signals, status page, postmortems) need of each incident."""

    incident_id: dict[int, int] = field(default_factory=dict)  # plan number → id
    events: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def status_of(p: PlannedIncident, learning: str, now: datetime) -> str:
    if p.resolved_at is None:
        return "triggered" if p.acknowledged_at is None else "mitigated"
    if learning == "pending":
        return "resolved"
    return "closed" if now - p.resolved_at > timedelta(days=3) else "resolved"


def closed_at(p: PlannedIncident, status: str) -> datetime | None:
    if status != "closed" or p.resolved_at is None:
        return None
    return p.resolved_at + timedelta(hours=20)


def public_ack(
    p: PlannedIncident, policy: SeverityPolicy
) -> tuple[datetime | None, datetime | None]:
    """When the first public acknowledgement was due, and when it was met (most on time)."""
    if not p.public or policy.public_ack_minutes is None:
        return None, None
    due = p.detected_at + timedelta(minutes=policy.public_ack_minutes)
    late = p.n % 5 == 0
    met = due + timedelta(minutes=7) if late else due - timedelta(minutes=4 + p.n % 9)
    return due, max(met, p.detected_at + timedelta(minutes=1))


def _updates(p: PlannedIncident, policy: SeverityPolicy, author: str) -> list[dict[str, Any]]:
    """Internal updates every ``gap`` minutes from the acknowledgement; a gap beyond the
    cadence makes that update late."""
    if p.acknowledged_at is None:
        return []
    cadence = timedelta(minutes=policy.update_cadence_minutes or 60)
    end = p.resolved_at or p.acknowledged_at + timedelta(days=1)
    posted = p.acknowledged_at + timedelta(minutes=4)
    rows: list[dict[str, Any]] = []
    for gap in p.update_gaps:
        if posted >= end:
            break
        rows.append(
            {
                "posted_at": posted,
                "author": author,
                "status": "Investigating" if not rows else "Mitigation in progress",
                "impact": f"{', '.join(p.services)} degraded for some customers",
                "actions": "Rolling back the last deploy and watching error rates",
                "next_update_due_at": posted + cadence,
            }
        )
        posted += timedelta(minutes=gap)
    return rows


def _status_events(p: PlannedIncident, author: str, close: datetime | None) -> list[EventRow]:
    moves = [
        (p.acknowledged_at, "triggered", "acknowledged"),
        (p.mitigated_at, "acknowledged", "mitigated"),
        (p.resolved_at, "mitigated", "resolved"),
        (close, "resolved", "closed"),
    ]
    return [
        (at, author, "status_changed", {"from": old, "to": new})
        for at, old, new in moves
        if at is not None
    ]


def _events(d: Drafted, directory: Directory) -> list[EventRow]:
    """One event per change, as the incidents service records them."""
    p, close, updates, first_public, due = d.plan, d.closed, d.updates, d.first_public, d.due
    commander = directory.person_names[p.commander]
    found: list[EventRow] = [
        (
            p.detected_at,
            "tocsin:alerts" if p.source == "alert" else commander,
            "declared",
            {
                "title": p.title,
                "severity": p.severity,
                "status": "triggered",
                "services": p.services,
                "detection_source": p.source,
            },
        )
    ]
    found += _status_events(p, commander, close)
    if p.acknowledged_at is not None:
        role = {"role": "incident_commander", "holder": commander, "previous": None}
        found.append((p.acknowledged_at + timedelta(seconds=30), commander, "role_assigned", role))
    for u in updates:
        data = {k: u[k] for k in ("status", "impact", "actions")}
        data["next_update_due_at"] = u["next_update_due_at"].isoformat()
        found.append((u["posted_at"], u["author"], "update_posted", data))
    if first_public is not None and due is not None:
        met = {"met": first_public <= due, "due_at": due.isoformat()}
        found.append((first_public, commander, "first_published", met))
    return found


@dataclass
class Drafted:
    """One incident as it will be written, before it has an id."""

    plan: PlannedIncident
    status: str
    closed: datetime | None
    updates: list[dict[str, Any]]
    due: datetime | None
    first_public: datetime | None
    row: dict[str, Any]


def draft(
    p: PlannedIncident, policy: SeverityPolicy, state: str, author: str, now: datetime
) -> Drafted:
    status = status_of(p, state, now)
    close = closed_at(p, status)
    due, first_public = public_ack(p, policy)
    updates = _updates(p, policy, author)
    last = updates[-1] if updates else None
    created = p.detected_at + timedelta(seconds=5)
    row = {
        "title": p.title,
        "summary": f"{p.alert_name} fired on {', '.join(p.services)}.",
        "status": status,
        "severity": p.severity,
        "detection_source": p.source,
        "learning": state,
        "created_by": "tocsin:alerts" if p.source == "alert" else author,
        "created_at": created,
        "updated_at": close or p.resolved_at or p.mitigated_at or created,
        "impact_started_at": p.impact_started_at,
        "detected_at": p.detected_at,
        "acknowledged_at": p.acknowledged_at,
        "mitigated_at": p.mitigated_at,
        "resolved_at": p.resolved_at,
        "closed_at": close,
        "last_update_at": last["posted_at"] if last else None,
        "next_update_due_at": last["next_update_due_at"] if last and not p.resolved_at else None,
        "public_ack_due_at": due,
        "first_public_at": first_public,
        "version": 1,
    }
    return Drafted(p, status, close, updates, due, first_public, row)


def write_incidents(
    session: Session,
    planned: list[PlannedIncident],
    directory: Directory,
    policies: Mapping[Severity, SeverityPolicy],
    learning: Mapping[int, str],
    now: datetime,
) -> Written:
    """``learning``: plan number → the learning state its postmortem gives the incident;
    the others have their severity policy's (pending when a postmortem is required)."""
    drafted = []
    for p in planned:
        policy = policies[Severity(p.severity)]
        state = learning.get(p.n) or ("pending" if policy.postmortem_required else "not_required")
        drafted.append(draft(p, policy, state, directory.person_names[p.commander], now))
    ids = insert_rows(session, Incident, [d.row for d in drafted])
    written = Written()
    services, roles, update_rows = [], [], []
    for iid, d in zip(ids, drafted, strict=True):
        p = d.plan
        written.incident_id[p.n] = iid
        services += [{"incident_id": iid, "service": s} for s in p.services]
        if p.acknowledged_at is not None:
            roles.append(_role(iid, p, directory, p.commander, "incident_commander"))
            if p.responder != p.commander:
                roles.append(_role(iid, p, directory, p.responder, "technical_lead"))
        update_rows += [{"incident_id": iid, **u} for u in d.updates]
        written.events += [
            {"incident_id": iid, "at": at, "actor": actor, "kind": kind, "data": data}
            for at, actor, kind, data in _events(d, directory)
        ]
    insert_plain(session, IncidentService, services)
    insert_rows(session, IncidentRole, roles)
    insert_rows(session, IncidentUpdate, update_rows)
    metrics_facts.refresh(session, ids)  # bulk rows bypass the write path that keeps them
    written.counts.update(incidents=len(ids), internal_updates=len(update_rows))
    return written


def write_events(session: Session, events: list[dict[str, Any]]) -> int:
    """The timeline, in time order (event ids follow time, as the service writes them)."""
    events.sort(key=lambda e: (e["at"], e["incident_id"]))
    return len(insert_rows(session, IncidentEvent, events))


def _role(iid: int, p: PlannedIncident, d: Directory, who: int, role: str) -> dict[str, Any]:
    assert p.acknowledged_at is not None
    return {
        "incident_id": iid,
        "role": role,
        "holder": d.person_names[who],
        "person_id": d.person_ids[who],
        "assigned_at": p.acknowledged_at + timedelta(seconds=30),
        "assigned_by": d.person_names[p.commander],
    }
