"""metrics: responder feedback on alerts (actionable or noise), incidents indexed by
detection time (the metrics' windows)

Revision ID: 0006_metrics
Revises: 0001 (needs 0002_alerts: the feedback is kept on the alert)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = '0006_metrics'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ('0002_alerts',)


def upgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verdict', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('verdict_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('verdict_at', tocsin.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_detected_at'), ['detected_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_detected_at'))

    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('verdict_at')
        batch_op.drop_column('verdict_by')
        batch_op.drop_column('verdict')
