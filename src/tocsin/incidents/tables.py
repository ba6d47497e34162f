"""Incident tables. ``incident_events`` is append-only: the timeline, audit trail and
postmortem source; nothing updates or deletes its rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), index=True)
    severity: Mapped[str] = mapped_column(String(8), index=True)
    detection_source: Mapped[str] = mapped_column(String(20))
    learning: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    impact_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # metrics windows
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first public acknowledgement (on the status page) is due by ``public_ack_due_at``
    # (SEV1/SEV2); ``first_public_at`` says when it was met.
    public_ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_public_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change: lets clients detect concurrent edits and later fences timers.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Seen only by admins and the members (``IncidentMember``): tocsin.core.visibility.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class IncidentService(Base):
    """A service an incident affects (by name until the services catalog lands)."""

    __tablename__ = "incident_services"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class IncidentRole(Base):
    """A role held by a person of the on-call directory (``person_id``), by a name only, or
    both: ``holder`` is the text shown, the person's name when only the person was given."""

    __tablename__ = "incident_roles"
    __table_args__ = (UniqueConstraint("incident_id", "role", "holder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(40))
    holder: Mapped[str] = mapped_column(String(200))
    # a person deleted from the directory leaves the name behind
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_people.id", ondelete="SET NULL"), index=True
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str] = mapped_column(String(200))


class IncidentUpdate(Base):
    """Internal status updates on the template (status, impact, actions, next ETA)."""

    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentStakeholder(Base):
    """Someone who gets each internal update by mail: a person of the directory or an
    address (exactly one of the two)."""

    __tablename__ = "incident_stakeholders"
    __table_args__ = (
        UniqueConstraint("incident_id", "person_id", name="uq_incident_stakeholders_person"),
        UniqueConstraint("incident_id", "email", name="uq_incident_stakeholders_email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_people.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))


class IncidentMember(Base):
    """Who may see a private incident besides the admins: a user or a directory person
    (exactly one; a user acts also for their linked person). ``source`` says how they came
    in: ``declared``, ``role``, ``paged``, ``stakeholder`` or ``added`` (by hand)."""

    __tablename__ = "incident_members"
    __table_args__ = (
        UniqueConstraint("incident_id", "user_id", name="uq_incident_members_user"),
        UniqueConstraint("incident_id", "person_id", name="uq_incident_members_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_people.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))


class IncidentEvent(Base):
    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_id_id", "incident_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


class StoredSeverityPolicy(Base):
    """An admin's change to one severity's policy, made at run time (the API or a config
    file): only the fields it sets; the others follow the deployment's settings."""

    __tablename__ = "severity_policies"

    severity: Mapped[str] = mapped_column(String(8), primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
