"""Stand-ins for DNS, handed to a channel through its ``resolve`` parameter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tocsin.notify.urls import Resolver

PUBLIC = "93.184.215.14"  # looks global; no test ever connects to it


def table(names: Mapping[str, Sequence[str]]) -> Resolver:
    """A fixed zone: each name always answers the same addresses."""

    def resolve(host: str, port: int) -> Sequence[str]:
        if host not in names:
            raise OSError(f"no such host {host}")
        return names[host]

    return resolve


class Rebinding:
    """A name that answers ``first`` once, then ``later`` on every lookup after (DNS rebinding)."""

    def __init__(self, first: Sequence[str], later: Sequence[str]) -> None:
        self.first, self.later = list(first), list(later)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        return self.first if len(self.lookups) == 1 else self.later
