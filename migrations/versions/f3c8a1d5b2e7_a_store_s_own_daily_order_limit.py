"""a store's own daily order limit while on probation

Revision ID: f3c8a1d5b2e7
Revises: e4b7d2a9c613
Create Date: 2026-12-03 12:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3c8a1d5b2e7"
down_revision = "e4b7d2a9c613"
branch_labels = None
depends_on = None


def upgrade():
    # Empty for existing stores: the market's first tier applies, as before.
    op.add_column("stores", sa.Column("daily_order_limit", sa.Integer(), nullable=True))


def downgrade():
    # In place (SQLite 3.35 and later, PostgreSQL): a batch copy of the table would drop
    # the old one, and ON DELETE CASCADE would take every store's tasks with it.
    op.execute("ALTER TABLE stores DROP COLUMN daily_order_limit")
