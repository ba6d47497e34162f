"""Signed acknowledge links: ``/ack/{incident}/{person}/{expires}/{signature}``.

The signature (the instance's secret key) covers the incident, the person paged and the
expiry (unix seconds, ``TOCSIN_ACK_LINK_TTL_HOURS`` after the page), so none of them can be
changed. Opening a link only shows what it would acknowledge: mail scanners and link
previews fetch links, and some run the page's scripts, so the page has none; only the
button's POST, that is a person's click, acknowledges.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tocsin import clock
from tocsin.config import Settings
from tocsin.core.lifecycle import RuleViolation, Status
from tocsin.core.visibility import EVERYONE
from tocsin.db import Database
from tocsin.errors import Forbidden, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.incidents.schemas import EventOut, IncidentOut
from tocsin.oncall import service as oncall_service

TIMELINE_PAGE = 200

PAGED = EVERYONE
"""A signed link is the right of the person paged (a member by being paged) to see it."""


@dataclass(frozen=True)
class AckPage:
    """What the page shows about a link, and what has happened since it was sent."""

    incident: IncidentOut
    paged: str  # the person the link was sent to
    expires_at: datetime
    expired: bool
    answered: EventOut | None  # the first move out of ``triggered``: who and when


def _message(incident_id: int, person_id: int, expires: int) -> str:
    return f"ack:{incident_id}:{person_id}:{expires}"


def ack_url(settings: Settings, incident_id: int, person_id: int) -> str:
    """A link for ``person_id`` to acknowledge ``incident_id``, valid from now for the TTL."""
    expires = int((clock.now() + timedelta(hours=settings.ack_link_ttl_hours)).timestamp())
    signature = settings.secret_box.sign(_message(incident_id, person_id, expires))
    return f"{settings.base_url}/ack/{incident_id}/{person_id}/{expires}/{signature}"


def _verified(
    settings: Settings, incident_id: int, person_id: int, expires: int, signature: str
) -> datetime:
    if not settings.secret_box.verify(_message(incident_id, person_id, expires), signature):
        raise Forbidden("this acknowledge link is not valid", field="signature")
    return datetime.fromtimestamp(expires, UTC)  # ours, so a sane number


def _first_answer(db: Database, incident_id: int) -> EventOut | None:
    cursor: str | None = None
    while True:
        page = incidents_service.timeline(
            db, incident_id=incident_id, limit=TIMELINE_PAGE, cursor=cursor, reader=PAGED
        )
        for event in page.items:
            if event.kind == "status_changed" and event.data.get("from") == Status.TRIGGERED.value:
                return event
        if page.next_cursor is None:
            return None
        cursor = page.next_cursor


def _person(db: Database, person_id: int) -> tuple[str, str]:
    """How to show the person, and how the timeline names them."""
    try:
        person = oncall_service.get_person(db, person_id=person_id)
    except NotFound:
        return f"person #{person_id}", f"person:{person_id} (link)"
    return f"{person.name} (@{person.handle})", f"person:{person.handle} (link)"


def _page(db: Database, incident_id: int, person_id: int, expires_at: datetime) -> AckPage:
    incident = incidents_service.get_incident(db, incident_id=incident_id, reader=PAGED)
    answered = None if incident.status is Status.TRIGGERED else _first_answer(db, incident_id)
    return AckPage(
        incident=incident,
        paged=_person(db, person_id)[0],
        expires_at=expires_at,
        expired=clock.now() >= expires_at,
        answered=answered,
    )


def open_link(
    db: Database,
    settings: Settings,
    *,
    incident_id: int,
    person_id: int,
    expires: int,
    signature: str,
) -> AckPage:
    """What the link would acknowledge; changes nothing."""
    expires_at = _verified(settings, incident_id, person_id, expires, signature)
    return _page(db, incident_id, person_id, expires_at)


def acknowledge(
    db: Database,
    settings: Settings,
    *,
    incident_id: int,
    person_id: int,
    expires: int,
    signature: str,
) -> AckPage:
    """Acknowledge (a person pressed the button) unless the link expired or someone was first."""
    expires_at = _verified(settings, incident_id, person_id, expires, signature)
    shown = _page(db, incident_id, person_id, expires_at)
    if shown.expired or shown.incident.status is not Status.TRIGGERED:
        return shown
    with suppress(RuleViolation):  # someone else moved it first: the page says who
        incidents_service.change_status(
            db,
            incident_id=incident_id,
            actor=_person(db, person_id)[1],
            status=Status.ACKNOWLEDGED,
            message="acknowledged from the notification link",
        )
    return _page(db, incident_id, person_id, expires_at)
