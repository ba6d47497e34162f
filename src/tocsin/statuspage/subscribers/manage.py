"""The management side of subscribers (token API): list, read, count, pause, resume, delete."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.db import Database
from tocsin.errors import Conflict, NotFound
from tocsin.statuspage.service import page_in
from tocsin.statuspage.subscribers.delivery import pause_in
from tocsin.statuspage.subscribers.schemas import SubscriberCounts, SubscriberOut
from tocsin.statuspage.subscribers.service import remove_in
from tocsin.statuspage.subscribers.tables import Subscriber, SubscriberComponent
from tocsin.statuspage.tables import StatusComponent
from tocsin.storage import Page, get_or_404, keyset_page

STATUSES = ("pending", "active", "paused")


def _outs(session: Session, rows: Sequence[Subscriber]) -> list[SubscriberOut]:
    chosen: dict[int, list[int]] = {row.id: [] for row in rows}
    groups: dict[int, list[int]] = {row.id: [] for row in rows}
    for subscriber_id, component_id, is_group in session.execute(
        select(
            SubscriberComponent.subscriber_id,
            SubscriberComponent.component_id,
            StatusComponent.is_group,
        )
        .join(StatusComponent, StatusComponent.id == SubscriberComponent.component_id)
        .where(SubscriberComponent.subscriber_id.in_(list(chosen)))
        .order_by(SubscriberComponent.component_id)
    ):
        (groups if is_group else chosen)[subscriber_id].append(component_id)
    return [
        SubscriberOut(
            id=row.id,
            page_id=row.page_id,
            kind=row.kind,
            address=row.label,
            status=row.status,
            components=chosen[row.id],
            groups=groups[row.id],
            confirmed_at=row.confirmed_at,
            paused_at=row.paused_at,
            pause_reason=row.pause_reason,
            failures=row.failures,
            last_error=row.last_error,
            last_failure_at=row.last_failure_at,
            last_delivered_at=row.last_delivered_at,
            created_at=row.created_at,
        )
        for row in rows
    ]


def _load(session: Session, page_id: int, subscriber_id: int) -> Subscriber:
    row = get_or_404(session, Subscriber, subscriber_id, "subscriber", for_update=True)
    if row.page_id != page_id:
        raise NotFound(f"no subscriber with id {subscriber_id}", field="subscriber_id")
    return row


def list_subscribers(
    db: Database,
    *,
    page_id: int,
    status: str | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
) -> Page[SubscriberOut]:
    with db.reading() as session:
        page_in(session, page_id)
        query = select(Subscriber).where(Subscriber.page_id == page_id)
        if status is not None:
            query = query.where(Subscriber.status == status)
        if kind is not None:
            query = query.where(Subscriber.kind == kind)
        return keyset_page(
            session,
            query,
            Subscriber.id,
            limit=limit,
            cursor=cursor,
            descending=False,
            out=lambda rows: _outs(session, rows),
        )


def get_subscriber(db: Database, *, page_id: int, subscriber_id: int) -> SubscriberOut:
    with db.reading() as session:
        return _outs(session, [_load(session, page_id, subscriber_id)])[0]


def counts(db: Database, *, page_id: int) -> SubscriberCounts:
    with db.reading() as session:
        page_in(session, page_id)
        found = {"pending": 0, "active": 0, "paused": 0, "email": 0, "webhook": 0}
        for kind, status, count in session.execute(
            select(Subscriber.kind, Subscriber.status, func.count())
            .where(Subscriber.page_id == page_id)
            .group_by(Subscriber.kind, Subscriber.status)
        ):
            found[status] = found.get(status, 0) + count
            found[kind] = found.get(kind, 0) + count
        total = sum(found[s] for s in STATUSES)
        return SubscriberCounts(page_id=page_id, total=total, **found)


def delete_subscriber(db: Database, *, page_id: int, subscriber_id: int) -> None:
    with db.transaction() as session:
        remove_in(session, _load(session, page_id, subscriber_id))


def pause(db: Database, *, page_id: int, subscriber_id: int) -> SubscriberOut:
    """Stop sending to a subscriber (and cancel what is queued) until it is resumed."""
    with db.transaction() as session:
        row = _load(session, page_id, subscriber_id)
        if row.status == "pending":
            raise Conflict("an unconfirmed subscriber cannot be paused", field="status")
        if row.status == "active":
            pause_in(session, row, reason="paused by hand")
        return _outs(session, [row])[0]


def resume(db: Database, *, page_id: int, subscriber_id: int) -> SubscriberOut:
    """Send again, from the next update on; the count of failures starts over."""
    with db.transaction() as session:
        row = _load(session, page_id, subscriber_id)
        if row.status == "pending":
            raise Conflict("an unconfirmed subscriber must confirm first", field="status")
        row.status, row.paused_at, row.pause_reason = "active", None, None
        row.failures, row.updated_at = 0, clock.now()
        return _outs(session, [row])[0]
