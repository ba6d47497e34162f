"""Source parsers: one module per payload format, each turning a request body into
:class:`tocsin.core.alerts.NormalizedAlert` values (or raising ``InvalidAlert`` naming the field).

``PARSERS[kind](body, now=..., **config)``; the ``generic`` kind needs ``mapping=``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tocsin.alerts.sources import alertmanager, generic, grafana, pagerduty
from tocsin.core.alerts import NormalizedAlert

__all__ = ["KINDS", "PARSERS", "Parser"]


Parser = Callable[..., list[NormalizedAlert]]
"""``(body: bytes, *, now: datetime, **config) -> list[NormalizedAlert]``."""


PARSERS: Mapping[str, Parser] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "pagerduty": pagerduty.parse,
    "generic": generic.parse,
}
KINDS: tuple[str, ...] = tuple(PARSERS)
