"""Refuse user-configured destinations that point inside the network (SSRF), unless allowed.

One rule for every outbound connection a user's configuration can cause (webhook, Slack,
Apprise): an address may be reached iff it is globally routable, or ``TOCSIN_OUTBOUND_ALLOW``
lists its network (CIDR) or the host name it was reached by. "Globally routable" is
``ipaddress``'s ``is_global`` made stricter where Python versions disagree with the IANA
registries (site-local, local-use NAT64, 192.0.0.0/24) and for multicast. An IPv6 address
that carries an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64
``64:ff9b::/96``) ends up at that IPv4 address, so the IPv4 address must pass the rule too.

A host name passes when every address it resolves to passes. Resolving happens when a
destination is saved and again at each connection (``http_post`` connects to the exact
address it checked; ``guard`` checks Apprise's sockets as they connect), so a name that
re-resolves inside the network later (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tocsin.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> addresses``; raises ``OSError`` when the name does not resolve."""

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.0.0/24",  # IETF protocol assignments (Python < 3.12.4 calls most of it global)
        "::/96",  # IPv4-compatible (deprecated), ::, ::1
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
    )
)


class OutboundRefused(InvalidInput):
    """The destination is, or resolves to, an address the rule refuses."""


class Unresolvable(InvalidInput):
    """The host name does not resolve at this moment (it may later)."""


@dataclass(frozen=True)
class Allow:
    """``TOCSIN_OUTBOUND_ALLOW`` parsed: networks, and host names compared case-insensitively."""

    networks: tuple[Network, ...] = ()
    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entries: Sequence[str]) -> Allow:
        networks: list[Network] = []
        names: set[str] = set()
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                names.add(entry.strip().lower().rstrip("."))
        return cls(tuple(networks), frozenset(names))

    def lists_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names

    def lists(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


def parse_address(text: str) -> Address | None:
    """``text`` as an IP address (brackets and an IPv6 zone allowed), else ``None``."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def _embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def _global(address: Address) -> bool:
    if address.is_multicast or not address.is_global:
        return False
    return not any(address in network for network in _NOT_GLOBAL)


def reachable(address: Address, allow: Allow) -> bool:
    """The one rule: globally routable, or listed in ``allow`` (the IPv4 it carries counts)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a socket to ::ffff:a.b.c.d talks to a.b.c.d
    inner = _embedded(address) if isinstance(address, ipaddress.IPv6Address) else None
    if allow.lists(address) or (inner is not None and allow.lists(inner)):
        return True
    return _global(address) and (inner is None or _global(inner))


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host`` (TCP), in its order, without repeats."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except UnicodeError as exc:
        raise OSError(str(exc)) from None
    found: list[str] = []
    for info in infos:
        text = str(info[4][0])
        if text not in found:
            found.append(text)
    return found


def _refusal(host: str, address: Address, field: str) -> OutboundRefused:
    said = f"{host} resolves to" if parse_address(host) is None else "refused"
    return OutboundRefused(
        f"{field}: {said} the internal address {address}; add it to TOCSIN_OUTBOUND_ALLOW "
        "to permit it",
        field=field,
    )


def check_address(address: Address, *, host: str, allow: Allow, field: str = "url") -> None:
    """Raise ``OutboundRefused`` unless ``address`` (reached as ``host``) may be reached."""
    if not (allow.lists_name(host) or reachable(address, allow)):
        raise _refusal(host, address, field)


def check_host(
    host: str,
    port: int,
    *,
    allow: Allow,
    field: str = "url",
    resolve: Resolver = system_resolver,
) -> list[Address]:
    """The addresses of ``host``, each one checked; raises unless every one may be reached."""
    literal = parse_address(host)
    if literal is not None:
        check_address(literal, host=host, allow=allow, field=field)
        return [literal]
    try:
        found = [parse_address(text) for text in resolve(host, port)]
    except (OSError, ValueError) as exc:
        message = f"{field}: host {host!r} cannot be resolved ({exc})"
        raise Unresolvable(message, field=field) from None
    addresses = [address for address in found if address is not None]
    if not addresses:
        raise Unresolvable(f"{field}: host {host!r} resolves to no address", field=field)
    for address in addresses:
        check_address(address, host=host, allow=allow, field=field)
    return addresses


def http_host(url: str, *, field: str = "url") -> tuple[str, int]:
    """The host and port of an http(s) URL; raises ``InvalidInput`` for anything else."""
    refused = InvalidInput(f"{field}: must be an http:// or https:// URL with a host", field=field)
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise refused from None
    if parts.scheme not in ("http", "https") or not host:
        raise refused
    return host, port or (443 if parts.scheme == "https" else 80)


def check_outbound_url(
    url: str,
    *,
    allow: Sequence[str],
    field: str = "url",
    resolve: Resolver = system_resolver,
) -> str:
    """Return ``url`` if it is http(s) and every address it resolves to may be reached."""
    host, port = http_host(url, field=field)
    check_host(host, port, allow=Allow.of(allow), field=field, resolve=resolve)
    return url
