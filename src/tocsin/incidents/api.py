"""JSON routes for incidents under /api/v1/incidents."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from tocsin.access.api import Admin, Responder, Viewer
from tocsin.core.lifecycle import Status
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, SeverityPolicy, parse_severity
from tocsin.deps import DbDep, PoliciesDep, SettingsDep
from tocsin.errors import Conflict, Forbidden, InvalidInput, answers
from tocsin.fields import Id
from tocsin.incidents import service
from tocsin.incidents import severity_policies as stored_policies
from tocsin.incidents.schemas import (
    EventOut,
    IncidentCreate,
    IncidentOut,
    IncidentPatch,
    LearningChange,
    MemberOut,
    NoteCreate,
    RoleAssign,
    SeverityChange,
    SeverityPolicyFields,
    SeverityPolicyOut,
    StakeholderCreate,
    StakeholderOut,
    StatusChange,
    UpdateCreate,
    UpdateOut,
    VisibilityChange,
)
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1", tags=["incidents"])

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=40, description="From a previous page.")]


def _severities(values: list[str]) -> list[Severity]:
    try:
        return [parse_severity(v) for v in values]
    except ValueError as exc:
        raise InvalidInput(f"severity: {exc}", field="severity") from None


@router.get("/severities", tags=["triage"])
def list_severity_policies(policies: PoliciesDep, _: Viewer) -> list[SeverityPolicy]:
    """The severity levels with their definitions and policies (cadence, deadlines...)."""
    return list(policies.values())


def _book(request: Request) -> stored_policies.PolicyBook:
    book: stored_policies.PolicyBook = request.app.state.tocsin.policies
    return book


BookDep = Annotated[stored_policies.PolicyBook, Depends(_book)]


def _severity(value: str) -> Severity:
    try:
        return parse_severity(value)
    except ValueError as exc:
        raise InvalidInput(f"severity: {exc}", field="severity") from None


@router.get("/severity-policies", tags=["triage"])
def list_stored_policies(db: DbDep, book: BookDep, _: Admin) -> list[SeverityPolicyOut]:
    """Each severity's policy in effect, and the fields an admin set over the deployment's."""
    return stored_policies.list_policies(db, book)


@router.get("/severity-policies/{severity}", tags=["triage"])
def get_stored_policy(severity: str, db: DbDep, book: BookDep, _: Admin) -> SeverityPolicyOut:
    return stored_policies.get_policy(db, book, severity=_severity(severity))


@router.put("/severity-policies/{severity}", tags=["triage"])
def put_stored_policy(
    severity: str, body: SeverityPolicyFields, db: DbDep, book: BookDep, principal: Admin
) -> SeverityPolicyOut:
    """Set what an admin decides for this severity (SEV1–SEV4 or P0–P3): the body is the
    whole of it; a field left out follows the deployment's setting. Every process applies it
    within a few seconds, this one at once; incidents already open keep the deadlines set."""
    return stored_policies.set_policy(
        db, book, severity=_severity(severity), change=body, actor=principal.actor
    )


@router.delete("/severity-policies/{severity}", tags=["triage"])
def reset_stored_policy(
    severity: str, db: DbDep, book: BookDep, principal: Admin
) -> SeverityPolicyOut:
    """Back to the deployment's policy for this severity."""
    return stored_policies.reset_policy(
        db, book, severity=_severity(severity), actor=principal.actor
    )


@router.post("/incidents", status_code=201, responses=answers(Conflict))
def declare_incident(
    body: IncidentCreate, db: DbDep, policies: PoliciesDep, principal: Responder
) -> IncidentOut:
    """Declare an incident; with ``private`` it is seen only by its members (the declarer,
    role holders, people paged, stakeholders, members added) and admins."""
    return service.declare(
        db,
        actor=principal.actor,
        incident=body,
        policies=policies,
        declarer=service.reader_of(principal),
    )


