"""decisions.record: each decision's JSON Lines record in the audit export, written once when the
decision is made, so `curator decisions export` streams stored text instead of joining every
decision to its item and writing it again (issue 17: the full export at ten years)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

A plain ADD COLUMN on both databases (no table rebuild; decisions has no search triggers), then
the records of the decisions already made, written by the application's own writer
(``curator.store.trail.write_records``) so that they are the bytes the export wrote before:
about a second per hundred thousand decisions, a thousand at a time. A decision and its item's
title, publisher and URL never change, so a record never goes stale. The downgrade drops the
column; nothing else reads it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from curator.store.trail import write_records

    op.add_column("decisions", sa.Column("record", sa.Text(), nullable=True))
    write_records(op.get_bind(), fmt="jsonl")  # the CSV records are 0013's


def downgrade() -> None:
    # SQLite drops a column in place (3.35 and later): no table rebuild
    op.drop_column("decisions", "record")
