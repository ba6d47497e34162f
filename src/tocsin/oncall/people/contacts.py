"""A person's contact methods and their personal notification rules.

Besides the use cases of the routes, what other features need inside the caller's
transaction: the ``notification_plan_in`` of a person and the ``delivery_target_in`` of a
contact method (both reach other features through ``tocsin.oncall.service``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocsin import clock
from tocsin.crypto import SecretBox
from tocsin.db import Database
from tocsin.errors import Conflict, InvalidInput, NotFound, TocsinError
from tocsin.notify import signing
from tocsin.notify.channels.base import Target
from tocsin.notify.urls import check_outbound_url
from tocsin.oncall.people import tables
from tocsin.oncall.people.schemas import (
    ContactKind,
    ContactMethodCreate,
    ContactMethodCreated,
    ContactMethodOut,
    NotificationRuleCreate,
    NotificationRuleOut,
    PlannedContactOut,
    check_email,
)
from tocsin.storage import flush_unique, get_or_404


@dataclass(frozen=True)
class PlannedContact:
    contact_method_id: int
    kind: str
    label: str
    delay_minutes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- contact methods


def mask(url: str) -> str:
    """Enough of a secret URL to recognize it: the scheme, a web host, the last 4 characters."""
    parts = urlsplit(url)
    shown = parts.hostname if parts.scheme in ("http", "https") else None
    tail = url[-4:] if len(url) >= 16 else ""
    return f"{parts.scheme}://{shown + '/' if shown else ''}…{tail}"


def _method_out(row: tables.ContactMethod) -> ContactMethodOut:
    return ContactMethodOut(
        id=row.id,
        person_id=row.person_id,
        kind=ContactKind(row.kind),
        label=row.label,
        address=row.display,
        created_at=row.created_at,
    )


def _check_apprise(url: str, allow: Sequence[str]) -> None:
    # heavy (Apprise and its plugins): loaded only when someone adds an Apprise URL
    from tocsin.notify.channels.apprise_channel import check_apprise_address

    check_apprise_address(url, allow=allow)


def create_contact_method(
    db: Database,
    *,
    person_id: int,
    body: ContactMethodCreate,
    box: SecretBox,
    outbound_allow: Sequence[str],
) -> ContactMethodCreated:
    """Check the address for its kind; a webhook gets a signing secret, returned only here."""
    kind, address = body.kind, body.address
    row = tables.ContactMethod(
        kind=kind.value, label=body.label or kind.value, created_at=clock.now()
    )
    secret: str | None = None
    if kind is ContactKind.EMAIL:
        try:
            row.address = row.display = check_email(address)
        except ValueError as exc:
            raise InvalidInput(f"address: {exc}", field="address") from None
    elif kind is ContactKind.WEBHOOK:
        row.address = row.display = check_outbound_url(
            address, allow=outbound_allow, field="address"
        )
        secret = signing.new_secret()
        row.sealed_secret = box.seal(secret)
    else:
        if kind is ContactKind.SLACK:
            check_outbound_url(address, allow=outbound_allow, field="address")
        else:
            _check_apprise(address, outbound_allow)
        row.sealed_address, row.display = box.seal(address), mask(address)
    with db.transaction() as session:
        get_or_404(session, tables.Person, person_id, "person")
        row.person_id = person_id
        session.add(row)
        session.flush()
        return ContactMethodCreated(**_method_out(row).model_dump(), signing_secret=secret)


def list_contact_methods(db: Database, *, person_id: int) -> list[ContactMethodOut]:
    with db.reading() as session:
        get_or_404(session, tables.Person, person_id, "person")
        rows = session.scalars(
            select(tables.ContactMethod)
            .where(tables.ContactMethod.person_id == person_id)
            .order_by(tables.ContactMethod.id)
        )
        return [_method_out(row) for row in rows]


def contact_method_counts(db: Database) -> dict[int, int]:
    """How many contact methods each person has (people with none are left out)."""
    method = tables.ContactMethod
    with db.reading() as session:
        rows = session.execute(
            select(method.person_id, func.count(method.id)).group_by(method.person_id)
        ).all()
        return {person_id: count for person_id, count in rows}


def delete_contact_method(db: Database, *, person_id: int, contact_method_id: int) -> None:
    """Its notification rules go with it."""
    with db.transaction() as session:
        row = _own_method(session, person_id, contact_method_id, missing=NotFound)
        session.delete(row)


def _own_method(
    session: Session, person_id: int, contact_method_id: int, *, missing: type[TocsinError]
) -> tables.ContactMethod:
    get_or_404(session, tables.Person, person_id, "person")
    row = session.get(tables.ContactMethod, contact_method_id)
    if row is None or row.person_id != person_id:
        raise missing(
            f"contact_method_id: person {person_id} has no contact method {contact_method_id}",
            field="contact_method_id",
        )
    return row


# ---------------------------------------------------------------- notification rules


def _rule_out(rule: tables.NotificationRule, method: tables.ContactMethod) -> NotificationRuleOut:
    return NotificationRuleOut(
        id=rule.id,
        person_id=rule.person_id,
        contact_method_id=method.id,
        kind=ContactKind(method.kind),
        label=method.label,
        delay_minutes=rule.delay_minutes,
    )


def create_rule(
    db: Database, *, person_id: int, body: NotificationRuleCreate
) -> NotificationRuleOut:
    with db.transaction() as session:
        method = _own_method(session, person_id, body.contact_method_id, missing=InvalidInput)
        duplicate = session.scalar(
            select(tables.NotificationRule.id).where(
                tables.NotificationRule.contact_method_id == method.id,
                tables.NotificationRule.delay_minutes == body.delay_minutes,
            )
        )
        if duplicate is not None:
            raise Conflict(f"rule {duplicate} already does this", field="delay_minutes")
        rule = tables.NotificationRule(
            person_id=person_id, contact_method_id=method.id, delay_minutes=body.delay_minutes
        )
        session.add(rule)
        flush_unique(session, field="delay_minutes", message="a rule already does this")
        return _rule_out(rule, method)


def list_rules(db: Database, *, person_id: int) -> list[NotificationRuleOut]:
    with db.reading() as session:
        get_or_404(session, tables.Person, person_id, "person")
        rows = session.execute(
            select(tables.NotificationRule, tables.ContactMethod)
            .join(tables.ContactMethod)
            .where(tables.NotificationRule.person_id == person_id)
            .order_by(tables.NotificationRule.delay_minutes, tables.NotificationRule.id)
        ).all()
        return [_rule_out(rule, method) for rule, method in rows]


def delete_rule(db: Database, *, person_id: int, rule_id: int) -> None:
    with db.transaction() as session:
        rule = session.get(tables.NotificationRule, rule_id)
        if rule is None or rule.person_id != person_id:
            get_or_404(session, tables.Person, person_id, "person")
            raise NotFound(f"person {person_id} has no rule {rule_id}", field="rule_id")
        session.delete(rule)


def notification_plan(db: Database, *, person_id: int) -> list[PlannedContactOut]:
    with db.reading() as session:
        get_or_404(session, tables.Person, person_id, "person")
        plan = notification_plan_in(session, person_id=person_id)
        return [PlannedContactOut.model_validate(p.to_dict()) for p in plan]


def notification_plan_in(session: Session, *, person_id: int) -> list[PlannedContact]:
    """The person's rules sorted by delay; with no rules, every contact method right away."""
    methods = {
        m.id: m
        for m in session.scalars(
            select(tables.ContactMethod).where(tables.ContactMethod.person_id == person_id)
        )
    }
    rules = session.scalars(
        select(tables.NotificationRule).where(tables.NotificationRule.person_id == person_id)
    ).all()
    pairs = [(r.delay_minutes, methods[r.contact_method_id]) for r in rules]
    if not rules:
        pairs = [(0, method) for method in methods.values()]
    plan = [
        PlannedContact(contact_method_id=m.id, kind=m.kind, label=m.label, delay_minutes=delay)
        for delay, m in pairs
    ]
    return sorted(plan, key=lambda p: (p.delay_minutes, p.contact_method_id))


