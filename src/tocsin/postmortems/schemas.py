"""Request and response models of the postmortems API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tocsin.core.postmortems import ItemStatus, PostmortemStatus, SectionKind
from tocsin.fields import Id, Strict, unchanged

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(max_length=2000)]


class PersonOrName(Strict):
    """Someone named by a directory person (``person_id``), a name, or both."""

    person_id: Id | None = None
    name: Name | None = None

    @model_validator(mode="after")
    def _one_given(self) -> PersonOrName:
        if self.person_id is None and self.name is None:
            raise ValueError("give person_id, name, or both")
        return self


class OwnerOut(BaseModel):
    person_id: int | None
    name: str


class PostmortemOpen(Strict):
    owner: PersonOrName | None = Field(
        default=None, description="Defaults to the incident's Incident Commander."
    )


class SectionOut(BaseModel):
    key: str
    title: str
    prompt: str
    kind: SectionKind
    content: dict[str, Any]
    updated_at: datetime
    updated_by: str


class SectionsPatch(Strict):
    sections: dict[str, dict[str, Any]] = Field(
        description="By section key: {text} (five_whys also {whys: [{why, because}]}, impact "
        "also duration_minutes, customers_affected, components). A section left out is kept."
    )


class ReviewerOut(BaseModel):
    person_id: int | None
    name: str


class StatusMove(Strict):
    status: PostmortemStatus
    reviewers: list[PersonOrName] = Field(
        default_factory=list,
        max_length=50,
        description="Moving to in_review: who reviews (added to those named before).",
    )


class PostmortemOut(BaseModel):
    id: int
    incident_id: int
    incident_reference: str
    incident_title: str
    status: PostmortemStatus
    owner: OwnerOut
    draft_due_at: datetime
    review_due_at: datetime
    draft_overdue: bool
    review_overdue: bool
    time_zone: str
    team_id: int | None
    reviewers: list[ReviewerOut]
    opened_by: str
    created_at: datetime
    updated_at: datetime
    review_started_at: datetime | None
    published_at: datetime | None
    version: int


class CommentCreate(Strict):
    section: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    section: str
    author: str
    body: str
    created_at: datetime


class AnnotationPut(Strict):
    note: Annotated[str, StringConstraints(max_length=5000)] = unchanged()
    starred: bool = unchanged()
    hidden: bool = unchanged()


class TimelineEntryOut(BaseModel):
    entry: str = Field(description="incident:<event id> or public:<public update id>")
    source: str
    event_id: int
    at: datetime
    actor: str
    kind: str
    data: dict[str, Any]
    note: str
    starred: bool
    hidden: bool


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class ActionItemCreate(Strict):
    title: Title
    owner: PersonOrName
    due_on: date | None = None
    priority: Annotated[str, StringConstraints(max_length=10)] = "P3"
    tracker_url: Url | None = None


class ActionItemPatch(Strict):
    title: Title = unchanged()
    owner: PersonOrName = unchanged()
    due_on: date | None = unchanged()
    priority: Annotated[str, StringConstraints(max_length=10)] = unchanged()
    status: ItemStatus = unchanged()
    reason: Reason | None = unchanged(description="Required to set status wont_do.")
    tracker_url: Url | None = unchanged()


class ActionItemOut(BaseModel):
    id: int
    postmortem_id: int
    incident_id: int
    title: str
    owner: OwnerOut
    due_on: date | None
    priority: str
    status: ItemStatus
    reason: str | None
    tracker_url: str | None
    overdue: bool
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None


class SearchHit(BaseModel):
    """One postmortem found by full-text search, best first (``rank`` 1)."""

    rank: int
    score: float = Field(description="The database's relevance score: higher is better.")
    postmortem_id: int
    status: str
    url: str
    snippet: str = Field(
        description="HTML: the text around the match, escaped, the matched words in <mark>."
    )
    incident_id: int
    incident_reference: str
    incident_title: str
