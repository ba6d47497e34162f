"""Faults injected through the wiring, on a server of the test's own.

A test that needs a change to fail subscribes :class:`IncidentFault` to the hooks of a
:class:`~tocsin.db.Database` object of its own (``tocsin.hooks``) and serves the real app
on it (:func:`faulty_server`): the listener runs inside the transaction of every incident
change there, like the features' listeners, and raises when it is armed. Nothing of the
running code is replaced, and the suite's shared server, whose Database object has hooks
of its own, never sees the fault, even on the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tests.conftest import Api, serving
from tests.peers import free_port
from tocsin.db import Database
from tocsin.incidents.hooks import IncidentChanged
from tocsin.web.app import create_app

Picks = Callable[[IncidentChanged], bool]


def declared_with(word: str) -> Picks:
    """Picks the declaring of an incident whose title has ``word`` in it."""
    return lambda change: change.kind == "declared" and word in change.data["title"]


def any_declared(change: IncidentChanged) -> bool:
    return change.kind == "declared"


class IncidentFault:
    """Raise ``error`` in the transaction of the incident changes ``when`` picks, while armed."""

    def __init__(self) -> None:
        self._armed: list[tuple[Picks, Exception]] = []

    def __call__(self, session: Session, change: IncidentChanged) -> None:
        for when, error in self._armed:
            if when(change):
                raise error

    @contextmanager
    def armed(self, error: Exception, when: Picks = any_declared) -> Iterator[None]:
        entry = (when, error)
        self._armed.append(entry)
        try:
            yield
        finally:
            self._armed.remove(entry)


@dataclass
class FaultyServer:
    api: Api
    fault: IncidentFault


@contextmanager
def faulty_server(shared: Api) -> Iterator[FaultyServer]:
    """The real app on the shared server's database, through a Database object of its own
    whose hooks also run an :class:`IncidentFault` (disarmed until a test arms it)."""
    settings = shared.settings.model_copy(update={"port": free_port()})
    db = Database(settings.database_url)
    app = create_app(settings, db)  # the assembly subscribes the features' listeners first
    fault = IncidentFault()
    db.hooks.subscribe(IncidentChanged, fault)
    try:
        with serving(settings, db, app) as api:
            yield FaultyServer(api, fault)
    finally:
        db.dispose()
