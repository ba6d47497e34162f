"""The event a sign-in publishes: :class:`SignedIn`.

Access knows nobody who records it; ``tocsin.assembly`` subscribes the audit log, which
writes the entry in the sign-in's own transaction. A later sign-in by user account publishes
the same event with ``principal_kind="user"``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tocsin import hooks
from tocsin.access.acting import Acting
from tocsin.db import Database
from tocsin.errors import Unavailable


@dataclass(frozen=True)
class SignedIn:
    principal_kind: str  # api_token (the web pages' sign-in with a token), later user
    principal_id: int | None
    principal_name: str
    acting: Acting


def publish_sign_in(db: Database, signed_in: SignedIn) -> None:
    """Run the listeners of a sign-in in a transaction of its own.

    A read-only database still lets people sign in to read: the sign-in is then not
    recorded, as a token's last use is not.
    """
    try:
        with db.transaction() as session:
            hooks.publish(session, signed_in)
    except Unavailable:
        pass
