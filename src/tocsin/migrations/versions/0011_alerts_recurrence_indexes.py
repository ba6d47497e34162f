"""alerts: the earlier incidents of a name or key, in index order (recurrence)

Revision ID: 0011_alerts_recurrence_indexes
Revises: 0010_integration_legacy_key
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_alerts_recurrence_indexes"
down_revision: str | None = "0010_integration_legacy_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_alerts_key_incident", "alerts", ["integration_id", "dedup_key", "incident_id"]
    )
    op.create_index("ix_alerts_name_incident", "alerts", ["name", "incident_id"])
    op.drop_index("ix_alerts_integration_id_dedup_key", table_name="alerts")
    op.drop_index("ix_alerts_name", table_name="alerts")


def downgrade() -> None:
    op.create_index("ix_alerts_name", "alerts", ["name"])
    op.create_index("ix_alerts_integration_id_dedup_key", "alerts", ["integration_id", "dedup_key"])
    op.drop_index("ix_alerts_name_incident", table_name="alerts")
    op.drop_index("ix_alerts_key_incident", table_name="alerts")
