"""The members of an incident, who (with the admins) see it while it is private.

Members come in by themselves: whoever declared it (their user and linked person), the
directory people given a role, paged for it or added as stakeholders; and by hand through
the API (``added``). Membership stays when the role or page that brought it ends: only an
explicit removal ends it. Making an incident private or public is an admin's or its Incident
Commander's decision, and one timeline event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.access import accounts
from tocsin.core.lifecycle import EventDraft
from tocsin.core.roles import Role
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.errors import Conflict, Forbidden, NotFound
from tocsin.incidents import reminders
from tocsin.incidents.queries import load, people_briefs, to_out
from tocsin.incidents.schemas import IncidentOut, MemberOut
from tocsin.incidents.tables import IncidentMember, IncidentRole
from tocsin.incidents.visibility import refuse_hidden_in
from tocsin.incidents.writing import append, note_in, touch
from tocsin.oncall import service as oncall_service


def add_member_in(
    session: Session,
    *,
    incident_id: int,
    source: str,
    actor: str,
    user_id: int | None = None,
    person_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Make a user or a person (each given one) a member; a no-op for a member already."""
    for column, value in ((IncidentMember.user_id, user_id), (IncidentMember.person_id, person_id)):
        if value is None:
            continue
        taken = session.scalar(
            select(IncidentMember.id).where(
                IncidentMember.incident_id == incident_id, column == value
            )
        )
        if taken is None:
            session.add(
                IncidentMember(
                    incident_id=incident_id,
                    user_id=value if column is IncidentMember.user_id else None,
                    person_id=value if column is IncidentMember.person_id else None,
                    source=source,
                    added_at=at or clock.now(),
                    added_by=actor,
                )
            )
            session.flush()


def add_reader_in(session: Session, *, incident_id: int, reader: Reader, actor: str) -> None:
    """The declarer: their user and their linked person."""
    add_member_in(
        session,
        incident_id=incident_id,
        source="declared",
        actor=actor,
        user_id=reader.user_id,
        person_id=reader.person_id,
    )


def list_members(db: Database, *, incident_id: int, reader: Reader) -> list[MemberOut]:
    with db.reading() as session:
        refuse_hidden_in(session, reader, incident_id)
        rows = list(
            session.scalars(
                select(IncidentMember)
                .where(IncidentMember.incident_id == incident_id)
                .order_by(IncidentMember.id)
            )
        )
        people = people_briefs(session, [r.person_id for r in rows if r.person_id])
        return [
            MemberOut(
                id=r.id,
                incident_id=r.incident_id,
                user_id=r.user_id,
                person=people.get(r.person_id) if r.person_id else None,
                source=r.source,
                added_at=r.added_at,
                added_by=r.added_by,
            )
            for r in rows
        ]


def add_member(
    db: Database,
    *,
    incident_id: int,
    reader: Reader,
    actor: str,
    user_id: int | None = None,
    person_id: int | None = None,
) -> list[MemberOut]:
    """Add a user or a person by hand (``added``); the members after it."""
    if user_id is not None:
        accounts.get_user(db, user_id=user_id)  # 404 naming user_id
    with db.transaction() as session:
        refuse_hidden_in(session, reader, incident_id)
        if person_id is not None and not oncall_service.people_in(session, [person_id]):
            raise NotFound(f"no person with id {person_id}", field="person_id")
        add_member_in(
            session,
            incident_id=incident_id,
            source="added",
            actor=actor,
            user_id=user_id,
            person_id=person_id,
        )
        who = {"user_id": user_id} if user_id is not None else {"person_id": person_id}
        note_in(
            session,
            incident_id=incident_id,
            actor=actor,
            kind="member_added",
            data=who,
            at=clock.now(),
        )
    return list_members(db, incident_id=incident_id, reader=reader)


def remove_member(
    db: Database,
    *,
    incident_id: int,
    reader: Reader,
    actor: str,
    user_id: int | None = None,
    person_id: int | None = None,
) -> None:
    with db.transaction() as session:
        refuse_hidden_in(session, reader, incident_id)
        column, value, name = (
            (IncidentMember.user_id, user_id, "user_id")
            if user_id is not None
            else (IncidentMember.person_id, person_id, "person_id")
        )
        result = session.execute(
            delete(IncidentMember).where(IncidentMember.incident_id == incident_id, column == value)
        )
        gone = int(getattr(result, "rowcount", 0) or 0)
        if not gone:
            raise NotFound(f"{name}: not a member of this incident", field=name)
        note_in(
            session,
            incident_id=incident_id,
            actor=actor,
            kind="member_removed",
            data={name: value},
            at=clock.now(),
        )


def set_private(
    db: Database,
    *,
    incident_id: int,
    reader: Reader,
    actor: str,
    private: bool,
    reason: str | None = None,
) -> IncidentOut:
    """Make the incident private or public: an admin's or its Incident Commander's call."""
    with db.transaction() as session:
        refuse_hidden_in(session, reader, incident_id)
        row = load(session, incident_id, for_update=True)
        if not reader.admin and not _commands(session, incident_id, reader):
            raise Forbidden(
                "private: only an admin or the incident's Incident Commander may change it",
                field="private",
            )
        if private and row.first_public_at is not None:
            raise Conflict(
                "private: the incident is on the status page already; it cannot be made private",
                field="private",
            )
        if row.private != private:
            now = clock.now()
            before = reminders.deadlines(row)
            row.private = private
            touch(row, now)
            reminders.sync_in(session, row, before)  # a private one is not to be published
            kind = "made_private" if private else "made_public"
            append(session, row, actor, now, EventDraft(kind, {"reason": reason}))
            if private:
                add_reader_in(session, incident_id=row.id, reader=reader, actor=actor)
        return to_out(session, [row])[0]


def _commands(session: Session, incident_id: int, reader: Reader) -> bool:
    if reader.person_id is None:
        return False
    held = session.scalar(
        select(IncidentRole.id).where(
            IncidentRole.incident_id == incident_id,
            IncidentRole.role == Role.INCIDENT_COMMANDER.value,
            IncidentRole.person_id == reader.person_id,
        )
    )
    return held is not None
