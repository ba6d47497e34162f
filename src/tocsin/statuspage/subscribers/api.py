"""Subscriber routes of the JSON API: the public subscribe call (no token, rate-limited per
client address) and the management routes (a responder's token: addresses are personal)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tocsin.access.api import Responder
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import Conflict, RateLimited, answers
from tocsin.fields import Id
from tocsin.rate_limits import per_client
from tocsin.statuspage.subscribers import manage, service
from tocsin.statuspage.subscribers.schemas import (
    SubscribeIn,
    SubscribeOut,
    SubscriberCounts,
    SubscriberOut,
)
from tocsin.storage import Page

router = APIRouter(prefix="/api/v1/statuspage/pages/{page_id}", tags=["status page subscribers"])


SUBSCRIBE_LIMIT = per_client(
    "subscribe", lambda s: s.statuspage_subscribe_per_minute, what="subscribe requests"
)
"""The subscribe call's and form's per-address rate limit (429 when over)."""


@router.post(
    "/subscribe",
    status_code=202,
    responses=answers(RateLimited, Conflict),
    dependencies=[SUBSCRIBE_LIMIT],
)
def subscribe(page_id: Id, body: SubscribeIn, db: DbDep, settings: SettingsDep) -> SubscribeOut:
    """Subscribe to a public page's updates (no token). A mail address gets a confirmation
    mail and nothing else until its link is opened; a webhook is active at once and its
    secret is shown only in this answer."""
    return service.subscribe(db, settings, page_id=page_id, body=body)


@router.get("/subscribers")
def list_subscribers(
    page_id: Id,
    db: DbDep,
    _: Responder,
    status: Literal["pending", "active", "paused"] | None = None,
    kind: Literal["email", "webhook"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[SubscriberOut]:
    return manage.list_subscribers(
        db, page_id=page_id, status=status, kind=kind, limit=limit, cursor=cursor
    )


@router.get("/subscribers/counts")
def count_subscribers(page_id: Id, db: DbDep, _: Responder) -> SubscriberCounts:
    return manage.counts(db, page_id=page_id)


@router.get("/subscribers/{subscriber_id}")
def get_subscriber(page_id: Id, subscriber_id: Id, db: DbDep, _: Responder) -> SubscriberOut:
    return manage.get_subscriber(db, page_id=page_id, subscriber_id=subscriber_id)


@router.delete("/subscribers/{subscriber_id}", status_code=204)
def delete_subscriber(page_id: Id, subscriber_id: Id, db: DbDep, _: Responder) -> None:
    manage.delete_subscriber(db, page_id=page_id, subscriber_id=subscriber_id)


@router.post("/subscribers/{subscriber_id}/pause", responses=answers(Conflict))
def pause_subscriber(page_id: Id, subscriber_id: Id, db: DbDep, _: Responder) -> SubscriberOut:
    """Send it nothing (what is queued is cancelled) until it is resumed."""
    return manage.pause(db, page_id=page_id, subscriber_id=subscriber_id)


@router.post("/subscribers/{subscriber_id}/resume", responses=answers(Conflict))
def resume_subscriber(page_id: Id, subscriber_id: Id, db: DbDep, _: Responder) -> SubscriberOut:
    """Send again from the next update on; its count of failures starts over."""
    return manage.resume(db, page_id=page_id, subscriber_id=subscriber_id)
