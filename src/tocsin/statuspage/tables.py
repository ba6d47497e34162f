"""Status page tables.

An installation has one or more pages (``statuspage_pages``); page 1, made by the migration,
is the default one served at the bare Statuspage paths. Components, groups and public
incidents belong to one page. A group is a component row with ``is_group`` set (as in
Statuspage, where groups and components share one list and one id space).
``statuspage_state`` is one row: the severity→status rule and ``version``, bumped by every
change of the page's inputs, so a replica can tell that its snapshot is stale with one
cheap query.

Uptime comes from two tables: ``statuspage_status_history`` (every change of a component's
shown status, written in the change's transaction by :func:`tocsin.statuspage.history.
record_status_in`) and ``statuspage_check_tallies`` (per component and UTC day, how many runs
of its synthetic checks passed and failed, counted in the result's transaction by
:func:`tocsin.statuspage.history.record_check_in`), so a day's figure never needs the raw
check results.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tocsin.db import Base, UTCDateTime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


DEFAULT_PAGE_ID = 1


class StatusPage(Base):
    """One status page: who may read it, and how it presents itself."""

    __tablename__ = "statuspage_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # None: the default page's name comes from the ``statuspage_name`` setting.
    name: Mapped[str | None] = mapped_column(String(200))
    visibility: Mapped[str] = mapped_column(String(16), default="public")  # public | internal
    description: Mapped[str | None] = mapped_column(Text)
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    home_url: Mapped[str | None] = mapped_column(String(2000))
    links: Mapped[list[dict[str, str]]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


def page_column() -> Mapped[int]:
    return mapped_column(
        ForeignKey("statuspage_pages.id", ondelete="CASCADE"),
        index=True,
        default=DEFAULT_PAGE_ID,
        server_default=str(DEFAULT_PAGE_ID),
    )


class StatusComponent(Base):
    __tablename__ = "statuspage_components"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = page_column()
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("statuspage_components.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    services: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    # What the open incidents say (kept by the listener), and what a person set by hand.
    computed_status: Mapped[str] = mapped_column(String(24), default="operational")
    override_status: Mapped[str | None] = mapped_column(String(24))
    # The shown status as last written to the status history (groups have none).
    recorded_status: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PublicIncident(Base):
    """An incident as the public sees it: published on purpose, its own title and texts."""

    __tablename__ = "statuspage_incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = page_column()
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    impact: Mapped[str] = mapped_column(String(16))
    component_ids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    monitoring_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class PublicUpdate(Base):
    __tablename__ = "statuspage_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_incident_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_incidents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(200))


class StatusPageState(Base):
    __tablename__ = "statuspage_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(Integer, default=1)
    rule: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatusChangeRow(Base):
    """From ``at`` on, the component showed ``status`` (until its next row)."""

    __tablename__ = "statuspage_status_history"
    __table_args__ = (Index("ix_statuspage_status_history_component_id_at", "component_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_components.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckTally(Base):
    """The runs of a component's checks on one UTC day: how many passed, how many failed."""

    __tablename__ = "statuspage_check_tallies"

    component_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_components.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class PostIncidentReport(Base):
    """The public report after a SEV1/SEV2: drafted on resolve, edited, then published.

    ``due_at`` is 72 hours after the resolution; the report is overdue while it is unpublished
    after that.
    """

    __tablename__ = "statuspage_post_incident_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = page_column()
    public_incident_id: Mapped[int] = mapped_column(
        ForeignKey("statuspage_incidents.id", ondelete="CASCADE"), unique=True
    )
    apology: Mapped[str] = mapped_column(Text, default="")
    what_happened: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(Text, default="")
    actions_taken: Mapped[str] = mapped_column(Text, default="")
    prevention: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
