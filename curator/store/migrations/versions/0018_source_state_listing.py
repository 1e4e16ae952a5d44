"""source_state.entries_listed, entries_stored_elsewhere, stored_first_by: what a source's last
parsed document listed, and how many of those entries were publications already stored under
another source (and which), so that `curator sources status` tells a source that works but
duplicates another (every publication it lists stored first through the other) from one whose
document lists nothing

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08

Plain ADD COLUMNs, nullable and without a default: no row is rewritten. NULL until a source's
next document is parsed and stored.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COLUMNS = (
    ("entries_listed", sa.Integer()),
    ("entries_stored_elsewhere", sa.Integer()),
    ("stored_first_by", sa.Text()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("source_state", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place.
    for name, _ in reversed(COLUMNS):
        op.drop_column("source_state", name)
