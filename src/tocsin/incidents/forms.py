"""What every console form action shares: act for the signed-in principal, and come back to
the page with the reason shown when the rules refuse (every feature's incident forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

from tocsin.access.pages import PagePrincipal
from tocsin.core.roles import AccessRole
from tocsin.errors import Forbidden
from tocsin.fields import MAX_ID
from tocsin.page_forms import attempt

__all__ = ["Text", "attempt", "form_actor", "form_id"]

Text = Annotated[str, Form(max_length=20_000)]


def form_actor(principal: PagePrincipal) -> str:
    """Pages act for the signed-in principal, and need at least the responder role."""
    if not principal.role.allows(AccessRole.RESPONDER):
        raise Forbidden("viewers cannot change incidents")
    return principal.actor


def form_id(value: str, field: str = "person_id") -> int | None:
    """An id from a form's field ("" for none); not an id is a ValueError naming ``field``."""
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
        raise ValueError(f"{field}: {value[:20]!r} is not an id")
    return int(value)
