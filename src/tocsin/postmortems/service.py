"""Postmortem use cases: the one module other features, the routes and the assembly import.

Written in :mod:`~tocsin.postmortems.opening` (opening, by itself on resolution or by hand),
:mod:`~tocsin.postmortems.workflow` (sections, review, publishing, comments),
:mod:`~tocsin.postmortems.timeline`, :mod:`~tocsin.postmortems.actions`,
:mod:`~tocsin.postmortems.document` and :mod:`~tocsin.postmortems.reminders`.
"""

from __future__ import annotations

from tocsin.postmortems.actions import (
    ItemFacts,
    ItemFilter,
    add_item,
    edit_item,
    items_created_between,
    items_of,
    list_items,
)
from tocsin.postmortems.document import DocumentSection, PostmortemDocument, document
from tocsin.postmortems.opening import on_incident_changed, open_in, open_postmortem
from tocsin.postmortems.reminders import TIMER_KIND as REMINDER_TIMER_KIND
from tocsin.postmortems.reminders import fire as fire_reminder
from tocsin.postmortems.timeline import annotate, get_timeline
from tocsin.postmortems.workflow import (
    add_comment,
    edit_sections,
    find_for_incident,
    get_postmortem,
    get_sections,
    list_comments,
    list_postmortems,
    move,
    postmortem_of_incident,
)

__all__ = [
    "REMINDER_TIMER_KIND",
    "DocumentSection",
    "ItemFacts",
    "ItemFilter",
    "PostmortemDocument",
    "add_comment",
    "add_item",
    "annotate",
    "document",
    "edit_item",
    "edit_sections",
    "find_for_incident",
    "fire_reminder",
    "get_postmortem",
    "get_sections",
    "get_timeline",
    "items_created_between",
    "items_of",
    "list_comments",
    "list_items",
    "list_postmortems",
    "move",
    "on_incident_changed",
    "open_in",
    "open_postmortem",
    "postmortem_of_incident",
]
