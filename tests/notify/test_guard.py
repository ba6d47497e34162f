"""The connection guard: refuses inside its block, and nowhere else in the process."""

from __future__ import annotations

import contextvars
import socket
import threading
from ipaddress import ip_address

import pytest

from tests.peers import Receiver
from tocsin.notify.guard import ConnectRefused, guarding
from tocsin.notify.urls import Allow


def connect(port: int, host: str = "127.0.0.1") -> None:
    with socket.create_connection((host, port), timeout=10):
        pass


def test_inside_the_block_an_internal_address_is_refused(receiver: Receiver) -> None:
    with guarding(Allow()) as scope, pytest.raises(ConnectRefused, match=r"address 127\.0\.0\.1"):
        connect(receiver.port)
    assert scope.refused == ["the internal address 127.0.0.1"]
    connect(receiver.port)  # after the block, as before


def test_a_raw_socket_given_a_name_is_refused() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with sock, guarding(Allow()), pytest.raises(ConnectRefused):
        sock.connect(("localhost", 9))


def test_datagrams_to_an_internal_address_are_refused() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with sock, guarding(Allow()), pytest.raises(ConnectRefused):
        sock.sendto(b"<14>tocsin", ("127.0.0.1", 9))


def test_allowed_networks_and_trusted_addresses_pass(receiver: Receiver) -> None:
    with guarding(Allow.of(["127.0.0.0/8"])):
        connect(receiver.port)
    with guarding(Allow(), trusted=[ip_address("127.0.0.1")]):  # a name allowed by name
        connect(receiver.port)


def test_other_threads_are_not_guarded(receiver: Receiver) -> None:
    outcome: list[str] = []

    def elsewhere() -> None:
        try:
            connect(receiver.port)
            outcome.append("connected")
        except OSError as exc:
            outcome.append(type(exc).__name__)

    with guarding(Allow()):
        plain = threading.Thread(target=elsewhere)  # a thread of its own: not guarded
        plain.start()
        plain.join()
        copied = threading.Thread(target=contextvars.copy_context().run, args=(elsewhere,))
        copied.start()  # a thread handed this context (as Apprise does): guarded
        copied.join()
    assert outcome == ["connected", "ConnectRefused"]
