"""Request and response bodies of the incidents API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from tocsin.core.lifecycle import DetectionSource, LearningState, Status
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, parse_severity
from tocsin.fields import Id, Strict, unchanged
from tocsin.oncall.service import Email

SeverityIn = Annotated[
    Severity,
    BeforeValidator(parse_severity),
    Field(description="SEV1–SEV4; the aliases P0–P3 are accepted."),
]
ServiceName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[\w .:/-]+$"),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class IncidentCreate(Strict):
    title: ShortText
    severity: SeverityIn
    summary: Annotated[str, StringConstraints(max_length=10_000)] = ""
    services: list[ServiceName] = Field(default_factory=list, max_length=50)
    impact_started_at: AwareDatetime | None = Field(
        default=None, description="When users started to be affected; defaults to detection."
    )
    detected_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    detection_source: DetectionSource = DetectionSource.PERSON
    status: Status = Field(
        default=Status.TRIGGERED,
        description="Start as triggered, acknowledged or investigating.",
    )
    commander: ShortText | None = Field(
        default=None, description="Assign the Incident Commander right away."
    )
    private: bool = Field(
        default=False,
        description="Visible only to its members (the declarer among them) and admins.",
    )


class IncidentPatch(Strict):
    """Only the fields sent change; none of them may be ``null``."""

    title: ShortText = unchanged()
    summary: Annotated[str, StringConstraints(max_length=10_000)] = unchanged()
    services: list[ServiceName] = unchanged(max_length=50)


class StatusChange(Strict):
    status: Status
    message: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class SeverityChange(Strict):
    severity: SeverityIn
    reason: LongText


class RoleAssign(Strict):
    """Name a person of the on-call directory, a holder by name, or both (the name shown)."""

    person_id: Id | None = Field(
        default=None, description="A person of the on-call directory; reminders reach them."
    )
    holder: ShortText | None = Field(
        default=None, description="Free text; defaults to the person's name."
    )
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class StakeholderCreate(Strict):
    """A person of the directory or a mail address (exactly one)."""

    person_id: Id | None = None
    email: Email | None = None


class PersonBrief(BaseModel):
    id: int
    name: str


class StakeholderOut(BaseModel):
    id: int
    incident_id: int
    person: PersonBrief | None
    email: str | None
    added_at: datetime
    added_by: str


class UpdateCreate(Strict):
    status: LongText = Field(description="Current status, in a sentence or two.")
    impact: LongText = Field(description="Scope and users affected.")
    actions: LongText = Field(description="What is being done.")
    next_update_in_minutes: int | None = Field(
        default=None, ge=1, le=1440, description="Defaults to the severity's update cadence."
    )


class NoteCreate(Strict):
    body: LongText


class LearningChange(Strict):
    state: LearningState = Field(description="done or waived")
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class RoleOut(BaseModel):
    role: Role
    holder: str
    person: PersonBrief | None = Field(description="The directory person, when one was named.")
    assigned_at: datetime
    assigned_by: str


class UpdateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    posted_at: datetime
    author: str
    status: str
    impact: str
    actions: str
    next_update_due_at: datetime | None


class IncidentOut(BaseModel):
    id: int
    reference: str
    title: str
    summary: str
    status: Status
    severity: Severity
    detection_source: DetectionSource
    learning: LearningState
    services: list[str]
    roles: list[RoleOut]
    allowed_transitions: list[Status]
    created_by: str
    created_at: datetime
    updated_at: datetime
    impact_started_at: datetime
    detected_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_update_at: datetime | None
    next_update_due_at: datetime | None
    update_overdue: bool
    update_overdue_since: datetime | None = Field(
        description="When the internal update became overdue (its due time), if it is."
    )
    public_ack_due_at: datetime | None = Field(
        description="When the first public acknowledgement (status page) is or was due."
    )
    public_ack_overdue_since: datetime | None
    first_public_at: datetime | None = Field(
        description="When the incident was first published on the status page."
    )
    private: bool = Field(description="Visible only to its members and admins.")
    version: int


class VisibilityChange(Strict):
    private: bool = Field(description="true: members and admins only; false: everyone.")
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None


class MemberOut(BaseModel):
    """A member of an incident: a user (``user_id``) or a directory person (``person``)."""

    id: int
    incident_id: int
    user_id: int | None
    person: PersonBrief | None
    source: str = Field(description="declared, role, paged, stakeholder or added")
    added_at: datetime
    added_by: str


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    kind: str
    data: dict[str, Any]


Minutes = Annotated[int, Field(ge=1, le=24 * 60)]


class SeverityPolicyFields(Strict):
    """A severity's policy fields an admin may set. Each one left out follows the deployment's
    setting (``TOCSIN_SEVERITY_POLICIES``, else the built-in default); ``null`` for a cadence
    or an acknowledgement deadline means "none"."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] = (
        unchanged(description="Short label, e.g. Critical.")
    )
    definition: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = unchanged(description="When to declare an incident of this severity.")
    update_cadence_minutes: Minutes | None = Field(
        default=None, description="An internal update is due this often (null: none)."
    )
    public_ack_minutes: Minutes | None = Field(
        default=None, description="The first public acknowledgement is due within (null: none)."
    )
    postmortem_required: bool = unchanged(description="Resolving opens a postmortem by itself.")
    postmortem_draft_hours: int = unchanged(ge=1, le=24 * 30)
    postmortem_review_business_days: int = unchanged(ge=1, le=60)
    page_on_call: bool = unchanged(description="Paging the on-call is part of it.")
    notify_executives: bool = unchanged()

    def given(self) -> dict[str, Any]:
        """The fields set (a field left out is not stored: the deployment's applies)."""
        return self.model_dump(mode="json", exclude_unset=True)


class SeverityPolicyOut(BaseModel):
    severity: Severity
    name: str
    definition: str
    update_cadence_minutes: int | None
    public_ack_minutes: int | None
    postmortem_required: bool
    postmortem_draft_hours: int
    postmortem_review_business_days: int
    page_on_call: bool
    notify_executives: bool
    stored: dict[str, Any] = Field(
        description="The fields an admin set over the deployment's (empty: none)."
    )
