"""``tocsin demo``: a realistic year in a fresh database, so the dashboard has something
to show. Deterministic for a seed; refuses a database that has incidents unless forced."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tocsin import clock
from tocsin.assembly import Tocsin
from tocsin.demo import directory, history, learning, plan, signals
from tocsin.errors import Conflict
from tocsin.incidents.tables import Incident
from tocsin.statuspage import service as statuspage

DEFAULT_SEED = 2026
INCIDENTS = 600


@dataclass(frozen=True)
class DemoMade:
    counts: dict[str, int]
    dashboard_url: str


class DatabaseNotEmpty(Conflict):
    """The database has incidents, and the demo was not forced."""


def existing_incidents(app: Tocsin) -> int:
    with app.db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def make_demo(
    app: Tocsin, *, seed: int = DEFAULT_SEED, force: bool = False, incidents: int = INCIDENTS
) -> DemoMade:
    """Fill ``app``'s database: the organisation through the features' own services (with the
    clock set back a year, so they look a year old), then the year's history set-based.
    Forced on a database where an earlier run made the organisation, it adds a year to it."""
    found = existing_incidents(app)
    if found and not force:
        raise DatabaseNotEmpty(
            f"the database has {found} incident(s) already; run with --force to add the demo"
        )
    now = clock.now()
    rng = random.Random(seed)
    org = directory.existing(app) if found else None
    made_org = org is None
    if org is None:
        year_ago = now - timedelta(days=366)
        with clock.held_at(year_ago):
            org = directory.build(app, year_ago)
        directory.announce_maintenance(app, org, now)
    counts = _history(app, org, rng, now, incidents)
    counts.update(
        teams=len(org.team_ids),
        people=len(org.person_ids),
        services=len(org.services),
        integrations=len(org.integration_of),
        components=len(set(org.component_of.values())),
        maintenances=1 if made_org else 0,
    )
    return DemoMade(counts, f"{app.settings.base_url}/metrics")


def _history(
    app: Tocsin, org: directory.Directory, rng: random.Random, now: datetime, count: int
) -> dict[str, int]:
    planned = plan.plan_year(
        rng, now=now, services=org.services, people=len(org.person_ids), count=count
    )
    policies = app.policies
    required = {s.value for s, policy in policies.items() if policy.postmortem_required}
    states = learning.learning_states(planned, now, required)
    incident_learning = {n: "done" if s == "published" else "pending" for n, s in states.items()}
    with app.db.transaction() as session:
        written = history.write_incidents(session, planned, org, policies, incident_learning, now)
        signals.write_alerts(session, planned, org, written, rng)
        paging = {s.value for s, policy in policies.items() if policy.page_on_call}
        signals.write_pages(
            session, planned, org, written, paging=paging, base_url=app.settings.base_url
        )
        signals.write_public(session, planned, org, written, rng)
        learning.write_postmortems(session, planned, states, org, written, rng, now)
        written.counts["timeline_events"] = history.write_events(session, written.events)
        state = statuspage.lock_state_in(session)  # the open incidents show on the page
        if statuspage.recompute_in(session, state):
            statuspage.changed_in(session, state, app.statuspage)
    return written.counts
