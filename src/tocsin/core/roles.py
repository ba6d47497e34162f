"""Incident response roles and who may hold them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INCIDENT_COMMANDER = "incident_commander"
    TECHNICAL_LEAD = "technical_lead"
    COMMUNICATIONS_LEAD = "communications_lead"
    SCRIBE = "scribe"
    SUBJECT_MATTER_EXPERT = "subject_matter_expert"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()

    @property
    def single_holder(self) -> bool:
        """Every role has one holder at a time, except experts: call in as many as needed."""
        return self is not Role.SUBJECT_MATTER_EXPERT


class AccessRole(StrEnum):
    """What a user or an API token may do; each role includes the ones below it."""

    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"

    def allows(self, needed: AccessRole) -> bool:
        order = list(AccessRole)
        return order.index(self) >= order.index(needed)

    def capped(self, ceiling: AccessRole) -> AccessRole:
        """This role, but never more than ``ceiling`` (a token carries at most its user's)."""
        return self if ceiling.allows(self) else ceiling
