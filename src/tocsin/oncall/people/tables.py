"""People and how to reach them: contact methods and personal notification rules.

Secrets Tocsin must read back (a webhook's signing secret, a Slack or Apprise URL) are stored
sealed with ``settings.secret_box``; ``display`` keeps a masked form for listings so showing a
contact method never opens a secret.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime


class Person(Base):
    __tablename__ = "oncall_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactMethod(Base):
    __tablename__ = "oncall_contact_methods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)  # plain: an email address, a webhook URL
    sealed_address: Mapped[str | None] = mapped_column(Text)  # Slack and Apprise URLs
    sealed_secret: Mapped[str | None] = mapped_column(Text)  # webhook signing secret
    display: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NotificationRule(Base):
    __tablename__ = "oncall_notification_rules"
    __table_args__ = (UniqueConstraint("contact_method_id", "delay_minutes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_people.id", ondelete="CASCADE"), index=True
    )
    contact_method_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_contact_methods.id", ondelete="CASCADE")
    )
    delay_minutes: Mapped[int] = mapped_column(Integer)
