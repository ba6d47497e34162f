"""The public documents, Statuspage v2 shaped, rendered from the database into bytes.

One read transaction gives every document, so the facts agree across them (the summary's
components are components.json's, its incidents are unresolved.json's). Field names and
value sets follow Atlassian Statuspage's public v2 API: ids are strings, times ISO 8601
with an offset, ``status.indicator`` one of none/minor/major/critical/maintenance.
Scheduled maintenances come from :mod:`tocsin.statuspage.maintenance.documents`. The HTML
page (:mod:`tocsin.statuspage.html`) and the feeds (:mod:`tocsin.statuspage.feeds`) are rendered
from the same dicts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.statuspage import ComponentStatus, Impact, PublicStatus, indicator, worst_status
from tocsin.statuspage.feeds import render_feeds
from tocsin.statuspage.html import Extras, Section, render_pages
from tocsin.statuspage.post_incident_schemas import SECTIONS, body_text
from tocsin.statuspage.tables import (
    DEFAULT_PAGE_ID,
    PostIncidentReport,
    PublicIncident,
    PublicUpdate,
    StatusComponent,
    StatusPage,
    StatusPageState,
)
from tocsin.statuspage.uptime import uptime_by_component

RECENT_INCIDENTS = 50  # incidents.json lists this many, newest first (as Statuspage does)
TIME_ZONE = "Etc/UTC"
JSON_PATHS = tuple(
    f"api/v2/{name}"
    for name in (
        "summary.json",
        "status.json",
        "components.json",
        "incidents.json",
        "incidents/unresolved.json",
        "scheduled-maintenances.json",
        "scheduled-maintenances/upcoming.json",
        "scheduled-maintenances/active.json",
    )
)
"""The Statuspage documents, by their path under the page's root."""


@dataclass(frozen=True)
class PageInfo:
    """One page as its documents present it (read from ``statuspage_pages``)."""

    id: str  # Statuspage's page id: derived from the page's address, the same on every replica
    number: int  # the row's id
    slug: str
    name: str
    url: str  # where the page is served: shortlinks and feeds point here
    visibility: str = "public"
    description: str | None = None
    logo_url: str | None = None
    home_url: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (label, url)
    app_url: str = ""  # where Tocsin answers (the forms to subscribe and report a problem)

    @property
    def internal(self) -> bool:
        return self.visibility == "internal"


def page_url(base_url: str, page: StatusPage) -> str:
    """The default page is served at ``/status``, every page at ``/pages/{slug}``."""
    root = base_url.rstrip("/")
    return f"{root}/status" if page.id == DEFAULT_PAGE_ID else f"{root}/pages/{page.slug}"


def page_info(page: StatusPage, *, base_url: str, default_name: str) -> PageInfo:
    url = page_url(base_url, page)
    return PageInfo(
        id=hashlib.sha256(url.encode()).hexdigest()[:12],
        number=page.id,
        slug=page.slug,
        name=page.name or default_name,
        url=url,
        visibility=page.visibility,
        description=page.description,
        logo_url=page.logo_url,
        home_url=page.home_url,
        links=tuple((link["label"], link["url"]) for link in page.links or []),
        app_url=base_url.rstrip("/"),
    )


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def effective_status(component: StatusComponent) -> ComponentStatus:
    """A status set by hand wins over the computed one."""
    return ComponentStatus(component.override_status or component.computed_status)


def _ordered(rows: Sequence[StatusComponent]) -> list[StatusComponent]:
    """Groups and ungrouped components by position; a group's components right after it."""
    by_id = {row.id: row for row in rows}

    def key(row: StatusComponent) -> tuple[int, int, int, int, int]:
        top = by_id.get(row.group_id) if row.group_id is not None else None
        if top is None:
            return (row.position, row.id, 0, 0, 0)
        return (top.position, top.id, 1, row.position, row.id)

    return sorted(rows, key=key)


