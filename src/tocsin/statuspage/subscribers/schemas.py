"""Bodies of the subscriber routes: the public subscribe call and the management API."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from tocsin.fields import Id, Strict

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def check_email(address: str) -> str:
    if not _EMAIL.match(address):
        raise ValueError(f"{address!r} is not an email address")
    return address


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(check_email)
]
WebhookUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^\s]+$", max_length=2000)
]


class SubscribeIn(Strict):
    """Exactly one of ``email`` and ``webhook_url``."""

    email: Email | None = Field(default=None, description="Sent a confirmation mail first.")
    webhook_url: WebhookUrl | None = Field(
        default=None, description="Receives signed JSON posts; active at once."
    )
    components: list[Id] = Field(
        default_factory=list,
        max_length=200,
        description="Only updates about these components; empty (and no `groups`): the whole page.",
    )
    groups: list[Id] = Field(
        default_factory=list,
        max_length=200,
        description="Only updates about the components of these groups, also those added to "
        "a group later (with `components`: either).",
    )

    @model_validator(mode="after")
    def _one_address(self) -> SubscribeIn:
        if (self.email is None) == (self.webhook_url is None):
            raise ValueError("give exactly one of email and webhook_url")
        return self


class SubscribeOut(BaseModel):
    status: str = Field(description="pending: a confirmation mail is on its way; active.")
    message: str
    id: int | None = Field(default=None, description="webhook subscriptions only")
    secret: str | None = Field(
        default=None,
        description="webhook subscriptions only, shown once: verifies `webhook-signature`.",
    )
    unsubscribe_url: str | None = Field(default=None, description="webhook subscriptions only")


class SubscriberOut(BaseModel):
    id: int
    page_id: int
    kind: str
    address: str = Field(description="The mail address, or the webhook URL's origin.")
    status: str = Field(description="pending (not confirmed), active or paused")
    components: list[int] = Field(description="Empty (and no `groups`): the whole page.")
    groups: list[int] = Field(description="Groups chosen: each stands for its components.")
    confirmed_at: datetime | None
    paused_at: datetime | None
    pause_reason: str | None
    failures: int = Field(description="Consecutive failed deliveries.")
    last_error: str | None
    last_failure_at: datetime | None
    last_delivered_at: datetime | None
    created_at: datetime


class SubscriberCounts(BaseModel):
    page_id: int
    total: int
    pending: int
    active: int
    paused: int
    email: int
    webhook: int
