"""Refuse user-configured URLs that point inside the network (SSRF), unless allowed.

A webhook, chat or Apprise URL entered by a user is checked when it is saved and again
right before each delivery (DNS can change in between). Loopback, private, link-local,
multicast and reserved addresses are refused unless ``TOCSIN_OUTBOUND_ALLOW`` lists the
network (CIDR) or the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from tocsin.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _internal(address: Address) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allowed(host: str, address: Address, allow: Sequence[str]) -> bool:
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def check_outbound_url(url: str, *, allow: Sequence[str], field: str = "url") -> str:
    """Return ``url`` if it is http(s) and every address it resolves to may be reached."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{field}: must be an http:// or https:// URL with a host", field=field)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"{field}: host {host!r} cannot be resolved ({exc})", field=field
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if _internal(address) and not _allowed(host, address, allow):
            raise InvalidInput(
                f"{field}: {host} resolves to the internal address {address}; add it to "
                "TOCSIN_OUTBOUND_ALLOW to permit it",
                field=field,
            )
    return url
