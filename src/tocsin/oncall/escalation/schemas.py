"""Request and response bodies of escalation policies, the services catalog and the escalation
preview."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tocsin.fields import Id, Strict, unchanged
from tocsin.oncall.people.schemas import (
    SLUG,
    Description,
    Name,
    PersonBrief,
    PlannedContactOut,
)

ServiceSlug = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=SLUG)
]


# ---------------------------------------------------------------- escalation policies


class TargetType(StrEnum):
    PERSON = "person"
    SCHEDULE = "schedule"


class TargetIn(Strict):
    type: TargetType
    id: Id


class LevelIn(Strict):
    timeout_minutes: int = Field(
        ge=1, le=1440, description="Minutes before the next level fires if nobody acknowledges."
    )
    targets: list[TargetIn] = Field(min_length=1, max_length=20)


class PolicyCreate(Strict):
    name: Name
    description: Description = ""
    repeat: int = Field(default=0, ge=0, le=9, description="Extra passes through all levels.")
    levels: list[LevelIn] = Field(min_length=1, max_length=20)
    team_id: Id | None = Field(default=None, description="The team that owns the policy.")


class TargetOut(BaseModel):
    type: TargetType
    id: int
    name: str


class LevelOut(BaseModel):
    position: int
    timeout_minutes: int
    targets: list[TargetOut]


class PolicyOut(BaseModel):
    id: int
    name: str
    description: str
    repeat: int
    team_id: int | None = None
    levels: list[LevelOut]
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- services catalog


class ServiceCreate(Strict):
    name: ServiceSlug
    description: Description = ""
    team_id: Id | None = None
    escalation_policy_id: Id | None = None


class ServicePatch(Strict):
    """Only the fields sent change; send ``null`` to unlink a team or policy."""

    description: Description = unchanged()
    team_id: Id | None = None
    escalation_policy_id: Id | None = None


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    team_id: int | None
    escalation_policy_id: int | None
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- escalation preview


class PreviewPerson(PersonBrief):
    notifications: list[PlannedContactOut]


class PreviewTarget(TargetOut):
    people: list[PreviewPerson] = Field(description="Who this target resolves to then.")


class PreviewStep(BaseModel):
    pass_number: int = Field(description="0 for the first pass, then each repeat.")
    level: int = Field(description="1-based level number.")
    fires_at: datetime
    timeout_minutes: int
    targets: list[PreviewTarget]


class PolicyBrief(BaseModel):
    id: int
    name: str
    repeat: int


class PreviewOut(BaseModel):
    service: str
    at: datetime
    policy: PolicyBrief | None
    steps: list[PreviewStep]
