"""Slack incoming webhooks: a header (severity and title), the text, and buttons.

The target's address is the incoming-webhook URL Slack gives (it is a credential: it is
masked in logs). Slack answers 200 ``ok``; its errors (``invalid_payload``,
``channel_not_found``...) come back as 4xx with a short code in the body, which we record.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tocsin.notify import urls
from tocsin.notify.channels import http_post
from tocsin.notify.channels.base import Delivery, Message, Target

HEADER_LIMIT = 150  # Slack's limit for a header block's text
SECTION_LIMIT = 3000  # ... and for a section's text
BUTTON_LIMIT = 75  # ... and for a button's
MAX_LINK_BUTTONS = 5  # the runbook and source links beside Acknowledge and Open incident


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    """Slack mrkdwn treats ``&``, ``<`` and ``>`` as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _button(label: str, url: str, action_id: str, *, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "url": url,
        "action_id": action_id,
    }
    if primary:
        button["style"] = "primary"
    return button


def _alert_buttons(alert: object) -> list[dict[str, Any]]:
    """The runbook and the source links of a page's alert (``tocsin.alerts.page_context``)."""
    if not isinstance(alert, dict):
        return []
    found = [("Runbook", alert.get("runbook_url"))]
    found += [(link.get("label"), link.get("url")) for link in alert.get("links") or []]
    buttons = []
    for number, (label, url) in enumerate(found):
        if isinstance(label, str) and isinstance(url, str) and url:
            buttons.append(_button(_cut(label, BUTTON_LIMIT), url, f"tocsin_link_{number}"))
    return buttons[:MAX_LINK_BUTTONS]


def payload(message: Message) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(message.subject, HEADER_LIMIT)},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _cut(_escape(message.text), SECTION_LIMIT)},
        },
    ]
    buttons = []
    if message.ack_url:
        buttons.append(_button("Acknowledge", message.ack_url, "tocsin_ack", primary=True))
    incident_url = message.data.get("url")
    if isinstance(incident_url, str) and incident_url:
        buttons.append(_button("Open incident", incident_url, "tocsin_open"))
    buttons += _alert_buttons(message.data.get("alert"))
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    # The top-level text is the notification's fallback and is read as mrkdwn too: a title
    # holding "<!channel>" or "<https://x|link>" must stay text there as in the blocks.
    return {"text": _escape(message.subject), "blocks": blocks}


class SlackChannel:
    kind = "slack"

    def __init__(
        self,
        *,
        allow: Sequence[str],
        timeout: float = 5.0,
        resolve: urls.Resolver = urls.system_resolver,
    ) -> None:
        self.allow = tuple(allow)
        self.timeout = timeout
        self.resolve = resolve

    def send(self, target: Target, message: Message) -> Delivery:
        body = json.dumps(payload(message), ensure_ascii=False).encode()
        return http_post.post(
            target.address,
            body,
            headers={},
            allow=self.allow,
            timeout=self.timeout,
            resolve=self.resolve,
        )
