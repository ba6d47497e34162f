"""PagerDuty users and teams as Tocsin people and teams.

Only email contact methods carry over (Tocsin has email, webhook, Slack and Apprise);
phone, SMS and push need a provider Tocsin does not have. PagerDuty keeps separate
notification rules for high- and low-urgency incidents; Tocsin's rules have no urgency, so
the high-urgency rules are carried exactly and differing low-urgency ones are reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tocsin.config_as_code.document import (
    ContactMethodDoc,
    NotificationRuleDoc,
    PersonDoc,
    TeamDoc,
)
from tocsin.importers.contacts import ContactBook
from tocsin.importers.keys import PeopleDirectory, normalize_email
from tocsin.importers.pagerduty.common import key, label, ref_id, slug, teams_of, unique
from tocsin.importers.report import ImportReport
from tocsin.oncall.people.schemas import check_email, check_zone

_LOST_KINDS = {
    "phone_contact_method": "phone calls",
    "sms_contact_method": "SMS",
    "push_notification_contact_method": "push notifications",
}
_INSTEAD = (
    "Tocsin has no phone/SMS/push provider: add an Apprise contact method (an Apprise URL "
    "for your SMS or push service, e.g. twilio:// or pover://) or a webhook instead"
)


def _zone(user: Mapping[str, Any], report: ImportReport, where: str) -> str:
    zone = user.get("time_zone") or "UTC"
    try:
        return check_zone(str(zone))
    except ValueError:
        report.changed(where, f"time zone {zone!r} is not an IANA name; UTC is used")
        return "UTC"


def _email(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return check_email(text.strip())
    except ValueError:
        return None


def _contact_methods(
    user: Mapping[str, Any], report: ImportReport, where: str
) -> tuple[list[ContactMethodDoc], dict[str, str]]:
    """Email methods, and PagerDuty contact method id -> the method's key in the file."""
    methods: list[ContactMethodDoc] = []
    keys: dict[str, str] = {}
    for method in user.get("contact_methods") or ():
        kind = str(method.get("type", "")).removesuffix("_reference")
        name = str(method.get("label") or method.get("summary") or "email")[:100]
        if kind in _LOST_KINDS:
            report.lost(
                f"{where} contact method {name!r}",
                f"{_LOST_KINDS[kind]} were not carried over. {_INSTEAD}",
            )
            continue
        address = _email(method.get("address"))
        if kind != "email_contact_method" or address is None:
            report.lost(
                f"{where} contact method {name!r}",
                f"type {kind or '?'} without a usable email address was not carried over",
            )
            continue
        method_key = key("contact", str(method["id"]))
        keys[str(method["id"])] = method_key
        methods.append(ContactMethodDoc(key=method_key, kind="email", label=name, address=address))
    return methods, keys


def _rules(
    user: Mapping[str, Any], contacts: Mapping[str, str], report: ImportReport, where: str
) -> list[NotificationRuleDoc]:
    by_urgency: dict[str, set[tuple[str, int]]] = {"high": set(), "low": set()}
    dropped: set[str] = set()
    for rule in user.get("notification_rules") or ():
        urgency = str(rule.get("urgency") or "high")
        method = ref_id(rule.get("contact_method")) or ""
        delay = rule.get("start_delay_in_minutes")
        if not isinstance(delay, int):
            report.lost(f"{where} notification rule {ref_id(rule)}", "it has no delay")
            continue
        if method not in contacts:
            dropped.add(method)
            continue
        if delay > 1440:
            report.changed(
                f"{where} notification rule {ref_id(rule)}",
                f"a delay of {delay} minutes is more than Tocsin's 1440; 1440 is used",
            )
            delay = 1440
        by_urgency.setdefault(urgency, set()).add((contacts[method], delay))
    if dropped:
        report.lost(
            f"{where} notification rules",
            f"{len(dropped)} contact method(s) they notify were not carried over, "
            "so their rules were not either",
        )
    high, low = by_urgency["high"], by_urgency["low"]
    if low and low != high:
        extra = sorted(low - high, key=lambda r: (r[1], r[0]))
        report.lost(
            f"{where} low-urgency notification rules",
            "Tocsin's rules have no urgency; the high-urgency rules were carried"
            + (
                f"; low-urgency only: {', '.join(f'{c} after {d} min' for c, d in extra)}"
                if extra
                else "; low urgency notifies fewer methods"
            ),
        )
    ordered = sorted(high, key=lambda rule: (rule[1], rule[0]))
    return [NotificationRuleDoc(contact=c, delay_minutes=d) for c, d in ordered]


