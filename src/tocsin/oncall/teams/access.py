"""Who may change configuration a team owns: the one check of every route that changes a
schedule, an escalation policy, a service (and its integrations) or a team.

The rule is :func:`tocsin.core.roles.may_change_team_config`; this module only reads which
teams the caller administers (as the user linked to a team admin person), fresh at each
check, so a new team admin acts at once and a demoted one stops at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tocsin.access.service import Principal
from tocsin.core.roles import AccessRole, TeamRole, may_change_team_config
from tocsin.db import Database
from tocsin.errors import Forbidden
from tocsin.oncall.teams import tables


def admin_of_in(session: Session, person_id: int | None) -> frozenset[int]:
    """The teams the person is a team admin of."""
    if person_id is None:
        return frozenset()
    query = select(tables.TeamMember.team_id).where(
        tables.TeamMember.person_id == person_id, tables.TeamMember.role == TeamRole.ADMIN.value
    )
    return frozenset(session.scalars(query))


def admin_of(db: Database, principal: Principal) -> frozenset[int]:
    with db.reading() as session:
        return admin_of_in(session, principal.person_id)


class _Team(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_Team)


@dataclass(frozen=True)
class Rights:
    """What configuration a caller may change, read once for a page that shows many objects
    (the same rule as :func:`require_change`)."""

    role: AccessRole
    admin_of: frozenset[int]

    def may(self, team_id: int | None) -> bool:
        """May change configuration owned by ``team_id`` (``None``: by no team)."""
        return may_change_team_config(self.role, self.admin_of, team_id)

    @property
    def any(self) -> bool:
        """May change some configuration: may make a new schedule, policy or service."""
        return self.may(None) or any(self.may(team) for team in self.admin_of)

    def teams(self, teams: Iterable[T]) -> list[T]:
        """The teams a new or moved object may be given (a form's choices)."""
        return [team for team in teams if self.may(team.id)]


def rights(db: Database, principal: Principal) -> Rights:
    """What ``principal`` may change; pages ask it to show or hide their edit forms."""
    if principal.role.allows(AccessRole.ADMIN):
        return Rights(role=principal.role, admin_of=frozenset())
    return Rights(role=principal.role, admin_of=admin_of(db, principal))


def may_change(db: Database, principal: Principal, team_id: int | None) -> bool:
    """Whether ``principal`` may change configuration owned by ``team_id`` (``None``: by no
    team)."""
    return rights(db, principal).may(team_id)


def require_new(db: Database, principal: Principal, team_id: str | None) -> None:
    """Refuse (403) new configuration for the team a form names (its raw ``team_id`` field;
    blank: no team) before the rest of the form is read, so a caller without the right
    learns nothing from the form's validation. A ``team_id`` that is not a number is left to
    that validation, once the caller is known to be able to change some team's
    configuration."""
    raw = (team_id or "").strip()
    if raw.isdigit():
        require_change(db, principal, int(raw))
    elif not raw or not rights(db, principal).any:
        require_change(db, principal, None)


def require_change(db: Database, principal: Principal, *team_ids: int | None) -> None:
    """Refuse (403, naming the team) unless ``principal`` may change configuration of every
    one of ``team_ids``: an object's team, and the team it moves to."""
    if principal.role.allows(AccessRole.ADMIN):
        return
    with db.reading() as session:
        mine = admin_of_in(session, principal.person_id)
        for team_id in dict.fromkeys(team_ids):
            if may_change_team_config(principal.role, mine, team_id):
                continue
            if team_id is None:
                raise Forbidden(
                    "configuration of no team (no team_id) needs the admin role; "
                    f"the caller has {principal.role}"
                )
            name = session.scalar(select(tables.Team.name).where(tables.Team.id == team_id))
            team = repr(name) if name is not None else str(team_id)
            raise Forbidden(
                f"team {team}: changing its configuration needs the admin role, or a team admin "
                f"of {team} with the responder role (the caller has {principal.role})",
                team_id=team_id,
            )
