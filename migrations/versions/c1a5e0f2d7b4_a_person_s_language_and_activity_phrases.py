"""a person's language; activity entries kept as phrases

Revision ID: c1a5e0f2d7b4
Revises: 96fd240b15aa
Create Date: 2026-11-24 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a5e0f2d7b4"
down_revision = "96fd240b15aa"
branch_labels = None
depends_on = None


def upgrade():
    # Empty for everyone: they follow their browser until they choose.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    # Entries logged before stay English only (their phrase is empty).
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phrase", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("phrase")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")
