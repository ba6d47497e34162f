"""oncall: a team member's role (member | admin); escalation policies name their team

Revision ID: 0011_team_roles
Revises: 0002_oncall
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_team_roles"
down_revision: str | None = "0002_oncall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "oncall_team_members",
        sa.Column("role", sa.String(10), nullable=False, server_default="member"),
    )
    with op.batch_alter_table("oncall_escalation_policies") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_oncall_escalation_policies_team_id_oncall_teams",
            "oncall_teams",
            ["team_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_oncall_escalation_policies_team_id", ["team_id"])


def downgrade() -> None:
    with op.batch_alter_table("oncall_escalation_policies") as batch:
        batch.drop_index("ix_oncall_escalation_policies_team_id")
        batch.drop_constraint("fk_oncall_escalation_policies_team_id_oncall_teams", type_="foreignkey")
        batch.drop_column("team_id")
    with op.batch_alter_table("oncall_team_members") as batch:
        batch.drop_column("role")
