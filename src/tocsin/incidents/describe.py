"""One line of plain English per timeline event, for pages and the CLI."""

from __future__ import annotations

from typing import Any, Protocol


class EventLike(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...


def _label(role: str) -> str:
    return role.replace("_", " ").title()


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
                f"doing: {d.get('actions')} · next update by {d.get('next_update_due_at') or '—'}"
            )
        case "note_added":
            return f"Note: {d.get('body')}"
        case "learning_settled":
            reason = f": {d['reason']}" if d.get("reason") else ""
            return f"Learning phase {d.get('to')}{reason}"
        case "details_changed":
            return "Details changed: " + ", ".join(sorted(d.get("to", {})))
        case _:
            return event.kind.replace("_", " ").capitalize()
