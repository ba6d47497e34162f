"""The shape of a configuration file, as pydantic models (and so its JSON Schema).

Every object has a ``key``: the stable name the file knows it by. Objects point at each other
by key (a schedule's ``team``, a level's ``person``), never by database id or display name.
Values are normalized as they are read (times to UTC, silence matchers to their canonical
text), so a file and the export of what it made compare equal field by field.

Nested lists that are ``null`` or left out (a person's ``contact_methods``, a schedule's
``overrides``) mean "leave them as they are"; a list given, even empty, is the whole truth.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from tocsin.alerts.schemas import IntegrationKind, IntegrationRules, LegacyKey, WeeklyIn
from tocsin.alerts.schemas import Name as IntegrationName
from tocsin.core.alerts import InvalidAlert
from tocsin.core.matchers import WeeklyWindow as SilenceWindow
from tocsin.core.matchers import format_matchers, parse_matcher
from tocsin.core.schedule import RotationKind
from tocsin.fields import Strict
from tocsin.incidents.schemas import ServiceName, SeverityPolicyFields
from tocsin.oncall.escalation.schemas import ServiceSlug
from tocsin.oncall.people.schemas import (
    SLUG,
    ContactKind,
    Description,
    Email,
    Handle,
    Label,
    Name,
    TimeZone,
)
from tocsin.oncall.schedules.schemas import Window

VERSION = 1

Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=SLUG),
    Field(description="Stable name of the object in this file: lowercase, digits, '-_.'."),
]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]


def _unique_keys(items: list[Any] | None, what: str) -> None:
    if not items:
        return
    seen: set[str] = set()
    for item in items:
        if item.key in seen:
            raise ValueError(f"two {what} have the key {item.key!r}")
        seen.add(item.key)


# ---------------------------------------------------------------- people and teams


class ContactMethodDoc(Strict):
    key: Key
    kind: ContactKind
    label: Label
    address: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
        | None
    ) = Field(
        default=None,
        description="Required to create one. Slack and Apprise URLs are secrets: the export "
        "leaves them out, and a method given without one keeps the URL it has.",
    )


class NotificationRuleDoc(Strict):
    contact: Key = Field(description="Key of one of this person's contact methods.")
    delay_minutes: int = Field(ge=0, le=1440)


class PersonDoc(Strict):
    key: Key
    name: Name
    handle: Handle
    email: Email | None = None
    time_zone: TimeZone = "UTC"
    contact_methods: list[ContactMethodDoc] | None = Field(default=None, max_length=50)
    notification_rules: list[NotificationRuleDoc] | None = Field(default=None, max_length=100)

    @field_validator("contact_methods")
    @classmethod
    def _distinct(cls, value: list[ContactMethodDoc] | None) -> list[ContactMethodDoc] | None:
        _unique_keys(value, "contact methods")
        return value


class TeamDoc(Strict):
    key: Key
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    description: Description = ""
    members: list[Key] = Field(default_factory=list, max_length=500, description="Person keys.")
    admins: list[Key] = Field(
        default_factory=list,
        max_length=500,
        description="Members (person keys) who are team admins: they manage the team's "
        "schedules, escalation policies and services.",
    )

    @model_validator(mode="after")
    def _admins_are_members(self) -> TeamDoc:
        outside = sorted(set(self.admins) - set(self.members))
        if outside:
            raise ValueError(f"admins: {outside[0]!r} is not among the team's members")
        return self


# ---------------------------------------------------------------- schedules


class LayerDoc(Strict):
    position: int = Field(ge=1, le=100, description="Higher layers sit on top.")
    name: Annotated[str, Field(max_length=200)] = ""
    kind: RotationKind = Field(description="daily, weekly, days (N days) or hours.")
    length: int = Field(ge=1, le=10_000)
    start: Instant = Field(description="First hand-off; later ones keep its local time.")
    end: Instant | None = None
    participants: list[Key] = Field(min_length=1, max_length=100, description="Person keys.")
    restrictions: list[Window] = Field(default_factory=list, max_length=50)


def layer_fields(layer: BaseModel) -> dict[str, Any]:
    """A layer's fields but its participants, which the file names by key and the API by id."""
    return {name: getattr(layer, name) for name in LayerDoc.model_fields if name != "participants"}


class OverrideDoc(Strict):
    person: Key
    start: Instant
    end: Instant


class ScheduleDoc(Strict):
    key: Key
    name: Name
    description: Description = ""
    time_zone: TimeZone
    team: Key | None = None
    layers: list[LayerDoc] = Field(default_factory=list, max_length=20)
    overrides: list[OverrideDoc] | None = Field(
        default=None,
        max_length=500,
        description="Overrides still to end; left out: the schedule's overrides stay as they are.",
    )


# ---------------------------------------------------------------- escalation and services


