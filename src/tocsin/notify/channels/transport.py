"""An httpx client whose connections go only to addresses the outbound rule allows.

Checking a URL and then letting the HTTP library resolve it again leaves a gap: the name
can resolve to a public address for the check and to an internal one for the connection
(DNS rebinding). Here httpcore's network backend does the resolving itself, checks every
address, connects to the checked IP, and checks the socket's peer before any byte of the
request is written. The URL, and so the ``Host`` header, TLS SNI and certificate check,
keep the host name. Environment proxies are not used: a proxy would resolve the name itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import httpcore
import httpx

from tocsin.notify import urls

SocketOption = httpcore.SOCKET_OPTION


class PinnedBackend(httpcore.NetworkBackend):
    def __init__(self, allow: urls.Allow, resolve: urls.Resolver) -> None:
        self.allow, self.resolve = allow, resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = urls.check_host(
            host, port, allow=self.allow, field="address", resolve=self.resolve
        )
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            try:
                peer = urls.parse_address(str(stream.get_extra_info("socket").getpeername()[0]))
                if peer is None:
                    raise urls.OutboundRefused("address: the peer has no IP address")
                urls.check_address(peer, host=host, allow=self.allow, field="address")
            except BaseException:
                stream.close()
                raise
            return stream
        assert failure is not None  # check_host returns at least one address
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        raise urls.OutboundRefused("address: Unix sockets are not an outbound destination")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, errors, TLS) over ``PinnedBackend``."""

    def __init__(self, allow: urls.Allow, resolve: urls.Resolver) -> None:
        super().__init__(trust_env=False)
        # httpx does not take a network backend, so its pool is replaced by an equal one
        # that has ours (``_pool`` is private; the channel tests fail if httpx renames it).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=PinnedBackend(allow, resolve),
        )


@functools.cache
def client(timeout: float, allow: urls.Allow, resolve: urls.Resolver) -> httpx.Client:
    """One pooled client per configuration, shared by all threads (httpx clients are
    thread-safe): a new client per message would pay for a TLS context and a connection
    every time. A kept-alive connection is reused only for the same scheme, host and port,
    and its peer was checked when it was opened."""
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        transport=PinnedTransport(allow, resolve),
    )
