"""JSON routes: integrations, alerts (with their decision trace), silences and noise.

The ingest endpoints themselves (``/hooks``, ``/v2/enqueue``) are in :mod:`tocsin.alerts.ingest`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from tocsin import clock
from tocsin.access.api import Responder, Viewer
from tocsin.access.service import Principal
from tocsin.alerts import feedback, integrations, service, silences
from tocsin.alerts.schemas import (
    AlertOut,
    FeedbackIn,
    IntegrationCreate,
    IntegrationCreated,
    IntegrationOut,
    IntegrationPatch,
    NoiseRow,
    SilenceCreate,
    SilenceOut,
)
from tocsin.alerts.state import IngestState
from tocsin.db import Database
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, Forbidden, InvalidInput, answers
from tocsin.fields import Id
from tocsin.incidents import service as incidents_service
from tocsin.oncall import service as oncall
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1")


def ingest_state(request: Request) -> IngestState:
    """This application's alert ingest state (``tocsin.assembly``): caches to keep in step."""
    state: IngestState = request.app.state.tocsin.ingest
    return state


State = Annotated[IngestState, Depends(ingest_state)]
AlertStatus = Literal["firing", "acknowledged", "resolved", "silenced"]


def _may_change_integration(
    db: Database, state: IngestState, principal: Principal, integration_id: int
) -> None:
    """Admins change any integration; a team admin those of their team's services."""
    found = integrations.get_integration(db, state=state, integration_id=integration_id)
    oncall.require_change(db, principal, oncall.service_team_if_any(db, name=found.service))


@router.post(
    "/integrations", status_code=201, tags=["alerts"], responses=answers(Conflict, Forbidden)
)
def create_integration(
    body: IntegrationCreate, db: DbDep, state: State, settings: SettingsDep, principal: Responder
) -> IntegrationCreated:
    """Create an integration; the answer holds its secret ``key`` (shown once) and ``url``.
    Admins, or a team admin for a service of their team.

    ``legacy_key`` (an old tool's key, write-only) also reaches it; 409 if another has it."""
    oncall.require_change(db, principal, oncall.service_team_if_any(db, name=body.service))
    return integrations.create_integration(
        db, state=state, integration=body, created_by=principal.actor, base_url=settings.base_url
    )


@router.get("/integrations", tags=["alerts"])
def list_integrations(
    db: DbDep, state: State, _: Viewer, include_revoked: bool = False
) -> list[IntegrationOut]:
    return integrations.list_integrations(db, state=state, include_revoked=include_revoked)


@router.get("/integrations/{integration_id}", tags=["alerts"])
def get_integration(integration_id: Id, db: DbDep, state: State, _: Viewer) -> IntegrationOut:
    return integrations.get_integration(db, state=state, integration_id=integration_id)


@router.patch(
    "/integrations/{integration_id}", tags=["alerts"], responses=answers(Conflict, Forbidden)
)
def change_integration(
    integration_id: Id, body: IntegrationPatch, db: DbDep, state: State, principal: Responder
) -> IntegrationOut:
    """Change rules; ``legacy_key`` sets the old tool's key, ``null`` removes it (409 if
    another integration has it)."""
    _may_change_integration(db, state, principal, integration_id)
    return integrations.change_integration(
        db, state=state, integration_id=integration_id, patch=body
    )


@router.post("/integrations/{integration_id}/rotate", tags=["alerts"], responses=answers(Forbidden))
def rotate_key(
    integration_id: Id, db: DbDep, state: State, settings: SettingsDep, principal: Responder
) -> IntegrationCreated:
    """Replace the key; the old one stops working."""
    _may_change_integration(db, state, principal, integration_id)
    return integrations.rotate_key(
        db, state=state, integration_id=integration_id, base_url=settings.base_url
    )


@router.delete("/integrations/{integration_id}", tags=["alerts"], responses=answers(Forbidden))
def revoke_integration(
    integration_id: Id, db: DbDep, state: State, principal: Responder
) -> IntegrationOut:
    """Revoke: its key gets 404/401 from then on and nothing more is stored."""
    _may_change_integration(db, state, principal, integration_id)
    return integrations.revoke_integration(db, state=state, integration_id=integration_id)


