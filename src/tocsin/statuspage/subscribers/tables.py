"""Subscriptions to a status page.

A subscription is a mail address (confirmed by the link in a confirmation mail: double
opt-in) or a webhook URL (active at once). It covers the whole page, or only the components
listed in ``statuspage_subscriber_components`` (``whole_page`` false), so the delivery query
finds who to tell with one ``INSERT … SELECT``.

A webhook's URL (it may carry a credential) and its signing secret are sealed with the
instance key; ``address_hash`` finds a repeat subscription without reading them. ``nonce``
goes into every signed link of the subscription, so a link stops working when the row is
deleted even if SQLite later gives its id to another one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime
from tocsin.statuspage.tables import page_column


class Subscriber(Base):
    __tablename__ = "statuspage_subscribers"
    __table_args__ = (
        UniqueConstraint("page_id", "kind", "address_hash"),
        Index("ix_statuspage_subscribers_page_id_status", "page_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = page_column()
    kind: Mapped[str] = mapped_column(String(16))  # email | webhook
    # email: the address; webhook: the URL, sealed
    address: Mapped[str] = mapped_column(Text)
    address_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))  # the address, or the URL's origin
    whole_page: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_sealed: Mapped[str | None] = mapped_column(Text)  # webhook signing secret
    nonce: Mapped[str] = mapped_column(String(32))
    # pending (not confirmed) → active ⇄ paused
    status: Mapped[str] = mapped_column(String(12))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    last_error: Mapped[str | None] = mapped_column(Text)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SubscriberComponent(Base):
    """One component a subscriber chose (a subscriber not to the whole page)."""

    __tablename__ = "statuspage_subscriber_components"

    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    component_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_components.id", ondelete="CASCADE"), primary_key=True, index=True
    )
