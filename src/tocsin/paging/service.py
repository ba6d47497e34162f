"""Paging use cases: start and stop escalations, fire escalation timers, react to deliveries.

Starting and stopping happen inside the incident change's own transaction (through
``incidents.hooks``), so an acknowledgement and the end of its escalation always commit
together. Firing a level writes its outbox messages, its timeline event and the next timer
in one transaction too; the timer's key and the messages' keys make a repeat a no-op.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts import page_context as alerts_page_context
from tocsin.config import Settings
from tocsin.core.escalation import FIRST, Step, next_step
from tocsin.core.lifecycle import Status
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.core.visibility import EVERYONE
from tocsin.db import Database
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.notify import history as notify_history
from tocsin.notify import render
from tocsin.notify import service as notify_service
from tocsin.notify.service import ClaimedMessage, Outcome
from tocsin.oncall import service as oncall_service
from tocsin.paging import links
from tocsin.paging.schemas import EscalationOut, PagingOut
from tocsin.paging.tables import Escalation
from tocsin.timers import service as timers_service
from tocsin.timers.service import DueTimer

TIMER_KIND = "escalate"
ACTOR = "tocsin:paging"


def _group(incident_id: int) -> str:
    return f"escalation:{incident_id}"


def on_incident_changed(
    session: Session, change: IncidentChanged, *, policies: Mapping[Severity, SeverityPolicy]
) -> None:
    """Start paging an incident that opens (or is raised) on a service with an escalation
    policy, when its severity pages; stop when someone has it (subscribed in assembly)."""
    starts = change.kind in ("declared", "severity_changed")
    if starts and change.status is Status.TRIGGERED:
        # A new incident, or one raised to a severity that pages, while nobody has it yet.
        policy = policies[change.severity]
        if policy.page_on_call and session.get(Escalation, change.incident_id) is None:
            _start_in(session, change)
    elif change.kind == "status_changed" and change.status is not Status.TRIGGERED:
        reason = "resolved" if change.status in (Status.RESOLVED, Status.CLOSED) else "acknowledged"
        _stop_in(session, incident_id=change.incident_id, state=reason, actor=change.actor)


def on_incidents_changed(
    session: Session,
    changes: Sequence[IncidentChanged],
    *,
    policies: Mapping[Severity, SeverityPolicy],
) -> None:
    """:func:`on_incident_changed` for many changes (incidents opened together): which of them
    have an escalation already is one query, and each set of services' policy is read once."""
    ids = [
        c.incident_id
        for c in changes
        if c.kind == "declared"
        and c.status is Status.TRIGGERED
        and policies[c.severity].page_on_call
    ]
    starting = set(ids)
    started = set(
        session.scalars(select(Escalation.incident_id).where(Escalation.incident_id.in_(ids)))
        if ids
        else ()
    )
    snapshots: dict[tuple[str, ...], dict[str, Any] | None] = {}
    for change in changes:
        if change.incident_id not in starting or change.kind != "declared":
            on_incident_changed(session, change, policies=policies)
            continue
        if change.incident_id in started:
            continue
        if change.services not in snapshots:
            snapshots[change.services] = oncall_service.escalation_snapshot_in(
                session, services=change.services
            )
        snapshot = snapshots[change.services]
        if snapshot is not None:
            _start_in(session, change, copy.deepcopy(snapshot))


def _start_in(
    session: Session, change: IncidentChanged, snapshot: dict[str, Any] | None = None
) -> None:
    if snapshot is None:
        snapshot = oncall_service.escalation_snapshot_in(session, services=change.services)
    if snapshot is None:
        return
    now = clock.now()
    escalation = Escalation(
        incident_id=change.incident_id, snapshot=snapshot, fence=1, state="active", started_at=now
    )
    session.add(escalation)
    session.flush()
    _schedule(session, escalation, FIRST, now)
    incidents_service.record_event(
        session,
        incident_id=change.incident_id,
        actor=ACTOR,
        kind="escalation_started",
        data={"policy": snapshot.get("policy_name"), "policy_id": snapshot.get("policy_id")},
    )


