"""Opening a postmortem: by itself when an incident whose severity requires one resolves,
or by hand; once per incident either way.

The owner is the Incident Commander (a directory person when the role names one, else the
name), unless the caller names another. The draft is due ``postmortem_draft_hours`` after the
resolution (or the opening, for an incident not resolved yet) and the review meeting
``postmortem_review_business_days`` business days after it, counted in the zone and holidays
of the team that owns the incident's services (``tocsin.core.business_days``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.config import Settings
from tocsin.core import postmortems as rules
from tocsin.core.business_days import zone
from tocsin.core.lifecycle import Status
from tocsin.core.postmortems import PostmortemStatus, SectionKind
from tocsin.core.roles import Role
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.schemas import IncidentOut
from tocsin.oncall import service as oncall_service
from tocsin.postmortems import index, reminders
from tocsin.postmortems.schemas import PersonOrName
from tocsin.postmortems.tables import Postmortem, PostmortemSection
from tocsin.reports import service as reports_service

Policies = Mapping[Severity, SeverityPolicy] | None
"""The severity policies in effect (the application's ``PolicyBook``); None: the settings'."""


def calendar_for(
    settings: Settings, team: oncall_service.OwningTeam | None
) -> tuple[ZoneInfo, frozenset[date]]:
    """The zone and holidays a team's business days are counted in (UTC without a team)."""
    holidays = set(settings.postmortem_holidays)
    tz_name = team.time_zone if team else None
    own = settings.postmortem_team_calendars.get(team.name) if team else None
    if own is not None:
        holidays.update(own.holidays)
        tz_name = own.time_zone or tz_name
    return zone(tz_name), frozenset(holidays)


def on_incident_changed(
    session: Session, change: IncidentChanged, *, settings: Settings, policies: Policies = None
) -> None:
    """The listener: a resolution of an incident whose policy requires a postmortem opens one."""
    if change.kind != "status_changed" or change.status is not Status.RESOLVED:
        return
    if not (policies or settings.policies)[change.severity].postmortem_required:
        return
    open_in(
        session,
        incident_id=change.incident_id,
        actor=change.actor,
        settings=settings,
        policies=policies,
    )


def open_postmortem(
    db: Database,
    *,
    incident_id: int,
    actor: str,
    settings: Settings,
    owner: PersonOrName | None = None,
    policies: Policies = None,
) -> tuple[int, bool]:
    """Open by hand; the postmortem's id, and False when the incident had one already."""
    with db.transaction() as session:
        incidents_service.lock_if_open_in(session, incident_id=incident_id)
        return open_in(
            session,
            incident_id=incident_id,
            actor=actor,
            settings=settings,
            owner=owner,
            policies=policies,
        )


def open_in(
    session: Session,
    *,
    incident_id: int,
    actor: str,
    settings: Settings,
    owner: PersonOrName | None = None,
    policies: Policies = None,
) -> tuple[int, bool]:
    """Open the incident's postmortem in the caller's transaction (the incident row locked)."""
    existing = session.scalar(select(Postmortem.id).where(Postmortem.incident_id == incident_id))
    if existing is not None:
        return existing, False
    incident = incidents_service.snapshot(session, incident_id=incident_id)
    now = clock.now()
    team = oncall_service.owning_team_in(session, services=incident.services)
    tz, holidays = calendar_for(settings, team)
    due = rules.deadlines(
        (policies or settings.policies)[incident.severity],
        resolved_at=incident.resolved_at or now,
        tz=tz,
        holidays=holidays,
    )
    person_id, name = resolve_owner(session, owner) if owner else commander_of(incident)
    row = Postmortem(
        incident_id=incident_id,
        status=PostmortemStatus.DRAFT.value,
        owner_person_id=person_id,
        owner_name=name,
        draft_due_at=due.draft_due_at,
        review_due_at=due.review_due_at,
        time_zone=tz.key,
        team_id=team.id if team else None,
        opened_by=actor,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(row)
    session.flush()
    customers = reports_service.affected_in(session, incident_id=incident_id)
    session.add_all(
        PostmortemSection(
            postmortem_id=row.id,
            key=spec.key,
            content=_prefilled(spec.kind, incident, customers),
            updated_at=now,
            updated_by=actor,
        )
        for spec in settings.postmortem_template
    )
    reminders.schedule_deadlines_in(session, row)
    index.refresh_in(session, row.id)
    data = {
        "postmortem_id": row.id,
        "owner": name,
        "draft_due_at": row.draft_due_at.isoformat(),
        "review_due_at": row.review_due_at.isoformat(),
    }
    incidents_service.record_event(
        session, incident_id=incident_id, actor=actor, kind="postmortem_opened", data=data
    )
    return row.id, True


CUSTOMERS_NOTE = (
    "distinct customers who reported it (customer reports); correct it if you know more"
)


def _prefilled(kind: SectionKind, incident: IncidentOut, customers: int) -> dict[str, Any]:
    """A section's first content: the impact from the incident's own data, the rest empty."""
    content: dict[str, Any] = {"text": ""}
    if kind is SectionKind.FIVE_WHYS:
        content["whys"] = []
    if kind is SectionKind.IMPACT:
        content.update(
            duration_minutes=rules.duration_minutes(
                incident.impact_started_at, incident.resolved_at
            ),
            customers_affected=customers,
            customers_note=CUSTOMERS_NOTE,
            components=list(incident.services),
        )
    return content


def commander_of(incident: IncidentOut) -> tuple[int | None, str]:
    for role in incident.roles:
        if role.role is Role.INCIDENT_COMMANDER:
            return (role.person.id if role.person else None), role.holder
    return None, incident.created_by


def resolve_owner(
    session: Session, who: PersonOrName, *, field: str = "owner.person_id"
) -> tuple[int | None, str]:
    """A person of the directory (its name unless another is given), or a name."""
    if who.person_id is None:
        assert who.name is not None
        return None, who.name
    people = oncall_service.people_in(session, [who.person_id])
    if who.person_id not in people:
        raise InvalidInput(f"{field}: no person with id {who.person_id}", field=field)
    return who.person_id, who.name or people[who.person_id].name
