"""severity policies an admin changes at run time (over the deployment's settings)

Revision ID: 0009_severity_policies_sevpol
Revises: 0008_incident_facts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tocsin.db

revision: str = "0009_severity_policies_sevpol"
down_revision: str | None = "0008_incident_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "severity_policies",
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", tocsin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("severity", name=op.f("pk_severity_policies")),
    )


def downgrade() -> None:
    op.drop_table("severity_policies")
