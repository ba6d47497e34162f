"""Routes: plan and apply a configuration file, export the configuration, list the applies.

The body of plan and apply is the file itself (YAML, or JSON, which YAML reads too), so a CI
job can send it as it is: ``curl --data-binary @tocsin.yaml -H 'Content-Type:
application/yaml'``. Every route needs an admin token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tocsin.access.api import Admin, Viewer
from tocsin.access.service import Principal
from tocsin.config_as_code import service
from tocsin.config_as_code.apply import Context, apply_plan
from tocsin.config_as_code.document import json_schema
from tocsin.config_as_code.plan import Plan
from tocsin.core.config_plan import Change, count
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import InvalidInput, answers

router = APIRouter(prefix="/api/v1/config", tags=["config as code"])

MAX_FILE = 5_000_000
Prune = Annotated[bool, Query(description="Delete what the file does not name.")]
Source = Annotated[str, Query(max_length=300, description="The file's name, for messages.")]
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


class FieldChangeOut(BaseModel):
    path: str
    old: Any
    new: Any


class ChangeOut(BaseModel):
    section: str
    key: str
    action: str = Field(description="create, change or delete.")
    fields: list[FieldChangeOut]


class PlanOut(BaseModel):
    prune: bool
    counts: dict[str, int]
    changes: list[ChangeOut]


class ApplyOut(PlanOut):
    apply_id: int
    error: str | None = Field(description="Where the apply stopped, if it did.")
    secrets: list[dict[str, str]] = Field(
        description="Keys and signing secrets of what was made: shown once, never stored."
    )


class ApplyRecordOut(BaseModel):
    id: int
    applied_at: datetime
    actor: str
    source: str
    prune: bool
    outcome: str
    error: str | None
    changes: list[ChangeOut]


def _context(request: Request, settings: SettingsDep, principal: Principal) -> Context:
    return Context(
        state=request.app.state.tocsin.ingest,
        policies=request.app.state.tocsin.policies,
        box=settings.secret_box,
        outbound_allow=settings.outbound_allow,
        base_url=settings.base_url,
        actor=principal.actor,
    )


async def _text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_FILE:
        raise InvalidInput(f"body: the file is over {MAX_FILE} bytes", field="body")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("body: the file is not UTF-8 text", field="body") from None


def _changes_out(changes: list[Change]) -> list[ChangeOut]:
    return [ChangeOut.model_validate(c.to_dict()) for c in changes]


async def _plan_body(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: Principal,
    *,
    prune: bool,
    source: str,
) -> tuple[Plan, Context]:
    """The plan of the file in the request's body, and the context to apply it in."""
    text = await _text(request)
    ctx = _context(request, settings, principal)
    found = await run_in_threadpool(
        service.plan_file, db, ctx, text=text, source=source, prune=prune
    )
    return found, ctx


@router.post("/plan", openapi_extra=FILE_BODY, responses=answers(InvalidInput))
async def plan(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: Admin,
    prune: Prune = False,
    source: Source = "request body",
) -> PlanOut:
    """What applying the file would do; changes nothing."""
    found, _ = await _plan_body(request, db, settings, principal, prune=prune, source=source)
    return PlanOut(prune=found.prune, counts=found.counts(), changes=_changes_out(found.changes))


@router.post("/apply", openapi_extra=FILE_BODY, responses=answers(InvalidInput))
async def apply(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    principal: Admin,
    prune: Prune = False,
    source: Source = "request body",
) -> ApplyOut:
    """Make the configuration what the file says; the apply is recorded."""
    found, ctx = await _plan_body(request, db, settings, principal, prune=prune, source=source)
    outcome = await run_in_threadpool(apply_plan, db, found, ctx, source=source)
    return ApplyOut(
        prune=found.prune,
        counts=count(outcome.applied),
        changes=_changes_out(outcome.applied),
        apply_id=outcome.apply_id,
        error=outcome.error,
        secrets=outcome.secrets,
    )


@router.get("/export")
def export(request: Request, db: DbDep, settings: SettingsDep, principal: Admin) -> dict[str, Any]:
    """The current configuration as a file (JSON here; `tocsin export` writes YAML).

    Secrets are left out: integration keys, webhook signing secrets, Slack and Apprise URLs.
    """
    return service.export_document(db, _context(request, settings, principal))


@router.get("/applies")
def applies(
    db: DbDep, _: Admin, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ApplyRecordOut]:
    """The latest applies first: who, when, and each change made."""
    return [
        ApplyRecordOut.model_validate(row, from_attributes=True)
        for row in service.applies(db, limit=limit)
    ]


@router.get("/schema")
def schema(_: Viewer) -> dict[str, Any]:
    """The JSON Schema of the file (also in docs/config-as-code.schema.json for editors)."""
    return json_schema()
