"""the tick: each scheduler's reminder mark, tasks indexed by when they changed

Revision ID: b8e2d4f6a1c3
Revises: d2f4a6c8e0b1
Create Date: 2026-12-03 22:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e2d4f6a1c3"
down_revision = "d2f4a6c8e0b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reminder_marks",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("queued_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("retry_stores", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_reminder_marks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_updated_at", ["updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_updated_at")
    op.drop_table("reminder_marks")
