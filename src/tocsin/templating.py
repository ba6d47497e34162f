"""Jinja2 templates shared by every feature's pages."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from tocsin import clock
from tocsin.access.csrf import form_token

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _time(value: datetime | None) -> Markup | str:
    """A time for a person: UTC in the page, rewritten into the viewer's zone by tocsin.js."""
    if value is None:
        return "—"
    utc = value.astimezone(UTC)
    iso = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    full = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    shown = utc.strftime("%Y-%m-%d %H:%M UTC")
    return Markup(f'<time datetime="{iso}" title="{full}">{shown}</time>')


def ago_text(value: datetime, now: datetime) -> str:
    """How long ago, coarsely: "just now", "12 min ago", "3 h ago", "2 d ago"."""
    minutes = int((now - value).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 60 * 24:
        return f"{minutes // 60} h ago"
    return f"{minutes // (60 * 24)} d ago"


def _ago(value: datetime | None) -> Markup | str:
    """A time past as "12 min ago"; tocsin.js keeps it fresh (the title holds the time)."""
    if value is None:
        return "—"
    utc = value.astimezone(UTC)
    iso = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    full = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    text = escape(ago_text(utc, clock.now()))
    return Markup(f'<time datetime="{iso}" title="{full}" data-ago>{text}</time>')


def countdown_text(due: datetime, now: datetime) -> str:
    """ "due in 12 min" or "overdue by 3 min"."""
    minutes = (due - now).total_seconds() / 60
    if minutes >= 0:
        return f"due in {math.ceil(minutes)} min"
    return f"overdue by {math.ceil(-minutes)} min"


def _countdown(value: datetime | None) -> Markup | str:
    """A time to come as "due in 12 min" (past: "overdue by 3 min"); tocsin.js keeps it
    fresh (the title holds the time)."""
    if value is None:
        return "—"
    utc = value.astimezone(UTC)
    iso = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    full = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    text = escape(countdown_text(utc, clock.now()))
    return Markup(f'<time datetime="{iso}" title="{full}" data-countdown>{text}</time>')


def _from_now(value: datetime | None) -> str:
    """A time to come as "in 12 min" (a time past as "now")."""
    if value is None:
        return "—"
    minutes = math.ceil((value - clock.now()).total_seconds() / 60)
    return f"in {minutes} min" if minutes > 0 else "now"


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["from_now"] = _from_now
templates.env.filters["time"] = _time
templates.env.filters["ago"] = _ago
templates.env.filters["countdown"] = _countdown
templates.env.globals["csrf_token"] = form_token
