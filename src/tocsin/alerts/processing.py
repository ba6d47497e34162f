"""What each alert does to incidents: dedup, silence, group, then open, join or resolve.

A :class:`Processor` handles one batch inside one transaction. Decisions use the in-memory
state (:mod:`tocsin.alerts.state`) and the pure rules of ``tocsin.core`` (group window,
silence choice, repeat bursts); what they change is written at the end
(:mod:`tocsin.alerts.changes`). Every alert keeps a decision trace, and each gets an
:class:`~tocsin.alerts.outcomes.Outcome`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from tocsin import dbbulk
from tocsin.alerts.changes import Changes, write
from tocsin.alerts.derived import incident_of, new_current, severity_of
from tocsin.alerts.heartbeats import heartbeat_alert, heartbeat_key
from tocsin.alerts.integration_cache import IntegrationInfo
from tocsin.alerts.open_alerts import Current, Group, Key
from tocsin.alerts.outcomes import Outcome, Result
from tocsin.alerts.state import IngestState
from tocsin.alerts.tables import alert_incidents_table
from tocsin.core.alerts import (
    AlertAction,
    AlertStatus,
    NormalizedAlert,
    group_labels,
    in_group_window,
    repeat_is_new_burst,
    truncate,
)
from tocsin.core.alerts import group_key as make_group_key
from tocsin.core.lifecycle import RuleViolation
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.core.silences import ActiveSilence, silence_for
from tocsin.incidents import service as incidents_service
from tocsin.incidents.schemas import IncidentCreate

followed = alert_incidents_table


@dataclass(eq=False)
class Job:
    """One request's alerts (or heartbeat), processed together with the other queued jobs."""

    integration: IntegrationInfo
    alerts: Sequence[NormalizedAlert] = ()
    beat: bool = False
    only_new: bool = False  # heartbeat checks: leave an alert that is already firing alone
    outcomes: list[Outcome] = field(default_factory=list)
    error: BaseException | None = None
    future: asyncio.Future[Job] | None = None


class OpeningRefused(Exception):
    """A listener refused incidents this batch opened: the keys of their alerts.

    The batch rolls back and runs again, and those alerts get ``not_opened`` then.
    """

    def __init__(self, refused: dict[Key, RuleViolation]) -> None:
        super().__init__(f"{len(refused)} incidents refused")
        self.refused = refused


def _step(step: str, result: str, at: datetime | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"step": step, "result": result}
    if at is not None:
        entry["at"] = at.isoformat()
    return entry


