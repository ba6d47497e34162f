"""Standard Webhooks signatures (scheme ``v1``: HMAC-SHA256).

The signed content is ``"{webhook-id}.{webhook-timestamp}.{body}"`` over the exact bytes
sent. A secret is ``whsec_`` followed by the base64 of the key; the key, not the text of the
secret, keys the HMAC. Receivers verify with any Standard Webhooks library (the tests use the
reference one); a receiver should refuse a ``webhook-timestamp`` more than five minutes off.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


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
