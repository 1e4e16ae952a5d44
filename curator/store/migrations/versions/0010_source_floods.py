"""source_state.flood_items and source_state.flood_at: the last flood of new items from a source

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

A later poll that brings more than 20 new items at once, more than half of the document's
entries (a redesign or a re-listing), stores them all quiet; the source keeps how many and when,
so ``curator sources status``, ``/pulse status`` and the weekly report can say so. NULL: none.
"""

import sqlalchemy as sa
from alembic import op

from curator.store.schema import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite adds nullable columns in place (source_state has no FTS triggers)
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(sa.Column("flood_items", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("flood_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("flood_at")
        batch.drop_column("flood_items")
