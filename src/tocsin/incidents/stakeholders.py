"""Stakeholders: people (of the directory, or by mail address) who follow an incident's
internal updates by mail.

Each update reaches each stakeholder once: its outbox message is queued in the update's own
transaction with the key ``update:<update id>:stakeholder:<stakeholder id>``, so the update
and its mails commit together and a repeat is a no-op. A directory person gets the mail at
their first mail contact method; an address, directly. Removing a stakeholder cancels what
is still queued for them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.incidents.members import add_member_in
from tocsin.incidents.queries import load, people_briefs, reference
from tocsin.incidents.schemas import PersonBrief, StakeholderCreate, StakeholderOut
from tocsin.incidents.tables import Incident, IncidentStakeholder, IncidentUpdate
from tocsin.incidents.visibility import members_in, refuse_hidden_in
from tocsin.incidents.writing import note_in, refuse_if_closed
from tocsin.notify import render
from tocsin.notify import service as notify_service
from tocsin.oncall import service as oncall_service
from tocsin.storage import flush_unique

ACTOR = "tocsin:stakeholders"


def _group(stakeholder_id: int) -> str:
    return f"stakeholder:{stakeholder_id}"


def add_stakeholder(
    db: Database, *, incident_id: int, actor: str, body: StakeholderCreate
) -> StakeholderOut:
    """Subscribe a directory person or a mail address to the incident's internal updates."""
    if (body.person_id is None) == (body.email is None):
        message = "person_id: give exactly one of person_id and email"
        raise InvalidInput(message, field="person_id")
    field = "person_id" if body.person_id is not None else "email"
    with db.transaction() as session:
        row = load(session, incident_id, for_update=True)
        refuse_if_closed(row, "adding stakeholders")
        _refuse_unknown_or_taken(session, row.id, body, field)
        now = clock.now()
        added = IncidentStakeholder(
            incident_id=row.id,
            person_id=body.person_id,
            email=body.email,
            added_at=now,
            added_by=actor,
        )
        session.add(added)
        flush_unique(session, field=field, message="already a stakeholder of this incident")
        out = _outs(session, [added])[0]
        if body.person_id is not None:
            add_member_in(
                session,
                incident_id=row.id,
                source="stakeholder",
                actor=actor,
                person_id=body.person_id,
                at=now,
            )
        data = {"stakeholder_id": added.id, "who": _who(out)}
        note_in(
            session, incident_id=row.id, actor=actor, kind="stakeholder_added", data=data, at=now
        )
        return out


def _refuse_unknown_or_taken(
    session: Session, incident_id: int, body: StakeholderCreate, field: str
) -> None:
    if body.person_id is not None:
        if not oncall_service.people_in(session, [body.person_id]):
            message = f"person_id: no person with id {body.person_id}"
            raise InvalidInput(message, field="person_id")
        same = IncidentStakeholder.person_id == body.person_id
    else:
        same = IncidentStakeholder.email == body.email
    taken = select(IncidentStakeholder.id).where(
        IncidentStakeholder.incident_id == incident_id, same
    )
    if session.scalar(taken) is not None:
        raise Conflict("already a stakeholder of this incident", field=field)


def list_stakeholders(db: Database, *, incident_id: int, reader: Reader) -> list[StakeholderOut]:
    with db.reading() as session:
        refuse_hidden_in(session, reader, incident_id)
        return _outs(session, _rows(session, incident_id))


def remove_stakeholder(db: Database, *, incident_id: int, stakeholder_id: int, actor: str) -> None:
    with db.transaction() as session:
        load(session, incident_id, for_update=True)
        row = session.get(IncidentStakeholder, stakeholder_id)
        if row is None or row.incident_id != incident_id:
            message = f"incident {incident_id} has no stakeholder {stakeholder_id}"
            raise NotFound(message, field="stakeholder_id")
        who = _who(_outs(session, [row])[0])
        notify_service.cancel_group_in(session, group=_group(row.id))
        session.delete(row)
        data = {"stakeholder_id": stakeholder_id, "who": who}
        now = clock.now()
        note_in(
            session,
            incident_id=incident_id,
            actor=actor,
            kind="stakeholder_removed",
            data=data,
            at=now,
        )


