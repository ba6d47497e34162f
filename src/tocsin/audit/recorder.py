"""Recording every change of a watched table, from the ORM's flushes, in the same transaction.

Every use case writes configuration through the ORM, so its flushes are the one place all
those writes pass through: after each flush of a write session, the rows of watched tables
(:mod:`tocsin.audit.watched`) that were added, changed or deleted are noted with who is acting
(:mod:`tocsin.access.acting`), from their attribute history. Just before the commit the notes
of the whole transaction become entries, one per object (a schedule replaced in two flushes
is one entry; a field set and set back is none), written in the same transaction: a change
and its entry commit or roll back together. Writes made with Core statements add their own
note with :func:`note`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import InstanceState, Mapper, Session, SessionTransaction, UOWTransaction

from tocsin import clock
from tocsin.access import acting
from tocsin.access.acting import Acting
from tocsin.audit import watched
from tocsin.audit.tables import AuditEntry
from tocsin.core import audit as rules
from tocsin.db import Base, Database

_NOTES = "tocsin.audit"
_SAVED = "tocsin.audit.savepoints"  # the notes as each savepoint began, by its transaction


@dataclass
class Note:
    """What a transaction did to one object so far."""

    kind: str
    object_id: str | None
    label: str | None
    acting: Acting
    first: str  # the first action seen: create, update, delete, sign_in
    deleted: bool = False  # deleted at some point of the transaction
    before: dict[str, Any] = field(default_factory=dict)  # the earliest value of each field
    after: dict[str, Any] = field(default_factory=dict)  # the latest
    secret: tuple[str, ...] = ()
    removed: dict[str, list[Any]] = field(default_factory=dict)  # parts, by field
    added: dict[str, list[Any]] = field(default_factory=dict)


def watch(db: Database) -> None:
    """Record the changes of ``db``'s write sessions (``tocsin.assembly``, once)."""
    db.listen("after_flush", _after_flush)
    db.listen("before_commit", _before_commit)
    db.listen("after_transaction_create", _savepoint_begins)
    db.listen("after_soft_rollback", _rolled_back)


def note(
    session: Session,
    *,
    action: str,
    kind: str,
    object_id: object,
    label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    secret: tuple[str, ...] = (),
    who: Acting | None = None,
) -> None:
    """Note a change the ORM does not see (a Core statement, a sign-in): it becomes an
    entry when the transaction commits, like the others."""
    _merge(
        session,
        Note(
            kind=kind,
            object_id=None if object_id is None else str(object_id),
            label=label,
            acting=who or acting.current(),
            first=action,
            deleted=action == rules.DELETE,
            before=dict(before or {}),
            after=dict(after or {}),
            secret=secret,
        ),
    )


# ------------------------------------------------------------------ from the flushes

_Kind = tuple[str, watched.Watch | watched.Part] | None


@cache
def _classify(cls: type[Any]) -> _Kind:
    """Watched, a part, or neither: one look-up per class, remembered (the hot paths' only
    cost)."""
    table: str | None = getattr(cls, "__tablename__", None)
    spec: watched.Watch | watched.Part | None = None
    if table is not None:
        spec = watched.WATCHED.get(table) or watched.PARTS.get(table)
    return (table, spec) if table is not None and spec is not None else None


def _after_flush(session: Session, context: UOWTransaction) -> None:
    # The flush's own list, not session.new/dirty/deleted: it holds the rows deleted in
    # cascade too (a schedule's layers replaced), which the session's lists never show.
    for state, (is_delete, _list_only) in context.states.items():
        found = _classify(state.class_)
        if found is None:
            continue
        _table, spec = found
        created = rules.CREATE if state.key is None else rules.UPDATE  # no identity yet: new
        action = rules.DELETE if is_delete else created
        if isinstance(spec, watched.Watch):
            _note_row(session, state, spec, action)
        else:
            _note_part(session, state, spec, action)


def _columns(mapper: Mapper[Any], skip: Iterable[str]) -> list[str]:
    skipped = set(skip) | watched.ALWAYS_IGNORED
    return [attr.key for attr in mapper.column_attrs if attr.key not in skipped]


