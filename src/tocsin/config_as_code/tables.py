"""Which object each key of a configuration file stands for, and the record of applies.

``config_keys`` maps (kind, key) to the id of a row another feature owns; no foreign key,
since the kinds live in different tables: a mapping whose object is gone is simply stale and
is dropped on the next apply. A contact method's key is scoped by its person's id
(``"12:mail"``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class ConfigKey(Base):
    __tablename__ = "config_keys"
    __table_args__ = (UniqueConstraint("kind", "object_id"),)

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    key: Mapped[str] = mapped_column(String(220), primary_key=True)
    object_id: Mapped[int] = mapped_column(Integer)


class ConfigApply(Base):
    """One apply: who, when, with what options, and every change it made."""

    __tablename__ = "config_applies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300))
    prune: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(20))  # applied | failed
    error: Mapped[str | None] = mapped_column(String(2000))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
