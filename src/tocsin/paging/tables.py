"""One escalation per incident. The policy is frozen into ``snapshot`` when paging starts,
so editing a policy never changes paging already under way; ``fence`` goes up whenever the
escalation stops, which turns every timer scheduled before into a no-op."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime


class Escalation(Base):
    __tablename__ = "escalations"

    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    fence: Mapped[int] = mapped_column(Integer, default=1)
    # active → acknowledged | resolved | exhausted
    state: Mapped[str] = mapped_column(String(16), default="active")
    pass_number: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_by: Mapped[str | None] = mapped_column(String(200))
