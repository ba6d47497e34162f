"""Customer reports.

A report is in one of four states: ``triage`` (waiting for a person), ``attached`` (to
``incident_id``, by the matching rule or by a person), ``merged`` (a duplicate of
``merged_into_id``; it counts for the same incident) or ``dismissed`` (with a reason).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime
from tocsin.statuspage.tables import page_column


class CustomerReport(Base):
    __tablename__ = "customer_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = page_column()
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(320), index=True)  # an e-mail address
    text: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    component_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuspage_components.id", ondelete="SET NULL")
    )
    service: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(64))  # form | api | a support tool's name
    state: Mapped[str] = mapped_column(String(12), index=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_reports.id", ondelete="SET NULL")
    )
    reason: Mapped[str | None] = mapped_column(Text)  # why matched, or why dismissed
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
