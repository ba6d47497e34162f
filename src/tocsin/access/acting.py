"""Who is acting now, and from where: the "who" and "where" of the audit log.

Set once per request by the authentication dependencies (:func:`tocsin.access.api.require`,
the web pages' sign-in cookie), and by the command-line, worker and config-apply paths for
their own work; read by whatever records a change (``tocsin.audit``) inside the transaction
that makes it. A context variable, not an argument through every use case: the request's
task and the threads it hands work to see their own value, and nothing else does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

SYSTEM = "system"
"""The actor of a change made outside any request or command (the worker's own work)."""


@dataclass(frozen=True)
class Acting:
    actor: str  # the principal, as the timeline names it: "token:ci-bot", "cli:ana"
    via: str  # api | web | cli | config | worker
    address: str | None = None  # the client's address, for a request
    route: str | None = None  # "PATCH /api/v1/people/3", "tocsin token revoke"


_current: ContextVar[Acting | None] = ContextVar("tocsin_acting", default=None)


def current() -> Acting:
    """Who is acting now (the system, when nobody said)."""
    return _current.get() or Acting(actor=SYSTEM, via="system")


def begin(acting: Acting) -> None:
    """Name who acts for the rest of this request's task: its threads inherit it, and the
    task ends with the request, so nothing is left behind for another one."""
    _current.set(acting)


@contextmanager
def acting_as(acting: Acting) -> Iterator[Acting]:
    """Name who acts inside the block (a command, an apply), then whoever acted before."""
    token = _current.set(acting)
    try:
        yield acting
    finally:
        _current.reset(token)


@contextmanager
def via(channel: str) -> Iterator[Acting]:
    """The current actor, acting through ``channel`` inside the block (an apply of a
    configuration file is its caller's change, made through config as code)."""
    with acting_as(replace(current(), via=channel)) as acting:
        yield acting
