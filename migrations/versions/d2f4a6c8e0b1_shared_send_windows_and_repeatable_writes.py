"""shared rate windows for robots, the install id, repeatable creates, a person's chosen zone

Revision ID: d2f4a6c8e0b1
Revises: c9e1a3b5d7f0
Create Date: 2026-12-03 15:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d2f4a6c8e0b1"
down_revision = "c9e1a3b5d7f0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_windows")),
    )


def downgrade():
    op.drop_table("rate_windows")
