"""The audit log: one row per change of a configuration object or of access.

Append-only: the migration gives the table a trigger that refuses every UPDATE and DELETE,
on SQLite and PostgreSQL alike, so not even a bug (or a person with the application's
database role) rewrites what was recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_object", "object_kind", "object_id"),
        Index("ix_audit_entries_actor", "actor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(20))  # api | web | cli | config | worker | system
    address: Mapped[str | None] = mapped_column(String(64))
    route: Mapped[str | None] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(20))  # create | update | delete | sign_in
    object_kind: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(100))
    object_label: Mapped[str | None] = mapped_column(String(300))
    before: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    after: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
