"""Words of a notification, from plain incident data (pure: no I/O, no clock).

``incident`` is a mapping with ``reference`` ("INC-12"), ``title``, ``severity`` ("SEV1"),
``status``, ``services`` (names) and ``url`` (the incident's page); ``id`` is optional.
Missing keys render as blanks rather than failing: a page must go out even when the data
is incomplete.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from tocsin.notify.channels.base import Message

SUBJECT_LIMIT = 200
SHOWN_PEOPLE = 8  # of those paged before, and of those paged with this page
PAGE_EVENT = "incident.page"
RESOLVED_EVENT = "incident.resolved"
REMINDER_EVENT = "incident.reminder"
UPDATE_EVENT = "incident.update"
TEST_EVENT = "test.page"


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


def _links(ack_url: str | None, url: str | None, label: str = "Details") -> list[str]:
    links = [f"Acknowledge: {ack_url}"] if ack_url else []
    if url:
        links.append(f"{label}: {url}")
    return ["", *links] if links else []


def when(value: object) -> str:
    """An ISO 8601 time as ``2026-12-01 02:14 UTC`` (as given, on one line, if it is not one)."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return one_line(value, 40)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _alert_lines(alert: Mapping[str, Any], started: str | None) -> list[str]:
    name, summary = one_line(alert.get("name") or ""), one_line(alert.get("summary") or "", 1000)
    heading = f"{name} — {summary}" if name and summary and summary != name else name or summary
    more = int(alert.get("alerts") or 1) - 1
    if more > 0:
        heading += f" (+{more} more alert{'s' if more > 1 else ''})"
    lines = ["", f"Alert: {heading}"]
    if alert.get("started_at") and when(alert["started_at"]) != started:
        lines.append(f"Firing since: {when(alert['started_at'])}")
    labels = alert.get("labels") or {}
    if labels:
        lines.append(
            "Labels: "
            + ", ".join(f"{one_line(k, 100)}={one_line(v, 300)}" for k, v in labels.items())
        )
    for key, value in (alert.get("annotations") or {}).items():
        text = one_line(value, 1000)
        if text and text != summary:
            lines.append(f"{one_line(key, 100)}: {text}")
    return lines


def _paging_lines(paging: Mapping[str, Any]) -> list[str]:
    earlier = list(paging.get("paged_before") or [])
    before = [
        f"{one_line(p.get('name') or '?', 100)} (level {p.get('level')}, {when(p.get('at'))})"
        for p in earlier[-SHOWN_PEOPLE:]
    ]
    cut = (
        f"{len(earlier) - SHOWN_PEOPLE} earlier pages, then " if len(earlier) > SHOWN_PEOPLE else ""
    )
    also = [one_line(name, 100) for name in paging.get("paged_with") or []]
    if len(also) > SHOWN_PEOPLE:
        also[SHOWN_PEOPLE:] = [f"{len(also) - SHOWN_PEOPLE} more"]
    lines = [f"Paged before: {cut}{', '.join(before)}"] if before else []
    if also:
        lines.append(f"Also paged now: {', '.join(also)}")
    return ["", *lines] if lines else []


def _alert_links(alert: Mapping[str, Any]) -> list[str]:
    links = [f"Runbook: {alert['runbook_url']}"] if alert.get("runbook_url") else []
    for link in alert.get("links") or []:
        links.append(f"{one_line(link.get('label') or 'Link', 60)}: {link.get('url')}")
    return links


def page_message(
    *,
    idempotency_key: str,
    incident: Mapping[str, Any],
    level: int,
    ack_url: str | None,
    alert: Mapping[str, Any] | None = None,
    paging: Mapping[str, Any] | None = None,
) -> Message:
    """A page for ``incident`` at escalation ``level`` (1 = the first level).

    ``incident`` may add ``started_at`` (ISO 8601). ``alert`` is what the alert behind it
    says (``tocsin.alerts.page_context``: labels, annotations, runbook, source links);
    ``paging`` has ``repeat`` (this person, or this policy, was paged for it before),
    ``first_paged_at``, ``paged_before`` (``name``, ``level``, ``at`` of each earlier page)
    and ``paged_with`` (the others paged with this one).
    """
    fields = _fields(incident)
    repeat = bool(paging and paging.get("repeat"))
    heading = " ".join(p for p in (fields["severity"], fields["reference"]) if p) or "Incident"
    lines = [f"{heading}: {fields['title']}"]
    if repeat and paging is not None:
        since = f" since {when(paging['first_paged_at'])}" if paging.get("first_paged_at") else ""
        lines.append(f"REPEAT: paged again, nobody has acknowledged{since}")
    lines += _lines(fields)
    started = when(incident["started_at"]) if incident.get("started_at") else None
    if started:
        lines.append(f"Started: {started}")
    if level > 1:
        lines.append(f"Escalated: level {level} (earlier levels did not acknowledge)")
    if alert:
        lines += _alert_lines(alert, started)
    if paging:
        lines += _paging_lines(paging)
    links = _links(ack_url, fields["url"], "Open incident")
    if alert:
        links = links or [""]
        links += _alert_links(alert)
    data: dict[str, Any] = {**fields, "level": level}
    if incident.get("started_at"):
        data["started_at"] = str(incident["started_at"])
    if alert:
        data["alert"] = dict(alert)
    if paging:
        data["paging"] = {**paging, "repeat": repeat}
    tag = f"{fields['severity']} REPEAT".strip() if repeat else fields["severity"]
    return Message(
        idempotency_key=idempotency_key,
        subject=_subject(tag, fields),
        text="\n".join([*lines, *links]),
        event=PAGE_EVENT,
        incident_id=fields["id"],
        ack_url=ack_url,
        data=data,
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


def test_message(
    *, idempotency_key: str, person: str, contact: str, sent_by: str, url: str | None
) -> Message:
    """A test page: proof that ``contact`` of ``person`` reaches them; nothing to act on."""
    who, label, by = one_line(person, 200), one_line(contact, 100), one_line(sent_by, 200)
    lines = [
        f"Test page for {who}: this is how Tocsin reaches you at {label}.",
        f"Sent by {by}. There is no incident; nothing to acknowledge.",
        *_links(None, url, "Your on-call settings"),
    ]
    return Message(
        idempotency_key=idempotency_key,
        subject=one_line(f"[TEST] Tocsin test page for {who}"),
        text="\n".join(lines),
        event=TEST_EVENT,
        data={"person": who, "contact": label, "sent_by": by, "url": url},
    )
