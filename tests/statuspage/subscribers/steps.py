"""Shared steps of the subscriber tests: a page of one's own, subscribing, mail links."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import httpx

from tests.builders import unique
from tests.conftest import Api
from tests.peers import Mail, SmtpServer
from tests.statuspage.helpers import BASE, created
from tocsin.worker.loop import Worker

LINK = re.compile(r"https?://\S+/subscribe/\d+/(?:confirm|unsubscribe)\?token=\S+")


def new_page(api: Api) -> dict[str, Any]:
    slug = unique("subs")
    return created(api.admin.post(f"{BASE}/pages", json={"slug": slug, "name": f"Page {slug}"}))


def component(api: Api, page_id: int, name: str, group_id: int | None = None) -> int:
    body = {"name": unique(name), "page_id": page_id, "group_id": group_id}
    return int(created(api.responder.post(f"{BASE}/components", json=body))["id"])


def subscribe(api: Api, page_id: int, **body: Any) -> httpx.Response:
    with api.anonymous() as anonymous:
        return anonymous.post(f"{BASE}/pages/{page_id}/subscribe", json=body)


def mails_to(smtp: SmtpServer, address: str) -> list[Mail]:
    return [m for m in smtp.mailbox.received if address in m.rcpt_tos]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link(message: EmailMessage, purpose: str) -> str:
    found = [u for u in LINK.findall(text_of(message)) if f"/{purpose}?" in u]
    assert found, text_of(message)
    return found[0]


def subscribed(api: Api, worker: Worker, smtp: SmtpServer, page_id: int, **body: Any) -> str:
    """An email subscriber, confirmed by the button behind its confirmation link; its address."""
    address = f"{unique('reader')}@example.com"
    response = subscribe(api, page_id, email=address, **body)
    assert response.status_code == 202, response.text
    worker.run_until_idle()
    (confirmation,) = mails_to(smtp, address)
    confirmed = httpx.post(link(confirmation.message, "confirm"), timeout=30)
    assert confirmed.status_code == 200, confirmed.text
    return address


def publish(api: Api, page_id: int, **fields: Any) -> dict[str, Any]:
    body = {"page_id": page_id, "name": "Checkout errors", "body": "We are looking.", **fields}
    return created(api.responder.post(f"{BASE}/incidents", json=body))


def post_update(api: Api, public_id: int, body: str, status: str = "identified") -> None:
    update = {"status": status, "body": body}
    created(api.responder.post(f"{BASE}/incidents/{public_id}/updates", json=update))


def subscribers(api: Api, page_id: int) -> list[dict[str, Any]]:
    response = api.responder.get(f"{BASE}/pages/{page_id}/subscribers")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
