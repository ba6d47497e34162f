"""Bodies of the post-incident report routes (``/api/v1/statuspage/incidents/{id}/report``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from tocsin.fields import Strict, unchanged

SECTIONS = ("apology", "what_happened", "root_cause", "actions_taken", "prevention")
SECTION_TITLES = {
    "apology": "Our apology",
    "what_happened": "What happened and its impact",
    "root_cause": "Root cause",
    "actions_taken": "What we did",
    "prevention": "What will prevent it from happening again",
}
Section = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]


class ReportSections(Strict):
    """The sections to change; a section left out stays as it is."""

    apology: Section = unchanged()
    what_happened: Section = unchanged(description="What happened and its impact.")
    root_cause: Section = unchanged(description="In plain words.")
    actions_taken: Section = unchanged(description="What was done.")
    prevention: Section = unchanged(description="What will prevent it from happening again.")


class ReportOut(BaseModel):
    public_incident_id: int
    page_id: int
    apology: str
    what_happened: str
    root_cause: str
    actions_taken: str
    prevention: str
    state: Literal["draft", "published"]
    resolved_at: datetime
    due_at: datetime = Field(description="72 hours after the resolution.")
    overdue: bool = Field(description="Unpublished after its due time.")
    published_at: datetime | None
    updated_at: datetime
    updated_by: str


def body_text(sections: dict[str, str]) -> str:
    """The report as one text (Statuspage's ``postmortem_body``): a heading per section."""
    return "\n\n".join(f"{SECTION_TITLES[name]}\n{sections[name]}" for name in SECTIONS)
