"""notify: cancelling a group reads its pending messages by (group, status)

Revision ID: 0003_outbox_group_status
Revises: 0002_notify
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_outbox_group_status"
down_revision: str | None = "0002_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_group_status", "outbox", ["group", "status"])
    op.drop_index("ix_outbox_group", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_group", "outbox", ["group"])
    op.drop_index("ix_outbox_group_status", table_name="outbox")
