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


class TeamRole(StrEnum):
    """A person's role in a team: a team admin manages the team's own configuration."""

    MEMBER = "member"
    ADMIN = "admin"


def may_change_team_config(role: AccessRole, admin_of: frozenset[int], team_id: int | None) -> bool:
    """May a caller with global ``role``, team admin of the teams ``admin_of``, change
    configuration (a schedule, policy, service, the team itself) owned by ``team_id``?

    A global admin may change anything. A team admin may change their own team's, but only
    while their global role (a token's: capped by its user's) is responder or more: a
    viewer's team role gives no write right. Configuration of no team is admins' only.
    """
    if role.allows(AccessRole.ADMIN):
        return True
    return team_id is not None and team_id in admin_of and role.allows(AccessRole.RESPONDER)