def _merged_methods(
    existing: Mapping[str, Any], imported: list[ContactMethodDoc], contacts: dict[str, str]
) -> list[ContactMethodDoc]:
    """A matched person keeps their Tocsin methods, PagerDuty's added (its rules then point
    at the method of the same address Tocsin has)."""
    book = ContactBook(existing.get("contact_methods") or ())
    renamed = {method.key: book.add(method) for method in imported}
    for source_id, method_key in contacts.items():
        contacts[source_id] = renamed.get(method_key, method_key)
    return book.docs


def convert_people(
    users: Sequence[Mapping[str, Any]], people: PeopleDirectory, report: ImportReport
) -> tuple[list[PersonDoc], dict[str, str]]:
    """The people, and PagerDuty user id -> person key."""
    docs: list[PersonDoc] = []
    by_id: dict[str, str] = {}
    handles: set[str] = set()
    emails: dict[str, str] = {}
    for user in users:
        where = f"user {label(user)}"
        user_id = str(user["id"])
        email = _email(user.get("email"))
        if email is None:
            report.unmatched(where, f"email {user.get('email')!r} is not usable; imported without")
        normalized = normalize_email(email)
        if normalized is not None and normalized in emails:
            report.unmatched(
                where, f"has the same email as user {emails[normalized]}; not imported twice"
            )
            by_id[user_id] = by_id[emails[normalized]]
            continue
        existing = people.existing(email)
        methods, contacts = _contact_methods(user, report, where)
        if existing is not None:
            methods = _merged_methods(existing, methods, contacts)
        rules = _rules(user, contacts, report, where)
        if existing is not None:
            person_key, name, handle = existing["key"], existing["name"], existing["handle"]
            handles.add(handle)
        else:
            person_key = key("user", user_id)
            name = str(user.get("name") or email or user_id).strip()[:200]
            local = (normalized or "").split("@")[0]
            handle = unique(slug(local) or slug(name), handles, user_id)
        if normalized is not None:
            emails[normalized] = user_id
        by_id[user_id] = person_key
        docs.append(
            PersonDoc(
                key=person_key,
                name=name,
                handle=handle,
                email=(existing or {}).get("email") or normalized,
                time_zone=_zone(user, report, where),
                contact_methods=methods,
                notification_rules=rules,
            )
        )
    return docs, by_id


def convert_teams(
    teams: Sequence[Mapping[str, Any]],
    users: Sequence[Mapping[str, Any]],
    people: Mapping[str, str],
) -> tuple[list[TeamDoc], dict[str, str]]:
    """Teams with their members (from each user's ``teams``), and team id -> team key."""
    members: dict[str, list[str]] = {}
    for user in users:
        person = people.get(str(user["id"]))
        for team_id in teams_of(user):
            if person is not None and person not in members.setdefault(team_id, []):
                members[team_id].append(person)
    docs: list[TeamDoc] = []
    by_id: dict[str, str] = {}
    for team in teams:
        team_id = str(team["id"])
        by_id[team_id] = key("team", team_id)
        docs.append(
            TeamDoc(
                key=by_id[team_id],
                name=str(team.get("name") or team_id).strip()[:100],
                description=str(team.get("description") or ""),
                members=members.get(team_id, []),
            )
        )
    return docs, by_id
