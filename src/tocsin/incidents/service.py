"""Incident use cases: the one module other features and the routes import.

The use cases live in :mod:`tocsin.incidents.commands` (every change, through the one path that
writes the new state and exactly one timeline event), :mod:`tocsin.incidents.queries`
(reads), :mod:`~tocsin.incidents.roles`, :mod:`~tocsin.incidents.stakeholders` and
:mod:`~tocsin.incidents.reminders` (the timer handler, ``fire_reminder`` here),
:mod:`~tocsin.incidents.reminding` (the remind step every reminder shares, ``remind_in``).
This module re-exports them, so callers keep one import
(``from tocsin.incidents import service as incidents_service``) and look each function up on
it at call time.
"""

from __future__ import annotations

from tocsin.core.visibility import EVERYONE, NOBODY, Reader
from tocsin.incidents.batch import Declarations, Refused
from tocsin.incidents.commands import (
    Policies,
    add_note,
    change_severity,
    change_status,
    change_status_in,
    declare,
    declare_in,
    edit_details,
    learning_done_in,
    lock_if_open_in,
    mark_published_in,
    post_update,
    record_event,
    settle_learning,
)
from tocsin.incidents.members import (
    add_member,
    add_member_in,
    list_members,
    remove_member,
    set_private,
)
from tocsin.incidents.queries import (
    IncidentBrief,
    IncidentFilter,
    affecting,
    brief_in,
    events_in,
    get_incident,
    list_incidents,
    list_updates,
    open_severities_by_service,
    reference,
    snapshot,
    timeline,
)
from tocsin.incidents.reminders import TIMER_KIND as REMINDER_TIMER_KIND
from tocsin.incidents.reminders import fire as fire_reminder
from tocsin.incidents.reminding import Overdue, Recipient, remind_in
from tocsin.incidents.roles import assign_role, unassign_role
from tocsin.incidents.stakeholders import add_stakeholder, list_stakeholders, remove_stakeholder
from tocsin.incidents.visibility import (
    hidden_among_in,
    hidden_ids,
    may_see_in,
    reader_of,
    refuse_hidden_in,
    visible_ids,
    visible_to,
)

__all__ = [
    "EVERYONE",
    "NOBODY",
    "REMINDER_TIMER_KIND",
    "Declarations",
    "IncidentBrief",
    "IncidentFilter",
    "Overdue",
    "Policies",
    "Reader",
    "Recipient",
    "Refused",
    "add_member",
    "add_member_in",
    "add_note",
    "add_stakeholder",
    "affecting",
    "assign_role",
    "brief_in",
    "change_severity",
    "change_status",
    "change_status_in",
    "declare",
    "declare_in",
    "edit_details",
    "events_in",
    "fire_reminder",
    "get_incident",
    "hidden_among_in",
    "hidden_ids",
    "learning_done_in",
    "list_incidents",
    "list_members",
    "list_stakeholders",
    "list_updates",
    "lock_if_open_in",
    "mark_published_in",
    "may_see_in",
    "open_severities_by_service",
    "post_update",
    "reader_of",
    "record_event",
    "reference",
    "refuse_hidden_in",
    "remind_in",
    "remove_member",
    "remove_stakeholder",
    "set_private",
    "settle_learning",
    "snapshot",
    "timeline",
    "unassign_role",
    "visible_ids",
    "visible_to",
]
