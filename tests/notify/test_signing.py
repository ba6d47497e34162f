from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tocsin.notify import signing

# The official vector of the Standard Webhooks test suite.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_matches_the_official_vector() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE


def test_new_secret_is_whsec_and_24_random_bytes() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert signing.new_secret() != secret


def test_the_reference_library_verifies_our_signature() -> None:
    secret, body, now = signing.new_secret(), b'{"type":"incident.page"}', int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signing.sign(secret, "msg_1", now, body),
    }
    assert Webhook(secret).verify(body.decode(), headers) == {"type": "incident.page"}


def test_the_reference_library_refuses_a_tampered_body() -> None:
    secret, now = signing.new_secret(), int(time.time())
    signature = signing.sign(secret, "msg_1", now, b'{"a":1}')
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": signature}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify('{"a":2}', headers)


@given(
    msg_id=st.text(min_size=1, max_size=40),
    timestamp=st.integers(min_value=0, max_value=4_000_000_000),
    body=st.text(max_size=200),
)
def test_signatures_equal_the_reference_library(msg_id: str, timestamp: int, body: str) -> None:
    theirs = Webhook(VECTOR_SECRET).sign(msg_id, datetime.fromtimestamp(timestamp, UTC), body)
    assert signing.sign(VECTOR_SECRET, msg_id, timestamp, body.encode()) == theirs


@pytest.mark.parametrize("secret", ["whsec_not base64!", "whsec_", ""])
def test_a_malformed_secret_is_a_value_error(secret: str) -> None:
    with pytest.raises(ValueError):
        signing.sign(secret, "msg_1", 0, b"")
