"""Which silence holds an alert back.

A silence applies to an alert when it covers the alert's integration (or every integration),
is in force at the time (:func:`tocsin.core.matchers.silence_active`) and all its matchers
match the alert's labels, read with ``alertname`` set to the alert's name unless the labels
carry one. The first such silence, in the order given, is the one the trace names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tocsin.core.matchers import Matcher, WeeklyWindow, matches, silence_active

__all__ = ["ActiveSilence", "matched_labels", "silence_for"]


@dataclass(frozen=True, slots=True)
class ActiveSilence:
    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    weekly: WeeklyWindow | None
    service: str | None
    """The service it was made for: matching another one's alert earns a warning."""
    integration_id: int | None
    """Only this integration's alerts; None: every integration's."""

    def made_for_another(self, service: str) -> bool:
        return self.service is not None and self.service != service


def matched_labels(name: str, labels: Mapping[str, str]) -> dict[str, str]:
    """The labels silences match: ``alertname`` is the alert's name unless the labels say."""
    return {"alertname": name, **labels}


def silence_for(
    silences: Sequence[ActiveSilence],
    *,
    name: str,
    labels: Mapping[str, str],
    integration_id: int,
    at: datetime,
) -> ActiveSilence | None:
    """The first of ``silences`` that holds back this alert at ``at``, or None."""
    if not silences:
        return None
    matched = matched_labels(name, labels)
    for silence in silences:
        if silence.integration_id not in (None, integration_id):
            continue
        in_force = silence_active(
            starts_at=silence.starts_at, ends_at=silence.ends_at, weekly=silence.weekly, at=at
        )
        if in_force and matches(silence.matchers, matched):
            return silence
    return None
