"""Hostile input the bad-input tests share."""

from __future__ import annotations

from typing import Any

NUL = "\u0000"


def nested(depth: int, leaf: Any = "leaf") -> Any:
    """``{"k": {"k": ... leaf}}``, ``depth`` objects deep."""
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value
