"""alerts: an integration may keep an imported tool's old secret (as a digest)

Revision ID: 0010_integration_legacy_key
Revises: 0009_alert_open_groups
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_integration_legacy_key"
down_revision: str | None = "0009_alert_open_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("integrations", sa.Column("legacy_key_digest", sa.String(64), nullable=True))
    op.add_column("integrations", sa.Column("legacy_key_prefix", sa.String(4), nullable=True))
    op.create_index(
        "ix_integrations_legacy_key_digest", "integrations", ["legacy_key_digest"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_integrations_legacy_key_digest", table_name="integrations")
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("legacy_key_prefix")
        batch.drop_column("legacy_key_digest")
