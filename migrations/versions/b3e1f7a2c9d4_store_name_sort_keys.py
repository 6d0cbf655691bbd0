"""stores and people keep their names' sort keys: lists sort names as people read them,
capitals and accents aside, the same in Python and both databases

Revision ID: b3e1f7a2c9d4
Revises: a7d3e9f1c5b2
Create Date: 2026-12-04 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from tracker.i18n.collation import name_order

# revision identifiers, used by Alembic.
revision = "b3e1f7a2c9d4"
down_revision = "a7d3e9f1c5b2"
branch_labels = None
depends_on = None

# Sorts by code point in both databases (PostgreSQL: COLLATE "C"), as Python compares it.
SORT_KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
# Each table, and the columns its key is worked out from: a person's name shown is their
# name, else their e-mail address.
NAMED = {"stores": ("name",), "users": ("name", "email")}


def upgrade():
    connection = op.get_bind()
    for table, columns in NAMED.items():
        # Added in place with an empty default (a batch copy of the table would drop the
        # old one, and ON DELETE CASCADE would take every store's tasks with it), then
        # filled in.
        op.add_column(
            table, sa.Column("name_key", SORT_KEY, server_default=sa.text("''"), nullable=False)
        )
        rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}"))
        keys = [
            {"id": ident, "key": name_order(next(filter(None, named), ""))}
            for ident, *named in rows
        ]
        if keys:
            connection.execute(sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"), keys)


def downgrade():
    for table in NAMED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN name_key")
