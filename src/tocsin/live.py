"""Live pages: answer ``text/event-stream`` from a "what changed since this cursor" function.

A page opens an ``EventSource`` on a stream route (tocsin.js does, for an element with
``data-live``); the route calls :func:`event_stream` with a function ``changes(cursor)``
that reads the database and returns the frames to send since ``cursor`` (each frame's
``id`` is the cursor after it). The stream polls that function every :data:`POLL_SECONDS`,
each time in a database session of its own (none is held between polls), so a change made
by another process or replica shows up as surely as one made here. It sends a comment
every :data:`HEARTBEAT_SECONDS` so proxies keep the connection open, resumes after
``Last-Event-ID`` when the browser reconnects (else after the ``after`` query parameter the
page rendered), and ends when the client goes away.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from tocsin.errors import InvalidInput

POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 3000
"""How long a browser waits before it reconnects a dropped stream."""
MAX_CURSOR = 200


@dataclass(frozen=True)
class Frame:
    """One server-sent event: its ``data`` (text; lines are sent as ``data:`` lines)."""

    data: str
    id: str
    event: str | None = None


Changes = Callable[[str | None], Sequence[Frame]]
"""What changed after a cursor (None: the client has seen nothing); reads the database."""


class _Open:
    """How many streams are open in this process (tests wait for a disconnect to end one)."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def add(self, by: int) -> None:
        with self._lock:
            self._count += by

    @property
    def count(self) -> int:
        return self._count


OPEN = _Open()


def encode(frame: Frame) -> str:
    lines = [f"id: {_one_line(frame.id)}"]
    if frame.event:
        lines.append(f"event: {_one_line(frame.event)}")
    lines += [f"data: {line}" for line in frame.data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def _one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def cursor_of(request: Request) -> str | None:
    """Where the client is: ``Last-Event-ID`` (a reconnect), else ``?after=`` (the page)."""
    given = request.headers.get("last-event-id") or request.query_params.get("after")
    return given[:MAX_CURSOR] if given else None


def number_cursor(request: Request) -> int | None:
    """The client's cursor where it must be a number (an event id); else a 400."""
    given = cursor_of(request)
    if given is None:
        return None
    if not (given.isascii() and given.isdigit()) or len(given) > 18:
        field = "Last-Event-ID" if request.headers.get("last-event-id") else "after"
        raise InvalidInput(f"{field}: {given[:20]!r} is not an event id", field=field)
    return int(given)


def event_stream(request: Request, changes: Changes) -> StreamingResponse:
    """The stream of ``changes`` for this client, from where it is."""
    return StreamingResponse(
        _frames(request, changes, cursor_of(request)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _frames(request: Request, changes: Changes, cursor: str | None) -> AsyncIterator[str]:
    OPEN.add(1)
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        beat = time.monotonic()
        while not await request.is_disconnected():
            for frame in await run_in_threadpool(changes, cursor):
                cursor = frame.id
                yield encode(frame)
                beat = time.monotonic()
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                yield ": heartbeat\n\n"
                beat = time.monotonic()
            await _pause(request)
    finally:
        OPEN.add(-1)


async def _pause(request: Request) -> None:
    """Wait for the next poll, looking for a disconnect now and then."""
    until = time.monotonic() + POLL_SECONDS
    while (left := until - time.monotonic()) > 0:
        await asyncio.sleep(min(left, 0.5))
        if await request.is_disconnected():
            return
