"""Escalation policies (levels of targets) and the services catalog that points at them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocsin.db import Base, UTCDateTime


class EscalationPolicy(Base):
    __tablename__ = "oncall_escalation_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_teams.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    levels: Mapped[list[EscalationLevel]] = relationship(
        order_by="EscalationLevel.position", lazy="selectin", cascade="all, delete-orphan"
    )


class EscalationLevel(Base):
    __tablename__ = "oncall_escalation_levels"
    __table_args__ = (UniqueConstraint("policy_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_escalation_policies.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    timeout_minutes: Mapped[int] = mapped_column(Integer)

    targets: Mapped[list[EscalationTarget]] = relationship(
        order_by="EscalationTarget.position", lazy="selectin", cascade="all, delete-orphan"
    )


class EscalationTarget(Base):
    """A person or a schedule; exactly one of the two ids is set, as ``target_type`` says."""

    __tablename__ = "oncall_escalation_targets"

    level_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_escalation_levels.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("oncall_people.id"), index=True)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("oncall_schedules.id"), index=True)


class Service(Base):
    """A service in the catalog; incidents name the services they affect by ``name``."""

    __tablename__ = "oncall_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_teams.id", ondelete="SET NULL"), index=True
    )
    escalation_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_escalation_policies.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
