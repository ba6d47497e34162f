"""The demo's organisation, made through each feature's own service functions: teams,
people with contact methods and notification rules, weekly rotations, escalation policies,
services, integrations, status page components and one upcoming maintenance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.alerts import integrations
from tocsin.alerts.schemas import IntegrationCreate
from tocsin.assembly import Tocsin
from tocsin.oncall.escalation import service as escalation
from tocsin.oncall.escalation.schemas import LevelIn, PolicyCreate, ServiceCreate, TargetIn
from tocsin.oncall.people import contacts
from tocsin.oncall.people import service as people_service
from tocsin.oncall.people.schemas import ContactMethodCreate, NotificationRuleCreate, PersonCreate
from tocsin.oncall.schedules import service as schedules
from tocsin.oncall.schedules.schemas import LayerIn, ScheduleIn
from tocsin.oncall.teams import service as teams_service
from tocsin.oncall.teams.schemas import TeamCreate
from tocsin.statuspage import service as statuspage
from tocsin.statuspage.maintenance import service as maintenance
from tocsin.statuspage.maintenance.schemas import MaintenanceCreate
from tocsin.statuspage.schemas import ComponentCreate, ComponentPatch

ACTOR = "demo"
# team: (zone, people (name, handle, zone), services, status page component)
TEAMS: dict[str, tuple[str, list[tuple[str, str, str]], list[tuple[str, str]]]] = {
    "Payments": (
        "Europe/Paris",
        [
            ("Amélie Laurent", "amelie", "Europe/Paris"),
            ("Bram de Vries", "bram", "Europe/Amsterdam"),
            ("Chiara Russo", "chiara", "Europe/Rome"),
            ("Dmitri Ivanov", "dmitri", "Europe/Berlin"),
        ],
        [("payments-api", "Payments"), ("billing-worker", "Billing")],
    ),
    "Platform": (
        "America/New_York",
        [
            ("Elena Garcia", "elena", "America/New_York"),
            ("Farid Haddad", "farid", "America/Chicago"),
            ("Grace Kim", "grace", "America/Los_Angeles"),
            ("Hugo Martin", "hugo", "America/New_York"),
        ],
        [("api-gateway", "API"), ("auth-service", "Sign-in"), ("postgres-main", "API")],
    ),
    "Web": (
        "Asia/Singapore",
        [
            ("Isha Patel", "isha", "Asia/Kolkata"),
            ("Jun Tanaka", "jun", "Asia/Tokyo"),
            ("Kai Müller", "kai", "Europe/Berlin"),
            ("Lena Okafor", "lena", "Africa/Lagos"),
        ],
        [("web-frontend", "Website"), ("search", "Search"), ("notifications", "Notifications")],
    ),
}


@dataclass
class Directory:
    person_ids: list[int]
    person_names: list[str]
    person_zones: list[str]
    contact_ids: list[int]  # each person's e-mail contact method
    team_ids: dict[str, int]
    services: list[str]
    service_team: dict[str, str]
    integration_of: dict[str, int]  # service → integration id
    component_of: dict[str, int]  # service → status page component id


def build(app: Tocsin, now: datetime) -> Directory:
    found = Directory([], [], [], [], {}, [], {}, {}, {})
    for team, (zone, members, services) in TEAMS.items():
        ids = [
            _person(app, name, handle, person_zone, found) for name, handle, person_zone in members
        ]
        team_id = teams_service.create_team(
            app.db, body=TeamCreate(name=team, description=f"The {team} team", members=ids)
        ).id
        found.team_ids[team] = team_id
        policy = _policy(app, team, zone, team_id, ids, now)
        for service, component in services:
            _service(app, found, team, team_id, policy, service, component)
    return found


def existing(app: Tocsin) -> Directory | None:
    """The demo's organisation if an earlier run made it (``--force`` adds a year to it)."""
    teams = {t.name: t.id for t in teams_service.list_teams(app.db)}
    if not set(TEAMS) <= set(teams):
        return None
    people = {p.handle: p for p in people_service.list_people(app.db)}
    wired = {i.service: i.id for i in integrations.list_integrations(app.db, state=app.ingest)}
    components = statuspage.list_components(app.db)
    found = Directory([], [], [], [], {}, [], {}, {}, {})
    for team, (_, members, services) in TEAMS.items():
        found.team_ids[team] = teams[team]
        for _, handle, _ in members:
            person = people[handle]
            methods = contacts.list_contact_methods(app.db, person_id=person.id)
            found.person_ids.append(person.id)
            found.person_names.append(person.name)
            found.person_zones.append(person.time_zone)
            found.contact_ids.append(methods[0].id)
        for service, _ in services:
            found.services.append(service)
            found.service_team[service] = team
            found.integration_of[service] = wired[service]
            found.component_of[service] = next(c.id for c in components if service in c.services)
    return found


