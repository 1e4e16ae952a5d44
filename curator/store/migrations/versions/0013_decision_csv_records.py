"""decisions.record_csv: each decision's CSV record in the audit export, written once when the
decision is made, as migration 0012 did for JSON Lines: `curator decisions export` (CSV, the
default format) streams stored text too (issue 17: the full export at ten years)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

A plain ADD COLUMN on both databases (no table rebuild), then the CSV records of the decisions
already made, written by the application's own writer (``curator.store.trail.write_records``)
so that they are the bytes the export wrote before, a thousand at a time. The downgrade drops
the column; nothing else reads it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from curator.store.trail import write_records

    op.add_column("decisions", sa.Column("record_csv", sa.Text(), nullable=True))
    write_records(op.get_bind(), fmt="csv")


def downgrade() -> None:
    # SQLite drops a column in place (3.35 and later): no table rebuild
    op.drop_column("decisions", "record_csv")
