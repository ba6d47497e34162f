"""Request and response bodies of teams."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from tocsin.core.roles import TeamRole
from tocsin.fields import Id, Strict, unchanged
from tocsin.oncall.people.schemas import Description, PersonBrief


class TeamCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: Description = ""
    members: list[Id] = Field(default_factory=list, max_length=500)
    admins: list[Id] = Field(
        default_factory=list, max_length=500, description="Members who are team admins."
    )


class TeamPatch(Strict):
    """Only the fields sent change; none of them may be ``null``."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = (
        unchanged()
    )
    description: Description = unchanged()
    members: list[Id] = unchanged(max_length=500)
    admins: list[Id] = unchanged(
        max_length=500, description="The members who are team admins (replaces the set)."
    )


class MemberRole(Strict):
    role: TeamRole = Field(description="member, or admin: manages the team's configuration.")


class TeamMemberOut(PersonBrief):
    role: TeamRole


class TeamOut(BaseModel):
    id: int
    name: str
    description: str
    members: list[TeamMemberOut]
    created_at: datetime
