"""The outbound rule: only globally routable addresses, or what TOCSIN_OUTBOUND_ALLOW lists."""

from __future__ import annotations

import pytest

from tests.notify.resolvers import PUBLIC, table
from tocsin.errors import InvalidInput
from tocsin.notify.urls import OutboundRefused, Unresolvable, check_outbound_url


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "100.100.100.200",  # carrier-grade NAT: cloud metadata lives here
        "100.64.0.1",
        "0.0.0.0",
        "192.0.0.8",
        "198.18.0.1",
        "224.0.0.1",  # multicast
        "255.255.255.255",
        "[::1]",
        "[::]",
        "[fe80::1]",
        "[fc00::1]",
        "[fec0::1]",  # site-local
        "[::ffff:127.0.0.1]",  # IPv4-mapped
        "[::ffff:169.254.169.254]",
        "[::127.0.0.1]",  # IPv4-compatible
        "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
        "[2002:a9fe:a9fe::]",  # 6to4 of 169.254.169.254
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[64:ff9b::a64:64c8]",  # NAT64 of 10.100.100.200
        "[64:ff9b:1::1]",  # local-use NAT64
        "[2001:db8::1]",
        "[ff0e::1]",
    ],
)
def test_addresses_that_are_not_global_are_refused(host: str) -> None:
    with pytest.raises(OutboundRefused, match="internal address"):
        check_outbound_url(f"http://{host}:8080/hook", allow=[])


@pytest.mark.parametrize(
    "host", [PUBLIC, "[2606:4700::1111]", "[::ffff:93.184.215.14]", "[64:ff9b::808:808]"]
)
def test_global_addresses_pass(host: str) -> None:
    url = f"https://{host}/hook"
    assert check_outbound_url(url, allow=[]) == url


@pytest.mark.parametrize(
    ("host", "allow"),
    [
        ("127.0.0.1", ["127.0.0.0/8"]),
        ("[::ffff:127.0.0.1]", ["127.0.0.0/8"]),  # the same socket as 127.0.0.1
        ("[64:ff9b::a00:1]", ["10.0.0.0/8"]),
        ("[fd00::5]", ["fd00::/8"]),
        ("100.100.100.200", ["100.64.0.0/10"]),
    ],
)
def test_the_allow_list_lets_networks_through(host: str, allow: list[str]) -> None:
    url = f"http://{host}/"
    assert check_outbound_url(url, allow=allow) == url


def test_a_name_on_the_allow_list_may_resolve_inside() -> None:
    resolve = table({"hooks.internal": ["10.1.2.3"]})
    check_outbound_url("http://hooks.internal/x", allow=["Hooks.Internal"], resolve=resolve)
    with pytest.raises(OutboundRefused, match=r"hooks\.internal resolves to the internal"):
        check_outbound_url("http://hooks.internal/x", allow=["other.internal"], resolve=resolve)


def test_every_address_of_a_name_must_pass() -> None:
    resolve = table({"mixed.example": [PUBLIC, "::1"]})
    with pytest.raises(OutboundRefused, match="internal address ::1"):
        check_outbound_url("http://mixed.example/", allow=[], resolve=resolve)


def test_a_name_that_does_not_resolve_is_told_apart() -> None:
    with pytest.raises(Unresolvable):
        check_outbound_url("http://nowhere.example/", allow=[], resolve=table({}))


@pytest.mark.parametrize(
    "url", ["ftp://93.184.215.14/", "http:///x", "not a url", "http://[::1/", "http://h:99999/"]
)
def test_malformed_urls_are_invalid(url: str) -> None:
    with pytest.raises(InvalidInput, match="must be an http"):
        check_outbound_url(url, allow=[])
