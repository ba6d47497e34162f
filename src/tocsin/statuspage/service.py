"""Status page use cases: components and groups, the rule, public incidents and updates.

Every change writes its rows and bumps ``statuspage_state.version`` in one transaction, with
the state row locked: so component statuses are computed one change at a time (on
PostgreSQL two incident changes in flight would otherwise each compute from a view that
misses the other). After the commit the application's snapshot is rebuilt
(:class:`tocsin.statuspage.snapshot.SnapshotStore.changed`); other replicas see the new
version on their next poll.

:func:`on_incident_changed` is the listener ``tocsin.assembly`` subscribes to incident changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin import clock, hooks
from tocsin.core.severity import Severity
from tocsin.core.statuspage import (
    DEFAULT_RULE,
    ComponentStatus,
    component_status,
    worst_status,
)
from tocsin.db import Database, insert_once
from tocsin.errors import InvalidInput, NotFound
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.statuspage import history
from tocsin.statuspage.maintenance.queries import components_under_maintenance
from tocsin.statuspage.render import effective_status
from tocsin.statuspage.schemas import (
    ComponentCreate,
    ComponentOut,
    ComponentPatch,
    GroupCreate,
    GroupOut,
    GroupPatch,
    Rule,
)
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.tables import StatusComponent, StatusPage, StatusPageState

STATE_ID = 1


# ------------------------------------------------------------------ the state row


def lock_state_in(session: Session) -> StatusPageState:
    """The one state row, made on first use and locked until the transaction ends."""
    locked = select(StatusPageState).where(StatusPageState.id == STATE_ID).with_for_update()
    state = session.scalars(locked).one_or_none()
    if state is None:  # the first change ever (two at once: one inserts, both then lock)
        values = {"id": STATE_ID, "version": 1, "rule": {}, "updated_at": clock.now()}
        insert_once(session, StatusPageState, values, "id")
        state = session.scalars(locked).one()
    return state


def changed_in(session: Session, state: StatusPageState, store: SnapshotStore) -> None:
    """Mark the page's inputs changed: a new version, and a rebuild once this commits."""
    state.version += 1
    state.updated_at = clock.now()
    hooks.after_commit(session, store.changed, key=("statuspage", id(store)))


def rule_of(state: StatusPageState) -> dict[Severity, ComponentStatus]:
    rule = dict(DEFAULT_RULE)
    rule.update({Severity(k): ComponentStatus(v) for k, v in (state.rule or {}).items()})
    return rule


def recompute_in(session: Session, state: StatusPageState) -> bool:
    """Set each component's computed status from the open incidents; True if any changed.

    Every change that may move a shown status ends here, so this is where each component's
    status history gets its row (:func:`tocsin.statuspage.history.record_status_in`).
    A component of a maintenance in progress is ``under_maintenance``, unless an incident
    makes it worse (then the incident's status shows: the public should see an outage).
    """
    rule = rule_of(state)
    by_service = incidents_service.open_severities_by_service(session)
    under_maintenance = components_under_maintenance(session)
    now = clock.now()
    changed = False
    for component in session.scalars(
        select(StatusComponent).where(StatusComponent.is_group.is_(False))
    ):
        severities = [s for name in component.services for s in by_service.get(name, ())]
        wanted = component_status(severities, rule)
        if component.id in under_maintenance:
            wanted = worst_status([wanted, ComponentStatus.UNDER_MAINTENANCE])
        status = wanted.value
        if component.computed_status != status:
            component.computed_status = status
            component.updated_at = now
            changed = True
        history.record_status_in(session, component, now)
    return changed


def on_incident_changed(session: Session, change: IncidentChanged, *, store: SnapshotStore) -> None:
    """Components follow the open incidents on their services (in the change's transaction)."""
    if session.scalar(select(StatusComponent.id).limit(1)) is None:
        return  # no components: nothing on the page depends on incidents
    state = lock_state_in(session)
    if recompute_in(session, state):
        changed_in(session, state, store)


def on_incidents_changed(
    session: Session, changes: Sequence[IncidentChanged], *, store: SnapshotStore
) -> None:
    """:func:`on_incident_changed` for many changes: the components follow them all at once."""
    if changes:
        on_incident_changed(session, changes[-1], store=store)


# ------------------------------------------------------------------ reading