@router.get("/incidents")
def list_incidents(
    db: DbDep,
    principal: Viewer,
    status: Annotated[list[Status] | None, Query()] = None,
    severity: Annotated[list[str] | None, Query(description="SEV1–SEV4 or P0–P3")] = None,
    service_name: Annotated[str | None, Query(alias="service", max_length=100)] = None,
    since: Annotated[AwareDatetime | None, Query(description="Opened at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Opened before")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[IncidentOut]:
    where = service.IncidentFilter(
        statuses=status or [],
        severities=_severities(severity or []),
        service=service_name,
        since=since,
        until=until,
    )
    reader = service.reader_of(principal)
    return service.list_incidents(db, where=where, limit=limit, cursor=cursor, reader=reader)


@router.get("/incidents/{incident_id}")
def get_incident(incident_id: Id, db: DbDep, principal: Viewer) -> IncidentOut:
    """A private incident the caller is no member of answers 404, as a missing one."""
    return service.get_incident(db, incident_id=incident_id, reader=service.reader_of(principal))


@router.patch("/incidents/{incident_id}")
def edit_incident(
    incident_id: Id, body: IncidentPatch, db: DbDep, principal: Responder
) -> IncidentOut:
    return service.edit_details(db, incident_id=incident_id, actor=principal.actor, patch=body)


@router.post("/incidents/{incident_id}/status", responses=answers(Conflict))
def change_status(
    incident_id: Id, body: StatusChange, db: DbDep, principal: Responder
) -> IncidentOut:
    """Move through the lifecycle; a move the rules refuse answers 409 with the allowed moves."""
    return service.change_status(
        db, incident_id=incident_id, actor=principal.actor, status=body.status, message=body.message
    )


@router.post("/incidents/{incident_id}/severity", responses=answers(Conflict))
def change_severity(
    incident_id: Id, body: SeverityChange, db: DbDep, policies: PoliciesDep, principal: Responder
) -> IncidentOut:
    return service.change_severity(
        db,
        incident_id=incident_id,
        actor=principal.actor,
        severity=body.severity,
        reason=body.reason,
        policies=policies,
    )


@router.put("/incidents/{incident_id}/roles/{role}", responses=answers(Conflict))
def assign_role(
    incident_id: Id, role: Role, body: RoleAssign, db: DbDep, principal: Responder
) -> IncidentOut:
    """Assign a role to a person of the on-call directory (``person_id``), a name
    (``holder``), or both; for single-holder roles this hands it over from the current
    holder. Reminders of overdue updates reach the Communications Lead and the Incident
    Commander only when they are directory people."""
    return service.assign_role(
        db,
        incident_id=incident_id,
        actor=principal.actor,
        role=role,
        holder=body.holder,
        person_id=body.person_id,
        reason=body.reason,
    )


@router.delete("/incidents/{incident_id}/roles/{role}", responses=answers(Conflict))
def unassign_role(
    incident_id: Id,
    role: Role,
    db: DbDep,
    principal: Responder,
    holder: Annotated[str | None, Query(max_length=200)] = None,
    person_id: Annotated[Id | None, Query()] = None,
) -> IncidentOut:
    return service.unassign_role(
        db,
        incident_id=incident_id,
        actor=principal.actor,
        role=role,
        holder=holder,
        person_id=person_id,
    )


@router.post("/incidents/{incident_id}/updates", status_code=201, responses=answers(Conflict))
def post_update(
    incident_id: Id,
    body: UpdateCreate,
    db: DbDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    principal: Responder,
) -> IncidentOut:
    """Post an internal update; every stakeholder gets it by mail, once."""
    return service.post_update(
        db,
        incident_id=incident_id,
        actor=principal.actor,
        update=body,
        policies=policies,
        base_url=settings.base_url,
    )


@router.get("/incidents/{incident_id}/updates")
def list_updates(incident_id: Id, db: DbDep, principal: Viewer) -> list[UpdateOut]:
    return service.list_updates(db, incident_id=incident_id, reader=service.reader_of(principal))


@router.post("/incidents/{incident_id}/notes", status_code=201)
def add_note(incident_id: Id, body: NoteCreate, db: DbDep, principal: Responder) -> IncidentOut:
    return service.add_note(db, incident_id=incident_id, actor=principal.actor, body=body.body)


@router.put("/incidents/{incident_id}/learning", responses=answers(Conflict))
def settle_learning(
    incident_id: Id, body: LearningChange, db: DbDep, principal: Responder
) -> IncidentOut:
    """Mark the learning phase done, or waive it with a reason; closing needs one of the two."""
    return service.settle_learning(
        db, incident_id=incident_id, actor=principal.actor, outcome=body.state, reason=body.reason
    )


@router.get("/incidents/{incident_id}/events")
def get_timeline(
    incident_id: Id, db: DbDep, principal: Viewer, limit: Limit = 100, cursor: Cursor = None
) -> Page[EventOut]:
    reader = service.reader_of(principal)
    return service.timeline(db, incident_id=incident_id, limit=limit, cursor=cursor, reader=reader)


@router.post("/incidents/{incident_id}/stakeholders", status_code=201, responses=answers(Conflict))
def add_stakeholder(
    incident_id: Id, body: StakeholderCreate, db: DbDep, principal: Responder
) -> StakeholderOut:
    """Subscribe a person of the directory (``person_id``) or a mail address (``email``) to
    the incident's internal updates: each update posted from now on reaches them by mail."""
    return service.add_stakeholder(db, incident_id=incident_id, actor=principal.actor, body=body)


@router.get("/incidents/{incident_id}/stakeholders")
def list_stakeholders(incident_id: Id, db: DbDep, principal: Viewer) -> list[StakeholderOut]:
    reader = service.reader_of(principal)
    return service.list_stakeholders(db, incident_id=incident_id, reader=reader)


@router.delete("/incidents/{incident_id}/stakeholders/{stakeholder_id}", status_code=204)
def remove_stakeholder(
    incident_id: Id, stakeholder_id: Id, db: DbDep, principal: Responder
) -> None:
    """Unsubscribe; mail still queued for them is cancelled."""
    service.remove_stakeholder(
        db, incident_id=incident_id, stakeholder_id=stakeholder_id, actor=principal.actor
    )


@router.put("/incidents/{incident_id}/visibility", responses=answers(Forbidden))
def change_visibility(
    incident_id: Id, body: VisibilityChange, db: DbDep, principal: Responder
) -> IncidentOut:
    """Make the incident private (members and admins only) or public again: an admin or the
    incident's Incident Commander (as a directory person) may; a timeline event says so."""
    return service.set_private(
        db,
        incident_id=incident_id,
        reader=service.reader_of(principal),
        actor=principal.actor,
        private=body.private,
        reason=body.reason,
    )


@router.get("/incidents/{incident_id}/members")
def list_members(incident_id: Id, db: DbDep, principal: Viewer) -> list[MemberOut]:
    """Who sees the incident while it is private, besides admins: users and directory
    people, each with how they came in (declared, role, paged, stakeholder, added)."""
    return service.list_members(db, incident_id=incident_id, reader=service.reader_of(principal))


MemberKind = Literal["users", "people"]
"""A member is a user, or a directory person (and so the users linked to them)."""


def _who(kind: MemberKind, member_id: int) -> dict[str, int]:
    return {"user_id": member_id} if kind == "users" else {"person_id": member_id}


@router.put("/incidents/{incident_id}/members/{kind}/{member_id}")
def add_member(
    incident_id: Id, kind: MemberKind, member_id: Id, db: DbDep, principal: Responder
) -> list[MemberOut]:
    """Let a user, or a directory person and the users linked to them, see the incident
    while it is private (a no-op for a member already)."""
    reader, actor = service.reader_of(principal), principal.actor
    who = _who(kind, member_id)
    return service.add_member(db, incident_id=incident_id, reader=reader, actor=actor, **who)


@router.delete("/incidents/{incident_id}/members/{kind}/{member_id}", status_code=204)
def remove_member(
    incident_id: Id, kind: MemberKind, member_id: Id, db: DbDep, principal: Responder
) -> None:
    reader, actor = service.reader_of(principal), principal.actor
    who = _who(kind, member_id)
    service.remove_member(db, incident_id=incident_id, reader=reader, actor=actor, **who)
