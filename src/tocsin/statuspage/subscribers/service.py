"""Subscribing, confirming, unsubscribing (the public side) and managing subscribers.

A mail address is only written to after it confirmed (double opt-in): until then it gets the
confirmation mail and nothing else (asked again, one more at most every ten minutes). The
link of that mail shows a page whose button confirms (a POST: mail scanners that open links
confirm nothing); an address that never confirms is deleted
``statuspage_unconfirmed_days`` after its last confirmation mail.
Asking again for an address already subscribed changes nothing and answers as for a new
one, so the answer does not tell who is subscribed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.config import Settings
from tocsin.crypto import SecretBox
from tocsin.db import Database
from tocsin.errors import Conflict, Forbidden, NotFound
from tocsin.notify import service as notify_service
from tocsin.notify import signing, urls
from tocsin.notify.channels.base import Message
from tocsin.statuspage.publishing import check_components
from tocsin.statuspage.render import page_info
from tocsin.statuspage.subscribers import links
from tocsin.statuspage.subscribers.delivery import CONFIRM_EVENT, group_of
from tocsin.statuspage.subscribers.schemas import SubscribeIn, SubscribeOut
from tocsin.statuspage.subscribers.tables import Subscriber, SubscriberComponent
from tocsin.statuspage.tables import StatusPage

RESEND_AFTER = timedelta(minutes=10)  # asking again for a pending address resends after this
PURGE_SECONDS = 3600.0  # how often a worker deletes the subscriptions never confirmed
PURGE_BATCH = 1000
PENDING_MESSAGE = "Check your mail: the subscription starts when you open the link we sent."


def _public_page(session: Session, page_id: int) -> StatusPage:
    page = session.get(StatusPage, page_id)
    if page is None or page.visibility != "public":
        raise NotFound(f"no status page with id {page_id}", field="page_id")
    return page


def _hash(kind: str, address: str) -> str:
    return hashlib.sha256(f"{kind}:{address}".encode()).hexdigest()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"[:200]


def _set_components(session: Session, row: Subscriber, ids: Sequence[int]) -> None:
    session.execute(delete(SubscriberComponent).where(SubscriberComponent.subscriber_id == row.id))
    row.whole_page = not ids
    session.add_all(SubscriberComponent(subscriber_id=row.id, component_id=i) for i in ids)


def _new(session: Session, page_id: int, kind: str, address: str, digest: str) -> Subscriber:
    now = clock.now()
    row = Subscriber(
        page_id=page_id,
        kind=kind,
        address=address,
        address_hash=digest,
        label=address[:200],
        nonce=secrets.token_hex(16),
        status="pending",
        failures=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def subscribe(db: Database, settings: Settings, *, page_id: int, body: SubscribeIn) -> SubscribeOut:
    with db.transaction() as session:
        page = _public_page(session, page_id)
        components = check_components(session, body.components, page_id)
        components += check_components(session, body.groups, page_id, groups=True)
        if body.webhook_url is not None:
            return _subscribe_webhook(session, settings, page, body.webhook_url, components)
        assert body.email is not None
        _subscribe_email(session, settings, page, body.email, components)
        return SubscribeOut(status="pending", message=PENDING_MESSAGE)


def _subscribe_email(
    session: Session, settings: Settings, page: StatusPage, email: str, components: list[int]
) -> None:
    digest = _hash("email", email.lower())
    row = session.scalar(
        select(Subscriber).where(
            Subscriber.page_id == page.id,
            Subscriber.kind == "email",
            Subscriber.address_hash == digest,
        )
    )
    if row is not None and row.status != "pending":
        return  # already confirmed: nothing changes, and the answer says nothing
    if row is not None and row.updated_at > clock.now() - RESEND_AFTER:
        return  # a confirmation went out just now: no mail bombing through this form
    if row is None:
        row = _new(session, page.id, "email", email, digest)
    _set_components(session, row, components)
    row.updated_at = clock.now()
    name = page_info(page, base_url=settings.base_url, default_name=settings.statuspage_name).name
    notify_service.enqueue_in(
        session,
        key=f"statuspage-confirm:{row.id}:{row.nonce[:8]}:{int(row.updated_at.timestamp())}",
        group=group_of(row.id),
        kind="email",
        target_label=row.label,
        message=Message(
            idempotency_key="",  # the outbox key, set when it is sent
            subject=f"Confirm your subscription to {name}",
            text=(
                f"Someone, probably you, asked to receive the updates of {name} at this "
                "address. Nothing is sent until you confirm; if it was not you, ignore this "
                "mail."
            ),
            event=CONFIRM_EVENT,
            data={"page": name},
        ),
        due_at=clock.now(),
    )


def _subscribe_webhook(
    session: Session, settings: Settings, page: StatusPage, url: str, components: list[int]
) -> SubscribeOut:
    urls.check_outbound_url(url, allow=settings.outbound_allow, field="webhook_url")
    digest = _hash("webhook", url)
    exists = session.scalar(
        select(Subscriber.id).where(
            Subscriber.page_id == page.id,
            Subscriber.kind == "webhook",
            Subscriber.address_hash == digest,
        )
    )
    if exists is not None:
        raise Conflict("webhook_url: this URL is subscribed already", field="webhook_url")
    box = settings.secret_box
    row = _new(session, page.id, "webhook", box.seal(url), digest)
    secret = signing.new_secret()
    row.label, row.secret_sealed = _origin(url), box.seal(secret)
    row.status, row.confirmed_at = "active", clock.now()
    _set_components(session, row, components)
    signed = links.token(box, links.UNSUBSCRIBE, row.id, row.nonce)
    return SubscribeOut(
        status="active",
        message="Subscribed: updates are posted to the URL, signed with the secret.",
        id=row.id,
        secret=secret,
        unsubscribe_url=links.url(settings.base_url, page.id, links.UNSUBSCRIBE, signed),
    )


def _by_token(session: Session, purpose: str, signed: str, box: SecretBox) -> Subscriber | None:
    """The subscription a valid link names; None when it is gone (unsubscribed, deleted)."""
    subscriber_id = links.subscriber_of(signed)
    if subscriber_id is None:
        raise Forbidden(f"this {purpose} link is not valid", field="token")
    row = session.get(Subscriber, subscriber_id, with_for_update=True)
    if row is not None:
        links.verify(box, purpose, signed, row.nonce)
    return row


def _confirmable_in(session: Session, settings: Settings, page_id: int, token: str) -> Subscriber:
    row = _by_token(session, links.CONFIRM, token, settings.secret_box)
    if row is None or row.page_id != page_id:
        raise Forbidden("this confirmation link is no longer valid: subscribe again", field="token")
    return row


def check_confirm(
    db: Database, settings: Settings, *, page_id: int, token: str
) -> tuple[str, bool]:
    """The address a confirmation link names and whether it is confirmed already, changing
    nothing (the page before the POST: mail scanners open links, and must confirm nothing);
    403 when the link is no longer valid."""
    with db.reading() as session:
        row = _confirmable_in(session, settings, page_id, token)
        return row.label, row.status != "pending"


def confirm(db: Database, settings: Settings, *, page_id: int, token: str) -> str:
    """Confirm a mail subscription (the POST of the confirmation page); idempotent. Returns
    the address confirmed."""
    with db.transaction() as session:
        row = _confirmable_in(session, settings, page_id, token)
        if row.status == "pending":
            row.status = "active"
            row.confirmed_at = row.updated_at = clock.now()
        return row.label


def purge_unconfirmed(db: Database, *, older_than: timedelta, batch: int = PURGE_BATCH) -> int:
    """Delete up to ``batch`` mail subscriptions still unconfirmed ``older_than`` after their
    last confirmation mail (and what is still queued for them); how many.

    The periodic job of every worker: the rows are locked (skipping those another worker
    holds) and checked again under the lock, so a confirmation that comes first wins.
    """
    cutoff = clock.now() - older_than
    with db.transaction() as session:
        rows = session.scalars(
            select(Subscriber)
            .where(Subscriber.status == "pending", Subscriber.updated_at < cutoff)
            .order_by(Subscriber.updated_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            remove_in(session, row)
        return len(rows)


def check_unsubscribe(db: Database, settings: Settings, *, page_id: int, token: str) -> bool:
    """Is the link valid for a subscription that still exists? (The page before the POST.)"""
    with db.reading() as session:
        row = _by_token(session, links.UNSUBSCRIBE, token, settings.secret_box)
        return row is not None and row.page_id == page_id


def unsubscribe(db: Database, settings: Settings, *, page_id: int, token: str) -> bool:
    """End the subscription a link names; False when it had ended already."""
    with db.transaction() as session:
        row = _by_token(session, links.UNSUBSCRIBE, token, settings.secret_box)
        if row is None or row.page_id != page_id:
            return False
        remove_in(session, row)
        return True


def remove_in(session: Session, row: Subscriber) -> None:
    """Delete a subscription and cancel what is still queued for it."""
    notify_service.cancel_group_in(session, group=group_of(row.id))
    session.delete(row)
