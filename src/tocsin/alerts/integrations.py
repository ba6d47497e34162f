"""Integrations: create, list, change, rotate and revoke; find one by its key.

A key is 32 lowercase hex characters (the shape of a PagerDuty routing key); only its SHA-256
digest is stored. The ingest path finds integrations through a short in-memory cache.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.alerts.schemas import (
    IntegrationCreate,
    IntegrationCreated,
    IntegrationKind,
    IntegrationOut,
    IntegrationPatch,
    IntegrationRules,
)
from tocsin.alerts.sources.generic import mapping_from
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import Integration
from tocsin.core.alerts import InvalidAlert
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.storage import get_or_404

KEY_BYTES = 16


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_hex(KEY_BYTES)


def urls(base_url: str, kind: str, key: str) -> tuple[str, str]:
    """(where the source sends alerts, the heartbeat address)."""
    hook = f"{base_url}/hooks/{key}"
    url = f"{base_url}/v2/enqueue" if kind == IntegrationKind.PAGERDUTY else hook
    return url, f"{hook}/heartbeat"


def _checked(rules: IntegrationRules, kind: IntegrationKind) -> IntegrationRules:
    if kind is IntegrationKind.GENERIC:
        if rules.generic is None:
            message = "generic: a generic integration needs a field mapping"
            raise InvalidInput(message, field="generic")
        try:
            mapping_from(rules.generic)
        except InvalidAlert as error:
            field = error.field.replace("mapping", "generic", 1)
            raise InvalidInput(f"{field}: {error.message}", field=field) from None
    if kind is IntegrationKind.HEARTBEAT and rules.heartbeat_interval_minutes is None:
        message = "heartbeat_interval_minutes: a heartbeat integration needs an interval"
        raise InvalidInput(message, field="heartbeat_interval_minutes")
    return rules


def _rules_of(row: Integration) -> IntegrationRules:
    return IntegrationRules.model_validate(row.settings)


def _out(state: IngestState, row: Integration) -> IntegrationOut:
    return IntegrationOut(
        id=row.id,
        kind=IntegrationKind(row.kind),
        name=row.name,
        service=row.service,
        key_prefix=row.key_prefix,
        rules=_rules_of(row),
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        last_beat_at=row.last_beat_at,
        legacy_key_set=row.legacy_key_digest is not None,
        legacy_key_prefix=row.legacy_key_prefix,
        rate_limited_events=state.limits.refused.get(row.id, 0),
    )


def _created(state: IngestState, row: Integration, key: str, base_url: str) -> IntegrationCreated:
    url, heartbeat_url = urls(base_url, row.kind, key)
    out = _out(state, row)
    return IntegrationCreated(**out.model_dump(), key=key, url=url, heartbeat_url=heartbeat_url)


def _set_legacy_key(session: Session, row: Integration, legacy_key: str | None) -> str | None:
    """Give ``row`` the old tool's key (None: none); the digest it had, to forget."""
    old = row.legacy_key_digest
    if legacy_key is None:
        row.legacy_key_digest = row.legacy_key_prefix = None
        return old
    wanted = digest(legacy_key)
    if wanted == old:
        return None
    query = select(Integration.id).where(
        or_(Integration.key_digest == wanted, Integration.legacy_key_digest == wanted)
    )
    if row.id is not None:
        query = query.where(Integration.id != row.id)
    if session.scalar(query) is not None:
        raise Conflict("legacy_key: another integration already has this key", field="legacy_key")
    row.legacy_key_digest, row.legacy_key_prefix = wanted, legacy_key[:4]
    return old


def create_integration(
    db: Database,
    *,
    state: IngestState,
    integration: IntegrationCreate,
    created_by: str,
    base_url: str,
) -> IntegrationCreated:
    rules = IntegrationRules.model_validate(
        integration.model_dump(include=set(IntegrationRules.model_fields))
    )
    _checked(rules, integration.kind)
    key = new_key()
    row = Integration(
        kind=integration.kind.value,
        name=integration.name,
        service=integration.service,
        key_digest=digest(key),
        key_prefix=key[:6],
        settings=rules.model_dump(mode="json"),
        created_at=clock.now(),
        created_by=created_by,
    )
    with db.transaction() as session:
        if integration.legacy_key is not None:
            _set_legacy_key(session, row, integration.legacy_key)
        session.add(row)
        session.flush()
    if row.legacy_key_digest is not None:
        state.integrations.forget(row.legacy_key_digest)  # it may be cached as unknown
    return _created(state, row, key, base_url)


