"""source_state.body_hash: the fingerprint of the last document parsed and stored

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can add a column in place, and batch_alter_table keeps it portable
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(sa.Column("body_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("body_hash")
