"""source_state.consecutive_blocks: refusals in a row, for the "blocked" status

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default fills the rows already there: no source has been counted as refused yet
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(
            sa.Column("consecutive_blocks", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("consecutive_blocks")
