"""Running checks: claim the due ones, probe, record the result, raise or resolve the alert.

Scheduling across workers: a worker claims a due check by moving its ``next_run_at`` one
interval ahead, in a transaction that locks the rows it claims (``FOR UPDATE SKIP LOCKED``
on PostgreSQL; SQLite serializes writers). Another worker sees the check due again only an
interval later, and a run takes at most about its timeout (≤ 30 s ≤ the shortest interval),
so two runs of one check never overlap. A worker that dies mid-run loses that one run.

Alerting: every result is stored. After ``failures_before_alert`` consecutive failures the
check raises an alert (key ``check:<id>``, on the check's integration) through the same
processing as any other alert, so it opens or joins an incident on the integration's
service, and later failures of the same streak deduplicate into it. The first success
resolves it. ``alerting`` remembers a raised alert; it changes only after the alert's own
transaction committed, so a lost commit is tried again at the next run.

The worker's :class:`CheckRunner` runs checks on a small thread pool, so a slow target
holds up neither the worker loop nor the other checks; :func:`run_due` runs them one after
another in the caller's thread (tests, and anyone wanting a pass to finish).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update

from tocsin import clock
from tocsin.alerts import integrations
from tocsin.alerts.batch_writer import run_batch
from tocsin.alerts.outcomes import Result
from tocsin.alerts.processing import Job
from tocsin.alerts.state import IngestState
from tocsin.checks import probe
from tocsin.checks.tables import Check, CheckResult
from tocsin.config import Settings
from tocsin.core.alerts import AlertAction, NormalizedAlert
from tocsin.db import Database
from tocsin.errors import Unavailable
from tocsin.notify import urls
from tocsin.statuspage import history as statuspage_history

log = logging.getLogger("tocsin.checks")
CHECKS_POLL_SECONDS = 5.0
"""How often each worker looks for due checks (the shortest interval is 30 s)."""
CONCURRENCY = 8
NAME = "CheckFailed"
RESULTS_KEPT_DAYS = 97
"""Results older than this are deleted: the 90 days of uptime and a week's margin (the
status page's per-day tallies keep the history)."""
PRUNE_SECONDS = 600.0
PRUNE_BATCH = 10_000


def check_key(check_id: int) -> str:
    """The alert's dedup key: one per check, whichever worker runs it."""
    return f"check:{check_id}"


def _shown(row: Check) -> str:
    """The target as an alert shows it: no credentials, no query string."""
    if row.kind == "tcp":
        return f"{row.host}:{row.port}"
    parts = urlsplit(row.url or "")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


@dataclass(frozen=True)
class Subject:
    """A check as its alert names it."""

    id: int
    name: str
    integration_id: int
    target: str

    @classmethod
    def of(cls, row: Check) -> Subject:
        return cls(row.id, row.name, row.integration_id, _shown(row))


@dataclass(frozen=True)
class Claimed:
    subject: Subject
    target: probe.Target


def _claimed(row: Check) -> Claimed:
    target = probe.Target(
        kind=row.kind,
        url=row.url,
        host=row.host,
        port=row.port,
        timeout_seconds=row.timeout_seconds,
        expected_status=row.expected_status,
        body_contains=row.body_contains,
        latency_threshold_ms=row.latency_threshold_ms,
    )
    return Claimed(Subject.of(row), target)


