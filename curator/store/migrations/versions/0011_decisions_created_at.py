"""decisions.created_at indexed: `curator decisions export --since DATE` reads the decisions of
the days asked for, not the whole audit trail

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A plain CREATE INDEX on both databases (decisions has no search triggers); building it reads
the decisions table once (a second per hundred thousand decisions).
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_decisions_created_at", table_name="decisions")