@router.get("/alerts", tags=["alerts"])
def list_alerts(
    db: DbDep,
    principal: Viewer,
    status: AlertStatus | None = None,
    integration: Id | None = None,
    incident: Id | None = None,
    name: Annotated[str | None, Query(max_length=255)] = None,
    open: bool | None = None,
    service_name: Annotated[
        str | None, Query(alias="service", max_length=100, description="Its integration's.")
    ] = None,
    text: Annotated[
        str | None, Query(max_length=200, description="In the name or summary, any case.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=20, pattern=r"^\d+$")] = None,
) -> Page[AlertOut]:
    where = service.AlertFilter(
        status=status,
        integration_id=integration,
        incident_id=incident,
        name=name,
        open=open,
        service=service_name,
        text=text,
    )
    reader = incidents_service.reader_of(principal)
    return service.list_alerts(db, where=where, limit=limit, cursor=cursor, reader=reader)


@router.get("/alerts/noise", tags=["alerts"])
def noise(
    db: DbDep,
    _: Viewer,
    since: Annotated[AwareDatetime | None, Query(description="Default: 7 days ago")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Default: now")] = None,
) -> list[NoiseRow]:
    """Per alert name: events, incidents opened, and the share acknowledged with no action."""
    now = clock.now()
    since = since or now - timedelta(days=7)
    if until is not None and until <= since:
        raise InvalidInput("until: must be after since", field="until")
    return service.noise(db, since=since, until=until)


@router.get("/alerts/{alert_id}", tags=["alerts"])
def get_alert(alert_id: Id, db: DbDep, principal: Viewer) -> AlertOut:
    """One alert with its decision trace: why it opened, joined or did not open an incident.
    An alert of a private incident the caller is no member of answers 404."""
    return service.get_alert(db, alert_id=alert_id, reader=incidents_service.reader_of(principal))


@router.get("/incidents/{incident_id}/alerts", tags=["alerts"])
def incident_alerts(incident_id: Id, db: DbDep, _: Viewer) -> list[AlertOut]:
    return service.incident_alerts(db, incident_id=incident_id)


@router.post("/alerts/{alert_id}/feedback", tags=["alerts"])
def alert_feedback(alert_id: Id, body: FeedbackIn, db: DbDep, principal: Responder) -> AlertOut:
    """Mark an alert actionable or noise (counted in the noise figures and the metrics)."""
    return feedback.mark_alert(db, alert_id=alert_id, verdict=body.verdict, actor=principal.actor)


@router.post(
    "/incidents/{incident_id}/alerts/feedback", tags=["alerts"], responses=answers(Conflict)
)
def incident_alerts_feedback(
    incident_id: Id, body: FeedbackIn, db: DbDep, principal: Responder
) -> list[AlertOut]:
    """Mark every alert of an incident actionable or noise; 409 if no alert opened it."""
    return feedback.mark_incident_alerts(
        db, incident_id=incident_id, verdict=body.verdict, actor=principal.actor
    )


@router.post("/silences", status_code=201, tags=["alerts"])
def create_silence(
    body: SilenceCreate, db: DbDep, state: State, principal: Responder
) -> SilenceOut:
    """Silence matching alerts between two times (optionally inside a weekly window)."""
    return silences.create_silence(db, state=state, silence=body, created_by=principal.actor)


@router.get("/silences", tags=["alerts"])
def list_silences(db: DbDep, _: Viewer, include_expired: bool = False) -> list[SilenceOut]:
    return silences.list_silences(db, include_expired=include_expired)


@router.get("/silences/{silence_id}", tags=["alerts"])
def get_silence(silence_id: Id, db: DbDep, _: Viewer) -> SilenceOut:
    return silences.get_silence(db, silence_id=silence_id)


@router.delete("/silences/{silence_id}", tags=["alerts"])
def expire_silence(silence_id: Id, db: DbDep, state: State, _: Responder) -> SilenceOut:
    """Expire now: matching alerts open incidents again from their next event."""
    return silences.expire_silence(db, state=state, silence_id=silence_id)
