"""What access needs from the features above it, handed in by ``tocsin.assembly``.

Access sits below the on-call directory and the mail channel in the layers, so it names a
user's person and mails a reset or an invitation through these two functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tocsin.access.service import PersonName, Principal

SeesPath = Callable[[Principal, Mapping[str, str]], bool]
"""``sees_path(principal, path_params)``: False when the route's path names, directly
(``{incident_id}``) or through what belongs to one (``{postmortem_id}``, ``{alert_id}``...), a
private incident the principal is no member of; the route answers 404 then."""

SendMail = Callable[[str, str, str], str | None]
"""``send_mail(to, subject, text)``: None once sent, else why not."""


@dataclass(frozen=True)
class AccessWiring:
    person_name: PersonName
    send_mail: SendMail
    sees_path: SeesPath | None = None
