"""accounts: users (linked to on-call people), web sessions, account links; tokens get owners

Revision ID: 0009_accounts_users
Revises: 0001 (needs 0002_oncall: a user names a person)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = "0009_accounts_users"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002_oncall",)

When = tocsin.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("password_changed_at", When, nullable=True),
        sa.Column("disabled_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["oncall_people.id"],
            name=op.f("fk_users_person_id_oncall_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_person_id"), "users", ["person_id"], unique=False)
    for table, columns in (
        (
            "user_sessions",
            [
                sa.Column("last_seen_at", When, nullable=False),
                sa.Column("expires_at", When, nullable=False),
                sa.Column("ended_at", When, nullable=True),
            ],
        ),
        (
            "account_links",
            [
                sa.Column("purpose", sa.String(length=20), nullable=False),
                sa.Column("expires_at", When, nullable=False),
                sa.Column("used_at", When, nullable=True),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("created_at", When, nullable=False),
            *columns,
            sa.ForeignKeyConstraint(
                ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("digest", name=op.f(f"uq_{table}_digest")),
        )
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"], unique=False)
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_api_tokens_user_id_users"), "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(batch.f("ix_api_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index(batch.f("ix_api_tokens_user_id"))
        batch.drop_constraint(batch.f("fk_api_tokens_user_id_users"), type_="foreignkey")
        batch.drop_column("user_id")
    for table in ("account_links", "user_sessions"):
        op.drop_index(op.f(f"ix_{table}_user_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_users_person_id"), table_name="users")
    op.drop_table("users")
