"""Opsgenie escalations as Tocsin escalation policies.

Opsgenie measures each rule's delay from the start of the escalation; Tocsin gives each level
the time until the next one. Rules with the same delay are one level; a first rule after
0 minutes gets a leading level that targets an empty schedule and only waits, so every level
starts at the very minute Opsgenie's rule did (delays 5, 12: levels start at 0, 5, 12).
The last level waits the repeat interval (when it repeats), as Opsgenie does before starting
over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.config_as_code.document import LevelDoc, PolicyDoc, TargetDoc
from tocsin.importers.opsgenie.common import NOBODY, Context, key, label, minutes

MAX_TIMEOUT = 1440
MAX_REPEAT = 9
LAST_TIMEOUT = 30  # no repeat: how long the last level waits before the policy is exhausted


def _targets(rule: Mapping[str, Any], ctx: Context, where: str) -> list[TargetDoc]:
    recipient = rule.get("recipient") or {}
    kind, notify = recipient.get("type"), str(rule.get("notifyType") or "default")
    if kind == "user":
        person = ctx.person(recipient)
        if person is None:
            ctx.report.unmatched(
                where, f"user {recipient.get('username') or recipient.get('id')} is not imported"
            )
            return []
        return [TargetDoc(person=person)]
    if kind == "schedule":
        schedule = ctx.schedule(recipient)
        if schedule is None:
            ctx.report.unmatched(
                where, f"schedule {recipient.get('name') or recipient.get('id')} is not imported"
            )
            return []
        if notify in ("next", "previous"):
            ctx.report.changed(
                where,
                f"notifies the {notify} on-call of the schedule in "
                "Opsgenie; Tocsin notifies the current one",
            )
        return [TargetDoc(schedule=schedule)]
    if kind == "team":
        team = ctx.team(recipient)
        members = ctx.team_members.get(team or "", [])
        if notify == "admins":
            members = [m for m in members if m[1] == "admin"]
        if not members:
            ctx.report.unmatched(
                where,
                f"team {recipient.get('name') or recipient.get('id')} has "
                "no imported member to notify",
            )
            return []
        what = {"admins": "its admins", "random": "every member (Opsgenie picks one at random)"}
        ctx.report.changed(
            where,
            f"team {recipient.get('name')}: Tocsin pages {what.get(notify, 'every member')} "
            "instead of routing to the team",
        )
        return [TargetDoc(person=person) for person, _ in members]
    ctx.report.unmatched(where, f"recipient type {kind!r} has no Tocsin target")
    return []


def convert_escalation(escalation: Mapping[str, Any], ctx: Context) -> PolicyDoc | None:
    where = label(escalation, "escalation")
    by_delay: dict[int, list[TargetDoc]] = {}
    for number, rule in enumerate(escalation.get("rules") or [], start=1):
        there = f"{where} rule {number}"
        delay = minutes(rule.get("delay"))
        if rule.get("condition") == "if-not-closed":
            ctx.report.changed(
                there,
                "escalates if not closed in Opsgenie; Tocsin stops "
                "escalating once someone acknowledges",
            )
        level = by_delay.setdefault(delay, [])
        for target in _targets(rule, ctx, there):
            if target not in level:
                level.append(target)
    if not by_delay:
        ctx.report.lost(where, "has no rule; no policy made")
        return None
    delays = sorted(by_delay)
    if delays[0] > 0:
        delays.insert(0, 0)
        by_delay[0] = []
    repeat, wait = _repeat(escalation, ctx, where)
    levels = []
    for index, delay in enumerate(delays):
        timeout = delays[index + 1] - delay if index + 1 < len(delays) else wait
        if timeout > MAX_TIMEOUT:
            ctx.report.changed(
                where,
                f"waits {timeout} min after the rule at {delay} min; "
                f"Tocsin waits at most {MAX_TIMEOUT}",
            )
            timeout = MAX_TIMEOUT
        targets = by_delay[delay][:20]
        if len(by_delay[delay]) > 20:
            ctx.report.lost(where, f"rules at {delay} min name more than 20 targets; 20 were kept")
        if not targets:
            ctx.needs_nobody = True
            targets = [TargetDoc(schedule=NOBODY)]
        levels.append(LevelDoc(timeout_minutes=timeout, targets=targets))
    if len(levels) > 20:
        ctx.report.lost(where, f"has {len(levels)} distinct delays; Tocsin keeps the first 20")
        levels = levels[:20]
    return PolicyDoc(
        key=key("policy", escalation.get("id")),
        name=str(escalation.get("name") or escalation.get("id"))[:200],
        description=str(escalation.get("description") or ""),
        repeat=repeat,
        levels=levels,
    )


def _repeat(escalation: Mapping[str, Any], ctx: Context, where: str) -> tuple[int, int]:
    """(Tocsin's repeat count, the last level's timeout)."""
    repeat = escalation.get("repeat") or {}
    count = int(repeat.get("count") or 0)
    if count <= 0:
        return 0, LAST_TIMEOUT
    wait = int(repeat.get("waitInterval") or 0)
    if wait < 1:
        ctx.report.changed(where, "repeats at once in Opsgenie; Tocsin waits 1 min")
        wait = 1
    if count > MAX_REPEAT:
        ctx.report.changed(where, f"repeats {count} times; Tocsin repeats at most {MAX_REPEAT}")
        count = MAX_REPEAT
    if repeat.get("resetRecipientStates"):
        ctx.report.lost(
            where,
            "resets recipients' acknowledged/seen states on each repeat; "
            "Tocsin has no such state to reset",
        )
    if repeat.get("closeAlertAfterAll"):
        ctx.report.lost(
            where,
            "closes the alert after the last repeat; Tocsin leaves the "
            "incident open (the timeline says escalation_exhausted)",
        )
    return count, wait
