from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    at: datetime
    ok: bool
    retryable: bool
    error: str | None
    detail: str | None
    duration_ms: int


class NotificationOut(BaseModel):
    """One message to one contact method, with every attempt to deliver it."""

    id: int
    key: str
    person_id: int | None
    contact_method_id: int | None
    kind: str
    target: str
    subject: str
    status: str
    due_at: datetime
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None
    attempts: list[AttemptOut]
