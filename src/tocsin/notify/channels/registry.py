"""One instance of each channel, configured from the settings, keyed by ``Target.kind``."""

from __future__ import annotations

from tocsin.config import Settings
from tocsin.notify.channels.apprise_channel import AppriseChannel
from tocsin.notify.channels.base import Channel
from tocsin.notify.channels.email import EmailChannel
from tocsin.notify.channels.slack import SlackChannel
from tocsin.notify.channels.webhook import WebhookChannel

KINDS = ("email", "webhook", "slack", "apprise")


def build_channels(settings: Settings) -> dict[str, Channel]:
    allow = settings.outbound_allow
    timeout = settings.webhook_timeout_seconds
    return {
        "email": EmailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            use_ssl=settings.smtp_ssl,
            timeout=settings.smtp_timeout_seconds,
        ),
        "webhook": WebhookChannel(allow=allow, timeout=timeout),
        "slack": SlackChannel(allow=allow, timeout=timeout),
        "apprise": AppriseChannel(allow=allow),
    }
