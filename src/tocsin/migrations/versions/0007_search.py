"""search: the postmortems' full-text index (FTS5 on SQLite, tsvector + GIN on PostgreSQL),
recorded incident recurrences

Revision ID: 0007_search
Revises: 0006_postmortems

``postmortem_search`` is not a model (``tocsin.postmortems.index.UNMAPPED_TABLES``); the
postmortems that exist already are indexed here, as the write path would have.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import tocsin.db

revision: str = '0007_search'
down_revision: str | None = '0006_postmortems'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRES_TABLE = """
CREATE TABLE postmortem_search (
    postmortem_id integer PRIMARY KEY REFERENCES postmortems (id) ON DELETE CASCADE,
    title text NOT NULL,
    body text NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', body), 'B')
    ) STORED,
    title_document tsvector GENERATED ALWAYS AS (to_tsvector('english', title)) STORED
)
"""


def upgrade() -> None:
    op.create_table('incident_recurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('past_incident_id', sa.Integer(), nullable=False),
    sa.Column('incident_opened_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('found_at', tocsin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_recurrences_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['past_incident_id'], ['incidents.id'], name=op.f('fk_incident_recurrences_past_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_recurrences')),
    sa.UniqueConstraint('key', name=op.f('uq_incident_recurrences_key'))
    )
    with op.batch_alter_table('incident_recurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_recurrences_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_recurrences_incident_opened_at'), ['incident_opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_recurrences_past_incident_id'), ['past_incident_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_POSTGRES_TABLE)
        op.execute('CREATE INDEX ix_postmortem_search_document ON postmortem_search USING gin (document)')
        op.execute('CREATE INDEX ix_postmortem_search_title_document ON postmortem_search USING gin (title_document)')
    else:
        op.execute("CREATE VIRTUAL TABLE postmortem_search USING fts5(title, body, tokenize = 'porter unicode61')")
        op.execute(
            'CREATE TRIGGER postmortem_search_forget AFTER DELETE ON postmortems BEGIN'
            ' DELETE FROM postmortem_search WHERE rowid = old.id; END'
        )
    _index_existing()


def _content(value: Any) -> dict[str, Any]:
    found = json.loads(value) if isinstance(value, str) else value
    return found if isinstance(found, dict) else {}


def _index_existing() -> None:
    """Index the postmortems written before this revision (same text as the write path)."""
    from tocsin.postmortems.index import section_text

    bind = op.get_bind()
    postmortems = bind.execute(sa.text(
        'SELECT p.id, i.title FROM postmortems p JOIN incidents i ON i.id = p.incident_id'
    )).all()
    for postmortem_id, title in postmortems:
        sections = bind.execute(sa.text(
            'SELECT content FROM postmortem_sections WHERE postmortem_id = :id ORDER BY key'
        ), {'id': postmortem_id}).scalars()
        items = bind.execute(sa.text(
            'SELECT title FROM postmortem_action_items WHERE postmortem_id = :id ORDER BY id'
        ), {'id': postmortem_id}).scalars()
        parts = [t for c in sections for t in section_text(_content(c)) if t]
        body = '\n'.join([*parts, *items])
        column = 'postmortem_id' if bind.dialect.name == 'postgresql' else 'rowid'
        bind.execute(sa.text(
            f'INSERT INTO postmortem_search ({column}, title, body) VALUES (:id, :title, :body)'
        ), {'id': postmortem_id, 'title': title, 'body': body})


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS postmortem_search_forget')
    op.execute('DROP TABLE postmortem_search')
    with op.batch_alter_table('incident_recurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_recurrences_past_incident_id'))
        batch_op.drop_index(batch_op.f('ix_incident_recurrences_incident_opened_at'))
        batch_op.drop_index(batch_op.f('ix_incident_recurrences_incident_id'))

    op.drop_table('incident_recurrences')
