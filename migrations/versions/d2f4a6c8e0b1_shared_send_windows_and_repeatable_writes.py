"""shared rate windows for robots, the install id, repeatable creates, a person's chosen zone

Revision ID: d2f4a6c8e0b1
Revises: d4f6a8c0e2b1
Create Date: 2026-12-03 15:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2f4a6c8e0b1"
down_revision = "d4f6a8c0e2b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone_settled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    # People still on the old default who joined no store yet take their first store's zone.
    op.execute(
        "UPDATE users SET timezone_settled = false WHERE timezone = 'UTC' AND id NOT IN "
        "(SELECT user_id FROM store_memberships)"
    )
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_windows")),
    )
    op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("install_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
    )
    op.create_table(
        "repeatable_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_repeatable_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeatable_requests")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_repeatable_requests_user_id_key")),
    )
    op.create_index(
        op.f("ix_repeatable_requests_created_at"),
        "repeatable_requests",
        ["created_at"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_repeatable_requests_created_at"), table_name="repeatable_requests")
    op.drop_table("repeatable_requests")
    op.drop_table("installation")
    op.drop_table("rate_windows")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone_settled")
