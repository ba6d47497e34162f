"""Listeners of many events at once: the ``many`` form takes a batch in one call, a listener
without one takes its events one by one, and each listener finishes before the next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.orm import Session

from tocsin.hooks import Hooks


@dataclass(frozen=True)
class Opened:
    number: int


def test_publish_many_gives_each_listener_the_whole_batch_in_order() -> None:
    hooks = Hooks()
    calls: list[tuple[str, Any]] = []

    def one_by_one(_session: Session, event: Opened) -> None:
        calls.append(("single", event.number))

    def batched(_session: Session, event: Opened) -> None:
        calls.append(("batched-single", event.number))

    def batched_many(_session: Session, events: Sequence[Opened]) -> None:
        calls.append(("batched-many", [e.number for e in events]))

    hooks.subscribe(Opened, batched, many=batched_many)
    hooks.subscribe(Opened, one_by_one)
    session = cast(Session, object())
    hooks.publish_many(session, [Opened(1), Opened(2), Opened(3)])
    assert calls == [("batched-many", [1, 2, 3]), ("single", 1), ("single", 2), ("single", 3)]
    calls.clear()
    hooks.publish(session, Opened(4))  # one event: every listener's own form
    assert calls == [("batched-single", 4), ("single", 4)]
    hooks.publish_many(session, [])
    assert calls == [("batched-single", 4), ("single", 4)]
