"""One line of plain English per timeline event, for pages and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class EventLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


def _label(role: str) -> str:
    return role.replace("_", " ").title()


def _instant(value: object) -> str:
    """A stored ISO instant as a person reads it (UTC, to the minute)."""
    if not value:
        return "—"
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(value)


def describe(event: EventLike) -> str:
    d = event.data
    match event.kind:
        case "declared":
            services = ", ".join(d.get("services") or []) or "no service named"
            return (
                f"Declared {d.get('severity')} ({d.get('status')}): {d.get('title')} — {services}"
            )
        case "status_changed":
            text = f"Status {d.get('from')} → {d.get('to')}"
            return f"{text}: {d['message']}" if d.get("message") else text
        case "severity_changed":
            return f"Severity {d.get('from')} → {d.get('to')}: {d.get('reason')}"
        case "role_assigned":
            handover = f" (handed over from {d['previous']})" if d.get("previous") else ""
            return f"{_label(d.get('role', ''))}: {d.get('holder')}{handover}"
        case "role_unassigned":
            holders = ", ".join(d.get("holders") or [])
            return f"{_label(d.get('role', ''))} released by {holders}"
        case "update_posted":
            return (
                f"Update — status: {d.get('status')} · impact: {d.get('impact')} · "
                f"doing: {d.get('actions')} · "
                f"next update by {_instant(d.get('next_update_due_at'))}"
            )
        case "note_added":
            return f"Note: {d.get('body')}"
        case "learning_settled":
            reason = f": {d['reason']}" if d.get("reason") else ""
            return f"Learning phase {d.get('to')}{reason}"
        case "reminder_sent" | "reminder_unsent":
            return _reminder(event.kind, d)
        case "first_published":
            return "First public acknowledgement: published on the status page" + (
                "" if d.get("met", True) else f" (it was due at {_instant(d.get('due_at'))})"
            )
        case "stakeholder_added" | "stakeholder_removed":
            verb = "added" if event.kind == "stakeholder_added" else "removed"
            return f"Stakeholder {verb}: {d.get('who')}"
        case "stakeholders_unreachable":
            people = ", ".join(d.get("people") or [])
            return f"Update not mailed to {people}: {d.get('reason')}"
        case "details_changed":
            return "Details changed: " + ", ".join(sorted(d.get("to", {})))
        case _:
            return event.kind.replace("_", " ").capitalize()


def _reminder(kind: str, d: dict[str, Any]) -> str:
    what = "internal update" if d.get("reminder") == "update" else "first public acknowledgement"
    passed = "; ".join(
        f"{_label(s.get('role', ''))}: {s.get('reason')}" for s in d.get("skipped") or []
    )
    skipped = f" (passed over — {passed})" if passed else ""
    if kind == "reminder_unsent":
        return f"The {what} due at {d.get('due_at')} is overdue; no one could be reminded{skipped}"
    person = (d.get("person") or {}).get("name")
    role = _label(d.get("role", ""))
    return f"Reminded {person} ({role}): the {what} due at {d.get('due_at')} is overdue{skipped}"