def _stop_in(session: Session, *, incident_id: int, state: str, actor: str) -> None:
    escalation = session.scalar(
        select(Escalation).where(Escalation.incident_id == incident_id).with_for_update()
    )
    if escalation is None or escalation.state != "active":
        return
    escalation.state = state
    escalation.fence += 1
    escalation.stopped_at = clock.now()
    escalation.stopped_by = actor
    timers_service.cancel_group_in(session, group=_group(incident_id))
    cancelled = notify_service.cancel_group_in(session, group=_group(incident_id))
    incidents_service.record_event(
        session,
        incident_id=incident_id,
        actor=ACTOR,
        kind="escalation_stopped",
        data={"reason": state, "by": actor, "cancelled_notifications": cancelled},
    )


def _schedule(session: Session, escalation: Escalation, step: Step | None, due: datetime) -> None:
    iid, fence = escalation.incident_id, escalation.fence
    name = f"{step.pass_number}:{step.level}" if step else "exhausted"
    payload: dict[str, Any] = (
        {"pass": step.pass_number, "level": step.level} if step else {"exhausted": True}
    )
    timers_service.schedule_in(
        session,
        key=f"{TIMER_KIND}:{iid}:{fence}:{name}",
        kind=TIMER_KIND,
        due_at=due,
        payload={"incident_id": iid, **payload},
        group=_group(iid),
        fence=fence,
    )


def fire(db: Database, *, timer: DueTimer, settings: Settings) -> None:
    """Run one escalation timer: page the level's people and schedule what comes next."""
    with db.transaction() as session:
        now = clock.now()
        incident_id = int(timer.payload["incident_id"])
        escalation = session.scalar(
            select(Escalation).where(Escalation.incident_id == incident_id).with_for_update()
        )
        # after the escalation's lock, like an acknowledgement (escalation, then its timers)
        if not timers_service.hold_in(session, timer=timer):
            return  # no longer ours: another worker has it, or has fired it already
        live = escalation is not None and escalation.state == "active"
        if escalation is not None and live and escalation.fence == timer.fence:
            if timer.payload.get("exhausted"):
                _exhaust_in(session, escalation, now)
            else:
                step = Step(timer.payload["pass"], timer.payload["level"])
                _page_level_in(session, escalation, step, now, settings)
        timers_service.finish_in(session, timer_id=timer.id, fired_at=now)


def _exhaust_in(session: Session, escalation: Escalation, now: datetime) -> None:
    escalation.state = "exhausted"
    escalation.stopped_at = now
    incidents_service.record_event(
        session,
        incident_id=escalation.incident_id,
        actor=ACTOR,
        kind="escalation_exhausted",
        data={"message": "every level was paged and nobody acknowledged"},
    )


def _page_level_in(
    session: Session, escalation: Escalation, step: Step, now: datetime, settings: Settings
) -> None:
    levels = escalation.snapshot["levels"]
    level = levels[step.level]
    people = oncall_service.resolve_people_in(session, targets=level["targets"], at=now)
    incident = incidents_service.snapshot(session, incident_id=escalation.incident_id)
    incident_data = {
        "id": incident.id,
        "reference": incident.reference,
        "title": incident.title,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "services": incident.services,
        "url": f"{settings.base_url}/incidents/{incident.id}",
        "started_at": incident.impact_started_at.isoformat(),
    }
    alert = alerts_page_context.page_context_in(session, incident_id=incident.id)
    earlier = _earlier_pages_in(session, incident.id)
    paged: list[dict[str, Any]] = []
    for person in people:
        # paged for a private incident: a member first, so the page's link opens it
        incidents_service.add_member_in(
            session, incident_id=incident.id, source="paged", actor=ACTOR, person_id=person.id
        )
        plan = oncall_service.notification_plan_in(session, person_id=person.id)
        link = links.ack_url(settings, incident.id, person.id)
        history = _history(earlier, person.id, [p.name for p in people if p.id != person.id])
        history["repeat"] = history["repeat"] or step.pass_number > 0
        for contact in plan:
            page = f"page:{incident.id}:{escalation.fence}:{step.pass_number}:{step.level}"
            key = f"{page}:{person.id}:{contact.contact_method_id}"
            message = render.page_message(
                idempotency_key=key,
                incident=incident_data,
                level=step.level + 1,
                ack_url=link,
                alert=alert,
                paging=history,
            )
            notify_service.enqueue_in(
                session,
                key=key,
                group=_group(incident.id),
                kind=contact.kind,
                target_label=f"{person.name} · {contact.label}",
                message=message,
                due_at=now + timedelta(minutes=contact.delay_minutes),
                incident_id=incident.id,
                person_id=person.id,
                contact_method_id=contact.contact_method_id,
            )
        paged.append({"id": person.id, "name": person.name, "contacts": len(plan)})
    escalation.pass_number, escalation.level = step.pass_number, step.level
    incidents_service.record_event(
        session,
        incident_id=incident.id,
        actor=ACTOR,
        kind="paged",
        data={"level": step.level + 1, "pass": step.pass_number + 1, "people": paged},
    )
    following = next_step(step, levels=len(levels), repeat=int(escalation.snapshot["repeat"]))
    _schedule(session, escalation, following, now + timedelta(minutes=level["timeout_minutes"]))


