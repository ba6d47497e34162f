"""The assembly point and what it wires: hooks, after-commit work, the wake-up signal.

Runs on both databases: listeners run inside the change's transaction there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import Api, settings_for
from tocsin import wakeup
from tocsin.alerts import follow as alerts_follow
from tocsin.alerts import maintenance_silences
from tocsin.alerts import service as alerts_service
from tocsin.assembly import assemble, own_section
from tocsin.db import Database
from tocsin.hooks import after_commit, publish
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.paging import now as paging_now
from tocsin.paging import service as paging_service
from tocsin.postmortems import service as postmortems_service
from tocsin.recurrence import service as recurrence_service
from tocsin.reports import resolved as reports_resolved
from tocsin.schema import migrate
from tocsin.statuspage import post_incident
from tocsin.statuspage import publishing as statuspage_publishing
from tocsin.statuspage import service as statuspage_service
from tocsin.statuspage.maintenance import lifecycle as maintenance_lifecycle
from tocsin.statuspage.maintenance.hooks import MaintenanceNotice, MaintenanceWindowChanged
from tocsin.statuspage.subscribers import updates as subscribers_updates


@dataclass(frozen=True)
class Happened:
    what: str


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A second Database object on the suite's database: its own hooks and wake-up."""
    database = Database(database_url)
    migrate(database)
    yield database
    database.dispose()


def test_the_assembly_lists_every_reaction_to_an_incident_change(api: Api) -> None:
    listeners = api.db.hooks.listeners(IncidentChanged)
    mail = reports_resolved.MailSettings(api.settings.base_url, api.settings.statuspage_name)
    assert [(p.func, p.keywords) for p in listeners if isinstance(p, partial)] == [
        (alerts_follow.on_incident_changed, {"state": api.tocsin.ingest}),
        (paging_service.on_incident_changed, {"policies": api.tocsin.policies}),
        (statuspage_service.on_incident_changed, {"store": api.tocsin.statuspage}),
        (
            postmortems_service.on_incident_changed,
            {"settings": api.settings, "policies": api.tocsin.policies},
        ),
        (reports_resolved.on_incident_changed, {"mail": mail}),
    ]
    assert post_incident.on_incident_changed in listeners
    # one book of severity policies for every reader: the ingest path's too
    assert api.tocsin.ingest.policies is api.tocsin.policies
    assert postmortems_service.index_on_incident_changed in listeners
    assert recurrence_service.on_incident_changed in listeners
    assert set(api.tocsin.timer_handlers) == {
        paging_service.TIMER_KIND,
        incidents_service.REMINDER_TIMER_KIND,
        post_incident.TIMER_KIND,
        maintenance_lifecycle.TIMER_KIND,
        postmortems_service.REMINDER_TIMER_KIND,
    }
    assert set(api.tocsin.timer_batch_handlers) == {recurrence_service.TIMER_KIND}
    window = api.db.hooks.listeners(MaintenanceWindowChanged)
    assert [(p.func, p.keywords) for p in window if isinstance(p, partial)] == [
        (maintenance_silences.on_maintenance_changed, {"state": api.tocsin.ingest}),
    ]
    notices = api.db.hooks.listeners(MaintenanceNotice)
    assert [(p.func, p.keywords) for p in notices if isinstance(p, partial)] == [
        (subscribers_updates.on_maintenance_notice, {"store": api.tocsin.statuspage}),
    ]
    assert set(api.tocsin.periodic) == {
        "heartbeats",
        "checks",
        "check-results-retention",
        "unconfirmed-subscribers",
    }
    sections = [
        p.args[0].func if p.func is own_section else p.func
        for p in api.tocsin.incident_sections
        if isinstance(p, partial)
    ]
    assert alerts_service.incident_section in sections
    assert paging_now.incident_section in sections
    assert statuspage_publishing.incident_section in sections
    assert len(api.tocsin.incident_sections) == 6


def test_a_database_is_assembled_once(api: Api) -> None:
    with pytest.raises(RuntimeError, match="assembled already"):
        assemble(api.settings, api.db)


def test_two_applications_share_no_state(api: Api, db: Database, tmp_path: Path) -> None:
    other = assemble(settings_for(api.settings.database_url, tmp_path), db)
    assert other.ingest is not api.tocsin.ingest
    assert other.tokens is not api.tocsin.tokens
    assert db.hooks is not api.db.hooks
    assert db.wakeup is not api.db.wakeup


def test_listeners_run_in_order_inside_the_transaction(db: Database) -> None:
    seen: list[str] = []

    def first(session: Session, event: Happened) -> None:
        seen.append(f"first:{event.what}:{session.in_transaction()}")

    def second(session: Session, event: Happened) -> None:
        seen.append(f"second:{event.what}")

    db.hooks.subscribe(Happened, first)
    db.hooks.subscribe(Happened, second)
    with db.transaction() as session:
        publish(session, Happened("x"))
        publish(session, "not subscribed")  # another type: no listener runs
    assert seen == ["first:x:True", "second:x"]


def test_a_listeners_failure_rolls_the_change_back(db: Database) -> None:
    def refuse(session: Session, event: Happened) -> None:
        raise ValueError("no")

    db.hooks.subscribe(Happened, refuse)
    with db.transaction() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS hook_probe (n INTEGER)"))
    with pytest.raises(ValueError), db.transaction() as session:
        session.execute(text("INSERT INTO hook_probe (n) VALUES (1)"))
        publish(session, Happened("boom"))
    with db.reading() as session:
        assert session.scalar(text("SELECT count(*) FROM hook_probe")) == 0
    with db.transaction() as session:
        session.execute(text("DROP TABLE hook_probe"))


def test_after_commit_work_runs_once_after_commit_and_never_after_rollback(db: Database) -> None:
    ran: list[str] = []
    with db.transaction() as session:
        after_commit(session, lambda: ran.append("keyed"), key="k")
        after_commit(session, lambda: ran.append("keyed again"), key="k")  # same key: once
        after_commit(session, lambda: ran.append("plain"))
        assert ran == []  # not before the commit
    assert ran == ["keyed", "plain"]
    with pytest.raises(RuntimeError), db.transaction() as session:
        after_commit(session, lambda: ran.append("rolled back"))
        raise RuntimeError("roll back")
    with db.transaction():
        pass  # a later transaction does not run the dropped work either
    assert ran == ["keyed", "plain"]


def test_committed_work_wakes_this_databases_workers_only(db: Database, api: Api) -> None:
    db.wakeup.wait(0)  # clear
    api.db.wakeup.wait(0)
    with db.transaction() as session:
        wakeup.after_commit(session)
    assert db.wakeup.wait(0) is True
    assert api.db.wakeup.wait(0) is False
    with pytest.raises(RuntimeError), db.transaction() as session:
        wakeup.after_commit(session)
        raise RuntimeError("roll back")
    assert db.wakeup.wait(0) is False
