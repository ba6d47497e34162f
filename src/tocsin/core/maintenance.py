"""Scheduled maintenance on the status page: its lifecycle as pure functions (no I/O).

A maintenance is announced ``scheduled`` for a window (``scheduled_for`` to
``scheduled_until``), goes ``in_progress`` when it starts (by hand, or at ``scheduled_for``
with ``auto_start``), may be ``verifying`` (and back to ``in_progress``), and ends
``completed`` (by hand, or at ``scheduled_until`` with ``auto_complete``). A maintenance
that never started may be cancelled: it ends ``completed`` too, as in Statuspage.

- It starts only before its window ends (move ``scheduled_until`` first otherwise).
- Its times move while it is scheduled; once it runs only ``scheduled_until`` moves, and
  never into the past; a completed one no longer changes.
- Its reminder is due ``remind_before`` ahead of ``scheduled_for``; none when that moment is
  already past at the announcement (the announcement is the reminder).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


class Action(StrEnum):
    START = "start"
    VERIFY = "verify"
    COMPLETE = "complete"
    CANCEL = "cancel"


class NoticeKind(StrEnum):
    """What subscribers hear of a maintenance: each once per maintenance at most."""

    ANNOUNCED = "announced"
    REMINDER = "reminder"
    STARTED = "started"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ACTIVE = frozenset({MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING})

_S = MaintenanceStatus
TRANSITIONS: dict[tuple[MaintenanceStatus, Action], MaintenanceStatus] = {
    (_S.SCHEDULED, Action.START): _S.IN_PROGRESS,
    (_S.SCHEDULED, Action.CANCEL): _S.COMPLETED,
    (_S.IN_PROGRESS, Action.VERIFY): _S.VERIFYING,
    (_S.IN_PROGRESS, Action.COMPLETE): _S.COMPLETED,
    (_S.VERIFYING, Action.START): _S.IN_PROGRESS,
    (_S.VERIFYING, Action.COMPLETE): _S.COMPLETED,
}
"""Every allowed (status, action) and the status it leads to; anything else is refused."""

_BY_STATUS: dict[MaintenanceStatus, Action] = {
    _S.IN_PROGRESS: Action.START,
    _S.VERIFYING: Action.VERIFY,
    _S.COMPLETED: Action.COMPLETE,
}


class MaintenanceRuleViolation(Exception):
    """A change the lifecycle refuses; ``field`` names what to fix."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Window:
    scheduled_for: datetime
    scheduled_until: datetime


def check_window(window: Window) -> None:
    """Both times aware, and the window ends after it starts."""
    for name in ("scheduled_for", "scheduled_until"):
        if getattr(window, name).tzinfo is None:
            raise MaintenanceRuleViolation(f"{name}: give a time zone (e.g. Z)", field=name)
    if window.scheduled_until <= window.scheduled_for:
        message = "scheduled_until: must be after scheduled_for"
        raise MaintenanceRuleViolation(message, field="scheduled_until")


def transition(
    status: MaintenanceStatus, action: Action, *, now: datetime, window: Window
) -> MaintenanceStatus:
    """The status ``action`` leads to from ``status`` at ``now``, or a violation."""
    target = TRANSITIONS.get((status, action))
    if target is None:
        raise MaintenanceRuleViolation(
            f"status: a {status.value} maintenance cannot {action.value}", field="status"
        )
    if action is Action.START and status is _S.SCHEDULED and now >= window.scheduled_until:
        message = "scheduled_until: the window is over; move scheduled_until to start it"
        raise MaintenanceRuleViolation(message, field="scheduled_until")
    return target


def action_for(status: MaintenanceStatus, wanted: MaintenanceStatus) -> Action | None:
    """The action an update with status ``wanted`` means (None: the status stays)."""
    if wanted is status:
        return None
    if wanted is _S.SCHEDULED:
        raise MaintenanceRuleViolation(
            "status: a maintenance never goes back to scheduled", field="status"
        )
    return _BY_STATUS[wanted]


def reschedule(status: MaintenanceStatus, old: Window, new: Window, *, now: datetime) -> Window:
    """The window after an edit, or a violation (which time may move depends on the status)."""
    check_window(new)
    if new == old:
        return new
    if status is _S.COMPLETED:
        raise MaintenanceRuleViolation(
            "status: a completed maintenance does not move", field="status"
        )
    if status in ACTIVE:
        if new.scheduled_for != old.scheduled_for:
            message = "scheduled_for: the maintenance has started; only scheduled_until moves"
            raise MaintenanceRuleViolation(message, field="scheduled_for")
        if new.scheduled_until <= now:
            message = "scheduled_until: must be in the future while the maintenance runs"
            raise MaintenanceRuleViolation(message, field="scheduled_until")
    return new


def reminder_at(
    scheduled_for: datetime, remind_before: timedelta, *, announced_at: datetime
) -> datetime | None:
    """When the reminder is due; None when that is not after the announcement."""
    if remind_before <= timedelta(0):
        return None
    due = scheduled_for - remind_before
    return due if due > announced_at else None


def auto_action(
    status: MaintenanceStatus,
    due: Action,
    *,
    now: datetime,
    window: Window,
    auto_start: bool,
    auto_complete: bool,
) -> Action | None:
    """What a due timer ``due`` does now: the action, or None when it no longer applies.

    A start timer starts a scheduled maintenance whose window is not over; a complete timer
    completes a running one. A maintenance nobody started is left for a person to handle.
    """
    if due is Action.START and auto_start and status is _S.SCHEDULED:
        return Action.START if now < window.scheduled_until else None
    if due is Action.COMPLETE and auto_complete and status in ACTIVE:
        return Action.COMPLETE
    return None


def notice_for(old: MaintenanceStatus, new: MaintenanceStatus, action: Action) -> NoticeKind | None:
    """The notice a transition earns; None for verifying and its way back."""
    if action is Action.CANCEL:
        return NoticeKind.CANCELLED
    if old is _S.SCHEDULED and new is _S.IN_PROGRESS:
        return NoticeKind.STARTED
    if new is _S.COMPLETED:
        return NoticeKind.COMPLETED
    return None