def send_update_in(
    session: Session, incident: Incident, update: IncidentUpdate, *, base_url: str, now: datetime
) -> None:
    """Queue ``update`` for every stakeholder, in the update's transaction; of a private
    incident, only for the stakeholders who are members (an address is none)."""
    rows = _rows(session, incident.id)
    if incident.private:
        members = members_in(session, incident.id)
        rows = [r for r in rows if r.person_id in members.person_ids]
    if not rows:
        return
    names = people_briefs(session, [r.person_id for r in rows if r.person_id])
    data = {
        "id": incident.id,
        "reference": reference(incident.id),
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status,
        "url": f"{base_url}/incidents/{incident.id}" if base_url else None,
    }
    due = update.next_update_due_at
    content = {
        "status": update.status,
        "impact": update.impact,
        "actions": update.actions,
        "posted_at": update.posted_at.strftime("%Y-%m-%d %H:%M UTC"),
        "next_update_due_at": due.strftime("%Y-%m-%d %H:%M UTC") if due else None,
    }
    unreachable: list[str] = []
    for row in rows:
        route = _route_in(session, row, names)
        if route is None:
            unreachable.append(_name(row, names))
            continue
        key = f"update:{update.id}:stakeholder:{row.id}"
        message = render.update_message(idempotency_key=key, incident=data, update=content)
        notify_service.enqueue_in(
            session,
            key=key,
            group=_group(row.id),
            kind="email",
            target_label=f"stakeholder {route.label}",
            message=replace(message, to=route.to),
            due_at=now,
            incident_id=incident.id,
            person_id=row.person_id,
            contact_method_id=route.contact_method_id,
        )
    if unreachable:
        note = {"update_id": update.id, "people": unreachable, "reason": "no mail contact method"}
        note_in(
            session,
            incident_id=incident.id,
            actor=ACTOR,
            kind="stakeholders_unreachable",
            data=note,
            at=now,
        )


@dataclass(frozen=True)
class _Route:
    label: str
    contact_method_id: int | None  # a directory person's mail contact method
    to: str | None  # else the stakeholder's own address


def _route_in(
    session: Session, row: IncidentStakeholder, names: dict[int, PersonBrief]
) -> _Route | None:
    """Where a stakeholder's mail goes; None for a person with no mail contact method."""
    if row.person_id is None:
        return _Route(label=row.email or "", contact_method_id=None, to=row.email)
    contact = oncall_service.mail_contact_in(session, person_id=row.person_id)
    if contact is None:
        return None
    label = f"{_name(row, names)} · {contact.label}"
    return _Route(label=label, contact_method_id=contact.contact_method_id, to=None)


def _name(row: IncidentStakeholder, names: dict[int, PersonBrief]) -> str:
    if row.person_id is not None and row.person_id in names:
        return names[row.person_id].name
    return row.email or f"person {row.person_id}"


def _rows(session: Session, incident_id: int) -> list[IncidentStakeholder]:
    query = (
        select(IncidentStakeholder)
        .where(IncidentStakeholder.incident_id == incident_id)
        .order_by(IncidentStakeholder.id)
    )
    return list(session.scalars(query))


def _outs(session: Session, rows: list[IncidentStakeholder]) -> list[StakeholderOut]:
    names = people_briefs(session, [r.person_id for r in rows if r.person_id])
    return [
        StakeholderOut(
            id=r.id,
            incident_id=r.incident_id,
            person=names.get(r.person_id) if r.person_id else None,
            email=r.email,
            added_at=r.added_at,
            added_by=r.added_by,
        )
        for r in rows
    ]


def _who(out: StakeholderOut) -> str:
    return out.person.name if out.person else (out.email or "")
