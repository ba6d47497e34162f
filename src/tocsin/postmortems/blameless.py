"""The blamelessness check over a postmortem: every section's text and its 5 Whys, read
against the on-call directory's names (the rules are :mod:`tocsin.core.blameless`).
Findings are shown to the author, never enforced."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tocsin.config import Settings
from tocsin.core.blameless import Checker
from tocsin.db import Database
from tocsin.oncall import service as oncall
from tocsin.postmortems.document import DocumentSection, PostmortemDocument, document


class BlamelessFinding(BaseModel):
    section: str = Field(description="The section's key.")
    field: str = Field(description="Which text of the section: text, whys[0].why, …")
    sentence: str
    start: int = Field(description="Where the flagged words start in that text.")
    end: int
    excerpt: str = Field(description="The flagged words: text[start:end].")
    rule: str
    reason: str
    suggestion: str = Field(description="A system-focused rewording to consider.")


class BlamelessReport(BaseModel):
    postmortem_id: int
    findings: list[BlamelessFinding]


def _texts(section: DocumentSection) -> Iterator[tuple[str, str]]:
    yield "text", str(section.content.get("text") or "")
    for i, step in enumerate(section.content.get("whys") or []):
        yield f"whys[{i}].why", str(step.get("why") or "")
        yield f"whys[{i}].because", str(step.get("because") or "")


def findings_in(session: Session, doc: PostmortemDocument) -> list[BlamelessFinding]:
    """The findings of every section of ``doc``, in template order."""
    checker = Checker(oncall.directory_in(session))
    return [
        BlamelessFinding(
            section=section.key,
            field=where,
            sentence=f.sentence,
            start=f.start,
            end=f.end,
            excerpt=f.excerpt,
            rule=f.rule,
            reason=f.reason,
            suggestion=f.suggestion,
        )
        for section in doc.sections
        for where, text in _texts(section)
        for f in checker.check(text)
    ]


def check_postmortem(db: Database, *, postmortem_id: int, settings: Settings) -> BlamelessReport:
    with db.reading() as session:
        doc = document(session, postmortem_id, settings=settings)
        return BlamelessReport(postmortem_id=doc.id, findings=findings_in(session, doc))
