"""What subscribers are sent when a public update is posted."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tocsin.statuspage.render import page_info
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.subscribers.delivery import notify_subscribers_in
from tocsin.statuspage.tables import PublicIncident, PublicUpdate, StatusPage
from tocsin.templating import templates

UPDATE_EVENT = "statuspage.incident.update"


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
