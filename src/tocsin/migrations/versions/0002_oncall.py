"""on-call: people, contact methods, notification rules, teams, schedules, overrides,
escalation policies and the services catalog

Revision ID: 0002_oncall
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = "0002_oncall"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("oncall",)
depends_on: str | Sequence[str] | None = None

# Dropped children first; dropping a table drops its indexes.
TABLES = [
    "oncall_layer_participants",
    "oncall_overrides",
    "oncall_notification_rules",
    "oncall_layers",
    "oncall_escalation_targets",
    "oncall_team_members",
    "oncall_services",
    "oncall_schedules",
    "oncall_escalation_levels",
    "oncall_contact_methods",
    "oncall_teams",
    "oncall_people",
    "oncall_escalation_policies",
]


def upgrade() -> None:
    op.create_table('oncall_escalation_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('repeat', sa.Integer(), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_escalation_policies'))
    )
    op.create_table('oncall_people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('handle', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_people')),
    sa.UniqueConstraint('handle', name=op.f('uq_oncall_people_handle'))
    )
    op.create_table('oncall_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_oncall_teams_name'))
    )
    op.create_table('oncall_contact_methods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('sealed_address', sa.Text(), nullable=True),
    sa.Column('sealed_secret', sa.Text(), nullable=True),
    sa.Column('display', sa.String(length=300), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_oncall_contact_methods_person_id_oncall_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_contact_methods'))
    )
    with op.batch_alter_table('oncall_contact_methods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_contact_methods_person_id'), ['person_id'], unique=False)

    op.create_table('oncall_escalation_levels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('timeout_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['oncall_escalation_policies.id'], name=op.f('fk_oncall_escalation_levels_policy_id_oncall_escalation_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_escalation_levels')),
    sa.UniqueConstraint('policy_id', 'position', name=op.f('uq_oncall_escalation_levels_policy_id'))
    )
    op.create_table('oncall_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_schedules_team_id_oncall_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_schedules'))
    )
    with op.batch_alter_table('oncall_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_schedules_team_id'), ['team_id'], unique=False)

    op.create_table('oncall_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('escalation_policy_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['escalation_policy_id'], ['oncall_escalation_policies.id'], name=op.f('fk_oncall_services_escalation_policy_id_oncall_escalation_policies')),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_services_team_id_oncall_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_services')),
    sa.UniqueConstraint('name', name=op.f('uq_oncall_services_name'))
    )
    with op.batch_alter_table('oncall_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_services_escalation_policy_id'), ['escalation_policy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oncall_services_team_id'), ['team_id'], unique=False)

    op.create_table('oncall_team_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_oncall_team_members_person_id_oncall_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['oncall_teams.id'], name=op.f('fk_oncall_team_members_team_id_oncall_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'person_id', name=op.f('pk_oncall_team_members'))
    )
    with op.batch_alter_table('oncall_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_team_members_person_id'), ['person_id'], unique=False)

    op.create_table('oncall_escalation_targets',
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=10), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['level_id'], ['oncall_escalation_levels.id'], name=op.f('fk_oncall_escalation_targets_level_id_oncall_escalation_levels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_oncall_escalation_targets_person_id_oncall_people')),
    sa.ForeignKeyConstraint(['schedule_id'], ['oncall_schedules.id'], name=op.f('fk_oncall_escalation_targets_schedule_id_oncall_schedules')),
    sa.PrimaryKeyConstraint('level_id', 'position', name=op.f('pk_oncall_escalation_targets'))
    )
    with op.batch_alter_table('oncall_escalation_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_escalation_targets_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oncall_escalation_targets_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('oncall_layers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rotation_kind', sa.String(length=10), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('start', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end', tocsin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('restrictions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['schedule_id'], ['oncall_schedules.id'], name=op.f('fk_oncall_layers_schedule_id_oncall_schedules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_layers')),
    sa.UniqueConstraint('schedule_id', 'position', name=op.f('uq_oncall_layers_schedule_id'))
    )
    op.create_table('oncall_notification_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('contact_method_id', sa.Integer(), nullable=False),
    sa.Column('delay_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_method_id'], ['oncall_contact_methods.id'], name=op.f('fk_oncall_notification_rules_contact_method_id_oncall_contact_methods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_oncall_notification_rules_person_id_oncall_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_notification_rules')),
    sa.UniqueConstraint('contact_method_id', 'delay_minutes', name=op.f('uq_oncall_notification_rules_contact_method_id'))
    )
    with op.batch_alter_table('oncall_notification_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_notification_rules_person_id'), ['person_id'], unique=False)

    op.create_table('oncall_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('start', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_oncall_overrides_person_id_oncall_people')),
    sa.ForeignKeyConstraint(['schedule_id'], ['oncall_schedules.id'], name=op.f('fk_oncall_overrides_schedule_id_oncall_schedules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oncall_overrides'))
    )
    with op.batch_alter_table('oncall_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_overrides_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oncall_overrides_schedule_id'), ['schedule_id'], unique=False)

    op.create_table('oncall_layer_participants',
    sa.Column('layer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['layer_id'], ['oncall_layers.id'], name=op.f('fk_oncall_layer_participants_layer_id_oncall_layers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['oncall_people.id'], name=op.f('fk_oncall_layer_participants_person_id_oncall_people')),
    sa.PrimaryKeyConstraint('layer_id', 'position', name=op.f('pk_oncall_layer_participants'))
    )
    with op.batch_alter_table('oncall_layer_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oncall_layer_participants_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
