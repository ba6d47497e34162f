"""One apply's run: what its handlers share, and the bookkeeping of the file's keys.

``Run`` holds the database, the plan and its ``Context``, the ids known by each section's
key (those the plan found, and those made on the way), the secrets made on the way, and
the file's objects by key. It stores and forgets the keys (``ConfigKey``) as objects are
made and deleted, and sends each change to its section's handler: ``_create_X``,
``_change_X`` or ``_delete_X``, which the handler mixins (``directory``, ``alerting``) add.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from tocsin.alerts.state import IngestState
from tocsin.config_as_code.document import SECTIONS
from tocsin.config_as_code.plan import Plan
from tocsin.config_as_code.state import contact_scope
from tocsin.config_as_code.tables import ConfigKey
from tocsin.core.config_plan import Change
from tocsin.crypto import SecretBox
from tocsin.db import Database
from tocsin.incidents.severity_policies import PolicyBook


@dataclass(frozen=True)
class Context:
    """What the use cases need besides the database."""

    state: IngestState
    policies: PolicyBook
    box: SecretBox
    outbound_allow: Sequence[str]
    base_url: str
    actor: str


class Run:
    """An apply's state and key bookkeeping; a change goes to ``_{action}_{section}``."""

    def __init__(self, db: Database, plan: Plan, ctx: Context) -> None:
        self.db, self.plan, self.ctx = db, plan, ctx
        self.ids: dict[str, dict[str, int]] = {s: dict(v) for s, v in plan.current.ids.items()}
        self.secrets: list[dict[str, str]] = []
        self.docs = {
            section: {obj.key: obj for obj in getattr(plan.document, section)}
            for section in SECTIONS
        }

    # ------------------------------------------------------------ keys

    def remember(self, section: str, key: str, object_id: int) -> None:
        self.ids.setdefault(section, {})[key] = object_id
        self._store(section, key, object_id)

    def _store(self, kind: str, key: str, object_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(ConfigKey).where(
                    (ConfigKey.kind == kind)
                    & ((ConfigKey.key == key) | (ConfigKey.object_id == object_id))
                )
            )
            session.add(ConfigKey(kind=kind, key=key, object_id=object_id))

    def forget(self, kind: str, object_id: int) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(ConfigKey).where(ConfigKey.kind == kind, ConfigKey.object_id == object_id)
            )

    def id_of(self, section: str, key: str | None) -> int | None:
        return None if key is None else self.ids[section][key]

    def adopt_all(self) -> None:
        """Store the key of every object the file names that is known by its default key."""
        with self.db.reading() as session:
            stored = {(r.kind, r.key) for r in session.scalars(select(ConfigKey))}
        for section, docs in self.docs.items():
            for key in docs:
                if key in self.ids.get(section, {}) and (section, key) not in stored:
                    self._store(section, key, self.ids[section][key])
        for (pkey, mkey), method_id in self.plan.current.contact_ids.items():
            person_id = self.ids["people"].get(pkey)
            if person_id is not None and pkey in self.docs["people"]:
                scoped = contact_scope(person_id, mkey)
                if ("contact_methods", scoped) not in stored:
                    self._store("contact_methods", scoped, method_id)

    # ------------------------------------------------------------ one change

    def run(self, change: Change) -> None:
        handler = getattr(self, f"_{change.action.value}_{change.section}")
        handler(change)
