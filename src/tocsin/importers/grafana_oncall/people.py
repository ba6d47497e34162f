"""Grafana OnCall users and their personal notification rules as Tocsin people.

OnCall keeps two chains per user, a default one and one for "important" alerts; Tocsin has
one, so the default chain is carried step by step and an important chain that differs from
it is reported. Only email reaches a person without a provider; every other ``notify_by_*``
step is reported as lost, its delay still counted for the steps after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from tocsin.config_as_code.document import ContactMethodDoc, NotificationRuleDoc, PersonDoc
from tocsin.core.schedule import ScheduleError, load_zone
from tocsin.importers.contacts import ContactBook
from tocsin.importers.keys import PeopleDirectory, normalize_email, source_key
from tocsin.importers.report import ImportReport

PREFIX = "go"
EMAIL_CONTACT = "email"
_NOT_HANDLE = re.compile(r"[^a-z0-9_.-]+")
_INSTEAD = {
    "notify_by_sms": "configure an Apprise URL (e.g. an SMS gateway) for this person",
    "notify_by_phone_call": "configure an Apprise URL for a voice provider for this person",
    "notify_by_mobile_app": "configure an Apprise push URL (ntfy, Pushover...) for this person",
    "notify_by_mobile_app_critical": "configure an Apprise push URL for this person",
    "notify_by_telegram": "configure an Apprise tgram:// URL for this person",
    "notify_by_slack": "add a Slack contact method with an incoming-webhook URL",
    "notify_by_msteams": "add a webhook or Apprise contact method",
}


def person_key(user_id: str) -> str:
    return source_key(PREFIX, "user", user_id)


def _handle(user: Mapping[str, Any], taken: set[str]) -> str:
    raw = str(user.get("username") or user.get("email") or user["id"]).split("@")[0]
    base = _NOT_HANDLE.sub("-", raw.lower()).strip("-._")[:56] or "user"
    handle, n = base, 1
    while handle in taken:
        n += 1
        handle = f"{base}-{n}"
    taken.add(handle)
    return handle


def _zone(user: Mapping[str, Any], what: str, report: ImportReport) -> str:
    zone = user.get("timezone") or "UTC"
    try:
        load_zone(zone)
    except ScheduleError:
        report.changed(what, f"time zone {zone!r} is not an IANA zone; UTC was used")
        return "UTC"
    return str(zone)


def _chain(rules: Sequence[Mapping[str, Any]], important: bool) -> list[Mapping[str, Any]]:
    own = [r for r in rules if bool(r.get("important")) is important]
    return sorted(own, key=lambda r: (r.get("position", 0), str(r.get("id"))))


def _steps(chain: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    return [(str(r.get("type")), int(r.get("duration") or 0)) for r in chain]


def _rules(
    chain: Sequence[Mapping[str, Any]], contact: str | None, what: str, report: ImportReport
) -> list[NotificationRuleDoc]:
    """The chain's email steps as rules naming ``contact`` (the person's email method)."""
    rules: list[NotificationRuleDoc] = []
    waited = 0  # seconds since the alert, summed over the wait steps so far
    for rule in chain:
        kind = str(rule.get("type"))
        if kind == "wait":
            waited += int(rule.get("duration") or 0)
            continue
        where = f"{what} notification rule {rule.get('id')} ({kind})"
        if kind != "notify_by_email" or contact is None:
            instead = _INSTEAD.get(kind, "add a contact method Tocsin can reach")
            report.lost(where, f"Tocsin cannot notify this way without a provider; {instead}")
            continue
        minutes, rest = divmod(waited, 60)
        if rest:
            minutes += 1 if rest >= 30 else 0
            report.changed(where, f"delay {waited}s is not whole minutes; {minutes} min used")
        if minutes > 1440:
            report.changed(where, f"delay {minutes} min is over a day; 1440 min used")
            minutes = 1440
        doc = NotificationRuleDoc(contact=contact, delay_minutes=minutes)
        if doc not in rules:
            rules.append(doc)
    return rules


def why(error: Exception) -> str:
    """The first problem of an error, in one line (a pydantic error lists every field)."""
    if isinstance(error, ValidationError) and error.errors():
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _person(
    user: Mapping[str, Any],
    key: str,
    name: str,
    handle: str,
    email: str | None,
    rules_by_user: Mapping[str, list[Mapping[str, Any]]],
    what: str,
    report: ImportReport,
    existing: Mapping[str, Any] | None,
) -> PersonDoc:
    own = rules_by_user.get(str(user["id"]), [])
    default, important = _chain(own, False), _chain(own, True)
    if important and _steps(important) != _steps(default):
        report.changed(
            what,
            "its important-alert notification rules differ from the default ones; "
            "Tocsin has one chain, so the default chain was carried",
        )
    # A matched person keeps the methods Tocsin has; OnCall's email is one of them or added.
    book = ContactBook((existing or {}).get("contact_methods") or ())
    contact = (
        book.add(ContactMethodDoc(key=EMAIL_CONTACT, kind="email", label="email", address=email))
        if email
        else None
    )
    return PersonDoc(
        key=key,
        name=name,
        handle=handle,
        email=email,
        time_zone=_zone(user, what, report),
        contact_methods=book.docs,
        notification_rules=_rules(default, contact, what, report),
    )


def convert_people(
    users: Sequence[Mapping[str, Any]],
    notification_rules: Sequence[Mapping[str, Any]],
    people: PeopleDirectory,
    report: ImportReport,
) -> tuple[list[PersonDoc], dict[str, str]]:
    """The people, and OnCall user id -> person key (for schedules and escalation)."""
    rules_by_user: dict[str, list[Mapping[str, Any]]] = {}
    for rule in notification_rules:
        rules_by_user.setdefault(str(rule.get("user_id")), []).append(rule)
    taken: set[str] = set()
    docs: list[PersonDoc] = []
    keys: dict[str, str] = {}
    for user in sorted(users, key=lambda u: str(u["id"])):
        what = f"user {user['id']} ({user.get('username') or user.get('email')})"
        email = normalize_email(user.get("email"))
        existing = people.existing(email)
        key = people.key_for(email, person_key(str(user["id"])))
        if key in keys.values():
            report.unmatched(what, f"shares its email with another user; merged into {key}")
            keys[str(user["id"])] = key
            continue
        keys[str(user["id"])] = key
        if existing is not None:
            name, handle = str(existing["name"]), str(existing["handle"])
            taken.add(handle)
        else:
            name = str(user.get("name") or user.get("username") or email or user["id"])[:200]
            handle = _handle(user, taken)
        try:
            docs.append(
                _person(user, key, name, handle, email, rules_by_user, what, report, existing)
            )
        except (KeyError, TypeError, ValueError) as error:
            del keys[str(user["id"])]
            report.lost(what, f"cannot be carried ({why(error)}); skipped")
    return docs, keys
