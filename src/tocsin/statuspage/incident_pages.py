"""The incident page's status page forms: publish the incident (its public title and first
public update, written on the template's parts) and post a public update, as the API's
POST /api/v1/statuspage/incidents and .../updates do. Nothing internal is copied."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from tocsin.access.pages import PagePrincipal
from tocsin.deps import DbDep
from tocsin.fields import Id
from tocsin.incidents.forms import attempt, form_actor
from tocsin.statuspage import publishing
from tocsin.statuspage.schemas import PublicIncidentCreate, PublicUpdateCreate, PublicUpdateParts
from tocsin.statuspage.snapshot import SnapshotStore

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=20_000)]


def _store(request: Request) -> SnapshotStore:
    store: SnapshotStore = request.app.state.tocsin.statuspage
    return store


def _parts(acknowledgement: str, impact: str, action: str, minutes: str) -> PublicUpdateParts:
    return PublicUpdateParts(
        acknowledgement=acknowledgement,
        impact=impact,
        action=action,
        next_update_in_minutes=minutes.strip() or None,
    )


@router.post("/incidents/{incident_id}/statuspage")
def publish_from_form(
    request: Request,
    incident_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    name: Text = "",
    status: Text = "investigating",
    acknowledgement: Text = "",
    impact: Text = "",
    action: Text = "",
    next_update_in_minutes: Text = "",
) -> Response:
    def publish() -> None:
        actor = form_actor(principal)  # the role first: a viewer's form is refused, not read
        body = PublicIncidentCreate(
            incident_id=incident_id,
            name=name,
            status=status,
            template=_parts(acknowledgement, impact, action, next_update_in_minutes),
        )
        publishing.publish(db, _store(request), body=body, actor=actor)

    return attempt(f"/incidents/{incident_id}", publish)


@router.post("/incidents/{incident_id}/statuspage/{public_id}/updates")
def public_update_from_form(
    request: Request,
    incident_id: Id,
    public_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    status: Text = "",
    acknowledgement: Text = "",
    impact: Text = "",
    action: Text = "",
    next_update_in_minutes: Text = "",
) -> Response:
    def post() -> None:
        actor = form_actor(principal)  # the role first: a viewer's form is refused, not read
        body = PublicUpdateCreate(
            status=status, template=_parts(acknowledgement, impact, action, next_update_in_minutes)
        )
        publishing.post_update(db, _store(request), public_id=public_id, body=body, actor=actor)

    return attempt(f"/incidents/{incident_id}", post)