def claim_due(db: Database, *, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due checks and schedule each one interval from now."""
    now = clock.now()
    query = (
        select(Check)
        .where(Check.enabled.is_(True), Check.next_run_at <= now)
        .order_by(Check.next_run_at, Check.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with db.transaction() as session:
        rows = list(session.scalars(query))
        for row in rows:
            row.next_run_at = now + timedelta(seconds=row.interval_seconds)
        return [_claimed(row) for row in rows]


@dataclass(frozen=True)
class Verdict:
    subject: Subject
    action: AlertAction | None  # what the alert must do now, if anything
    failures: int


def record(db: Database, *, check_id: int, found: probe.Probe, at: datetime) -> Verdict | None:
    """Store the result and count the streak; None if the check was deleted meanwhile."""
    with db.transaction() as session:
        row = session.get(Check, check_id, with_for_update=True)
        if row is None:
            return None
        session.add(
            CheckResult(
                check_id=check_id,
                at=at,
                ok=found.ok,
                latency_ms=found.latency_ms,
                status_code=found.status_code,
                error=found.error,
            )
        )
        row.last_run_at, row.last_ok = at, found.ok
        if row.component_id is not None:
            statuspage_history.record_check_in(
                session, component_id=row.component_id, at=at, ok=found.ok
            )
        row.consecutive_failures = 0 if found.ok else row.consecutive_failures + 1
        action: AlertAction | None = None
        if found.ok and row.alerting:
            action = AlertAction.RESOLVE
        elif not found.ok and row.consecutive_failures >= row.failures_before_alert:
            action = AlertAction.TRIGGER
        return Verdict(Subject.of(row), action, row.consecutive_failures)


def check_alert(
    subject: Subject, action: AlertAction, now: datetime, *, error: str = "", failures: int = 0
) -> NormalizedAlert:
    trigger = action is AlertAction.TRIGGER
    return NormalizedAlert(
        action=action,
        dedup_key=check_key(subject.id),
        summary=f"Check failing: {subject.name} ({subject.target}): {error}"[:1024],
        source_severity=None,
        labels={"alertname": NAME, "check": subject.name, "check_id": str(subject.id)},
        details={"target": subject.target, "error": error, "consecutive_failures": failures}
        if trigger
        else {},
        starts_at=now if trigger else None,
        ends_at=None if trigger else now,
        name=NAME,
    )


def _send(db: Database, state: IngestState, subject: Subject, alert: NormalizedAlert) -> int:
    """Run the alert through the alert path; how many alerts it newly raised (-1: not sent)."""
    info = integrations.active_info(db, integration_id=subject.integration_id)
    if info is None:
        log.warning(
            "check %s: integration %s is gone or revoked", subject.id, subject.integration_id
        )
        return -1
    job = Job(info, [alert], only_new=True)
    run_batch(db, state, [job])
    if job.error is not None:
        log.warning("check %s: its alert was not stored (%s)", subject.id, job.error)
        return -1
    raised = (Result.ALREADY_FIRING, Result.IGNORED, Result.RESOLVED, Result.ALREADY_RESOLVED)
    return sum(1 for outcome in job.outcomes if outcome.result not in raised)


def resolve_alert(db: Database, state: IngestState, subject: Subject) -> None:
    """Resolve the check's alert (it was deleted, or moved to another integration)."""
    _send(db, state, subject, check_alert(subject, AlertAction.RESOLVE, clock.now()))


def run_one(
    db: Database,
    state: IngestState,
    claimed: Claimed,
    *,
    allow: urls.Allow,
    resolve: urls.Resolver = urls.system_resolver,
    timer: probe.Timer = time.perf_counter,
) -> int:
    """Probe one claimed check, record it, move its alert; how many alerts it raised."""
    found = probe.run(claimed.target, allow=allow, resolve=resolve, timer=timer)
    now = clock.now()
    verdict = record(db, check_id=claimed.subject.id, found=found, at=now)
    if verdict is None or verdict.action is None:
        return 0
    alert = check_alert(
        verdict.subject, verdict.action, now, error=found.error or "", failures=verdict.failures
    )
    raised = _send(db, state, verdict.subject, alert)
    if raised < 0:
        return 0
    with db.transaction() as session:
        session.execute(
            update(Check)
            .where(Check.id == claimed.subject.id)
            .values(alerting=verdict.action is AlertAction.TRIGGER)
        )
    return raised


def prune_results(db: Database, *, batch: int = PRUNE_BATCH) -> int:
    """Delete up to ``batch`` results older than :data:`RESULTS_KEPT_DAYS`; how many.

    The periodic job of every worker: each pass deletes a bounded batch (the oldest first),
    so a backlog is worked off over a few passes without one long transaction.
    """
    cutoff = clock.now() - timedelta(days=RESULTS_KEPT_DAYS)
    oldest = (
        select(CheckResult.id).where(CheckResult.at < cutoff).order_by(CheckResult.at).limit(batch)
    )
    with db.transaction() as session:
        old = delete(CheckResult).where(CheckResult.id.in_(oldest.scalar_subquery()))
        done = session.execute(old.execution_options(synchronize_session=False))
        return int(getattr(done, "rowcount", 0))


def run_due(
    db: Database,
    state: IngestState,
    *,
    allow: urls.Allow,
    limit: int = 100,
    resolve: urls.Resolver = urls.system_resolver,
    timer: probe.Timer = time.perf_counter,
) -> int:
    """Claim the due checks and run them here, one after another; alerts raised."""
    claimed = claim_due(db, limit=limit)
    return sum(run_one(db, state, c, allow=allow, resolve=resolve, timer=timer) for c in claimed)


class CheckRunner:
    """The worker's periodic job: due checks run on a thread pool of their own.

    :meth:`run` claims only as many checks as there are free threads (what is claimed
    starts at once) and returns without waiting; it reports the alerts raised by the runs
    that finished since its last call.
    """

    def __init__(
        self,
        db: Database,
        state: IngestState,
        settings: Settings,
        *,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.db, self.state = db, state
        self.allow = urls.Allow.of(settings.outbound_allow)
        self.concurrency = concurrency
        self.pool = ThreadPoolExecutor(concurrency, thread_name_prefix="check")
        self.in_flight: set[Future[int]] = set()
        self._lock = threading.Lock()

    def run(self) -> int:
        with self._lock:
            done = {f for f in self.in_flight if f.done()}
            self.in_flight -= done
            raised = sum(f.result() for f in done)
            free = self.concurrency - len(self.in_flight)
            if free > 0:
                for claimed in claim_due(self.db, limit=free):
                    self.in_flight.add(self.pool.submit(self._run, claimed))
            return raised

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the runs under way to finish (tests, shutdown)."""
        for future in list(self.in_flight):
            future.exception(timeout=timeout)

    def _run(self, claimed: Claimed) -> int:
        try:
            return run_one(self.db, self.state, claimed, allow=self.allow)
        except Unavailable:
            return 0  # the database is out: its health log says so once
        except Exception:
            log.exception("check %s failed to run", claimed.subject.id)
            return 0
