"""Form posts that change one incident from its page: status, severity, updates, learning,
notes, roles and stakeholders; each comes back to the incident's page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from tocsin.access.pages import PagePrincipal
from tocsin.core.lifecycle import Status
from tocsin.core.roles import Role
from tocsin.core.severity import parse_severity
from tocsin.deps import DbDep, PoliciesDep, SettingsDep
from tocsin.fields import Id
from tocsin.incidents import service
from tocsin.incidents.forms import Text, form_id
from tocsin.incidents.forms import attempt as _attempt
from tocsin.incidents.forms import form_actor as _actor
from tocsin.incidents.schemas import LearningChange, NoteCreate, StakeholderCreate, UpdateCreate

router = APIRouter(include_in_schema=False)


@router.post("/incidents/{incident_id}/status")
def status_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, status: Text = "", message: Text = ""
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.change_status(
            db,
            incident_id=incident_id,
            actor=_actor(principal),
            status=Status(status),
            message=message.strip() or None,
        ),
    )


@router.post("/incidents/{incident_id}/severity")
def severity_from_form(
    incident_id: Id,
    db: DbDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
    severity: Text = "",
    reason: Text = "",
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.change_severity(
            db,
            incident_id=incident_id,
            actor=_actor(principal),
            severity=parse_severity(severity),
            reason=reason,
            policies=policies,
        ),
    )


@router.post("/incidents/{incident_id}/updates")
def update_from_form(
    incident_id: Id,
    db: DbDep,
    settings: SettingsDep,
    policies: PoliciesDep,
    principal: PagePrincipal,
    status: Text = "",
    impact: Text = "",
    actions: Text = "",
    next_update_in_minutes: Text = "",
) -> Response:
    def action() -> None:
        actor = _actor(principal)
        update = UpdateCreate(
            status=status,
            impact=impact,
            actions=actions,
            next_update_in_minutes=next_update_in_minutes or None,
        )
        service.post_update(
            db,
            incident_id=incident_id,
            actor=actor,
            update=update,
            policies=policies,
            base_url=settings.base_url,
        )

    return _attempt(f"/incidents/{incident_id}", action)


@router.post("/incidents/{incident_id}/learning")
def learning_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, state: Text = "", reason: Text = ""
) -> Response:
    """Settle the learning phase as the API's PUT .../learning does: done, or waived with a
    reason (closing a SEV1/SEV2 needs one of the two)."""

    def action() -> None:
        actor = _actor(principal)  # the role first: a viewer's form is refused, not read
        body = LearningChange(state=state, reason=reason.strip() or None)
        service.settle_learning(
            db,
            incident_id=incident_id,
            actor=actor,
            outcome=body.state,
            reason=body.reason,
        )

    return _attempt(f"/incidents/{incident_id}", action)


@router.post("/incidents/{incident_id}/notes")
def note_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, body: Text = ""
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.add_note(
            db, incident_id=incident_id, actor=_actor(principal), body=NoteCreate(body=body).body
        ),
    )


@router.post("/incidents/{incident_id}/roles")
def role_from_form(
    incident_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    role: Text = "",
    holder: Text = "",
    person_id: Text = "",
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.assign_role(
            db,
            incident_id=incident_id,
            actor=_actor(principal),
            role=Role(role),
            holder=holder.strip() or None,
            person_id=form_id(person_id),
            reason=None,
        ),
    )


@router.post("/incidents/{incident_id}/stakeholders")
def stakeholder_from_form(
    incident_id: Id, db: DbDep, principal: PagePrincipal, person_id: Text = "", email: Text = ""
) -> Response:
    def action() -> None:
        body = StakeholderCreate(person_id=form_id(person_id), email=email.strip() or None)
        service.add_stakeholder(db, incident_id=incident_id, actor=_actor(principal), body=body)

    return _attempt(f"/incidents/{incident_id}", action)


@router.post("/incidents/{incident_id}/stakeholders/{stakeholder_id}/remove")
def remove_stakeholder_from_form(
    incident_id: Id, stakeholder_id: Id, db: DbDep, principal: PagePrincipal
) -> Response:
    return _attempt(
        f"/incidents/{incident_id}",
        lambda: service.remove_stakeholder(
            db, incident_id=incident_id, stakeholder_id=stakeholder_id, actor=_actor(principal)
        ),
    )
