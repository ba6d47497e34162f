"""What ``tocsin serve`` asks of uvicorn, the same with one process or ``--workers N``.

The HTTP protocol is the status fast path (:mod:`tocsin.web.fast_http`); TLS, when a
certificate is set, is asyncio's, underneath that protocol, so the fast path and the rest
answer HTTPS alike. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from
``trusted_proxies`` (uvicorn would otherwise take its own default, or the
``FORWARDED_ALLOW_IPS`` environment variable): from a trusted proxy, the client address is
the right-most one in ``X-Forwarded-For`` that is not a trusted proxy itself.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

from tocsin.config import Settings
from tocsin.web.fast_http import StatusFastPath

_REASONS = {
    "KEY_VALUES_MISMATCH": "the private key is not the certificate's",
    "BAD_DECRYPT": "the private key has a passphrase (give it unencrypted)",
    "None": "not a PEM certificate and an unencrypted PEM private key",
}


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": False,
        "http": StatusFastPath,  # public status documents answered in the protocol
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }
    if settings.tls_certfile:
        options["ssl_certfile"] = settings.tls_certfile
        options["ssl_keyfile"] = settings.tls_keyfile or None
    return options


def tls_problem(settings: Settings) -> str | None:
    """Why the certificate and key cannot answer TLS (a file missing or unreadable, a key
    that is not the certificate's, a key with a passphrase), or None: said before the port
    opens rather than by each connection's failed handshake."""
    if not settings.tls_certfile:
        return "--keyfile needs --certfile" if settings.tls_keyfile else None
    files = (("--certfile", settings.tls_certfile), ("--keyfile", settings.tls_keyfile))
    for option, path in files:
        if path and not os.access(path, os.R_OK):
            return f"{option} {path}: no such file, or not readable"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # A passphrase is not asked for (it would wait on the terminal): such a key fails.
        context.load_cert_chain(settings.tls_certfile, settings.tls_keyfile or None, password="")
    except ssl.SSLError as error:
        reason = _REASONS.get(str(error.reason), str(error.reason or error))
        key = f" / --keyfile {settings.tls_keyfile}" if settings.tls_keyfile else ""
        return f"--certfile {settings.tls_certfile}{key}: {reason}"
    return None
