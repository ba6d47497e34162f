"""What every channel receives and returns.

A ``Message`` carries an ``idempotency_key`` that is the same on every retry of the same
page, so a receiver can drop a repeat (it becomes the mail's Message-ID and the webhook's
``webhook-id``). A channel never raises for a failed delivery: it returns a ``Delivery``
that says whether trying again may help.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    idempotency_key: str
    subject: str
    text: str
    event: str = "incident.page"  # what happened, for machine receivers
    incident_id: int | None = None
    ack_url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # Where to deliver when the message names no contact method: a mail address outside the
    # directory (an incident's stakeholder). A contact method, when named, always wins.
    to: str | None = None


@dataclass(frozen=True)
class Target:
    """Where to deliver: an address (mail address, URL, Apprise URL) and an optional secret."""

    kind: str  # email | webhook | slack | apprise
    address: str
    secret: str | None = None


@dataclass(frozen=True)
class Delivery:
    ok: bool
    retryable: bool = False
    error: str | None = None
    detail: str | None = None  # e.g. the SMTP reply or HTTP status, for the delivery record


class Channel(Protocol):
    kind: str

    def send(self, target: Target, message: Message) -> Delivery: ...


class ChannelSession(Protocol):
    """Sends many messages over one connection (see ``Sessions``)."""

    def send(self, target: Target, message: Message) -> Delivery: ...


@runtime_checkable
class Sessions(Protocol):
    """A channel that can keep one connection open for many messages (mail over SMTP)."""

    def session(self) -> AbstractContextManager[ChannelSession]: ...
