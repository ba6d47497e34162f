"""The incident page's alert buttons: mark an alert actionable or noise."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from tocsin.access.pages import PagePrincipal
from tocsin.alerts import feedback
from tocsin.alerts.schemas import Verdict
from tocsin.core.roles import AccessRole
from tocsin.deps import DbDep
from tocsin.errors import Forbidden
from tocsin.fields import Id

router = APIRouter(include_in_schema=False)


@router.post("/incidents/{incident_id}/alerts/{alert_id}/feedback")
def feedback_from_form(
    incident_id: Id,
    alert_id: Id,
    db: DbDep,
    principal: PagePrincipal,
    verdict: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    target = f"/incidents/{incident_id}"
    if not principal.role.allows(AccessRole.RESPONDER):
        raise Forbidden("viewers cannot mark alerts")
    if verdict not in {v.value for v in Verdict}:
        message = "verdict: actionable or noise"
    else:
        feedback.mark_alert(
            db,
            alert_id=alert_id,
            verdict=Verdict(verdict),
            actor=principal.actor,
            incident_id=incident_id,
        )
        return RedirectResponse(f"{target}#alerts", status_code=303)
    return RedirectResponse(f"{target}?error={quote(message)}", status_code=303)
