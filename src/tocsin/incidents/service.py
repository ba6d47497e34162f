"""Incident use cases: the one module other features and the routes import.

The use cases live in :mod:`tocsin.incidents.commands` (every change, through the one path that
writes the new state and exactly one timeline event) and :mod:`tocsin.incidents.queries`
(reads). This module re-exports them, so callers keep one import
(``from tocsin.incidents import service as incidents_service``) and look each function up on
it at call time.
"""

from __future__ import annotations

from tocsin.incidents.commands import (
    Policies,
    add_note,
    assign_role,
    change_severity,
    change_status,
    change_status_in,
    declare,
    declare_in,
    edit_details,
    lock_if_open_in,
    post_update,
    record_event,
    settle_learning,
    unassign_role,
)
from tocsin.incidents.queries import (
    IncidentFilter,
    get_incident,
    list_incidents,
    list_updates,
    open_severities_by_service,
    reference,
    snapshot,
    timeline,
)

__all__ = [
    "IncidentFilter",
    "Policies",
    "add_note",
    "assign_role",
    "change_severity",
    "change_status",
    "change_status_in",
    "declare",
    "declare_in",
    "edit_details",
    "get_incident",
    "list_incidents",
    "list_updates",
    "lock_if_open_in",
    "open_severities_by_service",
    "post_update",
    "record_event",
    "reference",
    "settle_learning",
    "snapshot",
    "timeline",
    "unassign_role",
]
