"""The metrics' own tables: ``incident_facts``, one row per incident with what the report
reads of it (times, the four durations in seconds, the update tallies), and
``incident_service_facts``, the same once per affected service.

It is derived data, kept exact: :mod:`tocsin.metrics.facts` rewrites an incident's rows in
the same flush (so the same transaction) that changes the incident or one of its updates.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime


class _Facts:
    """The columns both tables have."""

    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    severity: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public_ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_public_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mttd: Mapped[float | None] = mapped_column(Float)
    mtta: Mapped[float | None] = mapped_column(Float)
    mttm: Mapped[float | None] = mapped_column(Float)
    mttr: Mapped[float | None] = mapped_column(Float)
    has_updates: Mapped[bool] = mapped_column(Boolean)
    first_posted: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kept: Mapped[int] = mapped_column(Integer)
    broken: Mapped[int] = mapped_column(Integer)
    last_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    services: Mapped[int] = mapped_column(Integer)  # how many services the incident affects


class IncidentFacts(_Facts, Base):
    __tablename__ = "incident_facts"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (
        Index("ix_incident_facts_detected_at", "detected_at"),
        # the rows a service or team report reads apart (migration 0009_metrics_partial_idx)
        Index(
            "ix_incident_facts_without_services",
            "detected_at",
            postgresql_where=text("services = 0"),
            sqlite_where=text("services = 0"),
        ),
    )


class IncidentServiceFacts(_Facts, Base):
    """The same facts once per service the incident affects: grouping by service (or team)
    reads one table, without joining the window's incidents to their services."""

    __tablename__ = "incident_service_facts"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (
        Index("ix_incident_service_facts_detected_at", "detected_at"),
        Index(
            "ix_incident_service_facts_several",
            "detected_at",
            postgresql_where=text("services > 1"),
            sqlite_where=text("services > 1"),
        ),
    )
