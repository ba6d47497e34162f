"""status pages: several per installation; components and public incidents belong to one

Revision ID: 0004_statuspage_pages
Revises: 0003_statuspage
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tocsin.db

revision: str = "0004_statuspage_pages"
down_revision: str | None = "0003_statuspage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    pages = op.create_table(
        "statuspage_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("logo_url", sa.String(length=2000), nullable=True),
        sa.Column("home_url", sa.String(length=2000), nullable=True),
        sa.Column("links", JSON, nullable=False),
        sa.Column("created_at", tocsin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tocsin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuspage_pages")),
        sa.UniqueConstraint("slug", name=op.f("uq_statuspage_pages_slug")),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        pages,
        [
            {
                "id": 1,
                "slug": "status",
                "name": None,
                "visibility": "public",
                "links": [],
                "created_at": now,
                "updated_at": now,
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":  # the next page made gets id 2
        op.execute("SELECT setval('statuspage_pages_id_seq', 1)")
    for table in ("statuspage_components", "statuspage_incidents"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("page_id", sa.Integer(), server_default="1", nullable=False))
            batch.create_index(batch.f(f"ix_{table}_page_id"), ["page_id"], unique=False)
            batch.create_foreign_key(
                batch.f(f"fk_{table}_page_id_statuspage_pages"),
                "statuspage_pages",
                ["page_id"],
                ["id"],
                ondelete="CASCADE",
            )


def downgrade() -> None:
    for table in ("statuspage_components", "statuspage_incidents"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(
                batch.f(f"fk_{table}_page_id_statuspage_pages"), type_="foreignkey"
            )
            batch.drop_index(batch.f(f"ix_{table}_page_id"))
            batch.drop_column("page_id")
    op.drop_table("statuspage_pages")
