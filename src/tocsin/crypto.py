"""Encryption for secrets Tocsin must read back (webhook signing secrets, chat webhook URLs).

Secrets Tocsin only needs to check (API tokens, integration keys) are hashed instead, in
their own features. The key comes from ``TOCSIN_SECRET_KEY``; without it, a key file
(``TOCSIN_SECRET_KEY_FILE``, default ``./tocsin.key``) is created on first use with mode 0600.
Replicas must share the same key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from tocsin.errors import TocsinError


class SecretUnreadable(TocsinError):
    status = 500
    code = "secret_unreadable"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._mac_key = hashlib.sha256(b"tocsin-signing:" + key).digest()

    @classmethod
    def from_settings(cls, key: str, key_file: str) -> SecretBox:
        if key:
            return cls(key.encode())
        path = Path(key_file).expanduser()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def sign(self, message: str) -> str:
        """A URL-safe MAC of ``message`` (signed acknowledge links, calendar feed URLs)."""
        mac = hmac.new(self._mac_key, message.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")

    def verify(self, message: str, signature: str) -> bool:
        """Constant-time check; any non-ASCII ``signature`` is simply wrong (``compare_digest``
        raises on non-ASCII text, which must not become a 500)."""
        return signature.isascii() and hmac.compare_digest(self.sign(message), signature)

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(
                "a stored secret cannot be decrypted: TOCSIN_SECRET_KEY differs from the key "
                "it was sealed with"
            ) from None