def list_integrations(
    db: Database, *, state: IngestState, include_revoked: bool = False
) -> list[IntegrationOut]:
    query = select(Integration).order_by(Integration.id)
    if not include_revoked:
        query = query.where(Integration.revoked_at.is_(None))
    with db.reading() as session:
        return [_out(state, row) for row in session.scalars(query)]


def _load(session: Session, integration_id: int) -> Integration:
    return get_or_404(session, Integration, integration_id, "integration")


def get_integration(db: Database, *, state: IngestState, integration_id: int) -> IntegrationOut:
    with db.reading() as session:
        return _out(state, _load(session, integration_id))


def change_integration(
    db: Database, *, state: IngestState, integration_id: int, patch: IntegrationPatch
) -> IntegrationOut:
    changes = patch.model_dump(exclude_unset=True)
    forgotten: str | None = None
    with db.transaction() as session:
        row = _load(session, integration_id)
        if "name" in changes:
            row.name = changes.pop("name")
        if "legacy_key" in changes:
            forgotten = _set_legacy_key(session, row, changes.pop("legacy_key"))
        rules = IntegrationRules.model_validate({**row.settings, **changes})
        row.settings = _checked(rules, IntegrationKind(row.kind)).model_dump(mode="json")
    for key_digest in (row.key_digest, row.legacy_key_digest, forgotten):
        if key_digest is not None:
            state.integrations.forget(key_digest)
    return _out(state, row)


def rotate_key(
    db: Database, *, state: IngestState, integration_id: int, base_url: str
) -> IntegrationCreated:
    """A new key; the old one stops working (after the cache delay on other replicas)."""
    key = new_key()
    with db.transaction() as session:
        row = _load(session, integration_id)
        if row.revoked_at is not None:
            raise NotFound(f"integration {integration_id} is revoked", field="integration_id")
        old = row.key_digest
        row.key_digest, row.key_prefix = digest(key), key[:6]
    state.integrations.forget(old)
    return _created(state, row, key, base_url)


def revoke_integration(db: Database, *, state: IngestState, integration_id: int) -> IntegrationOut:
    """Revoke; an old tool's key is let go too, so a new integration may take it."""
    with db.transaction() as session:
        row = _load(session, integration_id)
        if row.revoked_at is None:
            row.revoked_at = clock.now()
        legacy = _set_legacy_key(session, row, None)
    state.integrations.forget(row.key_digest)
    if legacy is not None:
        state.integrations.forget(legacy)
    return _out(state, row)


def info_of(row: Integration) -> IntegrationInfo:
    rules = _rules_of(row)
    mapping = mapping_from(rules.generic) if row.kind == "generic" and rules.generic else None
    return IntegrationInfo(
        id=row.id,
        kind=row.kind,
        name=row.name,
        service=row.service,
        rules=rules,
        revoked=row.revoked_at is not None,
        mapping=mapping,
    )


def find_by_digest(db: Database, state: IngestState, key_digest: str) -> IntegrationInfo | None:
    """The active integration with this key digest (its own key or an old tool's), or None
    (cached a few seconds)."""
    cached, info = state.integrations.cached(key_digest)
    if cached:
        return info
    with db.reading() as session:
        either = or_(
            Integration.key_digest == key_digest, Integration.legacy_key_digest == key_digest
        )
        row = session.scalar(select(Integration).where(either))
        info = info_of(row) if row is not None and row.revoked_at is None else None
    state.integrations.remember(key_digest, info)
    return info


def legacy_key_digests(db: Database) -> dict[int, str]:
    """Integration id → the digest of its old tool's key, for those that have one (the
    configuration plans compare a file's key with it; it is never shown)."""
    with db.reading() as session:
        query = select(Integration.id, Integration.legacy_key_digest).where(
            Integration.legacy_key_digest.is_not(None)
        )
        return {row_id: str(found) for row_id, found in session.execute(query)}


def active_info(db: Database, *, integration_id: int) -> IntegrationInfo | None:
    """The integration ``integration_id`` as the alert path sees it; None if gone or revoked."""
    with db.reading() as session:
        row = session.get(Integration, integration_id)
        return info_of(row) if row is not None and row.revoked_at is None else None


def active_heartbeats(db: Database) -> list[tuple[IntegrationInfo, datetime]]:
    """Integrations that expect beats, each with the time of its last beat (or creation)."""
    with db.reading() as session:
        rows = session.scalars(select(Integration).where(Integration.revoked_at.is_(None)))
        found = []
        for row in rows:
            info = info_of(row)
            if info.rules.heartbeat_interval_minutes is not None:
                found.append((info, row.last_beat_at or row.created_at))
        return found
