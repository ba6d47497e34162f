"""The demo's postmortems (SEV1/SEV2: published, in review, draft) with their sections — a
5 Whys chain among them — and action items in every state, some overdue."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tocsin.core.postmortems import DEFAULT_TEMPLATE
from tocsin.demo.directory import Directory
from tocsin.demo.history import Written
from tocsin.demo.plan import PlannedIncident
from tocsin.demo.rows import insert_plain, insert_rows
from tocsin.postmortems.tables import ActionItem, Postmortem, PostmortemSection

ITEMS = (
    "Add a circuit breaker in front of the payment gateway",
    "Alert on queue depth before customers notice",
    "Load-test the connection pool at twice the peak",
    "Write a runbook for failing over the database",
    "Make the deploy pipeline roll back on error-rate rise",
    "Renew certificates automatically",
)


def learning_states(
    planned: list[PlannedIncident], now: datetime, required: set[str]
) -> dict[int, str]:
    """The postmortem of each resolved incident whose severity (in ``required``) needs one
    (plan number → state): older ones are published, the last weeks' in review, the
    newest drafts."""
    found = {}
    for p in planned:
        if p.severity not in required or p.resolved_at is None:
            continue
        age = now - p.resolved_at
        found[p.n] = (
            "draft"
            if age < timedelta(days=12)
            else "in_review"
            if age < timedelta(days=40)
            else "published"
        )
    newest = sorted(found)[-2:]  # whatever the seed, one of each state
    for n, state in zip(newest, ("in_review", "draft"), strict=False):
        found[n] = state
    return found


def write_postmortems(
    session: Session,
    planned: list[PlannedIncident],
    states: dict[int, str],
    d: Directory,
    w: Written,
    rng: random.Random,
    now: datetime,
) -> None:
    chosen = [p for p in planned if p.n in states]
    rows: list[dict[str, Any]] = []
    for p in chosen:
        assert p.resolved_at is not None
        state, owner = states[p.n], p.commander
        rows.append(
            {
                "incident_id": w.incident_id[p.n],
                "status": state,
                "owner_person_id": d.person_ids[owner],
                "owner_name": d.person_names[owner],
                "draft_due_at": p.resolved_at + timedelta(hours=48),
                "review_due_at": p.resolved_at + timedelta(days=7),
                "time_zone": d.person_zones[owner],
                "team_id": d.team_ids[d.service_team[p.services[0]]],
                "opened_by": "tocsin:postmortems",
                "created_at": p.resolved_at,
                "updated_at": p.resolved_at + timedelta(days=1),
                "review_started_at": p.resolved_at + timedelta(days=2)
                if state != "draft"
                else None,
                "published_at": p.resolved_at + timedelta(days=6) if state == "published" else None,
                "version": 1,
            }
        )
    ids = insert_rows(session, Postmortem, rows)
    sections, items = [], []
    for pm_id, p, row in zip(ids, chosen, rows, strict=True):
        sections += _sections(pm_id, p, row)
        items += _items(pm_id, p, row, d, rng, now)
    insert_plain(session, PostmortemSection, sections)
    insert_rows(session, ActionItem, items)
    w.counts.update(postmortems=len(ids), action_items=len(items))
    for p in chosen:
        if states[p.n] == "published":
            at = p.resolved_at + timedelta(days=6)  # type: ignore[operator]
            data = {"from": "pending", "to": "done", "reason": "postmortem published"}
            w.events.append(
                {
                    "incident_id": w.incident_id[p.n],
                    "at": at,
                    "actor": "tocsin:postmortems",
                    "kind": "learning_settled",
                    "data": data,
                }
            )


def _sections(pm_id: int, p: PlannedIncident, row: dict[str, Any]) -> list[dict[str, Any]]:
    whys = [
        {
            "why": f"Why did {p.services[0]} fail?",
            "because": "Requests piled up behind a slow dependency.",
        },
        {
            "why": "Why did they pile up?",
            "because": "The client had no timeout shorter than the load balancer's.",
        },
        {
            "why": "Why was there no shorter timeout?",
            "because": "The default came from a library and was never reviewed.",
        },
        {
            "why": "Why was it never reviewed?",
            "because": "Our service template does not list timeouts to set.",
        },
        {
            "why": "Why does the template not list them?",
            "because": "It predates the move to remote dependencies.",
        },
    ]
    resolved = p.resolved_at or p.impact_started_at
    texts = {
        "summary": {"text": f"{p.title}. Customers saw errors until the change was rolled back."},
        "impact": {
            "text": "Some requests failed.",
            "duration_minutes": int((resolved - p.impact_started_at).total_seconds() // 60),
            "customers_affected": 40 + p.n % 300,
            "components": p.services,
        },
        "root_cause": {"text": "A timeout was missing.", "whys": whys},
        "contributing_factors": {"text": "A deploy on the same day changed traffic patterns."},
        "went_well": {"text": "The alert fired within minutes and the rollback was quick."},
        "went_poorly": {"text": "The runbook pointed at a dashboard that no longer exists."},
        "lessons": {"text": "Defaults deserve a review like any other setting."},
    }
    return [
        {
            "postmortem_id": pm_id,
            "key": spec.key,
            "content": texts.get(spec.key, {"text": ""}),
            "updated_at": row["updated_at"],
            "updated_by": row["owner_name"],
        }
        for spec in DEFAULT_TEMPLATE
    ]


def _items(
    pm_id: int,
    p: PlannedIncident,
    row: dict[str, Any],
    d: Directory,
    rng: random.Random,
    now: datetime,
) -> list[dict[str, Any]]:
    """Two or three items; older postmortems' items are mostly done, some never."""
    created: datetime = row["created_at"] + timedelta(days=2)
    old = now - created > timedelta(days=60)
    weights = [0.1, 0.1, 0.65, 0.15] if old else [0.4, 0.35, 0.15, 0.1]
    found = []
    for k in range(rng.randint(2, 3)):
        status = rng.choices(["open", "in_progress", "done", "wont_do"], weights)[0]
        owner = rng.randrange(len(d.person_ids))
        due = (created + timedelta(days=rng.choice((14, 30, 45)))).date()
        done = created + timedelta(days=rng.randint(3, 40)) if status == "done" else None
        found.append(
            {
                "postmortem_id": pm_id,
                "title": ITEMS[(p.n + k) % len(ITEMS)],
                "owner_person_id": d.person_ids[owner],
                "owner_name": d.person_names[owner],
                "due_on": due,
                "priority": rng.choice(("P1", "P2", "P2", "P3")),
                "status": status,
                "reason": "Superseded by the platform migration" if status == "wont_do" else None,
                "tracker_url": f"https://tracker.example.com/OPS-{p.n * 10 + k}"
                if k == 0
                else None,
                "created_at": created,
                "updated_at": done or created,
                "completed_at": done,
                "version": 1,
            }
        )
    return found
