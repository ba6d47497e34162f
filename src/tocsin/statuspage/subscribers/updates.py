"""What subscribers are sent: each public update, and a scheduled maintenance's notices
(announced, a reminder before it starts, started, completed, cancelled)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tocsin.statuspage.maintenance.hooks import MaintenanceNotice
from tocsin.statuspage.render import page_info
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.subscribers.delivery import notify_subscribers_in
from tocsin.statuspage.tables import PublicIncident, PublicUpdate, StatusPage
from tocsin.templating import templates

UPDATE_EVENT = "statuspage.incident.update"
MAINTENANCE_EVENT = "statuspage.maintenance.notice"
_NOTICE_TITLES = {
    "announced": "Scheduled maintenance",
    "reminder": "Maintenance starts soon",
    "started": "Maintenance in progress",
    "completed": "Maintenance completed",
    "cancelled": "Maintenance cancelled",
}


def _label(status: str) -> str:
    return status.replace("_", " ").capitalize()


def notify_update_in(
    session: Session, store: SnapshotStore, *, incident: PublicIncident, update: PublicUpdate
) -> int:
    """Queue ``update`` (flushed: it has an id) for the subscribers of its incident's page."""
    page = session.get(StatusPage, incident.page_id)
    assert page is not None  # the page's incidents go with it
    info = page_info(page, base_url=store.base_url, default_name=store.default_name)
    url = f"{info.url}/incidents/{incident.id}/"
    status = _label(update.status)
    html = templates.env.get_template("subscribers/update.html").render(
        incident=incident.name, status=status, page=info.name, body=update.body, url=url
    )
    return notify_subscribers_in(
        session,
        page_id=incident.page_id,
        component_ids=list(incident.component_ids),
        key=f"statuspage-update:{update.id}",
        subject=f"[{info.name}] {incident.name}: {status}",
        text=f"{incident.name}\n{status} · {info.name}\n\n{update.body}\n\nDetails: {url}",
        html=html,
        url=url,
        event=UPDATE_EVENT,
        data={
            "page": {"id": info.number, "name": info.name, "url": info.url},
            "incident": {
                "id": incident.id,
                "name": incident.name,
                "status": incident.status,
                "impact": incident.impact,
                "components": list(incident.component_ids),
            },
            "update": {
                "id": update.id,
                "status": update.status,
                "body": update.body,
                "created_at": update.created_at.isoformat(),
            },
        },
    )


def on_maintenance_notice(
    session: Session, notice: MaintenanceNotice, *, store: SnapshotStore
) -> None:
    """Queue a maintenance's notice for the subscribers of its page and components (once:
    the key names the maintenance and the kind of notice)."""
    page = session.get(StatusPage, notice.page_id)
    assert page is not None
    info = page_info(page, base_url=store.base_url, default_name=store.default_name)
    url = f"{info.url}/maintenances/{notice.maintenance_id}/"
    title = _NOTICE_TITLES[notice.kind]
    window = f"{notice.scheduled_for:%Y-%m-%d %H:%M} – {notice.scheduled_until:%Y-%m-%d %H:%M} UTC"
    affected = ", ".join(notice.components)
    lines = [notice.name, f"{title} · {info.name}", window]
    if affected:
        lines.append(f"Affects: {affected}")
    text = "\n".join(lines) + (f"\n\n{notice.body}" if notice.body else "") + f"\n\nDetails: {url}"
    html = templates.env.get_template("subscribers/update.html").render(
        incident=notice.name,
        status=f"{title} · {window}",
        page=info.name,
        body="\n".join(filter(None, [f"Affects: {affected}" if affected else "", notice.body])),
        url=url,
    )
    notify_subscribers_in(
        session,
        page_id=notice.page_id,
        component_ids=list(notice.component_ids),
        key=f"statuspage-maintenance:{notice.maintenance_id}:{notice.kind}",
        subject=f"[{info.name}] {title}: {notice.name}",
        text=text,
        html=html,
        url=url,
        event=MAINTENANCE_EVENT,
        data={
            "page": {"id": info.number, "name": info.name, "url": info.url},
            "maintenance": {
                "id": notice.maintenance_id,
                "name": notice.name,
                "notice": notice.kind,
                "status": notice.status.value,
                "scheduled_for": notice.scheduled_for.isoformat(),
                "scheduled_until": notice.scheduled_until.isoformat(),
                "components": list(notice.component_ids),
                "body": notice.body,
            },
        },
    )
