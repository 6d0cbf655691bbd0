"""scheduler faults: what the scheduler's work keeps failing on, store by store and person by person

Revision ID: a7c3e91f4b20
Revises: 426e0d081995
Create Date: 2026-12-03 12:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c3e91f4b20"
down_revision = "426e0d081995"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_faults",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_scheduler_faults_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_scheduler_faults_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_faults")),
        sa.UniqueConstraint("stage", "subject", name=op.f("uq_scheduler_faults_stage_subject")),
    )


def downgrade():
    op.drop_table("scheduler_faults")
