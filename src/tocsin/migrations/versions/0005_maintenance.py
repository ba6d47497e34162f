"""status page: scheduled maintenances and their public updates

Revision ID: 0005_maintenance
Revises: 0004_statuspage_pages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tocsin.db

revision: str = "0005_maintenance"
down_revision: str | None = "0004_statuspage_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, tocsin.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "statuspage_maintenances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("component_ids", JSON, nullable=False),
        _time("scheduled_for"),
        _time("scheduled_until"),
        sa.Column("auto_start", sa.Boolean(), nullable=False),
        sa.Column("auto_complete", sa.Boolean(), nullable=False),
        sa.Column("remind_before_minutes", sa.Integer(), nullable=False),
        sa.Column("silence_alerts", sa.Boolean(), nullable=False),
        sa.Column("schedule_version", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("reminded_at", nullable=True),
        _time("started_at", nullable=True),
        _time("verifying_at", nullable=True),
        _time("completed_at", nullable=True),
        _time("cancelled_at", nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["statuspage_pages.id"],
            name=op.f("fk_statuspage_maintenances_page_id_statuspage_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuspage_maintenances")),
    )
    with op.batch_alter_table("statuspage_maintenances") as batch:
        for column in ("page_id", "scheduled_for", "status"):
            name = batch.f(f"ix_statuspage_maintenances_{column}")
            batch.create_index(name, [column], unique=False)
    op.create_table(
        "statuspage_maintenance_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("maintenance_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _time("created_at"),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["maintenance_id"],
            ["statuspage_maintenances.id"],
            name=op.f("fk_statuspage_maintenance_updates_maintenance_id_statuspage_maintenances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuspage_maintenance_updates")),
    )
    with op.batch_alter_table("statuspage_maintenance_updates") as batch:
        name = batch.f("ix_statuspage_maintenance_updates_maintenance_id")
        batch.create_index(name, ["maintenance_id"], unique=False)


def downgrade() -> None:
    op.drop_table("statuspage_maintenance_updates")
    op.drop_table("statuspage_maintenances")
