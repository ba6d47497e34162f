"""Words of a notification, from plain incident data (pure: no I/O, no clock).

``incident`` is a mapping with ``reference`` ("INC-12"), ``title``, ``severity`` ("SEV1"),
``status``, ``services`` (names) and ``url`` (the incident's page); ``id`` is optional.
Missing keys render as blanks rather than failing: a page must go out even when the data
is incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tocsin.notify.channels.base import Message

SUBJECT_LIMIT = 200
PAGE_EVENT = "incident.page"
RESOLVED_EVENT = "incident.resolved"
REMINDER_EVENT = "incident.reminder"
UPDATE_EVENT = "incident.update"


def one_line(value: object, limit: int = SUBJECT_LIMIT) -> str:
    """``value`` as one line (no CR/LF or other control characters), cut at ``limit``."""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _services(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable):
        return [one_line(v, 100) for v in value]
    return []


def _fields(incident: Mapping[str, Any]) -> dict[str, Any]:
    raw_id = incident.get("id")
    return {
        "id": raw_id if isinstance(raw_id, int) else None,
        "reference": one_line(incident.get("reference") or "", 40),
        "title": one_line(incident.get("title") or ""),
        "severity": one_line(incident.get("severity") or "", 20),
        "status": one_line(incident.get("status") or "", 40),
        "services": _services(incident.get("services")),
        "url": incident.get("url") or None,
    }


def _subject(tag: str, fields: Mapping[str, Any]) -> str:
    parts = [f"[{tag}]" if tag else "", fields["reference"], fields["title"]]
    return one_line(" ".join(p for p in parts if p))


def _lines(fields: Mapping[str, Any]) -> list[str]:
    lines = [f"Status: {fields['status']}"] if fields["status"] else []
    if fields["services"]:
        lines.append("Services: " + ", ".join(fields["services"]))
    return lines


def _links(ack_url: str | None, url: str | None) -> list[str]:
    links = [f"Acknowledge: {ack_url}"] if ack_url else []
    if url:
        links.append(f"Details: {url}")
    return ["", *links] if links else []


def page_message(
    *,
    idempotency_key: str,
    incident: Mapping[str, Any],
    level: int,
    ack_url: str | None,
) -> Message:
    """A page for ``incident`` at escalation ``level`` (1 = the first level)."""
    fields = _fields(incident)
    heading = " ".join(p for p in (fields["severity"], fields["reference"]) if p) or "Incident"
    lines = [f"{heading}: {fields['title']}", *_lines(fields)]
    if level > 1:
        lines.append(f"Escalated: level {level} (earlier levels did not acknowledge)")
    return Message(
        idempotency_key=idempotency_key,
        subject=_subject(fields["severity"], fields),
        text="\n".join([*lines, *_links(ack_url, fields["url"])]),
        event=PAGE_EVENT,
        incident_id=fields["id"],
        ack_url=ack_url,
        data={**fields, "level": level},
    )


def resolved_message(*, idempotency_key: str, incident: Mapping[str, Any]) -> Message:
    """The notice that ``incident`` is resolved, for those who were paged."""
    fields = _fields(incident)
    heading = " ".join(p for p in (fields["severity"], fields["reference"]) if p) or "Incident"
    lines = [f"Resolved — {heading}: {fields['title']}", *_lines(fields)]
    return Message(
        idempotency_key=idempotency_key,
        subject=_subject("RESOLVED", fields),
        text="\n".join([*lines, *_links(None, fields["url"])]),
        event=RESOLVED_EVENT,
        incident_id=fields["id"],
        data=fields,
    )


def reminder_message(
    *, idempotency_key: str, incident: Mapping[str, Any], what: str, due: str, role: str
) -> Message:
    """A reminder to ``role`` that ``what`` (an internal update, ...) was due at ``due``."""
    fields = _fields(incident)
    heading = " ".join(p for p in (fields["severity"], fields["reference"]) if p) or "Incident"
    lines = [
        f"Reminder — {heading}: {fields['title']}",
        f"The {one_line(what, 80)} was due at {one_line(due, 40)} and is overdue.",
        f"You are reminded as {one_line(role, 60)}.",
        *_lines(fields),
    ]
    return Message(
        idempotency_key=idempotency_key,
        subject=_subject("OVERDUE", fields) + f" — {one_line(what, 80)}",
        text="\n".join([*lines, *_links(None, fields["url"])]),
        event=REMINDER_EVENT,
        incident_id=fields["id"],
        data={**fields, "reminder": what, "due_at": due},
    )


def update_message(
    *, idempotency_key: str, incident: Mapping[str, Any], update: Mapping[str, Any]
) -> Message:
    """An internal update for a stakeholder: ``update`` has ``status``, ``impact``,
    ``actions``, ``posted_at`` and ``next_update_due_at`` (texts, as they were written)."""
    fields = _fields(incident)
    heading = " ".join(p for p in (fields["severity"], fields["reference"]) if p) or "Incident"
    blocks = [
        f"Update — {heading}: {fields['title']}\nPosted: {update.get('posted_at') or '—'}",
        f"Current status:\n{update.get('status') or ''}",
        f"Impact:\n{update.get('impact') or ''}",
        f"What is being done:\n{update.get('actions') or ''}",
        f"Next update by: {update.get('next_update_due_at') or '—'}",
    ]
    return Message(
        idempotency_key=idempotency_key,
        subject=_subject("UPDATE", fields),
        text="\n\n".join([*blocks, *([f"Details: {fields['url']}"] if fields["url"] else [])]),
        event=UPDATE_EVENT,
        incident_id=fields["id"],
        data={**fields, "update": dict(update)},
    )