class Processor:
    def __init__(
        self,
        session: Session,
        state: IngestState,
        policies: Mapping[Severity, SeverityPolicy],
        now: datetime,
        refused: Mapping[Key, RuleViolation] | None = None,
    ) -> None:
        self.session = session
        self.refused = refused or {}
        self.state = state
        self.open = state.open_alerts
        self.policies = policies
        self.now = now
        self.changes = Changes()
        # Each incident a batch joins is locked and checked once: whether it is still open.
        self.open_incidents: dict[int, bool] = {}
        # The incidents this batch opens, written together by flush (before the alert rows).
        self.declarations = incidents_service.Declarations(session, policies)
        self.opened: list[dict[str, Any]] = []
        self.openers: dict[int, Key] = {}

    def prepare(self, jobs: Sequence[Job]) -> None:
        """Before the batch: the groups its new alerts could join that this process has not
        seen, looked up (and on PostgreSQL locked) in one go."""
        wanted: set[Key] = set()
        for job in jobs:
            integration = job.integration
            if not integration.rules.group_by:
                continue
            for alert in job.alerts:
                if alert.action is not AlertAction.TRIGGER:
                    continue
                if (integration.id, alert.dedup_key) in self.open.current:
                    continue
                group_key = make_group_key(alert.labels, integration.rules.group_by)
                if group_key is not None:
                    wanted.add((integration.id, group_key))
        self.open.find_groups(self.session, wanted)

    # ------------------------------------------------------------ per event

    def run(self, job: Job) -> None:
        integration = job.integration
        if job.beat:
            self._beat(job)
        for alert in job.alerts:
            key = (integration.id, alert.dedup_key)
            current = self.open.current.get(key)
            if job.only_new:
                # A periodic check may run in another process than the one that saw the
                # beats and resolutions: ask the database, not this process's cache.
                if current is not None:
                    self.open.drop(current)
                current = self.open.find(self.session, key)
            if alert.action is AlertAction.TRIGGER:
                if (
                    job.only_new
                    and current is not None
                    and current.status is not AlertStatus.RESOLVED
                ):
                    firing = Result.ALREADY_FIRING
                    job.outcomes.append(
                        Outcome(alert.dedup_key, firing, current, current.incident_id)
                    )
                elif current is None:
                    job.outcomes.append(self._new(integration, alert))
                else:
                    job.outcomes.append(self._repeat(integration, alert, current))
            elif (current := self.open.find(self.session, key)) is None:
                job.outcomes.append(Outcome(alert.dedup_key, Result.IGNORED))
            elif alert.action is AlertAction.RESOLVE:
                job.outcomes.append(self._resolve(integration, alert, current))
            else:
                job.outcomes.append(self._acknowledge(integration, alert, current))

    def _new(self, integration: IntegrationInfo, alert: NormalizedAlert) -> Outcome:
        rules = integration.rules
        severity = severity_of(integration, alert)
        group_key = make_group_key(alert.labels, rules.group_by)
        current = new_current(integration, alert, severity, group_key, self.now)
        self.open.add(current)
        self.changes.inserts.append(current)
        where = f"{integration.kind} integration {integration.name!r} (id {integration.id})"
        trace: list[dict[str, Any]] = []
        trace.append(_step("integration", f"{where}, service {integration.service}", self.now))
        mapped = f"severity {alert.source_severity or 'not given'} → {severity.value}"
        trace.append(_step("dedup", f"new: no open alert with key {alert.dedup_key!r}; {mapped}"))
        outcome = self._route(integration, alert, current, trace)
        current.add_steps(*trace)
        return outcome

    def _route(
        self,
        integration: IntegrationInfo,
        alert: NormalizedAlert,
        current: Current,
        trace: list[dict[str, Any]],
    ) -> Outcome:
        """Silence, group, open: append the steps to ``trace``; return the outcome."""
        silence = self._silence(integration, alert)
        if silence is not None:
            current.silenced_by = silence.id
            until = f"{silence.ends_at:%Y-%m-%d %H:%M} UTC"
            matchers = ", ".join(str(m) for m in silence.matchers)
            trace.append(_step("silence", f"silenced by {silence.id} ({matchers}) until {until}"))
            warning = self._note_foreign(silence, integration, alert)
            if warning:
                trace.append(_step("warning", warning))
            trace.append(_step("group", "not considered: silenced"))
            outcome = Outcome(alert.dedup_key, Result.SILENCED, current, silence_id=silence.id)
            return self._finish(trace, integration, outcome)
        current.silenced_by = None
        trace.append(_step("silence", "no active silence matched"))
        incident_id, grouping = self._group(integration, alert, current)
        trace.append(_step("group", grouping))
        if incident_id is not None and not self._still_open(incident_id):
            trace.append(
                _step("group", f"{incidents_service.reference(incident_id)} is no longer open")
            )
            self.open.drop_incident(incident_id)
            incident_id = None
        if incident_id is not None:
            self.open.attach(current, incident_id)
            current.last_logged_at = self.now
            self.changes.joined.setdefault(incident_id, []).append(current)
            self.changes.actors[incident_id] = integration
            outcome = Outcome(alert.dedup_key, Result.JOINED, current, incident_id)
            return self._finish(trace, integration, outcome)
        try:
            body = incident_of(integration, alert, self.now)
        except ValidationError as error:  # the alert's text makes no valid incident
            outcome = Outcome(alert.dedup_key, Result.NOT_OPENED, current, detail=str(error))
            return self._finish(trace, integration, outcome)
        try:
            refusal = self.refused.get(current.key)
            if refusal is not None:  # a listener refused it when this batch ran before
                raise refusal
            incident_id = self._open(integration, alert, current, body)
        except RuleViolation as error:  # the lifecycle rules refuse it
            outcome = Outcome(alert.dedup_key, Result.NOT_OPENED, current, detail=str(error))
            return self._finish(trace, integration, outcome)
        if current.group_key is not None:
            group = Group(incident_id, self.now)
            self.open.groups[(integration.id, current.group_key)] = group
        outcome = Outcome(alert.dedup_key, Result.OPENED, current, incident_id)
        return self._finish(trace, integration, outcome)

    def _still_open(self, incident_id: int) -> bool:
        """Lock the incident an alert joins (once per batch); True if it is still open."""
        known = self.open_incidents.get(incident_id)
        if known is None:
            known = incidents_service.lock_if_open_in(self.session, incident_id=incident_id)
            self.open_incidents[incident_id] = known
        return known

    def _finish(
        self, trace: list[dict[str, Any]], integration: IntegrationInfo, outcome: Outcome
    ) -> Outcome:
        limit = integration.rules.rate_limit_per_minute
        trace.append(_step("rate_limit", f"within {limit} events/min"))
        trace.append(_step("outcome", outcome.sentence()))
        return outcome

    def _silence(
        self, integration: IntegrationInfo, alert: NormalizedAlert
    ) -> ActiveSilence | None:
        return silence_for(
            self.state.silences.active(self.session, self.now),
            name=alert.name,
            labels=alert.labels,
            integration_id=integration.id,
            at=self.now,
        )

    def _note_foreign(
        self, silence: ActiveSilence, integration: IntegrationInfo, alert: NormalizedAlert
    ) -> str | None:
        if not silence.made_for_another(integration.service):
            return None
        count, _ = self.changes.foreign.get(silence.id, (0, ""))
        example = truncate(f"{alert.name} from service {integration.service}", 300)
        self.changes.foreign[silence.id] = (count + 1, example)
        return (
            f"silence {silence.id} was made for service {silence.service}, "
            f"but matched this alert of service {integration.service}"
        )

    def _group(
        self, integration: IntegrationInfo, alert: NormalizedAlert, current: Current
    ) -> tuple[int | None, str]:
        if current.group_key is None:
            return None, "no grouping rule"
        rules = integration.rules
        shown = ", ".join(f"{k}={v}" for k, v in group_labels(alert.labels, rules.group_by).items())
        group = self.open.groups.get((integration.id, current.group_key))
        if (
            group is not None
            and self.open.incident_keys.get(group.incident_id)
            and in_group_window(group.started_at, self.now, integration.group_window)
        ):
            age = int((self.now - group.started_at).total_seconds() // 60)
            joined = incidents_service.reference(group.incident_id)
            text = f"group {{{shown}}} of {joined}, started {age} min ago"
            return group.incident_id, f"{text} (window {rules.group_window_minutes} min)"
        minutes = rules.group_window_minutes
        return None, f"first of group {{{shown}}} in the last {minutes} min"

    def _open(
        self,
        integration: IntegrationInfo,
        alert: NormalizedAlert,
        current: Current,
        body: IncidentCreate,
    ) -> int:
        incident_id = self.declarations.add(actor=integration.actor, incident=body, now=self.now)
        self.opened.append(
            {
                "incident_id": incident_id,
                "integration_id": integration.id,
                "name": alert.name,
                "opened_at": self.now,
                "acted": False,
            }
        )
        self.open_incidents[incident_id] = True  # new in this transaction: no one else sees it
        self.openers[incident_id] = current.key
        self.open.attach(current, incident_id)
        current.last_logged_at = self.now
        return incident_id

    def _repeat(
        self, integration: IntegrationInfo, alert: NormalizedAlert, current: Current
    ) -> Outcome:
        current.count += 1
        current.unwritten_repeats += 1
        current.last_seen_at = self.now
        rewrite = False
        if current.status is AlertStatus.RESOLVED:  # an acknowledged alert stays acknowledged
            current.status, current.ends_at, rewrite = AlertStatus.FIRING, None, True
            current.add_steps(_step("refire", f"firing again (event {current.count})", self.now))
        if current.incident_id is None:
            outcome = self._reroute(integration, alert, current)
            self._touch(current, rewrite=True)
            return outcome
        self._touch(current, rewrite=rewrite)
        if repeat_is_new_burst(current.last_logged_at, self.now, integration.burst_window):
            current.last_logged_at = self.now
            self.changes.repeated.append((integration, current))
        incident_id, count = current.incident_id, current.count
        return Outcome(alert.dedup_key, Result.DEDUPLICATED, current, incident_id, count=count)

    def _reroute(
        self, integration: IntegrationInfo, alert: NormalizedAlert, current: Current
    ) -> Outcome:
        """A repeat of an alert with no incident (silenced, or opening failed): decide again."""
        silence = self._silence(integration, alert)
        if silence is not None and silence.id == current.silenced_by:
            return Outcome(alert.dedup_key, Result.SILENCED, current, silence_id=silence.id)
        steps: list[dict[str, Any]] = [_step("dedup", f"repeat {current.count}", self.now)]
        outcome = self._route(integration, alert, current, steps)
        current.add_steps(*steps)
        return outcome

    def _resolve(
        self, integration: IntegrationInfo, alert: NormalizedAlert, current: Current
    ) -> Outcome:
        incident_id = current.incident_id
        if current.status is AlertStatus.RESOLVED:
            return Outcome(alert.dedup_key, Result.ALREADY_RESOLVED, current, incident_id)
        current.status = AlertStatus.RESOLVED
        current.ends_at = alert.ends_at or self.now
        current.last_seen_at = self.now
        current.add_steps(_step("resolve", "resolved by the source", self.now))
        self._touch(current, rewrite=True)
        if current.incident_id is None:
            self.open.drop(current)
            self.changes.closing.append(current)
        else:
            self.changes.resolved.setdefault(current.incident_id, []).append(current)
            self.changes.actors[current.incident_id] = integration
        return Outcome(alert.dedup_key, Result.RESOLVED, current, incident_id)

    def _acknowledge(
        self, integration: IntegrationInfo, alert: NormalizedAlert, current: Current
    ) -> Outcome:
        if current.status is AlertStatus.FIRING:
            current.status = AlertStatus.ACKNOWLEDGED
            current.add_steps(_step("acknowledge", "acknowledged by the source", self.now))
            self._touch(current, rewrite=True)
        if current.incident_id is not None:
            self.changes.acks[current.incident_id] = integration
        return Outcome(alert.dedup_key, Result.ACKNOWLEDGED, current, current.incident_id)

    def _beat(self, job: Job) -> None:
        integration = job.integration
        self.changes.beats[integration.id] = self.now
        current = self.open.find(self.session, (integration.id, heartbeat_key(integration.id)))
        if current is not None and current.status is not AlertStatus.RESOLVED:
            alert = heartbeat_alert(integration, AlertAction.RESOLVE, self.now)
            job.outcomes.append(self._resolve(integration, alert, current))

    def flush(self) -> None:
        try:
            self.declarations.write(self.now)
        except incidents_service.Refused as refused:
            keys = {self.openers[i]: error for i, error in refused.refused.items()}
            raise OpeningRefused(keys) from refused
        dbbulk.insert_rows(self.session, followed, self.opened)
        self.opened = []
        write(self.session, self.state, self.changes)

    def _touch(self, current: Current, *, rewrite: bool) -> None:
        if current.id is None:
            return  # not inserted yet: the insert carries every change
        if rewrite:
            self.changes.rewritten[current.id] = current
        else:
            self.changes.counted[current.id] = current
