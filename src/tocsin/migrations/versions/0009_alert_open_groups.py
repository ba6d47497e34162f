"""alerts: an index of the open alerts by group, so a replica finds a group another opened

Revision ID: 0009_alert_open_groups
Revises: 0002_alerts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_alert_open_groups"
down_revision: str | None = "0002_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_alerts_open_group",
        "alerts",
        ["integration_id", "group_key"],
        unique=False,
        sqlite_where=sa.text("open"),
        postgresql_where=sa.text("open"),
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_open_group", table_name="alerts")
