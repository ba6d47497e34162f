"""The public wording of an incident, for the people who answer customers.

Only what the page shows is used: the public incident's name, status and newest public
update, and its address on the page. Internal notes, updates and the timeline never are.
:func:`wording_in` also gives customer reports (``tocsin.reports``) the text they mail to
reporters when an incident resolves.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.core.statuspage import PublicStatus
from tocsin.db import Database
from tocsin.errors import Conflict
from tocsin.incidents import service as incidents_service
from tocsin.statuspage.render import page_info
from tocsin.statuspage.tables import PublicIncident, PublicUpdate, StatusComponent, StatusPage

STATUS_WORDS = {
    PublicStatus.INVESTIGATING: "We are investigating it.",
    PublicStatus.IDENTIFIED: "We have identified the cause and are working on a fix.",
    PublicStatus.MONITORING: "A fix is in place and we are monitoring the results.",
    PublicStatus.RESOLVED: "It has been resolved.",
}


@dataclass(frozen=True)
class PublicWording:
    public_incident_id: int
    name: str
    status: PublicStatus
    latest_update: str | None
    url: str  # the public incident on its page: PageInfo.url + /incidents/{id}/


def wording_in(
    session: Session, *, incident_id: int, base_url: str, default_name: str
) -> PublicWording | None:
    """How the public sees ``incident_id`` (its newest public incident), or None if unpublished."""
    row = session.scalars(
        select(PublicIncident)
        .where(PublicIncident.incident_id == incident_id)
        .order_by(PublicIncident.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    page = session.get(StatusPage, row.page_id)
    assert page is not None  # page_id is a foreign key
    info = page_info(page, base_url=base_url, default_name=default_name)
    latest = session.scalars(
        select(PublicUpdate.body)
        .where(PublicUpdate.public_incident_id == row.id)
        .order_by(PublicUpdate.id.desc())
        .limit(1)
    ).one_or_none()
    return PublicWording(
        public_incident_id=row.id,
        name=row.name,
        status=PublicStatus(row.status),
        latest_update=latest,
        url=f"{info.url}/incidents/{row.id}/",
    )


class SupportMacro(BaseModel):
    incident_id: int
    public_incident_id: int
    name: str = Field(description="The public incident's name.")
    status: PublicStatus
    latest_update: str | None = Field(description="The newest public update's text.")
    url: str = Field(description="The public incident on the status page.")
    text: str = Field(description="A ready reply for a customer, in the public wording.")


def macro_text(wording: PublicWording) -> str:
    lines = [
        "Hello,",
        "",
        f"Thank you for getting in touch. We know about this issue: {wording.name}.",
        STATUS_WORDS.get(wording.status, ""),
    ]
    if wording.latest_update:
        lines += ["", f"Our latest update: {wording.latest_update}"]
    lines += [
        "",
        f"You can follow every update on our status page: {wording.url}",
        "",
        "We are sorry for the trouble.",
    ]
    return "\n".join(lines)


def support_macro(
    db: Database, *, incident_id: int, base_url: str, default_name: str
) -> SupportMacro:
    """A reply for support agents; 404 without the incident, 409 while it is not published."""
    with db.reading() as session:
        incidents_service.snapshot(session, incident_id=incident_id)  # 404 if there is none
        wording = wording_in(
            session, incident_id=incident_id, base_url=base_url, default_name=default_name
        )
    if wording is None:
        raise Conflict(
            f"incident {incident_id} is not on a status page: publish it first "
            "(POST /api/v1/statuspage/incidents), so the reply can link to it",
            field="incident_id",
        )
    return SupportMacro(
        incident_id=incident_id,
        public_incident_id=wording.public_incident_id,
        name=wording.name,
        status=wording.status,
        latest_update=wording.latest_update,
        url=wording.url,
        text=macro_text(wording),
    )


# ------------------------------------------------------------------ for customer reports


@dataclass(frozen=True)
class PageRef:
    id: int
    slug: str
    name: str
    url: str
    internal: bool


@dataclass(frozen=True)
class ComponentRef:
    id: int
    page_id: int
    name: str
    services: tuple[str, ...]


def page_by_slug_in(
    session: Session, *, slug: str, base_url: str, default_name: str
) -> PageRef | None:
    row = session.scalars(select(StatusPage).where(StatusPage.slug == slug)).one_or_none()
    if row is None:
        return None
    info = page_info(row, base_url=base_url, default_name=default_name)
    return PageRef(row.id, row.slug, info.name, info.url, info.internal)


def components_in(session: Session, *, page_id: int) -> list[ComponentRef]:
    """The page's components (not groups), in their order on the page."""
    rows = session.scalars(
        select(StatusComponent)
        .where(StatusComponent.page_id == page_id, StatusComponent.is_group.is_(False))
        .order_by(StatusComponent.position, StatusComponent.id)
    )
    return [ComponentRef(r.id, r.page_id, r.name, tuple(r.services)) for r in rows]


def component_in(session: Session, *, component_id: int) -> ComponentRef | None:
    row = session.get(StatusComponent, component_id)
    if row is None or row.is_group:
        return None
    return ComponentRef(row.id, row.page_id, row.name, tuple(row.services))
