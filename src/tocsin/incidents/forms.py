"""What every console form action shares: act for the signed-in principal, and come back to
the page with the reason shown when the rules refuse (every feature's incident forms)."""

from __future__ import annotations

from tocsin.access.pages import PagePrincipal
from tocsin.core.roles import AccessRole
from tocsin.errors import Forbidden
from tocsin.page_forms import attempt

__all__ = ["attempt", "form_actor"]


def form_actor(principal: PagePrincipal) -> str:
    """Pages act for the signed-in principal, and need at least the responder role."""
    if not principal.role.allows(AccessRole.RESPONDER):
        raise Forbidden("viewers cannot change incidents")
    return principal.actor