def _person(app: Tocsin, name: str, handle: str, zone: str, found: Directory) -> int:
    email = f"{handle}@example.com"
    person = people_service.create_person(
        app.db, body=PersonCreate(name=name, handle=handle, email=email, time_zone=zone)
    )
    method = contacts.create_contact_method(
        app.db,
        person_id=person.id,
        body=ContactMethodCreate(kind="email", address=email),
        box=app.settings.secret_box,
        outbound_allow=app.settings.outbound_allow,
    )
    contacts.create_rule(
        app.db,
        person_id=person.id,
        body=NotificationRuleCreate(contact_method_id=method.id, delay_minutes=0),
    )
    found.person_ids.append(person.id)
    found.person_names.append(name)
    found.person_zones.append(zone)
    found.contact_ids.append(method.id)
    return person.id


def _policy(app: Tocsin, team: str, zone: str, team_id: int, ids: list[int], now: datetime) -> int:
    """A weekly rotation of the team (hand-off Monday 09:00 local) and a two-level policy:
    the person on call, then the team's first member as a backstop."""
    monday = (now - timedelta(days=400 + now.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    schedule = schedules.create_schedule(
        app.db,
        body=ScheduleIn(
            name=f"{team} primary",
            time_zone=zone,
            team_id=team_id,
            layers=[
                LayerIn(name="weekly", kind="weekly", length=1, start=monday, participants=ids)
            ],
        ),
    )
    body = PolicyCreate(
        name=f"{team} escalation",
        levels=[
            LevelIn(timeout_minutes=10, targets=[TargetIn(type="schedule", id=schedule.id)]),
            LevelIn(timeout_minutes=15, targets=[TargetIn(type="person", id=ids[0])]),
        ],
        repeat=1,
    )
    return escalation.create_policy(app.db, body=body).id


def _service(
    app: Tocsin,
    found: Directory,
    team: str,
    team_id: int,
    policy: int,
    service: str,
    component: str,
) -> None:
    escalation.create_service(
        app.db,
        body=ServiceCreate(
            name=service,
            description=f"{component} ({team})",
            team_id=team_id,
            escalation_policy_id=policy,
        ),
    )
    created = integrations.create_integration(
        app.db,
        state=app.ingest,
        integration=IntegrationCreate(
            kind="alertmanager", name=f"{service} alerts", service=service
        ),
        created_by=ACTOR,
        base_url=app.settings.base_url,
    )
    found.services.append(service)
    found.service_team[service] = team
    found.integration_of[service] = created.id
    existing = {c.name: c for c in statuspage.list_components(app.db)}
    if component in existing:
        services = [*existing[component].services, service]
        statuspage.update_component(
            app.db,
            app.statuspage,
            component_id=existing[component].id,
            body=ComponentPatch(services=services),
        )
        found.component_of[service] = existing[component].id
        return
    made = statuspage.create_component(
        app.db, app.statuspage, body=ComponentCreate(name=component, services=[service])
    )
    found.component_of[service] = made.id


def announce_maintenance(app: Tocsin, found: Directory, now: datetime) -> None:
    """One maintenance next week, on the database's component."""
    start = (now + timedelta(days=6)).replace(hour=2, minute=0, second=0, microsecond=0)
    maintenance.announce(
        app.db,
        app.statuspage,
        body=MaintenanceCreate(
            name="Database upgrade",
            body="We are upgrading the main database; the API may be slow for a few minutes.",
            components=[found.component_of["postgres-main"]],
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        ),
        actor=ACTOR,
    )