def _components(rows: Sequence[StatusComponent], page: PageInfo) -> list[dict[str, Any]]:
    statuses = {row.id: effective_status(row) for row in rows if not row.is_group}
    members: dict[int, list[int]] = {}
    for row in _ordered(rows):
        if row.group_id is not None and not row.is_group:
            members.setdefault(row.group_id, []).append(row.id)
    for row in rows:
        if row.is_group:
            statuses[row.id] = worst_status(statuses[m] for m in members.get(row.id, []))
    documents = []
    for row in _ordered(rows):
        document: dict[str, Any] = {
            "id": str(row.id),
            "name": row.name,
            "status": statuses[row.id].value,
            "created_at": timestamp(row.created_at),
            "updated_at": timestamp(row.updated_at),
            "position": row.position,
            "description": row.description,
            "showcase": False,
            "start_date": None,
            "group_id": str(row.group_id) if row.group_id is not None else None,
            "page_id": page.id,
            "group": row.is_group,
            "only_show_if_degraded": False,
        }
        if row.is_group:
            document["components"] = [str(m) for m in members.get(row.id, [])]
        documents.append(document)
    return documents


def _incident(
    row: PublicIncident,
    updates: Sequence[PublicUpdate],
    components: Mapping[str, dict[str, Any]],
    page: PageInfo,
) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "status": row.status,
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
        "monitoring_at": timestamp(row.monitoring_at),
        "resolved_at": timestamp(row.resolved_at),
        "impact": row.impact,
        "shortlink": f"{page.url}/incidents/{row.id}/",
        "started_at": timestamp(row.started_at),
        "page_id": page.id,
        "incident_updates": [update_document(u, parent_id=row.id) for u in updates],
        "components": affected(row.component_ids, components),
    }


def version_of(session: Session) -> int:
    state = session.get(StatusPageState, 1)
    return state.version if state else 0


def pages(session: Session, *, base_url: str, default_name: str) -> list[PageInfo]:
    rows = session.scalars(select(StatusPage).order_by(StatusPage.id))
    return [page_info(row, base_url=base_url, default_name=default_name) for row in rows]


class _Update(Protocol):
    id: int
    status: str
    body: str
    created_at: datetime


def update_document(update: _Update, *, parent_id: int) -> dict[str, Any]:
    """An update of an incident or of a maintenance, in Statuspage's shape."""
    return {
        "id": str(update.id),
        "status": update.status,
        "body": update.body,
        "incident_id": str(parent_id),
        "created_at": timestamp(update.created_at),
        "updated_at": timestamp(update.created_at),
        "display_at": timestamp(update.created_at),
        "affected_components": None,
        "deliver_notifications": False,
        "custom_tweet": None,
        "tweet_id": None,
    }


