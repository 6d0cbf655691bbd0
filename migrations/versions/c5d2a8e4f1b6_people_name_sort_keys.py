"""each person keeps the sort key of the name shown (the name, else the e-mail address):
lists of people sort as people read names, capitals and accents aside

Revision ID: c5d2a8e4f1b6
Revises: b3e1f7a2c9d4
Create Date: 2026-12-04 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

from tracker.i18n.collation import name_order

# Sorts by code point in both databases (PostgreSQL: COLLATE "C"), as Python compares it.
SORT_KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")

# revision identifiers, used by Alembic.
revision = "c5d2a8e4f1b6"
down_revision = "b3e1f7a2c9d4"
branch_labels = None
depends_on = None


def upgrade():
    # In place with an empty default, then filled in (as b3e1f7a2c9d4 does for stores).
    op.add_column(
        "users", sa.Column("name_key", SORT_KEY, server_default=sa.text("''"), nullable=False)
    )
    connection = op.get_bind()
    people = connection.execute(sa.text("SELECT id, name, email FROM users")).all()
    if people:
        connection.execute(
            sa.text("UPDATE users SET name_key = :key WHERE id = :id"),
            [{"id": ident, "key": name_order(name or email)} for ident, name, email in people],
        )


def downgrade():
    op.execute("ALTER TABLE users DROP COLUMN name_key")
