"""Durable timers. ``key`` makes scheduling idempotent; ``fence`` lets the owner of a timer
make it stale (a timer whose fence no longer matches its owner's is a no-op)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Index, Integer, String, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (
        # What is due next, in index order (kind and lease read from the index, not the row):
        # a backlog of timers of a kind the worker skips for now costs little.
        Index("ix_timers_status_due_at", "status", "due_at", "kind", "claimed_until"),
        # ... and when the leases of claimed timers end
        Index("ix_timers_status_claimed_until", "status", "claimed_until", "due_at", "kind"),
        # Cancelling a group reads only its pending timers: on ``group`` alone, SQLite's
        # planner prefers ``status`` and walks every pending timer.
        Index("ix_timers_group_status", "group", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|done|cancelled
    group: Mapped[str] = mapped_column(String(100))  # for cancelling together
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


timers_table = cast(Table, Timer.__table__)  # Core statements on hot paths
