"""Paging routes: the notification history of an incident, and signed acknowledge links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tocsin.access.api import Responder, Viewer
from tocsin.deps import DbDep, SettingsDep
from tocsin.fields import Id
from tocsin.notify.schemas import NotificationOut
from tocsin.paging import links, service, trial_pages
from tocsin.paging.schemas import PagingOut
from tocsin.templating import templates

router = APIRouter(tags=["paging"])


@router.get("/api/v1/incidents/{incident_id}/paging")
def paging_history(incident_id: Id, db: DbDep, _: Viewer) -> PagingOut:
    """The escalation (frozen policy, current level) and every notification with its attempts."""
    return service.paging_of(db, incident_id=incident_id)


@router.post("/api/v1/people/{person_id}/contact-methods/{contact_method_id}/test", status_code=202)
def send_test_page(
    person_id: Id, contact_method_id: Id, db: DbDep, settings: SettingsDep, principal: Responder
) -> NotificationOut:
    """Send one test message to this contact method now, through the outbox like a page."""
    return trial_pages.send_test_page(
        db,
        person_id=person_id,
        contact_method_id=contact_method_id,
        actor=principal.actor,
        base_url=settings.base_url,
    )


@router.get("/api/v1/people/{person_id}/test-pages")
def list_test_pages(person_id: Id, db: DbDep, _: Viewer) -> list[NotificationOut]:
    """The person's latest 20 test pages, with every delivery attempt."""
    return trial_pages.recent_test_pages(db, person_id=person_id)


def _ack_response(request: Request, shown: links.AckPage) -> Response:
    context = {"principal": None, "shown": shown}
    status = 410 if shown.expired else 200
    return templates.TemplateResponse(request, "ack.html", context, status_code=status)


@router.get("/ack/{incident_id}/{person_id}/{expires}/{signature}", include_in_schema=False)
def ack_page(
    request: Request,
    incident_id: Id,
    person_id: Id,
    expires: int,
    signature: str,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """What the link acknowledges, and a button: mail scanners open links, only a click acks."""
    shown = links.open_link(
        db,
        settings,
        incident_id=incident_id,
        person_id=person_id,
        expires=expires,
        signature=signature,
    )
    return _ack_response(request, shown)


@router.post("/ack/{incident_id}/{person_id}/{expires}/{signature}", include_in_schema=False)
def ack_by_link(
    request: Request,
    incident_id: Id,
    person_id: Id,
    expires: int,
    signature: str,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    shown = links.acknowledge(
        db,
        settings,
        incident_id=incident_id,
        person_id=person_id,
        expires=expires,
        signature=signature,
    )
    return _ack_response(request, shown)


@router.api_route(
    "/ack/{incident_id}/{person_id}/{signature}", methods=["GET", "POST"], include_in_schema=False
)
def ack_link_without_expiry(request: Request, incident_id: Id) -> Response:
    """Links sent before links expired: they no longer acknowledge."""
    context = {"principal": None, "shown": None, "incident_id": incident_id}
    return templates.TemplateResponse(request, "ack.html", context, status_code=410)
