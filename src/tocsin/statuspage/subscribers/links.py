"""Signed links of a subscription: confirm (expires) and unsubscribe (does not).

A token is ``{id}.{expires}.{signature}`` or ``{id}.{signature}``; the signature (the
instance's ``SecretBox.sign``, as for acknowledge links) covers the purpose, the id, the
subscription's random ``nonce`` and the expiry, so nothing in it can be changed and a link
dies with its subscription. Nothing of a token is stored.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from tocsin import clock
from tocsin.crypto import SecretBox
from tocsin.errors import Forbidden

CONFIRM_TTL = timedelta(days=7)
CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"


def _message(purpose: str, subscriber_id: int, nonce: str, expires: int | None) -> str:
    return f"statuspage-subscriber:{purpose}:{subscriber_id}:{nonce}:{expires or ''}"


def token(box: SecretBox, purpose: str, subscriber_id: int, nonce: str) -> str:
    if purpose == CONFIRM:
        expires = int((clock.now() + CONFIRM_TTL).timestamp())
        signature = box.sign(_message(purpose, subscriber_id, nonce, expires))
        return f"{subscriber_id}.{expires}.{signature}"
    return f"{subscriber_id}.{box.sign(_message(purpose, subscriber_id, nonce, None))}"


def url(base_url: str, page_id: int, purpose: str, signed: str) -> str:
    return f"{base_url}/subscribe/{page_id}/{purpose}?token={quote(signed)}"


def subscriber_of(signed: str) -> int | None:
    """The subscription id a token names (not yet verified); None if it is not a token."""
    head = signed.split(".", 1)[0]
    if head.isascii() and head.isdigit() and 0 < len(head) < 11:
        return int(head)
    return None


def verify(box: SecretBox, purpose: str, signed: str, nonce: str) -> None:
    """Raise ``Forbidden`` unless ``signed`` is a live ``purpose`` token of this subscription."""
    parts = signed.split(".")
    invalid = Forbidden(f"this {purpose} link is not valid", field="token")
    subscriber_id = subscriber_of(signed)
    if subscriber_id is None:
        raise invalid
    if purpose == CONFIRM:
        if len(parts) != 3 or not (parts[1].isascii() and parts[1].isdigit()):
            raise invalid
        expires = int(parts[1])
        if not box.verify(_message(purpose, subscriber_id, nonce, expires), parts[2]):
            raise invalid
        if clock.now().timestamp() >= expires:
            raise Forbidden("this confirmation link has expired: subscribe again", field="token")
        return
    if len(parts) != 2 or not box.verify(_message(purpose, subscriber_id, nonce, None), parts[1]):
        raise invalid
