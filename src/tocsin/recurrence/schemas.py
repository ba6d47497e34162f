"""What ``GET /api/v1/incidents/{id}/similar`` answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tocsin.postmortems.schemas import ActionItemOut


class PostmortemLink(BaseModel):
    id: int
    status: str
    url: str


class SimilarIncident(BaseModel):
    """A past incident like this one, with what was learned from it."""

    incident_id: int
    reference: str
    title: str
    severity: str
    status: str
    services: list[str]
    created_at: datetime
    resolved_at: datetime | None
    url: str
    reasons: list[str] = Field(
        description="Why it is alike: service:<name>, alert_name:<name>, alert_key:<key>, title."
    )
    postmortem: PostmortemLink | None
    action_items: list[ActionItemOut]
    unfinished_action_items: list[ActionItemOut] = Field(
        description="Its action items still open or in progress."
    )
    fix_unfinished: bool = Field(
        description="This happened before, and the fix was not finished: an item is open."
    )
