"""items.expired_at: when a candidate last left the queue undecided (CURATOR_CANDIDATE_DAYS), so
that a search result says "expired" of an item the editors were shown and let go, and nothing of
a quiet item they never saw

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

A plain ADD COLUMN on both databases, nullable and without a default, so no row is rewritten
(on SQLite the search triggers on items stay as they are: the table is not rebuilt). Items that
expired before this revision keep NULL: a search shows them as quiet, without the note.
"""

import sqlalchemy as sa
from alembic import op

from curator.store.schema import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("expired_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; the search triggers do not read this one.
    op.drop_column("items", "expired_at")
