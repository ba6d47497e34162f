"""Schedules: layers (rotations) with their participants, and overrides above every layer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tocsin.db import Base, UTCDateTime


class Schedule(Base):
    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    time_zone: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("oncall_teams.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    layers: Mapped[list[Layer]] = relationship(
        order_by="Layer.position", lazy="selectin", cascade="all, delete-orphan"
    )


class Layer(Base):
    """One rotation of a schedule; layers with a higher ``position`` sit on top."""

    __tablename__ = "oncall_layers"
    __table_args__ = (UniqueConstraint("schedule_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("oncall_schedules.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    rotation_kind: Mapped[str] = mapped_column(String(10))
    length: Mapped[int] = mapped_column(Integer)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # [{"kind": "daily"|"weekly", "weekday": 0-6|null, "start_time": "HH:MM", "duration_minutes"}]
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    participants: Mapped[list[LayerParticipant]] = relationship(
        order_by="LayerParticipant.position", lazy="selectin", cascade="all, delete-orphan"
    )


class LayerParticipant(Base):
    __tablename__ = "oncall_layer_participants"

    layer_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_layers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("oncall_people.id"), index=True)


class Override(Base):
    __tablename__ = "oncall_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("oncall_people.id"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
