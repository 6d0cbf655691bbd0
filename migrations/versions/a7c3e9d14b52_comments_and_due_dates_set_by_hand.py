"""a thread of comments per task, and due dates set by hand that regeneration keeps

Revision ID: a7c3e9d14b52
Revises: f3a9c2d71b08
Create Date: 2026-12-03 12:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e9d14b52"
down_revision = "f3a9c2d71b08"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "tasks",
        sa.Column("due_on_by_hand", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "task_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_comments_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_task_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_comments")),
    )
    op.create_index("ix_task_comments_task_id_id", "task_comments", ["task_id", "id"])


def downgrade():
    op.drop_index("ix_task_comments_task_id_id", table_name="task_comments")
    op.drop_table("task_comments")
    # In place, as e4b7d2a9c613 does: a batch copy would cascade-delete dependent rows.
    op.execute("ALTER TABLE tasks DROP COLUMN due_on_by_hand")
