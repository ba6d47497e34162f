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
    conditions = []
    if signature.names:
        conditions.append(Alert.name.in_(sorted(signature.names)))
    if signature.keys:
        pairs = sorted(signature.keys)
        conditions.append(tuple_(Alert.integration_id, Alert.dedup_key).in_(pairs))
    rows = session.execute(
        select(Alert.incident_id, Alert.name, Alert.integration_id, Alert.dedup_key)
        .where(
            Alert.incident_id.is_not(None),
            Alert.incident_id < before_incident_id,
            or_(*conditions),
        )
        .order_by(Alert.incident_id.desc())
        .limit(limit * 20)
    )
    found: dict[int, set[str]] = {}
    for incident_id, name, integration_id, key in rows:
        if incident_id is None or (incident_id not in found and len(found) >= limit):
            continue
        reasons = found.setdefault(incident_id, set())
        if name in signature.names:
            reasons.add(f"alert_name:{name}")
        if (integration_id, key) in signature.keys:
            reasons.add(f"alert_key:{key}")
    return found
