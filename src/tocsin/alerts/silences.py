"""Silences and maintenance windows: matchers over alert labels, a time range, and optionally
a weekly window inside it. A matching alert is stored and visible but opens nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from tocsin import clock
from tocsin.alerts.schemas import SilenceCreate, SilenceOut
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import Alert, Integration, Silence
from tocsin.core.alerts import InvalidAlert
from tocsin.core.matchers import WeeklyWindow, expiring_soon, format_matchers, parse_matcher
from tocsin.core.matchers import silence_active as in_force
from tocsin.db import Database
from tocsin.errors import InvalidInput
from tocsin.storage import get_or_404


def warnings_of(row: Silence, now: datetime) -> list[str]:
    found = []
    if expiring_soon(row.ends_at, now):
        minutes = max(1, int((row.ends_at - now).total_seconds() // 60))
        found.append(f"ends in {minutes} min (at {row.ends_at:%Y-%m-%d %H:%M} UTC)")
    if row.foreign_matches:
        found.append(
            f"made for service {row.service} but matched {row.foreign_matches} alert(s) "
            f"of other services (last: {row.foreign_example})"
        )
    return found


def _out(row: Silence, silenced: int, now: datetime) -> SilenceOut:
    weekly = WeeklyWindow.from_dict(row.weekly) if row.weekly else None
    return SilenceOut(
        id=row.id,
        matchers=list(row.matchers),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        weekly=row.weekly,
        comment=row.comment,
        created_by=row.created_by,
        created_at=row.created_at,
        service=row.service,
        integration_id=row.integration_id,
        active=in_force(starts_at=row.starts_at, ends_at=row.ends_at, weekly=weekly, at=now),
        silenced_alerts=silenced,
        warnings=warnings_of(row, now),
    )


def _counts(session: object, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    query = (
        select(Alert.silenced_by, func.count())
        .where(Alert.silenced_by.in_(ids))
        .group_by(Alert.silenced_by)
    )
    return {int(i): int(n) for i, n in session.execute(query)}  # type: ignore[attr-defined]


def _invalid(error: InvalidAlert, field: str) -> InvalidInput:
    where = field if error.field == "matchers" else error.field
    return InvalidInput(f"{where}: {error.message}", field=where)


def create_silence(
    db: Database, *, state: IngestState, silence: SilenceCreate, created_by: str
) -> SilenceOut:
    now = clock.now()
    try:
        matchers = [parse_matcher(text) for text in silence.matchers]
    except InvalidAlert as error:
        raise _invalid(error, "matchers") from None
    weekly = None
    if silence.weekly is not None:
        try:
            weekly = WeeklyWindow.from_dict(silence.weekly.model_dump(mode="json"))
        except InvalidAlert as error:
            raise _invalid(error, "weekly") from None
    starts_at = silence.starts_at or now
    if silence.ends_at <= starts_at:
        raise InvalidInput("ends_at: must be after starts_at", field="ends_at")
    if silence.ends_at <= now:
        raise InvalidInput("ends_at: must be in the future", field="ends_at")
    row = Silence(
        matchers=format_matchers(matchers),
        starts_at=starts_at,
        ends_at=silence.ends_at,
        weekly=weekly.to_dict() if weekly else None,
        comment=silence.comment,
        created_by=created_by,
        created_at=now,
        service=silence.service,
        integration_id=silence.integration_id,
        foreign_matches=0,
    )
    with db.transaction() as session:
        if silence.integration_id is not None:
            get_or_404(session, Integration, silence.integration_id, "integration")
        session.add(row)
        session.flush()
    state.silences.changed()
    return _out(row, 0, now)


def list_silences(db: Database, *, include_expired: bool = False) -> list[SilenceOut]:
    now = clock.now()
    query = select(Silence).order_by(Silence.id.desc()).limit(500)
    if not include_expired:
        query = query.where(Silence.ends_at > now)
    with db.reading() as session:
        rows = list(session.scalars(query))
        counts = _counts(session, [row.id for row in rows])
        return [_out(row, counts.get(row.id, 0), now) for row in rows]


def get_silence(db: Database, *, silence_id: int) -> SilenceOut:
    with db.reading() as session:
        row = get_or_404(session, Silence, silence_id, "silence")
        return _out(row, _counts(session, [row.id]).get(row.id, 0), clock.now())


def expire_silence(db: Database, *, state: IngestState, silence_id: int) -> SilenceOut:
    """End the silence now (an ended silence stays listed with ``include_expired``)."""
    now = clock.now()
    with db.transaction() as session:
        row = get_or_404(session, Silence, silence_id, "silence")
        if row.ends_at > now:
            row.ends_at = max(now, row.starts_at)
        out = _out(row, _counts(session, [row.id]).get(row.id, 0), now)
    state.silences.changed()
    return out
