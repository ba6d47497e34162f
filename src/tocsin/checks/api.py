"""JSON routes: checks (responders change them, viewers read them) and their results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from tocsin.access.api import Responder, Viewer
from tocsin.alerts.state import IngestState
from tocsin.checks import service
from tocsin.checks.schemas import CheckCreate, CheckOut, CheckPatch, CheckResultOut
from tocsin.deps import DbDep, SettingsDep
from tocsin.fields import Id
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1/checks", tags=["checks"])


def _ingest_state(request: Request) -> IngestState:
    """This application's alert ingest state (``tocsin.assembly``): a check's alert uses it."""
    state: IngestState = request.app.state.tocsin.ingest
    return state


State = Annotated[IngestState, Depends(_ingest_state)]


@router.post("", status_code=201)
def create_check(
    body: CheckCreate, db: DbDep, settings: SettingsDep, principal: Responder
) -> CheckOut:
    """Create a check; its target must be reachable under the outbound rule."""
    return service.create_check(
        db, check=body, allow=settings.outbound_allow, created_by=principal.actor
    )


@router.get("")
def list_checks(db: DbDep, _: Viewer) -> list[CheckOut]:
    return service.list_checks(db)


@router.get("/{check_id}")
def get_check(check_id: Id, db: DbDep, _: Viewer) -> CheckOut:
    return service.get_check(db, check_id=check_id)


@router.patch("/{check_id}")
def change_check(
    check_id: Id, body: CheckPatch, db: DbDep, state: State, settings: SettingsDep, _: Responder
) -> CheckOut:
    return service.change_check(
        db, state=state, check_id=check_id, patch=body, allow=settings.outbound_allow
    )


@router.delete("/{check_id}", status_code=204)
def delete_check(check_id: Id, db: DbDep, state: State, _: Responder) -> None:
    """Delete the check and its results; an alert it raised is resolved."""
    service.delete_check(db, state=state, check_id=check_id)


@router.get("/{check_id}/results")
def list_results(
    check_id: Id,
    db: DbDep,
    _: Viewer,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=20, pattern=r"^\d+$")] = None,
) -> Page[CheckResultOut]:
    """The check's results, newest first (``since``: only those at or after it)."""
    return service.list_results(db, check_id=check_id, limit=limit, cursor=cursor, since=since)
