"""The events a maintenance publishes, inside the transaction of its change (``tocsin.hooks``).

- :class:`MaintenanceNotice`: for people (subscribers): announced, reminder, started,
  completed or cancelled, each at most once per maintenance.
- :class:`MaintenanceWindowChanged`: for machines: whether the maintenance now holds its
  services' alerts back, and until when (``tocsin.alerts.maintenance_silences`` keeps the
  silences in step). Published whenever that may have changed: on start, on completion,
  and on edits while it runs.

``tocsin.assembly`` subscribes the listeners; the status page imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tocsin.core.maintenance import MaintenanceStatus, NoticeKind


@dataclass(frozen=True)
class MaintenanceNotice:
    page_id: int
    maintenance_id: int
    kind: NoticeKind
    name: str
    status: MaintenanceStatus
    scheduled_for: datetime
    scheduled_until: datetime
    components: tuple[str, ...]  # the affected components' names
    component_ids: tuple[int, ...]
    body: str  # the newest public update's text ("" if none)
    at: datetime


@dataclass(frozen=True)
class MaintenanceWindowChanged:
    page_id: int
    maintenance_id: int
    name: str
    services: tuple[str, ...]  # the services of its components
    silence: bool  # True: hold back these services' alerts until ``until``
    until: datetime
    at: datetime
