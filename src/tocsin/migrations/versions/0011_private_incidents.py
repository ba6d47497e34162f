"""incidents: private incidents and their members (users or directory people)

Revision ID: 0011_private_incidents
Revises: 0009_accounts_users (users and, through it, oncall_people); needs
0004_incident_comms (stakeholders): the people holding roles or following an incident
become its members, as they do from now on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = "0011_private_incidents"
down_revision: str | None = "0009_accounts_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0004_incident_comms",)

When = tocsin.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "incidents",
        sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "incident_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("added_at", When, nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_members_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_incident_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["oncall_people.id"],
            name=op.f("fk_incident_members_person_id_oncall_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_members")),
        sa.UniqueConstraint("incident_id", "user_id", name="uq_incident_members_user"),
        sa.UniqueConstraint("incident_id", "person_id", name="uq_incident_members_person"),
    )
    op.create_index(
        op.f("ix_incident_members_user_id"), "incident_members", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_incident_members_person_id"), "incident_members", ["person_id"], unique=False
    )
    op.execute(
        "INSERT INTO incident_members (incident_id, person_id, source, added_at, added_by) "
        "SELECT incident_id, person_id, min(source), min(at), 'tocsin:migration' FROM ("
        " SELECT incident_id, person_id, 'role' AS source, assigned_at AS at"
        " FROM incident_roles WHERE person_id IS NOT NULL"
        " UNION ALL"
        " SELECT incident_id, person_id, 'stakeholder', added_at"
        " FROM incident_stakeholders WHERE person_id IS NOT NULL"
        ") AS brought GROUP BY incident_id, person_id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_members_person_id"), table_name="incident_members")
    op.drop_index(op.f("ix_incident_members_user_id"), table_name="incident_members")
    op.drop_table("incident_members")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("private")
