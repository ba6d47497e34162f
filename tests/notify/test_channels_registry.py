from __future__ import annotations

from tests.peers import SmtpServer
from tocsin.config import Settings
from tocsin.notify.channels.base import Target
from tocsin.notify.channels.registry import KINDS, build_channels
from tocsin.notify.channels.webhook import WebhookChannel
from tocsin.notify.render import page_message


def test_one_channel_per_kind_keyed_by_its_kind() -> None:
    channels = build_channels(Settings(outbound_allow=["10.0.0.0/8"], webhook_timeout_seconds=2))
    assert tuple(channels) == KINDS
    assert all(channel.kind == kind for kind, channel in channels.items())
    webhook = channels["webhook"]
    assert isinstance(webhook, WebhookChannel)
    assert (webhook.allow, webhook.timeout) == (("10.0.0.0/8",), 2)


def test_the_email_channel_uses_the_smtp_settings(smtp_server: SmtpServer) -> None:
    settings = Settings(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_from="ops@example.com"
    )
    message = page_message(idempotency_key="k", incident={"title": "T"}, level=1, ack_url=None)
    delivery = build_channels(settings)["email"].send(Target("email", "a@example.com"), message)
    assert delivery.ok, delivery
    assert smtp_server.mailbox.received[0].mail_from == "ops@example.com"
