from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str = Field(description="Who: the principal, e.g. `token:ci-bot`, `cli:ana`.")
    via: str = Field(description="api, web, cli, config (an apply), worker or system.")
    address: str | None = Field(description="The client's address, for a request.")
    route: str | None = Field(description="The request or command, e.g. `PATCH /api/v1/…`.")
    action: str = Field(description="create, update, delete or sign_in.")
    object_kind: str
    object_id: str | None
    object_label: str | None = Field(description="The object's name or handle, then.")
    before: dict[str, Any] = Field(description="The changed fields before; secrets hidden.")
    after: dict[str, Any] = Field(description="The changed fields after; secrets hidden.")
