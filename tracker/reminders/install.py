"""This installation's id, the first part of every reminder's ``Idempotency-Key``.

Kept in the database, not the instance folder, so every web worker and scheduler process of
one installation, on any machine, sends the same keys, and a restart changes nothing. It is
made at the first send (or by ``tracker reminders new-install-id``); a backup made with
``tracker backup`` leaves it out, so a restored database makes a new one: reminders built
after a restore from ids the lost part of the history had used get keys no receiver has seen.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.extensions import db
from tracker.reminders.models import Installation

ROW = 1


def install_id() -> str:
    """This installation's id, made (and committed) the first time it is needed."""
    found = db.session.scalar(select(Installation.install_id).where(Installation.id == ROW))
    if found:
        return found
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(Installation)
        .values(id=ROW, install_id=uuid.uuid4().hex)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    db.session.commit()  # two processes at once: the first one's id stands for both
    return db.session.scalars(select(Installation.install_id).where(Installation.id == ROW)).one()


def new_install_id() -> str:
    """Forget the id and make another (after restoring a database by other means); commit."""
    db.session.execute(delete(Installation))
    db.session.commit()
    return install_id()


def sent_key(install: str, key: str) -> str:
    """The ``Idempotency-Key`` a reminder is sent with: the install id, then its own key."""
    return f"{install}/{key}"