def _values(state: InstanceState[Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: state.dict.get(name) for name in names}


def _note_row(
    session: Session, state: InstanceState[Any], spec: watched.Watch, action: str
) -> None:
    names = _columns(state.mapper, spec.ignore)
    if action == rules.CREATE:
        before, after = {}, _values(state, names)
    elif action == rules.DELETE:
        before, after = _values(state, names), {}
    else:
        before, after = {}, {}
        for name in names:
            history = state.attrs[name].history
            if history.added or history.deleted:
                before[name] = history.deleted[0] if history.deleted else None
                after[name] = history.added[0] if history.added else None
        if not after:
            return  # only ignored state changed (a heartbeat, a computed status)
    label = state.dict.get(spec.label) if spec.label else None
    identity = state.mapper.primary_key_from_instance(state.obj())[0]
    _merge(
        session,
        Note(
            kind=spec.kind,
            object_id=None if identity is None else str(identity),
            label=None if label is None else str(label),
            acting=acting.current(),
            first=action,
            deleted=action == rules.DELETE,
            before=before,
            after=after,
            secret=spec.secret,
        ),
    )


def _snapshot(state: InstanceState[Any], skip: set[str], columns: dict[str, Any]) -> Any:
    """A part as its owner's entry shows it: its ``columns`` but ids and the key to its
    owner, and the rows of its loaded collections (a layer's participants), each alike."""
    values = {name: columns.get(name) for name in _columns(state.mapper, skip)}
    for relation in state.mapper.relationships:
        if relation.uselist and relation.key in state.dict:
            own = {str(column.key) for column in relation.remote_side}
            values[relation.key] = [
                _snapshot(inspect(child), own, inspect(child).dict)
                for child in state.dict[relation.key]
            ]
    if len(values) == 1:
        return next(iter(values.values()))  # a team member is its person's id
    return values


def _note_part(
    session: Session, state: InstanceState[Any], spec: watched.Part, action: str
) -> None:
    owner_id = state.dict.get(spec.owner_key)
    owner = watched.WATCHED[spec.owner]
    if owner_id is None:
        return
    skip = {spec.owner_key}
    part = _snapshot(state, skip, state.dict)
    removed = [part] if action == rules.DELETE else []
    added = [part] if action == rules.CREATE else []
    if action == rules.UPDATE:  # changed in place: its old self removed, its new one added
        old = dict(state.dict)
        for name in _columns(state.mapper, skip):
            history = state.attrs[name].history
            if history.added or history.deleted:
                old[name] = history.deleted[0] if history.deleted else None
        if old == state.dict:
            return  # flushed for its collections only
        removed, added = [_snapshot(state, skip, old)], [part]
    _merge(
        session,
        Note(
            kind=owner.kind,
            object_id=str(owner_id),
            label=_owner_label(session, spec.owner, owner_id),
            acting=acting.current(),
            first=rules.UPDATE,
            removed={spec.field: removed},
            added={spec.field: added},
        ),
    )


@cache
def _mapper_of(table: str) -> Mapper[Any]:
    return next(m for m in Base.registry.mappers if getattr(m.local_table, "name", None) == table)


def _owner_label(session: Session, table: str, owner_id: object) -> str | None:
    """The owner's label if the session holds it already (never a query here)."""
    label = watched.WATCHED[table].label
    if label is None:
        return None
    key = _mapper_of(table).identity_key_from_primary_key((owner_id,))
    row = session.identity_map.get(key)
    value = inspect(row).dict.get(label) if row is not None else None  # loaded, or nothing
    return None if value is None else str(value)


# ------------------------------------------------------------------ one entry per object


def _merge(session: Session, incoming: Note) -> None:
    notes: dict[tuple[str, str | None], Note] = session.info.setdefault(_NOTES, {})
    key = (incoming.kind, incoming.object_id)
    if incoming.first == rules.SIGN_IN:  # every sign-in is an entry of its own
        key = (rules.SIGN_IN, str(len(notes)))
    known = notes.get(key)
    if known is None:
        notes[key] = incoming
        return
    for name, value in incoming.before.items():
        known.before.setdefault(name, value)
    known.after.update(incoming.after)
    for name, parts in incoming.removed.items():
        known.removed.setdefault(name, []).extend(parts)
    for name, parts in incoming.added.items():
        known.added.setdefault(name, []).extend(parts)
    known.deleted = known.deleted or incoming.deleted
    if incoming.first == rules.CREATE:  # its parts may have been noted first, in that flush
        known.first = rules.CREATE
    known.label = incoming.label or known.label
    known.secret = known.secret or incoming.secret


def _action(note: Note) -> str | None:
    """The one action a transaction's notes on an object add up to (None: nothing)."""
    if note.first == rules.CREATE:
        return None if note.deleted else rules.CREATE  # made and removed: nothing existed
    return rules.DELETE if note.deleted else note.first


def _entry(note: Note, at: Any) -> dict[str, Any] | None:
    action = _action(note)
    if action is None:
        return None
    before, after = rules.masked(note.before, note.after, note.secret)
    for name in sorted(set(note.removed) | set(note.added)):
        gone, came = rules.parts(note.removed.get(name, ()), note.added.get(name, ()))
        if gone or came:
            before[name], after[name] = gone, came
    if action == rules.CREATE:
        before = {}
    elif action == rules.DELETE:
        after = {}
    elif action == rules.UPDATE and not after and not before:
        return None  # set and set back
    who = note.acting
    return {
        "at": at,
        "actor": who.actor[:200],
        "via": who.via[:20],
        "address": who.address[:64] if who.address else None,
        "route": who.route[:300] if who.route else None,
        "action": action,
        "object_kind": note.kind,
        "object_id": note.object_id,
        "object_label": note.label[:300] if note.label else None,
        "before": before,
        "after": after,
    }


def _before_commit(session: Session) -> None:
    session.flush()  # the commit's own flush (a no-op when clean), so its changes are noted
    if not session.info.get(_NOTES):
        return
    notes: dict[Any, Note] = session.info.pop(_NOTES, {})
    session.info.pop(_SAVED, None)
    at = clock.now()
    rows = [row for note in notes.values() if (row := _entry(note, at)) is not None]
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def _savepoint_begins(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint rolled back takes back its changes: keep the notes as they were."""
    if transaction.nested and session.info.get(_NOTES):
        saved = session.info.setdefault(_SAVED, {})
        saved[id(transaction)] = copy.deepcopy(session.info[_NOTES])


def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A savepoint's notes go with it; a transaction's, all of them."""
    if previous.nested:
        saved = session.info.get(_SAVED, {}).pop(id(previous), None)
        session.info[_NOTES] = saved or {}
    elif not session.in_transaction():
        session.info.pop(_NOTES, None)
        session.info.pop(_SAVED, None)
