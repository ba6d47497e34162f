"""Signed webhooks in the Standard Webhooks shape.

Body: ``{"type": event, "timestamp": ISO 8601, "data": {...}}``. Headers: ``webhook-id``
(the message's idempotency key, the same on every retry, so a receiver can drop a repeat),
``webhook-timestamp`` (unix seconds of this attempt) and, when the target has a secret,
``webhook-signature`` over the exact bytes sent (see ``tocsin.notify.signing``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tocsin import clock
from tocsin.notify import signing, urls
from tocsin.notify.channels import http_post
from tocsin.notify.channels.base import Delivery, Message, Target


def payload(message: Message, *, timestamp: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "incident_id": message.incident_id,
        "subject": message.subject,
        "text": message.text,
        **message.data,
        "ack_url": message.ack_url,
    }
    return {"type": message.event, "timestamp": timestamp, "data": data}


class WebhookChannel:
    kind = "webhook"

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
        now = clock.now()
        seconds = int(now.timestamp())
        body = json.dumps(
            payload(message, timestamp=now.isoformat().replace("+00:00", "Z")),
            separators=(",", ":"),
            ensure_ascii=False,
            default=str,
        ).encode()
        headers = {"webhook-id": message.idempotency_key, "webhook-timestamp": str(seconds)}
        if target.secret:
            try:
                headers["webhook-signature"] = signing.sign(
                    target.secret, message.idempotency_key, seconds, body
                )
            except ValueError as exc:
                return Delivery(ok=False, retryable=False, error=f"secret: {exc}")
        return http_post.post(
            target.address,
            body,
            headers=headers,
            allow=self.allow,
            timeout=self.timeout,
            resolve=self.resolve,
        )
