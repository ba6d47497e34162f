"""Severity policies as stored objects: what an admin changed at run time.

The policy in effect for a severity is the built-in default (``tocsin.core.severity``), with
the deployment's ``TOCSIN_SEVERITY_POLICIES`` over it, with the fields an admin stored (the
API or a config file) over that. Every reader holds the one :class:`PolicyBook` of its
process: a mapping that rereads the stored fields at most every
:data:`POLICY_CACHE_SECONDS` (a change made by another process or replica applies here that
late) and at once after a change made through it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import fields, replace
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database
from tocsin.errors import TocsinError
from tocsin.incidents.schemas import SeverityPolicyFields, SeverityPolicyOut
from tocsin.incidents.tables import StoredSeverityPolicy

log = logging.getLogger(__name__)

POLICY_CACHE_SECONDS = 5.0
_STALE = float("-inf")
FIELDS: tuple[str, ...] = tuple(f.name for f in fields(SeverityPolicy) if f.name != "severity")


def policy_fields(policy: SeverityPolicy) -> dict[str, Any]:
    """A policy's settable fields, as plain data."""
    return {name: getattr(policy, name) for name in FIELDS}


def _stored(session: Session) -> dict[Severity, dict[str, Any]]:
    found = {}
    for row in session.scalars(select(StoredSeverityPolicy)):
        try:
            severity = Severity(row.severity)
        except ValueError:
            continue
        found[severity] = {k: v for k, v in row.fields.items() if k in FIELDS}
    return found


def effective(
    deployment: Mapping[Severity, SeverityPolicy], stored: Mapping[Severity, Mapping[str, Any]]
) -> dict[Severity, SeverityPolicy]:
    return {s: replace(deployment[s], **stored.get(s, {})) for s in Severity}


class PolicyBook(Mapping[Severity, SeverityPolicy]):
    """The policies in effect, by severity; cheap to read on every alert and incident."""

    def __init__(
        self,
        db: Database,
        deployment: Mapping[Severity, SeverityPolicy],
        *,
        seconds: float = POLICY_CACHE_SECONDS,
    ) -> None:
        self.db = db
        self.deployment: dict[Severity, SeverityPolicy] = dict(deployment)
        self.seconds = seconds
        self._policies = dict(self.deployment)
        self._loaded_at = _STALE
        self._lock = threading.Lock()

    def _current(self) -> dict[Severity, SeverityPolicy]:
        if time.monotonic() - self._loaded_at <= self.seconds:
            return self._policies
        with self._lock:
            if time.monotonic() - self._loaded_at > self.seconds:
                try:
                    with self.db.reading() as session:
                        self._policies = effective(self.deployment, _stored(session))
                except (SQLAlchemyError, TocsinError) as error:
                    # the database cannot answer now: keep the last policies known
                    log.warning("severity policies not reread: %s", type(error).__name__)
                self._loaded_at = time.monotonic()
        return self._policies

    def changed(self) -> None:
        """After a change made through this process: the next read rereads."""
        self._loaded_at = _STALE

    def read_now(self, session: Session) -> dict[Severity, SeverityPolicy]:
        """The policies in effect as ``session`` sees them (no cache): for plans."""
        return effective(self.deployment, _stored(session))

    def __getitem__(self, severity: Severity) -> SeverityPolicy:
        return self._current()[severity]

    def __iter__(self) -> Iterator[Severity]:
        return iter(Severity)

    def __len__(self) -> int:
        return len(Severity)


# ---------------------------------------------------------------- use cases


def _out(policy: SeverityPolicy, stored: Mapping[str, Any]) -> SeverityPolicyOut:
    return SeverityPolicyOut(severity=policy.severity, **policy_fields(policy), stored=dict(stored))


def list_policies(db: Database, book: PolicyBook) -> list[SeverityPolicyOut]:
    with db.reading() as session:
        stored = _stored(session)
    now = effective(book.deployment, stored)
    return [_out(now[s], stored.get(s, {})) for s in Severity]


def get_policy(db: Database, book: PolicyBook, *, severity: Severity) -> SeverityPolicyOut:
    return next(p for p in list_policies(db, book) if p.severity is severity)


def set_policy(
    db: Database,
    book: PolicyBook,
    *,
    severity: Severity,
    change: SeverityPolicyFields,
    actor: str,
) -> SeverityPolicyOut:
    """Store ``change`` as the whole of what an admin sets for ``severity`` (the fields left
    out follow the deployment's); an empty one is a reset."""
    given = change.given()
    with db.transaction() as session:
        session.execute(
            delete(StoredSeverityPolicy).where(StoredSeverityPolicy.severity == severity.value)
        )
        if given:
            session.add(
                StoredSeverityPolicy(
                    severity=severity.value, fields=given, updated_at=clock.now(), updated_by=actor
                )
            )
    book.changed()
    return _out(replace(book.deployment[severity], **given), given)


def reset_policy(
    db: Database, book: PolicyBook, *, severity: Severity, actor: str
) -> SeverityPolicyOut:
    """Back to the deployment's policy for ``severity``."""
    return set_policy(db, book, severity=severity, change=SeverityPolicyFields(), actor=actor)
