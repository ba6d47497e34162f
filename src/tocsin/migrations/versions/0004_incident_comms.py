"""incident communication: roles held by directory people, stakeholders, the public
acknowledgement deadline

Revision ID: 0004_incident_comms
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = '0004_incident_comms'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ('0002_oncall',)


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_ack_due_at', tocsin.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_public_at', tocsin.db.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('incident_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incident_roles_person_id'), ['person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incident_roles_person_id_oncall_people'), 'oncall_people', ['person_id'], ['id'], ondelete='SET NULL')

    op.create_table('incident_stakeholders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('added_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_stakeholders_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_incident_stakeholders_person_id_oncall_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_stakeholders')),
    sa.UniqueConstraint('incident_id', 'email', name='uq_incident_stakeholders_email'),
    sa.UniqueConstraint('incident_id', 'person_id', name='uq_incident_stakeholders_person')
    )
    with op.batch_alter_table('incident_stakeholders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_stakeholders_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_stakeholders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_stakeholders_person_id'))

    op.drop_table('incident_stakeholders')
    with op.batch_alter_table('incident_roles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incident_roles_person_id_oncall_people'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incident_roles_person_id'))
        batch_op.drop_column('person_id')

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('first_public_at')
        batch_op.drop_column('public_ack_due_at')
