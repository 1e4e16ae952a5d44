"""indexes that fit the queries: the review queue by page, the newest prediction of an item,
the outbox's pending rows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

PENDING = "status = 'pending'"


def upgrade() -> None:
    # (status, id) serves every query the single-column index served, plus keyset pages.
    op.create_index("ix_items_status_id", "items", ["status", "id"])
    op.drop_index("ix_items_status", table_name="items")
    op.create_index("ix_predictions_item_newest", "predictions", ["item_id", "id"])
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["channel", "id"],
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_index("ix_predictions_item_newest", table_name="predictions")
    op.create_index("ix_items_status", "items", ["status"])
    op.drop_index("ix_items_status_id", table_name="items")
