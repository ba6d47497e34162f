from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tocsin.core.roles import AccessRole


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: AccessRole


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: AccessRole
    prefix: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    user_id: int | None = Field(
        default=None, description="The owner; the token's role is capped at the owner's."
    )


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; only its digest is stored.")


class UserCreate(BaseModel):
    """An invitation: the user is mailed a link to set their password."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    role: AccessRole
    person_id: int | None = Field(default=None, ge=1, description="The on-call person.")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: AccessRole | None = None
    person_id: int | None = Field(default=None, ge=1, description="null unlinks the person.")
    disabled: bool | None = Field(
        default=None, description="A disabled user cannot sign in; their sessions end."
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    role: AccessRole
    person_id: int | None
    created_at: datetime
    created_by: str
    disabled_at: datetime | None
    has_password: bool = Field(description="False until an invited user sets a password.")
