"""Public incidents: published on purpose, each with its own title, impact and texts.

Nothing of the internal incident is copied onto the page but the link: its notes, updates
and timeline stay internal; the public text is written for the public, update by update.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.statuspage import (
    DEFAULT_IMPACT,
    Impact,
    PublicStatus,
    PublicTemplate,
    compose_update,
)
from tocsin.db import Database
from tocsin.errors import InvalidInput, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.statuspage.schemas import (
    PublicIncidentCreate,
    PublicIncidentOut,
    PublicIncidentPatch,
    PublicUpdateCreate,
    PublicUpdateOut,
)
from tocsin.statuspage.service import changed_in, lock_state_in, page_in
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.subscribers.updates import notify_update_in
from tocsin.statuspage.tables import PublicIncident, PublicUpdate, StatusComponent
from tocsin.storage import get_or_404


def _out(session: Session, row: PublicIncident) -> PublicIncidentOut:
    updates = session.scalars(
        select(PublicUpdate)
        .where(PublicUpdate.public_incident_id == row.id)
        .order_by(PublicUpdate.id.desc())
    )
    return PublicIncidentOut(
        id=row.id,
        page_id=row.page_id,
        incident_id=row.incident_id,
        name=row.name,
        status=PublicStatus(row.status),
        impact=Impact(row.impact),
        components=list(row.component_ids),
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        monitoring_at=row.monitoring_at,
        resolved_at=row.resolved_at,
        updates=[
            PublicUpdateOut(
                id=u.id,
                status=PublicStatus(u.status),
                body=u.body,
                created_at=u.created_at,
                author=u.author,
            )
            for u in updates
        ],
    )


def check_components(
    session: Session, ids: Sequence[int], page_id: int, *, groups: bool = False
) -> list[int]:
    """``ids`` without repeats; a 422 naming ``components`` if one is not a component on the
    page (with ``groups``: naming ``groups`` if one is not a group on the page)."""
    ids = list(dict.fromkeys(ids))
    known = set(
        session.scalars(
            select(StatusComponent.id).where(
                StatusComponent.id.in_(ids),
                StatusComponent.is_group.is_(groups),
                StatusComponent.page_id == page_id,
            )
        )
    )
    missing = [i for i in ids if i not in known]
    if missing:
        field, kind = ("groups", "group") if groups else ("components", "component")
        message = f"{field}: no {kind} {missing[0]} on page {page_id}"
        raise InvalidInput(message, field=field)
    return ids


def _components_of_services(session: Session, services: Sequence[str], page_id: int) -> list[int]:
    rows = session.scalars(
        select(StatusComponent).where(
            StatusComponent.is_group.is_(False), StatusComponent.page_id == page_id
        )
    )
    return [row.id for row in rows if set(row.services) & set(services)]


def public_text(body: PublicIncidentCreate | PublicUpdateCreate) -> str:
    """An update's text: as written, or made from its template's parts."""
    if (body.body is None) == (body.template is None):
        raise InvalidInput("body: send the text in body, or its parts in template", field="body")
    if body.body is not None:
        return body.body
    parts = body.template
    assert parts is not None
    minutes = parts.next_update_in_minutes
    return compose_update(
        PublicTemplate(
            acknowledgement=parts.acknowledgement,
            impact=parts.impact,
            action=parts.action,
            next_update_at=clock.now() + timedelta(minutes=minutes) if minutes else None,
        )
    )


def _apply_status(row: PublicIncident, status: PublicStatus) -> None:
    now = clock.now()
    row.status = status.value
    row.updated_at = now
    if status is PublicStatus.MONITORING and row.monitoring_at is None:
        row.monitoring_at = now
    row.resolved_at = (row.resolved_at or now) if status is PublicStatus.RESOLVED else None


def publish(
    db: Database, store: SnapshotStore, *, body: PublicIncidentCreate, actor: str
) -> PublicIncidentOut:
    """Put an incident on the public page, with its first public update."""
    text = public_text(body)
    with db.transaction() as session:
        if body.incident_id is not None:  # its lock first, as incident changes take them
            at = clock.now()
            incidents_service.mark_published_in(
                session, incident_id=body.incident_id, at=at, actor=actor
            )
        state = lock_state_in(session)
        page_in(session, body.page_id)
        impact = body.impact
        components = body.components
        if body.incident_id is not None:
            try:
                internal = incidents_service.snapshot(session, incident_id=body.incident_id)
                if internal.private:  # answered as a missing one: nothing says it exists
                    raise NotFound(f"incident {body.incident_id} is private")
            except NotFound:
                message = f"incident_id: no incident {body.incident_id} (a private one never is)"
                raise InvalidInput(message, field="incident_id") from None
            impact = impact or DEFAULT_IMPACT[internal.severity]
            if components is None:
                components = _components_of_services(session, internal.services, body.page_id)
        now = clock.now()
        row = PublicIncident(
            page_id=body.page_id,
            incident_id=body.incident_id,
            name=body.name,
            status=body.status.value,
            impact=(impact or Impact.NONE).value,
            component_ids=check_components(session, components or [], body.page_id),
            created_at=now,
            updated_at=now,
            started_at=now,
            created_by=actor,
        )
        _apply_status(row, body.status)
        session.add(row)
        session.flush()
        update = PublicUpdate(
            public_incident_id=row.id,
            status=body.status.value,
            body=text,
            created_at=now,
            author=actor,
        )
        session.add(update)
        changed_in(session, state, store)
        session.flush()
        notify_update_in(session, store, incident=row, update=update)
        return _out(session, row)


def post_update(
    db: Database, store: SnapshotStore, *, public_id: int, body: PublicUpdateCreate, actor: str
) -> PublicIncidentOut:
    """A new public update; it sets the public incident's status."""
    text = public_text(body)
    with db.transaction() as session:
        state = lock_state_in(session)
        row = get_or_404(session, PublicIncident, public_id, "public incident")
        _apply_status(row, body.status)
        update = PublicUpdate(
            public_incident_id=row.id,
            status=body.status.value,
            body=text,
            created_at=row.updated_at,
            author=actor,
        )
        session.add(update)
        changed_in(session, state, store)
        session.flush()
        notify_update_in(session, store, incident=row, update=update)
        return _out(session, row)


