"""the digest lane's daily roll-up, Make a card, and candidates that expire

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12

- ``items.digest_listed_at``: when the item was listed in a roll-up ("Also published today");
  NULL until then. Rows of the digest lane stored before this revision are left unlisted, so the
  first roll-up lists them.
- ``items.carded_at`` and ``items.carded_by``: an editor's "Make a card" (when, and which Slack
  user); a candidate's age for expiry counts from ``carded_at`` when it is set.
- ``digest_messages``: one row per roll-up message, planned with its items before posting.
- Indexes: ``ix_items_lane_seen`` (new items per lane over a window), the partial
  ``ix_items_digest_backlog`` (digest items not listed yet) and ``ix_items_queued_seen`` (the
  queue by first-seen date, for expiry).
"""

import sqlalchemy as sa
from alembic import op

from curator.store.schema import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BACKLOG = "lane = 'digest' AND status = 'queued' AND digest_listed_at IS NULL"
QUEUED = "status = 'queued'"


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (see 0006: a batch copy of items on SQLite would drop
    # the table under its foreign keys and its search triggers).
    op.add_column("items", sa.Column("digest_listed_at", UTCDateTime(), nullable=True))
    op.add_column("items", sa.Column("carded_at", UTCDateTime(), nullable=True))
    op.add_column("items", sa.Column("carded_by", sa.Text(), nullable=True))
    op.create_index("ix_items_lane_seen", "items", ["lane", "first_seen_at"])
    op.create_index(
        "ix_items_digest_backlog",
        "items",
        ["lane", "status", "id"],
        sqlite_where=sa.text(BACKLOG),
        postgresql_where=sa.text(BACKLOG),
    )
    op.create_index(
        "ix_items_queued_seen",
        "items",
        ["status", "first_seen_at"],
        sqlite_where=sa.text(QUEUED),
        postgresql_where=sa.text(QUEUED),
    )
    op.create_table(
        "digest_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(100), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_ts", sa.String(40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("posted_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_digest_messages"),
    )
    op.create_index("ix_digest_messages_message", "digest_messages", ["channel", "message_ts"])
    op.create_index("ix_digest_messages_status", "digest_messages", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_digest_messages_status", table_name="digest_messages")
    op.drop_index("ix_digest_messages_message", table_name="digest_messages")
    op.drop_table("digest_messages")
    op.drop_index("ix_items_queued_seen", table_name="items")
    op.drop_index("ix_items_digest_backlog", table_name="items")
    op.drop_index("ix_items_lane_seen", table_name="items")
    # DROP COLUMN: SQLite 3.35+ and PostgreSQL both have it (no batch copy of items).
    op.execute("ALTER TABLE items DROP COLUMN carded_by")
    op.execute("ALTER TABLE items DROP COLUMN carded_at")
    op.execute("ALTER TABLE items DROP COLUMN digest_listed_at")
