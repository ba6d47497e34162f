"""postmortems: sections, reviewers, comments, timeline annotations, action items

Revision ID: 0006_postmortems
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db
from sqlalchemy.dialects import postgresql

revision: str = '0006_postmortems'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ('0004_incident_comms', '0002_oncall')


def upgrade() -> None:
    op.create_table('postmortems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner_person_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('draft_due_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('review_due_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('opened_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('review_started_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_postmortems_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_person_id'], ['oncall_people.id'], name=op.f('fk_postmortems_owner_person_id_oncall_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_postmortems_team_id_oncall_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postmortems')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_postmortems_incident_id'))
    )
    with op.batch_alter_table('postmortems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postmortems_owner_person_id'), ['owner_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postmortems_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_postmortems_team_id'), ['team_id'], unique=False)

    op.create_table('postmortem_action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('postmortem_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('owner_person_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('priority', sa.String(length=4), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('tracker_url', sa.String(length=2000), nullable=True),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['owner_person_id'], ['oncall_people.id'], name=op.f('fk_postmortem_action_items_owner_person_id_oncall_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['postmortem_id'], ['postmortems.id'], name=op.f('fk_postmortem_action_items_postmortem_id_postmortems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postmortem_action_items'))
    )
    with op.batch_alter_table('postmortem_action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postmortem_action_items_owner_person_id'), ['owner_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postmortem_action_items_postmortem_id'), ['postmortem_id'], unique=False)
        batch_op.create_index('ix_postmortem_action_items_status_id', ['status', 'id'], unique=False)

    op.create_table('postmortem_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('postmortem_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=60), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['postmortem_id'], ['postmortems.id'], name=op.f('fk_postmortem_comments_postmortem_id_postmortems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postmortem_comments'))
    )
    with op.batch_alter_table('postmortem_comments', schema=None) as batch_op:
        batch_op.create_index('ix_postmortem_comments_postmortem_id_id', ['postmortem_id', 'id'], unique=False)

    op.create_table('postmortem_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('postmortem_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('added_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_postmortem_reviewers_person_id_oncall_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['postmortem_id'], ['postmortems.id'], name=op.f('fk_postmortem_reviewers_postmortem_id_postmortems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postmortem_reviewers'))
    )
    with op.batch_alter_table('postmortem_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postmortem_reviewers_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postmortem_reviewers_postmortem_id'), ['postmortem_id'], unique=False)

    op.create_table('postmortem_sections',
    sa.Column('postmortem_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['postmortem_id'], ['postmortems.id'], name=op.f('fk_postmortem_sections_postmortem_id_postmortems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('postmortem_id', 'key', name=op.f('pk_postmortem_sections'))
    )
    op.create_table('postmortem_timeline_annotations',
    sa.Column('postmortem_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('starred', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['postmortem_id'], ['postmortems.id'], name=op.f('fk_postmortem_timeline_annotations_postmortem_id_postmortems'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('postmortem_id', 'source', 'event_id', name=op.f('pk_postmortem_timeline_annotations'))
    )


def downgrade() -> None:
    op.drop_table('postmortem_timeline_annotations')
    op.drop_table('postmortem_sections')
    with op.batch_alter_table('postmortem_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postmortem_reviewers_postmortem_id'))
        batch_op.drop_index(batch_op.f('ix_postmortem_reviewers_person_id'))

    op.drop_table('postmortem_reviewers')
    with op.batch_alter_table('postmortem_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_postmortem_comments_postmortem_id_id')

    op.drop_table('postmortem_comments')
    with op.batch_alter_table('postmortem_action_items', schema=None) as batch_op:
        batch_op.drop_index('ix_postmortem_action_items_status_id')
        batch_op.drop_index(batch_op.f('ix_postmortem_action_items_postmortem_id'))
        batch_op.drop_index(batch_op.f('ix_postmortem_action_items_owner_person_id'))

    op.drop_table('postmortem_action_items')
    with op.batch_alter_table('postmortems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postmortems_team_id'))
        batch_op.drop_index(batch_op.f('ix_postmortems_status'))
        batch_op.drop_index(batch_op.f('ix_postmortems_owner_person_id'))

    op.drop_table('postmortems')
