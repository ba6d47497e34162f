"""Helpers the source parsers share: decode errors, timestamps and the future-skew check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from tocsin.core.alerts import FUTURE_SKEW, InvalidAlert

_AT = " - at `"
SKEW_TEXT = f"{int(FUTURE_SKEW.total_seconds() // 60)} minutes"
_MISSING = "Object missing required field `"
P = TypeVar("P")


def decode(decoder: msgspec.json.Decoder[P], body: bytes) -> P:
    """``body`` decoded, or :class:`InvalidAlert` naming the field; too deep is refused too."""
    try:
        return decoder.decode(body)
    except msgspec.MsgspecError as error:
        raise decode_failure(error) from None
    except RecursionError:
        raise InvalidAlert("body", "JSON nested too deeply to read") from None


def decode_failure(error: msgspec.MsgspecError) -> InvalidAlert:
    """An :class:`InvalidAlert` naming the JSON field a msgspec error points at."""
    text = str(error)
    if not isinstance(error, msgspec.ValidationError):
        return InvalidAlert("body", f"malformed JSON ({text})")
    message, found, where = text.partition(_AT)
    path = where.rstrip("`") if found else "$"
    if message.startswith(_MISSING):
        path = f"{path}.{message[len(_MISSING) :].rstrip('`')}"
        message = "required"
    path = path.replace("[...]", "")
    field = "body" if path == "$" else path.removeprefix("$").removeprefix(".")
    message = message.replace("`", "").replace("Invalid enum value", "invalid value")
    return InvalidAlert(field, message[:1].lower() + message[1:])


def future_limit(now: datetime) -> datetime:
    return now + FUTURE_SKEW


def to_utc(value: datetime, field: str, limit: datetime) -> datetime | None:
    """``value`` in UTC (naive means UTC); None for Go's zero time; refuses the far future."""
    if value.year <= 1:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise InvalidAlert(field, "timestamp out of range") from None
    if value > limit:
        raise InvalidAlert(field, f"more than {SKEW_TEXT} in the future")
    return value


def parse_timestamp(value: object, field: str, limit: datetime) -> datetime | None:
    """An ISO 8601 string, or a number of seconds (milliseconds above 1e11) since 1970."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidAlert(field, f"not an ISO 8601 timestamp: {value[:64]!r}") from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 1e11 else value
        try:
            parsed = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidAlert(field, "timestamp out of range") from None
    else:
        raise InvalidAlert(field, "must be an ISO 8601 string or a Unix time")
    return to_utc(parsed, field, limit)
