"""each store keeps its name's sort key: lists sort names as people read them, capitals and
accents aside, the same in Python and both databases

Revision ID: b3e1f7a2c9d4
Revises: a7d3e9f1c5b2
Create Date: 2026-12-04 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from tracker.i18n.collation import name_order

# Sorts by code point in both databases (PostgreSQL: COLLATE "C"), as Python compares it.
SORT_KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

# revision identifiers, used by Alembic.
revision = "b3e1f7a2c9d4"
down_revision = "a7d3e9f1c5b2"
branch_labels = None
depends_on = None


def upgrade():
    # Added in place with an empty default (a batch copy of the table would drop the old
    # one, and ON DELETE CASCADE would take every store's tasks with it), then filled in.
    op.add_column(
        "stores", sa.Column("name_key", SORT_KEY, server_default=sa.text("''"), nullable=False)
    )
    connection = op.get_bind()
    stores = connection.execute(sa.text("SELECT id, name FROM stores")).all()
    if stores:
        connection.execute(
            sa.text("UPDATE stores SET name_key = :key WHERE id = :id"),
            [{"id": ident, "key": name_order(name)} for ident, name in stores],
        )


def downgrade():
    op.execute("ALTER TABLE stores DROP COLUMN name_key")