def _earlier_pages_in(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """Who was paged for the incident before, from its ``paged`` timeline events, oldest
    first: ``id``, ``name``, ``level`` and ``at`` (ISO 8601) of each person paged."""
    return [
        {"id": p.get("id"), "name": p.get("name"), "level": e.data.get("level"), "at": e.at}
        for e in incidents_service.events_in(session, incident_id=incident_id, kinds=["paged"])
        for p in e.data.get("people") or []
    ]


def _history(earlier: list[dict[str, Any]], person_id: int, others: list[str]) -> dict[str, Any]:
    """A page's ``paging`` (see ``render.page_message``) for ``person_id``."""
    return {
        "repeat": any(p["id"] == person_id for p in earlier),
        "first_paged_at": earlier[0]["at"].isoformat() if earlier else None,
        "paged_before": [
            {"name": p["name"], "level": p["level"], "at": p["at"].isoformat()} for p in earlier
        ],
        "paged_with": others,
    }


def after_delivery_in(session: Session, *, claimed: ClaimedMessage, outcome: Outcome) -> None:
    """Put the result on the timeline; when a contact method fails for good, move on."""
    if claimed.incident_id is None or outcome in ("retrying", "stale"):
        return
    data = {"target": claimed.target_label, "kind": claimed.kind, "attempts": claimed.attempt}
    kind = "notification_delivered" if outcome == "delivered" else "notification_failed"
    incidents_service.record_event(
        session, incident_id=claimed.incident_id, actor=ACTOR, kind=kind, data=data
    )
    if outcome == "failed":
        _move_on_in(session, claimed)


def _move_on_in(session: Session, claimed: ClaimedMessage) -> None:
    """Bring this person's next contact method for the same page forward to now."""
    prefix = claimed.key.rsplit(":", 1)[0] + ":"
    if notify_service.bring_forward_in(session, key_prefix=prefix) == 0:
        incidents_service.record_event(
            session,
            incident_id=claimed.incident_id or 0,
            actor=ACTOR,
            kind="page_undeliverable",
            data={"target": claimed.target_label, "message": "no contact method left to try"},
        )


def paging_of(db: Database, *, incident_id: int) -> PagingOut:
    # who may see it was checked by the route (its {incident_id}): this is existence only
    incidents_service.get_incident(db, incident_id=incident_id, reader=EVERYONE)
    with db.reading() as session:
        escalation = session.get(Escalation, incident_id)
        out = EscalationOut.model_validate(escalation) if escalation else None
    return PagingOut(
        escalation=out, notifications=notify_history.history(db, incident_id=incident_id)
    )


def paged_now(db: Database, incident_ids: Sequence[int]) -> dict[int, list[str]]:
    """Who is being paged now for each incident whose escalation runs: the names on its
    latest ``paged`` event (the level paged last), for the console's incident list."""
    if not incident_ids:
        return {}
    with db.reading() as session:
        running = session.scalars(
            select(Escalation.incident_id).where(
                Escalation.incident_id.in_(list(incident_ids)), Escalation.state == "active"
            )
        ).all()
        found: dict[int, list[str]] = {}
        for incident_id in running:
            pages = incidents_service.events_in(session, incident_id=incident_id, kinds=["paged"])
            if pages:
                people = pages[-1].data.get("people") or []
                found[incident_id] = [str(p.get("name")) for p in people if p.get("name")]
        return found