def edit(
    db: Database, store: SnapshotStore, *, public_id: int, body: PublicIncidentPatch
) -> PublicIncidentOut:
    with db.transaction() as session:
        state = lock_state_in(session)
        row = get_or_404(session, PublicIncident, public_id, "public incident")
        sent = body.model_fields_set
        if "name" in sent:
            row.name = body.name
        if "impact" in sent:
            row.impact = body.impact.value
        if "components" in sent:
            row.component_ids = check_components(session, body.components, row.page_id)
        row.updated_at = clock.now()
        changed_in(session, state, store)
        return _out(session, row)


def list_public(db: Database, *, limit: int = 50) -> list[PublicIncidentOut]:
    with db.reading() as session:
        rows = session.scalars(
            select(PublicIncident).order_by(PublicIncident.id.desc()).limit(limit)
        )
        return [_out(session, row) for row in rows]


def get_public(db: Database, *, public_id: int) -> PublicIncidentOut:
    with db.reading() as session:
        return _out(session, get_or_404(session, PublicIncident, public_id, "public incident"))


def public_updates_of_in(session: Session, *, incident_id: int) -> list[dict[str, Any]]:
    """The public updates posted for an internal incident, oldest first (for postmortems'
    timelines): each ``{"id", "at", "author", "status", "body", "page_id", "name"}``."""
    rows = session.execute(
        select(PublicUpdate, PublicIncident.page_id, PublicIncident.name)
        .join(PublicIncident, PublicIncident.id == PublicUpdate.public_incident_id)
        .where(PublicIncident.incident_id == incident_id)
        .order_by(PublicUpdate.created_at, PublicUpdate.id)
    )
    return [
        {
            "id": update.id,
            "at": update.created_at,
            "author": update.author,
            "status": update.status,
            "body": update.body,
            "page_id": page_id,
            "name": name,
        }
        for update, page_id, name in rows
    ]


def incident_section(db: Database, incident_id: int) -> dict[str, Any]:
    """The incident page's status page part: the public incidents that tell of it, newest
    first, each with its updates."""
    with db.reading() as session:
        rows = session.scalars(
            select(PublicIncident)
            .where(PublicIncident.incident_id == incident_id)
            .order_by(PublicIncident.id.desc())
        )
        return {"public_incidents": [_out(session, row) for row in rows]}
