"""Checks use cases: create, list, change and delete checks; read their results.

Running them (claiming due checks, probing, recording, alerting) is :mod:`tocsin.checks.runs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from tocsin import clock
from tocsin.alerts import integrations
from tocsin.alerts.state import IngestState
from tocsin.checks import runs
from tocsin.checks.schemas import (
    CheckCreate,
    CheckKind,
    CheckOut,
    CheckPatch,
    CheckResultOut,
)
from tocsin.checks.tables import Check, CheckResult
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.notify import urls
from tocsin.statuspage import history as statuspage_history
from tocsin.storage import Page, get_or_404, keyset_page

_HTTP_ONLY = ("url", "expected_status", "body_contains")
_TCP_ONLY = ("host", "port")


def _absent(spec: CheckCreate, names: Sequence[str], kind: str) -> None:
    for name in names:
        if getattr(spec, name) is not None:
            raise InvalidInput(f"{name}: a {kind} check has no {name}", field=name)


def checked(db: Database, spec: CheckCreate, *, allow: Sequence[str]) -> CheckCreate:
    """``spec`` if its fields fit its kind, its target may be reached, its integration is
    active and its component (if any) exists; else ``InvalidInput`` naming the first field
    that does not."""
    if spec.kind is CheckKind.HTTP:
        _absent(spec, _TCP_ONLY, "http")
        if spec.url is None:
            raise InvalidInput("url: an http check needs a url", field="url")
        urls.check_outbound_url(spec.url, allow=allow, field="url")
    else:
        _absent(spec, _HTTP_ONLY, "tcp")
        if spec.host is None:
            raise InvalidInput("host: a tcp check needs a host", field="host")
        if spec.port is None:
            raise InvalidInput("port: a tcp check needs a port", field="port")
        urls.check_host(spec.host, spec.port, allow=urls.Allow.of(allow), field="host")
    if integrations.active_info(db, integration_id=spec.integration_id) is None:
        message = f"integration_id: no active integration has the id {spec.integration_id}"
        raise InvalidInput(message, field="integration_id")
    if spec.component_id is not None:
        with db.reading() as session:
            found = statuspage_history.is_component(session, spec.component_id)
        if not found:
            message = f"component_id: no status page component has the id {spec.component_id}"
            raise InvalidInput(message, field="component_id")
    return spec


def _out(row: Check) -> CheckOut:
    return CheckOut.model_validate(row, from_attributes=True)


def create_check(
    db: Database, *, check: CheckCreate, allow: Sequence[str], created_by: str
) -> CheckOut:
    """Store a check; it first runs as soon as a worker looks (then every interval)."""
    spec = checked(db, check, allow=allow)
    now = clock.now()
    with db.transaction() as session:
        row = Check(
            **spec.model_dump(mode="python"),
            next_run_at=now,
            consecutive_failures=0,
            alerting=False,
            created_at=now,
            created_by=created_by,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return _out(row)


def list_checks(db: Database) -> list[CheckOut]:
    with db.reading() as session:
        return [_out(row) for row in session.scalars(select(Check).order_by(Check.id))]


def get_check(db: Database, *, check_id: int) -> CheckOut:
    with db.reading() as session:
        return _out(get_or_404(session, Check, check_id, "check"))


def _spec_of(row: Check) -> dict[str, Any]:
    return {name: getattr(row, name) for name in CheckCreate.model_fields}


def change_check(
    db: Database,
    *,
    state: IngestState,
    check_id: int,
    patch: CheckPatch,
    allow: Sequence[str],
) -> CheckOut:
    """Change the fields sent; the result must make a valid check of the same kind.

    Moving a failing check to another integration resolves its alert on the old one (the
    new one gets its own alert if the check keeps failing).
    """
    with db.reading() as session:
        before = get_or_404(session, Check, check_id, "check")
        merged = _spec_of(before) | patch.model_dump(exclude_unset=True)
    spec = checked(db, CheckCreate.model_validate(merged), allow=allow)
    with db.transaction() as session:
        row = get_or_404(session, Check, check_id, "check", for_update=True)
        moved = row.alerting and row.integration_id != spec.integration_id
        old = runs.Subject.of(row)
        for name, value in spec.model_dump(mode="python").items():
            setattr(row, name, value)
        row.updated_at = clock.now()
        if moved:
            row.alerting = False
        out = _out(row)
    if moved:
        runs.resolve_alert(db, state, old)
    return out


def delete_check(db: Database, *, state: IngestState, check_id: int) -> None:
    """Delete a check and its results; an alert it raised is resolved."""
    with db.transaction() as session:
        row = get_or_404(session, Check, check_id, "check", for_update=True)
        subject = runs.Subject.of(row) if row.alerting else None
        session.delete(row)
    if subject is not None:
        runs.resolve_alert(db, state, subject)


def _result_out(rows: Sequence[CheckResult]) -> list[CheckResultOut]:
    return [CheckResultOut.model_validate(row, from_attributes=True) for row in rows]


def list_results(
    db: Database,
    *,
    check_id: int,
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
) -> Page[CheckResultOut]:
    """The check's results, newest first, paginated by id."""
    query = select(CheckResult).where(CheckResult.check_id == check_id)
    if since is not None:
        query = query.where(CheckResult.at >= since)
    with db.reading() as session:
        get_or_404(session, Check, check_id, "check")
        return keyset_page(
            session,
            query,
            CheckResult.id,
            limit=limit,
            cursor=cursor,
            descending=True,
            out=_result_out,
        )
