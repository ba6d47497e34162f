"""Opsgenie users (contacts, notification rules) and teams as Tocsin people and teams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from tocsin.config_as_code.document import (
    ContactMethodDoc,
    NotificationRuleDoc,
    PersonDoc,
    TeamDoc,
)
from tocsin.importers.contacts import ContactBook
from tocsin.importers.keys import PeopleDirectory, normalize_email
from tocsin.importers.opsgenie.common import (
    NOBODY_PERSON,
    Context,
    key,
    label,
    minutes,
    slug,
    unique,
)
from tocsin.oncall.people.schemas import check_zone

_LOST_KINDS = {
    "sms": "SMS",
    "voice": "phone calls",
    "mobile": "mobile app push",
}
_INSTEAD = (
    "Tocsin has no provider for it; give this person an email, Slack, webhook or Apprise "
    "contact method (Apprise reaches SMS gateways and push services) and a rule for it"
)


def _method(contact: Mapping[str, Any]) -> str:
    return str(contact.get("method") or contact.get("contactMethod") or "").lower()


def _zone(user: Mapping[str, Any], ctx: Context, where: str) -> str:
    zone = str(user.get("timeZone") or "UTC")
    try:
        return check_zone(zone)
    except ValueError:
        ctx.report.changed(where, f"time zone {zone!r} is not an IANA zone; UTC was used")
        return "UTC"


def _email(methods: ContactBook, address: str, method_key: str) -> str:
    method = ContactMethodDoc(
        key=method_key, kind="email", label=f"email {address}"[:100], address=address
    )
    return methods.add(method)


def _rules(
    user: Mapping[str, Any], methods: ContactBook, ctx: Context, where: str
) -> list[NotificationRuleDoc]:
    rules = [r for r in user.get("notificationRules") or [] if r.get("enabled", True)]
    paging = sorted(
        (r for r in rules if r.get("actionType") == "create-alert"),
        key=lambda r: (r.get("order") or 0, str(r.get("id"))),
    )
    others = sorted({str(r.get("actionType")) for r in rules} - {"create-alert"})
    if others:
        ctx.report.lost(
            where, f"notification rules for {', '.join(others)}: Tocsin notifies when paged only"
        )
    if not paging:
        ctx.report.changed(
            where,
            "no enabled create-alert notification rule; Tocsin will notify every contact "
            "method at once when paged",
        )
        return []
    first, *rest = paging
    for rule in rest:
        ctx.report.lost(
            f"{where} rule {rule.get('id')} ({rule.get('name')})",
            f"only one create-alert rule is carried over (the first, {first.get('name')!r})",
        )
    criteria = (first.get("criteria") or {}).get("type", "match-all")
    if criteria != "match-all" or first.get("timeRestriction"):
        ctx.report.changed(
            f"{where} rule {first.get('id')} ({first.get('name')})",
            "its conditions and time restriction are not carried; its steps apply to every page",
        )
    found: list[NotificationRuleDoc] = []
    for step in first.get("steps") or []:
        if not step.get("enabled", True):
            continue
        contact = step.get("contact") or {}
        method, address = _method(contact), str(contact.get("to") or "")
        delay = minutes(step.get("sendAfter"))
        if method != "email" or not address:
            kind = _LOST_KINDS.get(method, method or "unknown")
            ctx.report.lost(f"{where} step after {delay} min", f"{kind} to {address}: {_INSTEAD}")
            continue
        if delay > 1440:
            ctx.report.changed(f"{where} step after {delay} min", "Tocsin waits at most 1440 min")
            delay = 1440
        step_key = key("email", f"{user.get('id')}-{address}")
        found.append(
            NotificationRuleDoc(contact=_email(methods, address, step_key), delay_minutes=delay)
        )
    return found


def convert_people(
    users: Sequence[Mapping[str, Any]], directory: PeopleDirectory, ctx: Context
) -> list[PersonDoc]:
    people: list[PersonDoc] = []
    handles = {
        str(found["handle"])
        for user in users
        if (found := directory.existing(user.get("username"))) is not None
    }
    for user in sorted(
        users, key=lambda u: (normalize_email(u.get("username")) or "", str(u.get("id")))
    ):
        where = label(user, "user")
        email = normalize_email(user.get("username"))
        if email is None or "@" not in email:
            ctx.report.unmatched(where, "has no email username; not imported")
            continue
        if email in ctx.people_by_email:
            ctx.report.unmatched(where, f"shares the email {email} with another user; not imported")
            continue
        existing = directory.existing(email)
        person_key = directory.key_for(email, key("user", user.get("id")))
        methods = ContactBook(existing.get("contact_methods") or [] if existing else [])
        for contact in user.get("contacts") or user.get("userContacts") or []:
            method, address = _method(contact), str(contact.get("to") or "")
            if method == "email" and address:
                _email(methods, address, key("contact", contact.get("id") or address))
            elif method:
                kind = _LOST_KINDS.get(method, method)
                ctx.report.lost(f"{where} contact {address}", f"{kind}: {_INSTEAD}")
        if not any(m.kind.value == "email" for m in methods.docs):
            _email(methods, email, key("email", f"{user.get('id')}-{email}"))
        rules = _rules(user, methods, ctx, where)
        if existing is not None:
            name, handle = str(existing["name"]), str(existing["handle"])
            zone = str(existing.get("time_zone") or _zone(user, ctx, where))
            ctx.report.note(
                where,
                f"matched Tocsin person {person_key} by email; kept its name, "
                "handle, time zone and contact methods, rules set from Opsgenie",
            )
        else:
            name = str(user.get("fullName") or email)[:200]
            handle = unique(slug(email.split("@")[0], "user"), handles)
            zone = _zone(user, ctx, where)
        try:
            person = PersonDoc(
                key=person_key,
                name=name,
                handle=handle,
                email=existing.get("email", email) if existing else email,
                time_zone=zone,
                contact_methods=methods.docs,
                notification_rules=rules,
            )
        except ValidationError as error:
            problem = error.errors()[0]
            field = ".".join(str(part) for part in problem["loc"])
            ctx.report.unmatched(where, f"not imported: {field}: {problem['msg']}")
            continue
        people.append(person)
        ctx.people_by_user[str(user.get("id"))] = person_key
        ctx.people_by_email[email] = person_key
    return sorted(people, key=lambda p: p.key)


def convert_teams(teams: Sequence[Mapping[str, Any]], ctx: Context) -> list[TeamDoc]:
    found: list[TeamDoc] = []
    for team in teams:
        team_id = str(team.get("id"))
        team_key = key("team", team_id)
        ctx.team_keys[team_id] = team_key
        ctx.team_names[str(team.get("name") or "").strip().lower()] = team_id
        members: list[str] = []
        roles: list[tuple[str, str]] = []
        for member in team.get("members") or []:
            person = ctx.person(member.get("user"))
            if person is None:
                ctx.report.unmatched(
                    label(team, "team"), f"member {member.get('user')} is not imported"
                )
            elif person not in members:
                members.append(person)
                roles.append((person, str(member.get("role") or "user")))
        ctx.team_members[team_id] = roles
        found.append(
            TeamDoc(
                key=team_key,
                name=str(team.get("name") or team_id)[:100],
                description=str(team.get("description") or ""),
                members=members,
            )
        )
    return sorted(found, key=lambda t: t.key)


def nobody_person() -> PersonDoc:
    return PersonDoc(
        key=NOBODY_PERSON,
        name="Nobody (Opsgenie gap)",
        handle="opsgenie-nobody",
        contact_methods=[],
        notification_rules=[],
    )
