"""metrics: partial indexes on the facts for the rows a service or team report reads apart
(incidents without services; incidents with several), so neither is a whole-table scan

Revision ID: 0009_metrics_partial_idx
Revises: 0008_incident_facts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_metrics_partial_idx'
down_revision: str | None = '0008_incident_facts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT = sa.text('services = 0')
SEVERAL = sa.text('services > 1')


def upgrade() -> None:
    op.create_index(
        'ix_incident_facts_without_services',
        'incident_facts',
        ['detected_at'],
        postgresql_where=WITHOUT,
        sqlite_where=WITHOUT,
    )
    op.create_index(
        'ix_incident_service_facts_several',
        'incident_service_facts',
        ['detected_at'],
        postgresql_where=SEVERAL,
        sqlite_where=SEVERAL,
    )


def downgrade() -> None:
    op.drop_index('ix_incident_service_facts_several', table_name='incident_service_facts')
    op.drop_index('ix_incident_facts_without_services', table_name='incident_facts')
