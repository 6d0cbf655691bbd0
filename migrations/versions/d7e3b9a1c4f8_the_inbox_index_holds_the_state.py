"""the inbox index holds each reminder's state: the inbox badge on every page counts from the
index alone, not each unread reminder's row

Revision ID: d7e3b9a1c4f8
Revises: b3e1f7a2c9d4
Create Date: 2026-12-05 00:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e3b9a1c4f8"
down_revision = "b3e1f7a2c9d4"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_reminders_inbox", table_name="reminders")
    op.create_index(
        "ix_reminders_inbox", "reminders", ["user_id", "channel_id", "read_at", "state"]
    )


def downgrade():
    op.drop_index("ix_reminders_inbox", table_name="reminders")
    op.create_index("ix_reminders_inbox", "reminders", ["user_id", "channel_id", "read_at"])
