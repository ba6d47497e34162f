"""What recurrence asks of alerts: the alert names and keys behind an incident, and the
earlier incidents that had alerts with the same name or key. Read-only, used off the ingest
path (on read and by the worker)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, tuple_
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
    ``{incident_id: {"alert_name:<name>", "alert_key:<key>"}}``, the newest first."""
    if not signature.names and not signature.keys:
        return {}
    by_name = Alert.name.in_(sorted(signature.names))
    by_key = tuple_(Alert.integration_id, Alert.dedup_key).in_(sorted(signature.keys))
    conditions = ([by_name] if signature.names else []) + ([by_key] if signature.keys else [])
    alike = or_(*conditions)
    newest = [
        incident_id
        for incident_id in session.scalars(
            select(Alert.incident_id)
            .where(Alert.incident_id.is_not(None), Alert.incident_id < before_incident_id, alike)
            .group_by(Alert.incident_id)
            .order_by(Alert.incident_id.desc())
            .limit(limit)
        )
        if incident_id is not None
    ]
    if not newest:
        return {}
    found: dict[int, set[str]] = {incident_id: set() for incident_id in newest}
    among = Alert.incident_id.in_(newest)
    if signature.names:
        named = select(Alert.incident_id, Alert.name).where(among, by_name)
        for incident_id, name in session.execute(named.group_by(Alert.incident_id, Alert.name)):
            found[int(incident_id or 0)].add(f"alert_name:{name}")
    if signature.keys:
        keyed = select(Alert.incident_id, Alert.dedup_key).where(among, by_key)
        grouped = keyed.group_by(Alert.incident_id, Alert.integration_id, Alert.dedup_key)
        for incident_id, key in session.execute(grouped):
            found[int(incident_id or 0)].add(f"alert_key:{key}")
    return found
