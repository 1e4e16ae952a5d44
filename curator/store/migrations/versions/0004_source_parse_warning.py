"""source_state.parse_warning and source_state.degraded: how the last document was read

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can add a column in place, and batch_alter_table keeps it portable;
    # the server default fills the rows already there
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(sa.Column("parse_warning", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("degraded", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("degraded")
        batch.drop_column("parse_warning")
