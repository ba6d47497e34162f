"""timers: indexes for what is due next, when leases end, and a group's pending timers

Revision ID: 0003_timers_indexes
Revises: 0002_timers
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_timers_indexes"
down_revision: str | None = "0002_timers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_timers_group_status", "timers", ["group", "status"])
    op.drop_index("ix_timers_group", table_name="timers")
    op.drop_index("ix_timers_status_due_at", table_name="timers")
    op.create_index(
        "ix_timers_status_due_at", "timers", ["status", "due_at", "kind", "claimed_until"]
    )
    op.create_index(
        "ix_timers_status_claimed_until", "timers", ["status", "claimed_until", "due_at", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_timers_status_claimed_until", table_name="timers")
    op.drop_index("ix_timers_status_due_at", table_name="timers")
    op.create_index("ix_timers_status_due_at", "timers", ["status", "due_at"])
    op.create_index("ix_timers_group", "timers", ["group"])
    op.drop_index("ix_timers_group_status", table_name="timers")
