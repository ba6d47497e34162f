"""What every console form action shares: act for the signed-in principal, and come back to
the page with the reason shown when the rules refuse (every feature's incident forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from tocsin.access.pages import PagePrincipal
from tocsin.core.lifecycle import RuleViolation
from tocsin.core.roles import AccessRole
from tocsin.errors import Forbidden, TocsinError, Unavailable


def attempt(target: str, action: Callable[[], Any]) -> Response:
    """Run a form action; on refusal, come back to the page with the reason shown.

    An unavailable database is no refusal: it answers its 503 page (errors.py).
    """
    try:
        action()
    except Unavailable:
        raise
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = f"{where}: {first['msg']}"
        return RedirectResponse(f"{target}?error={quote(message)}", status_code=303)
    except (TocsinError, RuleViolation, ValueError) as exc:
        return RedirectResponse(f"{target}?error={quote(str(exc))}", status_code=303)
    return RedirectResponse(target, status_code=303)


def form_actor(principal: PagePrincipal) -> str:
    """Pages act for the signed-in principal, and need at least the responder role."""
    if not principal.role.allows(AccessRole.RESPONDER):
        raise Forbidden("viewers cannot change incidents")
    return principal.actor
