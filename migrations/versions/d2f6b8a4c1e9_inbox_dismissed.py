"""an inbox reminder can be dismissed by its reader

Revision ID: d2f6b8a4c1e9
Revises: c9e1a3b5d7f0
Create Date: 2026-12-03 15:45:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2f6b8a4c1e9"
down_revision = "c9e1a3b5d7f0"
branch_labels = None
depends_on = None


def upgrade():
    # Nothing dismissed yet: every reminder stays in its inbox until its reader says so.
    op.add_column("reminders", sa.Column("dismissed_at", sa.DateTime(timezone=True)))


def downgrade():
    # In place (SQLite 3.35 and later, PostgreSQL), as the other column drops here.
    op.execute("ALTER TABLE reminders DROP COLUMN dismissed_at")
