from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from tocsin.notify.schemas import NotificationOut


class EscalationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    state: str
    snapshot: dict[str, Any]
    pass_number: int
    level: int
    started_at: datetime
    stopped_at: datetime | None
    stopped_by: str | None


class PagingOut(BaseModel):
    """Who was paged, when, how, and whether it was delivered."""

    escalation: EscalationOut | None
    notifications: list[NotificationOut]
