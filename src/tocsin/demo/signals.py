"""The demo's alerts (with repeats and responders' verdicts), pages sent and acknowledged
(the escalation, the outbox's delivered messages and their delivery attempts, as paging and
notify write them), public incidents with their updates and customer reports."""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tocsin.alerts.tables import Alert, AlertIncident
from tocsin.demo.directory import Directory
from tocsin.demo.history import Written
from tocsin.demo.plan import PlannedIncident
from tocsin.demo.rows import insert_plain, insert_rows
from tocsin.notify import render
from tocsin.notify.tables import DeliveryAttempt, OutboxMessage
from tocsin.oncall import service as oncall_service
from tocsin.paging.tables import Escalation
from tocsin.reports.tables import CustomerReport
from tocsin.statuspage.tables import PublicIncident, PublicUpdate

IMPACT = {"SEV1": "critical", "SEV2": "major"}


class OnCall:
    """Who was on call for a team at a time, from the schedules' real shifts."""

    def __init__(self, session: Session, since: datetime, until: datetime) -> None:
        self.shifts = oncall_service.shifts_between_in(session, since, until)

    def person(self, team: str, at: datetime) -> int | None:
        for shift in self.shifts:
            if shift.schedule == f"{team} primary" and shift.start <= at < shift.end:
                return int(shift.person_id)
        return None


def write_alerts(
    session: Session, planned: list[PlannedIncident], d: Directory, w: Written, rng: random.Random
) -> None:
    alerts: list[dict[str, Any]] = []
    followed: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for p in planned:
        if p.source != "alert":
            continue
        iid, service = w.incident_id[p.n], p.services[0]
        last = p.detected_at + timedelta(minutes=3 * p.alert_repeats)
        verdict = rng.choices([None, "actionable", "noise"], [0.6, 0.3, 0.1])[0]
        if p.severity == "SEV4" and p.alert_name in ("DiskSpaceLow", "CacheHitRateLow"):
            verdict = "noise"
        key = f"{p.alert_name}/{service}"
        if p.resolved_at is None:  # one open alert per key: still-open incidents differ
            verdict, key = None, f"{key}/{iid}"
        alerts.append(
            {
                "integration_id": d.integration_of[service],
                "dedup_key": key,
                "name": p.alert_name,
                "status": "firing" if p.resolved_at is None else "resolved",
                "open": p.resolved_at is None,
                "summary": p.title,
                "severity": p.severity,
                "labels": {"alertname": p.alert_name, "service": service},
                "details": {},
                "starts_at": p.impact_started_at,
                "ends_at": p.resolved_at,
                "first_seen_at": p.detected_at,
                "last_seen_at": p.resolved_at or last,
                "last_logged_at": None,
                "count": 1 + p.alert_repeats,
                "incident_id": iid,
                "silenced_by": None,
                "group_key": None,
                "trace": [],
                "verdict": verdict,
                "verdict_by": d.person_names[p.responder] if verdict else None,
                "verdict_at": p.resolved_at if verdict else None,
            }
        )
        followed.append(
            {
                "incident_id": iid,
                "integration_id": d.integration_of[service],
                "name": p.alert_name,
                "opened_at": p.detected_at,
                "acknowledged_at": p.acknowledged_at,
                "resolved_at": p.resolved_at,
                "acted": bool(p.update_gaps) and p.acknowledged_at is not None,
            }
        )
    ids = insert_rows(session, Alert, alerts)
    for alert_id, row in zip(ids, alerts, strict=True):
        events += _alert_events(alert_id, row)
    insert_plain(session, AlertIncident, followed)
    w.events += events
    w.counts.update(alerts=len(ids), alert_events=sum(a["count"] for a in alerts))


def _alert_events(alert_id: int, row: dict[str, Any]) -> list[dict[str, Any]]:
    data = {"alert_id": alert_id, "dedup_key": row["dedup_key"], "name": row["name"]}
    at = row["first_seen_at"]
    found = [_event(row["incident_id"], at, "alert_joined", data)]
    for n in range(min(row["count"] - 1, 3)):
        found.append(
            _event(row["incident_id"], at + timedelta(minutes=3 * n + 3), "alert_repeated", data)
        )
    if row["ends_at"] is not None:
        found.append(_event(row["incident_id"], row["ends_at"], "alert_resolved", data))
    if row["verdict"]:
        verdict = {**data, "verdict": row["verdict"]}
        found.append(
            {
                **_event(row["incident_id"], row["verdict_at"], "alert_feedback", verdict),
                "actor": row["verdict_by"],
            }
        )
    return found


def _event(iid: int, at: datetime, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"incident_id": iid, "at": at, "actor": "tocsin:alerts", "kind": kind, "data": data}


def _page_row(
    iid: int, p: PlannedIncident, who: int, d: Directory, base_url: str
) -> dict[str, Any]:
    """The page's outbox message as paging enqueues it, delivered 2 s after it was due."""
    person, contact = d.person_ids[who], d.contact_ids[who]
    sent = p.detected_at + timedelta(seconds=20)
    key = f"page:{iid}:1:0:0:{person}:{contact}"
    incident = {
        "id": iid,
        "reference": f"INC-{iid}",
        "title": p.title,
        "severity": p.severity,
        "status": "triggered",
        "services": p.services,
        "url": f"{base_url}/incidents/{iid}",
    }
    message = render.page_message(idempotency_key=key, incident=incident, level=1, ack_url=None)
    return {
        "key": key,
        "group": f"escalation:{iid}",
        "incident_id": iid,
        "person_id": person,
        "contact_method_id": contact,
        "kind": "email",
        "target_label": f"{d.person_names[who]} · email",
        "message": asdict(message),
        "status": "delivered",
        "due_at": sent,
        "attempts": 1,
        "created_at": sent,
        "finished_at": sent + timedelta(seconds=2),
    }


