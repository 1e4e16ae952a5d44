"""source_state.moved_to: where the permanent redirects (301, 308) from a source's URL led at its
last successful check, so that `curator sources status` and the weekly report say the source
has moved (the poll's own warning reaches only whoever reads that poll's output)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

A plain ADD COLUMN, nullable and without a default: no row is rewritten. NULL until a source's
next successful check.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("source_state", sa.Column("moved_to", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("source_state", "moved_to")
