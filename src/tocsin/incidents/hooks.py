"""The event every incident change publishes: :class:`IncidentChanged`.

Features that react to incidents (paging starts on open and stops on acknowledge or resolve;
alerts follow their incident) are subscribed to it in ``tocsin.assembly``, so incidents
depend on none of them. A listener runs inside the transaction of the change, with its
session (:mod:`tocsin.hooks`): whatever it writes (timers, outbox rows) commits or rolls back
together with the change itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tocsin import hooks
from tocsin.core.lifecycle import Status
from tocsin.core.severity import Severity


@dataclass(frozen=True)
class IncidentChanged:
    incident_id: int
    kind: str  # the timeline event kind: declared, status_changed, severity_changed, ...
    status: Status
    severity: Severity
    services: tuple[str, ...]
    actor: str
    at: datetime
    version: int
    data: dict[str, Any] = field(default_factory=dict)
    private: bool = False  # listeners that tell people outside tell no one of a private one


def publish(session: Session, change: IncidentChanged) -> None:
    """Run every listener of incident changes in ``session``'s transaction."""
    hooks.publish(session, change)


def publish_many(session: Session, changes: Sequence[IncidentChanged]) -> None:
    """Publish many changes (incidents opened together): each listener takes them all."""
    hooks.publish_many(session, changes)
