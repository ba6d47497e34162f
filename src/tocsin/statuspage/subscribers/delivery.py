"""Delivering to subscribers through the outbox.

Queueing is one ``INSERT … SELECT`` into the outbox, in the transaction of the update: one
message per confirmed, active subscriber of the page whose components match, keyed
``{key}:s{subscriber}``, so the same update is never queued twice for anyone. The queued
message is the same for everyone and holds no link: its worker adds the subscriber's own
signed links (unsubscribe, or confirm) when it sends it, and skips a subscriber that has
been paused or has left since.

Each message's group is ``statuspage-subscriber:{id}``: pausing or deleting a subscriber
cancels what is still queued for it, and the worker routes the group's messages here
(``send`` and ``after_delivery_in``, wired by ``tocsin.assembly``); its mail goes in batches
(``prepare`` finds the receivers of a whole batch in one read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, String, cast, exists, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from tocsin import clock, wakeup
from tocsin.config import Settings
from tocsin.core.subscriptions import pauses
from tocsin.db import Database, UTCDateTime
from tocsin.notify import service as notify_service
from tocsin.notify.channels.base import Channel, Delivery, Message, Target
from tocsin.notify.service import ClaimedMessage, Outcome
from tocsin.notify.tables import JsonDocument, OutboxMessage
from tocsin.statuspage.subscribers import links
from tocsin.statuspage.subscribers.tables import Subscriber, SubscriberComponent
from tocsin.statuspage.tables import StatusComponent
from tocsin.templating import templates

GROUP = "statuspage-subscriber"
CONFIRM_EVENT = "statuspage.subscription.confirm"
NOT_SENT = "not sent"  # a Delivery's detail when the subscriber was no longer to be sent to


def group_of(subscriber_id: int) -> str:
    return f"{GROUP}:{subscriber_id}"


def _subscriber_of(group: str) -> int:
    return int(group.rsplit(":", 1)[1])


def notify_subscribers_in(
    session: Session,
    *,
    page_id: int,
    component_ids: Sequence[int],
    key: str,
    subject: str,
    text: str,
    html: str,
    url: str,
    event: str = "statuspage.notice",
    data: Mapping[str, Any] | None = None,
) -> int:
    """Queue, in the caller's transaction, one message to every confirmed, active subscriber
    of ``page_id`` who subscribed to the whole page, to one of ``component_ids`` or to the
    group of one (whatever the group holds now).

    ``key`` identifies what is announced (e.g. ``maintenance:12:reminder``): called again
    with the same key, nobody is sent it twice. ``html`` is an HTML fragment, already
    escaped (render it with an autoescaping template); ``text`` its plain-text version.
    Both get the subscriber's unsubscribe link appended when sent. ``url`` (the page of what
    is announced) and ``data`` go to webhook subscribers. Returns how many were queued.
    """
    message = asdict(
        Message(
            idempotency_key="",  # each row's own key, set when it is sent
            subject=subject,
            text=text,
            event=event,
            data={**(data or {}), "url": url, "html": html},
        )
    )
    s, chosen = Subscriber.__table__, SubscriberComponent.__table__
    outbox = OutboxMessage.__table__
    now = clock.now()
    match: ColumnElement[bool] = s.c.whole_page.is_(True)
    if component_ids:
        groups = session.scalars(
            select(StatusComponent.group_id).where(
                StatusComponent.id.in_(component_ids), StatusComponent.group_id.is_not(None)
            )
        )
        targets = {*component_ids, *groups}
        picked = (chosen.c.subscriber_id == s.c.id) & chosen.c.component_id.in_(targets)
        match = or_(match, exists().where(picked))
    row_key = literal(f"{key}:s", String) + cast(s.c.id, String)
    rows = select(
        row_key,
        literal(f"{GROUP}:", String) + cast(s.c.id, String),
        s.c.kind,
        s.c.label,
        literal(message, JsonDocument),
        literal(now, UTCDateTime),
        literal("pending", String),
        literal(0),
        literal(now, UTCDateTime),
    ).where(
        s.c.page_id == page_id,
        s.c.status == "active",
        match,
        ~exists().where(outbox.c.key == row_key),
    )
    names = ["key", "group", "kind", "target_label", "message", "due_at", "status"]
    statement = insert(OutboxMessage).from_select([*names, "attempts", "created_at"], rows)
    queued = int(getattr(session.execute(statement), "rowcount", 0) or 0)
    wakeup.after_commit(session)
    return queued


def _render(name: str, **context: Any) -> str:
    return templates.env.get_template(f"subscribers/{name}").render(**context)


def _mail(row: Subscriber, message: Message, settings: Settings, unsubscribe: str) -> Message:
    box = settings.secret_box
    if message.event == CONFIRM_EVENT:
        signed = links.token(box, links.CONFIRM, row.id, row.nonce)
        confirm = links.url(settings.base_url, row.page_id, links.CONFIRM, signed)
        text = f"{message.text}\n\nConfirm: {confirm}\n"
        fragment = _render("confirm_mail.html", text=message.text, confirm_url=confirm)
    else:
        text = f"{message.text}\n\n--\nUnsubscribe: {unsubscribe}\n"
        fragment = str(message.data.get("html") or "")
    html = _render("mail.html", body=Markup(fragment), unsubscribe_url=unsubscribe)
    data = {"html": html, "list_unsubscribe": unsubscribe}
    return replace(message, text=text, data=data)


def _prepare(
    row: Subscriber | None, claimed: ClaimedMessage, settings: Settings
) -> tuple[Target, Message] | str:
    if row is None:
        return "the subscription has ended"
    confirming = claimed.message.event == CONFIRM_EVENT
    if confirming and row.status != "pending":
        return "the subscription is confirmed already"
    if not confirming and row.status != "active":
        return f"the subscription is {row.status}"
    box = settings.secret_box
    signed = links.token(box, links.UNSUBSCRIBE, row.id, row.nonce)
    unsubscribe = links.url(settings.base_url, row.page_id, links.UNSUBSCRIBE, signed)
    message = replace(claimed.message, idempotency_key=claimed.key)
    if row.kind == "webhook":
        data = {k: v for k, v in message.data.items() if k != "html"}
        secret = box.open(row.secret_sealed) if row.secret_sealed else None
        target = Target("webhook", box.open(row.address), secret)
        return target, replace(message, data={**data, "unsubscribe_url": unsubscribe})
    return Target("email", row.address), _mail(row, message, settings, unsubscribe)


def prepare(
    claimed: Sequence[ClaimedMessage], *, db: Database, settings: Settings
) -> list[tuple[Target, Message] | Delivery]:
    """For each queued message, its receiver and the message with the subscriber's own links,
    or, for a subscriber no longer to be sent to, the ``Delivery`` to record instead. One
    read for them all (a batch of the worker's)."""
    ids = {_subscriber_of(c.group) for c in claimed}
    with db.reading() as session:
        rows = {r.id: r for r in session.scalars(select(Subscriber).where(Subscriber.id.in_(ids)))}
    prepared: list[tuple[Target, Message] | Delivery] = []
    for c in claimed:
        found = _prepare(rows.get(_subscriber_of(c.group)), c, settings)
        prepared.append(
            Delivery(ok=False, error=found, detail=NOT_SENT) if isinstance(found, str) else found
        )
    return prepared


def send(
    claimed: ClaimedMessage, channels: Mapping[str, Channel], *, db: Database, settings: Settings
) -> Delivery:
    """Send one queued message to its subscriber (the worker's delivery thread)."""
    (prepared,) = prepare([claimed], db=db, settings=settings)
    if isinstance(prepared, Delivery):
        return prepared
    target, message = prepared
    channel = channels.get(target.kind)
    if channel is None:
        return Delivery(ok=False, error=f"no channel for kind {target.kind!r}")
    return channel.send(target, message)


def pause_in(session: Session, row: Subscriber, *, reason: str) -> None:
    """Pause a subscriber and cancel what is queued for it."""
    now = clock.now()
    row.status, row.paused_at, row.pause_reason, row.updated_at = "paused", now, reason, now
    notify_service.cancel_group_in(session, group=group_of(row.id))


def after_delivery_in(
    session: Session,
    claimed: ClaimedMessage,
    outcome: Outcome,
    delivery: Delivery,
    *,
    max_failures: int,
) -> None:
    """Keep the subscriber's record: a success clears the failures, a message that failed for
    good (a bounce, a webhook refusing after the retries) counts one, and ``max_failures``
    in a row pause the subscriber."""
    if outcome in ("retrying", "stale") or delivery.detail == NOT_SENT:
        return
    subscriber_id, now = _subscriber_of(claimed.group), clock.now()
    if outcome == "delivered":
        session.execute(
            update(Subscriber)
            .where(Subscriber.id == subscriber_id)
            .values(failures=0, last_delivered_at=now)
        )
        return
    row = session.scalar(select(Subscriber).where(Subscriber.id == subscriber_id).with_for_update())
    if row is None:
        return
    row.failures += 1
    row.last_error, row.last_failure_at = delivery.error, now
    if row.status == "active" and pauses(row.failures, max_failures):
        pause_in(session, row, reason=f"{row.failures} deliveries in a row failed")
