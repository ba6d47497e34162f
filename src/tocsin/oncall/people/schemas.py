"""Request and response bodies of people, contact methods and notification rules.

Also the field types every on-call sub-feature shares: names, descriptions, slugs, IANA time
zones, and ``PersonBrief``, the way a person is shown inside another object.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from tocsin.core.schedule import load_zone
from tocsin.fields import Id, Strict, unchanged

SLUG = r"^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$"
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_NOT_IANA = {"localtime", "posixrules", "Factory"}


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_IANA)


def check_zone(name: str) -> str:
    """An IANA zone name the tz database knows (``Europe/Paris``, ``UTC``)."""
    if name not in _zone_names():
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/Paris")
    load_zone(name)
    return name


def check_email(address: str) -> str:
    if not _EMAIL.match(address):
        raise ValueError(f"{address!r} is not an email address")
    return address


TimeZone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(check_zone),
]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(check_email)
]
Handle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=SLUG)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=10_000)]


class PersonBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    handle: str


# ---------------------------------------------------------------- people


class PersonCreate(Strict):
    name: Name
    handle: Handle = Field(description="Unique; lowercase letters, digits, '-', '_', '.'.")
    email: Email | None = None
    time_zone: TimeZone = Field(default="UTC", description="IANA zone, e.g. Europe/Paris.")


class PersonPatch(Strict):
    """Only the fields sent change; ``email`` may be cleared with ``null``."""

    name: Name = unchanged()
    handle: Handle = unchanged()
    email: Email | None = None
    time_zone: TimeZone = unchanged()


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    handle: str
    email: str | None
    time_zone: str
    created_at: datetime
    calendar_url: str | None = Field(
        default=None, description="iCalendar feed of this person's shifts; keep it private."
    )


class ContactKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    SLACK = "slack"
    APPRISE = "apprise"

    @property
    def sealed(self) -> bool:
        """Whether the address itself is a secret (stored sealed, shown masked)."""
        return self in (ContactKind.SLACK, ContactKind.APPRISE)


class ContactMethodCreate(Strict):
    kind: ContactKind
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    label: Label | None = Field(default=None, description="Defaults to the kind.")


class ContactMethodOut(BaseModel):
    id: int
    person_id: int
    kind: ContactKind
    label: str
    address: str = Field(description="Masked for Slack and Apprise, whose URLs are secrets.")
    created_at: datetime


class ContactMethodCreated(ContactMethodOut):
    signing_secret: str | None = Field(
        default=None,
        description="Webhooks only: the secret that signs each delivery. Shown once.",
    )


class NotificationRuleCreate(Strict):
    contact_method_id: Id
    delay_minutes: int = Field(ge=0, le=1440)


class NotificationRuleOut(BaseModel):
    id: int
    person_id: int
    contact_method_id: int
    kind: ContactKind
    label: str
    delay_minutes: int


class PlannedContactOut(BaseModel):
    contact_method_id: int
    kind: ContactKind
    label: str
    delay_minutes: int
