"""Action items: what a postmortem decides to change, tracked to done (or won't do, with a
reason). A published postmortem keeps its items' other fields as they were: only the status
(and its reason) still changes. ``list_items`` lists them across postmortems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core import postmortems as rules
from tocsin.core.postmortems import ITEM_UNFINISHED, ItemStatus, PostmortemStatus
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.incidents import service as incidents_service
from tocsin.oncall import service as oncall_service
from tocsin.postmortems import index, reminders
from tocsin.postmortems.opening import resolve_owner
from tocsin.postmortems.schemas import ActionItemCreate, ActionItemOut, ActionItemPatch, OwnerOut
from tocsin.postmortems.tables import ActionItem, Postmortem
from tocsin.postmortems.workflow import load
from tocsin.storage import Page, get_or_404, keyset_page


def items_out(session: Session, rows: Sequence[ActionItem]) -> list[ActionItemOut]:
    if not rows:
        return []
    found = session.execute(
        select(Postmortem.id, Postmortem.incident_id).where(
            Postmortem.id.in_({r.postmortem_id for r in rows})
        )
    )
    incidents = {postmortem_id: incident_id for postmortem_id, incident_id in found}
    today = clock.now().date()
    return [
        ActionItemOut(
            id=r.id,
            postmortem_id=r.postmortem_id,
            incident_id=incidents[r.postmortem_id],
            title=r.title,
            owner=OwnerOut(person_id=r.owner_person_id, name=r.owner_name),
            due_on=r.due_on,
            priority=r.priority,
            status=ItemStatus(r.status),
            reason=r.reason,
            tracker_url=r.tracker_url,
            overdue=rules.item_overdue(ItemStatus(r.status), r.due_on, today),
            created_at=r.created_at,
            updated_at=r.updated_at,
            completed_at=r.completed_at,
        )
        for r in rows
    ]


def add_item(
    db: Database, *, postmortem_id: int, actor: str, body: ActionItemCreate
) -> ActionItemOut:
    priority = rules.parse_priority(body.priority)
    url = rules.tracker_url(body.tracker_url)
    with db.transaction() as session:
        row = load(session, postmortem_id, for_update=True)
        rules.check_editable(PostmortemStatus(row.status), "adding action items")
        person_id, name = resolve_owner(session, body.owner)
        now = clock.now()
        item = ActionItem(
            postmortem_id=row.id,
            title=body.title,
            owner_person_id=person_id,
            owner_name=name,
            due_on=body.due_on,
            priority=priority,
            status=ItemStatus.OPEN.value,
            tracker_url=url,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(item)
        session.flush()
        reminders.sync_item_in(session, item)
        index.refresh_in(session, row.id)
        return items_out(session, [item])[0]


def edit_item(db: Database, *, item_id: int, actor: str, patch: ActionItemPatch) -> ActionItemOut:
    changes = patch.model_dump(exclude_unset=True)
    with db.transaction() as session:
        item = get_or_404(session, ActionItem, item_id, "action item", for_update=True)
        row = load(session, item.postmortem_id, for_update=True)
        if set(changes) - {"status", "reason"}:
            rules.check_editable(PostmortemStatus(row.status), "changing more than the status")
        if "title" in changes:
            item.title = patch.title
            index.refresh_in(session, row.id)
        if "owner" in changes:
            item.owner_person_id, item.owner_name = resolve_owner(session, patch.owner)
        if "due_on" in changes:
            item.due_on = patch.due_on
        if "priority" in changes:
            item.priority = rules.parse_priority(patch.priority)
        if "tracker_url" in changes:
            item.tracker_url = rules.tracker_url(patch.tracker_url)
        if "status" in changes or "reason" in changes:
            status = patch.status if "status" in changes else ItemStatus(item.status)
            item.reason = rules.item_status(status, patch.reason or item.reason)
            _set_status(item, status)
        item.updated_at = clock.now()
        item.version += 1
        reminders.sync_item_in(session, item)
        return items_out(session, [item])[0]


def _set_status(item: ActionItem, status: ItemStatus) -> None:
    if status.value != item.status:
        item.completed_at = None if status in ITEM_UNFINISHED else clock.now()
    item.status = status.value


def items_of(db: Database, *, postmortem_id: int) -> list[ActionItemOut]:
    with db.reading() as session:
        load(session, postmortem_id)
        return items_out(session, items_in(session, postmortem_id))


def items_in(session: Session, postmortem_id: int) -> list[ActionItem]:
    return list(
        session.scalars(
            select(ActionItem)
            .where(ActionItem.postmortem_id == postmortem_id)
            .order_by(ActionItem.id)
        )
    )


@dataclass(frozen=True)
class ItemFilter:
    statuses: Sequence[ItemStatus] = ()
    owner: str | None = None  # a person's id (digits) or an owner's name
    team_id: int | None = None  # items of incidents on the services the team owns
    service: str | None = None


def list_items(
    db: Database, *, where: ItemFilter, limit: int, reader: Reader, cursor: str | None = None
) -> Page[ActionItemOut]:
    """Items across postmortems, oldest first, paginated by id (none of a private incident
    hidden from ``reader``)."""
    hidden = select(Postmortem.id).where(
        Postmortem.incident_id.in_(incidents_service.hidden_ids(reader))
    )
    query = select(ActionItem).where(ActionItem.postmortem_id.not_in(hidden))
    if where.statuses:
        query = query.where(ActionItem.status.in_([s.value for s in where.statuses]))
    if where.owner:
        if where.owner.isdigit():
            query = query.where(ActionItem.owner_person_id == int(where.owner))
        else:
            query = query.where(ActionItem.owner_name == where.owner)
    with db.reading() as session:
        services: list[str] = []
        if where.team_id is not None:
            services = oncall_service.services_of_team_in(session, team_id=where.team_id)
        if where.service:
            services = (
                [where.service]
                if where.team_id is None
                else ([where.service] if where.service in services else [])
            )
        if where.team_id is not None or where.service:
            incidents = incidents_service.affecting(services)
            query = query.where(
                ActionItem.postmortem_id.in_(
                    select(Postmortem.id).where(Postmortem.incident_id.in_(incidents))
                )
            )
        return keyset_page(
            session,
            query,
            ActionItem.id,
            limit=limit,
            cursor=cursor,
            descending=False,
            out=lambda rows: items_out(session, rows),
        )


def items_created_between(session: Session, since: datetime, until: datetime) -> list[ItemFacts]:
    """The action items created in ``[since, until)``, as the metrics' completion rate reads
    them: status, when it became done, and the end (UTC) of its due date."""
    query = select(
        ActionItem.created_at, ActionItem.status, ActionItem.due_on, ActionItem.completed_at
    ).where(ActionItem.created_at >= since, ActionItem.created_at < until)
    return [
        ItemFacts(
            created_at=created,
            status=ItemStatus(status),
            due_at=None if due_on is None else datetime.combine(due_on, time.max, UTC),
            done_at=completed if status == ItemStatus.DONE.value else None,
        )
        for created, status, due_on, completed in session.execute(query)
    ]


@dataclass(frozen=True)
class ItemFacts:
    created_at: datetime
    status: ItemStatus
    due_at: datetime | None  # the last moment of the due date (an item is late the day after)
    done_at: datetime | None
