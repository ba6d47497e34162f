"""Jinja2 templates shared by every feature's pages."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from tocsin import clock
from tocsin.access.csrf import form_token

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def _from_now(value: datetime | None) -> str:
    """A time to come as "in 12 min" (a time past as "now")."""
    if value is None:
        return "—"
    minutes = math.ceil((value - clock.now()).total_seconds() / 60)
    return f"in {minutes} min" if minutes > 0 else "now"


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["when"] = _when
templates.env.filters["from_now"] = _from_now
templates.env.globals["csrf_token"] = form_token
