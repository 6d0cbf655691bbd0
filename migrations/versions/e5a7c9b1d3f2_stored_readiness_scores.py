"""stored readiness scores: each store's counts, its work version, and the triggers on tasks
that keep the version whatever writes the tasks

Revision ID: e5a7c9b1d3f2
Revises: b8e2d4f6a1c3
Create Date: 2026-12-03 22:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e5a7c9b1d3f2"
down_revision = "b8e2d4f6a1c3"
branch_labels = None
depends_on = None

# As in tracker/readiness/scores.py (kept here as they were at this revision).
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER tasks_store_work_insert AFTER INSERT ON tasks BEGIN
        INSERT INTO store_work (store_id, version) VALUES (NEW.store_id, 1)
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
    END
    """,
    """
    CREATE TRIGGER tasks_store_work_update AFTER UPDATE ON tasks BEGIN
        INSERT INTO store_work (store_id, version) VALUES (NEW.store_id, 1)
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
        INSERT INTO store_work (store_id, version)
        SELECT OLD.store_id, 1 WHERE OLD.store_id <> NEW.store_id
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
    END
    """,
    """
    CREATE TRIGGER tasks_store_work_delete AFTER DELETE ON tasks BEGIN
        INSERT INTO store_work (store_id, version) VALUES (OLD.store_id, 1)
        ON CONFLICT (store_id) DO UPDATE SET version = version + 1;
    END
    """,
)

POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION tasks_note_store_work() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO store_work_changes (store_id, xact)
            SELECT DISTINCT store_id, txid_current() FROM new_rows
            ON CONFLICT DO NOTHING;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO store_work_changes (store_id, xact)
            SELECT DISTINCT store_id, txid_current() FROM old_rows
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tasks_store_work_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_note_store_work()
    """,
    """
    CREATE TRIGGER tasks_store_work_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_note_store_work()
    """,
    """
    CREATE TRIGGER tasks_store_work_delete AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_note_store_work()
    """,
)

DROP_TRIGGERS = {
    "sqlite": (
        "DROP TRIGGER IF EXISTS tasks_store_work_insert",
        "DROP TRIGGER IF EXISTS tasks_store_work_update",
        "DROP TRIGGER IF EXISTS tasks_store_work_delete",
    ),
    "postgresql": (
        "DROP TRIGGER IF EXISTS tasks_store_work_insert ON tasks",
        "DROP TRIGGER IF EXISTS tasks_store_work_update ON tasks",
        "DROP TRIGGER IF EXISTS tasks_store_work_delete ON tasks",
        "DROP FUNCTION IF EXISTS tasks_note_store_work()",
    ),
}


def upgrade():
    op.create_table(
        "store_scores",
        sa.Column("store_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_scores")),
    )
    op.create_table(
        "store_work",
        sa.Column("store_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_work")),
    )
    op.create_table(
        "store_work_changes",
        sa.Column("store_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("xact", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "xact", name=op.f("pk_store_work_changes")),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}.get(
        dialect, ()
    ):
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS.get(op.get_bind().dialect.name, ()):
        op.execute(statement)
    op.drop_table("store_work_changes")
    op.drop_table("store_work")
    op.drop_table("store_scores")