class TargetDoc(Strict):
    person: Key | None = None
    schedule: Key | None = None

    @model_validator(mode="after")
    def _one(self) -> TargetDoc:
        if (self.person is None) == (self.schedule is None):
            raise ValueError("give exactly one of person or schedule")
        return self


class LevelDoc(Strict):
    timeout_minutes: int = Field(ge=1, le=1440)
    targets: list[TargetDoc] = Field(min_length=1, max_length=20)


class PolicyDoc(Strict):
    key: Key
    name: Name
    description: Description = ""
    repeat: int = Field(default=0, ge=0, le=9)
    team: Key | None = None
    levels: list[LevelDoc] = Field(min_length=1, max_length=20)


class ServiceDoc(Strict):
    key: Key
    name: ServiceSlug
    description: Description = ""
    team: Key | None = None
    escalation_policy: Key | None = None


# ---------------------------------------------------------------- alerting


class IntegrationDoc(IntegrationRules):
    """The secret key is never in the file: a new integration gets one, shown once by apply.

    ``legacy_key`` is the old tool's key, kept so its URLs keep working (``tocsin import
    --keep-keys`` writes it). Write-only, like a Slack URL: the export leaves it out, and a
    file without it leaves a set one as it is (remove it with the API: ``legacy_key: null``).
    """

    key: Key
    kind: IntegrationKind
    name: IntegrationName
    service: ServiceName = Field(description="The service name its alerts open incidents on.")
    legacy_key: LegacyKey | None = Field(
        default=None,
        description="Write-only secret: the old tool's key (PagerDuty routing key, Grafana "
        "OnCall URL token, Opsgenie API key); alerts sent with it on that tool's URL paths "
        "reach this integration. The export leaves it out; left out, a set one is kept.",
        json_schema_extra={"writeOnly": True},
    )

    @model_serializer(mode="wrap")
    def _without_unset_secret(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """No ``legacy_key: null`` line in every exported or imported integration."""
        data: dict[str, Any] = handler(self)
        if data.get("legacy_key") is None:
            data.pop("legacy_key", None)
        return data


def _canonical_matchers(value: list[str]) -> list[str]:
    try:
        return format_matchers([parse_matcher(text) for text in value])
    except InvalidAlert as error:
        raise ValueError(error.message) from None


class SilenceDoc(Strict):
    key: Key
    matchers: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=1200)]],
        Field(min_length=1, max_length=20),
        AfterValidator(_canonical_matchers),
    ]
    starts_at: Instant
    ends_at: Instant
    weekly: WeeklyIn | None = None
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    service: ServiceName | None = None
    integration: Key | None = Field(default=None, description="Key of an integration.")

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: WeeklyIn | None) -> WeeklyIn | None:
        if value is None:
            return None
        try:
            window = SilenceWindow.from_dict(value.model_dump(mode="json"))
        except InvalidAlert as error:
            raise ValueError(error.message) from None
        return WeeklyIn.model_validate(window.to_dict())


# ---------------------------------------------------------------- severity policies


SeverityKey = Literal["sev1", "sev2", "sev3", "sev4"]


class SeverityPolicyDoc(SeverityPolicyFields):
    """What the file sets for one severity's policy: a field left out follows the
    deployment's setting (``TOCSIN_SEVERITY_POLICIES``, else the built-in default)."""

    key: SeverityKey = Field(description="The severity: sev1 to sev4.")


# ---------------------------------------------------------------- the file


SECTIONS: tuple[str, ...] = (
    "people",
    "teams",
    "schedules",
    "escalation_policies",
    "services",
    "integrations",
    "silences",
    "severity_policies",
)
"""The kinds of object, in the order they are made (each names only kinds before it)."""


class Document(Strict):
    """A Tocsin configuration file (``tocsin apply``, ``tocsin export``)."""

    version: int = Field(default=VERSION, ge=VERSION, le=VERSION)
    people: list[PersonDoc] = Field(default_factory=list)
    teams: list[TeamDoc] = Field(default_factory=list)
    schedules: list[ScheduleDoc] = Field(default_factory=list)
    escalation_policies: list[PolicyDoc] = Field(default_factory=list)
    services: list[ServiceDoc] = Field(default_factory=list)
    integrations: list[IntegrationDoc] = Field(default_factory=list)
    silences: list[SilenceDoc] = Field(default_factory=list)
    severity_policies: list[SeverityPolicyDoc] = Field(
        default_factory=list,
        description="Per severity; one left out stays as it is (with --prune: back to the "
        "deployment's).",
    )

    @field_validator(*SECTIONS)
    @classmethod
    def _distinct(cls, value: list[Any]) -> list[Any]:
        _unique_keys(value, "objects of this kind")
        return value


def json_schema() -> dict[str, Any]:
    schema = Document.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Tocsin configuration"
    return schema


def dump(document: BaseModel) -> dict[str, Any]:
    """The document as plain data, in the export's form."""
    return document.model_dump(mode="json")
