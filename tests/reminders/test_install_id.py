"""Reminders' Idempotency-Keys carry the installation's id.

Before, keys were built from local ids alone (``due_soon:<task>:<person>:…``): two
installations posting to one receiver, or a database restored from a backup that then reused
ids, sent the same key for different reminders, and a receiver that drops repeats dropped them.
"""

from __future__ import annotations

from pathlib import Path

from flask_migrate import stamp
from sqlalchemy import select

from tracker import create_app
from tracker.cli.backup import backup_sqlite
from tracker.extensions import db
from tracker.reminders.dispatch import DispatchSettings, dispatch_due
from tracker.reminders.install import install_id
from tracker.reminders.models import Reminder
from tracker.reminders.queue import queue_now
from tracker.reminders.services import add_channel

FAST = DispatchSettings(backoff_seconds=0, allow_private_targets=True)


def _send_one(person, sink, key="event") -> str:
    add_channel(person, "webhook", sink.url)
    queue_now([person], "gate_open", key, "Unlocked", "You can do it now", store=None, tasks=[])
    db.session.commit()
    assert dispatch_due(FAST).sent == 2
    return db.session.scalars(select(Reminder.key).where(Reminder.channel_id.is_not(None))).one()


def test_each_key_starts_with_the_install_id_which_survives_a_restart(
    app, make_user, sink, database_url
):
    key = _send_one(make_user(), sink)
    [install] = sink.installs
    assert len(install) == 32 and install == install_id()
    assert sink.keys == {key: 1}
    # Another process on the same database (a restart, a second scheduler) uses the same id.
    again = create_app(
        {"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url}
    )
    with again.app_context():
        assert install_id() == install
        db.session.remove()
        db.engine.dispose()


def _sqlite_app(path: Path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI":
                      f"sqlite:///{path}"})  # fmt: skip
    with app.app_context():
        db.create_all()
    return app


def test_two_installations_send_different_keys_for_the_same_local_reminder(tmp_path):
    ids = []
    for name in ("first", "second"):
        with _sqlite_app(tmp_path / f"{name}.sqlite3").app_context():
            ids.append(install_id())
            db.session.remove()
            db.engine.dispose()
    assert ids[0] != ids[1]


def test_a_restored_backup_is_a_new_installation(tmp_path):
    live = tmp_path / "live.sqlite3"
    app = _sqlite_app(live)
    with app.app_context():
        before = install_id()
        db.session.remove()
        db.engine.dispose()
    copy = backup_sqlite(live, tmp_path / "backup.sqlite3")
    with _sqlite_app(copy).app_context():
        assert install_id() != before  # the restored copy makes its own
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        assert install_id() == before  # the live database keeps its own
        db.session.remove()
        db.engine.dispose()


def test_the_install_id_can_be_renewed_by_hand_after_another_kind_of_restore(app, runner):
    before = install_id()
    stamp()  # the test's schema came from the models: it is current
    result = runner.invoke(args=["reminders", "new-install-id"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = install_id()
    assert after != before and after in result.output