def mail_contact_in(session: Session, *, person_id: int) -> PlannedContact | None:
    """The person's first mail contact method (for mail that is no page), if any."""
    method = session.scalar(
        select(tables.ContactMethod)
        .where(
            tables.ContactMethod.person_id == person_id,
            tables.ContactMethod.kind == ContactKind.EMAIL.value,
        )
        .order_by(tables.ContactMethod.id)
        .limit(1)
    )
    if method is None:
        return None
    return PlannedContact(
        contact_method_id=method.id, kind=method.kind, label=method.label, delay_minutes=0
    )


def contact_method_in(
    session: Session, *, person_id: int, contact_method_id: int
) -> PlannedContact:
    """One contact method of the person (a test page goes to it); NotFound if not theirs."""
    method = _own_method(session, person_id, contact_method_id, missing=NotFound)
    return PlannedContact(
        contact_method_id=method.id, kind=method.kind, label=method.label, delay_minutes=0
    )


def delivery_target_in(
    session: Session, *, contact_method_id: int, box: SecretBox
) -> Target | None:
    """Where to deliver for this contact method (secrets opened), or None if it was deleted."""
    method = session.get(tables.ContactMethod, contact_method_id)
    if method is None:
        return None
    kind = ContactKind(method.kind)
    if kind.sealed:
        assert method.sealed_address is not None
        return Target(kind=kind.value, address=box.open(method.sealed_address))
    assert method.address is not None
    secret = box.open(method.sealed_secret) if method.sealed_secret else None
    return Target(kind=kind.value, address=method.address, secret=secret)
