"""The audit log's routes: read it as JSON (paged) or CSV, filtered the same way; admins only.

There is no route that changes or deletes an entry.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from tocsin.access.api import Admin
from tocsin.audit import service
from tocsin.audit.schemas import AuditEntryOut
from tocsin.deps import DbDep
from tocsin.errors import InvalidInput
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1", tags=["audit"])

Action = Literal["create", "update", "delete", "sign_in"]
Limit = Annotated[int, Query(ge=1, le=500, description="Entries per page.")]
Cursor = Annotated[str | None, Query(max_length=40, description="From a previous page.")]


def filters(
    actor: Annotated[
        str | None, Query(max_length=200, description="Who, exactly: `token:ci-bot`.")
    ] = None,
    kind: Annotated[
        str | None, Query(max_length=40, description="The object's kind: person, schedule…")
    ] = None,
    object: Annotated[
        str | None, Query(max_length=300, description="The object's id, or its name or handle.")
    ] = None,
    action: Annotated[Action | None, Query()] = None,
    since: Annotated[AwareDatetime | None, Query(description="At or after.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Before.")] = None,
) -> service.Filters:
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until: must be after since", field="until")
    return service.Filters(
        actor=actor, kind=kind, object=object, action=action, since=since, until=until
    )


FiltersDep = Annotated[service.Filters, Depends(filters)]


@router.get("/audit")
def list_audit(
    db: DbDep, _: Admin, where: FiltersDep, limit: Limit = 100, cursor: Cursor = None
) -> Page[AuditEntryOut]:
    """Configuration and access changes, newest first."""
    return service.list_entries(db, filters=where, limit=limit, cursor=cursor)


@router.get("/audit.csv", response_class=StreamingResponse)
def export_audit(db: DbDep, _: Admin, where: FiltersDep) -> StreamingResponse:
    """Every entry that matches, newest first, as CSV (`before` and `after` as JSON)."""
    return StreamingResponse(
        service.csv_text(db, filters=where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tocsin-audit.csv"'},
    )
