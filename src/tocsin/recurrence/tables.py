"""Recorded recurrences: an incident, and a past incident it looks like (see
:mod:`tocsin.recurrence.service`). Metrics count incidents with at least one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime


class IncidentRecurrence(Base):
    __tablename__ = "incident_recurrences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # "<incident>:<past incident>"
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    past_incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    # when the recurring incident opened: what metrics count recurrences by
    incident_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
