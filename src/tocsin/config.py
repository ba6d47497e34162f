"""Settings, read from ``TOCSIN_*`` environment variables."""

from __future__ import annotations

import ipaddress
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tocsin.core.business_days import zone
from tocsin.core.postmortems import DEFAULT_TEMPLATE, SectionSpec, check_template
from tocsin.core.severity import Severity, SeverityPolicy, merge_policies
from tocsin.crypto import SecretBox


class PostmortemCalendar(BaseModel):
    """A team's business calendar for postmortem review deadlines."""

    model_config = ConfigDict(extra="forbid")

    time_zone: str | None = None
    holidays: list[date] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        zone(value)
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOCSIN_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///tocsin.db",
        description="SQLAlchemy URL; a relative SQLite path is relative to the working directory.",
    )
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = Field(
        default="",
        description="Address people and tools use to reach Tocsin; defaults to http://host:port "
        "(https:// with a TLS certificate).",
    )
    tls_certfile: str = Field(
        default="",
        description="PEM certificate (and its chain) `serve` answers HTTPS with; empty: HTTP.",
    )
    tls_keyfile: str = Field(
        default="",
        description="PEM private key of tls_certfile (unencrypted); empty: it is in tls_certfile.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1/32", "::1/128"],
        description="Addresses or networks (CIDR) of the proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; from anyone else those headers are ignored. [] "
        "believes nobody.",
    )
    signin_per_minute: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Sign-in attempts and reset requests (posts of those forms) one client "
        "address may make a minute.",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    ingest_max_commit_alerts: int = Field(
        default=1000,
        ge=1,
        le=100_000,
        description="Alerts one ingest commit takes at most (whole requests; a bigger request "
        "commits alone): a request waits only for the commit that holds its own alerts.",
    )
    secret_key: str = Field(default="", description="Fernet key for stored secrets.", repr=False)
    secret_key_file: str = Field(default="tocsin.key", description="Used when no secret_key.")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_from: str = "Tocsin <tocsin@localhost>"
    smtp_timeout_seconds: float = 10.0
    # worker (timers and deliveries)
    run_worker: Literal["auto", "yes", "no"] = Field(
        default="auto",
        description="Run the worker inside `serve`: auto = only on SQLite (one process).",
    )
    worker_lease_seconds: float = Field(default=30.0, gt=0)
    worker_concurrency: int = Field(default=8, ge=1, le=64)
    outbound_allow: list[str] = Field(
        default_factory=list,
        description=(
            "Networks or hosts (CIDR or name) that webhook, Slack and Apprise targets and "
            "synthetic checks may reach although they are not globally routable; by default "
            "such addresses are refused."
        ),
    )
    severity_policies: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='JSON overrides per severity, e.g. {"SEV1": {"update_cadence_minutes": 10}}.',
    )
    ack_link_ttl_hours: float = Field(
        default=24.0,
        gt=0,
        le=24 * 90,
        description="How long the acknowledge link in a page works, from when it was sent.",
    )
    # accounts: web sessions and the links mailed for a reset or an invitation
    session_lifetime_hours: float = Field(
        default=24.0 * 7,
        gt=0,
        le=24 * 90,
        description="A web session ends this long after sign-in, however busy it is.",
    )
    session_idle_minutes: float = Field(
        default=8.0 * 60,
        gt=0,
        le=60 * 24 * 30,
        description="A web session unused this long ends.",
    )
    cookie_secure: bool = Field(
        default=False,
        description="Mark the session cookie Secure even when a request came over plain HTTP "
        "(behind a TLS-terminating proxy); over HTTPS it always is.",
    )
    signin_address_per_minute: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="Sign-in attempts and reset requests for one mail address a minute (per "
        "client address: signin_per_minute).",
    )
    # sign-in with OpenID Connect (off while no issuer is set)
    oidc_issuer: str = Field(
        default="",
        max_length=500,
        description="The OpenID provider's issuer URL; its /.well-known/openid-configuration "
        "is read at sign-in. Empty: no OpenID Connect sign-in.",
    )
    oidc_client_id: str = Field(default="", max_length=500)
    oidc_client_secret: SecretStr = Field(default=SecretStr(""), repr=False)
    oidc_name: str = Field(
        default="OpenID Connect",
        min_length=1,
        max_length=100,
        description='The sign-in button says "Sign in with <name>".',
    )
    oidc_scopes: str = Field(default="openid email profile", max_length=500)
    oidc_create_users: Literal["", "viewer", "responder"] = Field(
        default="",
        description="Create a user with this role for a verified address nobody has yet; "
        "empty (the default): only existing users sign in.",
    )
    password_reset_minutes: float = Field(
        default=60.0, gt=0, le=60 * 24, description="How long a password-reset link works."
    )
    invitation_hours: float = Field(
        default=72.0, gt=0, le=24 * 30, description="How long an invitation link works."
    )
    reminder_grace_minutes: float = Field(
        default=5.0,
        gt=0,
        le=24 * 60,
        description="An overdue update or public acknowledgement reminds the Communications "
        "Lead; still overdue this many minutes later, the Incident Commander.",
    )
    # notify channels: outgoing webhooks and Slack
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # the public status page
    statuspage_name: str = Field(default="Status", min_length=1, max_length=200)
    statuspage_snapshot_file: str = Field(
        default="",
        description="Where the status page's last snapshot is kept for a restart while the "
        "database is down; defaults to statuspage-snapshot.json beside the secret key file.",
    )
    statuspage_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="How often the web process checks whether another replica changed the page.",
    )
    # customer reports (tocsin.reports)
    reports_window_minutes: int = Field(
        default=120,
        ge=0,
        le=7 * 24 * 60,
        description="A report matches an open incident if it started at most this long "
        "before the incident's impact started.",
    )
    reports_similarity: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="How alike (Jaccard, 0–1) a report's text and an incident's title must be.",
    )
    reports_form_per_minute: int = Field(
        default=5, ge=1, le=10_000, description="Public report form posts per client address."
    )
    statuspage_subscriber_max_failures: int = Field(
        default=3,
        ge=0,
        le=1000,
        description="Failed deliveries in a row (bounces, refusing webhooks) that pause a "
        "status page subscriber; 0 never pauses.",
    )
    statuspage_subscribe_per_minute: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="Subscribe requests one client address may make a minute (public form).",
    )
    statuspage_unconfirmed_days: float = Field(
        default=7,
        gt=0,
        le=365,
        description="Days after its last confirmation mail that a mail subscription never "
        "confirmed is deleted (by every worker's periodic job).",
    )
    # postmortems
    postmortem_template: list[SectionSpec] = Field(
        default_factory=lambda: list(DEFAULT_TEMPLATE),
        description='JSON list of sections, each {"key", "title", "prompt", "kind"}; kind is '
        "text, impact, five_whys, timeline or action_items.",
    )
    postmortem_holidays: list[date] = Field(
        default_factory=list,
        description="Dates that are not business days for any team (review deadlines).",
    )
    postmortem_team_calendars: dict[str, PostmortemCalendar] = Field(
        default_factory=dict,
        description='Per team name: {"time_zone": "Europe/Berlin", "holidays": ["2026-12-24"]}; '
        "a team without one counts in the zone of its first schedule, else UTC.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        networks = []
        for entry in value:
            try:
                networks.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network (CIDR)") from None
        return networks

    @field_validator("postmortem_template")
    @classmethod
    def _template_valid(cls, value: list[SectionSpec]) -> list[SectionSpec]:
        check_template(value)
        return value

    @field_validator("severity_policies")
    @classmethod
    def _policies_valid(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        merge_policies(value)
        return value

    @cached_property
    def policies(self) -> dict[Severity, SeverityPolicy]:
        """The deployment's policies; the ones in effect are the application's
        ``PolicyBook`` (``Tocsin.policies``), with what admins stored over these."""
        return merge_policies(self.severity_policies)

    @cached_property
    def secret_box(self) -> SecretBox:
        return SecretBox.from_settings(self.secret_key, self.secret_key_file)

    @property
    def statuspage_snapshot_path(self) -> Path:
        if self.statuspage_snapshot_file:
            return Path(self.statuspage_snapshot_file)
        return Path(self.secret_key_file).parent / "statuspage-snapshot.json"

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls_certfile else "http"
        return (self.public_url or f"{scheme}://{self.host}:{self.port}").rstrip("/")

    @property
    def oidc_enabled(self) -> bool:
        """Sign-in with OpenID Connect is offered: an issuer and a client id are set."""
        return bool(self.oidc_issuer and self.oidc_client_id)
