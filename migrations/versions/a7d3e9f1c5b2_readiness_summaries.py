"""readiness summaries: what the portfolio sorts, filters and counts a store by, stored beside
its figures (the page reads these of every store and the figures of only the stores it shows)

Revision ID: a7d3e9f1c5b2
Revises: e5a7c9b1d3f2
Create Date: 2026-12-04 01:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d3e9f1c5b2"
down_revision = "e5a7c9b1d3f2"
branch_labels = None
depends_on = None


def upgrade():
    # The stored scores have no summary yet: each is counted again on its next request
    # (the scores' format moved as well).
    with op.batch_alter_table("store_scores") as batch:
        batch.add_column(sa.Column("basis", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("onboarding_percent", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("peak_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("peak_percent", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("overdue", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("blocked", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("store_scores") as batch:
        for name in (
            "blocked",
            "overdue",
            "peak_percent",
            "peak_on",
            "onboarding_percent",
            "status",
            "basis",
        ):
            batch.drop_column(name)
