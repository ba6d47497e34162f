"""Who is being paged for an incident right now, for the incident page: the latest page's
people and contact methods with their delivery state, who acknowledged, and the escalation
step that fires next (with whom it would page and when)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.db import Database
from tocsin.errors import NotFound
from tocsin.notify import history as notify_history
from tocsin.notify.schemas import NotificationOut
from tocsin.oncall import service as oncall_service
from tocsin.paging.schemas import EscalationOut
from tocsin.paging.tables import Escalation
from tocsin.timers import service as timers_service


@dataclass(frozen=True)
class PagedContact:
    """One contact method of one person for the latest page."""

    person: str
    contact: str  # the contact method's label
    address: str  # where it goes (masked when the address is a secret URL)
    kind: str  # email, slack, webhook...
    status: str  # pending, sending, delivered, failed, cancelled
    due_at: datetime
    sent_at: datetime | None  # the last attempt, if one was made


@dataclass(frozen=True)
class NextStep:
    level: int  # 1-based
    pass_number: int  # 1-based
    due_at: datetime
    people: list[str]
    exhausted: bool  # the next thing is the end of the policy, not a page


@dataclass(frozen=True)
class PagingNow:
    escalation: EscalationOut
    policy: str
    levels: int
    contacts: list[PagedContact]
    acknowledged_by: str | None
    next_step: NextStep | None


def _page_of(key: str) -> str:
    """A page notification's page (``page:iid:fence:pass:level``): its key less the
    person and the contact method."""
    return key.rsplit(":", 2)[0]


def _latest_page(notifications: list[NotificationOut]) -> list[NotificationOut]:
    pages = [n for n in notifications if n.key.startswith("page:")]
    if not pages:
        return []
    latest = _page_of(pages[-1].key)
    return [n for n in pages if _page_of(n.key) == latest]


def _addresses(db: Database, notifications: list[NotificationOut]) -> dict[int, str]:
    """Each contact method's shown address, by id (a person deleted since: none)."""
    found: dict[int, str] = {}
    for person_id in {n.person_id for n in notifications if n.person_id is not None}:
        with suppress(NotFound):
            methods = oncall_service.list_contact_methods(db, person_id=person_id)
            found.update({m.id: m.address for m in methods})
    return found


def _contact(n: NotificationOut, addresses: dict[int, str]) -> PagedContact:
    person, _, label = n.target.partition(" · ")
    sent = n.attempts[-1].at if n.attempts else None
    address = addresses.get(n.contact_method_id or 0, "")
    return PagedContact(person, label or n.kind, address, n.kind, n.status, n.due_at, sent)


def paging_now(db: Database, *, incident_id: int) -> PagingNow | None:
    """None when the incident has no escalation (no policy, or a severity that does not page)."""
    with db.reading() as session:
        row = session.get(Escalation, incident_id)
        if row is None:
            return None
        escalation = EscalationOut.model_validate(row)
        levels = list(escalation.snapshot.get("levels") or [])
        upcoming = timers_service.next_pending_in(session, group=f"escalation:{incident_id}")
        following: NextStep | None = None
        if escalation.state == "active" and upcoming is not None:
            due_at, payload = upcoming
            exhausted = bool(payload.get("exhausted"))
            level = int(payload.get("level", 0))
            people = [] if exhausted or level >= len(levels) else levels[level]["targets"]
            named = oncall_service.resolve_people_in(session, targets=people, at=due_at)
            following = NextStep(
                level=level + 1,
                pass_number=int(payload.get("pass", 0)) + 1,
                due_at=due_at,
                people=[p.name for p in named],
                exhausted=exhausted,
            )
    latest = _latest_page(notify_history.history(db, incident_id=incident_id))
    addresses = _addresses(db, latest)
    contacts = [_contact(n, addresses) for n in latest]
    acked = escalation.stopped_by if escalation.state == "acknowledged" else None
    return PagingNow(
        escalation=escalation,
        policy=str(escalation.snapshot.get("policy_name") or "—"),
        levels=len(levels),
        contacts=contacts,
        acknowledged_by=acked,
        next_step=following,
    )


def incident_section(db: Database, incident_id: int) -> dict[str, Any]:
    """The incident page's "Paged now" part."""
    return {"paging_now": paging_now(db, incident_id=incident_id)}
