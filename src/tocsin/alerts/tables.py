"""Alert tables.

``alerts`` holds one row per alert episode: the row a key's events apply to while ``open``
(its incident is still open, or it is silenced and still firing). When the incident resolves
the row closes, and the next trigger with the same key starts a new row and a new incident.
``alert_incidents`` follows each incident an alert opened, for the noise figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Integration(Base):
    """A source of alerts with its secret key (stored as a SHA-256 digest) and its rules.

    ``legacy_key_digest`` is an imported tool's old secret (a PagerDuty routing key, an
    OnCall URL token, an Opsgenie API key), also as a digest: it reaches this integration
    like its own key, so a sender moved from that tool only changes the host.
    """

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(100), index=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(8))
    legacy_key_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    legacy_key_prefix: Mapped[str | None] = mapped_column(String(4))
    settings: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_beat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Silence(Base):
    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matchers: Mapped[list[str]] = mapped_column(JsonDocument)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    weekly: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The service the silence was made for: matching an alert of another one warns.
    service: Mapped[str | None] = mapped_column(String(100))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("integrations.id"))
    foreign_matches: Mapped[int] = mapped_column(Integer, default=0)
    foreign_example: Mapped[str | None] = mapped_column(String(300))


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # With the incident: the earlier incidents of a key or a name read in index order
        # (recurrence), not every alert the key or name ever had.
        Index("ix_alerts_key_incident", "integration_id", "dedup_key", "incident_id"),
        Index("ix_alerts_name_incident", "name", "incident_id"),
        # The database, not a replica's cache, decides that a key has one open alert: a
        # replica that raced another gets a failed batch, reloads, and joins the open one.
        Index(
            "uq_alerts_open_key",
            "integration_id",
            "dedup_key",
            unique=True,
            sqlite_where=text("open"),
            postgresql_where=text("open"),
        ),
        # How a replica finds the open incident of a group another replica opened.
        Index(
            "ix_alerts_open_group",
            "integration_id",
            "group_key",
            sqlite_where=text("open"),
            postgresql_where=text("open"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    dedup_key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    open: Mapped[bool] = mapped_column(Boolean, index=True)
    summary: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(8))
    labels: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    details: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    silenced_by: Mapped[int | None] = mapped_column(ForeignKey("silences.id", ondelete="SET NULL"))
    group_key: Mapped[str | None] = mapped_column(String(64))
    trace: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    # A responder's word on the alert (``actionable`` or ``noise``), counted in the noise
    # figures beside the guess made from what happened on the incident (``acted``).
    verdict: Mapped[str | None] = mapped_column(String(12))
    verdict_by: Mapped[str | None] = mapped_column(String(200))
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertIncident(Base):
    """An incident an alert opened, followed for the noise figures.

    ``acted`` is set when someone posts an update, a note, a role or a severity change
    between the acknowledgement and the resolution.
    """

    __tablename__ = "alert_incidents"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    name: Mapped[str] = mapped_column(String(255), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acted: Mapped[bool] = mapped_column(Boolean, default=False)


# Core handles for the ingest path's executemany statements.
alerts_table = cast(Table, Alert.__table__)
integrations_table = cast(Table, Integration.__table__)
silences_table = cast(Table, Silence.__table__)
alert_incidents_table = cast(Table, AlertIncident.__table__)
