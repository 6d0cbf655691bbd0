"""a store's orders to date, which the new-store inspection may count

Revision ID: e4b7d2a9c613
Revises: c1a5e0f2d7b4
Create Date: 2026-12-03 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e4b7d2a9c613"
down_revision = "c1a5e0f2d7b4"
branch_labels = None
depends_on = None


def upgrade():
    # Unknown for existing stores until someone types it in (or imports orders).
    op.add_column("stores", sa.Column("orders_to_date", sa.Integer(), nullable=True))


def downgrade():
    # In place (SQLite 3.35 and later, PostgreSQL): a batch copy of the table would drop
    # the old one, and ON DELETE CASCADE would take every store's tasks with it.
    op.execute("ALTER TABLE stores DROP COLUMN orders_to_date")
