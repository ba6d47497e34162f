"""Check every socket a block of code connects, for code we cannot hand a transport to.

Apprise's plugins open their own connections (``requests``, ``smtplib``, raw sockets), and
resolve names themselves, so checking a URL before calling Apprise leaves DNS rebinding
open. Inside ``with guarding(allow):`` every IPv4/IPv6 ``connect``, ``sendto`` and
``sendmsg`` is checked against the outbound rule as it happens, and a refused one raises
``ConnectRefused`` (an ``OSError``, so libraries treat it as a failed connection) before a
packet leaves. A socket given a host name rather than an address (rare: ``requests`` and
``smtplib`` resolve first and connect to each address) has the name's current addresses
checked.

The check is a ``sys.addaudithook`` hook, installed once per process: no library function
is replaced. It acts only where the context variable set by ``guarding`` is visible, that
is in the guarded call and in the threads it starts with a copy of its context (Apprise
does); every other thread, request and application in the process is left alone.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from tocsin.notify import urls

_EVENTS = frozenset({"socket.connect", "socket.sendto", "socket.sendmsg"})
_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class ConnectRefused(OSError):
    """A guarded socket was about to reach an address the outbound rule refuses."""


@dataclass
class Scope:
    allow: urls.Allow
    trusted: frozenset[urls.Address] = frozenset()  # of host names the allow list names
    refused: list[str] = field(default_factory=list)  # what was refused, for the delivery


_scope: ContextVar[Scope | None] = ContextVar("tocsin_outbound_guard", default=None)
_installed = False
_installing = threading.Lock()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS:
        return
    scope = _scope.get()
    if scope is None or len(args) < 2:
        return
    sock, target = args[0], args[1]
    if getattr(sock, "family", None) not in _FAMILIES or not isinstance(target, tuple):
        return
    host = str(target[0])
    address = urls.parse_address(host)
    if address is not None:
        addresses = [address]
    elif scope.allow.lists_name(host):
        return
    else:  # a name the socket will resolve itself: check what it resolves to now
        try:
            addresses = [a for a in map(urls.parse_address, urls.system_resolver(host, 0)) if a]
        except OSError:
            return  # the socket's own lookup fails the same way
    for address in addresses:
        if address not in scope.trusted and not urls.reachable(address, scope.allow):
            refused = f"the internal address {address}"
            scope.refused.append(refused)
            raise ConnectRefused(
                f"refused to connect to {refused}; add it to TOCSIN_OUTBOUND_ALLOW"
            )


def _install() -> None:
    global _installed
    with _installing:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True


@contextmanager
def guarding(allow: urls.Allow, trusted: Iterable[urls.Address] = ()) -> Iterator[Scope]:
    """Check the sockets opened inside the block; ``trusted`` addresses pass as they are."""
    _install()
    scope = Scope(allow=allow, trusted=frozenset(trusted))
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
