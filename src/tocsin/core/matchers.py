"""Label matchers in the Alertmanager style, and when a silence is in force.

Matcher syntax (our own parser): ``label op value`` with ``op`` one of ``=``, ``!=``, ``=~``,
``!~``. The value may be double-quoted (escapes ``\\"``, ``\\\\``, ``\\n``, ``\\t``; any other
backslash is kept, so ``"\\d+"`` is the regex ``\\d+``) or bare (the rest of the text, trimmed).
Regexes match the whole value (``fullmatch``, like Alertmanager's anchoring). A label the alert
lacks reads as the empty string, so ``team=""`` matches alerts without ``team``.

A silence is in force from ``starts_at`` (included) to ``ends_at`` (excluded); with a weekly
window, only inside it as well. Each window opens on its days at the wall-clock ``start`` in its
zone and closes at wall-clock start + duration, so a 22:00–02:00 window crosses midnight and
keeps its wall-clock times on DST days (a wall time skipped by a gap means the first instant
after the gap; a repeated one, its first occurrence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tocsin.core.alerts import InvalidAlert
from tocsin.core.rotation import resolve_wall_time

__all__ = [
    "DAY_NAMES",
    "Matcher",
    "Op",
    "WeeklyWindow",
    "expiring_soon",
    "format_matchers",
    "matches",
    "parse_matcher",
    "parse_matchers",
    "silence_active",
]

Op = Literal["=", "!=", "=~", "!~"]
_OPS: tuple[Op, ...] = ("=~", "!~", "!=", "=")  # two-character operators are tried first
_LABEL_STOP = frozenset('=!~"{},') | frozenset(" \t\r\n")
_BARE_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_.:/-]*")
_UNESCAPE = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
_ESCAPE = str.maketrans({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"})
MAX_LABEL = 200
MAX_VALUE = 1000
FIELD = "matchers"
WEEK = 7 * 24 * 60  # minutes
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Matcher:
    label: str
    op: Op
    value: str
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.label or len(self.label) > MAX_LABEL:
            raise InvalidAlert(FIELD, f"label name must be 1–{MAX_LABEL} characters")
        if self.op not in _OPS:
            raise InvalidAlert(FIELD, f"unknown operator {self.op!r}; use =, !=, =~ or !~")
        if len(self.value) > MAX_VALUE:
            raise InvalidAlert(FIELD, f"value of {self.label!r} is over {MAX_VALUE} characters")
        pattern = None
        if self.op in ("=~", "!~"):
            try:
                pattern = re.compile(self.value)
            except re.error as error:
                raise InvalidAlert(FIELD, f"invalid regex {self.value!r}: {error}") from None
        object.__setattr__(self, "_pattern", pattern)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self._pattern is None:
            return (actual == self.value) == (self.op == "=")
        return (self._pattern.fullmatch(actual) is not None) == (self.op == "=~")

    def __str__(self) -> str:
        label = self.label if _BARE_LABEL.fullmatch(self.label) else _quote(self.label)
        return f"{label}{self.op}{_quote(self.value)}"


def _quote(text: str) -> str:
    return '"' + text.translate(_ESCAPE) + '"'


def _read_quoted(text: str, at: int) -> tuple[str, int]:
    """The string quoted at ``text[at]`` and the index just after its closing quote."""
    out: list[str] = []
    i = at + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return "".join(out), i + 1
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_UNESCAPE.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    raise InvalidAlert(FIELD, f"unterminated quote in {text!r}")


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def parse_matcher(text: str) -> Matcher:
    """One matcher such as ``alertname=Foo`` or ``severity=~"crit|warn"``."""
    i = _skip_space(text, 0)
    if i < len(text) and text[i] == '"':
        label, i = _read_quoted(text, i)
    else:
        start = i
        while i < len(text) and text[i] not in _LABEL_STOP:
            i += 1
        label = text[start:i]
    if not label:
        raise InvalidAlert(FIELD, f"missing label name in {text!r}")
    i = _skip_space(text, i)
    op = next((candidate for candidate in _OPS if text.startswith(candidate, i)), None)
    if op is None:
        raise InvalidAlert(FIELD, f"expected =, !=, =~ or !~ after {label!r} in {text!r}")
    i = _skip_space(text, i + len(op))
    if i < len(text) and text[i] == '"':
        value, i = _read_quoted(text, i)
        if _skip_space(text, i) != len(text):
            raise InvalidAlert(FIELD, f"unexpected text after the quoted value in {text!r}")
    else:
        value = text[i:].strip()
        if '"' in value or value[:1] in ("=", "~"):
            raise InvalidAlert(FIELD, f"quote the value in {text!r}")
    return Matcher(label, op, value)


def _split_top_level(text: str) -> list[str]:
    """``text`` split on commas outside double quotes."""
    parts: list[str] = []
    start, i, quoted = 0, 0, False
    while i < len(text):
        char = text[i]
        if char == "\\" and quoted:
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def parse_matchers(texts: str | Iterable[str]) -> list[Matcher]:
    """Matchers from ``{a="b", c=~"d"}``, ``a=b, c!=d`` or a list of single matchers."""
    items = [texts] if isinstance(texts, str) else list(texts)
    found: list[Matcher] = []
    for item in items:
        body = item.strip()
        if body.startswith("{") and body.endswith("}"):
            body = body[1:-1]
        found.extend(parse_matcher(part) for part in _split_top_level(body) if part.strip())
    if not found:
        raise InvalidAlert(FIELD, "at least one matcher is required")
    return found


def format_matchers(matchers: Sequence[Matcher]) -> list[str]:
    """Canonical text of each matcher; :func:`parse_matcher` reads each back unchanged."""
    return [str(matcher) for matcher in matchers]


def matches(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches ``labels`` (so no matchers match everything)."""
    return all(matcher.matches(labels) for matcher in matchers)


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    days: frozenset[int]
    """0 is Monday."""
    start: time
    duration: timedelta
    time_zone: str
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.days or any(day not in range(7) for day in self.days):
            raise InvalidAlert("weekly.days", "give at least one day, 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None:
            raise InvalidAlert("weekly.start", "a wall-clock time without zone")
        if not timedelta(0) < self.duration <= timedelta(days=7):
            raise InvalidAlert("weekly.duration", "must be more than 0 and at most 7 days")
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            message = f"unknown time zone {self.time_zone!r}"
            raise InvalidAlert("weekly.time_zone", message) from None
        object.__setattr__(self, "_zone", zone)

    def contains(self, at: datetime) -> bool:
        """Whether the instant ``at`` (aware) falls inside one of the window's occurrences."""
        zone = self._zone
        local_day = at.astimezone(zone).date()
        offset = datetime.combine(date.min, self.start) - datetime.min + self.duration
        back = offset.days + 1  # occurrences that opened this many days ago may still be open
        # One day ahead too: where a zone turns its clock back over midnight, an instant on the
        # local day before can already be inside the next day's window.
        for shift in range(-1, back + 1):
            day = local_day - timedelta(days=shift)
            if day.weekday() not in self.days:
                continue
            opens = datetime.combine(day, self.start)
            if at < resolve_wall_time(opens, zone):
                continue
            if at < resolve_wall_time(opens + self.duration, zone):
                return True
        return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": sorted(self.days),
            "start": self.start.strftime("%H:%M"),
            "duration_minutes": int(self.duration.total_seconds() // 60),
            "time_zone": self.time_zone,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeeklyWindow:
        """Read ``{"days": [0, "sat"], "start": "22:00", "duration_minutes": 240, "time_zone"}``."""
        for key in ("days", "start", "duration_minutes", "time_zone"):
            if key not in data:
                raise InvalidAlert(f"weekly.{key}", "required")
        days = data["days"]
        if not isinstance(days, list | tuple | set | frozenset):
            raise InvalidAlert("weekly.days", "a list of days, 0–6 (Monday is 0) or mon–sun")
        try:
            start = time.fromisoformat(str(data["start"]))
        except ValueError:
            raise InvalidAlert("weekly.start", "a wall-clock time such as 22:00") from None
        minutes = data["duration_minutes"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= WEEK:
            raise InvalidAlert("weekly.duration_minutes", f"whole minutes, 1 to {WEEK}")
        return cls(
            days=frozenset(_day_number(day) for day in days),
            start=start,
            duration=timedelta(minutes=minutes),
            time_zone=str(data["time_zone"]),
        )


def _day_number(day: object) -> int:
    if isinstance(day, str) and day[:3].lower() in DAY_NAMES:
        return DAY_NAMES.index(day[:3].lower())
    if isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6:
        return day
    raise InvalidAlert("weekly.days", f"unknown day {day!r}; use 0–6 (Monday is 0) or mon–sun")


def silence_active(
    *, starts_at: datetime, ends_at: datetime, weekly: WeeklyWindow | None, at: datetime
) -> bool:
    if not starts_at <= at < ends_at:
        return False
    return weekly is None or weekly.contains(at)


def expiring_soon(ends_at: datetime, at: datetime, within: timedelta = timedelta(hours=1)) -> bool:
    """True while a silence has not ended yet but will within ``within``."""
    return at < ends_at <= at + within
