"""Tocsin, put together: every reaction to every change, listed in one place.

The web app (:func:`tocsin.web.app.create_app`) and the worker (:class:`tocsin.worker.loop.
Worker`) both run on a :class:`Tocsin` built by :func:`assemble`. Reading :func:`assemble`
tells you everything that happens when something changes:

- **The audit log**: every change of a configuration or access table (people, schedules,
  policies, services, integrations, silences, status page settings, tokens…) and every
  sign-in is written, with who and from where, in the transaction that makes it.
- **Listeners**, run inside the transaction of an incident change (``tocsin.hooks``): the
  incident's alerts follow it (closed on resolve, noise figures on ack), and paging starts
  when a paging incident opens and stops when someone has it, and the status page's
  components follow the open incidents on their services; a resolution whose severity
  requires a postmortem opens one (a retitled incident re-indexes it for search); an opened
  or resolved incident gets a timer that records its recurrences; a resolved SEV1/SEV2 gets
  a draft public post-incident report, and the customers who reported it are mailed once. A
  scheduled maintenance that starts, moves or ends with ``silence_alerts`` silences or
  unsilences its services' alerts; its notices (announced, reminder, started, completed,
  cancelled) go to its page's subscribers.
- **Timer handlers**, run by the worker when a durable timer is due: an escalation level
  fires; an overdue internal update or public acknowledgement reminds the Communications
  Lead, then the Incident Commander; an overdue postmortem draft or review meeting, or an
  overdue action item, reminds its owner; an incident's recurrences are recorded; a public
  post-incident report is overdue; a scheduled maintenance starts, completes or sends its
  reminder.
- **Periodic jobs**, run by every worker every so often: missed heartbeats raise alerts;
  due synthetic checks run (on their own threads) and failing ones raise alerts; check
  results past their retention are deleted (the status page's daily tallies keep uptime);
  mail subscriptions never confirmed are deleted.
- **Outbox routes**, by the group of an outbox message: messages that are not pages (status
  page subscribers) say who receives them and what their outcome changes, and which of them
  go in batches (subscriber mail: 200 per thread, one SMTP connection, one transaction).
- **Page sections**, added to the incident page by features the incidents feature must not
  import: the alerts behind the incident, its customer reports and affected customers, a
  link to its postmortem, and the past incidents like it ("this happened before"); and the
  open incidents of each service, for the services page (on-call must not import incidents).
- **State kept in memory**, one of each per application so that two in one process never
  share them: the alert ingest's caches, the cache of checked API tokens and the status
  page's snapshot (rebuilt after the commits that change it; served without the database).

Nothing subscribes at import time; a feature only offers functions, and this module decides
which of them run when.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from tocsin.access.api import HIDING_PARAMS
from tocsin.access.hooks import SignedIn
from tocsin.access.service import Principal, TokenCache
from tocsin.access.wiring import AccessWiring
from tocsin.alerts import follow as alerts_follow
from tocsin.alerts import maintenance_silences
from tocsin.alerts import service as alerts_service
from tocsin.alerts.state import IngestState
from tocsin.audit import recorder as audit_recorder
from tocsin.audit import service as audit_service
from tocsin.checks import runs as checks_runs
from tocsin.config import Settings
from tocsin.core.postmortems import ITEM_UNFINISHED
from tocsin.core.visibility import Reader
from tocsin.db import Database
from tocsin.incidents import service as incidents_service
from tocsin.incidents.hooks import IncidentChanged
from tocsin.incidents.listing import PagedNow
from tocsin.incidents.severity_policies import PolicyBook
from tocsin.metrics import facts as metrics_facts
from tocsin.notify.batches import Batching
from tocsin.notify.channels.base import Channel, Delivery, Message, Target
from tocsin.notify.channels.registry import build_channels
from tocsin.notify.service import ClaimedMessage, Outcome
from tocsin.oncall import service as oncall_service
from tocsin.paging import now as paging_now
from tocsin.paging import service as paging_service
from tocsin.postmortems import service as postmortems_service
from tocsin.rate_limits import ClientLimits
from tocsin.recurrence import service as recurrence_service
from tocsin.reports import resolved as reports_resolved
from tocsin.reports import service as reports_service
from tocsin.statuspage import post_incident
from tocsin.statuspage import publishing as statuspage_publishing
from tocsin.statuspage import service as statuspage_service
from tocsin.statuspage.maintenance import lifecycle as maintenance_lifecycle
from tocsin.statuspage.maintenance import service as maintenance_service
from tocsin.statuspage.maintenance.hooks import MaintenanceNotice, MaintenanceWindowChanged
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.subscribers import delivery as subscribers_delivery
from tocsin.statuspage.subscribers import service as subscribers_service
from tocsin.statuspage.subscribers import updates as subscribers_updates
from tocsin.timers.service import DueTimer

TimerHandler = Callable[[DueTimer], None]
TimersHandler = Callable[[Sequence[DueTimer]], None]
Prepare = Callable[[Sequence[ClaimedMessage]], list[tuple[Target, Message] | Delivery]]
MAIL_BATCH = 200
"""Subscriber mails per delivery thread, claim, SMTP connection and recording transaction."""
PageSection = Callable[[int, Reader], Mapping[str, Any]]
"""Extra context for the incident page: ``section(incident_id, reader) -> {name: value}``;
``reader`` (who views the page) sees no other private incident it is no member of."""
ServiceCounts = Callable[[], Mapping[str, int]]
"""Open incidents per service name, for the services page (on-call may not import incidents)."""


@dataclass(frozen=True)
class Periodic:
    """A job every worker runs every ``every`` seconds; returns how much it found."""

    every: float
    run: Callable[[], int]


@dataclass(frozen=True)
class OutboxRoute:
    """How the worker delivers the outbox messages of one group prefix (``prefix:...``)
    that are not pages: ``send`` finds the receiver and sends, ``after_delivery_in`` runs in
    the transaction that records the outcome. With ``batching``, the messages it takes are
    sent a batch per delivery thread: ``prepare`` finds their receivers, the channel's session
    sends them over one connection, and one transaction records them all (``after_delivery_in``
    for each)."""

    send: Callable[[ClaimedMessage, Mapping[str, Channel]], Delivery]
    after_delivery_in: Callable[[Session, ClaimedMessage, Outcome, Delivery], None]
    batching: Batching | None = None
    """Which of its messages the worker claims, sends and records many at a time."""
    prepare: Prepare | None = None
    """For a batch (required with ``batching``): each message's receiver and message, or
    the ``Delivery`` to record instead."""


@dataclass(frozen=True)
class Tocsin:
    """The assembled application: settings, storage, in-memory state and every reaction."""

    settings: Settings
    db: Database
    ingest: IngestState
    tokens: TokenCache
    statuspage: SnapshotStore
    policies: PolicyBook
    """The severity policies in effect (the deployment's, and what an admin stored)."""
    access: AccessWiring
    timer_handlers: Mapping[str, TimerHandler] = field(default_factory=dict)
    # kinds whose claimed timers are run together, one call per pass (a storm's many)
    timer_batch_handlers: Mapping[str, TimersHandler] = field(default_factory=dict)
    # kinds that can wait while alerts arrive: the worker paces them (worker.loop)
    background_timers: frozenset[str] = frozenset()
    periodic: Mapping[str, Periodic] = field(default_factory=dict)
    incident_sections: tuple[PageSection, ...] = ()
    paged_now: PagedNow = field(default=lambda ids: {})
    """Who is being paged now for each incident, for the console's list (paging's data)."""
    open_incidents_by_service: ServiceCounts = dict
    outbox_routes: Mapping[str, OutboxRoute] = field(default_factory=dict)
    client_limits: ClientLimits = field(default_factory=ClientLimits)
    """The public endpoints' per-address rate limits (sign-in per client and per mail
    address, report form, subscribe)."""


def assemble(settings: Settings, db: Database) -> Tocsin:
    """Build the application on ``db`` and wire every listener to it (once per database)."""
    if db.hooks.listeners(IncidentChanged):
        raise RuntimeError("this database is assembled already: share its Tocsin instead")
    policies = PolicyBook(db, settings.policies)
    ingest = IngestState(policies=policies)
    statuspage = SnapshotStore(
        db,
        base_url=settings.base_url,
        default_name=settings.statuspage_name,
        file=settings.statuspage_snapshot_path,
    )

    # The audit log: every flush of a watched configuration table notes its changes, and the
    # commit writes them (tocsin.audit.recorder); a sign-in is an entry in its transaction.
    audit_recorder.watch(db)
    db.hooks.subscribe(SignedIn, audit_service.on_signed_in)

    # In the transaction of every incident change, in this order:
    # The dashboard's per-incident facts: the ORM's flush keeps them (metrics.facts); this
    # covers incidents an alert batch opens together, written by statements.
    db.hooks.subscribe(
        IncidentChanged, metrics_facts.on_incident_changed, many=metrics_facts.on_incidents_opened
    )
    db.hooks.subscribe(IncidentChanged, partial(alerts_follow.on_incident_changed, state=ingest))
    db.hooks.subscribe(
        IncidentChanged,
        partial(paging_service.on_incident_changed, policies=policies),
        many=partial(paging_service.on_incidents_changed, policies=policies),
    )
    db.hooks.subscribe(
        IncidentChanged,
        partial(statuspage_service.on_incident_changed, store=statuspage),
        many=partial(statuspage_service.on_incidents_changed, store=statuspage),
    )
    db.hooks.subscribe(
        IncidentChanged,
        partial(postmortems_service.on_incident_changed, settings=settings, policies=policies),
    )
    # retitled: its postmortem's search index row follows
    db.hooks.subscribe(IncidentChanged, postmortems_service.index_on_incident_changed)
    # opened or resolved: the worker records its recurrences (a timer, off the ingest path)
    db.hooks.subscribe(
        IncidentChanged,
        recurrence_service.on_incident_changed,
        many=recurrence_service.on_incidents_changed,
    )
    # a SEV1/SEV2 resolved: its public post-incident report is drafted
    db.hooks.subscribe(IncidentChanged, post_incident.on_incident_changed)
    # resolved: every customer who reported it is mailed once
    mail = reports_resolved.MailSettings(settings.base_url, settings.statuspage_name)
    db.hooks.subscribe(IncidentChanged, partial(reports_resolved.on_incident_changed, mail=mail))

    # In the transaction of a maintenance starting, moving or ending: its alert silences.
    db.hooks.subscribe(
        MaintenanceWindowChanged,
        partial(maintenance_silences.on_maintenance_changed, state=ingest),
    )
    # In the transaction of a maintenance's notice: its page's subscribers are told, once.
    db.hooks.subscribe(
        MaintenanceNotice, partial(subscribers_updates.on_maintenance_notice, store=statuspage)
    )

    return Tocsin(
        settings=settings,
        db=db,
        ingest=ingest,
        tokens=TokenCache(),
        statuspage=statuspage,
        policies=policies,
        access=AccessWiring(
            person_name=_person_name,
            send_mail=partial(_account_mail, settings),
            sees_path=partial(_sees_path, db),
        ),
        timer_handlers={
            paging_service.TIMER_KIND: partial(_escalate, db, settings),
            incidents_service.REMINDER_TIMER_KIND: partial(_remind, db, settings),
            post_incident.TIMER_KIND: partial(_remind_post_incident, db),
            maintenance_lifecycle.TIMER_KIND: partial(_maintenance, db, statuspage),
            postmortems_service.REMINDER_TIMER_KIND: partial(_remind_postmortem, db, settings),
        },
        timer_batch_handlers={
            recurrence_service.TIMER_KIND: partial(_record_many_recurrences, db),
        },
        background_timers=frozenset({recurrence_service.TIMER_KIND}),
        periodic={
            "heartbeats": Periodic(
                alerts_service.HEARTBEAT_CHECK_SECONDS,
                partial(alerts_service.check_heartbeats, db, ingest),
            ),
            "checks": Periodic(
                checks_runs.CHECKS_POLL_SECONDS,
                checks_runs.CheckRunner(db, ingest, settings).run,
            ),
            "check-results-retention": Periodic(
                checks_runs.PRUNE_SECONDS, partial(checks_runs.prune_results, db)
            ),
            "unconfirmed-subscribers": Periodic(
                subscribers_service.PURGE_SECONDS,
                partial(
                    subscribers_service.purge_unconfirmed,
                    db,
                    older_than=timedelta(days=settings.statuspage_unconfirmed_days),
                ),
            ),
        },
        incident_sections=(
            _own(partial(alerts_service.incident_section, db)),
            _own(partial(reports_service.incident_section, db)),
            _own(partial(_incident_postmortem, db)),
            partial(recurrence_service.incident_section, db),
            _own(partial(paging_now.incident_section, db)),
            _own(partial(statuspage_publishing.incident_section, db)),
        ),
        paged_now=partial(paging_service.paged_now, db),
        open_incidents_by_service=partial(_open_incidents_by_service, db),
        outbox_routes={
            subscribers_delivery.GROUP: OutboxRoute(
                send=partial(subscribers_delivery.send, db=db, settings=settings),
                after_delivery_in=partial(
                    subscribers_delivery.after_delivery_in,
                    max_failures=settings.statuspage_subscriber_max_failures,
                ),
                # mail by the batch, over one SMTP connection; webhooks one by one
                batching=Batching(subscribers_delivery.GROUP, frozenset({"email"}), MAIL_BATCH),
                prepare=partial(subscribers_delivery.prepare, db=db, settings=settings),
            ),
        },
    )


def _escalate(db: Database, settings: Settings, timer: DueTimer) -> None:
    paging_service.fire(db, timer=timer, settings=settings)


def _remind(db: Database, settings: Settings, timer: DueTimer) -> None:
    incidents_service.fire_reminder(db, timer=timer, settings=settings)


def _remind_post_incident(db: Database, timer: DueTimer) -> None:
    post_incident.remind(db, timer=timer)


def _maintenance(db: Database, store: SnapshotStore, timer: DueTimer) -> None:
    maintenance_service.fire(db, store, timer=timer)


def _remind_postmortem(db: Database, settings: Settings, timer: DueTimer) -> None:
    postmortems_service.fire_reminder(db, timer=timer, settings=settings)


def _record_many_recurrences(db: Database, timers: Sequence[DueTimer]) -> None:
    recurrence_service.fire_many(db, timers=timers)


# The page's own incident is one its reader sees: most sections show only what is of it.
def own_section(
    section: Callable[[int], Mapping[str, Any]], incident_id: int, _reader: Reader
) -> Mapping[str, Any]:
    """A section of the page's own incident alone, which needs no reader."""
    return section(incident_id)


def _own(section: Callable[[int], Mapping[str, Any]]) -> PageSection:
    return partial(own_section, section)


def _incident_postmortem(db: Database, incident_id: int) -> Mapping[str, Any]:
    """The incident's postmortem, and its action items (how many, how many still open)."""
    found = postmortems_service.find_for_incident(db, incident_id=incident_id)
    items = postmortems_service.items_of(db, postmortem_id=found.id) if found else []
    unfinished = [item for item in items if item.status in ITEM_UNFINISHED]
    return {"postmortem": found, "action_items": len(items), "open_action_items": len(unfinished)}


def _open_incidents_by_service(db: Database) -> Mapping[str, int]:
    with db.reading() as session:
        found = incidents_service.open_severities_by_service(session)
    return {name: len(severities) for name, severities in found.items()}


def _sees_path(db: Database, principal: Principal, params: Mapping[str, str]) -> bool:
    """The visibility rule for the incident a route's path names, directly or through its
    postmortem or alert (access asks before every route with path parameters). A missing
    incident is not seen either, by anyone: its routes answer 404 alike, so a hidden one
    answers exactly as a missing one does."""
    ids = {name: int(value) for name, value in params.items() if str(value).isdigit()}
    if not ids.keys() & set(HIDING_PARAMS):
        return True
    reader = incidents_service.reader_of(principal)
    with db.reading() as session:
        incident_id = ids.get("incident_id")
        if incident_id is None and "postmortem_id" in ids:
            incident_id = postmortems_service.incident_id_of_in(session, ids["postmortem_id"])
        if incident_id is None and "alert_id" in ids:
            incident_id = alerts_service.incident_id_of_in(session, ids["alert_id"])
        if incident_id is None:
            return True  # no such postmortem or alert, or one of no incident: the route says
        return incidents_service.may_see_in(session, reader, incident_id)


def _person_name(session: Session, person_id: int) -> str | None:
    """A user's on-call person, by name (access names the signed-in user so)."""
    found = oncall_service.people_in(session, [person_id]).get(person_id)
    return found.name if found else None


def _account_mail(settings: Settings, to: str, subject: str, text: str) -> str | None:
    """A password reset or invitation, sent at once through the mail channel (its link is
    a secret: it is never queued in the outbox)."""
    channel = build_channels(settings)["email"]
    key = f"account:{uuid.uuid4()}"
    delivery = channel.send(
        Target("email", to), Message(key, subject, text, event="account.link", to=to)
    )
    return None if delivery.ok else (delivery.error or "the mail was not sent")
