"""customer reports, and the public post-incident reports of the status page

Revision ID: 0005_reports
Revises: 0004_statuspage_pages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = "0005_reports"
down_revision: str | None = "0004_statuspage_pages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002_notify",)

When = tocsin.db.UTCDateTime(timezone=True)


def _page_id(table: str) -> list[sa.Column[int] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("page_id", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"],
            ["statuspage_pages.id"],
            name=op.f(f"fk_{table}_page_id_statuspage_pages"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "customer_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        *_page_id("customer_reports"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["statuspage_components.id"],
            name=op.f("fk_customer_reports_component_id_statuspage_components"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_customer_reports_incident_id_incidents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["customer_reports.id"],
            name=op.f("fk_customer_reports_merged_into_id_customer_reports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_reports")),
    )
    with op.batch_alter_table("customer_reports") as batch:
        for column in ("page_id", "contact", "state", "incident_id", "created_at"):
            batch.create_index(batch.f(f"ix_customer_reports_{column}"), [column], unique=False)

    table = "statuspage_post_incident_reports"
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        *_page_id(table),
        sa.Column("public_incident_id", sa.Integer(), nullable=False),
        sa.Column("apology", sa.Text(), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("actions_taken", sa.Text(), nullable=False),
        sa.Column("prevention", sa.Text(), nullable=False),
        sa.Column("resolved_at", When, nullable=False),
        sa.Column("due_at", When, nullable=False),
        sa.Column("published_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["public_incident_id"],
            ["statuspage_incidents.id"],
            name=op.f(f"fk_{table}_public_incident_id_statuspage_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("public_incident_id", name=op.f(f"uq_{table}_public_incident_id")),
    )
    with op.batch_alter_table(table) as batch:
        batch.create_index(batch.f(f"ix_{table}_page_id"), ["page_id"], unique=False)


def downgrade() -> None:
    op.drop_table("statuspage_post_incident_reports")
    op.drop_table("customer_reports")
