"""timers: cancelling a group reads its pending timers by (group, status)

Revision ID: 0003_timers_group_status
Revises: 0002_timers
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_timers_group_status"
down_revision: str | None = "0002_timers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_timers_group_status", "timers", ["group", "status"])
    op.drop_index("ix_timers_group", table_name="timers")


def downgrade() -> None:
    op.create_index("ix_timers_group", "timers", ["group"])
    op.drop_index("ix_timers_group_status", table_name="timers")
