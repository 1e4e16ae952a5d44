"""item_proposals (a publication's proposed summary and key findings) and items.edited_lead_in

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14

A proposal is read from the publication when an editor adds an item by its link or accepts it:
one row per item, kept apart from the item's own text so that the draft can tell a proposal the
editors have not used from text an editor wrote or chose. ``edited_lead_in`` is the line that
introduces an item's key findings ("Key findings include:", "Ofsted recommend:"), set when an
editor uses a proposal or edits it.
"""

import sqlalchemy as sa
from alembic import op

from curator.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_proposals",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("key_findings", sa.JSON(), nullable=True),
        sa.Column("lead_in", sa.Text(), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=True),
        sa.Column("missing", sa.JSON(), nullable=True),
        sa.Column("report_url", sa.Text(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("used_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name="fk_item_proposals_item_id_items",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name="pk_item_proposals"),
    )
    # Plain ALTER TABLE, never batch mode: on SQLite a batch rebuild of ``items`` would drop the
    # search index's triggers (migration 0006).
    op.add_column("items", sa.Column("edited_lead_in", sa.Text(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later) keeps the search triggers on ``items``.
    op.execute("ALTER TABLE items DROP COLUMN edited_lead_in")
    op.drop_table("item_proposals")
