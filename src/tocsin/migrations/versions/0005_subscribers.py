"""status page subscribers: mail (double opt-in) and webhook subscriptions per page

Revision ID: 0005_subscribers
Revises: 0004_statuspage_pages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = "0005_subscribers"
down_revision: str | None = "0004_statuspage_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002_notify",)  # deliveries go through the outbox


def upgrade() -> None:
    when = tocsin.db.UTCDateTime(timezone=True)
    op.create_table(
        "statuspage_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), server_default="1", nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("whole_page", sa.Boolean(), nullable=False),
        sa.Column("secret_sealed", sa.Text(), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("confirmed_at", when, nullable=True),
        sa.Column("paused_at", when, nullable=True),
        sa.Column("pause_reason", sa.String(length=200), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_failure_at", when, nullable=True),
        sa.Column("last_delivered_at", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["statuspage_pages.id"],
            name=op.f("fk_statuspage_subscribers_page_id_statuspage_pages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuspage_subscribers")),
        sa.UniqueConstraint(
            "page_id",
            "kind",
            "address_hash",
            name=op.f("uq_statuspage_subscribers_page_id"),
        ),
    )
    with op.batch_alter_table("statuspage_subscribers") as batch:
        batch.create_index(
            batch.f("ix_statuspage_subscribers_page_id"), ["page_id"], unique=False
        )
        batch.create_index(
            "ix_statuspage_subscribers_page_id_status", ["page_id", "status"], unique=False
        )
    op.create_table(
        "statuspage_subscriber_components",
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["statuspage_components.id"],
            name=op.f("fk_statuspage_subscriber_components_component_id_statuspage_components"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["statuspage_subscribers.id"],
            name=op.f("fk_statuspage_subscriber_components_subscriber_id_statuspage_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "subscriber_id", "component_id", name=op.f("pk_statuspage_subscriber_components")
        ),
    )
    with op.batch_alter_table("statuspage_subscriber_components") as batch:
        batch.create_index(
            batch.f("ix_statuspage_subscriber_components_component_id"),
            ["component_id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("statuspage_subscriber_components")
    op.drop_table("statuspage_subscribers")
