"""indexes that fit the queries as history grows: a publisher's and a source's items by date,
items first seen since a date by source

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

- ``ix_items_publisher_dated`` on ``(publisher, coalesce(published_at, first_seen_at))``
  replaces ``ix_items_publisher_seen``: the near-duplicate check filters on that date, so it now
  reads only the days it needs instead of the publisher's whole history.
- ``ix_items_source_dated`` on ``(source_id, coalesce(published_at, first_seen_at))`` replaces
  ``ix_items_source_id`` (a prefix of it): each source's newest item is one index entry.
- ``ix_items_seen_source`` on ``(first_seen_at, source_id)``: the items of the last 30 days per
  source, from the index alone.
- ``ix_items_decided_source`` on ``(status, source_id)``, partial (accepted and rejected items
  only): the decided items per source, from the index alone (status first for SQLite's
  planner, which otherwise prefers ix_items_status_id's equality on status).
- ``ix_items_edition_status`` on ``(edition, status)`` replaces ``ix_items_edition`` (a prefix of
  it): each edition's accepted count from the index alone.

Plain CREATE/DROP INDEX on both databases (a batch copy of items on SQLite would drop the table
under its foreign keys and its search triggers). Building them reads the items table once: a few
seconds per million items.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DATED = "coalesce(published_at, first_seen_at)"
DECIDED = "status IN ('accepted', 'rejected')"


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_items_publisher_dated ON items (publisher, ({DATED}))")
    op.execute(f"CREATE INDEX ix_items_source_dated ON items (source_id, ({DATED}))")
    op.create_index("ix_items_seen_source", "items", ["first_seen_at", "source_id"])
    op.create_index(
        "ix_items_decided_source",
        "items",
        ["status", "source_id"],
        sqlite_where=sa.text(DECIDED),
        postgresql_where=sa.text(DECIDED),
    )
    op.create_index("ix_items_edition_status", "items", ["edition", "status"])
    op.drop_index("ix_items_publisher_seen", table_name="items")
    op.drop_index("ix_items_source_id", table_name="items")
    op.drop_index("ix_items_edition", table_name="items")


def downgrade() -> None:
    op.create_index("ix_items_edition", "items", ["edition"])
    op.drop_index("ix_items_edition_status", table_name="items")
    op.drop_index("ix_items_decided_source", table_name="items")
    op.create_index("ix_items_source_id", "items", ["source_id"])
    op.create_index("ix_items_publisher_seen", "items", ["publisher", "first_seen_at"])
    op.drop_index("ix_items_seen_source", table_name="items")
    op.drop_index("ix_items_source_dated", table_name="items")
    op.drop_index("ix_items_publisher_dated", table_name="items")
