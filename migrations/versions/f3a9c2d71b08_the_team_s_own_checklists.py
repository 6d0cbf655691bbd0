"""the team's own checklists, their versions, and the version a task came from

Revision ID: f3a9c2d71b08
Revises: f3c8a1d5b2e7
Create Date: 2026-12-03 12:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f3a9c2d71b08"
down_revision = "f3c8a1d5b2e7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checklists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("applies_to", sa.JSON(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "checklist_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["checklist_id"], ["checklists.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["saved_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checklist_id", "version"),
    )
    op.add_column("tasks", sa.Column("checklist_version", sa.Integer(), nullable=True))
    op.add_column(
        "tasks",
        sa.Column("counts_for_readiness", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    # In place (SQLite 3.35 and later, PostgreSQL): a batch copy of the tasks table would
    # drop the old one, and ON DELETE CASCADE would take every task's activity with it.
    op.execute("ALTER TABLE tasks DROP COLUMN counts_for_readiness")
    op.execute("ALTER TABLE tasks DROP COLUMN checklist_version")
    op.drop_table("checklist_versions")
    op.drop_table("checklists")
