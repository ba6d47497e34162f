"""Postmortem use cases: the one module other features, the routes and the assembly import.

Written in :mod:`~tocsin.postmortems.opening` (opening, by itself on resolution or by hand),
:mod:`~tocsin.postmortems.workflow` (sections, review, publishing, comments),
:mod:`~tocsin.postmortems.timeline`, :mod:`~tocsin.postmortems.actions`,
:mod:`~tocsin.postmortems.document`, :mod:`~tocsin.postmortems.reminders`,
:mod:`~tocsin.postmortems.index` and :mod:`~tocsin.postmortems.search` (full-text search), the
blamelessness check (:mod:`~tocsin.postmortems.blameless`) and the exports
(:mod:`~tocsin.postmortems.files`).
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
from tocsin.postmortems.blameless import BlamelessReport, findings_in
from tocsin.postmortems.blameless import check_postmortem as check_blameless
from tocsin.postmortems.document import DocumentSection, PostmortemDocument, document
from tocsin.postmortems.files import export
from tocsin.postmortems.index import on_incident_changed as index_on_incident_changed
from tocsin.postmortems.index import refresh_in as refresh_index_in
from tocsin.postmortems.opening import on_incident_changed, open_in, open_postmortem
from tocsin.postmortems.reminders import TIMER_KIND as REMINDER_TIMER_KIND
from tocsin.postmortems.reminders import fire as fire_reminder
from tocsin.postmortems.search import of_incidents_in, search, similar_titles_in
from tocsin.postmortems.timeline import annotate, get_timeline
from tocsin.postmortems.workflow import (
    add_comment,
    edit_sections,
    find_for_incident,
    get_postmortem,
    get_sections,
    incident_id_of_in,
    list_comments,
    list_postmortems,
    move,
    postmortem_of_incident,
)

__all__ = [
    "REMINDER_TIMER_KIND",
    "BlamelessReport",
    "DocumentSection",
    "ItemFacts",
    "ItemFilter",
    "PostmortemDocument",
    "add_comment",
    "add_item",
    "annotate",
    "check_blameless",
    "document",
    "edit_item",
    "edit_sections",
    "export",
    "find_for_incident",
    "findings_in",
    "fire_reminder",
    "get_postmortem",
    "get_sections",
    "get_timeline",
    "incident_id_of_in",
    "index_on_incident_changed",
    "items_created_between",
    "items_of",
    "list_comments",
    "list_items",
    "list_postmortems",
    "move",
    "of_incidents_in",
    "on_incident_changed",
    "open_in",
    "open_postmortem",
    "postmortem_of_incident",
    "refresh_index_in",
    "search",
    "similar_titles_in",
]
