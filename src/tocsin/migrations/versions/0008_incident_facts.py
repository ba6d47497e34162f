"""metrics: incident_facts, one row per incident with its durations and update tallies
(what the report reads), and incident_service_facts, the same per affected service; both
filled from the incidents already there

Revision ID: 0008_incident_facts
Revises: 0006_metrics (needs 0004_incident_comms: the tallies come from incident_updates)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = '0008_incident_facts'
down_revision: str | None = '0006_metrics'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ('0004_incident_comms',)


def _fact_columns() -> list[sa.Column]:
    when = tocsin.db.UTCDateTime(timezone=True)
    return [
        sa.Column('detected_at', when, nullable=False),
        sa.Column('severity', sa.String(length=8), nullable=False),
        sa.Column('created_at', when, nullable=False),
        sa.Column('resolved_at', when, nullable=True),
        sa.Column('public_ack_due_at', when, nullable=True),
        sa.Column('first_public_at', when, nullable=True),
        sa.Column('mttd', sa.Float(), nullable=True),
        sa.Column('mtta', sa.Float(), nullable=True),
        sa.Column('mttm', sa.Float(), nullable=True),
        sa.Column('mttr', sa.Float(), nullable=True),
        sa.Column('has_updates', sa.Boolean(), nullable=False),
        sa.Column('first_posted', when, nullable=True),
        sa.Column('kept', sa.Integer(), nullable=False),
        sa.Column('broken', sa.Integer(), nullable=False),
        sa.Column('last_due', when, nullable=True),
        sa.Column('services', sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'incident_facts',
        sa.Column('incident_id', sa.Integer(), nullable=False),
        *_fact_columns(),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('incident_id'),
    )
    op.create_table(
        'incident_service_facts',
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('service', sa.String(length=100), nullable=False),
        *_fact_columns(),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('incident_id', 'service'),
    )
    op.create_index(
        'ix_incident_service_facts_detected_at', 'incident_service_facts', ['detected_at']
    )
    op.create_index('ix_incident_facts_detected_at', 'incident_facts', ['detected_at'])
    # the backfill: the same SQL the write path runs for each incident it changes. It is
    # today's code: a later migration that changes these tables' columns must refill them
    # itself, and this step then fill only the columns created here
    from tocsin.metrics import facts

    facts.refresh_all(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_incident_service_facts_detected_at', table_name='incident_service_facts')
    op.drop_table('incident_service_facts')
    op.drop_index('ix_incident_facts_detected_at', table_name='incident_facts')
    op.drop_table('incident_facts')
