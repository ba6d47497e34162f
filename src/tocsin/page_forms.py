"""What console forms share: run an action and come back with the refusal shown, read the
posted fields, and turn the console's inputs into the values the API's schemas take.

The pages build the same pydantic bodies the API routes take and call the same use cases,
so every rule is checked in one place; a refusal names the field as the API's 422 does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from tocsin.core.lifecycle import RuleViolation
from tocsin.core.rotation import ScheduleError, load_zone
from tocsin.errors import Forbidden, TocsinError, Unavailable

T = TypeVar("T")


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
    target: str,
    action: Callable[[], T],
    *,
    notice: str | None = None,
    then: str | Callable[[T], str] | None = None,
) -> Response:
    """Run a form action; on refusal, come back to ``target`` with the reason shown; done,
    go to ``then`` (default ``target``; a callable is given what the action made: a new
    object's page) with ``notice``.

    An unavailable database is no refusal: it answers its 503 page (errors.py); a role too
    low is no form's problem either: it answers 403.
    """
    try:
        made = action()
    except (Unavailable, Forbidden):
        raise
    except (ValidationError, TocsinError, RuleViolation, ValueError) as exc:
        return back(target, error=refusal(exc))
    return back(then(made) if callable(then) else then or target, notice=notice)


async def form_fields(request: Request) -> FormData:
    """The posted form (already read, and cached, by the CSRF check)."""
    return await request.form()


Form = Annotated[FormData, Depends(form_fields)]


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value posted under ``name`` (a multiple select), in order."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def or_none(value: str) -> str | None:
    return value or None


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


def local_input(value: datetime | None, zone_name: str) -> str:
    """A stored instant as a ``datetime-local`` input's value in the zone ``zone_name``."""
    if value is None:
        return ""
    return value.astimezone(load_zone(zone_name)).strftime("%Y-%m-%dT%H:%M")
