"""Checks and the result of every run of one.

``next_run_at`` is the schedule and the claim at once: a worker claims a due check by moving
it one interval ahead in the same locked transaction, so no other worker sees it due until
then. Results are kept row by row (time, outcome, latency, error) for
:data:`tocsin.checks.runs.RESULTS_KEPT_DAYS`; a check mapped to a status page component
(``component_id``) also counts each result into that component's per-day tally, which the
uptime figures read and which outlives the results.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime


class Check(Base):
    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_enabled_next_run_at", "enabled", "next_run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))  # http | tcp
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"), index=True)
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuspage_components.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(String(2000))
    host: Mapped[str | None] = mapped_column(String(255))
    port: Mapped[int | None] = mapped_column(Integer)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    timeout_seconds: Mapped[float] = mapped_column(Float)
    expected_status: Mapped[int | None] = mapped_column(Integer)
    body_contains: Mapped[str | None] = mapped_column(Text)
    latency_threshold_ms: Mapped[int | None] = mapped_column(Integer)
    failures_before_alert: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    alerting: Mapped[bool] = mapped_column(Boolean, default=False)  # its alert was raised
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckResult(Base):
    __tablename__ = "check_results"
    __table_args__ = (
        Index("ix_check_results_check_id_id", "check_id", "id"),
        Index("ix_check_results_at", "at"),  # the retention job deletes by age
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
