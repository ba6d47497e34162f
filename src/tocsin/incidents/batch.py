"""Declaring many incidents in one transaction, in a few statements (the alert writer's path).

:func:`~tocsin.incidents.commands.declare_in` opens one incident through the ORM. A batch of
alerts can open hundreds: :class:`Declarations` checks each one's rules when it is added (a
refusal raises there, before anything is written), hands out its id at once (the alerts
and their groups name it), and :meth:`Declarations.write` writes them all together: the
incident rows, their services and their ``declared`` events in one multi-row statement each,
the reminder timers in one, and then tells the listeners of each change, in the same
transaction, as ``declare_in`` does (paging's escalation snapshot and timer, the recurrence
timer, the status page). Every incident still gets exactly one ``declared`` event.

Ids: on SQLite the caller holds the write lock (``BEGIN IMMEDIATE``), so the ids after the
highest are its own; PostgreSQL takes each from the table's sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from tocsin import dbbulk
from tocsin.core import lifecycle
from tocsin.core.lifecycle import EventDraft, IncidentState, RuleViolation, Status
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.incidents import hooks, reminders
from tocsin.incidents.queries import load
from tocsin.incidents.roles import assign_in
from tocsin.incidents.schemas import IncidentCreate
from tocsin.incidents.tables import Incident, IncidentEvent, IncidentService
from tocsin.incidents.writing import state_columns

incidents = cast(Table, Incident.__table__)
incident_services = cast(Table, IncidentService.__table__)
incident_events = cast(Table, IncidentEvent.__table__)


class Refused(Exception):
    """Listeners refused some of the declarations (``RuleViolation``), by incident id.

    The transaction holds the others half-told: the caller rolls it back and tries again
    without the refused ones (the alert writer gives their alerts a ``not_opened`` outcome).
    """

    def __init__(self, refused: dict[int, RuleViolation]) -> None:
        super().__init__(f"{len(refused)} incidents refused by a listener")
        self.refused = refused


@dataclass(frozen=True)
class _Declared:
    id: int
    actor: str
    incident: IncidentCreate
    services: list[str]
    state: IncidentState
    event: EventDraft


class Declarations:
    """The incidents one transaction declares; written by :meth:`write`, before its commit."""

    def __init__(self, session: Session, policies: Mapping[Severity, SeverityPolicy]) -> None:
        self.session = session
        self.policies = policies
        self._pending: list[_Declared] = []
        self._next_id: int | None = None  # SQLite: the next free id

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, *, actor: str, incident: IncidentCreate, now: datetime) -> int:
        """Check the rules (``RuleViolation`` if they refuse it); the new incident's id."""
        state, event = lifecycle.open_incident(
            policy=self.policies[incident.severity],
            now=now,
            impact_started_at=incident.impact_started_at,
            detected_at=incident.detected_at,
            status=incident.status,
        )
        services = sorted(set(incident.services))
        data = {**event.data, "title": incident.title, "services": services}
        data["detection_source"] = incident.detection_source.value
        declared = _Declared(
            self._take_id(), actor, incident, services, state, EventDraft(event.kind, data)
        )
        self._pending.append(declared)
        return declared.id

    def _take_id(self) -> int:
        if self.session.get_bind().dialect.name != "sqlite":
            return dbbulk.next_ids(self.session, incidents, 1)[0]
        if self._next_id is None:
            self._next_id = dbbulk.next_ids(self.session, incidents, 1)[0]
        taken, self._next_id = self._next_id, self._next_id + 1
        return taken

    def write(self, now: datetime) -> None:
        """Write every incident added so far, then tell the listeners of each."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        session = self.session
        rows: list[dict[str, Any]] = []
        services: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for d in pending:
            rows.append(
                {
                    "id": d.id,
                    "title": d.incident.title,
                    "summary": d.incident.summary,
                    "detection_source": d.incident.detection_source.value,
                    "created_by": d.actor,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                    **state_columns(d.state),
                }
            )
            services.extend({"incident_id": d.id, "service": s} for s in d.services)
            event = {"incident_id": d.id, "at": now, "actor": d.actor, "kind": d.event.kind}
            events.append({**event, "data": d.event.data})
        dbbulk.insert_rows(session, incidents, rows)
        dbbulk.insert_rows(session, incident_services, services)
        dbbulk.insert_rows(session, incident_events, events)
        reminders.opened_in(session, [(d.id, 1, d.state) for d in pending])
        try:
            hooks.publish_many(session, [_change(d, now) for d in pending])
            for d in pending:
                self._assign(d, now)
            return
        except RuleViolation:
            pass
        # One was refused, so this transaction rolls back: only find which ones, each in a
        # savepoint, so the caller runs the batch again once without all of them.
        refused: dict[int, RuleViolation] = {}
        for d in pending:
            try:
                with session.begin_nested():
                    hooks.publish(session, _change(d, now))
                    self._assign(d, now)
            except RuleViolation as error:
                refused[d.id] = error
        raise Refused(refused)

    def _assign(self, d: _Declared, now: datetime) -> None:
        if d.incident.commander:  # not on the alert path; kept so the two paths agree
            assign_in(
                self.session,
                load(self.session, d.id),
                Role.INCIDENT_COMMANDER,
                holder=d.incident.commander,
                person_id=None,
                actor=d.actor,
                now=now,
                reason=None,
            )


def _change(d: _Declared, now: datetime) -> hooks.IncidentChanged:
    return hooks.IncidentChanged(
        incident_id=d.id,
        kind=d.event.kind,
        status=Status(d.state.status),
        severity=Severity(d.state.severity),
        services=tuple(d.services),
        actor=d.actor,
        at=now,
        version=1,
        data=d.event.data,
    )
