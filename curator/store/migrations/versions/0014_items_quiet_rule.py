"""items.quiet_rule: the source's skip/keep rule that kept a new item quiet, so that a search
result and the source's health can say why an item never reached the editors

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

A plain ADD COLUMN on both databases, nullable and without a default, so no row is rewritten
(on SQLite the search triggers on items stay as they are: the table is not rebuilt). Items
stored before rules existed keep NULL: no rule kept them quiet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("items", sa.Column("quiet_rule", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place; the search triggers do not read this one.
    op.drop_column("items", "quiet_rule")
