"""Who may see an incident: the one rule (private incidents are for their members and admins).

Pure: the caller hands in what it knows of the reader and of the incident. The query-side
twin of this rule is ``tocsin.incidents.visibility.visible_to``; the two must agree
(tests/core/test_visibility.py and tests/incidents/test_private.py hold them together).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Reader:
    """What the rule needs of whoever reads: a user (``user_id``) acting also for their
    linked directory person (``person_id``), and whether they are a global admin. A token
    that belongs to no user has neither id: it sees private incidents only as an admin."""

    admin: bool = False
    user_id: int | None = None
    person_id: int | None = None


NOBODY = Reader()
"""The public (the status page, its feeds, subscribers): never sees a private incident."""

EVERYONE = Reader(admin=True)
"""The system itself (the worker, metrics aggregates, the audit of admins)."""


@dataclass(frozen=True)
class Members:
    """The members of an incident: users by id and directory people by id."""

    user_ids: Collection[int] = ()
    person_ids: Collection[int] = ()


def is_member(reader: Reader, members: Members) -> bool:
    if reader.user_id is not None and reader.user_id in members.user_ids:
        return True
    return reader.person_id is not None and reader.person_id in members.person_ids


def can_see(reader: Reader, *, private: bool, members: Members) -> bool:
    """A public incident is seen by every reader; a private one by admins and its members."""
    return not private or reader.admin or is_member(reader, members)
