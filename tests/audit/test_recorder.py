"""The recorder inside one transaction: a savepoint rolled back takes its notes back, a
transaction rolled back leaves no entry, and a row made and removed at once leaves none."""

from __future__ import annotations

from sqlalchemy import select

from tests.builders import unique
from tests.conftest import Api
from tocsin import clock
from tocsin.audit.tables import AuditEntry
from tocsin.oncall.people.tables import Person


def _entries_of(api: Api, person_id: int) -> list[AuditEntry]:
    with api.db.reading() as session:
        query = select(AuditEntry).where(
            AuditEntry.object_kind == "person", AuditEntry.object_id == str(person_id)
        )
        return list(session.scalars(query.order_by(AuditEntry.id)))


def _person() -> Person:
    handle = unique("rec")
    return Person(name="Ana", handle=handle, time_zone="UTC", created_at=clock.now())


def test_a_savepoint_rolled_back_takes_its_changes_out_of_the_entry(api: Api) -> None:
    with api.db.transaction() as session:
        row = _person()
        session.add(row)
        session.flush()
        savepoint = session.begin_nested()
        row.name = "Changed, then taken back"
        session.flush()
        savepoint.rollback()
        row.name = "Ana Lima"
    (entry,) = _entries_of(api, row.id)
    assert entry.action == "create"
    assert entry.after["name"] == "Ana Lima"
    assert entry.actor == "system" and entry.via == "system"


def test_a_rolled_back_transaction_and_a_row_made_and_removed_leave_nothing(api: Api) -> None:
    try:
        with api.db.transaction() as session:
            row = _person()
            session.add(row)
            session.flush()
            gone = row.id
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert _entries_of(api, gone) == []
    with api.db.transaction() as session:
        row = _person()
        session.add(row)
        session.flush()
        made = row.id
        session.delete(row)
    assert _entries_of(api, made) == []


def test_watching_a_database_twice_records_each_change_once(api: Api) -> None:
    from tocsin.audit import recorder
    from tocsin.oncall.teams.tables import Team, TeamMember

    recorder.watch(api.db)  # the assembly watches it already
    with api.db.transaction() as session:
        ana = _person()
        team = Team(name=unique("team"), description="", created_at=clock.now())
        session.add_all([ana, team])
        session.flush()
        session.add(TeamMember(team_id=team.id, person_id=ana.id))
    with api.db.reading() as session:
        query = select(AuditEntry).where(
            AuditEntry.object_kind == "team", AuditEntry.object_id == str(team.id)
        )
        (entry,) = session.scalars(query)
    assert entry.action == "create"
    assert entry.after["members"] == [{"person_id": ana.id, "role": "member"}]  # not twice
