"""Reading a server-sent event stream in tests: a signed-in client and its frames."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from tests.conftest import Api, session_cookie


@dataclass
class Frame:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)
    comment: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.data)


def frames(response: httpx.Response) -> Iterator[Frame]:
    """Each frame of the stream (a comment-only frame too), as it arrives."""
    frame = Frame()
    for line in response.iter_lines():
        if not line:
            yield frame
            frame = Frame()
        elif line.startswith(":"):
            frame.comment = line[1:].strip()
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                frame.data.append(value)
            elif name in ("id", "event"):
                setattr(frame, name, value)


def first(stream: Iterator[Frame], wanted: Callable[[Frame], bool]) -> Frame:
    """The first frame that is ``wanted`` (the client's read timeout fails a silent stream)."""
    for frame in stream:
        if wanted(frame):
            return frame
    raise AssertionError("the stream ended before the frame came")


def signed_in(api: Api, role: str = "viewer") -> httpx.Client:
    cookies = {"tocsin_session": session_cookie(api, role)}
    return httpx.Client(base_url=api.url, cookies=cookies, timeout=httpx.Timeout(20.0))


@contextmanager
def streaming(
    client: httpx.Client, url: str, headers: dict[str, str] | None = None
) -> Iterator[tuple[httpx.Response, Iterator[Frame]]]:
    with client.stream("GET", url, headers=headers or {}) as response:
        yield response, frames(response)


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for ``condition`` (a deadline for a broken build, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)
