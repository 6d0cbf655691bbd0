"""login throttle buckets (address from a client, address, client) and session versions

Revision ID: a7c3e9f1b2d4
Revises: a7c3e91f4b20
Create Date: 2026-12-03 12:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9f1b2d4"
down_revision = "a7c3e91f4b20"
branch_labels = None
depends_on = None


def upgrade():
    # The old per-address counts are only a few minutes of state: start the buckets empty.
    op.drop_table("login_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_index(
        op.f("ix_login_throttles_updated_at"), "login_throttles", ["updated_at"], unique=False
    )
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade():
    # In place (SQLite 3.35 and later, PostgreSQL): a batch copy of users would cascade.
    op.execute("ALTER TABLE users DROP COLUMN session_version")
    op.drop_index(op.f("ix_login_throttles_updated_at"), table_name="login_throttles")
    op.drop_table("login_throttles")
    op.create_table(
        "login_throttles",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_login_throttles")),
    )
