"""What recurrence asks of alerts: the alert names and keys behind an incident, and the
earlier incidents that had alerts with the same name or key. Read-only, used off the ingest
path (on read and by the worker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal, select, union_all
from sqlalchemy.orm import Session

from tocsin.alerts.tables import Alert

MAX_SIGNATURE = 50  # distinct names and keys compared, at most: an incident may have thousands


@dataclass(frozen=True)
class Signature:
    names: frozenset[str]
    keys: frozenset[tuple[int, str]]  # (integration id, dedup key)


def signature_in(session: Session, incident_id: int) -> Signature:
    """The distinct alert names and keys of an incident's alerts (the first ones seen)."""
    names = session.scalars(
        select(Alert.name)
        .where(Alert.incident_id == incident_id)
        .group_by(Alert.name)
        .order_by(Alert.name)
        .limit(MAX_SIGNATURE)
    )
    keys = session.execute(
        select(Alert.integration_id, Alert.dedup_key)
        .where(Alert.incident_id == incident_id)
        .group_by(Alert.integration_id, Alert.dedup_key)
        .order_by(Alert.integration_id, Alert.dedup_key)
        .limit(MAX_SIGNATURE)
    )
    return Signature(frozenset(names), frozenset((int(i), str(k)) for i, k in keys))


def earlier_incidents_in(
    session: Session, signature: Signature, *, before_incident_id: int, limit: int
) -> dict[int, set[str]]:
    """Incidents before ``before_incident_id`` with an alert of the same name or key:
    ``{incident_id: {"alert_name:<name>", "alert_key:<key>"}}``, the ``limit`` newest.

    One statement: for each name and each key, its ``limit`` newest incidents, read
    backwards along an index on (name or key, incident). An incident among the newest of
    all is among the newest of each name and key it shares, so its reasons are complete;
    no alert older than those is read, however many incidents a name has had.
    """
    earlier = Alert.incident_id < before_incident_id
    parts = [
        _newest(Alert.name == name, f"alert_name:{name}", earlier, limit)
        for name in sorted(signature.names)
    ] + [
        _newest(
            and_(Alert.integration_id == integration_id, Alert.dedup_key == key),
            f"alert_key:{key}",
            earlier,
            limit,
        )
        for integration_id, key in sorted(signature.keys)
    ]
    if not parts:
        return {}
    found: dict[int, set[str]] = {}
    for row in session.execute(union_all(*parts)):
        found.setdefault(int(row[0]), set()).add(str(row[1]))
    newest = sorted(found, reverse=True)[:limit]
    return {incident_id: found[incident_id] for incident_id in newest}


def _newest(
    alike: ColumnElement[bool], reason: str, earlier: ColumnElement[bool], limit: int
) -> Select[Any]:
    newest = (
        select(Alert.incident_id.label("incident_id"))
        .where(alike, earlier)
        .group_by(Alert.incident_id)
        .order_by(Alert.incident_id.desc())
        .limit(limit)
        .subquery()
    )
    return select(newest.c.incident_id, literal(reason).label("reason"))
