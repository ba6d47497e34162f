"""Scheduled maintenance tables: a maintenance on a page, and its public updates.

``schedule_version`` is the fence of its timers: moving the window bumps it, so a timer
scheduled for the old times finds itself stale. ``reminded_at``, ``started_at``,
``completed_at`` and ``cancelled_at`` are set once: each notice goes out once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime
from tocsin.statuspage.tables import JsonDocument, page_column


class Maintenance(Base):
    __tablename__ = "statuspage_maintenances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = page_column()
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    component_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    scheduled_until: Mapped[datetime] = mapped_column(UTCDateTime)
    auto_start: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    remind_before_minutes: Mapped[int] = mapped_column(Integer, default=60)
    silence_alerts: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verifying_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class MaintenanceUpdate(Base):
    __tablename__ = "statuspage_maintenance_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    maintenance_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_maintenances.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(200))
