"""What runs with a database's transactions: in-transaction listeners, and after-commit work.

Each :class:`~tocsin.db.Database` owns one :class:`Hooks`. ``tocsin.assembly`` subscribes
every listener to it when the application is put together (nothing subscribes at import
time); a use case publishes an event inside its transaction and each listener runs there
with the same session, so whatever a listener writes commits or rolls back with the change.
Work that must wait for the commit (waking a worker, telling an in-memory cache) is handed
to :func:`after_commit` and dropped if the transaction rolls back.

Sessions find their hooks in ``session.info``, which the Database's session factories fill,
so two databases in one process never share listeners.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

E = TypeVar("E")
Listener = Callable[[Session, Any], None]
ManyListener = Callable[[Session, Sequence[Any]], None]

HOOKS_KEY = "tocsin.hooks"
_AFTER_COMMIT = "tocsin.after_commit"


class Hooks:
    """Listeners by event type, run in the order they were subscribed."""

    def __init__(self) -> None:
        self._listeners: dict[type[Any], list[Listener]] = {}
        self._many: dict[Listener, ManyListener] = {}

    def subscribe(
        self,
        kind: type[E],
        listener: Callable[[Session, E], None],
        *,
        many: Callable[[Session, Sequence[E]], None] | None = None,
    ) -> None:
        """Run ``listener(session, event)`` in the transaction of every ``kind`` published.

        ``many``, if given, does what ``listener`` does for each of a sequence of events, in
        fewer statements: :meth:`publish_many` calls it once instead.
        """
        self._listeners.setdefault(kind, []).append(listener)
        if many is not None:
            self._many[listener] = many

    def listeners(self, kind: type[Any]) -> tuple[Listener, ...]:
        return tuple(self._listeners.get(kind, ()))

    def publish(self, session: Session, published: object) -> None:
        for listener in self._listeners.get(type(published), ()):
            listener(session, published)

    def publish_many(self, session: Session, published: Sequence[object]) -> None:
        """Publish events of one type: each listener takes them all, in their order, before
        the next listener (its ``many`` form when it has one)."""
        if not published:
            return
        for listener in self._listeners.get(type(published[0]), ()):
            many = self._many.get(listener)
            if many is not None:
                many(session, published)
                continue
            for one in published:
                listener(session, one)

    def serve(self, factory: sessionmaker[Session]) -> None:
        """Give the sessions of ``factory`` these hooks, and run their after-commit work."""
        factory.kw.setdefault("info", {})[HOOKS_KEY] = self
        event.listen(factory, "after_commit", _run_after_commit)
        event.listen(factory, "after_soft_rollback", _forget_after_commit)


def hooks_of(session: Session) -> Hooks:
    """The hooks of the database ``session`` belongs to."""
    hooks: Hooks = session.info[HOOKS_KEY]
    return hooks


def publish(session: Session, published: object) -> None:
    """Run the listeners of ``published``'s type, inside ``session``'s transaction."""
    hooks_of(session).publish(session, published)


def publish_many(session: Session, published: Sequence[object]) -> None:
    """:meth:`Hooks.publish_many` on the hooks of ``session``'s database."""
    hooks_of(session).publish_many(session, published)


def after_commit(session: Session, work: Callable[[], None], *, key: Hashable = None) -> None:
    """Run ``work`` once the transaction of ``session`` commits (not at all if it rolls back).

    With a ``key``, the same work asked for again in the same transaction runs once.
    """
    pending: dict[object, Callable[[], None]] = session.info.setdefault(_AFTER_COMMIT, {})
    pending.setdefault(key if key is not None else object(), work)


def _run_after_commit(session: Session) -> None:
    for work in session.info.pop(_AFTER_COMMIT, {}).values():
        work()


def _forget_after_commit(session: Session, _previous: object) -> None:
    if not session.in_transaction():
        session.info.pop(_AFTER_COMMIT, None)
