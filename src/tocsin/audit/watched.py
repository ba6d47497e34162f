"""Which tables the audit log watches, by table name, and what of each it records.

Only configuration and access tables are here: alerts, incidents, timers and the outbox are
never looked at, so ingest and paging pay nothing for the log but one dictionary look-up per
row they flush. Columns that are state a running system keeps (a heartbeat's time, a check's
last result, a component's computed status) are ``ignore``\\ d: changing only those records
nothing. ``secret`` columns are hidden (:func:`tocsin.core.audit.hide`).

Adding a table is one line. Web sessions and reset/invitation links are not watched: a
sign-in is its own entry (:class:`tocsin.access.hooks.SignedIn`), and a session's or link's
rows are state, their digests secrets. Tables are named, not imported, so the log reaches into
no feature's models.
"""

from __future__ import annotations

from dataclasses import dataclass

ALWAYS_IGNORED = frozenset({"id", "created_at", "updated_at"})
"""Every entry has its own time and object id."""


@dataclass(frozen=True)
class Watch:
    """A configuration object: each create, change and delete is an entry."""

    kind: str
    label: str | None = None  # the column that names the object for people
    secret: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """Rows that belong to an object (``owner``, a watched table, through ``owner_key``)
    and are recorded on its entry, under ``field``, as the rows removed and added."""

    owner: str
    owner_key: str
    field: str


WATCHED: dict[str, Watch] = {
    "oncall_people": Watch("person", label="handle"),
    "oncall_contact_methods": Watch(
        "contact_method", label="label", secret=("sealed_address", "sealed_secret")
    ),
    "oncall_notification_rules": Watch("notification_rule"),
    "oncall_teams": Watch("team", label="name"),
    "oncall_schedules": Watch("schedule", label="name"),
    "oncall_overrides": Watch("override"),
    "oncall_escalation_policies": Watch("escalation_policy", label="name"),
    "oncall_services": Watch("service", label="name"),
    "integrations": Watch(
        "integration", label="name", secret=("key_digest",), ignore=("last_beat_at",)
    ),
    "silences": Watch("silence", label="comment", ignore=("foreign_matches", "foreign_example")),
    "checks": Watch(
        "check",
        label="name",
        ignore=(
            "next_run_at",
            "consecutive_failures",
            "alerting",
            "last_run_at",
            "last_ok",
        ),
    ),
    "statuspage_pages": Watch("status_page", label="slug"),
    "statuspage_components": Watch(
        "status_component", label="name", ignore=("computed_status", "recorded_status")
    ),
    "statuspage_state": Watch("status_page_rule", ignore=("version",)),
    "config_applies": Watch("config_apply", label="source", ignore=("applied_at",)),
    "api_tokens": Watch("api_token", label="name", secret=("digest",), ignore=("last_used_at",)),
    "users": Watch("user", label="email", secret=("password_hash",)),
}

PARTS: dict[str, Part] = {
    # a layer's participants and a level's targets ride on their layer and level
    "oncall_layers": Part("oncall_schedules", "schedule_id", "layers"),
    "oncall_escalation_levels": Part("oncall_escalation_policies", "policy_id", "levels"),
    "oncall_team_members": Part("oncall_teams", "team_id", "members"),
}

KINDS = tuple(sorted({watch.kind for watch in WATCHED.values()}))
"""Every object kind an entry can name (a sign-in names ``user``)."""