def affected(ids: Sequence[int], components: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents of the components ``ids`` that are still on the page, in that order."""
    return [components[str(c)] for c in ids if str(c) in components]


def build(session: Session, page: PageInfo) -> dict[str, bytes]:
    """Every document of ``page``: its bytes by its path under the page's root."""
    state = session.get(StatusPageState, 1)
    rows = list(
        session.scalars(select(StatusComponent).where(StatusComponent.page_id == page.number))
    )
    components = _components(rows, page)
    by_id = {c["id"]: c for c in components}
    incidents = list(  # every one: each has its HTML page; the JSON lists the newest
        session.scalars(
            select(PublicIncident)
            .where(PublicIncident.page_id == page.number)
            .order_by(PublicIncident.id.desc())
        )
    )
    updates: dict[int, list[PublicUpdate]] = {row.id: [] for row in incidents}
    for update in session.scalars(
        select(PublicUpdate)
        .join(PublicIncident, PublicIncident.id == PublicUpdate.public_incident_id)
        .where(PublicIncident.page_id == page.number)
        .order_by(PublicUpdate.id.desc())
    ):
        updates[update.public_incident_id].append(update)
    every = [_incident(row, updates[row.id], by_id, page) for row in incidents]
    _add_post_incident_reports(session, every)
    recent = every[:RECENT_INCIDENTS]
    unresolved_rows = [r for r in incidents if r.status != PublicStatus.RESOLVED.value]
    unresolved = [d for d in every if d["status"] != PublicStatus.RESOLVED.value]

    # imported here: the maintenance documents use this module's PageInfo and timestamp
    from tocsin.statuspage.maintenance.documents import maintenance_lists

    works = maintenance_lists(session, page, by_id)
    times = [r.updated_at for r in rows] + [r.updated_at for r in incidents] + works.updated_at
    if state:
        times.append(state.updated_at)
    updated_at = max(times) if times else None
    page_document = {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "time_zone": TIME_ZONE,
        "updated_at": timestamp(updated_at),
    }
    level, description = indicator(
        (ComponentStatus(c["status"]) for c in components if not c["group"]),
        (Impact(r.impact) for r in unresolved_rows),
        maintenance=bool(works.active),
    )
    status = {"indicator": level.value, "description": description}

    def maintenances(found: list[dict[str, Any]]) -> dict[str, Any]:
        return {"page": page_document, "scheduled_maintenances": found}

    documents: dict[str, Any] = {
        "api/v2/summary.json": {
            "page": page_document,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": works.summary,
            "status": status,
        },
        "api/v2/status.json": {"page": page_document, "status": status},
        "api/v2/components.json": {"page": page_document, "components": components},
        "api/v2/incidents.json": {"page": page_document, "incidents": recent},
        "api/v2/incidents/unresolved.json": {"page": page_document, "incidents": unresolved},
        "api/v2/scheduled-maintenances.json": maintenances(works.everything),
        "api/v2/scheduled-maintenances/upcoming.json": maintenances(works.upcoming),
        "api/v2/scheduled-maintenances/active.json": maintenances(works.active),
    }
    encoded = {path: msgspec.json.encode(doc) for path, doc in documents.items()}
    now = clock.now()
    extras = Extras()  # other parts add their sections and uptime bars here
    bars = uptime_by_component(session, today=now.astimezone(UTC).date())
    extras.uptime.update({str(row.id): bars[row.id] for row in rows if row.id in bars})
    if not page.internal:  # the forms: to subscribe, and to report a problem
        choices = [{"id": c["id"], "name": c["name"]} for c in components if not c["group"]]
        groups = [{"id": c["id"], "name": c["name"]} for c in components if c["group"]]
        subscribe = {
            "action": f"{page.app_url}/subscribe/{page.number}",
            "components": choices,
            "groups": groups,
        }
        extras.sections.append(Section("bottom", "_subscribe.html", subscribe))
        report = {"url": f"{page.app_url}/report/{page.slug}"}
        extras.sections.append(Section("bottom", "_report_link.html", report))
    encoded |= render_pages(
        page,
        summary=documents["api/v2/summary.json"],
        incidents=every,
        maintenances=works.everything,
        extras=extras,
        now=now,
    )
    encoded |= render_feeds(page, every, updated=updated_at or now)
    return encoded


def _add_post_incident_reports(session: Session, incidents: list[dict[str, Any]]) -> None:
    """A published post-incident report joins its public incident: Statuspage's
    ``postmortem_body``/``postmortem_published_at``, and its sections apart."""
    by_id = {d["id"]: d for d in incidents}
    rows = session.scalars(
        select(PostIncidentReport).where(
            PostIncidentReport.public_incident_id.in_([int(i) for i in by_id]),
            PostIncidentReport.published_at.is_not(None),
        )
    )
    for row in rows:
        sections = {name: getattr(row, name) for name in SECTIONS}
        document = by_id[str(row.public_incident_id)]
        document["postmortem_body"] = body_text(sections)
        document["postmortem_published_at"] = timestamp(row.published_at)
        document["post_incident_report"] = {
            **sections,
            "published_at": timestamp(row.published_at),
            "updated_at": timestamp(row.updated_at),
        }
