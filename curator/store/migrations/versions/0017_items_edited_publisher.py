"""items.edited_publisher: the publisher as the edition prints it when an editor changed it (a
joint publication, "NSPCC and Baringa", where the feed names one), kept apart from the feed's
``publisher``, which search reads

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

A plain ADD COLUMN on both databases, nullable and without a default, so no row is rewritten
(on SQLite the search triggers on items stay as they are: the table is not rebuilt).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("edited_publisher", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; the search triggers do not read this one.
    op.drop_column("items", "edited_publisher")
