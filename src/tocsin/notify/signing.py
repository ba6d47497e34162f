"""Standard Webhooks signatures (scheme ``v1``: HMAC-SHA256).

The signed content is ``"{webhook-id}.{webhook-timestamp}.{body}"`` over the exact bytes
sent. A secret is ``whsec_`` followed by the base64 of the key; the key, not the text of the
secret, keys the HMAC. A ``webhook-signature`` header may hold several space-separated
``version,signature`` entries (during a secret rotation); any valid ``v1`` entry passes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from tocsin import clock

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


def new_secret() -> str:
    """A fresh secret: ``whsec_`` + base64 of 24 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside ``secret``; ``ValueError`` when it is not valid base64."""
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret must be 'whsec_' followed by base64") from None
    if not key:
        raise ValueError("a webhook secret must not be empty")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one attempt: ``v1,<base64 HMAC-SHA256>``."""
    return "v1," + _digest(secret_key(secret), msg_id, timestamp, body)


def verify(
    secret: str,
    msg_id: str,
    timestamp: int | str,
    body: bytes,
    signature: str,
    *,
    now: int | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when one ``v1`` entry of ``signature`` matches and the timestamp is fresh.

    ``now`` (unix seconds) defaults to the clock; a timestamp more than ``tolerance``
    seconds away from it, in either direction, fails (replay protection).
    """
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    current = int(clock.now().timestamp()) if now is None else now
    if abs(current - sent_at) > tolerance:
        return False
    expected = _digest(secret_key(secret), msg_id, sent_at, body)
    for entry in signature.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return True
    return False
