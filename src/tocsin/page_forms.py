"""What console forms share: run an action and come back with the refusal shown, and turn
the console's inputs into the values the API's schemas take.

The pages build the same pydantic bodies the API routes take and call the same use cases,
so every rule is checked in one place; a refusal names the field as the API's 422 does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from tocsin.core.rotation import ScheduleError, load_zone
from tocsin.errors import TocsinError, Unavailable


def refusal(error: Exception) -> str:
    """The words a page shows for a refused action: the field first, as the API names it."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    if isinstance(error, TocsinError):
        return error.message
    return str(error)


def back(target: str, *, error: str | None = None, notice: str | None = None) -> Response:
    """A 303 to ``target``, with a refusal or a notice for the page to show."""
    query = []
    if error:
        query.append(f"error={quote(error[:500])}")
    if notice:
        query.append(f"notice={quote(notice[:200])}")
    glue = "&" if "?" in target else "?"
    return RedirectResponse(target + (glue + "&".join(query) if query else ""), status_code=303)


def attempt(
    target: str, action: Callable[[], Any], *, notice: str | None = None, then: str | None = None
) -> Response:
    """Run a form action; on refusal, come back to ``target`` with the reason shown; done,
    go to ``then`` (default ``target``) with ``notice``.

    An unavailable database is no refusal: it answers its 503 page (errors.py).
    """
    try:
        action()
    except Unavailable:
        raise
    except (ValidationError, TocsinError, ValueError) as exc:
        return back(target, error=refusal(exc))
    return back(then or target, notice=notice)


def in_zone(value: str, zone_name: str) -> datetime | str | None:
    """A ``datetime-local`` input read in the IANA zone ``zone_name``; an offset given wins.

    What cannot be read is handed on as it came, so the schema refuses it naming its field.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        return parsed
    try:
        return parsed.replace(tzinfo=load_zone(zone_name))
    except ScheduleError:
        return value  # the zone itself is refused, naming time_zone