def _component_out(row: StatusComponent) -> ComponentOut:
    return ComponentOut(
        id=row.id,
        page_id=row.page_id,
        name=row.name,
        description=row.description,
        group_id=row.group_id,
        position=row.position,
        services=list(row.services),
        status=effective_status(row),
        computed_status=ComponentStatus(row.computed_status),
        override_status=ComponentStatus(row.override_status) if row.override_status else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _group_out(session: Session, row: StatusComponent) -> GroupOut:
    members = list(
        session.scalars(
            select(StatusComponent)
            .where(StatusComponent.group_id == row.id)
            .order_by(StatusComponent.position, StatusComponent.id)
        )
    )
    return GroupOut(
        id=row.id,
        page_id=row.page_id,
        name=row.name,
        description=row.description,
        position=row.position,
        status=worst_status(effective_status(c) for c in members),
        components=[c.id for c in members],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _load(session: Session, component_id: int, *, group: bool) -> StatusComponent:
    what = "component group" if group else "component"
    row = session.get(StatusComponent, component_id)
    if row is None or row.is_group != group:
        field = "group_id" if group else "component_id"
        raise NotFound(f"no {what} with id {component_id}", field=field)
    return row


def list_components(db: Database, *, page_id: int | None = None) -> list[ComponentOut]:
    query = select(StatusComponent).where(StatusComponent.is_group.is_(False))
    if page_id is not None:
        query = query.where(StatusComponent.page_id == page_id)
    with db.reading() as session:
        rows = session.scalars(query.order_by(StatusComponent.position, StatusComponent.id))
        return [_component_out(row) for row in rows]


def get_component(db: Database, *, component_id: int) -> ComponentOut:
    with db.reading() as session:
        return _component_out(_load(session, component_id, group=False))


def list_groups(db: Database, *, page_id: int | None = None) -> list[GroupOut]:
    query = select(StatusComponent).where(StatusComponent.is_group.is_(True))
    if page_id is not None:
        query = query.where(StatusComponent.page_id == page_id)
    with db.reading() as session:
        rows = session.scalars(query.order_by(StatusComponent.position, StatusComponent.id))
        return [_group_out(session, row) for row in rows]


def get_rule(db: Database) -> Rule:
    with db.reading() as session:
        state = session.get(StatusPageState, STATE_ID)
        rule = rule_of(state) if state else dict(DEFAULT_RULE)
        return Rule(rule=rule)


# ------------------------------------------------------------------ changing


def _next_position(session: Session) -> int:
    highest = session.scalar(select(func.max(StatusComponent.position)))
    return 0 if highest is None else int(highest) + 1


def _check_group(session: Session, group_id: int | None, page_id: int) -> None:
    if group_id is None:
        return
    row = session.get(StatusComponent, group_id)
    if row is None or not row.is_group:
        raise InvalidInput(f"group_id: no component group {group_id}", field="group_id")
    if row.page_id != page_id:
        message = f"group_id: group {group_id} is on another page"
        raise InvalidInput(message, field="group_id")


def page_in(session: Session, page_id: int) -> StatusPage:
    """The page things are put on; a 422 naming ``page_id`` if there is none."""
    row = session.get(StatusPage, page_id)
    if row is None:
        raise InvalidInput(f"page_id: no status page {page_id}", field="page_id")
    return row


def create_component(db: Database, store: SnapshotStore, *, body: ComponentCreate) -> ComponentOut:
    with db.transaction() as session:
        state = lock_state_in(session)
        page_in(session, body.page_id)
        _check_group(session, body.group_id, body.page_id)
        now = clock.now()
        row = StatusComponent(
            page_id=body.page_id,
            is_group=False,
            group_id=body.group_id,
            name=body.name,
            description=body.description or None,
            position=body.position if body.position is not None else _next_position(session),
            services=_unique(body.services),
            computed_status=ComponentStatus.OPERATIONAL.value,
            override_status=body.status.value if body.status else None,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        recompute_in(session, state)
        changed_in(session, state, store)
        return _component_out(row)


def update_component(
    db: Database, store: SnapshotStore, *, component_id: int, body: ComponentPatch
) -> ComponentOut:
    sent = body.model_fields_set
    with db.transaction() as session:
        state = lock_state_in(session)
        row = _load(session, component_id, group=False)
        values: dict[str, Any] = {}
        if "group_id" in sent:
            _check_group(session, body.group_id, row.page_id)
            values["group_id"] = body.group_id
        if "name" in sent:
            values["name"] = body.name
        if "description" in sent:
            values["description"] = body.description or None
        if "position" in sent:
            values["position"] = body.position
        if "services" in sent:
            values["services"] = _unique(body.services)
        if "status" in sent:
            values["override_status"] = body.status.value if body.status else None
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = clock.now()
        recompute_in(session, state)
        changed_in(session, state, store)
        return _component_out(row)


def delete_component(db: Database, store: SnapshotStore, *, component_id: int) -> None:
    with db.transaction() as session:
        state = lock_state_in(session)
        session.delete(_load(session, component_id, group=False))
        changed_in(session, state, store)


def create_group(db: Database, store: SnapshotStore, *, body: GroupCreate) -> GroupOut:
    with db.transaction() as session:
        state = lock_state_in(session)
        page_in(session, body.page_id)
        now = clock.now()
        row = StatusComponent(
            page_id=body.page_id,
            is_group=True,
            name=body.name,
            description=body.description or None,
            position=body.position if body.position is not None else _next_position(session),
            services=[],
            computed_status=ComponentStatus.OPERATIONAL.value,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        changed_in(session, state, store)
        return _group_out(session, row)


def update_group(
    db: Database, store: SnapshotStore, *, group_id: int, body: GroupPatch
) -> GroupOut:
    with db.transaction() as session:
        state = lock_state_in(session)
        row = _load(session, group_id, group=True)
        for name in body.model_fields_set:
            value = getattr(body, name)
            setattr(row, name, (value or None) if name == "description" else value)
        row.updated_at = clock.now()
        changed_in(session, state, store)
        return _group_out(session, row)


def delete_group(db: Database, store: SnapshotStore, *, group_id: int) -> None:
    """Delete a group; its components stay, ungrouped."""
    with db.transaction() as session:
        state = lock_state_in(session)
        row = _load(session, group_id, group=True)
        for member in session.scalars(
            select(StatusComponent).where(StatusComponent.group_id == row.id)
        ):
            member.group_id = None
        session.flush()
        session.delete(row)
        changed_in(session, state, store)


def set_rule(db: Database, store: SnapshotStore, *, body: Rule) -> Rule:
    """Replace the severity→status rule (severities left out keep their default)."""
    with db.transaction() as session:
        state = lock_state_in(session)
        state.rule = {k.value: v.value for k, v in body.rule.items()}
        recompute_in(session, state)
        changed_in(session, state, store)
        return Rule(rule=rule_of(state))


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))
