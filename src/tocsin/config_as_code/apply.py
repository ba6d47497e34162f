"""Carry a plan out through each feature's own use cases, and record it.

Changes go one by one, in the plan's order (creates and changes from people to severity
policies, then deletes backwards), all in one transaction (``Database.unit_of_work``: each
use case's own transaction is a savepoint of it). The first failure stops the apply and
rolls back all of it: the configuration stays as it was, and the record says where it
failed.

Secrets made on the way (a new integration's key, a new webhook's signing secret) are in the
answer once and nowhere else: not in the record, not in a later export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tocsin import clock
from tocsin.access import acting
from tocsin.config_as_code.alerting import AlertingHandlers
from tocsin.config_as_code.directory import DirectoryHandlers
from tocsin.config_as_code.plan import Plan
from tocsin.config_as_code.run import Context
from tocsin.config_as_code.state import PREFIX
from tocsin.config_as_code.tables import ConfigApply
from tocsin.core.config_plan import Action, Change
from tocsin.db import Database
from tocsin.errors import TocsinError


@dataclass
class Outcome:
    apply_id: int
    applied: list[Change]
    secrets: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None


class _Run(DirectoryHandlers, AlertingHandlers):
    """One apply: the key bookkeeping of ``Run`` with every section's handlers."""


def apply_plan(db: Database, plan: Plan, ctx: Context, *, source: str) -> Outcome:
    """Carry out ``plan``; the record is written whether it went through or stopped.

    Its changes are the caller's, made through config as code (the audit log's ``via``)."""
    with acting.via("config"):
        return _carry_out(db, plan, ctx, source=source)


def _carry_out(db: Database, plan: Plan, ctx: Context, *, source: str) -> Outcome:
    run = _Run(db, plan, ctx)
    done: list[Change] = []
    error: str | None = None
    try:
        with db.unit_of_work():  # all or nothing
            run.adopt_all()
            for change in plan.changes:
                run.run(change)
                done.append(change)
    except TocsinError as failure:
        change = plan.changes[len(done)]
        error = (
            f"{change.section}.{change.key} ({change.action}): {failure.message} "
            "(nothing was changed)"
        )
        done, run.secrets = [], []  # rolled back: no object of the file was made
    finally:
        # their parts told the caches before the whole committed (or rolled back)
        ctx.state.configuration_changed()
        ctx.policies.changed()
    with db.transaction() as session:
        record = ConfigApply(
            applied_at=clock.now(),
            actor=ctx.actor,
            source=source[:300],
            prune=plan.prune,
            outcome="failed" if error else "applied",
            error=error[:2000] if error else None,
            changes=[c.to_dict() for c in done],
        )
        session.add(record)
        session.flush()
        apply_id = record.id
    return Outcome(apply_id=apply_id, applied=done, secrets=run.secrets, error=error)


def list_applies(db: Database, *, limit: int = 50) -> list[ConfigApply]:
    with db.reading() as session:
        rows = list(
            session.scalars(select(ConfigApply).order_by(ConfigApply.id.desc()).limit(limit))
        )
        session.expunge_all()
        return rows


__all__ = ["PREFIX", "Action", "Context", "Outcome", "apply_plan", "list_applies"]
