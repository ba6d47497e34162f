"""config as code: the key → id mapping of configuration files, and the record of applies

Revision ID: 0008_config_as_code
Revises: 0007_search (needs 0002_oncall and 0002_alerts: the objects a file declares)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tocsin.db

revision: str = "0008_config_as_code"
down_revision: str | None = "0007_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002_oncall", "0002_alerts")


def upgrade() -> None:
    op.create_table(
        "config_keys",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=220), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_config_keys")),
        sa.UniqueConstraint("kind", "object_id", name=op.f("uq_config_keys_kind")),
    )
    op.create_table(
        "config_applies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("applied_at", tocsin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("prune", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_applies")),
    )
    with op.batch_alter_table("config_applies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_config_applies_applied_at"), ["applied_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("config_applies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_config_applies_applied_at"))
    op.drop_table("config_applies")
    op.drop_table("config_keys")
