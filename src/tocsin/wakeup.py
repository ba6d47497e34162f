"""Wake the worker as soon as new due work commits, instead of letting it poll.

A use case that writes a timer or an outbox row calls ``after_commit(session)``. When that
session's transaction commits, the workers of this process that use the same
:class:`~tocsin.db.Database` wake at once (its :class:`Wakeup`); on PostgreSQL a
``NOTIFY tocsin_work`` in the same transaction reaches workers in other processes too.
"""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from tocsin.hooks import after_commit as on_commit

CHANNEL = "tocsin_work"
WAKEUP_KEY = "tocsin.wakeup"
_NOTIFIED = "tocsin.wakeup.notified"


class Wakeup:
    """One database's "new work committed" signal, for the workers of this process."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Block until woken or ``timeout`` seconds pass; True when woken."""
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken


def after_commit(session: Session) -> None:
    """Ask for a wake-up once this session's transaction has committed."""
    wakeup: Wakeup = session.info[WAKEUP_KEY]
    if session.info.get(_NOTIFIED) is None and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))
    session.info[_NOTIFIED] = True
    on_commit(session, wakeup.wake, key=WAKEUP_KEY)