def _attempt_row(outbox_id: int, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "outbox_id": outbox_id,
        "attempt": 1,
        "at": message["finished_at"],
        "kind": message["kind"],
        "target_label": message["target_label"],
        "ok": True,
        "retryable": False,
        "error": None,
        "detail": "250 OK",
        "duration_ms": 180,
    }


def write_pages(
    session: Session,
    planned: list[PlannedIncident],
    d: Directory,
    w: Written,
    *,
    paging: set[str],
    base_url: str,
) -> None:
    """Each incident of a severity in ``paging``: its escalation (frozen policy, stopped by
    the acknowledgement) and a delivered page to whoever the team's schedule had on call."""
    oncall = OnCall(
        session,
        planned[0].detected_at - timedelta(days=1),
        planned[-1].detected_at + timedelta(days=1),
    )
    escalations, messages, events = [], [], []
    for p in planned:
        person = oncall.person(d.service_team[p.services[0]], p.detected_at)
        if p.severity not in paging or person is None:
            continue
        iid, who = w.incident_id[p.n], d.person_ids.index(person)
        snapshot = oncall_service.escalation_snapshot_in(session, services=p.services) or {}
        stopped = p.acknowledged_at or p.resolved_at
        escalations.append(
            {
                "incident_id": iid,
                "snapshot": snapshot,
                "fence": 2 if stopped else 1,
                "state": "acknowledged" if p.acknowledged_at else "active",
                "pass_number": 0,
                "level": 0,
                "started_at": p.detected_at,
                "stopped_at": stopped,
                "stopped_by": d.person_names[who] if stopped else None,
            }
        )
        messages.append(_page_row(iid, p, who, d, base_url))
        policy = {"policy": snapshot.get("policy_name"), "policy_id": snapshot.get("policy_id")}
        people = [{"id": person, "name": d.person_names[who], "contacts": 1}]
        paged = {"level": 1, "pass": 1, "people": people}
        events += [
            {**_event(iid, p.detected_at, "escalation_started", policy), "actor": "tocsin:paging"},
            {**_event(iid, messages[-1]["due_at"], "paged", paged), "actor": "tocsin:paging"},
        ]
    insert_plain(session, Escalation, escalations)
    ids = insert_rows(session, OutboxMessage, messages)
    attempts = [_attempt_row(oid, m) for oid, m in zip(ids, messages, strict=True)]
    insert_rows(session, DeliveryAttempt, attempts)
    w.events += events
    w.counts.update(pages=len(ids))


def write_public(
    session: Session, planned: list[PlannedIncident], d: Directory, w: Written, rng: random.Random
) -> None:
    """SEV1/SEV2 on the status page with their public updates; customer reports on some."""
    shown = [p for p in planned if p.public and p.acknowledged_at is not None]
    rows: list[dict[str, Any]] = []
    for p in shown:
        started = p.detected_at + timedelta(minutes=8)
        rows.append(
            {
                "page_id": 1,
                "incident_id": w.incident_id[p.n],
                "name": f"{p.services[0]} degraded",
                "status": "resolved" if p.resolved_at else "identified",
                "impact": IMPACT[p.severity],
                "component_ids": sorted({d.component_of[s] for s in p.services}),
                "created_at": started,
                "updated_at": p.resolved_at or started,
                "started_at": p.impact_started_at,
                "monitoring_at": p.mitigated_at,
                "resolved_at": p.resolved_at,
                "created_by": d.person_names[p.commander],
            }
        )
    ids = insert_rows(session, PublicIncident, rows)
    updates = []
    for pid, p, row in zip(ids, shown, rows, strict=True):
        steps: list[tuple[str, datetime | None, str]] = [
            ("investigating", row["created_at"], "We are investigating reports of errors."),
            (
                "identified",
                row["created_at"] + timedelta(minutes=20),
                "We found the cause and are fixing it.",
            ),
            ("monitoring", p.mitigated_at, "A fix is in place; we are watching."),
            ("resolved", p.resolved_at, "This incident is resolved."),
        ]
        updates += [
            {
                "public_incident_id": pid,
                "status": s,
                "body": b,
                "created_at": at,
                "author": row["created_by"],
            }
            for s, at, b in steps
            if at is not None
        ]
    insert_rows(session, PublicUpdate, updates)
    reports = _reports(planned, d, w, rng)
    insert_rows(session, CustomerReport, reports)
    w.counts.update(
        public_incidents=len(ids), public_updates=len(updates), customer_reports=len(reports)
    )


def _reports(
    planned: list[PlannedIncident], d: Directory, w: Written, rng: random.Random
) -> list[dict[str, Any]]:
    found = []
    for p in planned:
        if not (p.source == "customer_report" or (p.public and rng.random() < 0.5)):
            continue
        for k in range(rng.randint(1, 3)):
            at = p.impact_started_at + timedelta(minutes=2 + 3 * k)
            found.append(
                {
                    "page_id": 1,
                    "name": f"Customer {p.n}-{k}",
                    "contact": f"customer{p.n}.{k}@example.org",
                    "text": f"{p.services[0]} is not working for us",
                    "started_at": at,
                    "component_id": d.component_of[p.services[0]],
                    "service": p.services[0],
                    "source": "form",
                    "state": "attached",
                    "incident_id": w.incident_id[p.n],
                    "merged_into_id": None,
                    "reason": "same service, while the incident was open",
                    "decided_by": "tocsin:reports",
                    "created_at": at,
                    "updated_at": at,
                }
            )
    return found
