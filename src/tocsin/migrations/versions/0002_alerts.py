"""alerts: integrations, alerts, silences, alert incidents

Revision ID: 0002_alerts
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tocsin.db

revision: str = "0002_alerts"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("alerts",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('integrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('service', sa.String(length=100), nullable=False),
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('key_prefix', sa.String(length=8), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_beat_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations')),
    sa.UniqueConstraint('key_digest', name=op.f('uq_integrations_key_digest'))
    )
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrations_service'), ['service'], unique=False)

    op.create_table('alert_incidents',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('opened_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_alert_incidents_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_alert_incidents_integration_id_integrations')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_alert_incidents'))
    )
    with op.batch_alter_table('alert_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_incidents_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_incidents_opened_at'), ['opened_at'], unique=False)

    op.create_table('silences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matchers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('starts_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('weekly', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('service', sa.String(length=100), nullable=True),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('foreign_matches', sa.Integer(), nullable=False),
    sa.Column('foreign_example', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_silences_integration_id_integrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_silences'))
    )
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_silences_ends_at'), ['ends_at'], unique=False)

    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('starts_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_logged_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('silenced_by', sa.Integer(), nullable=True),
    sa.Column('group_key', sa.String(length=64), nullable=True),
    sa.Column('trace', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_alerts_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_alerts_integration_id_integrations')),
    sa.ForeignKeyConstraint(['silenced_by'], ['silences.id'], name=op.f('fk_alerts_silenced_by_silences'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index('ix_alerts_integration_id_dedup_key', ['integration_id', 'dedup_key'], unique=False)
        batch_op.create_index('uq_alerts_open_key', ['integration_id', 'dedup_key'], unique=True, sqlite_where=sa.text('open'), postgresql_where=sa.text('open'))
        batch_op.create_index(batch_op.f('ix_alerts_last_seen_at'), ['last_seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_open'), ['open'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_open'))
        batch_op.drop_index(batch_op.f('ix_alerts_name'))
        batch_op.drop_index(batch_op.f('ix_alerts_last_seen_at'))
        batch_op.drop_index('uq_alerts_open_key')
        batch_op.drop_index('ix_alerts_integration_id_dedup_key')
        batch_op.drop_index(batch_op.f('ix_alerts_incident_id'))

    op.drop_table('alerts')
    with op.batch_alter_table('silences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_silences_ends_at'))

    op.drop_table('silences')
    with op.batch_alter_table('alert_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_incidents_opened_at'))
        batch_op.drop_index(batch_op.f('ix_alert_incidents_name'))

    op.drop_table('alert_incidents')
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrations_service'))

    op.drop_table('integrations')
