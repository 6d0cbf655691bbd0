"""readiness snapshots for the weekly report; SQL NULL for tasks without a gate

Revision ID: 5d3c8e1f2a90
Revises: b80935742ebe
Create Date: 2026-12-01 19:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d3c8e1f2a90"
down_revision = "b80935742ebe"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "readiness_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("onboarding_percent", sa.Integer(), nullable=False),
        sa.Column("next_peak_key", sa.String(length=40), nullable=True),
        sa.Column("next_peak_date", sa.Date(), nullable=True),
        sa.Column("next_peak_percent", sa.Integer(), nullable=True),
        sa.Column("next_peak_status", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_readiness_snapshots_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_snapshots")),
        sa.UniqueConstraint(
            "store_id", "week_of", name=op.f("uq_readiness_snapshots_store_id_week_of")
        ),
    )
    # Tasks without a gate held JSON null; make it SQL NULL so "gated" is a plain IS NOT NULL.
    cast = "gate::text" if op.get_bind().dialect.name == "postgresql" else "gate"
    op.execute(f"UPDATE tasks SET gate = NULL WHERE {cast} = 'null'")


def downgrade():
    op.drop_table("readiness_snapshots")
