"""Wake the worker as soon as new due work commits, instead of letting it poll.

A use case that writes a timer or an outbox row calls ``after_commit(session)``. When that
session's transaction commits, workers in this process wake at once; on PostgreSQL a
``NOTIFY tocsin_work`` in the same transaction reaches workers in other processes too.
"""

from __future__ import annotations

import threading

from sqlalchemy import event, text
from sqlalchemy.orm import Session

CHANNEL = "tocsin_work"
_WAKE_KEY = "tocsin_wake_worker"
_event = threading.Event()


def after_commit(session: Session) -> None:
    """Ask for a wake-up once this session's transaction has committed."""
    if session.info.get(_WAKE_KEY):
        return
    session.info[_WAKE_KEY] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


@event.listens_for(Session, "after_commit")
def _wake_on_commit(session: Session) -> None:
    if session.info.pop(_WAKE_KEY, False):
        _event.set()


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_WAKE_KEY, None)


def wake() -> None:
    _event.set()


def wait(timeout: float) -> bool:
    """Block until woken or ``timeout`` seconds pass; True when woken."""
    woken = _event.wait(timeout)
    _event.clear()
    return woken
